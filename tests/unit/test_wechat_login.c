/* Unit tests of WeChat sign-in below the HTTP layer, on a real SQLite file: the callback
 * protocol (wechat_push: signatures, safe mode, replies), the ticket state machine
 * (wechat_login: scans applied once, retries answered alike, expiry, the browser's secret),
 * registration, sign-in and binding with the bonus rules (grants). Tickets are written
 * directly and marked resolved, so no WeChat API is needed; the API points at a closed port,
 * which also shows that a failing API leaves nothing behind. */
#include "account.h"
#include "arena.h"
#include "grants.h"
#include "resources.h"
#include "identity.h"
#include "token.h"
#include "wechat_crypto.h"
#include "wechat_login.h"
#include "wechat_push.h"
#include "wechat_xml.h"

#include "wechat_fixture.h"

TestSuite(wechat_login, .init = setup, .fini = teardown);

/* ---- helpers ---- */

/* A pending ticket for scene, bound to a fresh browser secret (into secret). */
static void ticket(const char *scene, char *secret, const char *intent, int64_t account,
                   int64_t expires)
{
    char h[TOKEN_HASH_LEN + 1];
    token_new(secret);
    token_hash(secret, h);
    cr_assert_eq(tl_exec(tl_conn(),
                         "INSERT INTO wechat_tickets (scene, secret_hash, intent, account_id,"
                         " wx_ticket, qr_url, lang, created_at, expires_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, 'zh-CN', ?, ?)",
                         ST_IN(ST_TEXT(scene), ST_TEXT(h), ST_TEXT(intent), ST_INT(account),
                               ST_TEXT(arena_printf(A, "T-%s", scene)),
                               ST_TEXT("http://weixin.qq.com/q/x"), ST_INT(NOW), ST_INT(expires))),
                 ST_OK);
}

static struct wechat_push push_of(const char *from, int64_t t, const char *event, const char *key,
                                  const char *wx_ticket)
{
    struct wechat_push p = {.to_user = "gh_test",
                            .from_user = (char *)from,
                            .create_time = t,
                            .msg_type = "event",
                            .event = (char *)event,
                            .event_key = (char *)key,
                            .ticket = (char *)wx_ticket};
    return p;
}

/* Applies a scan of scene by openid at CreateTime t; returns the reply's key. */
static const char *scan(const char *openid, int64_t t, const char *event, const char *scene)
{
    const char *key = !strcmp(event, "subscribe") ? arena_printf(A, "qrscene_%s", scene) : scene;
    struct wechat_push p = push_of(openid, t, event, key, arena_printf(A, "T-%s", scene));
    struct wxl_push_out out;
    cr_assert_eq(wechat_login_push(A, &p, NOW, &out), 0);
    return out.reply_key;
}

static char *state_of(const char *scene)
{
    char *s = NULL;
    cr_assert_eq(tl_row(tl_conn(), A, "SELECT state FROM wechat_tickets WHERE scene = ?",
                        ST_IN(ST_TEXT(scene)), ST_OUT(ST_OUT_TEXT(&s))),
                 ST_OK);
    return s;
}

/* What user/info said about whoever scanned scene (so the tests need no API). */
static void resolved(const char *scene, const char *unionid)
{
    cr_assert_eq(tl_exec(tl_conn(),
                         "UPDATE wechat_tickets SET resolved = 1, unionid = ? WHERE scene = ?",
                         ST_IN(ST_TEXT(unionid), ST_TEXT(scene))),
                 ST_OK);
}

static int64_t count(const char *sql, const char *arg)
{
    int64_t n = -1;
    cr_assert_eq(tl_row(tl_conn(), NULL, sql, ST_IN(ST_TEXT(arg)), ST_OUT(ST_OUT_INT(&n))), ST_OK);
    return n;
}

static int64_t account(const char *name, int with_password)
{
    int64_t id = 0;
    cr_assert_eq(account_insert(tl_conn(), name, NULL, NULL, 0,
                                with_password ? "$argon2id$x" : NULL, NOW, &id),
                 ACCT_OK);
    return id;
}

static int64_t bonus_of(int64_t id)
{
    struct resources r;
    cr_assert_eq(resources_of(tl_conn(), id, &r), 0);
    cr_assert_eq(r.total, r.base + r.bonus);
    cr_assert_eq(r.base, 2);
    return r.bonus;
}

