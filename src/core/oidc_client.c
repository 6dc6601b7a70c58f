/* oidc_client: see oidc_client.h. */
#include "oidc_client.h"

#include <sodium.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "oidc_key.h"
#include "store.h"
#include "text.h"
#include "token.h"

int oidc_word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    if (!list || !n) return 0;
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (w == n && !memcmp(p, word, n)) return 1;
        p += w;
    }
    return 0;
}

int oidc_words_within(struct arena *a, const char *want, const char *have)
{
    for (const char *p = want; *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (w && !oidc_word_in(have, arena_strndup(a, p, w))) return 0;
        p += w;
    }
    return 1;
}

int oidc_uri_ok(const char *uri)
{
    if (!uri || strlen(uri) > 1000 || strchr(uri, '#')) return 0;
    const char *rest = !strncmp(uri, "https://", 8)  ? uri + 8
                       : !strncmp(uri, "http://", 7) ? uri + 7
                                                     : NULL;
    if (!rest || !*rest || *rest == '/') return 0;
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\') return 0;
    return 1;
}

/* 1 when every space-separated word of s passes ok (and there is one) */
static int each_word(struct arena *a, const char *s, int (*ok)(const char *))
{
    int n = 0;
    for (const char *p = s; p && *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (!w) break;
        if (!ok(arena_strndup(a, p, w))) return 0;
        n++;
        p += w;
    }
    return n > 0;
}

static int scope_known(const char *w)
{
    return oidc_word_in(OIDC_SCOPES, w);
}

static void new_secret(struct arena *a, char **secret, char *hash)
{
    char tok[TOKEN_LEN + 1];
    token_new(tok);
    *secret = arena_strdup(a, tok);
    token_hash(tok, hash);
    sodium_memzero(tok, sizeof(tok));
}

enum ocl_rc oidc_client_add(struct arena *a, const struct ocl_new *in, char **client_id,
                            char **secret, const char **err)
{
    const char *scopes = in->scopes && *in->scopes ? in->scopes : OIDC_SCOPES;
    *secret = NULL;
    if (!in->name || !*in->name || strlen(in->name) > 80 || !text_valid_utf8(in->name)) {
        *err = "NAME: 1 to 80 characters";
        return OCL_INVALID;
    }
    if (!each_word(a, in->redirect_uris, oidc_uri_ok)) {
        *err = "--redirect-uri: an absolute http(s) URI without a fragment";
        return OCL_INVALID;
    }
    if (in->post_logout_uris && *in->post_logout_uris &&
        !each_word(a, in->post_logout_uris, oidc_uri_ok)) {
        *err = "--post-logout-uri: an absolute http(s) URI without a fragment";
        return OCL_INVALID;
    }
    if (!each_word(a, scopes, scope_known)) {
        *err = "--scopes: words of \"" OIDC_SCOPES "\"";
        return OCL_INVALID;
    }
    if (in->id_token_alg && !oidc_key_alg_ok(in->id_token_alg)) {
        *err = "--id-token-alg: RS256 or ES256";
        return OCL_INVALID;
    }
    char tok[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1];
    token_new(tok);
    *client_id = arena_strndup(a, tok, 22);
    if (!in->is_public) new_secret(a, secret, hash);
    struct oidc_client_row row = {
        .client_id = *client_id,
        .name = (char *)in->name,
        .secret_hash = in->is_public ? NULL : hash,
        .redirect_uris = (char *)in->redirect_uris,
        .post_logout_uris = (char *)in->post_logout_uris,
        .scopes = (char *)scopes,
        .is_public = in->is_public,
        .first_party = in->first_party,
        .id_token_alg = (char *)in->id_token_alg,
    };
    struct st_conn *c = st_get();
    int64_t id;
    return c && oidc_clients_insert(c, &row, (int64_t)time(NULL), &id) == ST_OK ? OCL_OK : OCL_BUSY;
}

enum ocl_rc oidc_client_rotate_secret(struct arena *a, const char *client_id, char **secret)
{
    char hash[TOKEN_HASH_LEN + 1];
    new_secret(a, secret, hash);
    struct st_conn *c = st_get();
    int n = c ? oidc_clients_set_secret(c, client_id, hash, (int64_t)time(NULL)) : -1;
    return n < 0 ? OCL_BUSY : n ? OCL_OK : OCL_NOTFOUND;
}

enum ocl_rc oidc_client_set_alg(const char *client_id, const char *alg)
{
    if (!oidc_key_alg_ok(alg)) return OCL_INVALID;
    struct st_conn *c = st_get();
    int n = c ? oidc_clients_set_alg(c, client_id, alg, (int64_t)time(NULL)) : -1;
    return n < 0 ? OCL_BUSY : n ? OCL_OK : OCL_NOTFOUND;
}

/* s form-urlencoded decoded (in place); NULL when an escape is malformed or decodes a NUL */
static char *form_decode(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '%') {
            unsigned v;
            if (!p[1] || !p[2] || sscanf(p + 1, "%2x", &v) != 1 || !v) return NULL;
            *o++ = (char)v;
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return s;
}

/* HTTP Basic credentials (RFC 6749 §2.3.1: each part form-urlencoded) into *id and *secret */
static int basic_parse(struct arena *a, const char *h, char **id, char **secret)
{
    if (strncasecmp(h, "Basic ", 6)) return -1;
    size_t n = strlen(h + 6), len;
    char *raw = arena_alloc(a, n + 1);
    if (sodium_base642bin((unsigned char *)raw, n, h + 6, n, " ", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    raw[len] = 0;
    char *colon = strchr(raw, ':');
    if (!colon || memchr(raw, 0, len)) return -1;
    *colon = 0;
    *id = form_decode(raw);
    *secret = form_decode(colon + 1);
    return *id && *secret ? 0 : -1;
}

enum ocl_rc oidc_client_auth(struct arena *a, const struct ocl_auth_in *in,
                             struct oidc_client_row *out, int *basic)
{
    char *id = (char *)in->client_id, *secret = (char *)in->client_secret;
    *basic = in->authorization && *in->authorization;
    if (*basic) {
        char *bid, *bsecret;
        if (basic_parse(a, in->authorization, &bid, &bsecret) != 0 || secret ||
            (id && strcmp(id, bid)))
            return OCL_INVALID;
        id = bid;
        secret = bsecret;
    }
    if (!id || !*id || strlen(id) > 64) return OCL_INVALID;
    struct st_conn *c = st_get();
    if (!c) return OCL_BUSY;
    enum st_rc rc = oidc_clients_get(c, a, id, out);
    if (rc == ST_NOTFOUND) return OCL_INVALID;
    if (rc != ST_OK) return OCL_BUSY;
    if (out->is_public) return secret ? OCL_INVALID : OCL_OK;
    if (!secret || !token_wellformed(secret)) return OCL_INVALID;
    char hash[TOKEN_HASH_LEN + 1];
    token_hash(secret, hash);
    return token_equal(hash, out->secret_hash) ? OCL_OK : OCL_INVALID;
}
