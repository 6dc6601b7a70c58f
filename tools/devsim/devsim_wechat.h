/* devsim_wechat: the simulator's fake WeChat official-account platform: the API daoid calls
 * (devsim_wechat.c), the pushes to daoid's callback (devsim_wechat_push.c), and the "phone"
 * page and /_ctl/wechat (devsim_wechat_phone.c). The parts share devsim_wechat_int.h; this is
 * what the rest of the simulator uses. */
#ifndef DEVSIM_WECHAT_H
#define DEVSIM_WECHAT_H

#include "devsim_http.h"

/* The service account daoid's config for the simulator names (see config/local.ini). */
#define DWECHAT_APPID   "wx5d3e1c0b2a9f8e7d"
#define DWECHAT_SECRET  "devsim-wechat-secret"
#define DWECHAT_TOKEN   "devsimtoken"
#define DWECHAT_AES_KEY "DevsimWeChatEncodingAESKey0123456789abcdefg"

/* Takes the option --wechat-NAME at argv[*i] (appid, secret, token, aes-key, callback: daoid's
 * /wechat/callback URL, mode: plain|safe|compat), as "--wechat-NAME value" or
 * "--wechat-NAME=value"; advances *i past a separate value. 0, or -1 when unknown or invalid. */
int dwechat_option(int argc, char **argv, int *i);
void dwechat_init(void);
void dwechat_free(void);
/* /cgi-bin (the API, devsim_wechat.c); /wechat (the phone) and /_ctl/wechat
 * (devsim_wechat_phone.c) */
extern const struct devsim_route dwechat_routes[];
extern const struct devsim_route dwechat_phone_routes[];

#endif
