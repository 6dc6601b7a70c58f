/* registration and resolver: the outcomes of the one registration path (field rules, taken
 * checks, the transaction with the caller's claim and extras) and of the one resolver of an
 * outside identity (sign in, sign up, bind, re-authenticate), on SQLite. */
#include "account.h"
#include "arena.h"
#include "identity.h"
#include "registration.h"
#include "resolver.h"
#include "store.h"

#include "testlib.h"

#define NOW 1800000000

static struct arena *A;

static void setup(void)
{
    tl_setup_with(TL_STORE | TL_I18N | TL_PASSWORD, NULL);
    A = arena_new();
}

static void teardown(void)
{
    arena_free(A);
    tl_teardown();
}

TestSuite(registration, .init = setup, .fini = teardown);

static int64_t make_account(const char *name, const char *email_norm)
{
    struct st_conn *c = tl_conn();
    int64_t id = 0;
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(account_insert(c, name, email_norm, email_norm, 0, NULL, NOW, &id), ACCT_OK);
    if (email_norm) cr_assert_eq(account_verify_email(c, id, email_norm, NOW), ACCT_OK);
    cr_assert_eq(st_commit(c), ST_OK);
    return id;
}

static enum reg_outcome check(const char *user, const char *email, const char *pw, int terms,
                              int with_password, int email_optional, struct reg_form *form,
                              reg_errors errors)
{
    struct reg_fields f = {.username = user,
                           .email = email,
                           .password = pw,
                           .terms = terms,
                           .with_password = with_password,
                           .email_optional = email_optional,
                           .email_taken_key = "test.email_taken"};
    memset(errors, 0, sizeof(reg_errors));
    return registration_check(tl_conn(), A, &f, form, errors);
}

Test(registration, field_rules_then_taken_checks_then_the_hash)
{
    struct reg_form form;
    reg_errors e;
    cr_assert_eq(check("Admin", "not-an-email", "short", 0, 1, 0, &form, e), REG_INVALID);
    cr_assert_str_eq(e[RF_USERNAME], "signup.err.username_reserved");
    cr_assert_str_eq(e[RF_EMAIL], "signup.err.email_invalid");
    cr_assert_not_null(e[RF_PASSWORD]);
    cr_assert_str_eq(e[RF_TERMS], "signup.err.terms");

    cr_assert_eq(check("newbie", "", NULL, 1, 0, 0, &form, e), REG_INVALID, "email required");
    cr_assert_str_eq(e[RF_EMAIL], "signup.err.email_empty");
    cr_assert_eq(check("Newbie", "", NULL, 1, 0, 1, &form, e), REG_OK, "optional: none");
    cr_assert_str_eq(form.username, "newbie");
    cr_assert_null(form.email);
    cr_assert_null(form.password_hash, "no password asked");

    make_account("taken", "owner@example.com");
    cr_assert_eq(check("taken", "Owner@Example.com", NULL, 1, 0, 0, &form, e), REG_INVALID);
    cr_assert_str_eq(e[RF_USERNAME], "signup.err.username_taken");
    cr_assert_null(e[RF_EMAIL], "a verified address is no error (account.h invariant 4)");
    cr_assert_eq(check("not-taken", "Owner@Example.com", NULL, 1, 0, 0, &form, e), REG_OK);

    cr_assert_eq(check("hasher", "h@example.com", "correct horse battery", 1, 1, 0, &form, e),
                 REG_OK);
    cr_assert_not_null(form.password_hash);
    cr_assert_str_eq(form.email_norm, "h@example.com");
}

Test(registration, an_error_set_before_stops_the_taken_checks)
{
    struct reg_fields f = {.username = "fine", .email = "f@example.com", .terms = 1};
    reg_errors e = {[RF_CAPTCHA] = "captcha.err.wrong"};
    struct reg_form form;
    cr_assert_eq(registration_check(tl_conn(), A, &f, &form, e), REG_INVALID);
    cr_assert_null(e[RF_USERNAME]);
}

struct claim_ctx {
    enum reg_outcome claim_rc, extras_rc;
    int claimed, extras_for;
};

static enum reg_outcome claim(struct st_conn *c, struct arena *a, void *ctx)
{
    (void)c, (void)a;
    struct claim_ctx *k = ctx;
    k->claimed++;
    return k->claim_rc;
}

static enum reg_outcome extras(struct st_conn *c, struct arena *a, int64_t id, void *ctx)
{
    (void)c, (void)a;
    struct claim_ctx *k = ctx;
    k->extras_for = (int)id;
    return k->extras_rc;
}

static enum reg_outcome create(const char *user, const char *email, int verified,
                               const struct reg_identity *id, struct claim_ctx *k, int64_t *acct,
                               reg_errors e)
{
    struct reg_form form;
    cr_assert_eq(check(user, email, NULL, 1, 0, 1, &form, e), REG_OK);
    struct reg_new n = {.form = &form,
                        .email_verified = verified,
                        .identity = id,
                        .email_taken_key = "test.email_taken",
                        .ip = "192.0.2.9",
                        .lang = "en",
                        .audit_detail = id ? id->provider : "email",
                        .claim = claim,
                        .extras = extras,
                        .ctx = k};
    return registration_create(tl_conn(), A, &n, e, acct);
}

