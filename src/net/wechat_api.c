/* wechat_api: see wechat_api.h for the token keeper's states and invariants. Every call is
 * one libcurl easy handle (no shared state between threads); answers are JSON read with
 * Jansson, and a non-zero errcode is a failure whatever the HTTP status. */
#include "wechat_api.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "log.h"
#include "provider_token.h"
#include "ratelimit.h"
#include "secrets.h"
#include "store.h"
#include "token.h"

#define WXAPI_BODY_MAX      (64 * 1024)
#define WXAPI_REFRESH_EARLY 240 /* before expiry; under stable_token's 300 s rotation */
#define WXAPI_FAIL_BACKOFF  5
#define WXAPI_WAIT_MS       5000
#define WXAPI_KEEPER_EVERY  10
#define WXAPI_FORCE_GAP     30         /* stable_token force_refresh: at least this far apart */
#define WXAPI_FORCE_PER_DAY 20         /* and at most this many a day */
#define WXAPI_DAY_OFFSET    (8 * 3600) /* WeChat's day: China Standard Time (UTC+8) */
#define WXAPI_CAP_BACKOFF   60         /* the day's forced refreshes used up: retry after */

static pthread_t keeper;
static pthread_mutex_t keeper_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t keeper_cv = PTHREAD_COND_INITIALIZER;
static int keeper_stopping, keeper_running;

int wechat_api_enabled(void)
{
    return cfg->wechat_app_id && *cfg->wechat_app_id;
}

static int classic_mode(void)
{
    return !strcmp(cfg->wechat_token_mode, "classic");
}

/* ---- HTTP ---- */

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct abuf *b = ud;
    if (b->len + size * n > WXAPI_BODY_MAX) return 0;
    abuf_add(b, p, size * n);
    return size * n;
}

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
    struct abuf resp;
    abuf_init(&resp, a, 1024);
    CURL *h = curl_easy_init();
    if (!h) return WXAPI_ERR;
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    long timeout = cfg->oauth_timeout > 0 ? (long)cfg->oauth_timeout : 10, status = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 5 ? timeout : 5L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "daoid");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    if (body) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        log_warnx("wechat: %s: %s", what, curl_easy_strerror(rc));
        return WXAPI_ERR;
    }
    if (status != 200) {
        log_warnx("wechat: %s: HTTP %ld", what, status);
        return WXAPI_ERR;
    }
    *json = json_loadb(resp.s, resp.len, 0, NULL);
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

/* Asks WeChat for a token: *tok (in a) and *ttl seconds. */
static enum wxapi_rc fetch(struct arena *a, int force, char **tok, int64_t *ttl)
{
    json_t *j = NULL;
    enum wxapi_rc rc = classic_mode() ? fetch_classic(a, &j) : fetch_stable(a, force, &j);
    if (rc != WXAPI_OK) return rc;
    const char *t = json_string_value(json_object_get(j, "access_token"));
    json_t *e = json_object_get(j, "expires_in");
    if (errcode_of(j) || !t || !*t || !json_is_integer(e) || json_integer_value(e) <= 0) {
        log_errcode(classic_mode() ? "cgi-bin/token" : "cgi-bin/stable_token", j);
        json_decref(j);
        return WXAPI_ERR;
    }
    *tok = arena_strdup(a, t);
    *ttl = (int64_t)json_integer_value(e);
    json_decref(j);
    return WXAPI_OK;
}

/* ---- the shared row and its lease ---- */

/* The token as stored: sealed with the provider-token key (provider_token.h), bound to this
 * AppID, so a copy of the database does not hand out a usable token. NULL without a key. */
static char *seal(struct arena *a, const char *tok)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    if (!key) return NULL;
    return provider_token_seal_with(a, key, id, "wechat", cfg->wechat_app_id, "access", tok);
}

static char *unseal(struct arena *a, const char *sealed)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    if (!key || !sealed || !*sealed) return NULL;
    return provider_token_open_with(a, key, id, "wechat", cfg->wechat_app_id, "access", sealed);
}

struct tok_row {
    char *token;  /* in clear; NULL when none, or when it does not open (another key) */
    char *sealed; /* as stored */
    int64_t expires_at, refresh_at;
    char *lease_owner; /* "" with lease_until ahead: a failed fetch's back-off, no fetch */
    int64_t lease_until;
};

