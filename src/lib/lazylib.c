/* lazylib: dlopen and dlsym for the libraries daoid maps on first use; see lazylib.h. */
#include "lazylib.h"
#include "log.h"

#include <dlfcn.h>
#include <string.h>

void *lazylib_load(const char *who, const char *so, const char *const names[], void *const slots[],
                   size_t n)
{
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        log_warnx("%s: cannot load %s: %s", who, so, dlerror());
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        void *p = dlsym(h, names[i]);
        if (!p) {
            log_warnx("%s: %s has no %s", who, so, names[i]);
            goto fail;
        }
        memcpy(slots[i], &p, sizeof(p)); /* a function pointer has the size of void * (POSIX) */
    }
    return h;
fail:
    dlclose(h);
    return NULL;
}
