/* passkey: see passkey.h. */
#include "passkey.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "log.h"
#include "mail.h"
#include "mfa.h"
#include "passkeys.h"
#include "recovery.h"
#include "secrets.h"
#include "store.h"
#include "text.h"
#include "webauthn.h"
#include "webauthn_challenges.h"

/* public_url's host: the RP ID. */
static const char *rp_id(struct arena *a)
{
    const char *h = strstr(cfg->origin, "://");
    h = h ? h + 3 : cfg->origin;
    size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    return arena_strdup(a, arena_printf(a, "%.*s", (int)n, h));
}

static char *user_handle(struct arena *a, int64_t account)
{
    unsigned char out[32];
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "daoid-webauthn-user:%lld", (long long)account);
    const unsigned char *key = secrets_token_key(NULL);
    crypto_generichash(out, sizeof(out), (const unsigned char *)msg, (size_t)n, key,
                       key ? SECRETS_KEY_LEN : 0);
    return webauthn_b64u(a, out, sizeof(out));
}

static enum pk_rc challenge(struct arena *a, const char *kind, int64_t account, const char *name,
                            char tok[TOKEN_LEN + 1], char **b64)
{
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    *b64 = webauthn_b64u(a, raw, sizeof(raw));
    char h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
    int64_t now = time(NULL);
    struct webauthn_challenge_row row = {*b64, (char *)kind, account, (char *)name,
                                         now + PASSKEY_CHALLENGE_TTL};
    return webauthn_challenges_insert(c, h, &row, now) == 0 ? PK_OK : PK_ERR;
}

/* The live challenge of tok, taken; its kind must begin with kind ("login" takes "login" and
 * "login2"). */
static enum pk_rc take(struct st_conn *c, struct arena *a, const char *tok, const char *kind,
                       struct webauthn_challenge_row *row)
{
    if (!tok || !token_wellformed(tok)) return PK_GONE;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(tok, h);
    enum st_rc rc = webauthn_challenges_take(c, a, h, row);
    if (rc == ST_NOTFOUND) return PK_GONE;
    if (rc != ST_OK) return PK_ERR;
    if (strncmp(row->kind, kind, strlen(kind)) || row->expires_at <= time(NULL)) return PK_GONE;
    return PK_OK;
}

static json_t *cred_list(struct st_conn *c, struct arena *a, int64_t account)
{
    struct passkey_row rows[50];
    int n = passkeys_list(c, a, account, rows, 50);
    json_t *l = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(l,
                              json_pack("{s:s, s:s}", "type", "public-key", "id", rows[i].cred_id));
    return n < 0 ? (json_decref(l), NULL) : l;
}

static char *dump(struct arena *a, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) return NULL;
    char *out = arena_strdup(a, s);
    free(s);
    return out;
}

enum pk_rc passkey_register_begin(struct arena *a, int64_t account, const char *username,
                                  const char *name, char tok[TOKEN_LEN + 1], char **json)
{
    *json = NULL;
    const char *nm = name ? text_trim(a, name) : "";
    if (!nm || !*nm || strlen(nm) > PASSKEY_NAME_MAX) return PK_NAME;
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    json_t *exclude = cred_list(c, a, account);
    if (!exclude) return PK_ERR;
    char *ch = NULL;
    enum pk_rc rc = challenge(a, "register", account, nm, tok, &ch);
    if (rc != PK_OK) {
        json_decref(exclude);
        return rc;
    }
    json_t *j = json_pack(
        "{s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}], s:i,"
        " s:s, s:{s:s, s:b, s:s}, s:o}}",
        "publicKey", "rp", "id", rp_id(a), "name", cfg->site_name, "user", "id",
        user_handle(a, account), "name", username, "displayName", username, "challenge", ch,
        "pubKeyCredParams", "type", "public-key", "alg", -7, "type", "public-key", "alg", -8,
        "type", "public-key", "alg", -257, "timeout", PASSKEY_CHALLENGE_TTL * 1000, "attestation",
        "none", "authenticatorSelection", "residentKey", "preferred", "requireResidentKey", 0,
        "userVerification", "preferred", "excludeCredentials", exclude);
    *json = dump(a, j);
    return *json ? PK_OK : PK_ERR;
}

static struct wa_expect expect(struct arena *a, const char *ch)
{
    return (struct wa_expect){rp_id(a), cfg->origin, ch};
}

