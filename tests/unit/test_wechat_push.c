/* Unit tests of the WeChat callback's defences against forged and replayed pushes
 * (wechat_push, wechat_nonces), on a real SQLite file: the timestamp window, nonces bound to
 * the body they came with (WeChat's own retry passes), encrypted pushes only when a key is set
 * (compatibility mode read through its encrypted part alone), and a scan that must carry its
 * QR code's Ticket. */
#include "arena.h"
#include "token.h"
#include "wechat_crypto.h"
#include "wechat_push.h"
#include "wechat_xml.h"

#include "wechat_fixture.h"

TestSuite(wechat_push, .init = setup, .fini = teardown);

/* Reloads the settings with name = value on top of the fixture's. */
static int reload(const char *name, const char *value)
{
    setenv(name, value, 1);
    return config_load(NULL);
}

/* A pending sign-in ticket for scene (WeChat's ticket "T-scene"). */
static void ticket(const char *scene)
{
    char secret[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    token_new(secret);
    token_hash(secret, h);
    cr_assert_eq(tl_exec(tl_conn(),
                         "INSERT INTO wechat_tickets (scene, secret_hash, intent, account_id,"
                         " wx_ticket, qr_url, lang, created_at, expires_at)"
                         " VALUES (?, ?, 'signin', 0, ?, 'http://weixin.qq.com/q/x', 'en', ?, ?)",
                         ST_IN(ST_TEXT(scene), ST_TEXT(h), ST_TEXT(arena_printf(A, "T-%s", scene)),
                               ST_INT(NOW), ST_INT(NOW + 300))),
                 ST_OK);
}

static const char *state_of(const char *scene)
{
    char *s = NULL;
    cr_assert_eq(tl_row(tl_conn(), A, "SELECT state FROM wechat_tickets WHERE scene = ?",
                        ST_IN(ST_TEXT(scene)), ST_OUT(ST_OUT_TEXT(&s))),
                 ST_OK);
    return s;
}

/* A SCAN of scene by openid at CreateTime t (ticket: its <Ticket>, NULL for none). */
static const char *scan_xml(const char *openid, const char *scene, int64_t t, const char *ticket)
{
    return arena_printf(A,
                        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA["
                        "%s]]></FromUserName><CreateTime>%lld</CreateTime><MsgType><![CDATA[event"
                        "]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[%s]]>"
                        "</EventKey>%s%s%s</xml>",
                        openid, (long long)t, scene, ticket ? "<Ticket><![CDATA[" : "",
                        ticket ? ticket : "", ticket ? "]]></Ticket>" : "");
}

/* The query of a push at timestamp ts with nonce, signed with the Token. */
static void signed_query(struct wechat_cb_in *in, int64_t ts, const char *nonce)
{
    memset(in, 0, sizeof(*in));
    in->timestamp = arena_printf(A, "%lld", (long long)ts);
    in->nonce = nonce;
    const char *parts[3] = {TOKEN, in->timestamp, nonce};
    char *sig = arena_alloc(A, WECHAT_SIG_LEN + 1);
    wechat_crypto_sign(parts, 3, sig);
    in->signature = sig;
}

static void plain(struct wechat_cb_in *in, const char *xml)
{
    in->body = xml;
    in->body_len = strlen(xml);
}

/* xml encrypted (safe mode), after the plaintext fields prefix (compatibility mode; "" for
 * none), with its msg_signature. */
static void encrypted(struct wechat_cb_in *in, const char *xml, const char *prefix)
{
    unsigned char key[32];
    cr_assert_eq(wechat_crypto_key(AESKEY, key), 0);
    char *enc = wechat_crypto_encrypt(A, key, APPID, xml, strlen(xml), NULL);
    const char *parts[4] = {TOKEN, in->timestamp, in->nonce, enc};
    char *msig = arena_alloc(A, WECHAT_SIG_LEN + 1);
    wechat_crypto_sign(parts, 4, msig);
    in->encrypt_type = "aes";
    in->msg_signature = msig;
    plain(in, arena_printf(A,
                           "<xml>%s<ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt>"
                           "<![CDATA[%s]]></Encrypt></xml>",
                           prefix, enc));
}

static int push(const struct wechat_cb_in *in, const char *want_body)
{
    struct wechat_cb_out out;
    wechat_push_handle(A, in, NOW, &out);
    if (want_body) cr_assert_str_eq(out.body, want_body);
    return out.status;
}

Test(wechat_push, timestamp_within_the_window)
{
    cr_assert(wechat_push_in_window("1000", 1000, 300));
    cr_assert(wechat_push_in_window("700", 1000, 300));
    cr_assert(wechat_push_in_window("1300", 1000, 300));
    cr_assert_not(wechat_push_in_window("699", 1000, 300));
    cr_assert_not(wechat_push_in_window("1301", 1000, 300));
    cr_assert_not(wechat_push_in_window("", 1000, 300));
    cr_assert_not(wechat_push_in_window(NULL, 1000, 300));
    cr_assert_not(wechat_push_in_window("1000x", 1000, 300));
    cr_assert_not(wechat_push_in_window("-1000", 1000, 300));
    cr_assert_not(wechat_push_in_window("+1000", 1000, 300));
    cr_assert_not(wechat_push_in_window("0000000001000", 1000, 300), "13 digits");
    cr_assert_eq(cfg->wechat_push_window, 300, "5 minutes by default");
}

Test(wechat_push, stale_or_future_timestamps_refused)
{
    ticket("w1");
    struct wechat_cb_in in;
    signed_query(&in, NOW - 301, "5001");
    encrypted(&in, scan_xml("oA", "w1", 100, "T-w1"), "");
    cr_assert_eq(push(&in, "stale timestamp\n"), 403);
    signed_query(&in, NOW + 301, "5002");
    encrypted(&in, scan_xml("oA", "w1", 100, "T-w1"), "");
    cr_assert_eq(push(&in, "stale timestamp\n"), 403);
    cr_assert_str_eq(state_of("w1"), "pending");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_pushes"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_nonces"), 0, "nothing remembered");

    cr_assert_eq(reload("DAOID_WECHAT_PUSH_WINDOW", "30s"), 0);
    signed_query(&in, NOW - 60, "5003");
    encrypted(&in, scan_xml("oA", "w1", 100, "T-w1"), "");
    cr_assert_eq(push(&in, "stale timestamp\n"), 403, "the window is configurable");
    signed_query(&in, NOW - 29, "5004");
    encrypted(&in, scan_xml("oA", "w1", 100, "T-w1"), "");
    cr_assert_eq(push(&in, NULL), 200);
    cr_assert_str_eq(state_of("w1"), "scanned");
    cr_assert_eq(tl_scalar("SELECT expires_at FROM wechat_nonces WHERE nonce = '5004'"),
                 NOW - 29 + 30, "kept while the timestamp is in the window");
    cr_assert_eq(reload("DAOID_WECHAT_PUSH_WINDOW", "5s"), -1);
    cr_assert_eq(reload("DAOID_WECHAT_PUSH_WINDOW", "2h"), -1);
}