/* ---- pushes ---- */

Test(wechat_login, scan_applied_once_retry_answered_alike)
{
    char sec[TOKEN_LEN + 1];
    ticket("s1", sec, "signin", 0, NOW + 300);
    cr_assert_str_eq(scan("oA", 100, "subscribe", "s1"), "wechat.reply.scanned");
    cr_assert_str_eq(state_of("s1"), "scanned");
    cr_assert_eq(count("SELECT COUNT(*) FROM wechat_tickets WHERE scene = ? AND openid = 'oA'"
                       " AND expires_at >= scanned_at + 600",
                       "s1"),
                 1, "the scan gives the browser time to finish");
    /* WeChat's retry: same FromUserName and CreateTime */
    struct wechat_push p = push_of("oA", 100, "subscribe", "qrscene_s1", "T-s1");
    struct wxl_push_out out;
    cr_assert_eq(wechat_login_push(A, &p, NOW, &out), 0);
    cr_assert(out.duplicate);
    cr_assert_str_eq(out.reply_key, "wechat.reply.scanned");
    cr_assert_str_eq(out.lang, "zh-CN");
    cr_assert_eq(count("SELECT COUNT(*) FROM wechat_pushes WHERE from_user = ?", "oA"), 1);
    /* someone else scanning the same code later: it is used */
    cr_assert_str_eq(scan("oB", 101, "SCAN", "s1"), "wechat.reply.used");
    cr_assert_eq(count("SELECT COUNT(*) FROM wechat_tickets WHERE openid = ?", "oA"), 1);
    /* the same person scanning again (a new push) still hears "go back to the page" */
    cr_assert_str_eq(scan("oA", 102, "SCAN", "s1"), "wechat.reply.scanned");
}

Test(wechat_login, wrong_ticket_unknown_or_expired_scene_changes_nothing)
{
    char sec[TOKEN_LEN + 1];
    ticket("s2", sec, "signin", 0, NOW + 300);
    struct wechat_push p = push_of("oA", 200, "SCAN", "s2", "T-other");
    struct wxl_push_out out;
    cr_assert_eq(wechat_login_push(A, &p, NOW, &out), 0);
    cr_assert_str_eq(out.reply_key, "wechat.reply.unknown");
    cr_assert_str_eq(state_of("s2"), "pending");
    cr_assert_str_eq(scan("oA", 201, "SCAN", "no-such-scene"), "wechat.reply.unknown");
    ticket("s3", sec, "signin", 0, NOW - 1);
    cr_assert_str_eq(scan("oA", 202, "subscribe", "s3"), "wechat.reply.expired");
    cr_assert_str_eq(state_of("s3"), "pending");
}

Test(wechat_login, follow_unfollow_and_other_pushes)
{
    struct wechat_push p = push_of("oF", 300, "subscribe", NULL, NULL);
    struct wxl_push_out out;
    cr_assert_eq(wechat_login_push(A, &p, NOW, &out), 0);
    cr_assert_str_eq(out.reply_key, "wechat.reply.welcome");
    cr_assert_eq(count("SELECT following FROM wechat_followers WHERE openid = ?", "oF"), 1);
    p = push_of("oF", 301, "unsubscribe", NULL, NULL);
    cr_assert_eq(wechat_login_push(A, &p, NOW, &out), 0);
    cr_assert_null(out.reply_key);
    cr_assert_eq(count("SELECT following FROM wechat_followers WHERE openid = ?", "oF"), 0);
    p = push_of("oF", 302, "LOCATION", NULL, NULL);
    cr_assert_eq(wechat_login_push(A, &p, NOW, &out), 0);
    cr_assert_null(out.reply_key);
}

/* ---- the browser's side ---- */

Test(wechat_login, only_the_secret_reaches_a_ticket)
{
    char sec[TOKEN_LEN + 1], other[TOKEN_LEN + 1];
    ticket("s4", sec, "signin", 0, NOW + 300);
    struct wxl_result r;
    wechat_login_advance(A, sec, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_PENDING);
    cr_assert_str_eq(r.qr_url, "http://weixin.qq.com/q/x");
    cr_assert(r.expires_in > 290 && r.expires_in <= 300);
    token_new(other);
    wechat_login_advance(A, other, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_NONE);
    wechat_login_advance(A, "s4", 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_NONE, "the scene is not a key");
    wechat_login_advance(A, NULL, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_NONE);
    wechat_login_advance(A, sec, 0, "127.0.0.1", NOW + 300, &r);
    cr_assert_eq(r.outcome, WXO_EXPIRED);
}

