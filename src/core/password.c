/* password: policy checks, then argon2id (libsodium crypto_pwhash_str_alg) under a counting
 * semaphore. The common list is data/common-passwords.txt, built in, kept sorted in memory. */
#include "password.h"

#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "asset.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "text.h"

static char **common;
static size_t n_common;
static sem_t slots;
static int slots_ready;
static unsigned slots_total;
static char dummy_hash[PASSWORD_HASH_MAX];

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_common(void)
{
    const struct asset *as = asset_get("data/common-passwords.txt");
    if (!as) return -1;
    char *text = strndup((const char *)as->data, as->len), *save = NULL;
    size_t cap = 4096;
    common = malloc(cap * sizeof(char *));
    for (char *l = strtok_r(text, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        if (*l == '#' || !*l) continue;
        if (n_common == cap) common = realloc(common, (cap *= 2) * sizeof(char *));
        common[n_common++] = strdup(l);
    }
    free(text);
    qsort(common, n_common, sizeof(char *), str_cmp);
    return 0;
}

static unsigned long long memlimit(void)
{
    return (unsigned long long)cfg->argon2_memory_kib * 1024ULL;
}

int password_init(void)
{
    if (load_common() != 0) {
        log_warnx("password: common password list missing");
        return -1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cfg->hash_slots ? (unsigned)cfg->hash_slots : (unsigned)(cores > 0 ? cores : 1);
    if (sem_init(&slots, 0, n) != 0) return -1;
    slots_total = n;
    slots_ready = 1;
    char pw[32];
    randombytes_buf(pw, sizeof(pw) - 1);
    for (size_t i = 0; i < sizeof(pw) - 1; i++) pw[i] = (char)('a' + (unsigned char)pw[i] % 26);
    pw[sizeof(pw) - 1] = 0;
    if (crypto_pwhash_str_alg(dummy_hash, pw, strlen(pw),
                              (unsigned long long)cfg->argon2_iterations, (size_t)memlimit(),
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -1;
    log_info("password: %zu common passwords, %u hash slots, argon2id m=%lld KiB t=%lld", n_common,
             n, (long long)cfg->argon2_memory_kib, (long long)cfg->argon2_iterations);
    return 0;
}

void password_shutdown(void)
{
    for (size_t i = 0; i < n_common; i++) free(common[i]);
    free(common);
    common = NULL;
    n_common = 0;
    if (slots_ready) sem_destroy(&slots);
    slots_ready = 0;
}

size_t password_common_count(void)
{
    return n_common;
}

static int is_common(const char *folded)
{
    return bsearch(&folded, common, n_common, sizeof(char *), str_cmp) != NULL;
}

/* word (already folded) of 4+ characters contained in pw, or a shorter one equal to it */
static int has_word(const char *pw, const char *word)
{
    if (!word || !*word) return 0;
    return strlen(word) >= 4 ? strstr(pw, word) != NULL : !strcmp(pw, word);
}

const char *password_normalize(struct arena *a, const char *pw)
{
    return text_nfkc(a, pw);
}

enum pw_policy password_check(struct arena *a, const char *pw, const char *username,
                              const char *email, const char **normalized)
{
    if (!pw || !text_valid_utf8(pw)) return PW_INVALID;
    if (strlen(pw) > 4 * (size_t)cfg->password_max_length) return PW_TOO_LONG;
    const char *n = text_nfkc(a, pw);
    if (!n) return PW_INVALID;
    long cps = text_codepoints(n);
    if (cps < cfg->password_min_length) return PW_TOO_SHORT;
    if (cps > cfg->password_max_length) return PW_TOO_LONG;
    const char *folded = text_fold(a, n);
    if (!folded || is_common(folded)) return PW_COMMON;
    if (has_word(folded, text_fold(a, username ? username : ""))) return PW_CONTEXT;
    if (email) {
        char *local = arena_strdup(a, email), *at = strchr(local, '@');
        if (at) *at = 0;
        if (has_word(folded, text_fold(a, local))) return PW_CONTEXT;
    }
    if (has_word(folded, text_fold(a, cfg->site_name))) return PW_CONTEXT;
    *normalized = n;
    return PW_OK;
}

int password_slots_in_use(void)
{
    int v = 0;
    if (!slots_ready || sem_getvalue(&slots, &v) != 0) return -1;
    return (int)slots_total - (v > 0 ? v : 0);
}

static int slot_take(void)
{
    if (sem_trywait(&slots) == 0) return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += cfg->hash_wait_ms / 1000;
    ts.tv_nsec += (cfg->hash_wait_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    while (sem_timedwait(&slots, &ts) != 0) {
        if (errno == EINTR) continue;
        log_warnx("password: no hash slot within %lld ms", (long long)cfg->hash_wait_ms);
        metrics_inc(MET_HASH_WAITS, "timeout", NULL);
        return -1;
    }
    metrics_inc(MET_HASH_WAITS, "got", NULL);
    return 0;
}

enum pw_rc password_hash(const char *normalized, char *out)
{
    if (slot_take() != 0) return PWR_BUSY;
    int rc = crypto_pwhash_str_alg(out, normalized, strlen(normalized),
                                   (unsigned long long)cfg->argon2_iterations, (size_t)memlimit(),
                                   crypto_pwhash_ALG_ARGON2ID13);
    sem_post(&slots);
    return rc == 0 ? PWR_OK : PWR_ERR;
}

enum pw_rc password_verify(const char *hash, const char *normalized, int *rehash)
{
    *rehash = 0;
    if (slot_take() != 0) return PWR_BUSY;
    const char *h = hash ? hash : dummy_hash;
    const char *p = normalized ? normalized : "";
    int rc = crypto_pwhash_str_verify(h, p, strlen(p));
    sem_post(&slots);
    if (!hash || rc != 0) return PWR_MISMATCH;
    *rehash = crypto_pwhash_str_needs_rehash(hash, (unsigned long long)cfg->argon2_iterations,
                                             (size_t)memlimit()) != 0;
    return PWR_OK;
}

const char *password_policy_error(enum pw_policy rc)
{
    switch (rc) {
    case PW_TOO_SHORT:
        return "signup.err.password_short";
    case PW_TOO_LONG:
        return "signup.err.password_long";
    case PW_COMMON:
        return "signup.err.password_common";
    case PW_CONTEXT:
        return "signup.err.password_context";
    default:
        return "signup.err.password_invalid";
    }
}