static int row_read(struct st_conn *c, struct arena *a, struct tok_row *r)
{
    static const char sel[] = "SELECT token, expires_at, refresh_at, lease_owner, lease_until"
                              " FROM wechat_tokens WHERE app_id = ?";
    memset(r, 0, sizeof(*r));
    enum st_rc rc = st_one(c, a, sel, "s", "siisi", cfg->wechat_app_id, &r->sealed, &r->expires_at,
                           &r->refresh_at, &r->lease_owner, &r->lease_until);
    if (rc == ST_OK) r->token = unseal(a, r->sealed);
    if (rc != ST_NOTFOUND) return rc == ST_OK ? 0 : -1;
    /* first use on this database: the row every node's lease is taken on */
    if (st_exec(c, "INSERT INTO wechat_tokens (app_id) VALUES (?) ON CONFLICT DO NOTHING", "s",
                cfg->wechat_app_id) != ST_OK)
        return -1;
    rc = st_one(c, a, sel, "s", "siisi", cfg->wechat_app_id, &r->sealed, &r->expires_at,
                &r->refresh_at, &r->lease_owner, &r->lease_until);
    if (rc == ST_OK) r->token = unseal(a, r->sealed);
    return rc == ST_OK ? 0 : -1;
}

/* The stored token when WeChat refused it (invalidate() zeroed its expiry): a fetch that gets
 * it back must force a new one, whoever fetches. NULL otherwise. */
static const char *refused(const struct tok_row *r)
{
    return r->expires_at == 0 && r->token && *r->token ? r->token : NULL;
}

/* A token still usable at now (a few seconds of margin for the call it is fetched for). */
static int usable(const struct tok_row *r, int64_t now)
{
    return r->token && *r->token && now + 5 < r->expires_at;
}

/* 1 when owner took the lease, 0 when another holds it, -1 on a store error. */
static int lease_take(struct st_conn *c, const char *owner, int64_t now)
{
    if (st_exec(c,
                "UPDATE wechat_tokens SET lease_owner = ?, lease_until = ?"
                " WHERE app_id = ? AND lease_until <= ?",
                "sisi", owner, now + WECHAT_TOKEN_LEASE, cfg->wechat_app_id, now) != ST_OK)
        return -1;
    return st_changes(c) == 1;
}

/* Stores the fetched token (sealed) and ends the lease. 0 or -1. */
static int lease_store(struct st_conn *c, const char *owner, const char *sealed, int64_t ttl)
{
    int64_t now = time(NULL);
    int64_t early = ttl > 2 * WXAPI_REFRESH_EARLY ? WXAPI_REFRESH_EARLY : ttl / 2;
    if (st_exec(c,
                "UPDATE wechat_tokens SET token = ?, expires_at = ?, refresh_at = ?,"
                " lease_owner = '', lease_until = 0, fetches = fetches + 1, updated_at = ?"
                " WHERE app_id = ? AND lease_owner = ?",
                "siiiss", sealed, now + ttl, now + ttl - early, now, cfg->wechat_app_id,
                owner) != ST_OK) {
        log_warnx("wechat: cannot store the access token");
        return -1;
    }
    return 0;
}

/* Ends owner's lease after a failed fetch with a back-off until until: nobody fetches before
 * then, and callers that find it do not wait for a fetch that is not happening. */
static void lease_fail(struct st_conn *c, const char *owner, int64_t until)
{
    st_exec(c,
            "UPDATE wechat_tokens SET lease_owner = '', lease_until = ?"
            " WHERE app_id = ? AND lease_owner = ?",
            "iss", until, cfg->wechat_app_id, owner);
}

/* May this node force a new stable token now (invariant 6)? 1 yes (counted), 0 no (*retry_at:
 * when to try again; logged), -1 on a store error. The gap is one row whose window_start is
 * the last forced refresh, moved only when the gap has passed (one conditional upsert: one
 * winner among nodes); the day's count is a fixed-window counter over WeChat's day. */
