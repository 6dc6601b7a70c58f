/* devsim_inbox: the web inbox (HTML pages and a JSON API over the message store) and the
 * control endpoint that switches the SMTP server's fault mode. */
#include "devsim_inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devsim_mail.h"
#include "devsim_smtp.h"
#include "devsim_util.h"

#define DINBOX_SANDBOX "allow-top-navigation-by-user-activation allow-popups"

static struct dm_store *dinbox_store;

void dinbox_init(struct dm_store *st)
{
    dinbox_store = st;
}

/* ---- helpers ---- */

/* The message id the route's "*" matched (digits only), or -1. */
static long long dinbox_id(const struct devsim_req *req)
{
    char *end;
    if (req->wild_len == 0 || req->wild[0] < '0' || req->wild[0] > '9') return -1;
    long long id = strtoll(req->wild, &end, 10);
    return end == req->wild + req->wild_len ? id : -1;
}

/* A JSON string for s (NULL gives ""); a new reference. */
static json_t *dinbox_jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    return j ? j : json_string("");
}

/* Writes s (NULL gives nothing) with the HTML special characters escaped, fit for element
 * content and quoted attribute values. */
static void dinbox_escn(FILE *f, const char *s, size_t n)
{
    char *copy = strndup(s, n);
    devsim_html_esc(f, copy);
    free(copy);
}

/* Writes a received_at time as "YYYY-MM-DD HH:MM:SS" in UTC. */
static void dinbox_time(FILE *f, long long ms)
{
    char buf[32];
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    fputs(buf, f);
}

/* Writes the envelope recipients separated by ", ". */
static void dinbox_rcpts(FILE *f, const struct dm_msg *m)
{
    for (size_t i = 0; i < m->n_env_to; i++) {
        if (i) fputs(", ", f);
        devsim_html_esc(f, m->env_to[i]);
    }
}

