/* h_static: files under /static/ from the built-in assets (or the override directory), with
 * ETag revalidation and an hour of caching. */
#include <string.h>

#include "asset.h"
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

void h_static(struct req *r)
{
    const char *name = r->path + strlen("/static/");
    if (!*name || strstr(name, "..") || strchr(name, '/')) {
        page_error(r, 404, "error.notfound");
        return;
    }
    char path[256];
    if (strlen(name) > 200) {
        page_error(r, 404, "error.notfound");
        return;
    }
    strcpy(path, "web/static/");
    strcat(path, name);
    const struct asset *a = asset_get(path);
    if (!a) {
        page_error(r, 404, "error.notfound");
        return;
    }
    resp_header(r, "ETag", a->etag);
    resp_header(r, "Cache-Control", "public, max-age=3600");
    const char *inm = req_header(r, "If-None-Match");
    if (inm && !strcmp(inm, a->etag)) {
        resp_send(r, 304, NULL, "", 0);
        return;
    }
    resp_send(r, 200, content_type(path), (const char *)a->data, a->len);
}
