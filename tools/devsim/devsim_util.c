/* devsim_util: allocation, form decoding and escaping shared by the simulator's parts. */
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
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
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
