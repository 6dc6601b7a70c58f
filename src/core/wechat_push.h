/* wechat_push: the callback URL's protocol (providers.md §1.3–1.6). GET verification echoes
 * echostr when the signature holds. A POST push is checked (signature over Token, timestamp
 * and nonce; in safe mode also msg_signature over the ciphertext, then AES decryption with the
 * AppID check), parsed, applied once (wechat_login_push) and answered within the 5-second
 * deadline with the passive text reply (encrypted when the push was), or "success".
 * Pushes come in plaintext (no encrypt_type, or encrypt_type=raw) or encrypted
 * (encrypt_type=aes: safe and compatibility modes); both are taken, so switching modes in
 * WeChat's console loses nothing. */
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
    int status;        /* 200, 400 (malformed), 403 (signature), 404 (WeChat off), 503 */
    const char *ctype; /* static */
    const char *body;  /* in a or static */
    size_t len;
};

void wechat_push_verify(struct arena *a, const struct wechat_cb_in *in, struct wechat_cb_out *out);
void wechat_push_handle(struct arena *a, const struct wechat_cb_in *in, int64_t now,
                        struct wechat_cb_out *out);

#endif
