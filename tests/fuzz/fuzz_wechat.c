/* libFuzzer target: WeChat's push XML parser and safe mode's decryption on arbitrary bytes:
 * no crash, and what they accept has the documented shape (a scan has a non-empty scene that
 * is a suffix of the EventKey; a decrypted message fits inside what was given). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "wechat_crypto.h"
#include "wechat_xml.h"

static void check_push(struct arena *a, const char *xml, size_t n)
{
    struct wechat_push p;
    if (wechat_xml_parse(a, xml, n, &p) != WXX_OK) return;
    const char *scene = NULL;
    enum wechat_push_kind k = wechat_push_kind(&p, &scene);
    if (k == WXP_SCAN || k == WXP_SCAN_FOLLOW) {
        size_t kl = strlen(p.event_key), sl = scene ? strlen(scene) : 0;
        if (!scene || !*scene || sl > kl || strcmp(p.event_key + kl - sl, scene) != 0) abort();
    } else if (scene) {
        abort();
    }
    if (p.create_time < -1) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char key[32];
    static int ready;
    if (!ready) {
        if (wechat_crypto_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", key) != 0) abort();
        ready = 1;
    }
    struct arena *a = arena_new();
    check_push(a, (const char *)data, size);
    char *text = arena_strndup(a, (const char *)data, size);
    char *msg = NULL;
    size_t len = 0;
    if (wechat_crypto_decrypt(a, key, "wxfuzz", text, &msg, &len) == WXC_OK) {
        if (len > size || strlen(msg) > len) abort();
        check_push(a, msg, len);
    }
    arena_free(a);
    return 0;
}
