/* mfa: an account's second factors — the authenticator app (TOTP, totp.h; its secret sealed
 * like provider tokens, seal.h, in the place ("totp", account id, "secret")), passkeys
 * (passkey.h) and recovery codes (recovery.h) — and the changes to them: set-up with a first
 * code, turning off, new recovery codes, an operator's reset. Every change is audited and
 * mailed to the account's verified address (a notice; the owner learns of a change they did
 * not make). Turning a factor off needs a sign-in with a factor (mfa_session_strong) or a
 * current code.
 *
 * How a session signed in (its amr, RFC 8176 names): "pwd" password, "otp" a one-time code
 * (authenticator app, or a recovery code: those are one-time passwords too; the audit tells
 * them apart), "hwk"/"swk" a passkey (swk when the authenticator says it may be backed up:
 * a synced, software-held key; hwk otherwise), "user" the authenticator's user-presence test,
 * and "mfa" whenever two factors were proven (a passkey with user verification counts as two,
 * and daoid asks for verification). Examples: "pwd otp mfa", "github otp mfa", "hwk user mfa". */
#ifndef DAOID_MFA_H
#define DAOID_MFA_H

#include <stdint.h>

struct arena;
struct st_conn;
struct session;

enum mfa_rc {
    MFA_OK,
    MFA_BAD,     /* wrong or malformed code */
    MFA_REUSED,  /* that code was used already */
    MFA_NONE,    /* nothing to confirm / turn off */
    MFA_ALREADY, /* the authenticator app is on already */
    MFA_WEAK,    /* turning off needs a sign-in with a factor or a current code */
    MFA_ERR,
};

struct mfa_factors {
    int totp;              /* confirmed authenticator app */
    int totp_waiting;      /* a secret waits for its first code */
    int64_t passkeys;      /* how many */
    int64_t recovery_left; /* unused recovery codes */
};

/* The account's factors: 0 or -1. */
int mfa_factors(struct st_conn *c, int64_t account, struct mfa_factors *out);
/* 1 when the account has a second factor (an app or a passkey), 0 not, -1 store error. */
int mfa_has_factor(int64_t account);
/* 1 when s signed in with two factors (its amr has "mfa") within reauth_window. */
int mfa_session_strong(const struct session *s);
/* Whether s is recent enough for a sensitive change (R_RECENT routes, web/pipeline.c): signed
 * in within reauth_window, and with a factor when the account has one (mfa_session_strong).
 * 1, 0 (re-authenticate: reauth.h), -1 store error. */
int mfa_recent_enough(const struct session *s);
/* amr with the words of more added that it lacks, in order (in a): "pwd" + "otp mfa". */
char *mfa_amr_add(struct arena *a, const char *amr, const char *more);

/* require_2fa: 1 when the operator requires a second factor and account has none yet (set-up
 * is due: the browser is steered to it, machine endpoints refuse), 0 not, -1 store error. */
int mfa_setup_due(struct st_conn *c, int64_t account);
/* mfa_setup_due for a session (may be NULL: 0), from what the session read with its account
 * (has_factor: no store read, so every request of a steered session stays a memory lookup
 * when the session is cached); 0 also when s proved two factors. 1 or 0. */
int mfa_session_setup_due(const struct session *s);

/* Set-up: a new secret for the app (replacing one that waits), its base32 in *secret (in a).
 * MFA_OK, MFA_ALREADY or MFA_ERR. */
enum mfa_rc mfa_totp_begin(struct arena *a, int64_t account, char **secret);
/* The secret that waits for its first code (base32, in a), or NULL. */
char *mfa_totp_waiting(struct arena *a, int64_t account);
/* Confirms set-up with a code: on MFA_OK the app is on (audited, mailed in lang); when it is the
 * account's first factor, RECOVERY_CODES recovery codes are made and returned in codes[] (in a;
 * *ncodes set, else 0). MFA_BAD, MFA_NONE, MFA_ERR. */
enum mfa_rc mfa_totp_confirm(struct arena *a, int64_t account, const char *code, const char *ip,
                             const char *lang, char **codes, int *ncodes);
/* Checks a sign-in code and uses it (each code once, on every node): MFA_OK, MFA_BAD, MFA_REUSED,
 * MFA_NONE (no app), MFA_ERR. No audit here (the two-step sign-in writes it). */
enum mfa_rc mfa_totp_check(struct st_conn *c, struct arena *a, int64_t account, const char *code,
                           int64_t now);
/* Turns the app off: needs strong (mfa_session_strong) or a current code (or a recovery code)
 * in code. The last factor gone, the recovery codes go too. Audited, mailed. */
enum mfa_rc mfa_totp_disable(struct arena *a, int64_t account, int strong, const char *code,
                             const char *ip, const char *lang);
/* New recovery codes (the old ones die): in codes[] (in a). Needs a factor. Audited, mailed. */
enum mfa_rc mfa_recovery_regenerate(struct arena *a, int64_t account, const char *ip,
                                    const char *lang, char **codes);
/* A code that proves a factor now (the app's code, else a recovery code, which is then used
 * and audited; *recovery set when it was one: may be NULL): MFA_OK, MFA_BAD, MFA_REUSED (the
 * app's code was used already), MFA_ERR. Inside the caller's transaction. */
enum mfa_rc mfa_prove_code(struct st_conn *c, struct arena *a, int64_t account, const char *code,
                           const char *ip, int64_t now, int *recovery);
/* A code that proves a factor now, for a change (the app's code, else a recovery code, which is
 * then used): MFA_OK, MFA_BAD, MFA_ERR. */
enum mfa_rc mfa_prove(struct st_conn *c, struct arena *a, int64_t account, const char *code,
                      const char *ip, int64_t now);
/* An operator's reset: the app, the passkeys and the recovery codes go (audited "by an
 * operator", mailed). 1 when there was something, 0 not, -1. */
int mfa_reset(int64_t account, const char *lang);

/* The notice mail of a change (what_key: a catalog key naming it) to the account's verified
 * address, inside the caller's transaction: 0 or -1. */
int mfa_notice(struct st_conn *c, struct arena *a, int64_t account, const char *lang,
               const char *what_key, int64_t now);
/* Ends a change to account's factors made in c's open transaction: its audit row (event, ip,
 * detail: may be NULL), the notice mail (what_key), the commit, then the sender woken. 0 when
 * committed; -1 otherwise, the transaction then rolled back. */
int mfa_commit_change(struct st_conn *c, struct arena *a, int64_t account, int event,
                      const char *ip, const char *detail, const char *lang, const char *what_key,
                      int64_t now);
/* After the last factor went: drops the recovery codes. 0 or -1. */
int mfa_after_removal(struct st_conn *c, int64_t account);

#endif
