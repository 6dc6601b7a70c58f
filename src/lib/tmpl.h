/* tmpl: logic-less templates (a Mustache subset) for pages and mails.
 *   {{name}}        value, HTML-escaped (plain in text mode)
 *   {{{name}}}      value, raw (rare; only for markup daoid built itself)
 *   {{#name}}…{{/name}}  a list: once per item; a value: once when non-empty
 *   {{^name}}…{{/name}}  when missing, empty or an empty list
 *   {{>name}}       another template (web/templates/NAME.html, or .txt in text mode)
 *   {{<name}}{{$b}}…{{/b}}{{/name}}  the template NAME with its block b replaced by "…"
 *                   (text between the blocks is ignored); a layout, or a partial with arguments
 *   {{$b}}default{{/b}}  a block: the override of b given by a {{<…}} being rendered (the
 *                   outermost one when several give b), else the default
 *   {{t:key}}       catalog message, escaped; "{var}" inside it takes the context's var
 *   {{! comment}}
 * Partials, parents and blocks nest at most 16 deep and a render holds at most 32 overrides
 * (beyond: NULL, logged). Names are looked up in the current item, then outward. Values are
 * not copied: they must outlive the render (arena or static memory). */
#ifndef DAOID_TMPL_H
#define DAOID_TMPL_H

#include <stddef.h>

struct arena;
struct i18n_cat;
struct tmpl_ctx;

/* A context in a's memory; parent (may be NULL) is searched for names this one lacks. */
struct tmpl_ctx *tmpl_ctx_new(struct arena *a, struct tmpl_ctx *parent);
void tmpl_set(struct tmpl_ctx *c, const char *key, const char *val);
void tmpl_setf(struct tmpl_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tmpl_set_bool(struct tmpl_ctx *c, const char *key, int on);
/* Appends an item to the list key and returns its context (parent: c). */
struct tmpl_ctx *tmpl_list_add(struct tmpl_ctx *c, const char *key);
/* The value of key as seen from c (searching parents), or NULL. */
const char *tmpl_get(const struct tmpl_ctx *c, const char *key);

enum tmpl_mode { TMPL_HTML, TMPL_TEXT };
/* Renders the template at asset path (e.g. "web/templates/signup.html"); NULL when it does
 * not exist or is malformed (logged). The result and *len live in a. */
char *tmpl_render(struct arena *a, const char *path, struct tmpl_ctx *c, const struct i18n_cat *cat,
                  enum tmpl_mode mode, size_t *len);
/* Renders template source directly (for tests and catalog messages). */
char *tmpl_render_str(struct arena *a, const char *src, struct tmpl_ctx *c,
                      const struct i18n_cat *cat, enum tmpl_mode mode, size_t *len);
/* Appends s HTML-escaped (& < > " ' `) to the buffer. */
struct abuf;
void tmpl_escape(struct abuf *b, const char *s, size_t n);

#endif
