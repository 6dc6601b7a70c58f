/* Unit tests of mime (line endings, header injection, RFC 2047 words, base64 bodies, part
 * order, boundaries, Message-ID, Date) and of smtp_bare_address. Delivery is tested end to end. */
#include "arena.h"
#include "mime.h"
#include "smtp.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <sodium.h>
#include <string.h>

static struct arena *a;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
}

TestSuite(mime, .init = setup, .fini = teardown);

static void smtp_setup(void)
{
    setup();
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void smtp_teardown(void)
{
    curl_global_cleanup();
    teardown();
}

TestSuite(smtp, .init = smtp_setup, .fini = smtp_teardown);

static struct mime_msg sample(void)
{
    struct mime_msg m = {
        .from = "DaoCloud <noreply@example.com>",
        .to = "alice@example.com",
        .subject = "Verify your email",
        .text = "Hello Alice,\nyour code is 123456.\n",
        .html = "<p>Hello Alice,</p>\n<p>your code is <b>123456</b>.</p>\n",
        .message_id_domain = "example.com",
        .date = 1795964692,
    };
    return m;
}

/* The unfolded value of header name (first match, headers only), or NULL. */
static char *header(const char *msg, const char *name)
{
    const char *end = strstr(msg, "\r\n\r\n");
    size_t nl = strlen(name);
    for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") + 2) {
        if (strncasecmp(p, name, nl) != 0 || p[nl] != ':') continue;
        struct abuf b;
        abuf_init(&b, a, 128);
        const char *v = p + nl + 1;
        while (*v == ' ') v++;
        for (;;) {
            const char *eol = strstr(v, "\r\n");
            abuf_add(&b, v, (size_t)(eol - v));
            if (eol[2] != ' ' && eol[2] != '\t') break;
            v = eol + 2;
        }
        return abuf_str(&b);
    }
    return NULL;
}

static size_t b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t len = 0;
    cr_assert(
        sodium_base642bin(out, cap, s, n, "\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0);
    return len;
}

/* Whether s[0..n) is whole UTF-8 sequences (lead bytes followed by their continuations). */
static int utf8_whole(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC0 ? 2 : 0;
        if (k == 0 || i + k > n) return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        i += k;
    }
    return 1;
}

/* Decodes a value made of =?UTF-8?B?...?= words, checking each word on the way. */
static char *decode_words(const char *v)
{
    struct abuf b;
    abuf_init(&b, a, 256);
    const char *p = v;
    while (*p) {
        while (*p == ' ') p++;
        cr_assert(strncmp(p, "=?UTF-8?B?", 10) == 0, "not an encoded-word: %s", p);
        const char *end = strstr(p + 10, "?=");
        cr_assert(end);
        cr_assert_leq((size_t)(end + 2 - p), 75, "encoded-word longer than 75");
        unsigned char raw[128];
        size_t n = b64_decode(p + 10, (size_t)(end - p - 10), raw, sizeof(raw));
        cr_assert(utf8_whole(raw, n), "word splits a UTF-8 sequence");
        abuf_add(&b, (const char *)raw, n);
        p = end + 2;
    }
    return abuf_str(&b);
}

/* The decoded body of the part whose Content-Type starts with type. */
static char *part_body(const char *msg, const char *type)
{
    char *ct = arena_printf(a, "Content-Type: %s", type);
    const char *p = strstr(msg, ct);
    cr_assert(p, "no %s part", type);
    const char *start = strstr(p, "\r\n\r\n") + 4;
    const char *end = start;
    while (*end && *end != '-' && strncmp(end, "\r\n", 2) != 0) end = strstr(end, "\r\n") + 2;
    size_t cap = (size_t)(end - start) + 4;
    unsigned char *out = arena_alloc(a, cap);
    size_t n = b64_decode(start, (size_t)(end - start), out, cap);
    return arena_strndup(a, (const char *)out, n);
}