Test(registration, one_transaction_with_the_claim_and_the_extras)
{
    reg_errors e;
    int64_t id = 0;
    struct reg_identity gh = {"github", "g-1", "octo", "octo@example.com", NULL};
    struct claim_ctx gone = {REG_GONE, REG_OK, 0, 0};
    cr_assert_eq(create("octo", "octo@example.com", 1, &gh, &gone, &id, e), REG_GONE);
    cr_assert_eq(gone.claimed, 1);
    cr_assert_eq(id, 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 0, "nothing kept");

    struct claim_ctx failing = {REG_OK, REG_STORE_ERR, 0, 0};
    cr_assert_eq(create("octo", "octo@example.com", 1, &gh, &failing, &id, e), REG_STORE_ERR);
    cr_assert_neq(failing.extras_for, 0, "extras ran for the new account");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 0, "rolled back with the extras");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities"), 0);

    struct claim_ctx ok = {REG_OK, REG_OK, 0, 0};
    cr_assert_eq(create("octo", "octo@example.com", 1, &gh, &ok, &id, e), REG_OK);
    cr_assert_gt(id, 0);
    cr_assert_eq(ok.extras_for, (int)id);
    cr_assert_eq(tl_scalar("SELECT email_verified FROM accounts WHERE username = 'octo'"), 1,
                 "the provider's verified address is kept verified");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox"), 0, "and gets no mail");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities WHERE subject = 'g-1'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'signup'"
                           " AND detail = 'github'"),
                 1);

    struct claim_ctx again = {REG_OK, REG_OK, 0, 0};
    cr_assert_eq(create("octo2", NULL, 0, &gh, &again, &id, e), REG_TAKEN,
                 "the identity was registered meanwhile");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'octo2'"), 0);

    struct reg_identity wx = {"wechat", "o-1", NULL, NULL, "{\"openid\":\"o-1\"}"};
    cr_assert_eq(create("mei", "mei@example.com", 0, &wx, &again, &id, e), REG_OK);
    cr_assert_eq(tl_scalar("SELECT email_verified FROM accounts WHERE username = 'mei'"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox"), 1, "an unverified address is mailed");
}

Test(registration, the_rate_limit_key_is_one_for_every_way_in)
{
    struct st_conn *c = NULL;
    int allowed = 0;
    for (int i = 0; i < 30; i++) {
        enum reg_outcome o = registration_start(A, "198.51.100.1", NOW, &c);
        cr_assert(o == REG_OK || o == REG_LIMITED);
        allowed += o == REG_OK;
    }
    cr_assert_eq(allowed, 20, "limit_signup_ip (20/1h by default)");
    cr_assert_eq(registration_start(A, "198.51.100.2", NOW, &c), REG_OK, "per address");
    cr_assert_eq(c, tl_conn(), "this thread's connection");
}

/* ---- the resolver ---- */

static enum resolve_outcome resolve(enum resolve_intent intent, int64_t account,
                                    const char *subject, const char *email_norm,
                                    struct resolve_out *out)
{
    struct resolve_in in = {.provider = "github",
                            .intent = intent,
                            .account_id = account,
                            .subject = subject,
                            .login = "login-now",
                            .email = email_norm,
                            .email_norm = email_norm,
                            .ip = "192.0.2.7"};
    return resolver_run(tl_conn(), A, &in, NOW, out);
}

Test(registration, resolver_signin_by_intent)
{
    struct resolve_out out;
    int64_t owner = make_account("owner", "owner@example.com");
    cr_assert_eq(resolve(RESOLVE_SIGNIN, 0, "g-9", NULL, &out), RESOLVED_SIGNUP);
    cr_assert_eq(resolve(RESOLVE_SIGNIN, 0, "g-9", "owner@example.com", &out), RESOLVE_EMAIL_TAKEN,
                 "never linked by email");
    cr_assert_eq(identity_link(tl_conn(), owner, "github", "g-1", "old", NULL, NULL, NOW),
                 IDENT_OK);
    cr_assert_eq(resolve(RESOLVE_SIGNIN, 0, "g-1", NULL, &out), RESOLVED_SIGNIN);
    cr_assert_eq(out.account_id, owner);
    struct identity id;
    cr_assert_eq(identity_find(tl_conn(), A, "github", "g-1", &id), IDENT_OK);
    cr_assert_str_eq(id.login, "login-now", "touched");
    cr_assert_eq(
        tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'login' AND detail = 'github'"), 1);
    cr_assert_eq(tl_exec(tl_conn(), "UPDATE accounts SET status = 1", ST_NONE), ST_OK);
    cr_assert_eq(resolve(RESOLVE_SIGNIN, 0, "g-1", NULL, &out), RESOLVE_DISABLED);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'login_refused_disabled'"), 1);
}

Test(registration, resolver_bind_and_reauth)
{
    struct resolve_out out;
    int64_t me = make_account("me", NULL), other = make_account("other", NULL);
    cr_assert_eq(identity_link(tl_conn(), other, "github", "g-2", NULL, NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(resolve(RESOLVE_BIND, me, "g-2", NULL, &out), RESOLVE_TAKEN);
    cr_assert_eq(resolve(RESOLVE_BIND, me, "g-1", NULL, &out), RESOLVED_BOUND);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'identity_linked'"), 1);
    cr_assert_eq(resolve(RESOLVE_BIND, me, "g-1", NULL, &out), RESOLVED_ALREADY);
    cr_assert_eq(resolve(RESOLVE_BIND, me, "g-3", NULL, &out), RESOLVE_PROVIDER_TAKEN);
    cr_assert_eq(resolve(RESOLVE_REAUTH, me, "g-1", NULL, &out), RESOLVED_REAUTHED);
    cr_assert_eq(resolve(RESOLVE_REAUTH, me, "g-2", NULL, &out), RESOLVE_MISMATCH);
    cr_assert_eq(resolve(RESOLVE_REAUTH, me, "g-404", NULL, &out), RESOLVE_MISMATCH);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'reauth'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'reauth_refused'"), 2);
}
