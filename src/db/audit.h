/* audit: the security activity log (sign-ins, failures, sign-ups, verifications, …) shown to
 * the account owner and kept for operators; the owner of the audit table. Never holds secrets.
 *
 * Events are an enum with one name table (the names stored in audit.event). Names once
 * written under another spelling are read back as their event (audit_event_parse), so rows
 * written before a rename still show with the event's one wording.
 *
 * Invariants:
 *  1. Recording never fails the caller: a lost audit line must not undo the user's action.
 *  2. Rows outlive their account: deleting it detaches them (audit_detach, account_id NULL).
 *  3. Rows older than audit_retention go (audit_sweep, run by the janitor; 0 keeps them all). */
#ifndef DAOID_AUDIT_H
#define DAOID_AUDIT_H

#include <stdint.h>

struct arena;
struct st_conn;

enum audit_event {
    AUDIT_SIGNUP,
    AUDIT_LOGIN,
    AUDIT_LOGIN_FAILED,
    AUDIT_LOGIN_REFUSED_DISABLED,
    AUDIT_EMAIL_VERIFIED,
    AUDIT_VERIFY_RESENT,
    AUDIT_REAUTH,
    AUDIT_REAUTH_FAILED,
    AUDIT_REAUTH_REFUSED,
    AUDIT_USERNAME_CHANGED,
    AUDIT_EMAIL_CHANGE_REQUESTED,
    AUDIT_EMAIL_CHANGED,
    AUDIT_PASSWORD_CHANGED,
    AUDIT_PASSWORD_SET,
    AUDIT_PASSWORD_RESET,
    AUDIT_RESET_REQUESTED,
    AUDIT_SESSION_ENDED,
    AUDIT_SESSIONS_ENDED,
    AUDIT_ACCOUNT_DISABLED,
    AUDIT_ACCOUNT_ENABLED,
    AUDIT_ACCOUNT_DELETED,
    AUDIT_IDENTITY_LINKED,
    AUDIT_IDENTITY_UNLINKED,
    AUDIT_ACCESS_TOKEN_CREATED,
    AUDIT_ACCESS_TOKEN_REVOKED,
    AUDIT_REGISTRY_LOGIN,
    AUDIT_REGISTRY_LOGIN_REFUSED,
    AUDIT_USERNAME_RELEASED, /* an operator ended a hold (daoid admin release-username) */
    AUDIT_TOTP_ENABLED,
    AUDIT_TOTP_DISABLED,
    AUDIT_RECOVERY_CODES_NEW,
    AUDIT_RECOVERY_CODE_USED,
    AUDIT_PASSKEY_ADDED,
    AUDIT_PASSKEY_RENAMED,
    AUDIT_PASSKEY_REMOVED,
    AUDIT_MFA_FAILED,
    AUDIT_MFA_RESET,
    AUDIT_PASSKEY_COUNTER,
    AUDIT_EVENT_COUNT,
    AUDIT_UNKNOWN = AUDIT_EVENT_COUNT,
};

/* The stored name of e ("login"), static. */
const char *audit_event_name(enum audit_event e);
/* The event a stored name stands for, old spellings included ("signin" → AUDIT_LOGIN);
 * AUDIT_UNKNOWN for any other. */
enum audit_event audit_event_parse(const char *name);
/* The one name of a stored name's event (old spellings mapped; an unknown name as it is). */
const char *audit_event_canonical(const char *name);

/* Records event for account_id (0: none). Failures are logged, never fatal (invariant 1). */
void audit_log(struct st_conn *c, int64_t account_id, enum audit_event event, const char *ip,
               const char *detail, int64_t now);

struct audit_row {
    char *event; /* the canonical name (audit_event_canonical) */
    char *ip, *detail;
    int64_t at;
};
/* The account's newest max rows, newest first: *out (in a) and *n. 0 or -1. */
int audit_recent(struct st_conn *c, struct arena *a, int64_t account_id, int max,
                 struct audit_row **out, int *n);
/* 1 when the account has a row of event (still kept: audit_retention), 0 when not, -1. */
int audit_has(struct st_conn *c, int64_t account_id, enum audit_event event);
/* Detaches the account's rows before it is deleted (invariant 2). 0 or -1. */
int audit_detach(struct st_conn *c, int64_t account_id);
/* Janitor: removes events recorded at before or earlier, at most ST_SWEEP_BATCH a call (the
 * oldest first); rows removed or -1. */
int64_t audit_sweep(struct st_conn *c, int64_t before);

#endif
