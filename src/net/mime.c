/* mime: builds a complete mail message in arena memory: folded RFC 5322 headers, RFC 2047
 * encoded-words for non-ASCII names and subjects, base64 parts with CRLF line endings. */
#include "mime.h"
#include "arena.h"
#include "log.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define MIME_LINE_MAX  78  /* RFC 5322 2.1.1: lines SHOULD be at most 78 characters */
#define MIME_B64_LINE  76  /* RFC 2045 6.8: base64 lines at most 76 characters */
#define MIME_TOKEN_MAX 900 /* longer unbroken ASCII runs are encoded so lines stay under 998 */
/* Bytes of text per encoded-word: 39 bytes make 52 base64 characters, so a word is
 * "=?UTF-8?B?" + 52 + "?=" = 64 characters and "Subject: " plus one word fits in 78. */
#define MIME_WORD_RAW 39
#define MIME_RAND_LEN 16 /* random bytes in a Message-ID and a boundary */

static int mime_has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

/* Length of the UTF-8 sequence at p (at most left bytes); 1 for a byte that starts none. */
static size_t mime_utf8_len(const unsigned char *p, size_t left)
{
    size_t n;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4;
    else
        return 1;
    if (n > left) return 1;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 1;
    return n;
}

/* Printable ASCII without "=?" (which a reader would take for an encoded-word) and without
 * runs too long to fold. */
static int mime_is_plain(const char *s)
{
    size_t run = 0;
    for (const char *p = s; *p; p++) {
        if (*p < 0x20 || *p > 0x7E) return 0;
        if (p[0] == '=' && p[1] == '?') return 0;
        run = *p == ' ' ? 0 : run + 1;
        if (run > MIME_TOKEN_MAX) return 0;
    }
    return 1;
}

/* Standard base64 of p[0..n) without line breaks, owned by a. */
static char *mime_b64(struct arena *a, const void *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

char *mime_encode_header(struct arena *a, const char *value)
{
    if (!value) return NULL;
    if (mime_is_plain(value)) return arena_strdup(a, value);
    const unsigned char *p = (const unsigned char *)value;
    size_t left = strlen(value);
    struct abuf b;
    abuf_init(&b, a, left * 2 + 32);
    while (left > 0) {
        size_t n = 0;
        while (n < left) {
            size_t k = mime_utf8_len(p + n, left - n);
            if (n + k > MIME_WORD_RAW) break;
            n += k;
        }
        if (b.len) abuf_addc(&b, ' ');
        abuf_adds(&b, "=?UTF-8?B?");
        abuf_adds(&b, mime_b64(a, p, n));
        abuf_adds(&b, "?=");
        p += n;
        left -= n;
    }
    return abuf_str(&b);
}

/* An address usable inside <>: no controls, spaces or angle brackets, and a local part and
 * a domain around an '@'. */
static int mime_addr_ok(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || at == s + n - 1) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F || c == '<' || c == '>') return 0;
    }
    return 1;
}

static void mime_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

/* The display name as an RFC 5322 phrase: an atom sequence as is, other ASCII quoted,
 * anything else as encoded-words. A name that arrives quoted is unquoted first. */
static char *mime_phrase(struct arena *a, const char *s, size_t n)
{
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        char *u = arena_alloc(a, n);
        size_t k = 0;
        for (size_t i = 1; i < n - 1; i++) {
            if (s[i] == '\\' && i + 1 < n - 1) i++;
            u[k++] = s[i];
        }
        s = u;
        n = k;
    }
    char *name = arena_strndup(a, s, n);
    if (!mime_is_plain(name)) return mime_encode_header(a, name);
    if (!strpbrk(name, "()<>[]:;@\\,.\"")) return name;
    struct abuf b;
    abuf_init(&b, a, n + 8);
    abuf_addc(&b, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\') abuf_addc(&b, '\\');
        abuf_addc(&b, *p);
    }
    abuf_addc(&b, '"');
    return abuf_str(&b);
}

/* "Name <addr>" or "addr" as a header value; *addr gets the bare address. NULL if malformed. */
static char *mime_mailbox(struct arena *a, const char *s, const char **addr)
{
    const char *lt = strrchr(s, '<');
    if (!lt) {
        size_t n = strlen(s);
        mime_trim(&s, &n);
        if (!mime_addr_ok(s, n)) return NULL;
        return (char *)(*addr = arena_strndup(a, s, n));
    }
    const char *gt = strchr(lt, '>');
    if (!gt) return NULL;
    const char *rest = gt + 1;
    size_t restn = strlen(rest);
    mime_trim(&rest, &restn);
    if (restn || !mime_addr_ok(lt + 1, (size_t)(gt - lt - 1))) return NULL;
    *addr = arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
    const char *name = s;
    size_t namen = (size_t)(lt - s);
    mime_trim(&name, &namen);
    if (namen == 0) return (char *)*addr;
    return arena_printf(a, "%s <%s>", mime_phrase(a, name, namen), *addr);
}

/* Appends "Name: value" CRLF, folding before a space when a line would pass 78 columns. */
static void mime_header(struct abuf *b, const char *name, const char *value)
{
    abuf_adds(b, name);
    abuf_addc(b, ':');
    size_t col = strlen(name) + 1;
    if (*value) {
        abuf_addc(b, ' ');
        col++;
    }
    const char *p = value;
    while (*p) {
        const char *word = p;
        while (*word == ' ') word++;
        const char *q = word;
        while (*q && *q != ' ') q++;
        size_t n = (size_t)(q - p);
        if (p != value && q > word && col + n > MIME_LINE_MAX) {
            abuf_adds(b, "\r\n");
            col = 0;
        }
        abuf_add(b, p, n);
        col += n;
        p = q;
    }
    abuf_adds(b, "\r\n");
}

