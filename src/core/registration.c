/* registration: see registration.h for the order of things and the invariants. */
#include "registration.h"

#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "identity.h"
#include "log.h"
#include "mail.h"
#include "metrics.h"
#include "password.h"
#include "ratelimit.h"
#include "store.h"
#include "verify.h"

#define USERNAME_TAKEN "signup.err.username_taken"

int registration_has_errors(const reg_errors errors)
{
    for (int i = 0; i < RF_COUNT; i++)
        if (errors[i]) return 1;
    return 0;
}

enum reg_outcome registration_start(struct arena *a, const char *ip, int64_t now,
                                    struct st_conn **c)
{
    if (!(*c = st_get())) return REG_STORE_ERR;
    enum rl_rc rl =
        ratelimit_hit(*c, arena_printf(a, "signup:ip:%s", ip), &cfg->limit_signup_ip, now);
    return rl == RL_ALLOW ? REG_OK : rl == RL_DENY ? REG_LIMITED : REG_STORE_ERR;
}

/* The field rules alone: fills errors and form's canonical values; *pw the normalized
 * password (with_password). */
static void field_rules(struct arena *a, const struct reg_fields *in, struct reg_form *form,
                        const char **pw, reg_errors errors)
{
    enum name_rc nr = account_username_normalize(a, in->username, &form->username);
    if (nr != NAME_OK) errors[RF_USERNAME] = account_name_error(nr);
    enum email_rc er = account_email_normalize(a, in->email, &form->email, &form->email_norm);
    if (er == EMAIL_EMPTY && in->email_optional)
        form->email = form->email_norm = NULL;
    else if (er != EMAIL_OK)
        errors[RF_EMAIL] = account_email_error(er);
    if (in->with_password) {
        enum pw_policy pr =
            password_check(a, in->password, nr == NAME_OK ? form->username : in->username,
                           er == EMAIL_OK ? form->email : NULL, pw);
        if (pr != PW_OK) errors[RF_PASSWORD] = password_policy_error(pr);
    }
    if (!in->terms) errors[RF_TERMS] = "signup.err.terms";
}

enum reg_outcome registration_check(struct st_conn *c, struct arena *a, const struct reg_fields *in,
                                    struct reg_form *form, reg_errors errors)
{
    memset(form, 0, sizeof(*form));
    const char *pw = NULL;
    field_rules(a, in, form, &pw, errors);
    if (registration_has_errors(errors)) return REG_INVALID;
    /* a taken username is said (usernames are public); a taken address is not (account.h
     * invariant 4: the mail tells its owner) */
    int taken = account_username_exists(c, form->username);
    if (taken < 0) return REG_STORE_ERR;
    if (taken) errors[RF_USERNAME] = USERNAME_TAKEN;
    if (registration_has_errors(errors)) return REG_INVALID;
    if (!in->with_password) return REG_OK;
    char *hash = arena_alloc(a, PASSWORD_HASH_MAX);
    enum pw_rc hr = password_hash(pw, hash);
    if (hr == PWR_BUSY) return REG_BUSY;
    if (hr != PWR_OK) return REG_STORE_ERR;
    form->password_hash = hash;
    return REG_OK;
}

/* The account's address: verified now, or its verification mail queued (*mailed). */
static enum reg_outcome address(struct st_conn *c, struct arena *a, const struct reg_new *n,
                                int64_t id, int64_t now, int *mailed, reg_errors errors)
{
    const struct reg_form *f = n->form;
    if (!f->email) return REG_OK;
    if (n->email_verified) {
        enum acct_rc ar = account_verify_email(c, id, f->email_norm, now);
        if (ar == ACCT_EMAIL_TAKEN) errors[RF_EMAIL] = n->email_taken_key;
        return ar == ACCT_OK ? REG_OK : ar == ACCT_EMAIL_TAKEN ? REG_INVALID : REG_STORE_ERR;
    }
    if (verify_send(c, a, id, f->email, n->lang, now) != 0) return REG_STORE_ERR;
    *mailed = 1;
    return REG_OK;
}

/* The new account, its address and its identity, inside the transaction. */
static enum reg_outcome write_account(struct st_conn *c, struct arena *a, const struct reg_new *n,
                                      int64_t now, int64_t *id, int *mailed, reg_errors errors)
{
    const struct reg_form *f = n->form;
    enum acct_rc ar =
        account_insert(c, f->username, f->email, f->email_norm, 0, f->password_hash, now, id);
    if (ar == ACCT_USERNAME_TAKEN) errors[RF_USERNAME] = USERNAME_TAKEN;
    if (ar == ACCT_EMAIL_TAKEN) errors[RF_EMAIL] = n->email_taken_key;
    if (ar == ACCT_USERNAME_TAKEN || ar == ACCT_EMAIL_TAKEN) return REG_INVALID;
    if (ar != ACCT_OK) return REG_STORE_ERR;
    enum reg_outcome o = address(c, a, n, *id, now, mailed, errors);
    if (o != REG_OK || !n->identity) return o;
    const struct reg_identity *x = n->identity;
    switch (identity_link(c, *id, x->provider, x->subject, x->login, x->email, x->extra, now)) {
    case IDENT_OK:
        return REG_OK;
    case IDENT_TAKEN:
        return REG_TAKEN;
    default:
        return REG_STORE_ERR;
    }
}

static const char *const reg_metric_names[] = {"ok",    "invalid", "limited",    "gone",
                                               "taken", "busy",    "store_error"};
enum reg_outcome registration_create(struct st_conn *c, struct arena *a, const struct reg_new *n,
                                     reg_errors errors, int64_t *account_id)
{
    int64_t now = time(NULL), id = 0;
    int mailed = 0;
    *account_id = 0;
    if (st_begin(c) != ST_OK) return REG_STORE_ERR;
    enum reg_outcome o = n->claim ? n->claim(c, a, n->ctx) : REG_OK;
    if (o == REG_OK) o = write_account(c, a, n, now, &id, &mailed, errors);
    if (o == REG_OK && n->extras) o = n->extras(c, a, id, n->ctx);
    if (o != REG_OK) goto fail;
    audit_log(c, id, AUDIT_SIGNUP, n->ip, n->audit_detail, now);
    if (st_commit(c) != ST_OK) {
        o = REG_STORE_ERR;
        goto fail;
    }
    if (mailed) mail_kick();
    *account_id = id;
    log_info("signup: account %lld created (%s)", (long long)id, n->audit_detail);
    metrics_inc(MET_SIGNUPS, n->audit_detail, "ok");
    return REG_OK;
fail:
    metrics_inc(MET_SIGNUPS, n->audit_detail, o < 7 ? reg_metric_names[o] : "other");
    st_rollback(c);
    return o;
}