static char *boundary_of(const char *msg)
{
    char *ct = header(msg, "Content-Type");
    cr_assert(ct);
    char *q = strstr(ct, "boundary=\"");
    cr_assert(q);
    q += 10;
    return arena_strndup(a, q, strcspn(q, "\""));
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

Test(mime, crlf_everywhere)
{
    struct mime_msg m = sample();
    m.text = "line one\nline two\r\nline three\rend";
    char *s = mime_compose(a, &m);
    cr_assert(s);
    for (const char *p = s; *p; p++) {
        if (*p == '\n') cr_assert(p > s && p[-1] == '\r', "bare LF at %zu", (size_t)(p - s));
        if (*p == '\r') cr_assert(p[1] == '\n', "bare CR at %zu", (size_t)(p - s));
    }
    cr_assert(strstr(s, "\r\n\r\n"));
    cr_assert_str_eq(part_body(s, "text/plain"), "line one\r\nline two\r\nline three\r\nend");
}

Test(mime, header_injection_refused)
{
    struct mime_msg m = sample();
    m.subject = "hi\r\nBcc: eve@example.com";
    cr_assert_null(mime_compose(a, &m));
    m = sample();
    m.subject = "hi\nthere";
    cr_assert_null(mime_compose(a, &m));
    m = sample();
    m.to = "alice@example.com\r\nBcc: eve@example.com";
    cr_assert_null(mime_compose(a, &m));
    m = sample();
    m.from = "DaoCloud\r <noreply@example.com>";
    cr_assert_null(mime_compose(a, &m));
    m = sample();
    m.message_id_domain = "example.com\n";
    cr_assert_null(mime_compose(a, &m));
}

Test(mime, malformed_addresses_refused)
{
    struct mime_msg m = sample();
    m.to = "not an address";
    cr_assert_null(mime_compose(a, &m));
    m = sample();
    m.from = "DaoCloud <noreply@example.com";
    cr_assert_null(mime_compose(a, &m));
    m = sample();
    m.to = NULL;
    cr_assert_null(mime_compose(a, &m));
}

Test(mime, ascii_header_as_is)
{
    cr_assert_str_eq(mime_encode_header(a, "Verify your email"), "Verify your email");
    cr_assert_str_eq(mime_encode_header(a, ""), "");
    cr_assert_null(mime_encode_header(a, NULL));
    /* text that looks like an encoded-word is encoded itself */
    char *v = mime_encode_header(a, "a =?UTF-8?B?eA==?= b");
    cr_assert_str_eq(decode_words(v), "a =?UTF-8?B?eA==?= b");
}

Test(mime, chinese_subject_round_trips)
{
    const char *subj = "验证您的 DaoCloud 邮箱";
    char *v = mime_encode_header(a, subj);
    cr_assert(strncmp(v, "=?UTF-8?B?", 10) == 0);
    cr_assert_str_eq(decode_words(v), subj);

    struct mime_msg m = sample();
    m.subject = subj;
    char *s = mime_compose(a, &m);
    cr_assert(s);
    cr_assert_str_eq(decode_words(header(s, "Subject")), subj);
}

Test(mime, long_subject_words_and_folding)
{
    struct abuf b;
    abuf_init(&b, a, 1024);
    for (int i = 0; i < 30; i++) abuf_adds(&b, i % 3 ? "账号安全" : "x😀é");
    const char *subj = abuf_str(&b);
    struct mime_msg m = sample();
    m.subject = subj;
    char *s = mime_compose(a, &m);
    cr_assert(s);
    char *v = header(s, "Subject");
    cr_assert_gt(count(v, "=?UTF-8?B?"), 5);
    cr_assert_str_eq(decode_words(v), subj);
    const char *end = strstr(s, "\r\n\r\n");
    for (const char *p = s; p < end; p = strstr(p, "\r\n") + 2)
        cr_assert_leq((size_t)(strstr(p, "\r\n") - p), 78, "header line over 78");
}

Test(mime, long_ascii_subject_folded)
{
    const char *subj = "Please verify the email address of your new DaoCloud account before "
                       "the link expires in twenty four hours";
    struct mime_msg m = sample();
    m.subject = subj;
    char *s = mime_compose(a, &m);
    cr_assert(strstr(s, "\r\n the") || strstr(s, "\r\n "));
    cr_assert_str_eq(header(s, "Subject"), subj);
}

Test(mime, from_display_name)
{
    struct mime_msg m = sample();
    m.from = "道客云 DaoCloud <noreply@example.com>";
    char *s = mime_compose(a, &m);
    char *from = header(s, "From");
    cr_assert(strstr(from, " <noreply@example.com>"), "%s", from);
    char *words = arena_strndup(a, from, (size_t)(strstr(from, " <") - from));
    cr_assert_str_eq(decode_words(words), "道客云 DaoCloud");

    m.from = "DaoCloud, Inc. <noreply@example.com>";
    s = mime_compose(a, &m);
    cr_assert_str_eq(header(s, "From"), "\"DaoCloud, Inc.\" <noreply@example.com>");

    m.from = "noreply@example.com";
    s = mime_compose(a, &m);
    cr_assert_str_eq(header(s, "From"), "noreply@example.com");
    cr_assert_str_eq(header(s, "To"), "alice@example.com");
}

Test(mime, base64_lines_at_most_76)
{
    struct abuf b;
    abuf_init(&b, a, 4096);
    for (int i = 0; i < 100; i++) abuf_adds(&b, "您好，这是一封很长的邮件。Hello there. ");
    struct mime_msg m = sample();
    m.text = abuf_str(&b);
    m.html = arena_printf(a, "<p>%s</p>", m.text);
    char *s = mime_compose(a, &m);
    const char *body = strstr(s, "\r\n\r\n") + 4;
    size_t longest = 0;
    for (const char *p = body; *p; p = strstr(p, "\r\n") + 2) {
        size_t n = (size_t)(strstr(p, "\r\n") - p);
        if (n > longest) longest = n;
    }
    cr_assert_eq(longest, 76);
    cr_assert_str_eq(part_body(s, "text/plain"), m.text);
    cr_assert_str_eq(part_body(s, "text/html"), m.html);
}

Test(mime, text_before_html_and_boundary)
{
    struct mime_msg m = sample();
    char *s = mime_compose(a, &m);
    cr_assert_str_eq(header(s, "MIME-Version"), "1.0");
    cr_assert_str_eq(header(s, "Auto-Submitted"), "auto-generated");
    cr_assert(strstr(header(s, "Content-Type"), "multipart/alternative;"));
    char *plain = strstr(s, "Content-Type: text/plain; charset=UTF-8\r\n");
    char *html = strstr(s, "Content-Type: text/html; charset=UTF-8\r\n");
    cr_assert(plain && html && plain < html);

    char *bnd = boundary_of(s);
    cr_assert_geq(strlen(bnd), 16);
    cr_assert_eq(count(s, bnd), 4); /* header, two delimiters, close */
    cr_assert(strstr(s, arena_printf(a, "\r\n--%s--\r\n", bnd)));
    cr_assert_null(strstr(part_body(s, "text/plain"), bnd));
    cr_assert_null(strstr(part_body(s, "text/html"), bnd));
    cr_assert_str_eq(part_body(s, "text/plain"), "Hello Alice,\r\nyour code is 123456.\r\n");
}

Test(mime, text_only)
{
    struct mime_msg m = sample();
    m.html = NULL;
    char *s = mime_compose(a, &m);
    cr_assert_str_eq(header(s, "Content-Type"), "text/plain; charset=UTF-8");
    cr_assert_str_eq(header(s, "Content-Transfer-Encoding"), "base64");
    cr_assert_null(strstr(s, "multipart"));
    cr_assert_null(strstr(s, "text/html"));
    cr_assert_str_eq(part_body(s, "text/plain"), "Hello Alice,\r\nyour code is 123456.\r\n");
}

Test(mime, message_id_unique)
{
    struct mime_msg m = sample();
    char *id1 = header(mime_compose(a, &m), "Message-ID");
    char *id2 = header(mime_compose(a, &m), "Message-ID");
    cr_assert_neq(strcmp(id1, id2), 0);
    cr_assert(id1[0] == '<');
    cr_assert(strstr(id1, "@example.com>"));
    cr_assert_eq(strlen(id1), 1 + 32 + strlen("@example.com>"));

    m.message_id_domain = NULL;
    m.from = "DaoCloud <noreply@mail.example.org>";
    cr_assert(strstr(header(mime_compose(a, &m), "Message-ID"), "@mail.example.org>"));
}

Test(mime, date_format)
{
    struct mime_msg m = sample();
    cr_assert_str_eq(header(mime_compose(a, &m), "Date"), "Sun, 29 Nov 2026 15:04:52 +0000");
    m.date = 0;
    cr_assert_str_eq(header(mime_compose(a, &m), "Date"), "Thu, 01 Jan 1970 00:00:00 +0000");
    m.date = 951782400; /* leap day */
    cr_assert_str_eq(header(mime_compose(a, &m), "Date"), "Tue, 29 Feb 2000 00:00:00 +0000");
}

Test(smtp, bare_address)
{
    cr_assert_str_eq(smtp_bare_address(a, "DaoCloud <noreply@example.com>"), "noreply@example.com");
    cr_assert_str_eq(smtp_bare_address(a, "noreply@example.com"), "noreply@example.com");
    cr_assert_str_eq(smtp_bare_address(a, "  noreply@example.com\t"), "noreply@example.com");
    cr_assert_str_eq(smtp_bare_address(a, "<noreply@example.com>"), "noreply@example.com");
    cr_assert_str_eq(smtp_bare_address(a, "\"Dao <Cloud>\" < noreply@example.com >"),
                     "noreply@example.com");
    cr_assert_str_eq(smtp_bare_address(a, "道客云 <noreply@example.com>"), "noreply@example.com");
    cr_assert_null(smtp_bare_address(a, "DaoCloud <noreply@example.com"));
    cr_assert_null(smtp_bare_address(a, "DaoCloud <>"));
    cr_assert_null(smtp_bare_address(a, ""));
    cr_assert_null(smtp_bare_address(a, NULL));
}

Test(smtp, bad_envelope_refused)
{
    struct smtp_server s = {.url = "smtp://127.0.0.1:1", .timeout_s = 2};
    char err[128];
    cr_assert_eq(smtp_send(&s, "a@example.com\r\nRSET", "b@example.com", "x", err, sizeof(err)),
                 SMTP_PERMFAIL);
    cr_assert_eq(smtp_send(&s, "a@example.com", "<b@example.com>", "x", err, sizeof(err)),
                 SMTP_PERMFAIL);
    cr_assert_eq(smtp_send(&s, "a@example.com", "", "x", err, sizeof(err)), SMTP_PERMFAIL);
    cr_assert(err[0]);
}

Test(smtp, unsupported_scheme_and_refused_connection)
{
    struct smtp_server s = {.url = "http://127.0.0.1:1", .timeout_s = 2};
    char err[256];
    cr_assert_eq(smtp_send(&s, "a@example.com", "b@example.com", "x", err, sizeof(err)),
                 SMTP_TEMPFAIL);
    cr_assert(strstr(err, "URL"));
    s.url = "smtp://127.0.0.1:1";
    cr_assert_eq(smtp_send(&s, "a@example.com", "b@example.com", "x", err, sizeof(err)),
                 SMTP_TEMPFAIL);
    cr_assert(err[0]);
}
