/* devsim_oauth_ctl: the fake providers' test users and /_ctl/oauth (fault modes, callback
 * registration, added users, the tokens issued and their expiry). */
#include "devsim_oauth.h"
#include "devsim_oauth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dmode_names[] = {"up", "slow", "error", "badjson"};

/* ---- users ---- */

static void user_add(enum dprov prov, const char *id, const char *login, const char *name,
                     const char *public_email, const struct demail *emails, int n)
{
    doauth_s.users =
        devsim_xrealloc(doauth_s.users, sizeof(*doauth_s.users) * (doauth_s.nusers + 1));
    struct duser *u = &doauth_s.users[doauth_s.nusers++];
    memset(u, 0, sizeof(*u));
    u->prov = prov;
    u->id = devsim_xstrdup(id);
    u->login = devsim_xstrdup(login);
    u->name = devsim_xstrdup(name);
    u->public_email = devsim_xstrdup(public_email);
    for (int i = 0; i < n && i < DO_MAX_EMAILS; i++) {
        u->emails[i].addr = devsim_xstrdup(emails[i].addr);
        u->emails[i].primary = emails[i].primary;
        u->emails[i].verified = emails[i].verified;
        u->nemails++;
    }
}

void doauth_user_free(struct duser *u)
{
    free(u->id);
    free(u->login);
    free(u->name);
    free(u->public_email);
    for (int i = 0; i < u->nemails; i++) free(u->emails[i].addr);
}

void doauth_users_builtin(void)
{
    struct demail octo[] = {{"octocat@github.example", 1, 1}, {"octo-work@example.com", 0, 1}};
    user_add(DP_GITHUB, "583231", "octocat", "The Octocat", "octocat@github.example", octo, 2);
    struct demail dot[] = {{"octo.cat@example.com", 1, 1}};
    user_add(DP_GITHUB, "1002", "Octo.Cat", "Octo Cat", NULL, dot, 1);
    struct demail hubot[] = {{"hubot@example.com", 1, 0}, {"hubot-alt@example.com", 0, 1}};
    user_add(DP_GITHUB, "1003", "hubot", NULL, NULL, hubot, 2);
    struct demail mona[] = {{"mona@example.com", 1, 1}};
    user_add(DP_GITHUB, "1004", "mona", "Mona Lisa", "mona@example.com", mona, 1);
    struct demail bob[] = {{"bob@bitbucket.example", 1, 1}};
    user_add(DP_BITBUCKET, "{2a1f5b1e-0c4d-4d67-9f43-6e0e3c1c7a10}", "bitbucket-bob", "Bob Bucket",
             NULL, bob, 1);
    struct demail alice[] = {{"alice.b@example.com", 1, 0}};
    user_add(DP_BITBUCKET, "{7d9e2c44-1b3a-4f0e-8a55-3c2d1e0f9b21}", "alice_b", "Alice B", NULL,
             alice, 1);
    struct demail coder[] = {{"coder@coding.example", 1, 1}};
    user_add(DP_CODING, "7001", "coder", "\xe7\xa0\x81\xe5\x86\x9c", NULL, coder, 1);
    struct demail two[] = {{"two@coding.example", 1, 0}};
    user_add(DP_CODING, "7002", "coder-two", "Coder Two", NULL, two, 1);
}

/* ---- control ---- */

/* GET /_ctl/oauth */
static void ctl_status(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    pthread_mutex_lock(&doauth_s.mu);
    json_t *j = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:s, s:I}", "mode", dmode_names[doauth_s.mode], "delay_ms",
        (json_int_t)doauth_s.delay_ms, "token_calls", (json_int_t)doauth_s.token_calls, "api_calls",
        (json_int_t)doauth_s.api_calls, "refresh_calls", (json_int_t)doauth_s.refresh_calls,
        "last_user_agent", doauth_s.last_ua, "users", (json_int_t)doauth_s.nusers);
    pthread_mutex_unlock(&doauth_s.mu);
    devsim_reply_json(resp, 200, j);
}

