/* Unit tests of devsim's MIME parser (transfer encodings, RFC 2047 headers, multipart walks,
 * hostile input) and of its message store. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devsim_mail.h"

/* Parses the string raw into *m and checks that it succeeded. */
static void parse(const char *raw, struct dm_msg *m)
{
    cr_assert_eq(dm_parse(raw, strlen(raw), m), 0);
}

/* 1 when s is NULL or already clean UTF-8 without NULs. */
static int is_clean(const char *s)
{
    if (!s) return 1;
    char *c = dm_utf8_clean(s, strlen(s));
    int same = strcmp(c, s) == 0;
    free(c);
    return same;
}

/* ---- transfer encodings ---- */

Test(devsim_b64, decodes_with_padding_and_line_breaks)
{
    size_t n;
    char *s = dm_b64_decode("aGVs\r\nbG8g\nd29y bGQ=", 21, &n);
    cr_assert_str_eq(s, "hello world");
    cr_assert_eq(n, 11);
    free(s);
}

Test(devsim_b64, binary_and_garbage)
{
    size_t n;
    char *s = dm_b64_decode("AP8A", 4, &n);
    cr_assert_eq(n, 3);
    cr_assert_eq((unsigned char)s[0], 0x00);
    cr_assert_eq((unsigned char)s[1], 0xFF);
    free(s);
    s = dm_b64_decode("!!!@@@", 6, &n);
    cr_assert_eq(n, 0);
    cr_assert_str_eq(s, "");
    free(s);
}

Test(devsim_qp, escapes_soft_breaks_and_trailing_space)
{
    size_t n;
    const char *in = "caf=C3=A9 =3D ok=\nstill same line  \nnext=\r\nline=";
    char *s = dm_qp_decode(in, strlen(in), &n);
    cr_assert_str_eq(s, "café = okstill same line\nnextline");
    free(s);
}

Test(devsim_qp, stray_equals_kept)
{
    size_t n;
    char *s = dm_qp_decode("a=zz b=4", 8, &n);
    cr_assert_str_eq(s, "a=zz b=4");
    free(s);
}

/* ---- RFC 2047 ---- */

Test(devsim_rfc2047, base64_chinese)
{
    char *s = dm_rfc2047_decode("=?UTF-8?B?6aqM6K+B5oKo55qE6YKu566x?=");
    cr_assert_str_eq(s, "验证您的邮箱");
    free(s);
}

Test(devsim_rfc2047, q_with_underscores_lowercase)
{
    char *s = dm_rfc2047_decode("=?utf-8?q?Hello_w=C3=B6rld_=E9=AA=8C?=");
    cr_assert_str_eq(s, "Hello wörld 验");
    free(s);
}

Test(devsim_rfc2047, adjacent_words_join_and_split_character)
{
    /* "验证" split inside the first character across two words */
    char *s = dm_rfc2047_decode("=?UTF-8?B?6ao=?=  \t=?UTF-8?B?jOivgQ==?= done");
    cr_assert_str_eq(s, "验证 done");
    free(s);
}

Test(devsim_rfc2047, mixed_plain_and_encoded)
{
    char *s = dm_rfc2047_decode("Re: =?UTF-8?Q?caf=C3=A9?= and =?ISO-8859-1?Q?caf=E9?= !");
    cr_assert_str_eq(s, "Re: café and café !");
    free(s);
}

Test(devsim_rfc2047, malformed_words_left_alone)
{
    char *s = dm_rfc2047_decode("=?UTF-8?X?abc?= =?UTF-8?B?abc =?? =?");
    cr_assert_str_eq(s, "=?UTF-8?X?abc?= =?UTF-8?B?abc =?? =?");
    free(s);
}

Test(devsim_rfc2047, invalid_utf8_replaced)
{
    char *s = dm_rfc2047_decode("=?UTF-8?B?/w==?=x");
    cr_assert_str_eq(s, "\xEF\xBF\xBDx");
    free(s);
}

