/* libFuzzer target: template rendering of arbitrary template text (sections, partials, catalog
 * references) must never crash, loop or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    char *src = arena_strndup(a, (const char *)data, size);
    struct tmpl_ctx *c = tmpl_ctx_new(a, NULL);
    tmpl_set(c, "name", "<b>&'\"`");
    tmpl_set(c, "empty", "");
    struct tmpl_ctx *it = tmpl_list_add(c, "items");
    tmpl_set(it, "x", "1");
    it = tmpl_list_add(c, "items");
    tmpl_set(it, "x", "2");
    size_t len = 0;
    tmpl_render_str(a, src, c, NULL, TMPL_HTML, &len);
    tmpl_render_str(a, src, c, NULL, TMPL_TEXT, &len);
    arena_free(a);
    return 0;
}
