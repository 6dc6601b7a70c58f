/* gz: one-shot gzip with zlib's deflate (windowBits 16 + 15 makes the gzip wrapper), and a small
 * reader of Accept-Encoding's list of codings with q-values (RFC 9110 §12.5.3). */
#include "gz.h"

#include <string.h>
#include <strings.h>
#include <zlib.h>

size_t gz_bound(size_t len)
{
    /* deflateBound's figure for the default settings plus the gzip header and trailer */
    return len + (len >> 12) + (len >> 14) + (len >> 25) + 13 + 18 + 64;
}

size_t gz_deflate(const unsigned char *in, size_t len, unsigned char *out, size_t cap, int level)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? n : 0;
}

int gz_text_name(const char *path)
{
    static const char *const exts[] = {".css", ".js", ".svg", ".txt"};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
        if (!strcmp(dot, exts[i])) return 1;
    return 0;
}

/* The q-value of one list element's parameters (";q=0.5"): 0 when it is q=0, q=0.0…, else 1. */
static int gz_q_nonzero(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t')) p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            if (p < end && *p == '1') return 1;
            if (p < end && *p == '0') p++;
            if (p < end && *p == '.') p++;
            for (; p < end && *p >= '0' && *p <= '9'; p++)
                if (*p != '0') return 1;
            return 0;
        }
        while (p < end && *p != ';') p++;
    }
    return 1;
}

int gz_accepted(const char *h)
{
    if (!h) return 0;
    int star = 0, gzip = -1;
    while (*h) {
        while (*h == ' ' || *h == '\t' || *h == ',') h++;
        const char *tok = h;
        while (*h && *h != ',' && *h != ';' && *h != ' ' && *h != '\t') h++;
        size_t n = (size_t)(h - tok);
        const char *params = h;
        while (*h && *h != ',') h++;
        int on = gz_q_nonzero(params, h);
        if ((n == 4 && !strncasecmp(tok, "gzip", 4)) || (n == 6 && !strncasecmp(tok, "x-gzip", 6)))
            gzip = on;
        else if (n == 1 && *tok == '*')
            star = on;
    }
    return gzip >= 0 ? gzip : star;
}