Test(wechat_push, replayed_nonce_with_another_body_refused)
{
    cr_assert_eq(reload("DAOID_WECHAT_PUSH_MODE", "any"), 0); /* plaintext: no msg_signature */
    ticket("r1");
    ticket("r2");
    struct wechat_cb_in in;
    signed_query(&in, NOW, "6001");
    plain(&in, scan_xml("oA", "r1", 100, "T-r1"));
    struct wechat_cb_out first;
    wechat_push_handle(A, &in, NOW, &first);
    cr_assert_eq(first.status, 200);
    cr_assert_str_eq(state_of("r1"), "scanned");

    /* the query seen in a log, with a forged body: another person's scan of another code */
    struct wechat_cb_in forged = in;
    plain(&forged, scan_xml("oEvil", "r2", 200, "T-r2"));
    cr_assert_eq(push(&forged, "replayed nonce\n"), 403);
    cr_assert_str_eq(state_of("r2"), "pending");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_pushes WHERE from_user = 'oEvil'"), 0);

    /* WeChat's retry: the same query and body, answered as the first time */
    struct wechat_cb_out again;
    wechat_push_handle(A, &in, NOW, &again);
    cr_assert_eq(again.status, 200);
    cr_assert_eq(again.len, first.len);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_pushes WHERE from_user = 'oA'"), 1);
}

