/* settings: the changes an account makes to itself at /settings, and what that page shows.
 *
 * Username: the rules of account.c; the old name is held for username_hold (the account itself
 *   may take it back meanwhile); at most SETTINGS_RENAMES_PER_DAY renames a day.
 * Email change: requested (settings_email_request) → a one-time link (token kind "email",
 *   verify_ttl) to the new address (to the owner of another account's verified address, a
 *   notice instead: one answer for every address, account.h invariant 4), and a notice to the
 *   old address when it is verified; the account keeps its old address until the link is
 *   opened → confirmed (settings_email_confirm): the new address replaces the old one, verified,
 * and the account's identities count as bound under it (identity.h invariant 4). A newer request
 * replaces an older link. Password: set (none yet) or change (the current one required); the
 * account's other sessions end on request; a notice goes to the verified address. Sessions: listed,
 * one ended, or all others. Activity: the account's latest audit events. Deletion: a fresh sign-in
 * and the username typed again, then closure_delete (closure.h).
 *
 * Invariants:
 *  1. Email, password and deletion change only with a fresh sign-in (session_fresh) or the
 *     current password (checked and counted by reauth.c).
 *  2. A confirmed email change keeps account.h invariant 2: it is refused when another account
 *     has the address verified, and other accounts' unverified claims on it are cleared, in one
 *     transaction that first locks every claim (and the account) in id order.
 *  3. A rename and the hold of the old name are one transaction; names held for other
 *     accounts are refused, checked again after the update so that a racing rename or sign-up
 *     is seen (account.h invariant 1). */
#ifndef DAOID_SETTINGS_H
#define DAOID_SETTINGS_H

#include <stdint.h>

#include "account.h"

struct arena;

#define SETTINGS_RENAMES_PER_DAY 5
#define SETTINGS_SESSIONS_SHOWN  50
#define SETTINGS_EVENTS_SHOWN    20

enum set_rc {
    SET_OK,
    SET_INVALID,      /* *err: catalog key of the message for the field */
    SET_SAME,         /* nothing would change */
    SET_BAD_PASSWORD, /* the current password was wrong or missing */
    SET_REAUTH,       /* needs a fresh sign-in (no password to confirm with) */
    SET_LIMITED,
    SET_BUSY, /* no hash slot in time */
    SET_ERR,
};

/* Who asks: the account, whether its sign-in is fresh, from where, in which language. */
struct set_who {
    int64_t account_id;
    int fresh;
    const char *ip, *lang;
};

/* Renames the account to typed (invariant 3). */
enum set_rc settings_username(struct arena *a, const struct set_who *w, const char *typed,
                              const char **err);
/* Sends the link that changes the address to typed; password confirms a stale sign-in
 * (may be NULL when fresh). */
enum set_rc settings_email_request(struct arena *a, const struct set_who *w, const char *typed,
                                   const char *password, const char **err);

enum email_confirm {
    EMAIL_CONFIRMED,
    EMAIL_LINK_UNKNOWN,
    EMAIL_LINK_USED,
    EMAIL_LINK_EXPIRED,
    EMAIL_LINK_TAKEN, /* another account verified the address meanwhile */
    EMAIL_LINK_ERR,
};
/* Opens an email-change link (invariant 2); *email (in a) is the account's new address. */
enum email_confirm settings_email_confirm(struct arena *a, const char *token, const char *ip,
                                          char **email);

/* Sets or changes the password (current: the present one, required when there is one); with
 * end_others every session but keep (an id_hash) ends. */
enum set_rc settings_password(struct arena *a, const struct set_who *w, const char *current,
                              const char *typed, int end_others, const char *keep,
                              const char **err);

/* Ends the account's session id_hash: 1 ended, 0 no such session, -1 error. */
int settings_session_end(int64_t account_id, const char *id_hash, const char *ip);
/* Ends every session of the account but keep; how many, or -1. */
int64_t settings_sessions_end_others(int64_t account_id, const char *keep, const char *ip);

/* Deletes the account when the sign-in is fresh and typed names it. */
enum set_rc settings_delete(struct arena *a, const struct set_who *w, const char *typed,
                            const char **err);

struct set_session {
    char *id_hash, *ip, *user_agent;
    int64_t created_at, last_seen;
    int current;
};
struct set_event {
    char *event, *ip, *detail;
    int64_t at;
};
struct settings_view {
    struct account acct;
    char *pending_email; /* an email change waiting for its link, or NULL */
    int identities;      /* linked sign-in providers */
    struct set_session *sessions;
    int n_sessions;
    struct set_event *events;
    int n_events;
};
/* What /settings shows for the account; current is the asking session's id_hash. All in a.
 * 0, or -1 when the store failed. */
int settings_view(struct arena *a, int64_t account_id, const char *current,
                  struct settings_view *v);
/* The browser and the system a User-Agent names ("Chrome", "Android"), static strings;
 * "" when unknown. */
void settings_device(const char *ua, const char **browser, const char **os);

#endif
