/* wechat_push: see wechat_push.h. Order of checks for a POST: signature → timestamp window →
 * plaintext refused when only encrypted pushes are taken → (safe mode: msg_signature →
 * decrypt → AppID) → XML → nonce claimed with the body's digest → apply → reply. Nothing is
 * parsed or decrypted before a signature holds, nothing stored before the whole push is
 * checked. Failures are logged without the body. */
#include "wechat_push.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "store.h"
#include "tmpl.h"
#include "wechat_api.h"
#include "wechat_crypto.h"
#include "wechat_login.h"
#include "wechat_nonces.h"
#include "wechat_xml.h"

#define CT_TEXT "text/plain; charset=utf-8"
#define CT_XML  "application/xml; charset=utf-8"

static void answer(struct wechat_cb_out *out, int status, const char *ctype, const char *body)
{
    out->status = status;
    out->ctype = ctype;
    out->body = body;
    out->len = strlen(body);
}

void wechat_push_verify(struct arena *a, const struct wechat_cb_in *in, struct wechat_cb_out *out)
{
    (void)a;
    if (!wechat_api_enabled()) return answer(out, 404, CT_TEXT, "not found\n");
    if (!in->echostr ||
        !wechat_crypto_check(cfg->wechat_token, in->timestamp, in->nonce, in->signature)) {
        log_info("wechat: callback verification refused: bad signature");
        return answer(out, 403, CT_TEXT, "invalid signature\n");
    }
    answer(out, 200, CT_TEXT, in->echostr);
}

int wechat_push_in_window(const char *timestamp, int64_t now, int64_t window)
{
    size_t n = timestamp ? strspn(timestamp, "0123456789") : 0;
    if (!n || n > 12 || timestamp[n]) return 0;
    int64_t t = strtoll(timestamp, NULL, 10);
    return t >= now - window && t <= now + window;
}

int wechat_push_safe_only(void)
{
    return !strcmp(cfg->wechat_push_mode, "safe") ||
           (!strcmp(cfg->wechat_push_mode, "auto") && *cfg->wechat_aes_key);
}

/* The plaintext push of an encrypted body: checks msg_signature, decrypts, parses. */
static int open_safe(struct arena *a, const struct wechat_cb_in *in, const struct wechat_push *env,
                     struct wechat_push *p, struct wechat_cb_out *out)
{
    unsigned char key[32];
    if (!*cfg->wechat_aes_key || wechat_crypto_key(cfg->wechat_aes_key, key) != 0) {
        log_warnx("wechat: an encrypted push, but wechat_aes_key is not set");
        answer(out, 400, CT_TEXT, "safe mode is not configured\n");
        return -1;
    }
    if (!wechat_crypto_check_msg(cfg->wechat_token, in->timestamp, in->nonce, env->encrypt,
                                 in->msg_signature)) {
        log_info("wechat: push refused: bad msg_signature");
        answer(out, 403, CT_TEXT, "invalid msg_signature\n");
        return -1;
    }
    char *msg = NULL;
    size_t len = 0;
    enum wechat_crypt_rc rc =
        wechat_crypto_decrypt(a, key, cfg->wechat_app_id, env->encrypt, &msg, &len);
    sodium_memzero(key, sizeof(key));
    if (rc != WXC_OK) {
        log_warnx("wechat: push refused: cannot decrypt (%s)", wechat_crypto_rc_name(rc));
        answer(out, 400, CT_TEXT, "cannot decrypt\n");
        return -1;
    }
    if (wechat_xml_parse(a, msg, len, p) != WXX_OK) {
        log_warnx("wechat: push refused: the decrypted XML is malformed");
        answer(out, 400, CT_TEXT, "malformed xml\n");
        return -1;
    }
    return 0;
}