enum pk_rc passkey_register_finish(struct arena *a, int64_t account, const char *tok,
                                   const char *client_data, const char *attestation, const char *ip,
                                   const char *lang, char **codes, int *ncodes)
{
    *ncodes = 0;
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    struct webauthn_challenge_row row;
    enum pk_rc rc = take(c, a, tok, "register", &row);
    if (rc != PK_OK) return rc;
    if (row.account_id != account) return PK_GONE;
    size_t cl = 0, al = 0;
    unsigned char *cd = webauthn_unb64u(a, client_data, &cl);
    unsigned char *att = webauthn_unb64u(a, attestation, &al);
    if (!cd || !att) return PK_REFUSED;
    struct wa_expect x = expect(a, row.challenge);
    struct wa_cred cred;
    enum wa_rc w = webauthn_register(a, &x, cd, cl, att, al, &cred);
    if (w != WA_OK) {
        log_info("passkey: account %lld: registration refused (%d)", (long long)account, (int)w);
        return PK_REFUSED;
    }
    int64_t now = time(NULL);
    struct passkey_row p = {0,
                            account,
                            webauthn_b64u(a, cred.id, cred.id_len),
                            cred.alg,
                            webauthn_b64u(a, cred.pk, cred.pk_len),
                            cred.sign_count,
                            cred.be,
                            cred.bs,
                            row.name,
                            now,
                            0};
    if (st_begin(c) != ST_OK) return PK_ERR;
    struct mfa_factors f;
    if (mfa_factors(c, account, &f) != 0) goto fail;
    enum st_rc sr = passkeys_insert(c, &p);
    if (sr == ST_CONFLICT) {
        st_rollback(c);
        return PK_TAKEN;
    }
    if (sr != ST_OK) goto fail;
    /* the first factor: recovery codes with it (as with a first app) */
    if (!f.totp && !f.passkeys) {
        if (recovery_generate(c, a, account, codes, now) != 0) goto fail;
        *ncodes = RECOVERY_CODES;
    }
    if (mfa_commit_change(c, a, account, AUDIT_PASSKEY_ADDED, ip, row.name, lang,
                          "mfa.notice.passkey_added", now) != 0) {
        *ncodes = 0;
        return PK_ERR;
    }
    return PK_OK;
fail:
    st_rollback(c);
    *ncodes = 0;
    return PK_ERR;
}

/* A credential id no authenticator has, the same for the same identifier (keyed: only this
 * server can tell it from a real one): what a name without passkeys is offered. */
static json_t *decoy(struct arena *a, const char *identifier)
{
    unsigned char out[32];
    const char *f = text_fold(a, text_trim(a, identifier));
    const char *msg = arena_printf(a, "daoid-webauthn-decoy:%s", f ? f : "");
    const unsigned char *key = secrets_token_key(NULL);
    crypto_generichash(out, sizeof(out), (const unsigned char *)msg, strlen(msg), key,
                       key ? SECRETS_KEY_LEN : 0);
    return json_pack("{s:s, s:s}", "type", "public-key", "id", webauthn_b64u(a, out, sizeof(out)));
}

static enum pk_rc login_options(struct arena *a, const char *kind, int64_t account, json_t *allow,
                                char tok[TOKEN_LEN + 1], char **json)
{
    char *ch = NULL;
    enum pk_rc rc = challenge(a, kind, account, NULL, tok, &ch);
    if (rc != PK_OK) {
        json_decref(allow);
        return rc;
    }
    json_t *j = json_pack("{s:{s:s, s:s, s:i, s:s, s:o}}", "publicKey", "rpId", rp_id(a),
                          "challenge", ch, "timeout", PASSKEY_CHALLENGE_TTL * 1000,
                          "userVerification", "preferred", "allowCredentials", allow);
    *json = dump(a, j);
    return *json ? PK_OK : PK_ERR;
}

enum pk_rc passkey_login_begin(struct arena *a, int64_t account, char tok[TOKEN_LEN + 1],
                               char **json)
{
    *json = NULL;
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    json_t *allow = account ? cred_list(c, a, account) : json_array();
    if (!allow) return PK_ERR;
    return login_options(a, account ? "login2" : "login", account, allow, tok, json);
}

enum pk_rc passkey_login_begin_named(struct arena *a, const char *identifier,
                                     char tok[TOKEN_LEN + 1], char **json)
{
    *json = NULL;
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    struct account acct = {0};
    enum acct_rc ar = account_by_login(c, a, identifier, &acct);
    if (ar == ACCT_STORE_ERR) return PK_ERR;
    json_t *allow = ar == ACCT_OK ? cred_list(c, a, acct.id) : json_array();
    if (!allow) return PK_ERR;
    int64_t bound = acct.id;
    if (ar != ACCT_OK || json_array_size(allow) == 0) {
        json_array_append_new(allow, decoy(a, identifier));
        bound = -1; /* no account's credential answers it */
    }
    return login_options(a, "login", bound, allow, tok, json);
}

