/* devsim_oauth_authz: the fake providers' authorize page (pick a test user, then "Authorize
 * application" or "Cancel") and the single-use codes it hands out. */
#include "devsim_oauth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dprov_labels[DP_COUNT] = {"GitHub", "Bitbucket", "Coding"};

/* ---- authorize ---- */

/* The authorize request's parameters: by name, or in the order of authz_params. */
#define AZ_NPARAMS 7
struct authz {
    enum dprov prov;
    union {
        char *v[AZ_NPARAMS]; /* malloc'd, NULL when absent */
        struct {
            char *client_id, *redirect_uri, *state, *scope, *response_type, *challenge, *method;
        };
    };
};

static const char *const authz_params[AZ_NPARAMS] = {
    "client_id",      "redirect_uri",         "state", "scope", "response_type",
    "code_challenge", "code_challenge_method"};

static void authz_free(struct authz *z)
{
    for (int i = 0; i < AZ_NPARAMS; i++) free(z->v[i]);
}

/* Reads the parameters from the query (GET) or the form (post). */
static void authz_read(const struct devsim_req *req, int post, struct authz *z)
{
    for (int i = 0; i < AZ_NPARAMS; i++) {
        const char *key = authz_params[i];
        z->v[i] = post ? devsim_form_get(req->body, key) : devsim_xstrdup(devsim_query(req, key));
    }
}

/* Checks the request like the provider does; on a problem the reply is made and -1 returned.
 * *redirect gets the URL to send the browser back to (malloc'd). */
static int authz_check(const struct authz *z, struct devsim_resp *resp, char **redirect)
{
    pthread_mutex_lock(&doauth_s.mu);
    char *registered = devsim_xstrdup(doauth_s.redirect[z->prov]);
    pthread_mutex_unlock(&doauth_s.mu);
    int rc = -1;
    if (!z->client_id || strcmp(z->client_id, doauth_client_ids[z->prov]) || !registered) {
        devsim_reply(resp, 404, DEVSIM_HTML, "<h1>Application not found</h1>\n");
    } else if (z->redirect_uri && strcmp(z->redirect_uri, registered)) {
        doauth_redirect_with(resp, registered, "error", "redirect_uri_mismatch",
                             "error_description",
                             "The redirect_uri MUST match the registered callback URL for this "
                             "application.",
                             "state", z->state, NULL);
    } else if (z->prov != DP_GITHUB && (!z->response_type || strcmp(z->response_type, "code"))) {
        devsim_reply(resp, 400, DEVSIM_HTML, "<h1>response_type must be code</h1>\n");
    } else if (z->challenge &&
               (!z->method || strcmp(z->method, "S256") || strlen(z->challenge) != 43)) {
        devsim_reply(resp, 400, DEVSIM_HTML, "<h1>code_challenge_method must be S256</h1>\n");
    } else {
        *redirect = devsim_xstrdup(z->redirect_uri ? z->redirect_uri : registered);
        rc = 0;
    }
    free(registered);
    return rc;
}

