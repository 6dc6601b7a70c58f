/* devsim_mail: MIME parsing (a subset of RFC 2045, 2046 and 2047, enough for what mailers
 * send) and the in-memory message store shared by the SMTP server and the web inbox. */
#include "devsim_mail.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DM_MAX_DEPTH   16
#define DM_MAX_WORD    4096 /* longest encoded-word text looked at (RFC 2047 allows 75) */
#define DM_REPLACEMENT "\xEF\xBF\xBD"

/* A growable byte buffer, always NUL-terminated once used. */
struct dm_buf {
    char *s;
    size_t len, cap;
};

/* A slice of a larger string. */
struct dm_span {
    const char *p;
    size_t n;
};

/* The decoded parts found while walking the MIME tree. */
struct dm_parts {
    char *text;
    char *html;
};

struct dm_store {
    pthread_mutex_t mu;
    struct dm_msg **ring; /* ring[(head + i) % cap], i = 0 is the oldest */
    size_t cap, head, count;
    long long next_id;
};

static void dm_entity(struct dm_parts *out, const char *p, size_t n, int depth);

/* ---- memory ---- */

/* realloc that aborts when memory runs out: the simulator cannot do anything useful then. */
static void *dm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("devsim: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* Returns a NUL-terminated copy of s[0..n), owned by the caller. */
static char *dm_xstrndup(const char *s, size_t n)
{
    char *d = dm_xrealloc(NULL, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void dm_buf_add(struct dm_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->s = dm_xrealloc(b->s, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void dm_buf_addc(struct dm_buf *b, char c)
{
    dm_buf_add(b, &c, 1);
}

/* Returns the contents as a NUL-terminated string owned by the caller, its length in
 * *outlen when outlen is not NULL; b is left empty. */
static char *dm_buf_take(struct dm_buf *b, size_t *outlen)
{
    if (!b->s) dm_buf_add(b, "", 0);
    char *s = b->s;
    if (outlen) *outlen = b->len;
    memset(b, 0, sizeof(*b));
    return s;
}

/* ---- character level ---- */

static int dm_is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static int dm_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available); 0 when it is invalid
 * (overlong, surrogate, out of range, truncated) or a NUL. */
static size_t dm_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, min;
    size_t k;
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) {
        k = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        k = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        k = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k) return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[j] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return k;
}

char *dm_utf8_clean(const char *s, size_t n)
{
    struct dm_buf b = {0};
    size_t i = 0;
    while (i < n) {
        size_t start = i, k;
        while (i < n && (k = dm_utf8_len((const unsigned char *)s + i, n - i)) > 0) i += k;
        dm_buf_add(&b, s + start, i - start);
        if (i < n) {
            dm_buf_add(&b, DM_REPLACEMENT, 3);
            i++;
        }
    }
    return dm_buf_take(&b, NULL);
}

/* Copy of s[0..n) with every CRLF turned into LF, owned by the caller; length in *outlen. */
static char *dm_lf(const char *s, size_t n, size_t *outlen)
{
    char *d = dm_xrealloc(NULL, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') continue;
        d[j++] = s[i];
    }
    d[j] = '\0';
    *outlen = j;
    return d;
}

static int dm_is_utf8_name(const char *cs)
{
    return !*cs || !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") ||
           !strcasecmp(cs, "us-ascii") || !strcasecmp(cs, "ascii");
}

/* Appends to b what iconv produces for s[0..n); undecodable bytes become U+FFFD. */
static void dm_iconv_all(iconv_t cd, const char *s, size_t n, struct dm_buf *b)
{
    char *in = (char *)s, tmp[1024], *o;
    size_t inleft = n, oleft;
    while (inleft > 0) {
        o = tmp, oleft = sizeof(tmp);
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        dm_buf_add(b, tmp, sizeof(tmp) - oleft);
        if (r != (size_t)-1 || errno == E2BIG) continue;
        if (errno != EILSEQ && errno != EINVAL) break;
        dm_buf_add(b, DM_REPLACEMENT, 3);
        in++, inleft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    o = tmp, oleft = sizeof(tmp);
    iconv(cd, NULL, NULL, &o, &oleft);
    dm_buf_add(b, tmp, sizeof(tmp) - oleft);
}

/* Appends s[0..n) converted from charset to UTF-8. UTF-8, ASCII and charsets iconv does not
 * know are copied unchanged (the result is cleaned of invalid UTF-8 later). */
static void dm_to_utf8(const char *charset, const char *s, size_t n, struct dm_buf *b)
{
    if (!charset || dm_is_utf8_name(charset)) {
        dm_buf_add(b, s, n);
        return;
    }
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1) {
        dm_buf_add(b, s, n);
        return;
    }
    dm_iconv_all(cd, s, n, b);
    iconv_close(cd);
}

/* ---- transfer encodings ---- */

static int dm_b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

char *dm_b64_decode(const char *s, size_t n, size_t *outlen)
{
    struct dm_buf b = {0};
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = dm_b64_val(s[i]);
        if (s[i] == '=') acc = 0, bits = 0; /* padding ends a group */
        if (v < 0) continue;
        acc = ((acc << 6) | (unsigned)v) & 0xFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dm_buf_addc(&b, (char)((acc >> bits) & 0xFF));
        }
    }
    return dm_buf_take(&b, outlen);
}

