/* wechat_crypto: the WeChat callback's cryptography (providers.md §1.3, §1.6): the SHA-1
 * signature over sorted strings (URL verification, every push, msg_signature in safe mode)
 * and safe mode's AES-256-CBC message format:
 *     random(16) ‖ msg_len (4 bytes, big-endian) ‖ msg ‖ appid, PKCS#7-padded to 32 bytes,
 *     key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes.
 * Padding is done here, not by OpenSSL (its block is 16 bytes, WeChat's is 32). */
#ifndef DAOID_WECHAT_CRYPTO_H
#define DAOID_WECHAT_CRYPTO_H

#include <stddef.h>

struct arena;

#define WECHAT_SIG_LEN       40 /* hex SHA-1 */
#define WECHAT_AES_KEY_CHARS 43 /* EncodingAESKey */
#define WECHAT_MSG_MAX       (256 * 1024)

/* Hex SHA-1 of the n strings sorted as byte strings and concatenated, into out[41]. */
void wechat_crypto_sign(const char *const *parts, size_t n, char out[WECHAT_SIG_LEN + 1]);
/* 1 when sig is the signature of token, timestamp and nonce (constant-time compare);
 * 0 for any NULL argument or a mismatch. */
int wechat_crypto_check(const char *token, const char *timestamp, const char *nonce,
                        const char *sig);
/* 1 when msg_sig is the signature of token, timestamp, nonce and encrypt (safe mode). */
int wechat_crypto_check_msg(const char *token, const char *timestamp, const char *nonce,
                            const char *encrypt, const char *msg_sig);

/* The 32-byte AES key of a 43-character EncodingAESKey. 0, or -1 when malformed. */
int wechat_crypto_key(const char *encoding_aes_key, unsigned char key[32]);

enum wechat_crypt_rc {
    WXC_OK,
    WXC_BASE64, /* Encrypt is not base64 */
    WXC_LENGTH, /* ciphertext not a positive multiple of 32 bytes, or too long */
    WXC_PAD,    /* padding value outside 1..32, or pad bytes that differ */
    WXC_MSGLEN, /* msg_len runs past the plaintext */
    WXC_APPID,  /* the trailing AppID is not ours */
    WXC_ERR,    /* OpenSSL failed */
};

/* Decrypts the base64 Encrypt text: on WXC_OK *msg (NUL-terminated, in a) and *len hold the
 * inner message. The AppID must match appid exactly. */
enum wechat_crypt_rc wechat_crypto_decrypt(struct arena *a, const unsigned char key[32],
                                           const char *appid, const char *b64, char **msg,
                                           size_t *len);
/* Encrypts msg[0..len) for appid; random16 is the 16-byte prefix (NULL: from the CSPRNG).
 * Returns the base64 text in a, or NULL when OpenSSL fails or len is too large. */
char *wechat_crypto_encrypt(struct arena *a, const unsigned char key[32], const char *appid,
                            const char *msg, size_t len, const unsigned char *random16);

/* Name of an rc for logs (static). */
const char *wechat_crypto_rc_name(enum wechat_crypt_rc rc);

#endif