/* The page: the app asks for access; radio buttons for the test users of this provider. */
static void authz_page(const struct authz *z, struct devsim_resp *resp)
{
    struct devsim_buf b;
    FILE *f = devsim_buf_open(&b);
    fprintf(f,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorize "
            "application · %s (devsim)</title></head><body>\n<h1 id=\"provider\">%s</h1>\n"
            "<p>The application <strong>daoid</strong> (client <code>",
            dprov_labels[z->prov], dprov_labels[z->prov]);
    devsim_html_esc(f, z->client_id);
    fputs("</code>) would like to read your profile and email addresses", f);
    if (z->scope) devsim_html_wrap(f, " (scope <code id=\"scope\">", z->scope, "</code>)");
    fputs(".</p>\n<form method=\"post\">\n<fieldset><legend>Sign in as</legend>\n", f);
    pthread_mutex_lock(&doauth_s.mu);
    int first = 1;
    for (size_t i = 0; i < doauth_s.nusers; i++) {
        const struct duser *u = &doauth_s.users[i];
        if (u->prov != z->prov) continue;
        const struct demail *pe = doauth_primary_email(u);
        fprintf(f,
                "<label><input type=\"radio\" name=\"user\" value=\"%zu\" id=\"user-%zu\"%s "
                "data-login=\"",
                i, i, first ? " checked" : "");
        devsim_html_esc(f, u->login);
        fputs("\"> ", f);
        devsim_html_esc(f, u->login);
        fputs(" <small>", f);
        devsim_html_esc(f, u->name);
        fputs(" · ", f);
        devsim_html_esc(f, pe ? pe->addr : "no email");
        fputs("</small></label><br>\n", f);
        first = 0;
    }
    pthread_mutex_unlock(&doauth_s.mu);
    fputs("</fieldset>\n", f);
    for (int i = 0; i < AZ_NPARAMS; i++) { /* the request again, for the POST */
        if (!z->v[i]) continue;
        fprintf(f, "<input type=\"hidden\" name=\"%s\" value=\"", authz_params[i]);
        devsim_html_esc(f, z->v[i]);
        fputs("\">\n", f);
    }
    fputs("<p><button type=\"submit\" name=\"decision\" value=\"authorize\" id=\"authorize\">"
          "Authorize application</button>\n<button type=\"submit\" name=\"decision\" "
          "value=\"cancel\" id=\"cancel\">Cancel</button></p>\n</form></body></html>\n",
          f);
    char *page = devsim_buf_close(&b);
    devsim_reply_take(resp, 200, DEVSIM_HTML, page, b.len);
}

/* The person's decision: a code, or access_denied, back at the redirect URI. */
static void authz_decide(const struct devsim_req *req, const struct authz *z, const char *back,
                         struct devsim_resp *resp)
{
    char *decision = devsim_form_get(req->body, "decision"),
         *user = devsim_form_get(req->body, "user");
    if (!decision || strcmp(decision, "authorize")) {
        doauth_redirect_with(resp, back, "error", "access_denied", "error_description",
                             "The user has denied your application access.", "state", z->state,
                             NULL);
        goto out;
    }
    size_t ui = user ? (size_t)strtoull(user, NULL, 10) : (size_t)-1;
    pthread_mutex_lock(&doauth_s.mu);
    if (ui >= doauth_s.nusers || doauth_s.users[ui].prov != z->prov) {
        pthread_mutex_unlock(&doauth_s.mu);
        devsim_reply(resp, 400, DEVSIM_HTML, "<h1>Pick a user</h1>\n");
        goto out;
    }
    if (doauth_s.ncodes == DO_MAX_ITEMS) {
        free(doauth_s.codes[0].redirect);
        memmove(doauth_s.codes, doauth_s.codes + 1, sizeof(*doauth_s.codes) * --doauth_s.ncodes);
    }
    doauth_s.codes =
        devsim_xrealloc(doauth_s.codes, sizeof(*doauth_s.codes) * (doauth_s.ncodes + 1));
    struct dcode *c = &doauth_s.codes[doauth_s.ncodes++];
    memset(c, 0, sizeof(*c));
    doauth_rand_token(c->code, sizeof(c->code), "", 15);
    c->prov = z->prov;
    c->user = ui;
    c->redirect = devsim_xstrdup(z->redirect_uri);
    snprintf(c->challenge, sizeof(c->challenge), "%s", z->challenge ? z->challenge : "");
    snprintf(c->scope, sizeof(c->scope), "%s", z->scope ? z->scope : "");
    c->expires = doauth_now() + DO_CODE_TTL;
    char code[48];
    memcpy(code, c->code, sizeof(code));
    pthread_mutex_unlock(&doauth_s.mu);
    doauth_redirect_with(resp, back, "code", code, "state", z->state, NULL);
out:
    free(decision);
    free(user);
}

void doauth_authorize(const struct devsim_req *req, struct devsim_resp *resp)
{
    int post = !strcmp(req->method, "POST");
    struct authz z = {.prov = (enum dprov)req->arg};
    authz_read(req, post, &z);
    char *back = NULL;
    if (authz_check(&z, resp, &back) == 0) {
        if (post)
            authz_decide(req, &z, back, resp);
        else
            authz_page(&z, resp);
    }
    free(back);
    authz_free(&z);
}