/* Writes text escaped, with http(s) URLs turned into links. */
static void dinbox_linkify(FILE *f, const char *s)
{
    while (*s) {
        const char *u = strstr(s, "http");
        while (u && strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
            u = strstr(u + 4, "http");
        if (!u) break;
        size_t n = strcspn(u, " \t\r\n<>\"'");
        while (n > 0 && strchr(".,;:!?)]", u[n - 1])) n--;
        dinbox_escn(f, s, (size_t)(u - s));
        fputs("<a href=\"", f);
        dinbox_escn(f, u, n);
        fputs("\">", f);
        dinbox_escn(f, u, n);
        fputs("</a>", f);
        s = u + n;
    }
    devsim_html_esc(f, s);
}

/* Starts a page in b; the caller writes the body to the stream returned and calls
 * dinbox_page_end(). */
static FILE *dinbox_page_start(struct devsim_buf *b, const char *title)
{
    FILE *f = devsim_buf_open(b);
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    devsim_html_esc(f, title);
    fputs("</title>\n<style>\n"
          "body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\n"
          "table{border-collapse:collapse;width:100%}\n"
          "th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;"
          "vertical-align:top}\n"
          "pre{white-space:pre-wrap;background:#f6f6f6;padding:1em;border:1px solid #ddd}\n"
          "iframe{width:100%;height:70vh;border:1px solid #ddd}\n"
          ".muted{color:#777}\n"
          ".hdrs th{width:10em;white-space:nowrap}\n"
          "</style></head><body>\n",
          f);
    return f;
}

/* Ends the page b and sets it as the reply. */
static void dinbox_page_end(struct devsim_buf *b, struct devsim_resp *resp)
{
    fputs("</body></html>\n", b->f);
    char *page = devsim_buf_close(b);
    devsim_reply_take(resp, 200, DEVSIM_HTML, page, b->len);
}

/* ---- HTML pages ---- */

static void dinbox_list_row(FILE *f, const struct dm_msg *m)
{
    fprintf(f, "<tr><td>");
    dinbox_time(f, m->received_at);
    fputs("</td><td>", f);
    if (m->hdr_to)
        devsim_html_esc(f, m->hdr_to);
    else
        dinbox_rcpts(f, m);
    fprintf(f, "</td><td><a href=\"/mail/%lld\">", m->id);
    devsim_html_esc(f, m->subject && *m->subject ? m->subject : "(no subject)");
    fprintf(f, "</a></td><td><a href=\"/mail/%lld\">#%lld</a></td></tr>\n", m->id, m->id);
}

/* GET /mail */
static void dinbox_list_page(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct devsim_buf b;
    struct dm_msg **list;
    struct dsmtp_stats stats;
    (void)req;
    size_t n = dm_store_list(dinbox_store, NULL, &list);
    dsmtp_get_stats(&stats);
    FILE *f = dinbox_page_start(&b, "devsim inbox");
    fprintf(f,
            "<h1>devsim inbox</h1>\n<p class=\"muted\">%zu message(s), newest first. "
            "SMTP port %d, mode %s, accepted %llu, refused %llu.</p>\n",
            n, dsmtp_port(), dsmtp_mode_name(stats.mode), stats.accepted, stats.refused);
    fputs("<table><thead><tr><th>Time (UTC)</th><th>To</th><th>Subject</th><th>Link</th>"
          "</tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) dinbox_list_row(f, list[i]);
    fputs("</tbody></table>\n", f);
    dm_list_free(list, n);
    dinbox_page_end(&b, resp);
}

static void dinbox_hdr_row(FILE *f, const char *name, const char *value)
{
    fprintf(f, "<tr><th>%s</th><td>", name);
    devsim_html_esc(f, value);
    fputs("</td></tr>\n", f);
}

static void dinbox_msg_headers(FILE *f, const struct dm_msg *m)
{
    fputs("<table class=\"hdrs\">\n", f);
    dinbox_hdr_row(f, "From", m->hdr_from);
    dinbox_hdr_row(f, "To", m->hdr_to);
    dinbox_hdr_row(f, "Envelope from", m->env_from);
    fputs("<tr><th>Envelope to</th><td>", f);
    dinbox_rcpts(f, m);
    fputs("</td></tr>\n", f);
    dinbox_hdr_row(f, "Message-ID", m->message_id);
    fputs("<tr><th>Received</th><td>", f);
    dinbox_time(f, m->received_at);
    fputs(" UTC</td></tr>\n</table>\n", f);
}

static void dinbox_msg_parts(FILE *f, const struct dm_msg *m)
{
    fputs("<h2>Text part</h2>\n", f);
    if (m->text) {
        fputs("<pre id=\"text\">", f);
        dinbox_linkify(f, m->text);
        fputs("</pre>\n", f);
    } else {
        fputs("<p class=\"muted\">(none)</p>\n", f);
    }
    fputs("<h2>HTML part</h2>\n", f);
    if (m->html) {
        /* <base> makes plain links open in the whole window instead of the frame */
        fputs("<iframe id=\"html\" sandbox=\"" DINBOX_SANDBOX "\" srcdoc=\"", f);
        devsim_html_esc(f, "<base target=\"_top\">");
        devsim_html_esc(f, m->html);
        fputs("\"></iframe>\n", f);
    } else {
        fputs("<p class=\"muted\">(none)</p>\n", f);
    }
}

/* The message the route's "*" names (a reference), or NULL after replying 404. */
static struct dm_msg *dinbox_msg(const struct devsim_req *req, struct devsim_resp *resp)
{
    long long id = dinbox_id(req);
    if (id < 0) return NULL; /* not a message id: the plain "not found" */
    struct dm_msg *m = dm_store_get(dinbox_store, id);
    if (!m) devsim_reply(resp, 404, DEVSIM_TEXT, "no such message\n");
    return m;
}

/* GET /mail/ID */
static void dinbox_msg_page(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct devsim_buf b;
    struct dm_msg *m = dinbox_msg(req, resp);
    if (!m) return;
    FILE *f = dinbox_page_start(&b, m->subject && *m->subject ? m->subject : "(no subject)");
    fprintf(f,
            "<p><a href=\"/mail\">&larr; inbox</a> &middot; <a href=\"/mail/%lld/raw\">raw"
            "</a></p>\n<h1>",
            m->id);
    devsim_html_esc(f, m->subject && *m->subject ? m->subject : "(no subject)");
    fputs("</h1>\n", f);
    dinbox_msg_headers(f, m);
    dinbox_msg_parts(f, m);
    dinbox_page_end(&b, resp);
    dm_msg_unref(m);
}

/* GET /mail/ID/raw */
static void dinbox_raw(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct dm_msg *m = dinbox_msg(req, resp);
    if (!m) return;
    char *copy = malloc(m->raw_len + 1);
    if (copy) memcpy(copy, m->raw, m->raw_len);
    devsim_reply_take(resp, copy ? 200 : 500, DEVSIM_TEXT, copy, m->raw_len);
    dm_msg_unref(m);
}

/* ---- JSON API ---- */

/* {"id","from","to":[...],"subject","text","html","message_id","received_at"}; a new
 * reference, NULL when out of memory. */
static json_t *dinbox_msg_json(const struct dm_msg *m)
{
    json_t *o = json_object(), *to = json_array();
    if (!o || !to) goto fail;
    for (size_t i = 0; i < m->n_env_to; i++) json_array_append_new(to, dinbox_jstr(m->env_to[i]));
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "from", dinbox_jstr(m->env_from));
    json_object_set_new(o, "to", to);
    json_object_set_new(o, "subject", dinbox_jstr(m->subject));
    json_object_set_new(o, "text", dinbox_jstr(m->text));
    json_object_set_new(o, "html", dinbox_jstr(m->html));
    json_object_set_new(o, "message_id", dinbox_jstr(m->message_id));
    json_object_set_new(o, "received_at", json_integer(m->received_at));
    return o;
fail:
    json_decref(o);
    json_decref(to);
    return NULL;
}

/* GET /mail/api/messages?to=ADDRESS */
static void dinbox_api_list(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct dm_msg **list;
    const char *q = devsim_query(req, "to");
    /* a '+' sent unencoded arrives as a space, which no address contains */
    char *to = q && *q ? strdup(q) : NULL;
    for (char *p = to; p && *p; p++)
        if (*p == ' ') *p = '+';
    size_t n = dm_store_list(dinbox_store, to, &list);
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) json_array_append_new(arr, dinbox_msg_json(list[i]));
    dm_list_free(list, n);
    free(to);
    devsim_reply_json(resp, 200, arr);
}