enum pk_rc passkey_login_finish(struct arena *a, const struct pk_assertion *in, int64_t *account,
                                char **amr, int *alone)
{
    *account = 0;
    *amr = NULL;
    *alone = 0;
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    struct webauthn_challenge_row row;
    enum pk_rc rc = take(c, a, in->tok, "login", &row);
    if (rc != PK_OK) return rc;
    struct passkey_row p;
    enum st_rc sr = in->cred_id ? passkeys_by_cred(c, a, in->cred_id, &p) : ST_NOTFOUND;
    if (sr == ST_NOTFOUND) return PK_UNKNOWN;
    if (sr != ST_OK) return PK_ERR;
    if (row.account_id && row.account_id != p.account_id) return PK_UNKNOWN;
    if (in->user_handle && *in->user_handle &&
        strcmp(in->user_handle, user_handle(a, p.account_id)) != 0)
        return PK_UNKNOWN;
    size_t cl = 0, adl = 0, sl = 0, pkl = 0;
    unsigned char *cd = webauthn_unb64u(a, in->client_data, &cl);
    unsigned char *ad = webauthn_unb64u(a, in->authenticator_data, &adl);
    unsigned char *sig = webauthn_unb64u(a, in->signature, &sl);
    unsigned char *pk = webauthn_unb64u(a, p.public_key, &pkl);
    if (!cd || !ad || !sig || !pk) return PK_REFUSED;
    struct wa_expect x = expect(a, row.challenge);
    struct wa_assert_out o;
    enum wa_rc w = webauthn_assert(&x, cd, cl, ad, adl, sig, sl, (int)p.cose_alg, pk, pkl, &o);
    int64_t now = time(NULL);
    if (w != WA_OK) {
        log_info("passkey: account %lld: assertion refused (%d)", (long long)p.account_id, (int)w);
        audit_log(c, p.account_id, AUDIT_MFA_FAILED, in->ip, "passkey", now);
        return PK_REFUSED;
    }
    /* alone (not after a password), a passkey is two factors only with the user verified: a
     * security key that was only touched is one */
    if (!strcmp(row.kind, "login") && !o.uv) {
        log_info("passkey: account %lld: sign-in without user verification refused",
                 (long long)p.account_id);
        return PK_UNVERIFIED;
    }
    int n = passkeys_used(c, p.id, o.sign_count, o.bs, now);
    if (n < 0) return PK_ERR;
    if (n == 0) {
        log_warnx("passkey: account %lld: signature counter went backwards (%lld after %lld)",
                  (long long)p.account_id, (long long)o.sign_count, (long long)p.sign_count);
        audit_log(c, p.account_id, AUDIT_PASSKEY_COUNTER, in->ip, p.name, now);
        if (cfg->passkey_counter_strict) return PK_COUNTER;
    }
    *account = p.account_id;
    *amr = arena_printf(a, "%s%s", p.backup_eligible || o.be ? "swk" : "hwk",
                        o.uv ? " user mfa" : " mfa");
    *alone = o.uv;
    return PK_OK;
}

enum pk_rc passkey_rename(int64_t account, int64_t id, const char *name, const char *ip)
{
    struct arena *a = arena_new();
    const char *nm = name ? text_trim(a, name) : "";
    enum pk_rc rc = PK_NAME;
    struct st_conn *c = st_get();
    if (!nm || !*nm || strlen(nm) > PASSKEY_NAME_MAX) goto out;
    rc = PK_ERR;
    if (!c) goto out;
    int n = passkeys_rename(c, id, account, nm);
    rc = n < 0 ? PK_ERR : n == 0 ? PK_UNKNOWN : PK_OK;
    if (rc == PK_OK) audit_log(c, account, AUDIT_PASSKEY_RENAMED, ip, nm, time(NULL));
out:
    arena_free(a);
    return rc;
}

enum pk_rc passkey_remove(struct arena *a, int64_t account, int64_t id, const char *ip,
                          const char *lang)
{
    struct st_conn *c = st_get();
    if (!c) return PK_ERR;
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) return PK_ERR;
    int n = passkeys_delete(c, id, account);
    if (n < 0) goto fail;
    if (n == 0) {
        st_rollback(c);
        return PK_UNKNOWN;
    }
    if (mfa_after_removal(c, account) != 0) goto fail;
    return mfa_commit_change(c, a, account, AUDIT_PASSKEY_REMOVED, ip, NULL, lang,
                             "mfa.notice.passkey_removed", now) == 0
               ? PK_OK
               : PK_ERR;
fail:
    st_rollback(c);
    return PK_ERR;
}
