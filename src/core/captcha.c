/* captcha: the challenge's life in the store (the table is captchas.c's). The image is drawn by
 * captcha_img.c and sent inline as a data: URI, so no image URL exists that could be re-fetched to
 * mint answers. */
#include "captcha.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "captcha_img.h"
#include "captchas.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "pow.h"
#include "ratelimit.h"
#include "store.h"
#include "token.h"

char *captcha_normalize(struct arena *a, const char *answer)
{
    if (!answer) return NULL;
    size_t n = strlen(answer);
    if (n > 64) n = 64;
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)answer[i])) *o++ = (char)toupper((unsigned char)answer[i]);
    *o = 0;
    return out;
}

/* hash of (id, answer), so equal answers of two challenges look different */
static void answer_hash(const char *id, const char *norm, char *out)
{
    unsigned char h[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
    crypto_generichash_update(&st, (const unsigned char *)":", 1);
    crypto_generichash_update(&st, (const unsigned char *)norm, strlen(norm));
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(out, 65, h, sizeof(h));
}

static void random_answer(char *out)
{
    static const char alphabet[] = CAPTCHA_ALPHABET;
    uint32_t len = 5 + randombytes_uniform(2);
    for (uint32_t i = 0; i < len; i++) out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    out[len] = 0;
}

int captcha_new(struct arena *a, const char *ip, int64_t now, char **id_out, char **uri_out)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    enum rl_rc rl = ratelimit_hit(c, arena_printf(a, "captcha:ip:%s", ip ? ip : ""),
                                  &cfg->limit_captcha_ip, now);
    if (rl == RL_ERR) return -1;
    if (rl == RL_DENY) return CAPTCHA_NEW_LIMITED;
    char id[TOKEN_LEN + 1], idh[TOKEN_HASH_LEN + 1], answer[16], ah[65];
    if (*cfg->captcha_test_answer)
        snprintf(answer, sizeof(answer), "%s", captcha_normalize(a, cfg->captcha_test_answer));
    else
        random_answer(answer);
    size_t png_len = 0;
    unsigned char *png = captcha_img_png(a, answer, &png_len);
    if (!png) return -1;
    token_new(id);
    token_hash(id, idh);
    answer_hash(id, answer, ah);
    if (captchas_insert(c, idh, ah, now + CAPTCHA_TTL) != 0) return -1;
    size_t b64 = sodium_base64_encoded_len(png_len, sodium_base64_VARIANT_ORIGINAL);
    char *uri = arena_alloc(a, 22 + b64);
    memcpy(uri, "data:image/png;base64,", 22);
    sodium_bin2base64(uri + 22, b64, png, png_len, sodium_base64_VARIANT_ORIGINAL);
    metrics_inc(MET_CAPTCHA, "shown", NULL);
    *id_out = arena_strdup(a, id);
    *uri_out = uri;
    return 0;
}

/* The proof-of-work alternative: id is the challenge, answer the number the browser found. */
static enum captcha_rc captcha_pow(struct arena *a, const char *id, const char *answer, int64_t now)
{
    if (strcmp(cfg->captcha_alternative, "pow")) return CAPTCHA_UNKNOWN;
    if (!answer || !*answer) return CAPTCHA_MISSING;
    enum pow_rc rc = pow_verify(a, id, answer, now);
    if (rc != POW_OK && rc != POW_STORE_ERR) metrics_inc(MET_CAPTCHA, "failed", NULL);
    switch (rc) {
    case POW_OK:
        return CAPTCHA_OK;
    case POW_EXPIRED:
    case POW_REPLAYED:
        return CAPTCHA_UNKNOWN;
    case POW_STORE_ERR:
        return CAPTCHA_STORE_ERR;
    default:
        return CAPTCHA_WRONG;
    }
}

enum captcha_rc captcha_check(struct arena *a, const char *id, const char *answer, int64_t now)
{
    if (id && !strncmp(id, POW_PREFIX, strlen(POW_PREFIX))) return captcha_pow(a, id, answer, now);
    if (!id || !token_wellformed(id)) return CAPTCHA_UNKNOWN;
    char *norm = captcha_normalize(a, answer);
    struct st_conn *c = st_get();
    if (!c) return CAPTCHA_STORE_ERR;
    char idh[TOKEN_HASH_LEN + 1], ah[65];
    token_hash(id, idh);
    char *stored = NULL;
    int64_t exp = 0;
    /* consume first: whatever the answer, this challenge cannot be tried again */
    enum st_rc rc = captchas_take(c, a, idh, &stored, &exp);
    if (rc == ST_NOTFOUND) return CAPTCHA_UNKNOWN;
    if (rc != ST_OK) return CAPTCHA_STORE_ERR;
    if (exp <= now) return CAPTCHA_UNKNOWN;
    if (!norm || !*norm) return CAPTCHA_MISSING;
    answer_hash(id, norm, ah);
    if (!stored || !token_equal(stored, ah)) metrics_inc(MET_CAPTCHA, "failed", NULL);
    return stored && token_equal(stored, ah) ? CAPTCHA_OK : CAPTCHA_WRONG;
}
