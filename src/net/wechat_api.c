/* wechat_api: see wechat_api.h. Every call goes through httpc.h (one easy handle each, so no
 * shared state between threads); answers are JSON objects read with Jansson. */
#include "wechat_api.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "httpc.h"
#include "log.h"

#define WXAPI_BODY_MAX (64 * 1024)

int wechat_api_enabled(void)
{
    return cfg->wechat_app_id && *cfg->wechat_app_id;
}

int wechat_api_classic(void)
{
    return !strcmp(cfg->wechat_token_mode, "classic");
}

/* ---- HTTP ---- */

/* s percent-encoded, in a. */
static char *esc(struct arena *a, const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = arena_strdup(a, e ? e : "");
    curl_free(e);
    return out;
}

/* The configured API base without a trailing slash, in a. */
static char *base_url(struct arena *a)
{
    char *b = arena_strdup(a, cfg->wechat_api_url);
    size_t n = strlen(b);
    while (n && b[n - 1] == '/') b[--n] = 0;
    return b;
}

/* GETs url (or POSTs body as JSON) and parses the answer into *json (a new reference).
 * what names the call in logs: url itself may hold a token or the secret. */
static enum wxapi_rc http_json(struct arena *a, const char *url, const char *body, const char *what,
                               json_t **json)
{
    static const char *const json_body[] = {"Content-Type: application/json", NULL};
    int64_t timeout = cfg->oauth_timeout > 0 ? cfg->oauth_timeout : 10;
    struct httpc_req req = {.name = arena_printf(a, "wechat: %s", what),
                            .url = url,
                            .body = body,
                            .headers = body ? json_body : NULL,
                            .deadline_us = httpc_deadline(timeout),
                            .max_body = WXAPI_BODY_MAX};
    struct httpc_resp resp;
    if (httpc_call(a, &req, &resp) != HTTPC_OK) return WXAPI_ERR;
    if (resp.status != 200) {
        log_warnx("wechat: %s: HTTP %ld", what, resp.status);
        return WXAPI_ERR;
    }
    *json = httpc_json(resp.body, resp.len);
    if (!json_is_object(*json)) {
        json_decref(*json);
        log_warnx("wechat: %s: the answer is not a JSON object", what);
        return WXAPI_ERR;
    }
    return WXAPI_OK;
}

static long long errcode_of(json_t *j)
{
    json_t *e = json_object_get(j, "errcode");
    return json_is_integer(e) ? (long long)json_integer_value(e) : 0;
}

static void log_errcode(const char *what, json_t *j)
{
    const char *msg = json_string_value(json_object_get(j, "errmsg"));
    log_warnx("wechat: %s failed: errcode %lld (%.200s)", what, errcode_of(j), msg ? msg : "");
}

/* ---- fetching a token ---- */

static enum wxapi_rc fetch_classic(struct arena *a, json_t **j)
{
    const char *url =
        arena_printf(a, "%s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s",
                     base_url(a), esc(a, cfg->wechat_app_id), esc(a, cfg->wechat_app_secret));
    return http_json(a, url, NULL, "cgi-bin/token", j);
}

static enum wxapi_rc fetch_stable(struct arena *a, int force, json_t **j)
{
    json_t *req =
        json_pack("{s:s, s:s, s:s, s:b}", "grant_type", "client_credential", "appid",
                  cfg->wechat_app_id, "secret", cfg->wechat_app_secret, "force_refresh", force);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!body) return WXAPI_ERR;
    enum wxapi_rc rc = http_json(a, arena_printf(a, "%s/cgi-bin/stable_token", base_url(a)), body,
                                 "cgi-bin/stable_token", j);
    memset(body, 0, strlen(body)); /* it holds the secret */
    free(body);
    return rc;
}

enum wxapi_rc wechat_api_fetch_token(struct arena *a, int force, char **tok, int64_t *ttl)
{
    json_t *j = NULL;
    enum wxapi_rc rc = wechat_api_classic() ? fetch_classic(a, &j) : fetch_stable(a, force, &j);
    if (rc != WXAPI_OK) return rc;
    const char *t = json_string_value(json_object_get(j, "access_token"));
    json_t *e = json_object_get(j, "expires_in");
    if (errcode_of(j) || !t || !*t || !json_is_integer(e) || json_integer_value(e) <= 0) {
        log_errcode(wechat_api_classic() ? "cgi-bin/token" : "cgi-bin/stable_token", j);
        json_decref(j);
        return WXAPI_ERR;
    }
    *tok = arena_strdup(a, t);
    *ttl = (int64_t)json_integer_value(e);
    json_decref(j);
    return WXAPI_OK;
}