/* RFC 5322 date in UTC with English names whatever the locale. */
static void mime_date(char *buf, size_t n, int64_t t)
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        tt = 0;
        gmtime_r(&tt, &tm);
    }
    snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void mime_random_hex(char *out, size_t outlen)
{
    unsigned char r[MIME_RAND_LEN];
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(out, outlen, r, sizeof(r));
    sodium_memzero(r, sizeof(r));
}

/* A domain for the Message-ID: printable, without spaces or characters that end msg-id. */
static int mime_domain_ok(const char *d)
{
    if (!*d) return 0;
    for (const char *p = d; *p; p++)
        if (*p <= 0x20 || *p > 0x7E || strchr("<>@\"\\", *p)) return 0;
    return 1;
}

/* Text in canonical form for base64 (RFC 2045 6.8): every line break CRLF. */
static char *mime_canon(struct arena *a, const char *s, size_t *len)
{
    struct abuf b;
    abuf_init(&b, a, strlen(s) + strlen(s) / 8 + 16);
    for (const char *p = s; *p; p++) {
        if (*p == '\r' && p[1] == '\n') p++;
        if (*p == '\r' || *p == '\n')
            abuf_adds(&b, "\r\n");
        else
            abuf_addc(&b, *p);
    }
    *len = b.len;
    return abuf_str(&b);
}

/* Appends s base64-encoded in lines of 76 characters, each ended by CRLF. */
static void mime_body_b64(struct abuf *b, const char *s)
{
    size_t n;
    char *canon = mime_canon(b->a, s, &n);
    char *enc = mime_b64(b->a, canon, n);
    size_t len = strlen(enc);
    for (size_t off = 0; off < len; off += MIME_B64_LINE) {
        size_t k = len - off < MIME_B64_LINE ? len - off : MIME_B64_LINE;
        abuf_add(b, enc + off, k);
        abuf_adds(b, "\r\n");
    }
}

static void mime_part_headers(struct abuf *b, const char *type)
{
    abuf_printf(b, "Content-Type: %s; charset=UTF-8\r\n", type);
    abuf_adds(b, "Content-Transfer-Encoding: base64\r\n");
}

static void mime_part(struct abuf *b, const char *boundary, const char *type, const char *body)
{
    abuf_printf(b, "--%s\r\n", boundary);
    mime_part_headers(b, type);
    abuf_adds(b, "\r\n");
    mime_body_b64(b, body);
}

/* The body: one text/plain part, or multipart/alternative with the richest part last. */
static void mime_body(struct abuf *b, const struct mime_msg *m)
{
    const char *text = m->text ? m->text : "";
    if (!m->html) {
        mime_part_headers(b, "text/plain");
        abuf_adds(b, "\r\n");
        mime_body_b64(b, text);
        return;
    }
    /* "=_" never occurs in base64, so the boundary cannot appear in an encoded part */
    char boundary[2 + 2 * MIME_RAND_LEN + 1] = "=_";
    mime_random_hex(boundary + 2, sizeof(boundary) - 2);
    mime_header(b, "Content-Type",
                arena_printf(b->a, "multipart/alternative; boundary=\"%s\"", boundary));
    abuf_adds(b, "\r\n");
    mime_part(b, boundary, "text/plain", text);
    mime_part(b, boundary, "text/html", m->html);
    abuf_printf(b, "--%s--\r\n", boundary);
}

static int mime_check(const struct mime_msg *m)
{
    if (!m || !m->from || !m->to) {
        log_warnx("mime: message without From or To");
        return -1;
    }
    if (mime_has_crlf(m->from) || mime_has_crlf(m->to) || mime_has_crlf(m->subject) ||
        mime_has_crlf(m->message_id_domain)) {
        log_warnx("mime: header value contains CR or LF, refused");
        return -1;
    }
    return 0;
}

char *mime_compose(struct arena *a, const struct mime_msg *m)
{
    if (mime_check(m) < 0) return NULL;
    const char *from_addr, *to_addr;
    char *from = mime_mailbox(a, m->from, &from_addr);
    char *to = mime_mailbox(a, m->to, &to_addr);
    if (!from || !to) {
        log_warnx("mime: malformed %s address", from ? "To" : "From");
        return NULL;
    }
    const char *domain = m->message_id_domain && *m->message_id_domain ? m->message_id_domain
                                                                       : strchr(from_addr, '@') + 1;
    if (!mime_domain_ok(domain)) {
        log_warnx("mime: malformed Message-ID domain");
        return NULL;
    }
    char date[64], id[2 * MIME_RAND_LEN + 1];
    mime_date(date, sizeof(date), m->date);
    mime_random_hex(id, sizeof(id));

    struct abuf b;
    abuf_init(&b, a,
              1024 + (m->text ? strlen(m->text) * 2 : 0) + (m->html ? strlen(m->html) * 2 : 0));
    mime_header(&b, "Date", date);
    mime_header(&b, "From", from);
    mime_header(&b, "To", to);
    mime_header(&b, "Subject", mime_encode_header(a, m->subject ? m->subject : ""));
    mime_header(&b, "Message-ID", arena_printf(a, "<%s@%s>", id, domain));
    mime_header(&b, "MIME-Version", "1.0");
    mime_header(&b, "Auto-Submitted", "auto-generated");
    mime_body(&b, m);
    return abuf_str(&b);
}
