/* wechat_push: the callback URL's protocol (providers.md §1.3–1.6). GET verification echoes
 * echostr when the signature holds. A POST push is checked (signature over Token, timestamp
 * and nonce; the timestamp within wechat_push_window of now; in safe mode also msg_signature
 * over the ciphertext, then AES decryption with the AppID check), parsed, its nonce claimed
 * (wechat_nonces: the same signed query never brings another body), applied once
 * (wechat_login_push) and answered within the 5-second deadline with the passive text reply
 * (encrypted when the push was), or "success".
 *
 * The signature covers Token, timestamp and nonce but not the body, so a query seen once (a
 * proxy log) would otherwise sign any body forever: hence the window and the nonces, and, with
 * an EncodingAESKey, encrypted pushes only (wechat_push_mode safe, the default when
 * wechat_aes_key is set): msg_signature covers the ciphertext, and in WeChat's compatibility
 * mode only the encrypted part is read (its plaintext copy is ignored). wechat_push_mode any
 * also takes plaintext pushes, for the minutes of switching modes in WeChat's console.
 *
 * A refused push (bad signature, timestamp outside the window, a nonce seen with another body,
 * plaintext when only encrypted pushes are taken) gets 403 and a one-line text, never
 * "success": a forgery learns nothing from it, and a genuine push refused (a clock off by more
 * than the window) is retried by WeChat and then shown to the person as "该公众号暂时无法提供服务",
 * which is the truth; the log says why. */
#ifndef DAOID_WECHAT_PUSH_H
#define DAOID_WECHAT_PUSH_H

#include <stddef.h>
#include <stdint.h>

struct arena;

struct wechat_cb_in {
    /* query string */
    const char *signature, *timestamp, *nonce, *echostr, *encrypt_type, *msg_signature;
    /* raw body (POST) */
    const char *body;
    size_t body_len;
};

struct wechat_cb_out {
    int status;        /* 200, 400 (malformed), 403 (refused, see above), 404 (WeChat off), 503 */
    const char *ctype; /* static */
    const char *body;  /* in a or static */
    size_t len;
};

void wechat_push_verify(struct arena *a, const struct wechat_cb_in *in, struct wechat_cb_out *out);
/* 1 when timestamp is a decimal Unix time within window seconds of now (either side). */
int wechat_push_in_window(const char *timestamp, int64_t now, int64_t window);
/* 1 when only encrypted pushes are taken (wechat_push_mode, wechat_aes_key). */
int wechat_push_safe_only(void);
void wechat_push_handle(struct arena *a, const struct wechat_cb_in *in, int64_t now,
                        struct wechat_cb_out *out);

#endif
