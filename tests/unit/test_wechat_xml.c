/* Unit tests of wechat_xml: parsing each kind of push by element name (CDATA or not, any order,
 * nested elements ignored), the scene prefix rules, the replies, and refusal without a crash of
 * malformed, hostile (DOCTYPE, entities, deep nesting) and oversized documents, plus a mutation
 * loop over a valid push (run under the sanitizers by `make test`). */
#include "arena.h"
#include "wechat_xml.h"

#include "testlib.h"

static struct arena *A;

static void setup(void)
{
    A = arena_new();
}

static void teardown(void)
{
    arena_free(A);
}

TestSuite(wechat_xml, .init = setup, .fini = teardown);

#define HEAD                                                                                       \
    "<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName>"                                    \
    "<FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1714036504</CreateTime>"           \
    "<MsgType><![CDATA[event]]></MsgType>"

static enum wechat_xml_rc parse(const char *xml, struct wechat_push *p)
{
    return wechat_xml_parse(A, xml, strlen(xml), p);
}

Test(wechat_xml, subscribe_by_scanning)
{
    struct wechat_push p;
    cr_assert_eq(parse(HEAD "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_abc-"
                            "123]]></EventKey><Ticket><![CDATA[gQTicket]]></Ticket></xml>",
                       &p),
                 WXX_OK);
    cr_assert_str_eq(p.to_user, "gh_123456789abc");
    cr_assert_str_eq(p.from_user, "oUser1");
    cr_assert_eq(p.create_time, 1714036504);
    cr_assert_str_eq(p.ticket, "gQTicket");
    const char *scene = NULL;
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_SCAN_FOLLOW);
    cr_assert_str_eq(scene, "abc-123");
}

Test(wechat_xml, scan_by_a_follower)
{
    struct wechat_push p;
    cr_assert_eq(parse(HEAD "<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[abc-123]]>"
                            "</EventKey><Ticket><![CDATA[gQTicket]]></Ticket></xml>",
                       &p),
                 WXX_OK);
    const char *scene = NULL;
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_SCAN);
    cr_assert_str_eq(scene, "abc-123");
}

Test(wechat_xml, scene_prefix_only_stripped_for_subscribe)
{
    struct wechat_push p;
    const char *scene = NULL;
    /* SCAN keys are bare: a scene that happens to start with qrscene_ stays whole */
    cr_assert_eq(parse(HEAD "<Event>SCAN</Event><EventKey>qrscene_x</EventKey></xml>", &p), WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_SCAN);
    cr_assert_str_eq(scene, "qrscene_x");
    /* subscribe with the bare prefix only, an empty key or no key: a plain follow */
    cr_assert_eq(parse(HEAD "<Event>subscribe</Event><EventKey>qrscene_</EventKey></xml>", &p),
                 WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_FOLLOW);
    cr_assert_null(scene);
    cr_assert_eq(parse(HEAD "<Event>subscribe</Event><EventKey><![CDATA[]]></EventKey></xml>", &p),
                 WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_FOLLOW);
    cr_assert_eq(parse(HEAD "<Event>subscribe</Event></xml>", &p), WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_FOLLOW);
    /* subscribe with a key without the prefix is not a scan either */
    cr_assert_eq(
        parse(HEAD "<Event>subscribe</Event><EventKey>last_trade_no_1</EventKey></xml>", &p),
        WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_FOLLOW);
    /* SCAN without a key */
    cr_assert_eq(parse(HEAD "<Event>SCAN</Event></xml>", &p), WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_OTHER);
}

Test(wechat_xml, unsubscribe_and_others)
{
    struct wechat_push p;
    const char *scene = NULL;
    cr_assert_eq(parse(HEAD "<Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]>"
                            "</EventKey></xml>",
                       &p),
                 WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_UNFOLLOW);
    cr_assert_eq(parse(HEAD "<Event>CLICK</Event><EventKey>menu1</EventKey></xml>", &p), WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_OTHER);
    cr_assert_eq(parse("<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>"
                       "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi ]]&gt; "
                       "</Content><MsgId>6054768590064713728</MsgId></xml>",
                       &p),
                 WXX_OK);
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_OTHER);
    cr_assert_str_eq(p.content, "hi ]]> ", "message text is kept as sent");
}

Test(wechat_xml, by_name_in_any_order_nested_ignored)
{
    struct wechat_push p;
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n"
                      "  <Ticket>T</Ticket>\n  <EventKey> qrscene_s1 </EventKey>\n"
                      "  <Video><MediaId>m</MediaId><FromUserName>inner</FromUserName></Video>\n"
                      "  <Event>subscribe</Event>\n  <CreateTime> 42 </CreateTime>\n"
                      "  <MsgType>event</MsgType>\n  <FromUserName>oOuter</FromUserName>\n</xml>\n";
    cr_assert_eq(parse(xml, &p), WXX_OK);
    cr_assert_str_eq(p.from_user, "oOuter", "a nested element of the same name is not the field");
    cr_assert_eq(p.create_time, 42);
    const char *scene = NULL;
    cr_assert_eq(wechat_push_kind(&p, &scene), WXP_SCAN_FOLLOW);
    cr_assert_str_eq(scene, "s1");
    cr_assert_null(p.to_user);
}

