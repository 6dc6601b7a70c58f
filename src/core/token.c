/* token: random tokens, their hashes, and one-time tokens (the table is tokens.c's). Consuming
 * is one conditional write (used_at still NULL), so two racing clicks cannot both succeed. */
#include "token.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "store.h"
#include "tokens.h"

void token_new(char *out)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, TOKEN_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void token_hash(const char *token, char *out)
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, TOKEN_HASH_LEN + 1, h, sizeof(h));
}

void token_new_hashed(char tok[TOKEN_LEN + 1], char hash[TOKEN_HASH_LEN + 1])
{
    token_new(tok);
    token_hash(tok, hash);
}

int token_wellformed(const char *a)
{
    if (!a || strlen(a) != TOKEN_LEN) return 0;
    for (const char *p = a; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
}

int token_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b)) return 0;
    return sodium_memcmp(a, b, n) == 0;
}

int token_issue(struct st_conn *c, const char *kind, int64_t account_id, const char *email,
                int64_t now, int64_t ttl, char *token_out)
{
    char h[TOKEN_HASH_LEN + 1];
    token_new_hashed(token_out, h);
    return tokens_insert(c, h, kind, account_id, email, now, now + ttl);
}

int token_peek(struct st_conn *c, struct arena *a, const char *kind, const char *token,
               int64_t *account_id, char **email)
{
    if (!token_wellformed(token)) return 0;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(token, h);
    enum st_rc rc = tokens_peek(c, a, h, kind, account_id, email);
    return rc == ST_OK ? 1 : rc == ST_NOTFOUND ? 0 : -1;
}

enum token_use token_consume(struct st_conn *c, struct arena *a, const char *kind,
                             const char *token, int64_t now, int64_t *account_id, char **email)
{
    if (!token_wellformed(token)) return TOKEN_UNKNOWN;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(token, h);
    enum st_rc rc = tokens_use(c, a, h, kind, now, account_id, email);
    if (rc == ST_OK) return TOKEN_OK;
    if (rc != ST_NOTFOUND) return TOKEN_STORE_ERR;
    int64_t used = 0, exp = 0;
    rc = tokens_state(c, h, kind, &used, &exp);
    if (rc == ST_NOTFOUND) return TOKEN_UNKNOWN;
    if (rc != ST_OK) return TOKEN_STORE_ERR;
    return used ? TOKEN_USED : TOKEN_EXPIRED;
}