/* The push in the request, checked: 0, or -1 with out set. *safe: it came encrypted. */
static int read_push(struct arena *a, const struct wechat_cb_in *in, int64_t now,
                     struct wechat_push *p, int *safe, struct wechat_cb_out *out)
{
    if (!wechat_crypto_check(cfg->wechat_token, in->timestamp, in->nonce, in->signature)) {
        log_info("wechat: push refused: bad signature");
        answer(out, 403, CT_TEXT, "invalid signature\n");
        return -1;
    }
    if (!wechat_push_in_window(in->timestamp, now, cfg->wechat_push_window)) {
        log_info("wechat: push refused: its timestamp is outside wechat_push_window");
        answer(out, 403, CT_TEXT, "stale timestamp\n");
        return -1;
    }
    *safe = in->encrypt_type && !strcmp(in->encrypt_type, "aes");
    if (in->encrypt_type && !*safe && strcmp(in->encrypt_type, "raw") != 0) {
        answer(out, 400, CT_TEXT, "unknown encrypt_type\n");
        return -1;
    }
    if (!*safe && wechat_push_safe_only()) {
        log_info("wechat: push refused: plaintext, but only encrypted pushes are taken");
        answer(out, 403, CT_TEXT, "encrypted pushes only\n");
        return -1;
    }
    struct wechat_push env;
    enum wechat_xml_rc xr = wechat_xml_parse(a, in->body, in->body_len, &env);
    if (xr != WXX_OK) {
        log_warnx("wechat: push refused: %s", xr == WXX_TOO_LARGE ? "too large" : "malformed xml");
        answer(out, xr == WXX_TOO_LARGE ? 413 : 400, CT_TEXT, "malformed xml\n");
        return -1;
    }
    if (*safe && (!env.encrypt || open_safe(a, in, &env, p, out) != 0)) {
        if (!env.encrypt) answer(out, 400, CT_TEXT, "no Encrypt\n");
        return -1;
    }
    if (!*safe) *p = env;
    if (!p->from_user || !*p->from_user || p->create_time < 0) {
        answer(out, 400, CT_TEXT, "no FromUserName or CreateTime\n");
        return -1;
    }
    return 0;
}

/* Claims the push's nonce for its body: 0 when the body is the first one seen with this
 * signed query (or that one again: a retry), -1 with out set otherwise. */
static int claim_nonce(const struct wechat_cb_in *in, struct wechat_cb_out *out)
{
    unsigned char h[16];
    char digest[sizeof(h) * 2 + 1];
    crypto_generichash(h, sizeof(h), (const unsigned char *)in->body, in->body_len, NULL, 0);
    sodium_bin2hex(digest, sizeof(digest), h, sizeof(h));
    int64_t ts = strtoll(in->timestamp, NULL, 10);
    struct st_conn *c = st_get();
    int rc = c ? wechat_nonces_claim(c, in->nonce, ts, digest, ts + cfg->wechat_push_window) : -1;
    if (rc < 0) answer(out, 503, CT_TEXT, "try again\n");
    if (rc == 0) {
        log_warnx("wechat: push refused: its nonce came before with another body (a replay)");
        answer(out, 403, CT_TEXT, "replayed nonce\n");
    }
    return rc == 1 ? 0 : -1;
}

/* The reply's text: catalog message key in lang, with {site_name}. */
static const char *reply_text(struct arena *a, const char *key, const char *lang)
{
    struct tmpl_ctx *c = tmpl_ctx_new(a, NULL);
    tmpl_set(c, "site_name", cfg->site_name);
    const char *s =
        tmpl_render_str(a, arena_printf(a, "{{t:%s}}", key), c, i18n_cat(lang), TMPL_TEXT, NULL);
    return s ? s : key;
}

/* xml encrypted for the safe-mode answer; NULL when encryption failed. */
static char *seal(struct arena *a, const char *xml, int64_t now)
{
    unsigned char key[32];
    if (wechat_crypto_key(cfg->wechat_aes_key, key) != 0) return NULL;
    char *enc = wechat_crypto_encrypt(a, key, cfg->wechat_app_id, xml, strlen(xml), NULL);
    sodium_memzero(key, sizeof(key));
    if (!enc) return NULL;
    char nonce[16], ts[24], sig[WECHAT_SIG_LEN + 1];
    snprintf(nonce, sizeof(nonce), "%u", 1000000000u + randombytes_uniform(2000000000u));
    snprintf(ts, sizeof(ts), "%lld", (long long)now);
    const char *parts[4] = {cfg->wechat_token, ts, nonce, enc};
    wechat_crypto_sign(parts, 4, sig);
    return wechat_xml_encrypted_reply(a, enc, sig, now, nonce);
}

void wechat_push_handle(struct arena *a, const struct wechat_cb_in *in, int64_t now,
                        struct wechat_cb_out *out)
{
    if (!wechat_api_enabled()) return answer(out, 404, CT_TEXT, "not found\n");
    struct wechat_push p;
    int safe = 0;
    if (read_push(a, in, now, &p, &safe, out) != 0 || claim_nonce(in, out) != 0) return;
    struct wxl_push_out res;
    if (wechat_login_push(a, &p, now, &res) != 0) /* WeChat retries */
        return answer(out, 503, CT_TEXT, "try again\n");
    if (res.duplicate) log_info("wechat: a retried push answered again, nothing changed");
    if (!res.reply_key) return answer(out, 200, CT_TEXT, "success");
    char *xml = wechat_xml_text_reply(a, p.from_user, p.to_user ? p.to_user : "", now,
                                      reply_text(a, res.reply_key, res.lang));
    if (safe && !(xml = seal(a, xml, now))) {
        log_warnx("wechat: cannot encrypt the reply");
        return answer(out, 200, CT_TEXT, "success");
    }
    answer(out, 200, CT_XML, xml);
}