Test(wechat_xml, malformed_refused)
{
    static const char *const bad[] = {
        "",
        "not xml at all",
        "<xml>",
        "<xml><FromUserName>o</FromUserName>",
        "<notxml><FromUserName>o</FromUserName></notxml>",
        "<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName></xml>",
        "<xml><CreateTime>12x</CreateTime></xml>",
        "<xml><CreateTime>-5</CreateTime></xml>",
        "<xml><CreateTime>99999999999999999999999</CreateTime></xml>",
        "<xml></xml><xml></xml>",
        "<xml><a></b></xml>",
        "<xml>\xff\xfe</xml>",
        "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
        "<xml><Content>&b;&b;&b;&b;</Content></xml>",
        "<!DOCTYPE xml SYSTEM \"file:///etc/passwd\"><xml/>",
        "<xml><Content>&undefined;</Content></xml>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct wechat_push p;
        cr_expect_eq(parse(bad[i], &p), WXX_MALFORMED, "case %zu: %s", i, bad[i]);
    }
    struct wechat_push p;
    cr_assert_eq(wechat_xml_parse(A, "<xml>\0</xml>", 12, &p), WXX_MALFORMED, "NUL byte");
    cr_assert_eq(wechat_xml_parse(A, NULL, 0, &p), WXX_MALFORMED);
}

Test(wechat_xml, oversized_refused)
{
    struct wechat_push p;
    size_t n = WECHAT_XML_MAX + 1;
    char *big = arena_alloc(A, n + 1);
    memset(big, ' ', n);
    memcpy(big, "<xml>", 5);
    memcpy(big + n - 6, "</xml>", 6);
    cr_assert_eq(wechat_xml_parse(A, big, n, &p), WXX_TOO_LARGE);
    /* one field larger than a field may be */
    struct abuf b;
    abuf_init(&b, A, 16384);
    abuf_adds(&b, "<xml><Content>");
    for (int i = 0; i < WECHAT_FIELD_MAX + 1; i++) abuf_addc(&b, 'x');
    abuf_adds(&b, "</Content></xml>");
    cr_assert_eq(wechat_xml_parse(A, b.s, b.len, &p), WXX_TOO_LARGE);
    /* nesting deeper than 16 levels */
    abuf_init(&b, A, 1024);
    abuf_adds(&b, "<xml>");
    for (int i = 0; i < 40; i++) abuf_adds(&b, "<a>");
    for (int i = 0; i < 40; i++) abuf_adds(&b, "</a>");
    abuf_adds(&b, "</xml>");
    cr_assert_eq(wechat_xml_parse(A, b.s, b.len, &p), WXX_TOO_LARGE);
}

Test(wechat_xml, replies_parse_back)
{
    char *x = wechat_xml_text_reply(A, "oUser1", "gh_1", 1700000000, "扫码成功 ]]> <b>&");
    struct wechat_push p;
    cr_assert_eq(parse(x, &p), WXX_OK, "%s", x);
    cr_assert_str_eq(p.to_user, "oUser1");
    cr_assert_str_eq(p.from_user, "gh_1");
    cr_assert_str_eq(p.msg_type, "text");
    cr_assert_str_eq(p.content, "扫码成功 ]]> <b>&", "a ]]> inside is split across CDATA sections");
    cr_assert_eq(p.create_time, 1700000000);
    x = wechat_xml_encrypted_reply(A, "QUJD", "0123abcd", 1700000001, "4242");
    cr_assert_eq(parse(x, &p), WXX_OK, "%s", x);
    cr_assert_str_eq(p.encrypt, "QUJD");
    cr_assert_str_eq(p.msg_signature, "0123abcd");
    cr_assert_str_eq(p.nonce, "4242");
    cr_assert_eq(p.create_time, 1700000001, "TimeStamp read when there is no CreateTime");
}

/* Every single-byte change and every truncation of a valid push parses or is refused; none
 * crashes (the sanitizer build checks the memory). */
Test(wechat_xml, mutations_never_crash)
{
    const char *good = HEAD "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_s]]>"
                            "</EventKey><Ticket><![CDATA[T]]></Ticket></xml>";
    size_t n = strlen(good);
    static const char subst[] = {'<', '>', '/', '&', '[', ']', '!', '\0', '\xff', 'x', '"'};
    int ok = 0, refused = 0;
    char *buf = arena_alloc(A, n + 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof(subst); k++) {
            struct arena *t = arena_new();
            memcpy(buf, good, n);
            buf[i] = subst[k];
            struct wechat_push p;
            if (wechat_xml_parse(t, buf, n, &p) == WXX_OK)
                ok++;
            else
                refused++;
            arena_free(t);
        }
        struct arena *t = arena_new();
        struct wechat_push p;
        if (wechat_xml_parse(t, good, i, &p) == WXX_OK)
            ok++;
        else
            refused++;
        arena_free(t);
    }
    cr_assert_gt(refused, 0);
    cr_assert_gt(ok, 0);
}