Test(wechat_login, api_down_issues_nothing)
{
    struct wxl_open_in in = {.intent = WXL_SIGNIN, .lang = "en", .ip = "192.0.2.1"};
    struct wxl_result r;
    wechat_login_open(A, &in, NOW, &r);
    cr_assert_eq(r.outcome, WXO_ERR);
    cr_assert_eq(r.new_secret[0], 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tickets"), 0);
}

/* ---- registration and sign-in ---- */

static enum reg_outcome register_as(const char *secret, const char *user, const char *email,
                                    int terms, struct wxl_register_out *out)
{
    struct wxl_register_in in = {.secret = secret,
                                 .username = user,
                                 .email = email,
                                 .terms = terms,
                                 .ip = "127.0.0.1",
                                 .lang = "en"};
    return wechat_login_register(A, &in, out);
}

Test(wechat_login, register_then_sign_in_by_scanning)
{
    char sec[TOKEN_LEN + 1];
    ticket("r1", sec, "signin", 0, NOW + 300);
    struct wxl_register_out out;
    cr_assert_eq(register_as(sec, "mei", NULL, 1, &out), REG_GONE, "not scanned yet");
    cr_assert_eq(out.outcome, WXO_PENDING);
    scan("oMei", 400, "subscribe", "r1");
    resolved("r1", "uMei");
    struct wxl_result r;
    wechat_login_advance(A, sec, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_REGISTER);
    const char *name;
    cr_assert_eq(account_username_normalize(A, r.suggested, &name), NAME_OK, "%s", r.suggested);
    cr_assert_str_eq(name, r.suggested);

    cr_assert_eq(register_as(sec, "Admin", "not-an-email", 0, &out), REG_INVALID);
    cr_assert_str_eq(out.errors[RF_USERNAME], "signup.err.username_reserved");
    cr_assert_str_eq(out.errors[RF_EMAIL], "signup.err.email_invalid");
    cr_assert_str_eq(out.errors[RF_TERMS], "signup.err.terms");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 0, "nothing half-written");

    cr_assert_eq(register_as(sec, "mei", "Mei@Example.com", 1, &out), REG_OK);
    cr_assert_gt(out.account_id, 0);
    cr_assert_str_eq(state_of("r1"), "consumed");
    struct identity id;
    cr_assert_eq(identity_find(tl_conn(), A, "wechat", "uMei", &id), IDENT_OK,
                 "the unionid is the subject");
    cr_assert_eq(id.account_id, out.account_id);
    cr_assert_str_eq(id.extra, "{\"openid\":\"oMei\",\"unionid\":\"uMei\"}");
    cr_assert_eq(bonus_of(out.account_id), 1);
    cr_assert_eq(count("SELECT COUNT(*) FROM outbox WHERE rcpt = ?", "Mei@Example.com"), 1,
                 "the verification mail is queued with the account");
    int64_t first = out.account_id;
    cr_assert_eq(register_as(sec, "mei2", NULL, 1, &out), REG_GONE, "single use");
    cr_assert_eq(out.outcome, WXO_CONSUMED);
    /* the same WeChat scanned in a second browser before the first registered */
    char other[TOKEN_LEN + 1];
    ticket("r1b", other, "signin", 0, NOW + 300);
    scan("oMei", 399, "subscribe", "r1b");
    resolved("r1b", "uMei");
    cr_assert_eq(register_as(other, "mei3", NULL, 1, &out), REG_TAKEN);
    cr_assert_eq(out.outcome, WXO_CONSUMED);
    cr_assert_str_eq(state_of("r1b"), "consumed");
    cr_assert_eq(count("SELECT COUNT(*) FROM accounts WHERE username = ?", "mei3"), 0);

    /* next time: a scan signs in, in the browser holding that ticket's secret */
    char sec2[TOKEN_LEN + 1];
    ticket("r2", sec2, "signin", 0, NOW + 300);
    scan("oMei", 401, "SCAN", "r2");
    resolved("r2", "uMei");
    wechat_login_advance(A, sec2, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_SIGNIN);
    cr_assert_eq(r.account_id, first);
    cr_assert_str_eq(state_of("r2"), "consumed");
    wechat_login_advance(A, sec2, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_CONSUMED, "and only once");
    cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE event = 'login' AND detail = ?", "wechat"),
                 1);
}

