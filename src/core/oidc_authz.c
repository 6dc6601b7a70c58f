/* oidc_authz: see oidc_authz.h. */
#include "oidc_authz.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "log.h"
#include "oidc_client.h"
#include "oidc_codes.h"
#include "oidc_consents.h"
#include "session.h"
#include "store.h"
#include "text.h"
#include "token.h"

const char *oidc_issuer(void)
{
    return cfg->origin;
}

char *oidc_url_with(struct arena *a, const char *uri, const char *const *params)
{
    struct abuf b;
    abuf_init(&b, a, strlen(uri) + 256);
    abuf_adds(&b, uri);
    char sep = strchr(uri, '?') ? '&' : '?';
    for (int i = 0; params[i]; i += 2) {
        if (!params[i + 1]) continue;
        abuf_addc(&b, sep);
        sep = '&';
        abuf_printf(&b, "%s=%s", params[i], text_urlencode(a, params[i + 1]));
    }
    return abuf_str(&b);
}

static enum oa_rc back(struct arena *a, const struct oa_req *q, struct oa_out *out,
                       const char *error, const char *desc)
{
    out->error = error;
    const char *p[] = {"error",  error, "error_description", desc, "state",
                       q->state, "iss", oidc_issuer(),       NULL};
    out->location = oidc_url_with(a, q->redirect_uri, p);
    return OA_REDIRECT;
}

/* the union of two scope lists */
static const char *words_union(struct arena *a, const char *x, const char *y)
{
    char *out = arena_strdup(a, x);
    for (const char *p = y; *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        char *word = arena_strndup(a, p, w);
        if (w && !oidc_word_in(out, word))
            out = arena_printf(a, "%s%s%s", out, *out ? " " : "", word);
        p += w;
    }
    return out;
}

static int b64url_shape(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max) return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* prompt's words: 1 none, 2 login, 4 consent, 8 select_account; -1 for anything else */
static int prompt_bits(const char *prompt)
{
    static const char *const names[] = {"none", "login", "consent", "select_account"};
    int bits = 0;
    for (const char *p = prompt ? prompt : ""; *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " "), i;
        if (!w) break;
        for (i = 0; i < 4; i++)
            if (strlen(names[i]) == w && !strncmp(p, names[i], w)) break;
        if (i == 4) return -1;
        bits |= 1 << i;
        p += w;
    }
    return (bits & 1) && bits != 1 ? -1 : bits;
}

/* records the consent page's "allow" (the union with what was allowed before); 0 or -1 */
static int remember(struct arena *a, const struct session *s, int64_t now, struct oa_out *out)
{
    struct st_conn *c = st_get();
    char *had = NULL;
    if (!c || st_begin(c) != ST_OK) return -1;
    enum st_rc rc = oidc_consents_get(c, a, s->account_id, out->client.id, &had);
    if ((rc != ST_OK && rc != ST_NOTFOUND) ||
        oidc_consents_put(c, s->account_id, out->client.id,
                          rc == ST_OK ? words_union(a, had, out->scope) : out->scope,
                          now) != ST_OK ||
        st_commit(c) != ST_OK) {
        st_rollback(c);
        return -1;
    }
    return 0;
}

/* issues the code and the redirect carrying it */
static enum oa_rc issue(struct arena *a, const struct oa_req *q, const struct session *s,
                        int64_t now, struct oa_out *out)
{
    char code[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1];
    token_new(code);
    token_hash(code, hash);
    struct oidc_code_row row = {
        .client_id = out->client.id,
        .account_id = s->account_id,
        .redirect_uri = (char *)q->redirect_uri,
        .scope = (char *)out->scope,
        .nonce = (char *)q->nonce,
        .challenge = (char *)q->code_challenge,
        .auth_time = s->auth_at,
        .amr = (char *)(s->amr ? s->amr : ""),
        .expires_at = now + OIDC_CODE_TTL,
    };
    struct st_conn *c = st_get();
    char *had = NULL;
    if (!c || st_begin(c) != ST_OK) return OA_BUSY;
    enum st_rc rc = oidc_consents_get(c, a, s->account_id, out->client.id, &had);
    if ((rc != ST_OK && rc != ST_NOTFOUND) ||
        oidc_consents_put(c, s->account_id, out->client.id,
                          rc == ST_OK ? words_union(a, had, out->scope) : out->scope,
                          now) != ST_OK ||
        oidc_codes_insert(c, hash, &row, now) != ST_OK || st_commit(c) != ST_OK) {
        st_rollback(c);
        return OA_BUSY;
    }
    const char *p[] = {"code", code, "state", q->state, "iss", oidc_issuer(), NULL};
    out->location = oidc_url_with(a, q->redirect_uri, p);
    return OA_REDIRECT;
}

