/* h_static: files under /static/ from the built-in assets (or the override directory). A
 * fingerprinted URL (/static/app.<hash>.css, what the pages link) is cached for a year
 * (immutable); the plain name for an hour; a fingerprint that is not the file's current one (an
 * old page, or a node of another version behind the same balancer) gets the current file,
 * revalidated on every use. Text files go gzipped to clients that take it. ETag/304 for all. */
#include <string.h>

#include "arena.h"
#include "asset.h"
#include "gz.h"
#include "handlers.h"
#include "http.h"
#include "page.h"

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* 1 when If-None-Match (a list, weak tags allowed, or *) names etag. */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm) return 0;
    size_t el = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (*p == '*') return 1;
        if (!strncmp(p, "W/", 2)) p += 2;
        if (!strncmp(p, etag, el) && (p[el] == 0 || p[el] == ',' || p[el] == ' ')) return 1;
        while (*p && *p != ',') p++;
    }
    return 0;
}

void h_static(struct req *r)
{
    const char *name = r->path + strlen("/static/");
    int fresh = 0;
    const struct asset *a = NULL;
    if (*name && !strstr(name, "..") && !strchr(name, '/')) a = asset_static(name, &fresh);
    if (!a) {
        page_error(r, 404, "error.notfound");
        return;
    }
    int gz = a->gz && gz_accepted(req_header(r, "Accept-Encoding"));
    /* each encoding is its own representation: its own strong tag */
    const char *etag =
        gz ? arena_printf(r->a, "%.*s-gz\"", (int)strlen(a->etag) - 1, a->etag) : a->etag;
    resp_header(r, "ETag", etag);
    resp_header(r, "Cache-Control",
                fresh > 0    ? "public, max-age=31536000, immutable"
                : fresh == 0 ? "public, max-age=3600"
                             : "public, no-cache");
    if (a->gz) resp_header(r, "Vary", "Accept-Encoding");
    if (etag_matches(req_header(r, "If-None-Match"), etag)) {
        resp_send(r, 304, NULL, "", 0);
        return;
    }
    if (gz) resp_header(r, "Content-Encoding", "gzip");
    resp_send(r, 200, content_type(a->path), (const char *)(gz ? a->gz : a->data),
              gz ? a->gz_len : a->len);
}
