/* wechat_xml: WeChat's push XML (providers.md §1.4–1.6): parsing with Expat by element name
 * (direct children of <xml>, CDATA or not, in any order; nested elements ignored; no DOCTYPE
 * or entities; bounded sizes), the kind of a push and its scene, and the passive replies
 * (plain text, and the safe-mode envelope). */
#ifndef DAOID_WECHAT_XML_H
#define DAOID_WECHAT_XML_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define WECHAT_XML_MAX   (64 * 1024) /* largest document accepted */
#define WECHAT_FIELD_MAX (8 * 1024)  /* largest field kept */

/* The fields daoid reads; NULL when absent. Strings in the caller's arena. */
struct wechat_push {
    char *to_user;   /* ToUserName: the service account (gh_…) */
    char *from_user; /* FromUserName: the user's openid */
    char *msg_type;  /* MsgType */
    char *event;     /* Event: subscribe, SCAN, unsubscribe, … */
    char *event_key; /* EventKey */
    char *ticket;    /* Ticket: the QR code's ticket */
    char *encrypt;   /* Encrypt: safe mode's ciphertext */
    char *content;   /* Content (text messages, and replies read back by the simulator) */
    char *msg_signature, *nonce; /* an encrypted reply's MsgSignature and Nonce */
    int64_t create_time; /* CreateTime (or TimeStamp of an encrypted reply); -1 when absent */
};

enum wechat_xml_rc { WXX_OK, WXX_MALFORMED, WXX_TOO_LARGE };

/* Parses xml[0..len) into *out. WXX_MALFORMED for anything that is not one <xml> element of
 * well-formed UTF-8 XML without DOCTYPE, with each known field at most once and a numeric
 * CreateTime; WXX_TOO_LARGE past WECHAT_XML_MAX, WECHAT_FIELD_MAX or 16 levels of nesting. */
enum wechat_xml_rc wechat_xml_parse(struct arena *a, const char *xml, size_t len,
                                    struct wechat_push *out);

enum wechat_push_kind {
    WXP_SCAN_FOLLOW, /* subscribe with EventKey "qrscene_" + scene: followed by scanning a QR */
    WXP_SCAN,        /* SCAN: already following, scanned a QR; EventKey is the scene */
    WXP_FOLLOW,      /* subscribe without a scene: followed from search or a profile */
    WXP_UNFOLLOW,    /* unsubscribe */
    WXP_OTHER,       /* anything else (messages, menus, location, …) */
};
/* The kind of p; for the two scan kinds *scene (inside p's strings) is the scene, the
 * "qrscene_" prefix stripped for subscribe only. A scan without a usable scene is WXP_FOLLOW
 * (subscribe) or WXP_OTHER (SCAN). */
enum wechat_push_kind wechat_push_kind(const struct wechat_push *p, const char **scene);

/* A passive text reply (§1.5), in a. */
char *wechat_xml_text_reply(struct arena *a, const char *to_user, const char *from_user,
                            int64_t create_time, const char *content);
/* The safe-mode envelope of an encrypted reply (§1.6), in a. */
char *wechat_xml_encrypted_reply(struct arena *a, const char *encrypt, const char *msg_signature,
                                 int64_t timestamp, const char *nonce);

#endif