/* Handles '=' at s[i] in quoted-printable text; returns how many input bytes it used. */
static size_t dm_qp_escape(const char *s, size_t n, size_t i, struct dm_buf *b)
{
    if (i + 2 < n && dm_hex(s[i + 1]) >= 0 && dm_hex(s[i + 2]) >= 0) {
        dm_buf_addc(b, (char)(dm_hex(s[i + 1]) * 16 + dm_hex(s[i + 2])));
        return 3;
    }
    size_t k = i + 1;
    while (k < n && (dm_is_wsp(s[k]) || s[k] == '\r')) k++;
    if (k >= n) return n - i;           /* soft line break at the very end */
    if (s[k] == '\n') return k + 1 - i; /* soft line break */
    dm_buf_addc(b, '=');                /* stray '=' kept as is */
    return 1;
}

char *dm_qp_decode(const char *s, size_t n, size_t *outlen)
{
    struct dm_buf b = {0};
    size_t i = 0;
    while (i < n) {
        if (s[i] == '=') {
            i += dm_qp_escape(s, n, i, &b);
        } else if (dm_is_wsp(s[i])) {
            size_t k = i;
            while (k < n && dm_is_wsp(s[k])) k++;
            /* whitespace at the end of a line was added in transport: drop it */
            if (k < n && s[k] != '\n' && s[k] != '\r') dm_buf_add(&b, s + i, k - i);
            i = k;
        } else {
            dm_buf_addc(&b, s[i++]);
        }
    }
    return dm_buf_take(&b, outlen);
}

/* Decodes the text of a Q encoded-word ('_' is a space) and appends it to b. */
static void dm_q_word(const char *s, size_t n, struct dm_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            dm_buf_addc(b, ' ');
        } else if (s[i] == '=' && i + 2 < n && dm_hex(s[i + 1]) >= 0 && dm_hex(s[i + 2]) >= 0) {
            dm_buf_addc(b, (char)(dm_hex(s[i + 1]) * 16 + dm_hex(s[i + 2])));
            i += 2;
        } else {
            dm_buf_addc(b, s[i]);
        }
    }
}

/* ---- RFC 2047 ---- */

/* Recognises an encoded-word "=?charset?B|Q?text?=" at s. When b is not NULL its decoded
 * text, converted to UTF-8, is appended to b. Returns its length, 0 when s is not one. */