/* {"mode":"up|slow|error|badjson","delay_ms":N} */
static void ctl_mode(json_t *j, struct devsim_resp *resp)
{
    const char *m = json_string_value(json_object_get(j, "mode"));
    int mode = -1;
    for (int i = 0; m && i < (int)(sizeof(dmode_names) / sizeof(dmode_names[0])); i++)
        if (!strcmp(m, dmode_names[i])) mode = i;
    json_t *d = json_object_get(j, "delay_ms");
    if (mode < 0 || (d && (!json_is_integer(d) || json_integer_value(d) < 0))) {
        devsim_reply_error(resp, 400,
                           "body must be {\"mode\":\"up|slow|error|badjson\"[,\"delay_ms\":N]}");
        return;
    }
    pthread_mutex_lock(&doauth_s.mu);
    doauth_s.mode = (enum dmode)mode;
    if (d) doauth_s.delay_ms = (long)json_integer_value(d);
    pthread_mutex_unlock(&doauth_s.mu);
    ctl_status(NULL, resp);
}

void doauth_set_callback_base(const char *base)
{
    for (int p = 0; p < DP_COUNT; p++) {
        char url[512];
        snprintf(url, sizeof(url), "%s/auth/%s/callback", base, doauth_prov_names[p]);
        free(doauth_s.redirect[p]);
        doauth_s.redirect[p] = devsim_xstrdup(url);
    }
}

/* {"callback_base":"http://127.0.0.1:PORT"}: the redirect URIs registered for the clients. */
static void ctl_apps(json_t *j, struct devsim_resp *resp)
{
    const char *base = json_string_value(json_object_get(j, "callback_base"));
    if (!base || strncmp(base, "http", 4) || strlen(base) > 400) {
        devsim_reply_error(resp, 400, "body must be {\"callback_base\":\"http://host:port\"}");
        return;
    }
    pthread_mutex_lock(&doauth_s.mu);
    doauth_set_callback_base(base);
    json_t *out = json_object();
    for (int p = 0; p < DP_COUNT; p++)
        json_object_set_new(out, doauth_prov_names[p],
                            json_pack("{s:s, s:s, s:s}", "client_id", doauth_client_ids[p],
                                      "client_secret", doauth_client_secrets[p], "redirect_uri",
                                      doauth_s.redirect[p]));
    pthread_mutex_unlock(&doauth_s.mu);
    devsim_reply_json(resp, 200, out);
}

/* {"provider","id","login","name","public_email","emails":[{"email","primary","verified"}]} */
static void ctl_user(json_t *j, struct devsim_resp *resp)
{
    const char *prov = json_string_value(json_object_get(j, "provider"));
    int p = -1;
    for (int i = 0; prov && i < DP_COUNT; i++)
        if (!strcmp(prov, doauth_prov_names[i])) p = i;
    json_t *idj = json_object_get(j, "id"), *emails = json_object_get(j, "emails");
    const char *login = json_string_value(json_object_get(j, "login"));
    char id[64];
    if (json_is_integer(idj))
        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(idj));
    else
        snprintf(id, sizeof(id), "%s", json_is_string(idj) ? json_string_value(idj) : "");
    if (p < 0 || !*id || !login || (emails && !json_is_array(emails))) {
        devsim_reply_error(resp, 400, "body must be {\"provider\",\"id\",\"login\",...}");
        return;
    }
    struct demail em[DO_MAX_EMAILS];
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(emails, i, e)
    {
        if (n == DO_MAX_EMAILS || !json_is_string(json_object_get(e, "email"))) continue;
        em[n].addr = (char *)json_string_value(json_object_get(e, "email"));
        em[n].primary = json_is_true(json_object_get(e, "primary"));
        em[n].verified = json_is_true(json_object_get(e, "verified"));
        n++;
    }
    pthread_mutex_lock(&doauth_s.mu);
    user_add((enum dprov)p, id, login, json_string_value(json_object_get(j, "name")),
             json_string_value(json_object_get(j, "public_email")), em, n);
    json_int_t index = (json_int_t)doauth_s.nusers - 1;
    pthread_mutex_unlock(&doauth_s.mu);
    devsim_reply_json(resp, 200, json_pack("{s:I}", "index", index));
}

