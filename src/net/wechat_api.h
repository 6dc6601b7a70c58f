/* wechat_api: the WeChat API's protocol (providers.md §1.1, 1.2, 1.7): fetching an access
 * token (cgi-bin/token or cgi-bin/stable_token), creating a QR code ticket, reading a user,
 * and what WeChat's error codes mean. Base URL, AppID and secret from config (wechat_*); calls
 * through httpc.h within oauth_timeout; failures are logged with WeChat's errcode, never with
 * a token or the secret. Nothing here keeps state: the access token a call is made with is the
 * caller's (core/wechat_token.c keeps the shared one). A non-zero errcode is a failure
 * whatever the HTTP status. */
#ifndef DAOID_WECHAT_API_H
#define DAOID_WECHAT_API_H

#include <stdint.h>

struct arena;

enum wxapi_rc {
    WXAPI_OK,
    WXAPI_ERR,     /* network, HTTP, unreadable answer, no token, or a WeChat errcode (logged) */
    WXAPI_REFUSED, /* WeChat refused the access token (40001, 40014, 42001): not logged here;
                    * the caller gets another (see struct wechat_auth) */
};

/* 1 when WeChat is configured (wechat_app_id set). */
int wechat_api_enabled(void);
/* 1 when wechat_token_mode is "classic" (cgi-bin/token: each fetch replaces the token), 0 for
 * "stable" (cgi-bin/stable_token: the same token while it is valid). */
int wechat_api_classic(void);

/* Asks WeChat for an access token by the configured mode: *tok (in a) valid *ttl seconds.
 * force: stable_token's force_refresh (a new token even while the old one is valid; WeChat
 * limits how often). */
enum wxapi_rc wechat_api_fetch_token(struct arena *a, int force, char **tok, int64_t *ttl);

/* The access token an API call is made with, and what WeChat said about it. */
struct wechat_auth {
    const char *token; /* in: the access token */
    const char *call;  /* out: the call's name for logs ("cgi-bin/qrcode/create") */
    long long errcode; /* out: WeChat's errcode when the call answered WXAPI_REFUSED */
};

struct wechat_qr {
    char *ticket;           /* WeChat's ticket (pushes carry it) */
    char *url;              /* the QR code's content */
    int64_t expire_seconds; /* as WeChat granted */
};
/* qrcode/create: a temporary QR_STR_SCENE code for scene (1–64 chars) valid expire_seconds. */
enum wxapi_rc wechat_api_qrcode(struct arena *a, struct wechat_auth *auth, const char *scene,
                                int64_t expire_seconds, struct wechat_qr *out);

struct wechat_user {
    int subscribed; /* follows the service account now */
    char *openid;
    char *unionid; /* NULL without an Open Platform binding (or when not following) */
};
/* user/info for openid. */
enum wxapi_rc wechat_api_user_info(struct arena *a, struct wechat_auth *auth, const char *openid,
                                   struct wechat_user *out);

#endif
