/* asset: files built into the binary (templates, static files, catalogs, migrations, data),
 * each overridable at start-up by a file of the same relative path under templates_dir.
 * Static files have fingerprinted URLs: /static/app.1a2b3c4d5e6f.css names app.css by the first
 * 12 hex digits of its content hash, so it can be cached for a year; the templates' literal
 * "/static/NAME" references are rewritten to those URLs when the assets are loaded (at start
 * and on SIGHUP, after the overrides: an operator's app.css gets its own fingerprint). */
#ifndef DAOID_ASSET_H
#define DAOID_ASSET_H

#include <stddef.h>

struct asset {
    const char *path;          /* e.g. "web/templates/signup.html" */
    const unsigned char *data; /* NUL-terminated */
    size_t len;
    const char *etag;        /* quoted, for HTTP: "0123456789abcdef" (a content hash) */
    const unsigned char *gz; /* the data gzipped (static text files), or NULL */
    size_t gz_len;
};

/* Loads overrides from dir (NULL or "": none; files are read once) and rewrites the templates'
 * static URLs to fingerprinted ones. 0 or -1. Called again (SIGHUP), it reads the directory
 * anew and the new set replaces the old for later lookups. Call it once before rendering. */
int asset_load_overrides(const char *dir);
void asset_free_overrides(void);
/* The asset at path (override first), or NULL. Valid for the life of the process. */
const struct asset *asset_get(const char *path);
/* The built-in assets sorted by path. */
const struct asset *asset_all(size_t *n);

#define ASSET_FP_LEN 12
/* a's fingerprint: the first ASSET_FP_LEN hex digits of its content hash, NUL-terminated. */
void asset_fingerprint(const struct asset *a, char out[ASSET_FP_LEN + 1]);
/* The static file a URL names after /static/: "app.css" or "app.<fingerprint>.css". *fresh is
 * 1 when the name carries the file's current fingerprint, 0 when it carries none, -1 when it
 * carries another (a version before this one, or another node's). NULL: no such file. */
const struct asset *asset_static(const char *name, int *fresh);

#endif
