/* wechat_token: see wechat_token.h for the access token's states and invariants. The token is
 * fetched by wechat_api.c (the protocol); this module decides when, under the lease in the
 * store (the wechat_tokens row, db/wechat_tokens.h), and keeps it sealed (seal.h). */
#include "wechat_token.h"

#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "rate_counters.h"
#include "ratelimit.h"
#include "seal.h"
#include "secrets.h"
#include "store.h"
#include "token.h"
#include "wechat_tokens.h"
#include "worker.h"

#define WXTOK_REFRESH_EARLY 240 /* before expiry; under stable_token's 300 s rotation */
#define WXTOK_FAIL_BACKOFF  5
#define WXTOK_KEEPER_EVERY  10
#define WXTOK_FORCE_GAP     30         /* stable_token force_refresh: at least this far apart */
#define WXTOK_FORCE_PER_DAY 20         /* and at most this many a day */
#define WXTOK_DAY_OFFSET    (8 * 3600) /* WeChat's day: China Standard Time (UTC+8) */
#define WXTOK_CAP_BACKOFF   60         /* the day's forced refreshes used up: retry after */

/* ---- the shared row and its lease ---- */

/* The token as stored (open 0: text is the token), or the token (open 1: text is the stored
 * form): sealed with the service's token key (seal.h, secrets.h) for this AppID, so a copy of
 * the database does not hand out a usable token. NULL without a key, or when it does not open. */
static char *sealing(struct arena *a, int open, const char *text)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    if (!text || !*text) return NULL;
    return open ? seal_open(a, key, id, "wechat", cfg->wechat_app_id, "access", text)
                : seal_text(a, key, id, "wechat", cfg->wechat_app_id, "access", text);
}

struct tok_row {
    char *token;  /* in clear; NULL when none, or when it does not open (another key) */
    char *sealed; /* as stored */
    int64_t expires_at, refresh_at;
    char *lease_owner; /* "" with lease_until ahead: a failed fetch's back-off, no fetch */
    int64_t lease_until;
};

/* The row as stored, with the token opened (r->token). 0 or -1. */
static int row_fetch(struct st_conn *c, struct arena *a, struct tok_row *r, enum st_rc *rc)
{
    struct wechat_tokens_row w;
    memset(r, 0, sizeof(*r));
    *rc = wechat_tokens_get(c, a, cfg->wechat_app_id, &w);
    if (*rc != ST_OK) return *rc == ST_NOTFOUND ? 0 : -1;
    *r = (struct tok_row){sealing(a, 1, w.token), w.token,       w.expires_at,
                          w.refresh_at,           w.lease_owner, w.lease_until};
    return 0;
}

