/* libFuzzer target: the username and email rules on arbitrary bytes: no crash, and whatever
 * they accept is valid UTF-8 of the documented shape. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "arena.h"
#include "config.h"
#include "fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fuzz_env_clear();
        if (sodium_init() < 0 || config_load(NULL) != 0) abort();
        ready = 1;
    }
    struct arena *a = arena_new();
    char *s = arena_strndup(a, (const char *)data, size);
    const char *name = NULL, *display = NULL, *norm = NULL;
    if (account_username_normalize(a, s, &name) == NAME_OK) {
        size_t n = strlen(name);
        if (n < 3 || n > 30) abort();
        for (size_t i = 0; i < n; i++)
            if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_", name[i])) abort();
    }
    if (account_email_normalize(a, s, &display, &norm) == EMAIL_OK) {
        if (strlen(norm) > 254 || !strchr(norm, '@')) abort();
    }
    arena_free(a);
    return 0;
}
