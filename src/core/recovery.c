/* recovery: see recovery.h. */
#include "recovery.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "recovery_codes.h"
#include "token.h"

static const char ALPHA[] = "abcdefghijklmnopqrstuvwxyz234567";

int recovery_generate(struct st_conn *c, struct arena *a, int64_t account, char **out, int64_t now)
{
    if (recovery_codes_delete_all(c, account) < 0) return -1;
    for (int i = 0; i < RECOVERY_CODES; i++) {
        char code[RECOVERY_CODE_LEN + 1], norm[11], h[TOKEN_HASH_LEN + 1];
        for (int j = 0, k = 0; j < RECOVERY_CODE_LEN; j++) {
            if (j == 5) {
                code[j] = '-';
                continue;
            }
            code[j] = norm[k++] = ALPHA[randombytes_uniform(32)];
        }
        code[RECOVERY_CODE_LEN] = norm[10] = 0;
        token_hash(norm, h);
        if (recovery_codes_insert(c, account, h, now) != 0) return -1;
        out[i] = arena_strdup(a, code);
    }
    return 0;
}

char *recovery_normalize(struct arena *a, const char *typed)
{
    char norm[11];
    int n = 0;
    for (const char *p = typed; p && *p; p++) {
        if (*p == ' ' || *p == '-') continue;
        char ch = (char)tolower((unsigned char)*p);
        if (!strchr(ALPHA, ch) || !ch || n == 10) return NULL;
        norm[n++] = ch;
    }
    norm[n] = 0;
    return n == 10 ? arena_strdup(a, norm) : NULL;
}

int recovery_use(struct st_conn *c, struct arena *a, int64_t account, const char *typed,
                 int64_t now)
{
    char *norm = recovery_normalize(a, typed);
    if (!norm) return 0;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(norm, h);
    char *hashes[RECOVERY_CODES * 2];
    int n = recovery_codes_unused(c, a, account, hashes, RECOVERY_CODES * 2);
    if (n < 0) return -1;
    const char *match = NULL;
    for (int i = 0; i < n; i++)
        if (strlen(hashes[i]) == TOKEN_HASH_LEN && sodium_memcmp(hashes[i], h, TOKEN_HASH_LEN) == 0)
            match = hashes[i];
    if (!match) return 0;
    return recovery_codes_use(c, account, match, now);
}

int64_t recovery_left(struct st_conn *c, int64_t account)
{
    return recovery_codes_count(c, account);
}

int recovery_drop(struct st_conn *c, int64_t account)
{
    return recovery_codes_delete_all(c, account) < 0 ? -1 : 0;
}
