/* audit: see audit.h. One INSERT per event (q_audit.h); the names table is the only spelling of an
 * event, and the aliases table the only place older spellings are known. */
#include "audit.h"

#include <string.h>

#include "arena.h"
#include "log.h"
#include "store.h"

static const char *const names[AUDIT_EVENT_COUNT] = {
    [AUDIT_SIGNUP] = "signup",
    [AUDIT_LOGIN] = "login",
    [AUDIT_LOGIN_FAILED] = "login_failed",
    [AUDIT_LOGIN_REFUSED_DISABLED] = "login_refused_disabled",
    [AUDIT_EMAIL_VERIFIED] = "email_verified",
    [AUDIT_VERIFY_RESENT] = "verify_resent",
    [AUDIT_REAUTH] = "reauth",
    [AUDIT_REAUTH_FAILED] = "reauth_failed",
    [AUDIT_REAUTH_REFUSED] = "reauth_refused",
    [AUDIT_USERNAME_CHANGED] = "username_changed",
    [AUDIT_EMAIL_CHANGE_REQUESTED] = "email_change_requested",
    [AUDIT_EMAIL_CHANGED] = "email_changed",
    [AUDIT_PASSWORD_CHANGED] = "password_changed",
    [AUDIT_PASSWORD_SET] = "password_set",
    [AUDIT_PASSWORD_RESET] = "password_reset",
    [AUDIT_RESET_REQUESTED] = "reset_requested",
    [AUDIT_SESSION_ENDED] = "session_ended",
    [AUDIT_SESSIONS_ENDED] = "sessions_ended",
    [AUDIT_ACCOUNT_DISABLED] = "account_disabled",
    [AUDIT_ACCOUNT_ENABLED] = "account_enabled",
    [AUDIT_ACCOUNT_DELETED] = "account_deleted",
    [AUDIT_IDENTITY_LINKED] = "identity_linked",
    [AUDIT_IDENTITY_UNLINKED] = "identity_unlinked",
    [AUDIT_ACCESS_TOKEN_CREATED] = "access_token_created",
    [AUDIT_ACCESS_TOKEN_REVOKED] = "access_token_revoked",
    [AUDIT_REGISTRY_LOGIN] = "registry_login",
    [AUDIT_REGISTRY_LOGIN_REFUSED] = "registry_login_refused",
    [AUDIT_USERNAME_RELEASED] = "username_released",
    [AUDIT_TOTP_ENABLED] = "totp_enabled",
    [AUDIT_TOTP_DISABLED] = "totp_disabled",
    [AUDIT_RECOVERY_CODES_NEW] = "recovery_codes_new",
    [AUDIT_RECOVERY_CODE_USED] = "recovery_code_used",
    [AUDIT_PASSKEY_ADDED] = "passkey_added",
    [AUDIT_PASSKEY_RENAMED] = "passkey_renamed",
    [AUDIT_PASSKEY_REMOVED] = "passkey_removed",
    [AUDIT_MFA_FAILED] = "mfa_failed",
    [AUDIT_MFA_RESET] = "mfa_reset",
    [AUDIT_PASSKEY_COUNTER] = "passkey_counter",
};

/* Names earlier versions wrote for an event that now has one name. */
static const struct {
    const char *old;
    enum audit_event e;
} aliases[] = {
    {"signin", AUDIT_LOGIN},
    {"wechat_bound", AUDIT_IDENTITY_LINKED},
};

const char *audit_event_name(enum audit_event e)
{
    return e < AUDIT_EVENT_COUNT ? names[e] : "unknown";
}

enum audit_event audit_event_parse(const char *name)
{
    if (!name) return AUDIT_UNKNOWN;
    for (int i = 0; i < AUDIT_EVENT_COUNT; i++)
        if (!strcmp(name, names[i])) return (enum audit_event)i;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(name, aliases[i].old)) return aliases[i].e;
    return AUDIT_UNKNOWN;
}

const char *audit_event_canonical(const char *name)
{
    enum audit_event e = audit_event_parse(name);
    return e == AUDIT_UNKNOWN ? name : names[e];
}

void audit_log(struct st_conn *c, int64_t account_id, enum audit_event event, const char *ip,
               const char *detail, int64_t now)
{
    const char *name = audit_event_name(event);
    if (st_run(c, Q_AUDIT_INSERT,
               ST_IN(ST_INT(account_id), ST_TEXT(name), ST_TEXT(ip), ST_TEXT(detail),
                     ST_INT(now))) != ST_OK)
        log_warnx("audit: cannot record %s", name);
}

int audit_recent(struct st_conn *c, struct arena *a, int64_t account_id, int max,
                 struct audit_row **out, int *n)
{
    static const struct st_col cols[] = {
        ST_COL_TEXT(struct audit_row, event), ST_COL_TEXT(struct audit_row, ip),
        ST_COL_TEXT(struct audit_row, detail), ST_COL_INT(struct audit_row, at)};
    struct audit_row *v = arena_alloc(a, sizeof(*v) * (size_t)(max > 0 ? max : 1));
    int k = max > 0 ? st_list(c, a, Q_AUDIT_RECENT, ST_IN(ST_INT(account_id), ST_INT(max)), cols, 4,
                              v, sizeof(*v), max)
                    : 0;
    if (k < 0) return -1;
    for (int i = 0; i < k; i++) v[i].event = arena_strdup(a, audit_event_canonical(v[i].event));
    *out = v;
    *n = k;
    return 0;
}

int audit_has(struct st_conn *c, int64_t account_id, enum audit_event event)
{
    int64_t n =
        st_count(c, Q_AUDIT_HAS, ST_IN(ST_INT(account_id), ST_TEXT(audit_event_name(event))));
    return n < 0 ? -1 : n > 0;
}

int audit_detach(struct st_conn *c, int64_t account_id)
{
    return st_run(c, Q_AUDIT_DETACH, ST_IN(ST_INT(account_id))) == ST_OK ? 0 : -1;
}

int64_t audit_sweep(struct st_conn *c, int64_t before)
{
    return st_change(c, Q_AUDIT_SWEEP, ST_IN(ST_INT(before)));
}