Test(wechat_push, plaintext_refused_when_a_key_is_set)
{
    ticket("k1");
    struct wechat_cb_in in;
    signed_query(&in, NOW, "7001");
    plain(&in, scan_xml("oA", "k1", 100, "T-k1"));
    cr_assert(wechat_push_safe_only(), "auto with a key: safe");
    cr_assert_eq(push(&in, "encrypted pushes only\n"), 403);
    in.encrypt_type = "raw";
    cr_assert_eq(push(&in, "encrypted pushes only\n"), 403);
    cr_assert_str_eq(state_of("k1"), "pending");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_nonces"), 0);

    cr_assert_eq(reload("DAOID_WECHAT_PUSH_MODE", "bogus"), -1);
    setenv("DAOID_WECHAT_PUSH_MODE", "auto", 1);
    cr_assert_eq(reload("DAOID_WECHAT_AES_KEY", ""), 0);
    cr_assert_not(wechat_push_safe_only(), "auto without a key: plaintext");
    cr_assert_eq(reload("DAOID_WECHAT_PUSH_MODE", "safe"), -1, "safe needs the key");
    cr_assert_eq(reload("DAOID_WECHAT_PUSH_MODE", "auto"), 0);
    signed_query(&in, NOW, "7002");
    plain(&in, scan_xml("oA", "k1", 101, "T-k1"));
    cr_assert_eq(push(&in, NULL), 200);
    cr_assert_str_eq(state_of("k1"), "scanned");
}

Test(wechat_push, compatibility_mode_reads_only_the_encrypted_part)
{
    ticket("c1");
    ticket("c2");
    struct wechat_cb_in in;
    signed_query(&in, NOW, "8001");
    /* plaintext fields that say something else than the encrypted push */
    const char *lie = "<FromUserName><![CDATA[oEvil]]></FromUserName><CreateTime>900</CreateTime>"
                      "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event>"
                      "<EventKey><![CDATA[c2]]></EventKey><Ticket><![CDATA[T-c2]]></Ticket>";
    encrypted(&in, scan_xml("oA", "c1", 100, "T-c1"), lie);
    cr_assert_eq(push(&in, NULL), 200);
    cr_assert_str_eq(state_of("c1"), "scanned");
    cr_assert_str_eq(state_of("c2"), "pending");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_pushes WHERE from_user = 'oEvil'"), 0);
}

Test(wechat_push, scan_without_its_ticket_refused)
{
    ticket("t1");
    struct wechat_cb_in in;
    signed_query(&in, NOW, "9001");
    encrypted(&in, scan_xml("oA", "t1", 100, NULL), "");
    cr_assert_eq(push(&in, NULL), 200, "answered, so WeChat does not retry");
    cr_assert_str_eq(state_of("t1"), "pending", "no <Ticket>: not a scan of this code");
    signed_query(&in, NOW, "9002");
    encrypted(&in,
              arena_printf(A, "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName>"
                              "<![CDATA[oA]]></FromUserName><CreateTime>101</CreateTime><MsgType>"
                              "<![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"
                              "<EventKey><![CDATA[qrscene_t1]]></EventKey></xml>"),
              "");
    cr_assert_eq(push(&in, NULL), 200);
    cr_assert_str_eq(state_of("t1"), "pending", "nor a follow from it");
    signed_query(&in, NOW, "9003");
    encrypted(&in, scan_xml("oA", "t1", 102, "T-t1"), "");
    cr_assert_eq(push(&in, NULL), 200);
    cr_assert_str_eq(state_of("t1"), "scanned", "with its ticket it is");
}
