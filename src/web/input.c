/* input: see input.h for the rules. Values are walked with their lengths as received
 * (req_each), never as C strings. */
#include "input.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "text.h"
#include "tmpl.h"

#define INPUT_NAME_MAX 64

/* Form fields that may hold tab and newlines (a <textarea>). None of today's fields does:
 * usernames, emails, passwords, captcha answers and tokens are one line. */
static const char *const multiline_fields[] = {NULL};

int input_multiline(const char *field)
{
    for (const char *const *m = multiline_fields; *m; m++)
        if (!strcmp(*m, field)) return 1;
    return 0;
}

struct walk {
    struct req *r;
    struct input_fault *f;
};

static unsigned value_rules(enum req_kind kind, const char *key)
{
    switch (kind) {
    case REQ_HEADER:
        return TEXT_TAB;
    case REQ_COOKIE:
        return 0;
    case REQ_QUERY:
        return TEXT_UTF8;
    case REQ_FORM:
        return TEXT_UTF8 | (input_multiline(key) ? TEXT_TAB | TEXT_NEWLINE : 0);
    }
    return TEXT_UTF8;
}

static int check_value(void *cls, enum req_kind kind, const char *key, const char *val, size_t len)
{
    static const enum input_part parts[] = {[REQ_QUERY] = INPUT_QUERY,
                                            [REQ_HEADER] = INPUT_HEADER,
                                            [REQ_COOKIE] = INPUT_COOKIE,
                                            [REQ_FORM] = INPUT_FORM};
    struct walk *w = cls;
    /* keys: the value rules without tab or newline (query keys are decoded too) */
    unsigned rules = value_rules(kind, key);
    if (text_bytes_ok(val, len, rules) && text_bytes_ok(key, strlen(key), rules & TEXT_UTF8))
        return 0;
    w->f->part = parts[kind];
    w->f->name = text_clean_line(w->r->a, key, INPUT_NAME_MAX);
    return 1;
}

static enum input_part fault(struct input_fault *f, enum input_part part)
{
    f->part = part;
    f->name = "";
    return part;
}

enum input_part input_check_head(struct req *r, struct input_fault *f)
{
    static const enum req_kind kinds[] = {REQ_QUERY, REQ_HEADER, REQ_COOKIE};
    if (r->bad_framing) return fault(f, INPUT_FRAMING);
    struct walk w = {r, f};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (req_each(r, kinds[i], check_value, &w)) return f->part;
    /* a decoded control byte not in the query was in the path */
    if (r->bad_escape || !text_bytes_ok(r->path, strlen(r->path), 0)) return fault(f, INPUT_PATH);
    return fault(f, INPUT_OK);
}

static int is_json(struct req *r)
{
    const char *ct = req_header(r, "Content-Type");
    if (!ct) return 0;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) n--;
    return (n == 16 && !strncasecmp(ct, "application/json", 16)) ||
           (n > 5 && !strncasecmp(ct + n - 5, "+json", 5));
}

enum input_part input_check_body(struct req *r, struct input_fault *f)
{
    struct walk w = {r, f};
    if (req_each(r, REQ_FORM, check_value, &w)) return f->part;
    if (r->body && !r->too_large &&
        (!text_bytes_ok(r->body, r->body_len, TEXT_UTF8 | TEXT_TAB | TEXT_NEWLINE) ||
         (is_json(r) && !text_json_escapes_ok(r->body, r->body_len))))
        return fault(f, INPUT_BODY);
    return fault(f, INPUT_OK);
}

static const char *const part_names[] = {
    [INPUT_OK] = "ok",       [INPUT_FRAMING] = "framing", [INPUT_PATH] = "path",
    [INPUT_QUERY] = "query", [INPUT_HEADER] = "header",   [INPUT_COOKIE] = "cookie",
    [INPUT_FORM] = "form",   [INPUT_BODY] = "body",
};

static void refuse_json(struct req *r, const struct input_fault *f)
{
    json_t *j = f->part == INPUT_FRAMING
                    ? json_pack("{s:s}", "error", "bad_framing")
                    : json_pack("{s:s, s:s, s:s}", "error", "bad_input", "part",
                                part_names[f->part], "field", f->name ? f->name : "");
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    resp_json(r, 400, s ? arena_strdup(r->a, s) : "{\"error\":\"bad_input\"}");
    free(s);
}

void input_refuse(struct req *r, const struct input_fault *f, const char *back)
{
    if (!strncmp(r->path, "/api/", 5)) {
        refuse_json(r, f);
        return;
    }
    struct tmpl_ctx *c = page_ctx(r);
    const struct i18n_cat *cat = i18n_cat(r->lang);
    const char *name = f->name ? f->name : "";
    const char *label_key = arena_printf(r->a, "field.%s", name);
    tmpl_set(c, "field", *name && i18n_has(cat, label_key) ? i18n_get(cat, label_key) : name);
    tmpl_set(c, "title", i18n_get(cat, "input.title"));
    tmpl_set(c, "message", page_t(r, c, arena_printf(r->a, "input.err.%s", part_names[f->part])));
    tmpl_set(c, "href", back ? back : "/");
    tmpl_set(c, "link", i18n_get(cat, back && strcmp(back, "/") ? "input.back" : "error.home"));
    page_render(r, 400, "notice", c);
}