Test(wechat_login, openid_subject_found_when_a_unionid_appears_later)
{
    char sec[TOKEN_LEN + 1];
    int64_t a1 = account("early", 0);
    cr_assert_eq(identity_link(tl_conn(), a1, "wechat", "oEarly", NULL, NULL, NULL, NOW), IDENT_OK);
    ticket("u1", sec, "signin", 0, NOW + 300);
    scan("oEarly", 500, "SCAN", "u1");
    resolved("u1", "uEarly");
    struct wxl_result r;
    wechat_login_advance(A, sec, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_SIGNIN);
    cr_assert_eq(r.account_id, a1);
    /* the identity is now known by its unionid, and keeps the openid */
    struct identity id;
    cr_assert_eq(identity_of(tl_conn(), A, a1, "wechat", &id), IDENT_OK);
    cr_assert_str_eq(id.subject, "uEarly");
    cr_assert_str_eq(id.extra, "{\"openid\":\"oEarly\",\"unionid\":\"uEarly\"}");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities WHERE provider = 'wechat'"), 1);
    /* and the next scan finds it by the unionid */
    ticket("u2", sec, "signin", 0, NOW + 300);
    scan("oEarly", 501, "SCAN", "u2");
    resolved("u2", "uEarly");
    wechat_login_advance(A, sec, 0, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_SIGNIN);
    cr_assert_eq(r.account_id, a1);
}

/* ---- binding and the bonus ---- */

static enum wxl_outcome bind_scan(const char *scene, int64_t acct, int64_t session,
                                  const char *openid, int64_t t, int *granted)
{
    char sec[TOKEN_LEN + 1];
    ticket(scene, sec, "bind", acct, NOW + 300);
    scan(openid, t, "SCAN", scene);
    resolved(scene, NULL);
    struct wxl_result r;
    wechat_login_advance(A, sec, session, "127.0.0.1", NOW, &r);
    *granted = r.granted;
    return r.outcome;
}