static int force_allowed(struct st_conn *c, struct arena *a, int64_t now, int64_t *retry_at)
{
    const char *gap_key = arena_printf(a, "wechat_force_gap:%s", cfg->wechat_app_id);
    int64_t last = 0;
    enum st_rc rc =
        st_one(c, NULL,
               "INSERT INTO rate_counters (key, window_start, count, expires_at)"
               " VALUES (?, ?, 1, ?) ON CONFLICT (key) DO UPDATE SET"
               " window_start = excluded.window_start, count = rate_counters.count + 1,"
               " expires_at = excluded.expires_at WHERE rate_counters.window_start <= ?"
               " RETURNING window_start",
               "siii", "i", gap_key, now, now + WXAPI_FORCE_GAP, now - WXAPI_FORCE_GAP, &last);
    if (rc == ST_NOTFOUND) { /* the last one is too recent: back off until the gap has passed */
        log_warnx("wechat: the token was refused again, but the last forced refresh was less"
                  " than %ds ago",
                  WXAPI_FORCE_GAP);
        if (st_one(c, NULL, "SELECT window_start FROM rate_counters WHERE key = ?", "s", "i",
                   gap_key, &last) == ST_OK &&
            last + WXAPI_FORCE_GAP > now)
            *retry_at = last + WXAPI_FORCE_GAP;
        return 0;
    }
    if (rc != ST_OK) return -1;
    const struct rate day = {WXAPI_FORCE_PER_DAY, 86400};
    enum rl_rc rl = ratelimit_hit(c, arena_printf(a, "wechat_force_day:%s", cfg->wechat_app_id),
                                  &day, now + WXAPI_DAY_OFFSET);
    if (rl == RL_ERR) return -1;
    if (rl == RL_DENY) {
        log_warnx("wechat: the token was refused, but the %d forced refreshes of the day are used"
                  " up",
                  WXAPI_FORCE_PER_DAY);
        *retry_at = now + WXAPI_CAP_BACKOFF;
        return 0;
    }
    return 1;
}

/* Fetches and stores a token under the lease; bad is the token just reported invalid (or
 * NULL). 1 (and *tok, *sealed) fetched, 0 the lease is held elsewhere, -1 failed. */
static int refresh(struct st_conn *c, struct arena *a, int64_t now, const char *bad, char **tok,
                   char **sealed)
{
    char owner[TOKEN_LEN + 1];
    token_new(owner);
    int got = lease_take(c, owner, now);
    if (got <= 0) return got;
    int64_t ttl = 0, retry_at = now + WXAPI_FAIL_BACKOFF;
    int force = 0;
    if (fetch(a, 0, tok, &ttl) != WXAPI_OK) goto fail;
    if (bad && !strcmp(*tok, bad) && !classic_mode()) {
        /* stable_token handed back the token WeChat refused: rotate it, if allowed now */
        force = force_allowed(c, a, now, &retry_at);
        if (force <= 0) goto fail;
        if (fetch(a, 1, tok, &ttl) != WXAPI_OK) goto fail;
    }
    *sealed = seal(a, *tok);
    if (!*sealed) {
        log_warnx("wechat: no key to seal the access token with");
        goto fail;
    }
    if (lease_store(c, owner, *sealed, ttl) != 0) goto fail;
    log_info("wechat: access token fetched (%s%s, valid %llds)",
             classic_mode() ? "cgi-bin/token" : "stable_token", force ? ", forced" : "",
             (long long)ttl);
    return 1;
fail:
    lease_fail(c, owner, retry_at);
    return -1;
}

int wechat_api_keep(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct arena *a = arena_new();
    struct tok_row r;
    int rc = -1;
    char *tok = NULL, *sealed = NULL;
    if (row_read(c, a, &r) == 0)
        rc = usable(&r, now) && now < r.refresh_at ? 0
                                                   : refresh(c, a, now, refused(&r), &tok, &sealed);
    arena_free(a);
    return rc;
}

/* The token to call with (and *sealed, its stored form); bad: the one just refused (NULL for
 * none). */
static char *token_for(struct arena *a, int64_t now, const char *bad, char **sealed)
{
    struct st_conn *c = st_get();
    struct tok_row r;
    if (!c || row_read(c, a, &r) != 0) return NULL;
    *sealed = r.sealed;
    if (usable(&r, now)) return r.token;
    char *tok = NULL;
    int got = refresh(c, a, now, bad ? bad : refused(&r), &tok, sealed);
    if (got == 1) return tok;
    if (got < 0) return NULL;
    for (int waited = 0; waited < WXAPI_WAIT_MS; waited += 100) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        if (row_read(c, a, &r) != 0) return NULL;
        *sealed = r.sealed;
        if (usable(&r, time(NULL))) return r.token;
        if (!*r.lease_owner && r.lease_until > time(NULL)) return NULL; /* a back-off */
    }
    log_warnx("wechat: no access token: another node's fetch did not finish in time");
    return NULL;
}

