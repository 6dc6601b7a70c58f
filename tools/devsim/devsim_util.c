/* devsim_util: allocation, form decoding, escaping and text buffers shared by the simulator's
 * parts. */
#include "devsim_util.h"

#include <stdlib.h>
#include <string.h>

char *devsim_xstrdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

void *devsim_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) abort();
    return q;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *devsim_form_get(const char *body, const char *key)
{
    size_t kn = strlen(key);
    for (const char *p = body; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n > kn && !strncmp(p, key, kn) && p[kn] == '=') {
            char *out = devsim_xrealloc(NULL, n), *o = out;
            for (const char *s = p + kn + 1; s < p + n; s++) {
                if (*s == '+')
                    *o++ = ' ';
                else if (*s == '%' && s + 2 < p + n && hexval(s[1]) >= 0 && hexval(s[2]) >= 0)
                    *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2])), s += 2;
                else
                    *o++ = *s;
            }
            *o = 0;
            return out;
        }
        p += n;
        if (*p == '&') p++;
    }
    return NULL;
}

void devsim_html_esc(FILE *f, const char *s)
{
    static const char *const entity[128] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p < 128 && entity[*p])
            fputs(entity[*p], f);
        else
            fputc(*p, f);
    }
}

void devsim_html_wrap(FILE *f, const char *open, const char *s, const char *close)
{
    fputs(open, f);
    devsim_html_esc(f, s);
    fputs(close, f);
}

void devsim_url_enc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

FILE *devsim_buf_open(struct devsim_buf *b)
{
    b->s = NULL;
    b->len = 0;
    b->f = open_memstream(&b->s, &b->len);
    if (!b->f) abort();
    return b->f;
}

char *devsim_buf_close(struct devsim_buf *b)
{
    if (fclose(b->f) != 0) abort();
    b->f = NULL;
    return b->s;
}
