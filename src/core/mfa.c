/* mfa: see mfa.h. */
#include "mfa.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "mail.h"
#include "passkeys.h"
#include "recovery.h"
#include "seal.h"
#include "secrets.h"
#include "session.h"
#include "store.h"
#include "tmpl.h"
#include "totp.h"
#include "totp_secrets.h"

static const char *subject_of(struct arena *a, int64_t account)
{
    return arena_printf(a, "%lld", (long long)account);
}

static char *seal_secret(struct arena *a, int64_t account, const char *b32)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    return seal_text(a, key, id, "totp", subject_of(a, account), "secret", b32);
}

static char *open_secret(struct arena *a, int64_t account, const char *ct)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    return seal_open(a, key, id, "totp", subject_of(a, account), "secret", ct);
}

int mfa_factors(struct st_conn *c, int64_t account, struct mfa_factors *out)
{
    memset(out, 0, sizeof(*out));
    struct arena *a = arena_new();
    struct totp_secret_row t;
    enum st_rc rc = totp_secrets_get(c, a, account, &t);
    arena_free(a);
    if (rc != ST_OK && rc != ST_NOTFOUND) return -1;
    out->totp = rc == ST_OK && t.confirmed_at > 0;
    out->totp_waiting = rc == ST_OK && t.confirmed_at == 0;
    out->passkeys = passkeys_count(c, account);
    out->recovery_left = recovery_left(c, account);
    return out->passkeys < 0 || out->recovery_left < 0 ? -1 : 0;
}

/* 1 when the account has a confirmed app or a passkey (two reads, not mfa_factors' three); 0,
 * -1. A session carries the same answer from its own read (session.h's has_factor). */
static int factor_in(struct st_conn *c, int64_t account)
{
    struct arena *a = arena_new();
    struct totp_secret_row t;
    enum st_rc rc = totp_secrets_get(c, a, account, &t);
    arena_free(a);
    if (rc != ST_OK && rc != ST_NOTFOUND) return -1;
    if (rc == ST_OK && t.confirmed_at > 0) return 1;
    int64_t n = passkeys_count(c, account);
    return n < 0 ? -1 : n > 0;
}

int mfa_has_factor(int64_t account)
{
    struct st_conn *c = st_get();
    return c ? factor_in(c, account) : -1;
}

/* 1 when the space-separated list amr holds word. */
static int amr_has(const char *amr, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = amr ? amr : ""; *p;) {
        size_t n = strcspn(p, " ");
        if (n == wl && !strncmp(p, word, n)) return 1;
        p += n;
        p += strspn(p, " ");
    }
    return 0;
}

int mfa_session_strong(const struct session *s)
{
    return s && session_fresh(s) && amr_has(s->amr, "mfa");
}

char *mfa_amr_add(struct arena *a, const char *amr, const char *more)
{
    char *out = arena_strdup(a, amr ? amr : "");
    for (const char *p = more; *p;) {
        size_t n = strcspn(p, " ");
        char *w = arena_printf(a, "%.*s", (int)n, p);
        if (n && !amr_has(out, w)) out = arena_printf(a, "%s%s%s", out, *out ? " " : "", w);
        p += n;
        p += strspn(p, " ");
    }
    return out;
}

int mfa_setup_due(struct st_conn *c, int64_t account)
{
    if (!cfg->require_2fa) return 0;
    int has = factor_in(c, account);
    return has < 0 ? -1 : !has;
}

int mfa_session_setup_due(const struct session *s)
{
    return cfg->require_2fa && s && !s->has_factor && !amr_has(s->amr, "mfa");
}

int mfa_recent_enough(const struct session *s)
{
    if (!session_fresh(s)) return 0;
    if (mfa_session_strong(s)) return 1;
    int has = mfa_has_factor(s->account_id);
    return has < 0 ? -1 : !has;
}

