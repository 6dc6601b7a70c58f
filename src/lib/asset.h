/* asset: files built into the binary (templates, static files, catalogs, migrations, data),
 * each overridable at start-up by a file of the same relative path under templates_dir. */
#ifndef DAOID_ASSET_H
#define DAOID_ASSET_H

#include <stddef.h>

struct asset {
    const char *path;          /* e.g. "web/templates/signup.html" */
    const unsigned char *data; /* NUL-terminated */
    size_t len;
    const char *etag; /* quoted, for HTTP */
};

/* Loads overrides from dir (NULL or "": none); files are read once. 0 or -1. Called again
 * (SIGHUP), it reads the directory anew and the new files replace the old for later lookups. */
int asset_load_overrides(const char *dir);
void asset_free_overrides(void);
/* The asset at path (override first), or NULL. Valid for the life of the process. */
const struct asset *asset_get(const char *path);
/* The built-in assets sorted by path. */
const struct asset *asset_all(size_t *n);

#endif
