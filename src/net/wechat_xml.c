/* wechat_xml: see wechat_xml.h. One Expat parser per document; character data of each direct
 * child of <xml> is gathered into the field of that name. A DOCTYPE (and so any entity
 * declaration) stops the parser at once: pushes never carry one. */
#include "wechat_xml.h"

#include <errno.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define WXX_DEPTH_MAX    16
#define WXX_SCENE_PREFIX "qrscene_"

enum wxx_field {
    F_TO,
    F_FROM,
    F_TIME,
    F_TYPE,
    F_EVENT,
    F_KEY,
    F_TICKET,
    F_ENCRYPT,
    F_CONTENT,
    F_MSGSIG,
    F_NONCE,
    F_STAMP,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "ToUserName", "FromUserName", "CreateTime", "MsgType",      "Event", "EventKey",
    "Ticket",     "Encrypt",      "Content",    "MsgSignature", "Nonce", "TimeStamp",
};

struct wxx_state {
    XML_Parser p;
    int depth;
    int field; /* field being read at depth 2, or -1 */
    struct abuf val[F_COUNT];
    int seen[F_COUNT];
    enum wechat_xml_rc rc;
};

static void wxx_fail(struct wxx_state *st, enum wechat_xml_rc rc)
{
    if (st->rc == WXX_OK) st->rc = rc;
    XML_StopParser(st->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    struct wxx_state *st = ud;
    st->depth++;
    st->field = -1;
    if (st->depth > WXX_DEPTH_MAX) return wxx_fail(st, WXX_TOO_LARGE);
    if (st->depth == 1 && strcmp(name, "xml") != 0) return wxx_fail(st, WXX_MALFORMED);
    if (st->depth != 2) return;
    for (int i = 0; i < F_COUNT; i++) {
        if (strcmp(name, field_names[i]) != 0) continue;
        if (st->seen[i]++) return wxx_fail(st, WXX_MALFORMED);
        st->field = i;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    struct wxx_state *st = ud;
    st->depth--;
    st->field = -1;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int n)
{
    struct wxx_state *st = ud;
    if (st->depth != 2 || st->field < 0) return;
    struct abuf *b = &st->val[st->field];
    if (b->len + (size_t)n > WECHAT_FIELD_MAX) return wxx_fail(st, WXX_TOO_LARGE);
    abuf_add(b, s, (size_t)n);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal;
    wxx_fail(ud, WXX_MALFORMED);
}

/* A whole-number field (already trimmed); -1 when absent, and *bad set when not a number. */
static int64_t parse_int(const char *s, int *bad)
{
    if (!s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < 0 || *s < '0' || *s > '9') {
        *bad = 1;
        return -1;
    }
    return v;
}

/* s without leading and trailing XML white space (in place). */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

static void fill(struct wxx_state *st, struct wechat_push *out)
{
    char *v[F_COUNT];
    for (int i = 0; i < F_COUNT; i++) {
        v[i] = st->seen[i] ? abuf_str(&st->val[i]) : NULL;
        if (v[i] && i != F_CONTENT) v[i] = trim(v[i]); /* message text is kept as sent */
    }
    out->to_user = v[F_TO];
    out->from_user = v[F_FROM];
    out->msg_type = v[F_TYPE];
    out->event = v[F_EVENT];
    out->event_key = v[F_KEY];
    out->ticket = v[F_TICKET];
    out->encrypt = v[F_ENCRYPT];
    out->content = v[F_CONTENT];
    out->msg_signature = v[F_MSGSIG];
    out->nonce = v[F_NONCE];
    int bad = 0;
    out->create_time = parse_int(v[F_TIME] ? v[F_TIME] : v[F_STAMP], &bad);
    if (bad) st->rc = WXX_MALFORMED;
}

enum wechat_xml_rc wechat_xml_parse(struct arena *a, const char *xml, size_t len,
                                    struct wechat_push *out)
{
    memset(out, 0, sizeof(*out));
    out->create_time = -1;
    if (!xml || len == 0) return WXX_MALFORMED;
    if (len > WECHAT_XML_MAX) return WXX_TOO_LARGE;
    struct wxx_state st = {.field = -1, .rc = WXX_OK};
    for (int i = 0; i < F_COUNT; i++) abuf_init(&st.val[i], a, 64);
    st.p = XML_ParserCreate("UTF-8");
    if (!st.p) return WXX_MALFORMED;
    XML_SetUserData(st.p, &st);
    XML_SetElementHandler(st.p, on_start, on_end);
    XML_SetCharacterDataHandler(st.p, on_text);
    XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
    enum XML_Status xs = XML_Parse(st.p, xml, (int)len, XML_TRUE);
    XML_ParserFree(st.p);
    if (st.rc != WXX_OK) return st.rc;
    if (xs != XML_STATUS_OK) return WXX_MALFORMED;
    fill(&st, out);
    return st.rc;
}

enum wechat_push_kind wechat_push_kind(const struct wechat_push *p, const char **scene)
{
    *scene = NULL;
    if (!p->msg_type || strcmp(p->msg_type, "event") != 0 || !p->event) return WXP_OTHER;
    const char *key = p->event_key ? p->event_key : "";
    if (!strcmp(p->event, "subscribe")) {
        size_t n = strlen(WXX_SCENE_PREFIX);
        if (strncmp(key, WXX_SCENE_PREFIX, n) != 0 || !key[n]) return WXP_FOLLOW;
        *scene = key + n;
        return WXP_SCAN_FOLLOW;
    }
    if (!strcmp(p->event, "SCAN")) {
        if (!*key) return WXP_OTHER;
        *scene = key;
        return WXP_SCAN;
    }
    if (!strcmp(p->event, "unsubscribe")) return WXP_UNFOLLOW;
    return WXP_OTHER;
}

/* Appends <name><![CDATA[s]]></name>; a "]]>" inside s is split across two sections. */
static void add_cdata(struct abuf *b, const char *name, const char *s)
{
    abuf_printf(b, "<%s><![CDATA[", name);
    for (const char *p = s ? s : ""; *p;) {
        const char *end = strstr(p, "]]>");
        if (!end) {
            abuf_adds(b, p);
            break;
        }
        abuf_add(b, p, (size_t)(end - p) + 2);
        abuf_adds(b, "]]><![CDATA[");
        p = end + 2;
    }
    abuf_printf(b, "]]></%s>", name);
}

char *wechat_xml_text_reply(struct arena *a, const char *to_user, const char *from_user,
                            int64_t create_time, const char *content)
{
    struct abuf b;
    abuf_init(&b, a, 256);
    abuf_adds(&b, "<xml>");
    add_cdata(&b, "ToUserName", to_user);
    add_cdata(&b, "FromUserName", from_user);
    abuf_printf(&b, "<CreateTime>%lld</CreateTime>", (long long)create_time);
    add_cdata(&b, "MsgType", "text");
    add_cdata(&b, "Content", content);
    abuf_adds(&b, "</xml>");
    return abuf_str(&b);
}

char *wechat_xml_encrypted_reply(struct arena *a, const char *encrypt, const char *msg_signature,
                                 int64_t timestamp, const char *nonce)
{
    struct abuf b;
    abuf_init(&b, a, 256);
    abuf_adds(&b, "<xml>");
    add_cdata(&b, "Encrypt", encrypt);
    add_cdata(&b, "MsgSignature", msg_signature);
    abuf_printf(&b, "<TimeStamp>%lld</TimeStamp>", (long long)timestamp);
    add_cdata(&b, "Nonce", nonce);
    abuf_adds(&b, "</xml>");
    return abuf_str(&b);
}