Test(devsim_utf8, clean_replaces_bad_sequences_and_nul)
{
    char *s = dm_utf8_clean("a\0b\xC0\xAF\xED\xA0\x80\xE9\xAA", 10);
    cr_assert_str_eq(s, "a\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                        "\xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
}

/* ---- whole messages ---- */

Test(devsim_parse, single_part_plain_7bit)
{
    struct dm_msg m;
    const char *raw = "From: a@x\r\nTo: b@y\r\nSubject: Hi\r\nMessage-ID: <1@x>\r\n\r\n"
                      "line 1\r\nline 2\r\n";
    parse(raw, &m);
    cr_assert_str_eq(m.subject, "Hi");
    cr_assert_str_eq(m.hdr_to, "b@y");
    cr_assert_str_eq(m.hdr_from, "a@x");
    cr_assert_str_eq(m.message_id, "<1@x>");
    cr_assert_str_eq(m.text, "line 1\nline 2\n");
    cr_assert_null(m.html);
    cr_assert_eq(m.raw_len, strlen(raw));
    cr_assert_str_eq(m.raw, raw);
    dm_msg_clear(&m);
}

Test(devsim_parse, single_part_html_base64_case_insensitive_headers)
{
    struct dm_msg m;
    parse("SUBJECT: x\r\ncontent-type: TEXT/HTML; CHARSET=\"utf-8\"\r\n"
          "CONTENT-TRANSFER-ENCODING: BASE64\r\n\r\nPGI+6aqMPC9iPg==\r\n",
          &m);
    cr_assert_str_eq(m.html, "<b>验</b>");
    cr_assert_null(m.text);
    dm_msg_clear(&m);
}

Test(devsim_parse, folded_subject_with_two_encoded_words)
{
    struct dm_msg m;
    parse("Subject: =?UTF-8?B?6aqM6K+B?=\r\n =?UTF-8?B?5oKo55qE6YKu566x?=\r\n"
          "\tsuffix\r\nTo: b@y\r\n\r\nbody",
          &m);
    cr_assert_str_eq(m.subject, "验证您的邮箱\tsuffix");
    cr_assert_str_eq(m.hdr_to, "b@y");
    cr_assert_str_eq(m.text, "body");
    dm_msg_clear(&m);
}

static const char *alternative = "From: daoid <noreply@daoid.test>\r\n"
                                 "To: =?UTF-8?B?5byg5LiJ?= <b@y>\r\n"
                                 "Subject: =?UTF-8?Q?=E9=AA=8C=E8=AF=81?=\r\n"
                                 "MIME-Version: 1.0\r\n"
                                 "Content-Type: multipart/alternative;\r\n boundary=\"=_b1\"\r\n"
                                 "\r\n"
                                 "This is a MIME message.\r\n"
                                 "--=_b1\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Transfer-Encoding: quoted-printable\r\n"
                                 "\r\n"
                                 "Open https://x.test/v?t=3Dabc to verify =E9=AA=8C=E8=AF=81.\r\n"
                                 "--=_b1\r\n"
                                 "Content-Type: text/html; charset=utf-8\r\n"
                                 "Content-Transfer-Encoding: base64\r\n"
                                 "\r\n"
                                 "PGEgaHJlZj0iaHR0cHM6Ly94LnRlc3Qvdj90PWFiYyI+6aqM6K+BPC9hPg==\r\n"
                                 "--=_b1--\r\n"
                                 "epilogue\r\n";

Test(devsim_parse, multipart_alternative_text_then_html)
{
    struct dm_msg m;
    parse(alternative, &m);
    cr_assert_str_eq(m.subject, "验证");
    cr_assert_str_eq(m.hdr_to, "张三 <b@y>");
    cr_assert_str_eq(m.text, "Open https://x.test/v?t=abc to verify 验证.");
    cr_assert_str_eq(m.html, "<a href=\"https://x.test/v?t=abc\">验证</a>");
    dm_msg_clear(&m);
}

Test(devsim_parse, lf_only_line_ends)
{
    struct dm_msg m;
    char *lf = strdup(alternative), *w = lf;
    for (const char *r = alternative; *r; r++)
        if (*r != '\r') *w++ = *r;
    *w = '\0';
    parse(lf, &m);
    cr_assert_str_eq(m.subject, "验证");
    cr_assert_str_eq(m.text, "Open https://x.test/v?t=abc to verify 验证.");
    cr_assert_str_eq(m.html, "<a href=\"https://x.test/v?t=abc\">验证</a>");
    dm_msg_clear(&m);
    free(lf);
}

Test(devsim_parse, nested_mixed_with_attachment_first)
{
    struct dm_msg m;
    parse("Subject: nested\n"
          "Content-Type: Multipart/Mixed; boundary=outer\n\n"
          "--outer\n"
          "Content-Type: text/plain\n"
          "Content-Disposition: attachment; filename=a.txt\n\n"
          "attached, not the body\n"
          "--outer\n"
          "Content-Type: multipart/alternative; boundary=\"in ner\"\n\n"
          "--in ner\n"
          "Content-Type: text/plain; charset=utf-8\n"
          "Content-Transfer-Encoding: 8bit\n\n"
          "plain 验证\n\n"
          "--in ner\n"
          "Content-Type: multipart/related; boundary=rel\n\n"
          "--rel\n"
          "Content-Type: text/html\n\n"
          "<p>html</p>\n"
          "--rel\n"
          "Content-Type: image/png\n"
          "Content-Transfer-Encoding: base64\n\n"
          "iVBORw0KGgo=\n"
          "--rel--\n"
          "--in ner--\n"
          "--outer\n"
          "Content-Type: application/pdf\n\n"
          "%PDF\n"
          "--outer--\n",
          &m);
    cr_assert_str_eq(m.text, "plain 验证\n");
    cr_assert_str_eq(m.html, "<p>html</p>");
    dm_msg_clear(&m);
}

Test(devsim_parse, missing_parts)
{
    struct dm_msg m;
    parse("Subject: only html\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
          "--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n",
          &m);
    cr_assert_null(m.text);
    cr_assert_str_eq(m.html, "<p>x</p>");
    dm_msg_clear(&m);

    parse("Subject: attachment only\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
          "--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--\r\n",
          &m);
    cr_assert_null(m.text);
    cr_assert_null(m.html);
    cr_assert_str_eq(m.subject, "attachment only");
    cr_assert_null(m.hdr_to);
    cr_assert_null(m.message_id);
    dm_msg_clear(&m);

    parse("Subject: no boundary\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n", &m);
    cr_assert_null(m.text);
    dm_msg_clear(&m);
}

Test(devsim_parse, no_content_type_is_plain_and_no_close_delimiter)
{
    struct dm_msg m;
    parse("To: b@y\n\nhello", &m);
    cr_assert_str_eq(m.text, "hello");
    dm_msg_clear(&m);

    parse("Content-Type: multipart/alternative; boundary=b\n\n--b\n\nunterminated\n", &m);
    cr_assert_str_eq(m.text, "unterminated\n");
    dm_msg_clear(&m);
}

Test(devsim_parse, charset_conversion)
{
    struct dm_msg m;
    /* "验证" in GBK, "é" in Latin-1 */
    parse("Subject: =?GBK?B?0enWpA==?= =?gb2312?B?0enWpA==?=\n"
          "Content-Type: text/plain; charset=iso-8859-1\n"
          "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n",
          &m);
    cr_assert_str_eq(m.text, "café\n");
    cr_assert_str_eq(m.subject, "验证验证");
    dm_msg_clear(&m);
}

Test(devsim_parse, invalid_utf8_and_nul_in_body)
{
    struct dm_msg m;
    const char raw[] = "Subject: \xff\n\nbad \xc3 and nul \0 end";
    cr_assert_eq(dm_parse(raw, sizeof(raw) - 1, &m), 0);
    cr_assert_str_eq(m.subject, "\xEF\xBF\xBD");
    cr_assert_str_eq(m.text, "bad \xEF\xBF\xBD and nul \xEF\xBF\xBD end");
    cr_assert_eq(m.raw_len, sizeof(raw) - 1);
    cr_assert_eq(memcmp(m.raw, raw, sizeof(raw) - 1), 0);
    dm_msg_clear(&m);
}

Test(devsim_parse, degenerate_inputs)
{
    struct dm_msg m;
    cr_assert_eq(dm_parse(NULL, 0, &m), -1);
    cr_assert_eq(dm_parse("", 0, &m), 0);
    cr_assert_null(m.subject);
    dm_msg_clear(&m);
    const char *cases[] = {
        "\n",
        "no headers at all, just text",
        "Subject:",
        "Subject: x\n folded only",
        " leading continuation\nSubject: y\n\nb",
        "Content-Type: multipart/mixed; boundary=\"\n\n--\n",
        "Content-Type: multipart/mixed; boundary=b\n\n--b",
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n--b--",
        "Content-Type: text/plain; charset=\"\"; charset\n\nx",
        "Content-Type: ;;;=;\"\n\nx",
        "Content-Transfer-Encoding: base64\n\n====",
        "Content-Transfer-Encoding: quoted-printable\n\n=",
        "Content-Type: text/plain; charset=x-no-such-charset\n\nabc",
        "Subject: =?\n\n",
        "Subject: =?UTF-8?B?\n\n",
        "Subject: =?UTF-8?Q?=?=\n\n",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(dm_parse(cases[i], strlen(cases[i]), &m), 0, "case %zu", i);
        cr_assert(is_clean(m.subject) && is_clean(m.text) && is_clean(m.html), "case %zu", i);
        dm_msg_clear(&m);
    }
}

Test(devsim_parse, deep_nesting_is_bounded)
{
    struct dm_msg m;
    size_t cap = 64 * 1024, n = 0;
    char *raw = malloc(cap);
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(raw + n, cap - n,
                              "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
    n += (size_t)snprintf(raw + n, cap - n, "\ndeep\n");
    cr_assert_eq(dm_parse(raw, n, &m), 0);
    cr_assert_null(m.text);
    dm_msg_clear(&m);
    free(raw);
}

/* A few thousand random messages built from MIME-ish fragments and random bytes. */
Test(devsim_parse, random_garbage_does_not_crash)
{
    static const char *frags[] = {
        "\r\n",
        "\n",
        "--b",
        "--b--",
        "Content-Type: multipart/mixed; boundary=b\n",
        "Content-Type: text/html\n",
        "Content-Transfer-Encoding: base64\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "=?UTF-8?B?",
        "=?UTF-8?Q?",
        "?=",
        "=",
        "=C3",
        " ",
        "\t",
        ":",
        "Subject: ",
        "boundary=\"",
        "\"",
        ";",
        "\xE9\xAA",
        "\x00",
        "Content-Type: multipart/alternative; boundary=b\n\n--b\n",
    };
    uint32_t seed = 12345;
    char buf[2048];
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 0;
        while (n < sizeof(buf) - 80) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            if (r % 3 == 0) {
                buf[n++] = (char)(r >> 4);
            } else {
                const char *f = frags[(r >> 4) % (sizeof(frags) / sizeof(frags[0]))];
                size_t fl = *f ? strlen(f) : 1;
                memcpy(buf + n, f, fl);
                n += fl;
            }
            if ((r >> 12) % 40 == 0) break;
        }
        struct dm_msg m;
        cr_assert_eq(dm_parse(buf, n, &m), 0);
        cr_assert(is_clean(m.subject) && is_clean(m.text) && is_clean(m.html));
        dm_msg_clear(&m);
    }
}

