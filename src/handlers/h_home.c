/* h_home: the home page, the terms of service, the language switch and the health checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "page.h"
#include "store.h"
#include "tmpl.h"

void h_home(struct req *r)
{
    struct tmpl_ctx *c = page_ctx(r);
    page_render(r, 200, "home", c);
}

/* The operator's terms file, read per request (it is small and may be edited live). */
static char *read_terms(struct arena *a)
{
    if (!*cfg->terms_file) return NULL;
    FILE *f = fopen(cfg->terms_file, "r");
    if (!f) return NULL;
    char *buf = arena_alloc(a, 256 * 1024);
    size_t n = fread(buf, 1, 256 * 1024 - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

void h_terms(struct req *r)
{
    struct tmpl_ctx *c = page_ctx(r);
    char *text = read_terms(r->a);
    if (text) {
        /* paragraphs separated by blank lines */
        char *save = NULL;
        for (char *p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
            if (!*p || *p == '\r') continue;
            tmpl_set(tmpl_list_add(c, "paragraphs"), "text", p);
        }
    }
    page_render(r, 200, "terms", c);
}

void h_lang(struct req *r)
{
    const char *to = req_arg(r, "to");
    const char *next = req_arg(r, "next");
    if (to && (!strcmp(to, "en") || !strcmp(to, "zh-CN"))) resp_cookie(r, "lang", to, 365L * 86400);
    resp_redirect(r, http_safe_next(next) ? next : "/");
}

void h_healthz(struct req *r)
{
    resp_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}