/* 1 when token t matches the filter: provider name (NULL: any) and login (NULL: any). */
static int token_match(const struct dtoken *t, const char *prov, const char *login)
{
    if (prov && strcmp(prov, doauth_prov_names[t->prov])) return 0;
    return !login || (t->user < doauth_s.nusers && !strcmp(doauth_s.users[t->user].login, login));
}

/* {"provider":P,"login":L} (both optional): their access tokens expire now (refresh tokens
 * stay valid). {"code":C}: that authorization code expires now instead (as one left unused
 * for DO_CODE_TTL). Answers how many. */
static void ctl_expire(json_t *j, struct devsim_resp *resp)
{
    const char *prov = json_string_value(json_object_get(j, "provider"));
    const char *login = json_string_value(json_object_get(j, "login"));
    const char *code = json_string_value(json_object_get(j, "code"));
    json_int_t n = 0;
    pthread_mutex_lock(&doauth_s.mu);
    for (size_t i = 0; code && i < doauth_s.ncodes; i++)
        if (!strcmp(doauth_s.codes[i].code, code))
            doauth_s.codes[i].expires = doauth_now() - 1, n++;
    for (size_t i = 0; !code && i < doauth_s.ntokens; i++)
        if (token_match(&doauth_s.tokens[i], prov, login))
            doauth_s.tokens[i].expires = doauth_now() - 1, n++;
    pthread_mutex_unlock(&doauth_s.mu);
    devsim_reply_json(resp, 200, json_pack("{s:I}", "expired", n));
}

/* GET /_ctl/oauth/tokens?provider=P&login=L: the tokens issued (for tests that look for them
 * where they must not be), oldest first. */
static void ctl_tokens(const struct devsim_req *req, struct devsim_resp *resp)
{
    const char *prov = devsim_query(req, "provider"), *login = devsim_query(req, "login");
    json_t *list = json_array();
    pthread_mutex_lock(&doauth_s.mu);
    for (size_t i = 0; i < doauth_s.ntokens; i++) {
        const struct dtoken *t = &doauth_s.tokens[i];
        if (!token_match(t, prov, login)) continue;
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "provider",
                            doauth_prov_names[t->prov], "login", doauth_s.users[t->user].login,
                            "token", t->token, "refresh_token", t->refresh, "scope", t->scope,
                            "valid", !t->revoked && (!t->expires || t->expires > doauth_now())));
    }
    pthread_mutex_unlock(&doauth_s.mu);
    devsim_reply_json(resp, 200, list);
}

/* POST /_ctl/oauth, /_ctl/oauth/apps, /_ctl/oauth/users, /_ctl/oauth/expire (req->arg) */
static void ctl_post(const struct devsim_req *req, struct devsim_resp *resp)
{
    static const devsim_json_handler fns[] = {ctl_mode, ctl_apps, ctl_user, ctl_expire};
    devsim_with_json(req, resp, fns[req->arg]);
}

const struct devsim_route doauth_ctl_routes[] = {
    {"GET", "/_ctl/oauth", ctl_status},
    {"GET", "/_ctl/oauth/tokens", ctl_tokens},
    {"POST", "/_ctl/oauth", ctl_post, 0},
    {"POST", "/_ctl/oauth/apps", ctl_post, 1},
    {"POST", "/_ctl/oauth/users", ctl_post, 2},
    {"POST", "/_ctl/oauth/expire", ctl_post, 3},
    {NULL},
};