static size_t dm_ew(const char *s, struct dm_buf *b)
{
    if (s[0] != '=' || s[1] != '?') return 0;
    const char *cs = s + 2, *q = cs;
    while (*q && *q != '?' && !dm_is_wsp(*q)) q++;
    if (*q != '?' || q == cs || q - cs > 60) return 0;
    char enc = q[1];
    if (!enc || !strchr("bBqQ", enc) || q[2] != '?') return 0;
    const char *txt = q + 3, *end = txt;
    while (*end && !(end[0] == '?' && end[1] == '=') && !dm_is_wsp(*end) && end - txt < DM_MAX_WORD)
        end++;
    if (end[0] != '?' || end[1] != '=') return 0;
    if (b) {
        char charset[64];
        size_t cl = (size_t)(q - cs);
        memcpy(charset, cs, cl);
        charset[cl] = '\0';
        charset[strcspn(charset, "*")] = '\0'; /* RFC 2231 language suffix */
        struct dm_buf raw = {0};
        if (enc == 'b' || enc == 'B') {
            size_t dl;
            char *d = dm_b64_decode(txt, (size_t)(end - txt), &dl);
            dm_buf_add(&raw, d, dl);
            free(d);
        } else {
            dm_q_word(txt, (size_t)(end - txt), &raw);
        }
        dm_to_utf8(charset, raw.s ? raw.s : "", raw.len, b);
        free(raw.s);
    }
    return (size_t)(end + 2 - s);
}

char *dm_rfc2047_decode(const char *s)
{
    struct dm_buf b = {0};
    const char *p = s;
    int prev_ew = 0;
    while (*p) {
        size_t k = dm_ew(p, &b);
        if (k) {
            p += k, prev_ew = 1;
            continue;
        }
        if (prev_ew && dm_is_wsp(*p)) {
            /* whitespace between two encoded-words is not part of the text */
            const char *q = p;
            while (dm_is_wsp(*q)) q++;
            if (dm_ew(q, NULL)) {
                p = q;
                continue;
            }
        }
        dm_buf_addc(&b, *p++);
        prev_ew = 0;
    }
    char *out = dm_utf8_clean(b.s ? b.s : "", b.len);
    free(b.s);
    return out;
}

/* ---- headers ---- */

/* Index of the LF ending the line that starts at i, or n when the last line has none. */
static size_t dm_line_end(const char *p, size_t n, size_t i)
{
    const char *e = memchr(p + i, '\n', n - i);
    return e ? (size_t)(e - p) : n;
}

static size_t dm_next_line(const char *p, size_t n, size_t i)
{
    size_t e = dm_line_end(p, n, i);
    return e < n ? e + 1 : n;
}

/* 1 when the line l[0..n) starts like a header field: a name, optional blanks, ':'. */
static int dm_is_field(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && l[i] > 32 && l[i] < 127 && l[i] != ':') i++;
    if (i == 0) return 0;
    while (i < n && dm_is_wsp(l[i])) i++;
    return i < n && l[i] == ':';
}

/* Splits an entity into its header block and its body. The header block ends at the first
 * empty line, or before the first line that is neither a header field nor a continuation. */
static void dm_split(const char *p, size_t n, struct dm_span *hdr, struct dm_span *body)
{
    size_t i = 0;
    while (i < n) {
        size_t e = dm_line_end(p, n, i);
        if (e == i) {
            *hdr = (struct dm_span){p, i};
            *body = (struct dm_span){p + e + 1, n - e - 1};
            return;
        }
        int cont = i > 0 && dm_is_wsp(p[i]);
        if (!cont && !dm_is_field(p + i, e - i)) {
            *hdr = (struct dm_span){p, i};
            *body = (struct dm_span){p + i, n - i};
            return;
        }
        i = e < n ? e + 1 : n;
    }
    *hdr = (struct dm_span){p, n};
    *body = (struct dm_span){p + n, 0};
}

/* Returns b's contents without leading and trailing whitespace, owned by the caller. */
static char *dm_trim_take(struct dm_buf *b)
{
    char *s = dm_buf_take(b, NULL);
    size_t n = strlen(s), i = 0;
    while (n > 0 && (dm_is_wsp(s[n - 1]) || s[n - 1] == '\r')) n--;
    while (i < n && dm_is_wsp(s[i])) i++;
    memmove(s, s + i, n - i);
    s[n - i] = '\0';
    return s;
}

/* The value starting at hdr.p[i] with its continuation lines joined (line breaks removed),
 * trimmed; owned by the caller. */
static char *dm_hdr_value(struct dm_span hdr, size_t i)
{
    struct dm_buf b = {0};
    for (;;) {
        size_t e = dm_line_end(hdr.p, hdr.n, i);
        dm_buf_add(&b, hdr.p + i, e - i);
        if (e + 1 >= hdr.n || !dm_is_wsp(hdr.p[e + 1])) break;
        i = e + 1;
    }
    return dm_trim_take(&b);
}