enum oa_rc oidc_authorize(struct arena *a, const struct oa_req *q, const struct session *s,
                          int decision, int64_t now, struct oa_out *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    if (!c) return OA_BUSY;
    if (!q->client_id || strlen(q->client_id) > 64) return OA_BAD_CLIENT;
    enum st_rc rc = oidc_clients_get(c, a, q->client_id, &out->client);
    if (rc == ST_NOTFOUND) return OA_BAD_CLIENT;
    if (rc != ST_OK) return OA_BUSY;
    if (!q->redirect_uri || !oidc_uri_ok(q->redirect_uri) ||
        !oidc_word_in(out->client.redirect_uris, q->redirect_uri))
        return OA_BAD_REDIRECT;

    /* from here on errors go back to the verified redirect URI */
    if (q->request || q->request_uri)
        return back(a, q, out, q->request ? "request_not_supported" : "request_uri_not_supported",
                    NULL);
    if (!q->response_type || strcmp(q->response_type, "code"))
        return back(a, q, out, "unsupported_response_type", "only response_type=code");
    if (q->response_mode && strcmp(q->response_mode, "query"))
        return back(a, q, out, "invalid_request", "only response_mode=query");
    const char *scope = q->scope ? text_trim(a, q->scope) : "";
    if (!*scope || !oidc_words_within(a, scope, OIDC_SCOPES))
        return back(a, q, out, "invalid_scope", "unknown scope");
    if (!oidc_words_within(a, scope, out->client.scopes))
        return back(a, q, out, "invalid_scope", "scope not allowed for this client");
    out->scope = scope;
    if (q->code_challenge_method && strcmp(q->code_challenge_method, "S256"))
        return back(a, q, out, "invalid_request", "code_challenge_method must be S256");
    if (q->code_challenge && !b64url_shape(q->code_challenge, 43, 43))
        return back(a, q, out, "invalid_request", "code_challenge: 43 base64url characters");
    if (q->code_challenge && !q->code_challenge_method)
        return back(a, q, out, "invalid_request", "code_challenge_method must be S256");
    if (!q->code_challenge && out->client.is_public)
        return back(a, q, out, "invalid_request", "PKCE (S256) is required");
    if ((q->state && strlen(q->state) > 512) || (q->nonce && strlen(q->nonce) > 512))
        return back(a, q, out, "invalid_request", "state or nonce too long");
    int prompt = prompt_bits(q->prompt);
    if (prompt < 0) return back(a, q, out, "invalid_request", "prompt");
    char *end = NULL;
    long long max_age = q->max_age ? strtoll(q->max_age, &end, 10) : -1;
    if (q->max_age && (!*q->max_age || *end || max_age < 0))
        return back(a, q, out, "invalid_request", "max_age");
    long long after = q->login_after ? strtoll(q->login_after, NULL, 10) : 0;

    if (!s) return prompt & 1 ? back(a, q, out, "login_required", NULL) : OA_LOGIN;
    int fresh_enough = after && s->auth_at >= after;
    if (!fresh_enough && ((prompt & 2) || (max_age >= 0 && now - s->auth_at > max_age)))
        return prompt & 1 ? back(a, q, out, "login_required", NULL) : OA_REAUTH;

    if (decision < 0) return back(a, q, out, "access_denied", "the person declined");
    if (decision > 0) return remember(a, s, now, out) == 0 ? OA_AGAIN : OA_BUSY;
    if (decision == 0 && !out->client.first_party) {
        char *had = NULL;
        rc = oidc_consents_get(c, a, s->account_id, out->client.id, &had);
        if (rc != ST_OK && rc != ST_NOTFOUND) return OA_BUSY;
        int known = rc == ST_OK && oidc_words_within(a, scope, had);
        if (!known || (prompt & 4))
            return prompt & 1 ? back(a, q, out, "consent_required", NULL) : OA_CONSENT;
    }
    return issue(a, q, s, now, out);
}

const char *oidc_logout_target(struct arena *a, const char *client_id, const char *uri,
                               const char *state)
{
    struct oidc_client_row cl;
    struct st_conn *c = st_get();
    if (!uri || !client_id || strlen(client_id) > 64 || !c ||
        oidc_clients_get(c, a, client_id, &cl) != ST_OK || !oidc_word_in(cl.post_logout_uris, uri))
        return NULL;
    const char *p[] = {"state", state, NULL};
    return oidc_url_with(a, uri, p);
}