static int row_read(struct st_conn *c, struct arena *a, struct tok_row *r)
{
    enum st_rc rc;
    if (row_fetch(c, a, r, &rc) != 0) return -1;
    if (rc == ST_OK) return 0;
    /* first use on this database: the row every node's lease is taken on */
    if (wechat_tokens_create(c, cfg->wechat_app_id) != 0) return -1;
    return row_fetch(c, a, r, &rc) == 0 && rc == ST_OK ? 0 : -1;
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

/* The outbound deadline: one call to WeChat ends within this many seconds (wechat_api.c). */
static int64_t call_seconds(void)
{
    return cfg->oauth_timeout > 0 ? cfg->oauth_timeout : 10;
}

/* How long a fetch holds the lease at most: its calls to WeChat (two when it must force a new
 * stable token) and WECHAT_TOKEN_LEASE_SLACK for the store around them. A node that dies while
 * fetching frees the lease after this; a slow one never loses it before its calls have ended. */
static int64_t lease_seconds(void)
{
    return 2 * call_seconds() + WECHAT_TOKEN_LEASE_SLACK;
}

/* 1 when owner took the lease, 0 when another holds it, -1 on a store error. */
static int lease_take(struct st_conn *c, const char *owner, int64_t now)
{
    return wechat_tokens_lease_take(c, cfg->wechat_app_id, owner, now, now + lease_seconds());
}

/* Stores the fetched token (sealed) and ends the lease. 0 or -1. */
static int lease_store(struct st_conn *c, const char *owner, const char *sealed, int64_t ttl)
{
    int64_t now = time(NULL);
    int64_t early = ttl > 2 * WXTOK_REFRESH_EARLY ? WXTOK_REFRESH_EARLY : ttl / 2;
    if (wechat_tokens_lease_store(c, cfg->wechat_app_id, owner, sealed, now + ttl,
                                  now + ttl - early, now) != 0) {
        log_warnx("wechat: cannot store the access token");
        return -1;
    }
    return 0;
}

/* Ends owner's lease after a failed fetch with a back-off until until: nobody fetches before
 * then, and callers that find it do not wait for a fetch that is not happening. */
static void lease_fail(struct st_conn *c, const char *owner, int64_t until)
{
    wechat_tokens_lease_end(c, cfg->wechat_app_id, owner, until);
}

/* May this node force a new stable token now (invariant 6)? 1 yes (counted), 0 no (*retry_at:
 * when to try again; logged), -1 on a store error. The gap is one row whose window_start is
 * the last forced refresh, moved only when the gap has passed (one conditional upsert: one
 * winner among nodes); the day's count is the current window's count of a counter over
 * WeChat's day. */
static int force_allowed(struct st_conn *c, struct arena *a, int64_t now, int64_t *retry_at)
{
    const char *gap_key = arena_printf(a, "wechat_force_gap:%s", cfg->wechat_app_id);
    int spaced = rate_counters_spaced(c, gap_key, now, WXTOK_FORCE_GAP);
    if (spaced == 0) { /* the last one is too recent: back off until the gap has passed */
        log_warnx("wechat: the token was refused again, but the last forced refresh was less"
                  " than %ds ago",
                  WXTOK_FORCE_GAP);
        int64_t last = rate_counters_start(c, gap_key);
        if (last > 0 && last + WXTOK_FORCE_GAP > now) *retry_at = last + WXTOK_FORCE_GAP;
        return 0;
    }
    if (spaced < 0) return -1;
    /* WeChat's quota is per calendar day: a fixed window's count, not a sliding estimate */
    const char *day_key = arena_printf(a, "wechat_force_day:%s", cfg->wechat_app_id);
    int64_t day_start = ratelimit_window(now + WXTOK_DAY_OFFSET, 86400), day_span = 86400;
    struct rate_count day;
    if (rate_counters_hit(c, 1, &day_key, &day_start, &day_span, &day) != 0) return -1;
    if (day.count > WXTOK_FORCE_PER_DAY) {
        log_warnx("wechat: the token was refused, but the %d forced refreshes of the day are used"
                  " up",
                  WXTOK_FORCE_PER_DAY);
        *retry_at = now + WXTOK_CAP_BACKOFF;
        return 0;
    }
    return 1;
}

/* 1 when another caller stored a usable token since the caller read seen (the stored form
 * then, or NULL): read again under the lease, before fetching. */
static int stored_since(struct st_conn *c, struct arena *a, int64_t now, const char *seen)
{
    struct tok_row r;
    if (row_read(c, a, &r) != 0 || !usable(&r, now)) return 0;
    return !seen || strcmp(r.sealed, seen) != 0;
}

/* Fetches and stores a token under the lease; bad is the token just reported invalid (or
 * NULL), seen the stored form the caller read. 1 (and *tok, *sealed) fetched, 0 the lease is
 * held elsewhere (or another caller's fetch landed since seen was read), -1 failed. */
static int refresh(struct st_conn *c, struct arena *a, int64_t now, const char *bad,
                   const char *seen, char **tok, char **sealed)
{
    char owner[TOKEN_LEN + 1];
    token_new(owner);
    int got = lease_take(c, owner, now);
    if (got <= 0) return got;
    if (stored_since(c, a, now, seen)) { /* invariant 1: one fetch however many callers race */
        lease_fail(c, owner, 0);
        return 0;
    }
    int64_t ttl = 0, retry_at = now + WXTOK_FAIL_BACKOFF;
    int force = 0;
    if (wechat_api_fetch_token(a, 0, tok, &ttl) != WXAPI_OK) goto fail;
    if (bad && !strcmp(*tok, bad) && !wechat_api_classic()) {
        /* stable_token handed back the token WeChat refused: rotate it, if allowed now */
        force = force_allowed(c, a, now, &retry_at);
        if (force <= 0) goto fail;
        if (wechat_api_fetch_token(a, 1, tok, &ttl) != WXAPI_OK) goto fail;
    }
    *sealed = sealing(a, 0, *tok);
    if (!*sealed) {
        log_warnx("wechat: no key to seal the access token with");
        goto fail;
    }
    if (lease_store(c, owner, *sealed, ttl) != 0) goto fail;
    metrics_inc(MET_WECHAT_TOKEN, "ok", NULL);
    log_info("wechat: access token fetched (%s%s, valid %llds)",
             wechat_api_classic() ? "cgi-bin/token" : "stable_token", force ? ", forced" : "",
             (long long)ttl);
    return 1;
fail:
    metrics_inc(MET_WECHAT_TOKEN, "error", NULL);
    lease_fail(c, owner, retry_at);
    return -1;
}

int wechat_token_keep(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct arena *a = arena_new();
    struct tok_row r;
    int rc = -1;
    char *tok = NULL, *sealed = NULL;
    if (row_read(c, a, &r) == 0)
        rc = usable(&r, now) && now < r.refresh_at
                 ? 0
                 : refresh(c, a, now, refused(&r), r.sealed, &tok, &sealed);
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
    int got = refresh(c, a, now, bad ? bad : refused(&r), r.sealed, &tok, sealed);
    if (got == 1) return tok;
    if (got < 0) return NULL;
    /* Another caller holds the lease: its fetch ends in a stored token or a back-off, or its
     * lease runs out. A request waits for it no longer than one call to WeChat may take (the
     * outbound deadline, oauth_timeout), as if it had made the call itself. Each look first,
     * so a back-off already recorded fails at once rather than after a nap. */
    int64_t give_up = time(NULL) + call_seconds();
    for (;;) {
        if (row_read(c, a, &r) != 0) return NULL;
        *sealed = r.sealed;
        int64_t t = time(NULL);
        if (usable(&r, t)) return r.token;
        if (!*r.lease_owner && r.lease_until > t) return NULL; /* a back-off */
        if (t >= r.lease_until || t >= give_up) break;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    log_warnx("wechat: no access token: another node's fetch ended without one");
    return NULL;
}

char *wechat_token_get(struct arena *a, int64_t now)
{
    char *sealed = NULL;
    return token_for(a, now, NULL, &sealed);
}

/* Forgets the token stored as sealed if it is still the stored one (invariant 3). */
static void invalidate(const char *sealed)
{
    struct st_conn *c = st_get();
    if (c) wechat_tokens_invalidate(c, cfg->wechat_app_id, sealed);
}

/* ---- calls with the kept token ---- */

/* One API call's tries: the first with the kept token, a second with a new one when WeChat
 * refused the first (invariant 3). */
struct tries {
    int n;
    const char *bad; /* the token WeChat refused, or NULL */
    char *sealed;    /* the stored form of auth.token */
    struct wechat_auth auth;
};

/* Sets t->auth.token for the next try after the last one's outcome prev: 1, or 0 when there is
 * none (no token, or no try left). */
static int next_try(struct arena *a, struct tries *t, enum wxapi_rc prev)
{
    if (t->n > 0) {
        if (prev != WXAPI_REFUSED) return 0;
        if (t->n > 1) {
            log_warnx("wechat: %s failed: errcode %lld (a new access token too)", t->auth.call,
                      t->auth.errcode);
            return 0;
        }
        log_warnx("wechat: %s: errcode %lld, refreshing the access token", t->auth.call,
                  t->auth.errcode);
        invalidate(t->sealed);
        t->bad = t->auth.token;
    }
    t->n++;
    t->auth.token = token_for(a, time(NULL), t->bad, &t->sealed);
    return t->auth.token != NULL;
}

enum wxapi_rc wechat_token_qrcode(struct arena *a, const char *scene, int64_t expire_seconds,
                                  struct wechat_qr *out)
{
    struct tries t = {0};
    enum wxapi_rc rc = WXAPI_ERR;
    while (next_try(a, &t, rc)) rc = wechat_api_qrcode(a, &t.auth, scene, expire_seconds, out);
    return rc == WXAPI_OK ? WXAPI_OK : WXAPI_ERR;
}

enum wxapi_rc wechat_token_user_info(struct arena *a, const char *openid, struct wechat_user *out)
{
    struct tries t = {0};
    enum wxapi_rc rc = WXAPI_ERR;
    while (next_try(a, &t, rc)) rc = wechat_api_user_info(a, &t.auth, openid, out);
    return rc == WXAPI_OK ? WXAPI_OK : WXAPI_ERR;
}

/* ---- the keeper thread ---- */

static int keeper_round(void)
{
    wechat_token_keep(time(NULL));
    return 0;
}

static struct worker keeper = WORKER("wechat token", WXTOK_KEEPER_EVERY, keeper_round, st_drop);

int wechat_token_start(void)
{
    return wechat_api_enabled() ? worker_start(&keeper) : 0;
}

void wechat_token_stop(void)
{
    worker_stop(&keeper);
}
