/* wechat_token: the WeChat access token, shared by every node, and the keeper thread that
 * refreshes it; the API calls daoid makes with it (wechat_api.h speaks the protocol).
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
 *     (classic mode), so uncoordinated fetches would break the other nodes' calls. A caller
 *     that gets the lease after another caller's token landed (it read the row before) uses
 *     that token and hands the lease back.
 *  2. Requests never fetch while a valid token is stored (no fetch per QR code); the keeper
 *     thread refreshes before expiry (refresh_at), so requests normally only read.
 *  3. A token reported invalid is dropped only while it is still the stored one (compare and
 *     set), so one bad answer causes one refresh, not one per node. It stays stored, marked
 *     refused (expires_at 0), so that whichever caller or node fetches next knows it is bad.
 *     A call it was refused for is made once more, with the new token.
 *  4. Mode "stable" (default) uses cgi-bin/stable_token, which returns the same token while it
 *     is valid; force_refresh is used only when it hands back a token reported invalid.
 *     Mode "classic" uses cgi-bin/token.
 *  5. The token is stored sealed (seal.h) with the service's token key (secrets.h), bound to
 *     the AppID; one that does not open counts as none, and is fetched again.
 *  6. force_refresh keeps WeChat's limits across all nodes (providers.md §1.1): at least 30 s
 *     between two, at most 20 a day (WeChat's day, UTC+8), counted in the store
 *     (rate_counters "wechat_force_gap:APPID", "wechat_force_day:APPID"). A refused token
 *     that may not be forced yet is not stored again: the fetch fails with a back-off (the
 *     lease, ownerless, until the gap has passed), during which calls fail at once instead
 *     of waiting. */
#ifndef DAOID_WECHAT_TOKEN_H
#define DAOID_WECHAT_TOKEN_H

#include <stdint.h>

#include "wechat_api.h"

struct arena;

/* A fetch holds the lease for at most its calls to WeChat (2 × oauth_timeout) and this many
 * seconds for the store around them; a request waits for another caller's fetch at most
 * oauth_timeout (the outbound deadline), then fails with an error it can show. */
#define WECHAT_TOKEN_LEASE_SLACK 5

/* Starts / stops the keeper thread (nothing when WeChat is not configured). 0 or -1. */
int wechat_token_start(void);
void wechat_token_stop(void);
/* One round of the keeper at now: fetches a token under the lease when none is valid or
 * refresh_at has come. 1 fetched, 0 nothing to do (or another node holds the lease), -1
 * failed. */
int wechat_token_keep(int64_t now);
/* A valid access token (in a): the stored one, or fetched under the lease when there is none,
 * or the one another node is fetching (waited for until that fetch ends, its lease runs out or
 * oauth_timeout has passed; a back-off fails at once). NULL on failure. */
char *wechat_token_get(struct arena *a, int64_t now);

/* wechat_api_qrcode and wechat_api_user_info with the shared token (invariant 3 when WeChat
 * refuses it). WXAPI_OK or WXAPI_ERR (logged). */
enum wxapi_rc wechat_token_qrcode(struct arena *a, const char *scene, int64_t expire_seconds,
                                  struct wechat_qr *out);
enum wxapi_rc wechat_token_user_info(struct arena *a, const char *openid, struct wechat_user *out);

#endif
