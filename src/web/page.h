/* page: rendering a page for a request: the base template context every page shares
 * (site name, language, CSRF token, the signed-in user, the path for the language switch),
 * HTML responses, and error answers (a page, or a JSON error with a stable code under /api/). */
#ifndef DAOID_PAGE_H
#define DAOID_PAGE_H

#include <stddef.h>

struct req;
struct tmpl_ctx;

/* A context for r's page, in r->a, with the shared values set. */
struct tmpl_ctx *page_ctx(struct req *r);
/* The catalog message key in r's language with its {var} placeholders filled from c (plain
 * text: the template escapes it where it is used). In r->a. */
const char *page_t(struct req *r, struct tmpl_ctx *c, const char *key);
/* Renders web/templates/NAME.html in r's language and sends it with status. */
void page_render(struct req *r, int status, const char *name, struct tmpl_ctx *c);
/* Sends an HTML page, gzipped when the request allows it safely (see page.c). */
void page_send_html(struct req *r, int status, const char *html, size_t len);
/* An error page (or {"error":CODE} under /api/) for status with the message msg_key
 * ("error.csrf" → code "csrf"). */
void page_error(struct req *r, int status, const char *msg_key);
/* Adds a fresh captcha to c (captcha_id, captcha_img); when none can be had, captcha_error
 * says why (too many from this address: 429; the store is down: 503) and that status is
 * returned, else 0. */
int page_captcha(struct req *r, struct tmpl_ctx *c);
/* A page with a title and a message (catalog keys) and an optional link (href + key). */
void page_notice(struct req *r, int status, const char *title_key, const char *msg_key,
                 const char *href, const char *link_key);

/* One row of a handler's outcome table: what the page says for one result of a domain call.
 * A table ends with a row whose status is 0; that row (its title and message) answers every
 * result the table does not list, with status 503 when its own status is 0. */
struct page_outcome {
    int rc;                /* the domain call's result (an enum value) */
    int status;            /* HTTP status */
    const char *title_key; /* NULL: "error.title" */
    const char *msg_key;
};
/* The row for rc in t (the last row when none matches). */
const struct page_outcome *page_outcome_find(const struct page_outcome *t, int rc);
/* The one render call of an outcome: page_notice (or page_error under /api/) with the row of
 * t for rc; href/link_key as for page_notice (NULL href: a link home). */
void page_outcome(struct req *r, const struct page_outcome *t, int rc, const char *href,
                  const char *link_key);

/* For a handler that answers some results itself (the form again, a redirect): t's row for rc
 * when it has no title (the handler shows its status and message), else NULL once rc is answered:
 * the default row and rows titled "error.title" with page_error (a link home), the other titled
 * rows with page_outcome(r, t, rc, href, link_key). */
const struct page_outcome *page_outcome_own(struct req *r, const struct page_outcome *t, int rc,
                                            const char *href, const char *link_key);
/* The one redirect to re-authentication: 303 to /reauth?next=NEXT (percent-encoded), which comes
 * back to next (a same-origin path) once the browser has confirmed who it is again. The pipeline
 * calls it for routes flagged R_RECENT; handlers when a domain call answers that a recent sign-in
 * is needed. */
void page_reauth(struct req *r, const char *next);

/* A one-time confirmation for the next page this browser opens (a short-lived cookie, not the
 * query string: a reload or a shared link shows nothing stale): value is "SECTION.KEY", letters,
 * digits, '_' , '-' and '.' only (anything else is not sent). page_flash_take reads it once and
 * clears it: the value, or NULL. */
void page_flash(struct req *r, const char *value);
const char *page_flash_take(struct req *r);

/* How a page shows a time: a day (2026-12-07), a minute (2026-12-07 11:56 UTC+8), both in the
 * reader's zone (config time_zone_zh_cn / time_zone_en by page language), and for a
 * <time datetime> in UTC to the minute (2026-12-07T03:56Z) or to the second. */
#include <stdint.h>
enum page_date_form { PAGE_DAY, PAGE_MINUTE, PAGE_ISO_MINUTE, PAGE_ISO };
/* t (Unix seconds) in the form f, in r->a. */
const char *page_date(struct req *r, int64_t t, enum page_date_form f);

#endif