Test(wechat_login, bonus_once_per_account_and_per_wechat)
{
    int64_t b = account("bea", 1), c = account("cal", 1);
    int granted = 0;
    cr_assert_eq(bind_scan("b1", b, c, "oW", 600, &granted), WXO_WRONG_ACCOUNT,
                 "the browser signed in as someone else meanwhile");
    cr_assert_eq(bind_scan("b2", b, b, "oW", 601, &granted), WXO_BOUND);
    cr_assert(granted);
    cr_assert_eq(bonus_of(b), 1);
    struct identity id;
    cr_assert_eq(identity_of(tl_conn(), A, b, "wechat", &id), IDENT_OK);
    cr_assert_str_eq(id.subject, "oW", "no unionid: the openid is the subject");

    /* binding again while bound: nothing to scan */
    struct wxl_open_in in = {.intent = WXL_BIND, .session_account = b, .lang = "en", .ip = "x"};
    struct wxl_result r;
    wechat_login_open(A, &in, NOW, &r);
    cr_assert_eq(r.outcome, WXO_HAS_OTHER);
    /* the same WeChat for another account while bound to b */
    cr_assert_eq(bind_scan("b3", c, c, "oW", 602, &granted), WXO_TAKEN);
    cr_assert_str_eq(state_of("b3"), "consumed", "a refused bind uses its code up");

    /* unbind and bind again: no second bonus */
    cr_assert_eq(identity_unlink(tl_conn(), b, "wechat"), IDENT_OK);
    cr_assert_eq(bind_scan("b4", b, b, "oW", 603, &granted), WXO_BOUND);
    cr_assert_not(granted);
    cr_assert_eq(bonus_of(b), 1);
    /* another WeChat on the same account: still none (once per account) */
    cr_assert_eq(identity_unlink(tl_conn(), b, "wechat"), IDENT_OK);
    cr_assert_eq(bind_scan("b5", b, b, "oV", 604, &granted), WXO_BOUND);
    cr_assert_not(granted);
    cr_assert_eq(bonus_of(b), 1);
    /* the first WeChat on a second account: none (once per WeChat, ever) */
    cr_assert_eq(bind_scan("b6", c, c, "oW", 605, &granted), WXO_BOUND);
    cr_assert_not(granted);
    cr_assert_eq(bonus_of(c), 0);
    /* the ledger survives the account */
    cr_assert_eq(tl_exec(tl_conn(), "DELETE FROM accounts WHERE id = ?", ST_IN(ST_INT(b))), ST_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM grants WHERE account_id IS NULL"), 1);
    struct grant *list = NULL;
    int n = -1;
    cr_assert_eq(grants_list(tl_conn(), A, c, &list, &n), 0);
    cr_assert_eq(n, 0);
}

/* A scan of scene by openid, resolved with unionid (NULL: none) and advanced in a browser
 * signed in as session; the outcome. */
static enum wxl_outcome scan_as(const char *scene, const char *intent, int64_t acct,
                                int64_t session, const char *openid, const char *unionid, int64_t t,
                                struct wxl_result *r)
{
    char sec[TOKEN_LEN + 1];
    ticket(scene, sec, intent, acct, NOW + 300);
    scan(openid, t, "SCAN", scene);
    resolved(scene, unionid);
    wechat_login_advance(A, sec, session, "127.0.0.1", NOW, r);
    return r->outcome;
}

Test(wechat_login, a_unionid_appearing_later_is_the_same_person)
{
    /* bound while WeChat gave no unionid: stored under the openid, bonus under the openid */
    int64_t first = account("first", 1), second = account("second", 1);
    struct wxl_result r;
    cr_assert_eq(scan_as("l1", "bind", first, first, "oLate", NULL, 700, &r), WXO_BOUND);
    cr_assert(r.granted);
    /* now the account is bound to an Open Platform account: another account cannot bind the
     * same person under the unionid, nor register it */
    cr_assert_eq(scan_as("l2", "bind", second, second, "oLate", "uLate", 701, &r), WXO_TAKEN);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities WHERE provider = 'wechat'"), 1);
    char sec[TOKEN_LEN + 1];
    ticket("l3", sec, "signin", 0, NOW + 300);
    scan("oLate", 702, "SCAN", "l3");
    resolved("l3", "uLate");
    struct wxl_register_out out;
    cr_assert_eq(register_as(sec, "third", NULL, 1, &out), REG_TAKEN,
                 "registered already, by its openid");
    cr_assert_eq(count("SELECT COUNT(*) FROM accounts WHERE username = ?", "third"), 0);

    /* unbound from the first account, bound to the second with the unionid: no second bonus */
    cr_assert_eq(identity_unlink(tl_conn(), first, "wechat"), IDENT_OK);
    cr_assert_eq(scan_as("l4", "bind", second, second, "oLate", "uLate", 703, &r), WXO_BOUND);
    cr_assert_not(r.granted, "the bonus went to this person under the openid");
    cr_assert_eq(bonus_of(second), 0);
    cr_assert_eq(bonus_of(first), 1);
    struct identity id;
    cr_assert_eq(identity_of(tl_conn(), A, second, "wechat", &id), IDENT_OK);
    cr_assert_str_eq(id.subject, "uLate");
    /* and back to the first: found by the unionid now; still one grant in all */
    cr_assert_eq(identity_unlink(tl_conn(), second, "wechat"), IDENT_OK);
    cr_assert_eq(scan_as("l5", "bind", first, first, "oLate", "uLate", 704, &r), WXO_BOUND);
    cr_assert_not(r.granted);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM grants"), 1);
}

/* ---- re-authentication ---- */

Test(wechat_login, reauth_only_with_the_bound_wechat)
{
    int64_t owner = account("owner", 0), other = account("other", 0);
    cr_assert_eq(identity_link(tl_conn(), owner, "wechat", "uOwner", NULL, NULL, NULL, NOW),
                 IDENT_OK);
    cr_assert_eq(identity_link(tl_conn(), other, "wechat", "uOther", NULL, NULL, NULL, NOW),
                 IDENT_OK);
    struct wxl_result r;
    /* another person's WeChat (bound elsewhere), or one bound nowhere: refused, spent */
    cr_assert_eq(scan_as("ra1", "reauth", owner, owner, "oOther", "uOther", 800, &r), WXO_MISMATCH);
    cr_assert_str_eq(state_of("ra1"), "consumed");
    cr_assert_eq(scan_as("ra2", "reauth", owner, owner, "oNobody", NULL, 801, &r), WXO_MISMATCH);
    cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE event = ?", "reauth_refused"), 2);
    cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE event = ?", "reauth"), 0);
    /* the browser signed in as someone else meanwhile */
    cr_assert_eq(scan_as("ra3", "reauth", owner, other, "oOwner", "uOwner", 802, &r),
                 WXO_WRONG_ACCOUNT);
    /* the owner's own WeChat: re-authenticated, once */
    char sec[TOKEN_LEN + 1];
    ticket("ra4", sec, "reauth", owner, NOW + 300);
    scan("oOwner", 803, "SCAN", "ra4");
    resolved("ra4", "uOwner");
    wechat_login_advance(A, sec, owner, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_REAUTHED);
    cr_assert_eq(r.account_id, owner);
    cr_assert_eq(
        count("SELECT COUNT(*) FROM audit WHERE event = 'reauth' AND detail = ?", "wechat"), 1);
    wechat_login_advance(A, sec, owner, "127.0.0.1", NOW, &r);
    cr_assert_eq(r.outcome, WXO_CONSUMED, "single use");
    /* nothing else changed: no identity moved, no account made, no bonus */
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities"), 2);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 2);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM grants"), 0);

    /* an account without WeChat gets no QR code to confirm with (and no API call) */
    int64_t plain = account("plain", 1);
    struct wxl_open_in in = {
        .intent = WXL_REAUTH, .session_account = plain, .lang = "en", .ip = "x"};
    wechat_login_open(A, &in, NOW, &r);
    cr_assert_eq(r.outcome, WXO_NOT_BOUND);
    cr_assert_eq(r.new_secret[0], 0);
}