/* The unfolded value of the first header field called name (any case) in hdr, owned by the
 * caller; NULL when there is none. */
static char *dm_hdr_get(struct dm_span hdr, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < hdr.n; i = dm_next_line(hdr.p, hdr.n, i)) {
        size_t e = dm_line_end(hdr.p, hdr.n, i), k = nl;
        const char *l = hdr.p + i;
        if (e - i <= nl || strncasecmp(l, name, nl) != 0) continue;
        while (i + k < e && dm_is_wsp(l[k])) k++;
        if (i + k < e && l[k] == ':') return dm_hdr_value(hdr, i + k + 1);
    }
    return NULL;
}

/* A header value with encoded-words decoded, owned by the caller; NULL when absent. */
static char *dm_hdr_decoded(struct dm_span hdr, const char *name)
{
    char *v = dm_hdr_get(hdr, name);
    if (!v) return NULL;
    char *d = dm_rfc2047_decode(v);
    free(v);
    return d;
}

/* The media type of a Content-Type value, lowercase, into out; "text/plain" when it is
 * missing or malformed (RFC 2045 5.2). */
static void dm_ctype_type(const char *v, char *out, size_t cap)
{
    size_t j = 0;
    while (dm_is_wsp(*v)) v++;
    for (; *v && *v != ';' && !dm_is_wsp(*v) && *v != '(' && j + 1 < cap; v++)
        out[j++] = (char)(*v >= 'A' && *v <= 'Z' ? *v + 32 : *v);
    out[j] = '\0';
    if (!strchr(out, '/')) snprintf(out, cap, "text/plain");
}

/* Reads a parameter value (quoted-string or token) at *pp into b and advances *pp. */
static void dm_param_value(const char **pp, struct dm_buf *b)
{
    const char *p = *pp;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1]) p++;
            dm_buf_addc(b, *p);
        }
        if (*p == '"') p++;
    } else {
        while (*p && *p != ';' && !dm_is_wsp(*p)) dm_buf_addc(b, *p++);
    }
    *pp = p;
}

/* The value of parameter `want` in a structured header value such as
 * `multipart/mixed; boundary="x"`, owned by the caller; NULL when absent. */
static char *dm_param(const char *v, const char *want)
{
    const char *p = strchr(v, ';');
    size_t wl = strlen(want);
    while (p && *p) {
        p++;
        while (dm_is_wsp(*p)) p++;
        const char *name = p;
        while (*p && *p != '=' && *p != ';') p++;
        size_t nl = (size_t)(p - name);
        while (nl > 0 && dm_is_wsp(name[nl - 1])) nl--;
        if (*p != '=') continue;
        for (p++; dm_is_wsp(*p);) p++;
        struct dm_buf b = {0};
        dm_param_value(&p, &b);
        if (nl == wl && strncasecmp(name, want, wl) == 0) return dm_buf_take(&b, NULL);
        free(b.s);
        p = strchr(p, ';');
    }
    return NULL;
}

/* ---- MIME tree ---- */

static int dm_is_attachment(struct dm_span hdr)
{
    char *d = dm_hdr_get(hdr, "Content-Disposition");
    int att = d && strncasecmp(d, "attachment", 10) == 0;
    free(d);
    return att;
}

/* Undoes the Content-Transfer-Encoding of body; returns bytes owned by the caller. */
static char *dm_undo_cte(struct dm_span hdr, struct dm_span body, size_t *outlen)
{
    char *cte = dm_hdr_get(hdr, "Content-Transfer-Encoding");
    char *out;
    if (cte && !strcasecmp(cte, "base64"))
        out = dm_b64_decode(body.p, body.n, outlen);
    else if (cte && !strcasecmp(cte, "quoted-printable"))
        out = dm_qp_decode(body.p, body.n, outlen);
    else {
        out = dm_xstrndup(body.p, body.n);
        *outlen = body.n;
    }
    free(cte);
    return out;
}

/* The text of a leaf part: transfer encoding undone, converted to UTF-8, LF line ends.
 * Owned by the caller. */
