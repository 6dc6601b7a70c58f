/* wechat_api: the WeChat API client (providers.md §1.1, 1.2, 1.7) and the access token
 * keeper. Base URL, AppID and secret from config (wechat_*); libcurl with oauth_timeout;
 * failures are logged with WeChat's errcode, never with a token or the secret.
 *
 * The access token lives in the store (wechat_tokens), shared by every node:
 *   none/expired ──lease taken──▶ fetching ──ok──▶ valid
 *   valid ──now ≥ refresh_at (keeper), lease taken──▶ fetching
 *   fetching ──failed──▶ back-off: nobody fetches for 5 s (or until a force is allowed)
 *   valid ──an API call answers 40001/40014/42001 with it──▶ expired
 *
 * Invariants:
 *  1. At most one node fetches at a time: fetching needs the lease, which one conditional
 *     UPDATE (lease_until <= now) hands to one caller. A fetch invalidates the previous token
 *     (classic mode), so uncoordinated fetches would break the other nodes' calls.
 *  2. Requests never fetch while a valid token is stored (no fetch per QR code); the keeper
 *     thread refreshes before expiry (refresh_at), so requests normally only read.
 *  3. A token reported invalid is dropped only while it is still the stored one (compare and
 *     set), so one bad answer causes one refresh, not one per node. It stays stored, marked
 *     refused (expires_at 0), so that whichever caller or node fetches next knows it is bad.
 *  4. Mode "stable" (default) uses cgi-bin/stable_token, which returns the same token while it
 *     is valid; force_refresh is used only when it hands back a token reported invalid.
 *     Mode "classic" uses cgi-bin/token.
 *  5. The token is stored sealed with the provider-token key (secrets.h, provider_token.h),
 *     bound to the AppID; one that does not open counts as none, and is fetched again.
 *  6. force_refresh keeps WeChat's limits across all nodes (providers.md §1.1): at least 30 s
 *     between two, at most 20 a day (WeChat's day, UTC+8), counted in the store
 *     (rate_counters "wechat_force_gap:APPID", "wechat_force_day:APPID"). A refused token
 *     that may not be forced yet is not stored again: the fetch fails with a back-off (the
 *     lease, ownerless, until the gap has passed), during which calls fail at once instead
 *     of waiting. */
#ifndef DAOID_WECHAT_API_H
#define DAOID_WECHAT_API_H

#include <stdint.h>

struct arena;

#define WECHAT_TOKEN_LEASE 20 /* seconds a fetcher holds the lease at most */

enum wxapi_rc {
    WXAPI_OK,
    WXAPI_ERR, /* network, HTTP, unreadable answer, no token, or a WeChat errcode (logged) */
};

/* 1 when WeChat is configured (wechat_app_id set). */
int wechat_api_enabled(void);
/* Starts / stops the keeper thread (nothing when WeChat is not configured). 0 or -1. */
int wechat_api_start(void);
void wechat_api_stop(void);
/* One round of the keeper at now: fetches a token under the lease when none is valid or
 * refresh_at has come. 1 fetched, 0 nothing to do (or another node holds the lease), -1
 * failed. */
int wechat_api_keep(int64_t now);
/* A valid access token (in a): the stored one, or fetched under the lease when there is none,
 * or the one another node is fetching (waited for, a few seconds at most). NULL on failure. */
char *wechat_api_token(struct arena *a, int64_t now);

struct wechat_qr {
    char *ticket;           /* WeChat's ticket (pushes carry it) */
    char *url;              /* the QR code's content */
    int64_t expire_seconds; /* as WeChat granted */
};
/* qrcode/create: a temporary QR_STR_SCENE code for scene (1–64 chars) valid expire_seconds. */
enum wxapi_rc wechat_api_qrcode(struct arena *a, const char *scene, int64_t expire_seconds,
                                struct wechat_qr *out);

struct wechat_user {
    int subscribed; /* follows the service account now */
    char *openid;
    char *unionid; /* NULL without an Open Platform binding (or when not following) */
};
/* user/info for openid. */
enum wxapi_rc wechat_api_user_info(struct arena *a, const char *openid, struct wechat_user *out);

#endif