enum mfa_rc mfa_totp_begin(struct arena *a, int64_t account, char **secret)
{
    *secret = NULL;
    struct st_conn *c = st_get();
    if (!c) return MFA_ERR;
    unsigned char raw[TOTP_SECRET_LEN];
    randombytes_buf(raw, sizeof(raw));
    char *b32 = totp_base32(a, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    char *ct = seal_secret(a, account, b32);
    if (!ct) return MFA_ERR;
    int n = totp_secrets_put(c, account, ct, time(NULL));
    if (n < 0) return MFA_ERR;
    if (n == 0) return MFA_ALREADY;
    *secret = b32;
    return MFA_OK;
}

char *mfa_totp_waiting(struct arena *a, int64_t account)
{
    struct st_conn *c = st_get();
    struct totp_secret_row t;
    if (!c || totp_secrets_get(c, a, account, &t) != ST_OK || t.confirmed_at) return NULL;
    return open_secret(a, account, t.secret_ct);
}

/* The secret of row t (raw bytes into key): its length, or -1. */
static int secret_bytes(struct arena *a, int64_t account, const struct totp_secret_row *t,
                        unsigned char key[64])
{
    char *b32 = open_secret(a, account, t->secret_ct);
    if (!b32) {
        log_warnx("mfa: account %lld: the stored authenticator secret does not open",
                  (long long)account);
        return -1;
    }
    return totp_base32_decode(b32, key, 64);
}

int mfa_notice(struct st_conn *c, struct arena *a, int64_t account, const char *lang,
               const char *what_key, int64_t now)
{
    struct account acct;
    enum st_rc rc = accounts_by_id(c, a, account, &acct);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    if (!acct.email || !acct.email_verified) return 0;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "username", acct.username);
    tmpl_set(v, "what", i18n_get(i18n_cat(lang), what_key));
    tmpl_set(v, "link", arena_printf(a, "%s/settings/security", cfg->origin));
    return mail_enqueue(c, a, account, "mfa_notice", acct.email, lang, v, now);
}

int mfa_commit_change(struct st_conn *c, struct arena *a, int64_t account, int event,
                      const char *ip, const char *detail, const char *lang, const char *what_key,
                      int64_t now)
{
    audit_log(c, account, event, ip, detail, now);
    if (mfa_notice(c, a, account, lang, what_key, now) != 0 || st_commit(c) != ST_OK) {
        if (st_in_transaction(c)) st_rollback(c);
        return -1;
    }
    mail_kick();
    return 0;
}

enum mfa_rc mfa_totp_confirm(struct arena *a, int64_t account, const char *code, const char *ip,
                             const char *lang, char **codes, int *ncodes)
{
    *ncodes = 0;
    struct st_conn *c = st_get();
    if (!c) return MFA_ERR;
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) return MFA_ERR;
    struct totp_secret_row t;
    struct mfa_factors f;
    enum st_rc rc = totp_secrets_get(c, a, account, &t);
    if (rc == ST_NOTFOUND || (rc == ST_OK && t.confirmed_at)) goto none;
    unsigned char key[64];
    int kl;
    if (rc != ST_OK || (kl = secret_bytes(a, account, &t, key)) < 0) goto fail;
    int64_t step = totp_match(key, (size_t)kl, code, now, t.last_step, NULL);
    sodium_memzero(key, sizeof(key));
    if (step < 0) {
        st_rollback(c);
        return MFA_BAD;
    }
    if (mfa_factors(c, account, &f) != 0) goto fail;
    int n = totp_secrets_confirm(c, account, step, now);
    if (n == 0) goto none;
    if (n < 0) goto fail;
    if (!f.passkeys) {
        if (recovery_generate(c, a, account, codes, now) != 0) goto fail;
        *ncodes = RECOVERY_CODES;
    }
    if (mfa_commit_change(c, a, account, AUDIT_TOTP_ENABLED, ip, NULL, lang, "mfa.notice.totp_on",
                          now) != 0) {
        *ncodes = 0;
        return MFA_ERR;
    }
    return MFA_OK;
none:
    st_rollback(c);
    return MFA_NONE;
fail:
    st_rollback(c);
    *ncodes = 0;
    return MFA_ERR;
}

enum mfa_rc mfa_totp_check(struct st_conn *c, struct arena *a, int64_t account, const char *code,
                           int64_t now)
{
    struct totp_secret_row t;
    enum st_rc rc = totp_secrets_get(c, a, account, &t);
    if (rc == ST_NOTFOUND || (rc == ST_OK && !t.confirmed_at)) return MFA_NONE;
    unsigned char key[64];
    int kl;
    if (rc != ST_OK || (kl = secret_bytes(a, account, &t, key)) < 0) return MFA_ERR;
    int reused = 0;
    int64_t step = totp_match(key, (size_t)kl, code, now, t.last_step, &reused);
    sodium_memzero(key, sizeof(key));
    if (step < 0) return reused ? MFA_REUSED : MFA_BAD;
    int n = totp_secrets_use(c, account, step);
    return n < 0 ? MFA_ERR : n == 0 ? MFA_REUSED : MFA_OK;
}

