/* page: the glue between handlers and templates. */
#include "page.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "captcha.h"
#include "text.h"
#include "config.h"
#include "csrf.h"
#include "gz.h"
#include "http.h"
#include "i18n.h"
#include "log.h"
#include "pow.h"
#include "session.h"
#include "tmpl.h"
#include "ways_in.h"

/* The template flag of each outside way in: pages show only the buttons of those offered. */
static const struct {
    enum way_in way;
    const char *key;
} way_flags[] = {
    {WAY_IN_GITHUB, "oauth_github"},
    {WAY_IN_BITBUCKET, "oauth_bitbucket"},
    {WAY_IN_CODING, "oauth_coding"},
    {WAY_IN_WECHAT, "wechat_on"},
};

struct tmpl_ctx *page_ctx(struct req *r)
{
    struct tmpl_ctx *c = tmpl_ctx_new(r->a, NULL);
    int en = !strcmp(r->lang, "en");
    tmpl_set(c, "site_name", cfg->site_name);
    tmpl_set(c, "lang", r->lang);
    tmpl_set_bool(c, "lang_en", en);
    tmpl_set_bool(c, "lang_zh", !en);
    tmpl_set(c, "csrf", csrf_token(r));
    tmpl_set(c, "here", text_urlencode(r->a, r->path));
    if (r->sess) {
        tmpl_set(c, "user", r->sess->username);
        /* the account menu's avatar: the username's first letter (usernames are a-z, 0-9) */
        const char *u = r->sess->username ? r->sess->username : "";
        tmpl_set(c, "user_initial",
                 arena_printf(r->a, "%c", *u ? toupper((unsigned char)*u) : '?'));
    }
    /* a form shown again after a refusal keeps its terms checkbox as the person left it */
    tmpl_set_bool(c, "terms_on", req_form(r, "terms") != NULL);
    tmpl_setf(c, "pw_min", "%lld", (long long)cfg->password_min_length);
    tmpl_setf(c, "pw_max", "%lld", (long long)cfg->password_max_length);
    for (size_t i = 0; i < sizeof(way_flags) / sizeof(way_flags[0]); i++)
        tmpl_set_bool(c, way_flags[i].key, ways_in_offered(way_flags[i].way));
    return c;
}

const char *page_t(struct req *r, struct tmpl_ctx *c, const char *key)
{
    const char *src = arena_printf(r->a, "{{t:%s}}", key);
    const char *out = tmpl_render_str(r->a, src, c, i18n_cat(r->lang), TMPL_TEXT, NULL);
    return out ? out : key;
}

void page_render(struct req *r, int status, const char *name, struct tmpl_ctx *c)
{
    char path[128];
    snprintf(path, sizeof(path), "web/templates/%s.html", name);
    tmpl_set(c, "page", name);
    if (!tmpl_get(c, "title")) {
        snprintf(path, sizeof(path), "%s.title", name);
        tmpl_set(c, "title", arena_strdup(r->a, i18n_get(i18n_cat(r->lang), path)));
        snprintf(path, sizeof(path), "web/templates/%s.html", name);
    }
    size_t len = 0;
    char *html = tmpl_render(r->a, path, c, i18n_cat(r->lang), TMPL_HTML, &len);
    if (!html) {
        static const char msg[] = "internal error";
        resp_send(r, 500, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
        return;
    }
    page_send_html(r, status, html, len);
}

/* Pages of 1 KiB or more go gzipped (zlib's level 6: about 0.1 ms for a 10 KiB page) to a
 * client that takes gzip, but only on a navigation or request from daoid's own pages or typed
 * in (Sec-Fetch-Site same-origin or none): a page carries a secret (the CSRF token) beside
 * text another site can put in it (a query parameter shown again), and the compressed size of
 * such a page, asked for many times by another site, would leak the secret (BREACH). A request
 * another site causes is answered uncompressed; a browser without Sec-Fetch-Site too. */
void page_send_html(struct req *r, int status, const char *html, size_t len)
{
    static const char ctype[] = "text/html; charset=utf-8";
    const char *site = req_header(r, "Sec-Fetch-Site");
    resp_header(r, "Vary", "Accept-Encoding, Sec-Fetch-Site");
    if (len < 1024 || !site || (strcmp(site, "same-origin") && strcmp(site, "none")) ||
        !gz_accepted(req_header(r, "Accept-Encoding"))) {
        resp_send(r, status, ctype, html, len);
        return;
    }
    unsigned char *z = arena_alloc(r->a, gz_bound(len));
    size_t zl = gz_deflate((const unsigned char *)html, len, z, gz_bound(len), 6);
    if (!zl) {
        resp_send(r, status, ctype, html, len);
        return;
    }
    resp_header(r, "Content-Encoding", "gzip");
    resp_send(r, status, ctype, (const char *)z, zl);
}

void page_error(struct req *r, int status, const char *msg_key)
{
    if (!strncmp(r->path, "/api/", 5)) {
        const char *code = !strncmp(msg_key, "error.", 6) ? msg_key + 6 : msg_key;
        resp_json(r, status, arena_printf(r->a, "{\"error\":\"%s\"}", code));
        return;
    }
    page_notice(r, status, status == 404 ? "error.notfound_title" : "error.title", msg_key, "/",
                "error.home");
}

void page_notice(struct req *r, int status, const char *title_key, const char *msg_key,
                 const char *href, const char *link_key)
{
    struct tmpl_ctx *c = page_ctx(r);
    const struct i18n_cat *cat = i18n_cat(r->lang);
    tmpl_set(c, "title", i18n_get(cat, title_key));
    tmpl_set(c, "message", i18n_get(cat, msg_key));
    if (href) {
        tmpl_set(c, "href", href);
        tmpl_set(c, "link", i18n_get(cat, link_key));
    }
    page_render(r, status, "notice", c);
}

const struct page_outcome *page_outcome_find(const struct page_outcome *t, int rc)
{
    while (t->status && t->rc != rc) t++;
    return t;
}

void page_outcome(struct req *r, const struct page_outcome *t, int rc, const char *href,
                  const char *link_key)
{
    const struct page_outcome *o = page_outcome_find(t, rc);
    int status = o->status ? o->status : 503;
    if (!strncmp(r->path, "/api/", 5) || (!href && !o->title_key && status >= 400)) {
        page_error(r, status, o->msg_key);
        return;
    }
    page_notice(r, status, o->title_key ? o->title_key : "error.title", o->msg_key,
                href ? href : "/", href ? link_key : "error.home");
}

const struct page_outcome *page_outcome_own(struct req *r, const struct page_outcome *t, int rc,
                                            const char *href, const char *link_key)
{
    const struct page_outcome *o = page_outcome_find(t, rc);
    if (o->status && !o->title_key) return o;
    if (!o->status || !strcmp(o->title_key, "error.title"))
        page_error(r, o->status ? o->status : 503, o->msg_key);
    else
        page_outcome(r, t, rc, href, link_key);
    return NULL;
}

void page_reauth(struct req *r, const char *next)
{
    resp_redirect(r, arena_printf(r->a, "/reauth?next=%s", text_urlencode(r->a, next)));
}

#define FLASH_COOKIE "flash"

static int flash_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > 80) return 0;
    return strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