/* ---- calls with an access token ---- */

/* The errcodes by which WeChat says the access token is not (or no longer) valid. */
static int token_refused(long long e)
{
    return e == 40001 || e == 40014 || e == 42001;
}

/* Calls path (e.g. "/cgi-bin/user/info") with auth's access token and query (starting with '&'
 * or empty), POSTing body when not NULL. On WXAPI_OK *out is the answer (caller decrefs). */
static enum wxapi_rc api_call(struct arena *a, struct wechat_auth *auth, const char *path,
                              const char *query, const char *body, json_t **out)
{
    auth->call = path + 1;
    auth->errcode = 0;
    const char *url =
        arena_printf(a, "%s%s?access_token=%s%s", base_url(a), path, esc(a, auth->token), query);
    json_t *j = NULL;
    if (http_json(a, url, body, auth->call, &j) != WXAPI_OK) return WXAPI_ERR;
    long long e = errcode_of(j);
    if (e == 0) {
        *out = j;
        return WXAPI_OK;
    }
    enum wxapi_rc rc = WXAPI_ERR;
    if (token_refused(e)) {
        auth->errcode = e;
        rc = WXAPI_REFUSED;
    } else {
        log_errcode(auth->call, j);
    }
    json_decref(j);
    return rc;
}

/* ---- the calls ---- */

enum wxapi_rc wechat_api_qrcode(struct arena *a, struct wechat_auth *auth, const char *scene,
                                int64_t expire_seconds, struct wechat_qr *out)
{
    json_t *req =
        json_pack("{s:I, s:s, s:{s:{s:s}}}", "expire_seconds", (json_int_t)expire_seconds,
                  "action_name", "QR_STR_SCENE", "action_info", "scene", "scene_str", scene);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!body) return WXAPI_ERR;
    json_t *j = NULL;
    enum wxapi_rc rc = api_call(a, auth, "/cgi-bin/qrcode/create", "", body, &j);
    free(body);
    if (rc != WXAPI_OK) return rc;
    const char *ticket = json_string_value(json_object_get(j, "ticket"));
    const char *url = json_string_value(json_object_get(j, "url"));
    json_t *exp = json_object_get(j, "expire_seconds");
    if (!ticket || !*ticket || !url || !*url) {
        log_warnx("wechat: qrcode/create: no ticket or url in the answer");
        json_decref(j);
        return WXAPI_ERR;
    }
    out->ticket = arena_strdup(a, ticket);
    out->url = arena_strdup(a, url);
    out->expire_seconds = json_is_integer(exp) ? (int64_t)json_integer_value(exp) : expire_seconds;
    json_decref(j);
    return WXAPI_OK;
}

enum wxapi_rc wechat_api_user_info(struct arena *a, struct wechat_auth *auth, const char *openid,
                                   struct wechat_user *out)
{
    memset(out, 0, sizeof(*out));
    json_t *j = NULL;
    const char *q = arena_printf(a, "&openid=%s&lang=zh_CN", esc(a, openid));
    enum wxapi_rc rc = api_call(a, auth, "/cgi-bin/user/info", q, NULL, &j);
    if (rc != WXAPI_OK) return rc;
    const char *oid = json_string_value(json_object_get(j, "openid"));
    const char *uid = json_string_value(json_object_get(j, "unionid"));
    json_t *sub = json_object_get(j, "subscribe");
    if (!oid || strcmp(oid, openid) != 0) {
        log_warnx("wechat: user/info: the answer is about another openid");
        json_decref(j);
        return WXAPI_ERR;
    }
    out->subscribed = json_is_integer(sub) && json_integer_value(sub) == 1;
    out->openid = arena_strdup(a, oid);
    out->unionid = uid && *uid ? arena_strdup(a, uid) : NULL;
    json_decref(j);
    return WXAPI_OK;
}
