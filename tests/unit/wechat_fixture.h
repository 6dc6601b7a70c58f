/* wechat_fixture: the fixture of the WeChat callback unit tests (test_wechat_login,
 * test_wechat_push): an official account with an app id, a Token and an EncodingAESKey whose
 * API is a closed port (so a test that reached it fails fast and leaves nothing behind), a real
 * SQLite store, the arena A (freed after each test) and NOW, the time the test started. */
#ifndef DAOID_WECHAT_FIXTURE_H
#define DAOID_WECHAT_FIXTURE_H

#include <time.h>

#include "arena.h"

#include "testlib.h"

#define APPID  "wxtestappid00001"
#define TOKEN  "testtoken"
#define AESKEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

static struct arena *A;
static int64_t NOW;

static void setup(void)
{
    static const char *const env[] = {"DAOID_WECHAT_APP_ID",
                                      APPID,
                                      "DAOID_WECHAT_APP_SECRET",
                                      "secret",
                                      "DAOID_WECHAT_TOKEN",
                                      TOKEN,
                                      "DAOID_WECHAT_AES_KEY",
                                      AESKEY,
                                      "DAOID_WECHAT_API_URL",
                                      "http://127.0.0.1:1",
                                      "DAOID_OAUTH_TIMEOUT",
                                      "2s",
                                      NULL};
    tl_setup_with(TL_STORE | TL_I18N, env);
    A = arena_new();
    NOW = time(NULL);
}

static void teardown(void)
{
    arena_free(A);
    tl_teardown();
}

#endif
