/* page: rendering a page for a request: the base template context every page shares
 * (site name, language, CSRF token, the signed-in user, the path for the language switch),
 * HTML responses, and error answers (a page, or a JSON error with a stable code under /api/). */
#ifndef DAOID_PAGE_H
#define DAOID_PAGE_H

struct req;
struct tmpl_ctx;

/* A context for r's page, in r->a, with the shared values set. */
struct tmpl_ctx *page_ctx(struct req *r);
/* The catalog message key in r's language with its {var} placeholders filled from c (plain
 * text: the template escapes it where it is used). In r->a. */
const char *page_t(struct req *r, struct tmpl_ctx *c, const char *key);
/* Renders web/templates/NAME.html in r's language and sends it with status. */
void page_render(struct req *r, int status, const char *name, struct tmpl_ctx *c);
/* An error page (or {"error":CODE} under /api/) for status with the message msg_key
 * ("error.csrf" → code "csrf"). */
void page_error(struct req *r, int status, const char *msg_key);
/* A page with a title and a message (catalog keys) and an optional link (href + key). */
void page_notice(struct req *r, int status, const char *title_key, const char *msg_key,
                 const char *href, const char *link_key);

#endif
