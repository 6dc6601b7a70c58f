/* webauthn_challenges: owner of the webauthn_challenges table — one row per WebAuthn ceremony
 * begun, keyed by the hash of the cookie the browser that began it holds: the challenge
 * (base64url), the kind ("register", "login"), the account (registration, or a second step; 0
 * for a discoverable sign-in), the passkey's name (registration) and the expiry. Taken once
 * (deleted and returned in one statement). */
#ifndef DAOID_WEBAUTHN_CHALLENGES_H
#define DAOID_WEBAUTHN_CHALLENGES_H

#include "store.h"

struct webauthn_challenge_row {
    char *challenge, *kind;
    int64_t account_id;
    char *name; /* NULL unless registering */
    int64_t expires_at;
};

int webauthn_challenges_insert(struct st_conn *c, const char *id_hash,
                               const struct webauthn_challenge_row *row, int64_t now);
/* Deletes the row of id_hash and returns it (expired or not: the caller decides). */
enum st_rc webauthn_challenges_take(struct st_conn *c, struct arena *a, const char *id_hash,
                                    struct webauthn_challenge_row *out);
int64_t webauthn_challenges_sweep(struct st_conn *c, int64_t now);

#endif