/* ---- the callback protocol ---- */

/* Signs a query of now with a nonce of its own (a push's nonce is never used twice). */
static void signed_query(struct wechat_cb_in *in, const char *token)
{
    static unsigned nonce;
    in->timestamp = arena_printf(A, "%lld", (long long)NOW);
    in->nonce = arena_printf(A, "%u", 777 + nonce++);
    const char *parts[3] = {token, in->timestamp, in->nonce};
    char *sig = arena_alloc(A, WECHAT_SIG_LEN + 1);
    wechat_crypto_sign(parts, 3, sig);
    in->signature = sig;
}

static const char *scan_xml(const char *scene, int64_t t)
{
    return arena_printf(A,
                        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA["
                        "oP]]></FromUserName><CreateTime>%lld</CreateTime><MsgType><![CDATA[event"
                        "]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[%s]]>"
                        "</EventKey><Ticket><![CDATA[T-%s]]></Ticket></xml>",
                        (long long)t, scene, scene);
}

Test(wechat_login, callback_verification_and_forged_signatures)
{
    setenv("DAOID_WECHAT_PUSH_MODE", "any", 1); /* plaintext pushes too */
    cr_assert_eq(config_load(NULL), 0);
    struct wechat_cb_in in = {.echostr = "hello-123"};
    struct wechat_cb_out out;
    signed_query(&in, TOKEN);
    wechat_push_verify(A, &in, &out);
    cr_assert_eq(out.status, 200);
    cr_assert_str_eq(out.body, "hello-123");
    signed_query(&in, "another token");
    wechat_push_verify(A, &in, &out);
    cr_assert_eq(out.status, 403);

    char sec[TOKEN_LEN + 1];
    ticket("p1", sec, "signin", 0, NOW + 300);
    in.body = scan_xml("p1", 700);
    in.body_len = strlen(in.body);
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 403, "forged signature");
    cr_assert_str_eq(state_of("p1"), "pending");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_pushes"), 0);

    signed_query(&in, TOKEN);
    in.body = "<xml><FromUserName>oP</FromUserName>";
    in.body_len = strlen(in.body);
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 400, "malformed");
    in.body = "<xml><MsgType>event</MsgType></xml>";
    in.body_len = strlen(in.body);
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 400, "no FromUserName");

    signed_query(&in, TOKEN);
    in.body = scan_xml("p1", 701);
    in.body_len = strlen(in.body);
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 200);
    struct wechat_push reply;
    cr_assert_eq(wechat_xml_parse(A, out.body, out.len, &reply), WXX_OK, "%s", out.body);
    cr_assert_str_eq(reply.to_user, "oP");
    cr_assert_str_eq(reply.from_user, "gh_test");
    cr_assert_str_eq(reply.content, "扫码成功，请返回网页继续。");
    cr_assert_str_eq(state_of("p1"), "scanned");
}

