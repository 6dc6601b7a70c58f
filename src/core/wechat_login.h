/* wechat_login: signing in, signing up, binding and re-authenticating by scanning the service
 * account's QR code.
 *
 * A ticket (wechat_tickets) is one QR code shown in one browser:
 *   pending ──push subscribe + "qrscene_" scene, or SCAN (wechat_login_push)──▶ scanned
 *   scanned ──the browser holding its secret completes it (wechat_login_advance for a sign-in,
 *             a bind or a re-authentication, wechat_login_register for a new account)──▶ consumed
 *   pending, scanned ──now ≥ expires_at──▶ expired (derived at read time, never stored)
 * Its intent: signin (anyone), bind (account_id: the signed-in account gets this WeChat) or
 * reauth (account_id: the signed-in account proves again that it holds its bound WeChat).
 *
 * Invariants:
 *  1. A browser reaches a ticket only through the hash of the secret in its cookie. The scene,
 *     which WeChat, the QR code and the phone know, completes nothing by itself: a QR code
 *     scanned while shown in another browser signs nobody in there.
 *  2. pending → scanned happens once, for the first push that names the scene and carries its
 *     WeChat ticket (a scan without <Ticket> is not WeChat's), by a conditional UPDATE. It
 *     records who scanned (openid) and gives the browser WECHAT_COMPLETE_TTL to finish.
 *  3. scanned → consumed happens once, by a conditional UPDATE inside the transaction that
 *     does what the ticket allows (the sign-in's audit, the new account with its identity and
 *     bonus, the binding with its bonus, or the re-authentication's audit). A bind or reauth
 *     ticket completes only while the browser is still signed in as its account_id.
 *  4. A push is applied at most once: its (FromUserName, CreateTime) row is inserted in the
 *     transaction that applies it; a retry finds the row, changes nothing and gets the same
 *     reply.
 *  5. All of it lives in the store: any node may take the push and any node the browser's poll.
 *  6. The identity's subject is the unionid when user/info gives one, else the openid; both
 *     are recorded in the identity's extra JSON. A person is found by either id: stored under
 *     the openid before WeChat gave a unionid, or under the unionid while this ticket learnt
 *     only the openid. Such a person signs in (the subject moves to the unionid then, never
 *     back) and is neither registered nor bound a second time.
 *  7. The bonus is once per person: a grant earned under the hash of either id counts (grants.h
 *     invariant 2 holds for the openid and the unionid alike). A person's identity and bonus
 *     change under a lock on their follower row (by openid), one transaction at a time. */
#ifndef DAOID_WECHAT_LOGIN_H
#define DAOID_WECHAT_LOGIN_H

#include <stdint.h>

#include "registration.h"
#include "token.h"

struct arena;
struct wechat_push;

#define WECHAT_COMPLETE_TTL 600 /* after the scan: time to pick a username */
#define WECHAT_COOKIE       "wechat_qr"

enum wxl_intent { WXL_SIGNIN, WXL_BIND, WXL_REAUTH };

enum wxl_outcome {
    WXO_NONE,          /* this browser has no ticket */
    WXO_PENDING,       /* shown, not scanned yet: out->qr_url, out->expires_in */
    WXO_EXPIRED,       /* not completed in time */
    WXO_CONSUMED,      /* used already */
    WXO_REGISTER,      /* scanned by a WeChat no account has: the registration form */
    WXO_SIGNIN,        /* consumed now: sign the browser in as out->account_id */
    WXO_BOUND,         /* consumed now: bound to the account (out->granted: the bonus now) */
    WXO_REAUTHED,      /* consumed now: the account's own WeChat scanned (re-authenticated) */
    WXO_TAKEN,         /* bind refused: this WeChat belongs to another account */
    WXO_HAS_OTHER,     /* bind refused: the account has a WeChat bound already */
    WXO_WRONG_ACCOUNT, /* bind/reauth refused: the browser is no longer signed in as the asker */
    WXO_MISMATCH,      /* reauth refused: the scan came from another WeChat than the bound one */
    WXO_NOT_BOUND,     /* reauth refused: the account has no WeChat bound */
    WXO_DISABLED,      /* the WeChat's account is disabled */
    WXO_LIMITED,       /* too many new QR codes from this address */
    WXO_ERR,           /* store or WeChat API failure (logged): try again */
};

struct wxl_result {
    enum wxl_outcome outcome;
    enum wxl_intent intent;
    const char *qr_url;             /* WXO_PENDING */
    int64_t expires_in;             /* WXO_PENDING: seconds left */
    const char *suggested;          /* WXO_REGISTER: a free, valid username */
    int64_t account_id;             /* WXO_SIGNIN, WXO_BOUND, WXO_REAUTHED */
    int granted;                    /* WXO_BOUND: the bonus was granted now */
    char new_secret[TOKEN_LEN + 1]; /* set when a ticket was issued: the browser's cookie */
};

struct wxl_open_in {
    const char *secret; /* the browser's cookie, or NULL */
    int fresh;          /* a new QR code even when the current one is still pending */
    enum wxl_intent intent;
    int64_t session_account; /* the signed-in account (0: none); needed for bind and reauth */
    const char *lang, *ip;
};

/* The page /auth/wechat: advances the browser's ticket when it has one of this intent (for
 * bind and reauth: of this account) that is neither consumed nor expired (and fresh is not
 * set), otherwise issues a new one (rate limited per IP; the access token is read, never
 * fetched per QR code). A bind needs an account without WeChat (else WXO_HAS_OTHER), a
 * reauth one with it (else WXO_NOT_BOUND). Strings in a. */
void wechat_login_open(struct arena *a, const struct wxl_open_in *in, int64_t now,
                       struct wxl_result *out);
/* The poll: advances the browser's ticket without ever issuing one. */
void wechat_login_advance(struct arena *a, const char *secret, int64_t session_account,
                          const char *ip, int64_t now, struct wxl_result *out);

struct wxl_register_in {
    const char *secret, *username, *email; /* email may be NULL or empty */
    int terms;
    const char *ip, *lang;
};

struct wxl_register_out {
    reg_errors errors;        /* catalog key per field (RF_*) */
    enum wxl_outcome outcome; /* WXO_REGISTER, or the ticket's state when it was not one to
                                 register (WXO_NONE also before the ticket was read) */
    int64_t account_id;
    int granted; /* REG_OK: the WeChat bonus was granted (the page announces it) */
};
/* Creates the account of a scanned ticket (registration.h): username (required), email
 * (optional: it gets the verification mail), terms; the account, its WeChat identity, the
 * bonus, the mail and the ticket's consumption in one transaction. REG_OK, REG_INVALID
 * (out->errors), REG_LIMITED, REG_GONE (out->outcome: the ticket's state), REG_TAKEN (this
 * WeChat registered meanwhile; the ticket is spent) or REG_STORE_ERR. */
enum reg_outcome wechat_login_register(struct arena *a, const struct wxl_register_in *in,
                                       struct wxl_register_out *out);

struct wxl_push_out {
    const char *reply_key; /* catalog key of the passive reply, NULL for none ("success") */
    const char *lang;      /* its language */
    int duplicate;         /* a retry of a push applied before */
};
/* Applies a push (signature checked and decrypted by the caller) at now. 0, or -1 on a store
 * error (answer so that WeChat retries). */
int wechat_login_push(struct arena *a, const struct wechat_push *p, int64_t now,
                      struct wxl_push_out *out);

#endif