static char *dm_decode_text(struct dm_span hdr, struct dm_span body, const char *ctype)
{
    size_t n, ln;
    char *bytes = dm_undo_cte(hdr, body, &n);
    char *cs = ctype ? dm_param(ctype, "charset") : NULL;
    struct dm_buf u = {0};
    dm_to_utf8(cs, bytes, n, &u);
    char *lf = dm_lf(u.s ? u.s : "", u.len, &ln);
    char *out = dm_utf8_clean(lf, ln);
    free(lf);
    free(u.s);
    free(cs);
    free(bytes);
    return out;
}

/* Classifies line l[0..n) for boundary bnd: 1 for a delimiter "--bnd", 2 for the closing
 * "--bnd--", 0 for any other line. Trailing blanks are allowed. */
static int dm_delim(const char *l, size_t n, const char *bnd, size_t bl)
{
    if (n < bl + 2 || l[0] != '-' || l[1] != '-' || memcmp(l + 2, bnd, bl) != 0) return 0;
    size_t i = bl + 2;
    int close = i + 1 < n && l[i] == '-' && l[i + 1] == '-';
    if (close) i += 2;
    while (i < n && (dm_is_wsp(l[i]) || l[i] == '\r')) i++;
    if (i < n) return 0;
    return close ? 2 : 1;
}

/* Parses every body part of a multipart body. The line break before a delimiter line
 * belongs to the delimiter; the preamble and the epilogue are ignored. */
static void dm_multipart(struct dm_parts *out, struct dm_span body, const char *bnd, int depth)
{
    size_t bl = strlen(bnd);
    const char *part = NULL;
    for (size_t i = 0; i < body.n; i = dm_next_line(body.p, body.n, i)) {
        size_t e = dm_line_end(body.p, body.n, i);
        int d = dm_delim(body.p + i, e - i, bnd, bl);
        if (!d) continue;
        if (part) {
            const char *end = body.p + i - (i > 0 ? 1 : 0);
            dm_entity(out, part, end > part ? (size_t)(end - part) : 0, depth);
        }
        if (d == 2) return;
        part = body.p + (e < body.n ? e + 1 : body.n);
    }
    if (part) dm_entity(out, part, (size_t)(body.p + body.n - part), depth);
}

/* Walks one entity (headers and body): multiparts recurse, the first inline text/plain and
 * text/html leaves are decoded into out. */
static void dm_entity(struct dm_parts *out, const char *p, size_t n, int depth)
{
    struct dm_span hdr, body;
    char type[80];
    dm_split(p, n, &hdr, &body);
    char *ct = dm_hdr_get(hdr, "Content-Type");
    dm_ctype_type(ct ? ct : "", type, sizeof(type));
    if (strncmp(type, "multipart/", 10) == 0) {
        char *bnd = ct ? dm_param(ct, "boundary") : NULL;
        if (bnd && *bnd && depth < DM_MAX_DEPTH) dm_multipart(out, body, bnd, depth + 1);
        free(bnd);
    } else if (!strcmp(type, "text/plain") || !strcmp(type, "text/html")) {
        char **slot = type[5] == 'h' ? &out->html : &out->text;
        if (!*slot && !dm_is_attachment(hdr)) *slot = dm_decode_text(hdr, body, ct);
    }
    free(ct);
}

int dm_parse(const char *raw, size_t len, struct dm_msg *out)
{
    struct dm_span hdr, body;
    struct dm_parts parts = {0};
    size_t n;
    memset(out, 0, sizeof(*out));
    if (!raw) return -1;
    out->raw = dm_xstrndup(raw, len);
    out->raw_len = len;
    char *lf = dm_lf(raw, len, &n);
    dm_split(lf, n, &hdr, &body);
    out->subject = dm_hdr_decoded(hdr, "Subject");
    out->hdr_to = dm_hdr_decoded(hdr, "To");
    out->hdr_from = dm_hdr_decoded(hdr, "From");
    char *mid = dm_hdr_get(hdr, "Message-ID");
    if (mid) out->message_id = dm_utf8_clean(mid, strlen(mid));
    free(mid);
    dm_entity(&parts, lf, n, 0);
    out->text = parts.text;
    out->html = parts.html;
    free(lf);
    return 0;
}

/* ---- messages ---- */