/* A safe-mode push of xml (encrypted with appid) with its msg_signature. */
static void safe_query(struct wechat_cb_in *in, const char *xml, const char *appid)
{
    unsigned char key[32];
    cr_assert_eq(wechat_crypto_key(AESKEY, key), 0);
    char *enc = wechat_crypto_encrypt(A, key, appid, xml, strlen(xml), NULL);
    signed_query(in, TOKEN);
    const char *parts[4] = {TOKEN, in->timestamp, in->nonce, enc};
    char *msig = arena_alloc(A, WECHAT_SIG_LEN + 1);
    wechat_crypto_sign(parts, 4, msig);
    in->encrypt_type = "aes";
    in->msg_signature = msig;
    in->body = arena_printf(A,
                            "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt>"
                            "<![CDATA[%s]]></Encrypt></xml>",
                            enc);
    in->body_len = strlen(in->body);
}

Test(wechat_login, safe_mode_push_and_encrypted_reply)
{
    char sec[TOKEN_LEN + 1];
    ticket("p2", sec, "signin", 0, NOW + 300);
    struct wechat_cb_in in = {0};
    struct wechat_cb_out out;
    safe_query(&in, scan_xml("p2", 800), "wxsomeoneelse");
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 400, "wrong AppID");
    safe_query(&in, scan_xml("p2", 801), APPID);
    in.msg_signature = "0000000000000000000000000000000000000000";
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 403, "bad msg_signature");
    cr_assert_str_eq(state_of("p2"), "pending");

    safe_query(&in, scan_xml("p2", 802), APPID);
    wechat_push_handle(A, &in, NOW, &out);
    cr_assert_eq(out.status, 200);
    struct wechat_push env, reply;
    cr_assert_eq(wechat_xml_parse(A, out.body, out.len, &env), WXX_OK);
    cr_assert_not_null(env.encrypt, "the reply is encrypted too");
    char ts[24];
    snprintf(ts, sizeof(ts), "%lld", (long long)env.create_time);
    cr_assert(wechat_crypto_check_msg(TOKEN, ts, env.nonce, env.encrypt, env.msg_signature));
    unsigned char key[32];
    cr_assert_eq(wechat_crypto_key(AESKEY, key), 0);
    char *msg = NULL;
    size_t len = 0;
    cr_assert_eq(wechat_crypto_decrypt(A, key, APPID, env.encrypt, &msg, &len), WXC_OK);
    cr_assert_eq(wechat_xml_parse(A, msg, len, &reply), WXX_OK);
    cr_assert_str_eq(reply.content, "扫码成功，请返回网页继续。");
    cr_assert_str_eq(state_of("p2"), "scanned");
}

/* ---- settings ---- */

static int load_with(const char *name, const char *value)
{
    char *old = getenv(name) ? strdup(getenv(name)) : NULL;
    setenv(name, value, 1);
    int rc = config_load(NULL);
    if (old)
        setenv(name, old, 1);
    else
        unsetenv(name);
    free(old);
    cr_assert_eq(config_load(NULL), 0, "the fixture's settings load again");
    return rc;
}

Test(wechat_login, settings_checked)
{
    cr_assert_eq(load_with("DAOID_WECHAT_TOKEN_MODE", "classic"), 0);
    cr_assert_eq(load_with("DAOID_WECHAT_TOKEN_MODE", "fast"), -1);
    cr_assert_eq(load_with("DAOID_WECHAT_AES_KEY", "tooshort"), -1);
    cr_assert_eq(load_with("DAOID_WECHAT_AES_KEY", ""), 0, "no key: plaintext mode");
    cr_assert_eq(load_with("DAOID_WECHAT_TOKEN", ""), -1, "an AppID needs the Token");
    cr_assert_eq(load_with("DAOID_WECHAT_QR_TTL", "0s"), -1);
    cr_assert_eq(load_with("DAOID_LIMIT_WECHAT_QR_IP", "5/1m"), 0);
    cr_assert_eq(cfg->wechat_qr_ttl, 300, "5 minutes by default");
    cr_assert_eq(cfg->base_units, 2);
    cr_assert_eq(cfg->wechat_bonus_units, 1);
}
