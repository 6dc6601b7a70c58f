/* fuzz_env: the fuzz targets run on the default configuration, whatever DAOID_* variables the
 * calling environment has (make test runs them beside a throwaway PostgreSQL server). */
#ifndef DAOID_FUZZ_ENV_H
#define DAOID_FUZZ_ENV_H

#include <stdlib.h>
#include <string.h>

extern char **environ;

static inline void fuzz_env_clear(void)
{
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; e && *e; e++) {
            if (strncmp(*e, "DAOID_", 6)) continue;
            const char *eq = strchr(*e, '=');
            char name[128];
            size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
            if (n >= sizeof(name)) continue;
            memcpy(name, *e, n);
            name[n] = 0;
            unsetenv(name); /* environ changed: walk it again */
            again = 1;
            break;
        }
    }
}

#endif