void dm_msg_clear(struct dm_msg *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_env_to; i++) free(m->env_to[i]);
    free(m->env_to);
    free(m->env_from);
    free(m->hdr_from);
    free(m->hdr_to);
    free(m->subject);
    free(m->message_id);
    free(m->text);
    free(m->html);
    free(m->raw);
    memset(m, 0, sizeof(*m));
}

void dm_msg_set_from(struct dm_msg *m, const char *addr)
{
    free(m->env_from);
    m->env_from = dm_utf8_clean(addr, strlen(addr));
}

void dm_msg_add_rcpt(struct dm_msg *m, const char *addr)
{
    m->env_to = dm_xrealloc(m->env_to, (m->n_env_to + 1) * sizeof(*m->env_to));
    m->env_to[m->n_env_to++] = dm_utf8_clean(addr, strlen(addr));
}

int dm_msg_has_rcpt(const struct dm_msg *m, const char *addr)
{
    for (size_t i = 0; i < m->n_env_to; i++)
        if (strcasecmp(m->env_to[i], addr) == 0) return 1;
    return 0;
}

void dm_msg_unref(struct dm_msg *m)
{
    if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    dm_msg_clear(m);
    free(m);
}

static struct dm_msg *dm_msg_ref(struct dm_msg *m)
{
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    return m;
}

long long dm_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- store ---- */

struct dm_store *dm_store_new(size_t cap)
{
    struct dm_store *st = dm_xrealloc(NULL, sizeof(*st));
    memset(st, 0, sizeof(*st));
    st->cap = cap ? cap : 1;
    st->ring = dm_xrealloc(NULL, st->cap * sizeof(*st->ring));
    st->next_id = 1;
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

/* The i-th oldest message; the caller holds st->mu. */
static struct dm_msg *dm_store_at(struct dm_store *st, size_t i)
{
    return st->ring[(st->head + i) % st->cap];
}

void dm_store_clear(struct dm_store *st)
{
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->count; i++) dm_msg_unref(dm_store_at(st, i));
    st->head = st->count = 0;
    pthread_mutex_unlock(&st->mu);
}

void dm_store_free(struct dm_store *st)
{
    if (!st) return;
    dm_store_clear(st);
    pthread_mutex_destroy(&st->mu);
    free(st->ring);
    free(st);
}

long long dm_store_add(struct dm_store *st, struct dm_msg *m)
{
    struct dm_msg *old = NULL;
    m->refs = 1;
    if (!m->received_at) m->received_at = dm_now_ms();
    pthread_mutex_lock(&st->mu);
    if (st->count == st->cap) {
        old = dm_store_at(st, 0);
        st->head = (st->head + 1) % st->cap;
        st->count--;
    }
    long long id = m->id = st->next_id++;
    st->ring[(st->head + st->count) % st->cap] = m;
    st->count++;
    pthread_mutex_unlock(&st->mu);
    dm_msg_unref(old);
    return id;
}

size_t dm_store_list(struct dm_store *st, const char *to, struct dm_msg ***out)
{
    size_t n = 0;
    pthread_mutex_lock(&st->mu);
    struct dm_msg **list = dm_xrealloc(NULL, (st->count + 1) * sizeof(*list));
    for (size_t i = st->count; i-- > 0;) {
        struct dm_msg *m = dm_store_at(st, i);
        if (!to || dm_msg_has_rcpt(m, to)) list[n++] = dm_msg_ref(m);
    }
    pthread_mutex_unlock(&st->mu);
    *out = list;
    return n;
}

void dm_list_free(struct dm_msg **list, size_t n)
{
    for (size_t i = 0; i < n; i++) dm_msg_unref(list[i]);
    free(list);
}

struct dm_msg *dm_store_get(struct dm_store *st, long long id)
{
    struct dm_msg *found = NULL;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->count && !found; i++) {
        struct dm_msg *m = dm_store_at(st, i);
        if (m->id == id) found = dm_msg_ref(m);
    }
    pthread_mutex_unlock(&st->mu);
    return found;
}

size_t dm_store_count(struct dm_store *st)
{
    pthread_mutex_lock(&st->mu);
    size_t n = st->count;
    pthread_mutex_unlock(&st->mu);
    return n;
}
