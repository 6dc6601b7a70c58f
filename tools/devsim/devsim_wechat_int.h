/* devsim_wechat_int: what the parts of the fake WeChat platform share (devsim_wechat.c: the
 * API, helpers and set-up; devsim_wechat_push.c: pushes to daoid's callback;
 * devsim_wechat_phone.c: the phone page and /_ctl/wechat). Private to those three files. */
#ifndef DEVSIM_WECHAT_INT_H
#define DEVSIM_WECHAT_INT_H

#include <pthread.h>
#include <stdio.h>

#include "devsim_http.h"
#include "devsim_util.h"

#define DW_MAX_TICKETS 256
#define DW_MAX_USERS   1024
#define DW_UNAVAILABLE "该公众号暂时无法提供服务，请稍后再试"

enum dw_mode { DW_PLAIN, DW_SAFE, DW_COMPAT };

struct dw_token {
    char tok[80];
    long long expires;
};

struct dw_ticket {
    char code[32];   /* the QR URL's last part */
    char ticket[80]; /* WeChat's ticket */
    char *scene;     /* scene_str, or the scene_id in decimal */
    char *url;
    long long created, expires;
    unsigned scans;
};

struct dw_user {
    char *name;
    char openid[40], unionid[40];
    int has_unionid, following;
    long long last_time; /* CreateTime of the user's last push */
};

/* One push and how it went; strings malloc'd. */
struct dw_push {
    long long n;
    char *action, *user, *note;
    char *url, *body;                     /* as sent (first attempt) */
    char *callback, *ts, *nonce, *openid; /* to rebuild the query (bad signature) */
    char *encrypt_type, *msg_signature;
    int attempts, sent;   /* sent: something was pushed */
    long status;          /* HTTP status of the answered attempt, 0: none */
    char *answer, *reply; /* raw answer; the chat's text (NULL: none) */
    int reply_ok;
};

/* What a test asks the next push to get wrong, as an attacker's copy would (POST
 * /_ctl/wechat/push): skew: seconds added to its timestamp (a stale push); reuse_nonce: the
 * timestamp, nonce and so the signature of the last push sent, with this push's body (a
 * leaked query replayed); plaintext: sent in plaintext whatever the mode; no_ticket: a scan
 * without <Ticket>. All zero: a push as WeChat sends it. */
struct dw_forge {
    long long skew;
    int reuse_nonce, plaintext, no_ticket;
};

/* The simulator's whole state, defined in devsim_wechat.c. Read and written only with mu held;
 * the strings, users and pushes are owned by it and freed by dwechat_free(). */
struct dwechat_state {
    pthread_mutex_t mu;
    char *appid, *secret, *token, *aes_key, *callback, *gh;
    enum dw_mode mode;
    long push_timeout_ms;
    int tries;
    long long token_ttl;
    struct dw_token classic, classic_prev, stable;
    long long classic_prev_until;
    struct dw_ticket tickets[DW_MAX_TICKETS];
    size_t nticket; /* tickets issued in all; the last DW_MAX_TICKETS are kept */
    struct dw_user *users;
    size_t nusers;
    struct dw_push last;      /* the phone's last action, shown on the page */
    struct dw_push last_sent; /* the last push sent, for "again" and "bad signature" */
    long long refuse_code;    /* the errcode the next refuse_left API calls get */
    int refuse_left;
    unsigned long long n_token, n_stable, n_forced, n_qr, n_info, n_attempts, n_pushes;
    int inited;
};
extern struct dwechat_state dwechat_s;

/* ---- devsim_wechat.c: helpers (they abort when memory runs out) ---- */
/* Frees *dst and sets it to a copy of s. */
void dwechat_set_str(char **dst, const char *s);
/* The time in Unix seconds. */
long long dwechat_now(void);

/* A fresh access token in t, valid for dwechat_s.token_ttl from now. Under dwechat_s.mu. */
void dwechat_token_new(struct dw_token *t, long long now);
/* The QR code whose code or URL is s (NULL when none; it points into dwechat_s). Under
 * dwechat_s.mu. */
struct dw_ticket *dwechat_ticket_find(const char *s);
/* The user called name, made on first use (with a unionid when unionid); it points into
 * dwechat_s. Under dwechat_s.mu. */
struct dw_user *dwechat_user_get(const char *name, int unionid);

/* ---- devsim_wechat_push.c ---- */

/* Frees p's strings and zeroes it. */
void dwechat_push_free(struct dw_push *p);
/* Runs an action of the phone (forged as f says; NULL: as WeChat would); the result stays in
 * dwechat_s.last. -1 when it could not start. Takes dwechat_s.mu itself. */
int dwechat_phone_do(const char *action, const char *user, const char *qr, int unionid,
                     const struct dw_forge *f);

/* ---- devsim_wechat_phone.c ---- */

/* The push mode called s ("plain", "safe", "compat"), or -1. */
int dwechat_mode_parse(const char *s);

#endif