/* ---- store ---- */

static struct dm_msg *heap_msg(const char *subject, const char *rcpt)
{
    struct dm_msg *m = calloc(1, sizeof(*m));
    char raw[256];
    snprintf(raw, sizeof(raw), "Subject: %s\r\n\r\nbody\r\n", subject);
    dm_parse(raw, strlen(raw), m);
    dm_msg_set_from(m, "a@x");
    dm_msg_add_rcpt(m, rcpt);
    return m;
}

Test(devsim_store, newest_first_filter_and_cap)
{
    struct dm_store *st = dm_store_new(3);
    struct dm_msg **list;
    cr_assert_eq(dm_store_add(st, heap_msg("one", "A@x")), 1);
    cr_assert_eq(dm_store_add(st, heap_msg("two", "b@x")), 2);
    cr_assert_eq(dm_store_add(st, heap_msg("three", "a@X")), 3);
    cr_assert_eq(dm_store_add(st, heap_msg("four", "a@x")), 4);
    cr_assert_eq(dm_store_count(st), 3);

    size_t n = dm_store_list(st, NULL, &list);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(list[0]->subject, "four");
    cr_assert_str_eq(list[2]->subject, "two");
    cr_assert_gt(list[0]->received_at, 0);
    dm_list_free(list, n);

    n = dm_store_list(st, "a@x", &list);
    cr_assert_eq(n, 2);
    cr_assert_eq(list[0]->id, 4);
    cr_assert_eq(list[1]->id, 3);
    dm_list_free(list, n);

    cr_assert_null(dm_store_get(st, 1));
    struct dm_msg *m = dm_store_get(st, 2);
    cr_assert_not_null(m);
    dm_store_clear(st); /* the reference keeps m alive */
    cr_assert_str_eq(m->subject, "two");
    dm_msg_unref(m);

    cr_assert_eq(dm_store_count(st), 0);
    cr_assert_eq(dm_store_add(st, heap_msg("five", "a@x")), 5);
    dm_store_free(st);
}