/* GET /mail/api/messages/ID */
static void dinbox_api_one(const struct devsim_req *req, struct devsim_resp *resp)
{
    long long id = dinbox_id(req);
    struct dm_msg *m = id < 0 ? NULL : dm_store_get(dinbox_store, id);
    if (m)
        devsim_reply_json(resp, 200, dinbox_msg_json(m));
    else
        devsim_reply_error(resp, 404, id < 0 ? "not found" : "no such message");
    dm_msg_unref(m);
}

/* DELETE /mail/api/messages */
static void dinbox_api_clear(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    dm_store_clear(dinbox_store);
    devsim_reply_take(resp, 204, DEVSIM_TEXT, NULL, 0);
}

/* ---- control ---- */

/* POST /_ctl/smtp {"mode":...} */
static void dinbox_ctl_smtp_set(const struct devsim_req *req, struct devsim_resp *resp)
{
    json_error_t err;
    json_t *j = json_loadb(req->body, req->body_len, 0, &err);
    int mode = dsmtp_mode_parse(json_string_value(json_object_get(j, "mode")));
    json_decref(j);
    if (mode < 0)
        devsim_reply_error(resp, 400, "body must be {\"mode\":\"up|down|tempfail|permfail\"}");
    else if (dsmtp_set_mode((enum dsmtp_mode)mode) < 0)
        devsim_reply_error(resp, 500, "cannot listen on the SMTP port again");
    else
        devsim_reply_json(resp, 200, json_pack("{s:s}", "mode", dsmtp_mode_name(mode)));
}

/* GET /_ctl/smtp: {"mode","accepted","refused"} */
static void dinbox_ctl_smtp(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct dsmtp_stats st;
    (void)req;
    dsmtp_get_stats(&st);
    devsim_reply_json(resp, 200,
                      json_pack("{s:s,s:I,s:I}", "mode", dsmtp_mode_name(st.mode), "accepted",
                                (json_int_t)st.accepted, "refused", (json_int_t)st.refused));
}

const struct devsim_route dinbox_routes[] = {
    /* control: the SMTP server's state, or a new mode */
    {"GET", "/_ctl/smtp", dinbox_ctl_smtp},
    {"POST", "/_ctl/smtp", dinbox_ctl_smtp_set},
    /* the pages */
    {"GET HEAD", "/mail", dinbox_list_page},
    {"GET HEAD", "/mail/", dinbox_list_page},
    {"GET HEAD", "/mail/*", dinbox_msg_page},
    {"GET HEAD", "/mail/*/raw", dinbox_raw},
    /* the JSON API */
    {"GET", "/mail/api/messages", dinbox_api_list},
    {"DELETE", "/mail/api/messages", dinbox_api_clear},
    {"GET", "/mail/api/messages/*", dinbox_api_one},
    {NULL},
};
