/* libFuzzer target: Accept-Language parsing and language choice on arbitrary headers; the
 * result is always one of the two languages daoid has. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    const char *l = i18n_pick(NULL, s, "zh-CN");
    if (strcmp(l, "zh-CN") && strcmp(l, "en")) abort();
    l = i18n_pick(s, NULL, "en");
    if (strcmp(l, "zh-CN") && strcmp(l, "en")) abort();
    free(s);
    return 0;
}