char *wechat_api_token(struct arena *a, int64_t now)
{
    char *sealed = NULL;
    return token_for(a, now, NULL, &sealed);
}

/* Forgets the token stored as sealed if it is still the stored one (invariant 3). */
static void invalidate(const char *sealed)
{
    struct st_conn *c = st_get();
    if (c)
        st_exec(c,
                "UPDATE wechat_tokens SET expires_at = 0, refresh_at = 0"
                " WHERE app_id = ? AND token = ?",
                "ss", cfg->wechat_app_id, sealed);
}

static int token_refused(long long e)
{
    return e == 40001 || e == 40014 || e == 42001;
}

/* Calls path (e.g. "/cgi-bin/user/info") with the access token and query (starting with '&'
 * or empty), POSTing body when not NULL. On WXAPI_OK *out is the answer (caller decrefs). */
static enum wxapi_rc api_call(struct arena *a, const char *path, const char *query,
                              const char *body, json_t **out)
{
    const char *bad = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *sealed = NULL, *tok = token_for(a, time(NULL), bad, &sealed);
        if (!tok) return WXAPI_ERR;
        const char *url =
            arena_printf(a, "%s%s?access_token=%s%s", base_url(a), path, esc(a, tok), query);
        json_t *j = NULL;
        if (http_json(a, url, body, path + 1, &j) != WXAPI_OK) return WXAPI_ERR;
        long long e = errcode_of(j);
        if (e == 0) {
            *out = j;
            return WXAPI_OK;
        }
        if (token_refused(e) && attempt == 0) {
            log_warnx("wechat: %s: errcode %lld, refreshing the access token", path + 1, e);
            invalidate(sealed);
            bad = tok;
            json_decref(j);
            continue;
        }
        log_errcode(path + 1, j);
        json_decref(j);
        return WXAPI_ERR;
    }
    return WXAPI_ERR;
}

/* ---- the calls ---- */

enum wxapi_rc wechat_api_qrcode(struct arena *a, const char *scene, int64_t expire_seconds,
                                struct wechat_qr *out)
{
    json_t *req =
        json_pack("{s:I, s:s, s:{s:{s:s}}}", "expire_seconds", (json_int_t)expire_seconds,
                  "action_name", "QR_STR_SCENE", "action_info", "scene", "scene_str", scene);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!body) return WXAPI_ERR;
    json_t *j = NULL;
    enum wxapi_rc rc = api_call(a, "/cgi-bin/qrcode/create", "", body, &j);
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

enum wxapi_rc wechat_api_user_info(struct arena *a, const char *openid, struct wechat_user *out)
{
    memset(out, 0, sizeof(*out));
    json_t *j = NULL;
    const char *q = arena_printf(a, "&openid=%s&lang=zh_CN", esc(a, openid));
    enum wxapi_rc rc = api_call(a, "/cgi-bin/user/info", q, NULL, &j);
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

/* ---- the keeper thread ---- */

static void *keeper_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&keeper_mu);
    while (!keeper_stopping) {
        pthread_mutex_unlock(&keeper_mu);
        wechat_api_keep(time(NULL));
        pthread_mutex_lock(&keeper_mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += WXAPI_KEEPER_EVERY;
        while (!keeper_stopping && pthread_cond_timedwait(&keeper_cv, &keeper_mu, &ts) == 0) {
        }
    }
    pthread_mutex_unlock(&keeper_mu);
    st_drop();
    return NULL;
}

int wechat_api_start(void)
{
    if (!wechat_api_enabled()) return 0;
    keeper_stopping = 0;
    if (pthread_create(&keeper, NULL, keeper_main, NULL) != 0) return -1;
    keeper_running = 1;
    return 0;
}

void wechat_api_stop(void)
{
    if (!keeper_running) return;
    pthread_mutex_lock(&keeper_mu);
    keeper_stopping = 1;
    pthread_cond_signal(&keeper_cv);
    pthread_mutex_unlock(&keeper_mu);
    pthread_join(keeper, NULL);
    keeper_running = 0;
}