void page_flash(struct req *r, const char *value)
{
    if (flash_ok(value)) resp_cookie(r, FLASH_COOKIE, value, 60);
}

const char *page_flash_take(struct req *r)
{
    const char *v = req_cookie(r, FLASH_COOKIE);
    if (!v) return NULL;
    resp_cookie(r, FLASH_COOKIE, "", -1);
    return flash_ok(v) ? v : NULL;
}

const char *page_date(struct req *r, int64_t t, enum page_date_form f)
{
    /* the day and the minute in the reader's zone (time_zone_*), the datetime forms in UTC */
    int local = f == PAGE_DAY || f == PAGE_MINUTE;
    int en = !strcmp(r->lang, "en");
    long off = local ? (en ? cfg->tz_en : cfg->tz_zh_cn) : 0;
    time_t tt = (time_t)(t + off);
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) return "";
    char buf[40];
    int n =
        snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    size_t rest = sizeof(buf) - (size_t)n;
    if (f == PAGE_MINUTE)
        snprintf(buf + n, rest, " %02d:%02d %s", tm.tm_hour, tm.tm_min,
                 en ? cfg->time_zone_en : cfg->time_zone_zh_cn);
    else if (f == PAGE_ISO_MINUTE)
        snprintf(buf + n, rest, "T%02d:%02dZ", tm.tm_hour, tm.tm_min);
    else if (f == PAGE_ISO)
        snprintf(buf + n, rest, "T%02d:%02d:%02dZ", tm.tm_hour, tm.tm_min, tm.tm_sec);
    return arena_strdup(r->a, buf);
}

/* Adds a fresh captcha to c; when none can be had the page says why (too many from this
 * address: 429; the store is down: 503) and that status is returned, else 0. */
int page_captcha(struct req *r, struct tmpl_ctx *c)
{
    char *id = NULL, *img = NULL;
    int cr = captcha_new(r->a, r->ip, time(NULL), &id, &img);
    if (cr != 0) {
        int limited = cr == CAPTCHA_NEW_LIMITED;
        tmpl_set(
            c, "captcha_error",
            i18n_get(i18n_cat(r->lang), limited ? "captcha.err.limited" : "error.unavailable"));
        return limited ? 429 : 503;
    }
    tmpl_set(c, "captcha_id", id);
    tmpl_set(c, "captcha_img", img);
    /* the alternative without the image (_captcha.html, pow.js): a challenge the browser solves */
    if (!strcmp(cfg->captcha_alternative, "pow")) tmpl_set(c, "pow", pow_new(r->a, time(NULL)));
    return 0;
}