enum mfa_rc mfa_prove_code(struct st_conn *c, struct arena *a, int64_t account, const char *code,
                           const char *ip, int64_t now, int *recovery)
{
    if (recovery) *recovery = 0;
    if (!code || !*code) return MFA_BAD;
    enum mfa_rc r = mfa_totp_check(c, a, account, code, now);
    if (r == MFA_OK || r == MFA_ERR) return r;
    int n = recovery_use(c, a, account, code, now);
    if (n < 0) return MFA_ERR;
    if (n == 0) return r == MFA_REUSED ? MFA_REUSED : MFA_BAD;
    audit_log(c, account, AUDIT_RECOVERY_CODE_USED, ip, NULL, now);
    if (recovery) *recovery = 1;
    return MFA_OK;
}

enum mfa_rc mfa_prove(struct st_conn *c, struct arena *a, int64_t account, const char *code,
                      const char *ip, int64_t now)
{
    enum mfa_rc r = mfa_prove_code(c, a, account, code, ip, now, NULL);
    return r == MFA_REUSED ? MFA_BAD : r;
}

int mfa_after_removal(struct st_conn *c, int64_t account)
{
    struct mfa_factors f;
    if (mfa_factors(c, account, &f) != 0) return -1;
    if (f.totp || f.passkeys) return 0;
    return recovery_drop(c, account);
}

/* What a change needs to find: the app (confirmed or waiting), or any second factor. */
static int has_app(const struct mfa_factors *f)
{
    return f->totp || f->totp_waiting;
}

static int has_factor(const struct mfa_factors *f)
{
    return f->totp || f->passkeys > 0;
}

/* Opens a change to account's factors: the connection (*c), its transaction, the factors read
 * (*f). MFA_OK with the transaction open (mfa_commit_change, or a rollback, ends it); MFA_NONE
 * when found(f) says there is nothing to change, MFA_ERR: the transaction is closed then. */
static enum mfa_rc begin_change(struct st_conn **c, int64_t account, struct mfa_factors *f,
                                int (*found)(const struct mfa_factors *))
{
    *c = st_get();
    if (!*c || st_begin(*c) != ST_OK) return MFA_ERR;
    enum mfa_rc rc = mfa_factors(*c, account, f) != 0 ? MFA_ERR : found(f) ? MFA_OK : MFA_NONE;
    if (rc != MFA_OK) st_rollback(*c);
    return rc;
}

enum mfa_rc mfa_totp_disable(struct arena *a, int64_t account, int strong, const char *code,
                             const char *ip, const char *lang)
{
    struct st_conn *c;
    struct mfa_factors f;
    int64_t now = time(NULL);
    enum mfa_rc b = begin_change(&c, account, &f, has_app);
    if (b != MFA_OK) return b;
    if (f.totp && !strong) {
        enum mfa_rc p = mfa_prove(c, a, account, code, ip, now);
        if (p != MFA_OK) {
            if (p == MFA_ERR) goto fail;
            st_rollback(c);
            return MFA_WEAK;
        }
    }
    if (totp_secrets_delete(c, account) < 0 || mfa_after_removal(c, account) != 0) goto fail;
    if (f.totp)
        return mfa_commit_change(c, a, account, AUDIT_TOTP_DISABLED, ip, NULL, lang,
                                 "mfa.notice.totp_off", now) == 0
                   ? MFA_OK
                   : MFA_ERR;
    return st_commit(c) == ST_OK ? MFA_OK : MFA_ERR;
fail:
    st_rollback(c);
    return MFA_ERR;
}

enum mfa_rc mfa_recovery_regenerate(struct arena *a, int64_t account, const char *ip,
                                    const char *lang, char **codes)
{
    struct st_conn *c;
    struct mfa_factors f;
    int64_t now = time(NULL);
    enum mfa_rc b = begin_change(&c, account, &f, has_factor);
    if (b != MFA_OK) return b;
    if (recovery_generate(c, a, account, codes, now) != 0) goto fail;
    return mfa_commit_change(c, a, account, AUDIT_RECOVERY_CODES_NEW, ip, NULL, lang,
                             "mfa.notice.recovery_new", now) == 0
               ? MFA_OK
               : MFA_ERR;
fail:
    st_rollback(c);
    return MFA_ERR;
}

int mfa_reset(int64_t account, const char *lang)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct arena *a = arena_new();
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) goto fail;
    int64_t t = totp_secrets_delete(c, account), p = passkeys_delete_all(c, account);
    if (t < 0 || p < 0 || recovery_drop(c, account) != 0) goto rollback;
    if (t + p > 0) {
        audit_log(c, account, AUDIT_MFA_RESET, NULL, "admin", now);
        if (mfa_notice(c, a, account, lang, "mfa.notice.reset", now) != 0) goto rollback;
    }
    if (st_commit(c) != ST_OK) goto fail;
    arena_free(a);
    return t + p > 0;
rollback:
    st_rollback(c);
fail:
    arena_free(a);
    return -1;
}
