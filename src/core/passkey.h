/* passkey: WebAuthn ceremonies with their state in the store. A ceremony's challenge (32 random
 * bytes) lives in a webauthn_challenges row keyed by the hash of a cookie token the browser
 * that began it holds: single use (taken), 5 minutes, bound to that browser. The RP ID is
 * public_url's host, the origin public_url's. webauthn.h checks the data; here the
 * credentials are stored (ids unique), counters kept, and the account found. User handles are
 * BLAKE2b-256(key = the token key, "daoid-webauthn-user:" ‖ account id): opaque, no lookup
 * table, checked when the authenticator returns one. */
#ifndef DAOID_PASSKEY_H
#define DAOID_PASSKEY_H

#include <stdint.h>

#include "token.h"

struct arena;

#define PASSKEY_CHALLENGE_TTL 300
#define PASSKEY_NAME_MAX      64

enum pk_rc {
    PK_OK,
    PK_GONE,       /* no live challenge for this browser (used, expired, never begun) */
    PK_REFUSED,    /* the data did not verify (webauthn.h says why, in the log) */
    PK_UNKNOWN,    /* no such credential, or another account's */
    PK_TAKEN,      /* that credential is registered already */
    PK_COUNTER,    /* the signature counter went backwards */
    PK_NAME,       /* empty or too long a name */
    PK_UNVERIFIED, /* a sign-in by passkey alone without user verification */
    PK_ERR,
};

/* Registration options (the JSON for navigator.credentials.create) for account, and a new
 * challenge row under the cookie token tok. name: the passkey's name (checked here). */
enum pk_rc passkey_register_begin(struct arena *a, int64_t account, const char *username,
                                  const char *name, char tok[TOKEN_LEN + 1], char **json);
/* Checks and stores the credential (client data and attestation object in base64url). Audited,
 * mailed in lang. When it is the account's first factor (no app, no passkey before), the
 * recovery codes are made in the same transaction, like with a first app: codes[] (in a,
 * RECOVERY_CODES of them, to show once) and *ncodes; else *ncodes = 0. */
enum pk_rc passkey_register_finish(struct arena *a, int64_t account, const char *tok,
                                   const char *client_data, const char *attestation, const char *ip,
                                   const char *lang, char **codes, int *ncodes);
/* Sign-in options (for navigator.credentials.get): for account (its credentials allowed: a
 * second step) or 0 (discoverable: any of this site's passkeys). */
enum pk_rc passkey_login_begin(struct arena *a, int64_t account, char tok[TOKEN_LEN + 1],
                               char **json);
/* Sign-in options for the account a typed identifier (username or email) names: its
 * credentials allowed (a security key without resident credentials needs their ids). A name
 * that is no account's, or one without passkeys, gets a credential id no authenticator has,
 * the same each time (the answer does not tell which names have passkeys). */
enum pk_rc passkey_login_begin_named(struct arena *a, const char *identifier,
                                     char tok[TOKEN_LEN + 1], char **json);
struct pk_assertion {
    const char *tok, *cred_id, *client_data, *authenticator_data, *signature, *user_handle;
    const char *ip;
};
/* Checks an assertion: on PK_OK *account and *amr ("hwk user mfa" or "swk user mfa"; "hwk mfa"
 * for a second step without user verification, to follow "pwd") are set, the counter and last
 * use recorded; *alone: the assertion is two factors by itself (the user verified). A
 * challenge begun for an account takes only that account's credentials. Signing in with a
 * passkey alone needs the user verified (flag UV: PK_UNVERIFIED); as the second step after a
 * password, presence is enough. */
enum pk_rc passkey_login_finish(struct arena *a, const struct pk_assertion *in, int64_t *account,
                                char **amr, int *alone);
enum pk_rc passkey_rename(int64_t account, int64_t id, const char *name, const char *ip);
/* Removes one (the last factor gone, the recovery codes go too). Audited, mailed. */
enum pk_rc passkey_remove(struct arena *a, int64_t account, int64_t id, const char *ip,
                          const char *lang);

#endif
