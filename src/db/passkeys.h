/* passkeys: owner of the passkeys table — an account's WebAuthn credentials: the credential id
 * (base64url, unique across accounts), the COSE algorithm and the public key as libfido2 gives
 * it (base64url of its raw form: es256 x‖y, rs256 n‖e, EdDSA 32 bytes), the signature counter
 * (moves forward only: passkeys_used), the backup flags, a name and the times. Rows go with
 * their account. */
#ifndef DAOID_PASSKEYS_H
#define DAOID_PASSKEYS_H

#include "store.h"

struct passkey_row {
    int64_t id, account_id;
    char *cred_id;
    int64_t cose_alg;
    char *public_key;
    int64_t sign_count, backup_eligible, backup_state;
    char *name;
    int64_t created_at, last_used_at; /* 0: never used */
};

/* A new credential: ST_OK, ST_CONFLICT (its id is taken: by any account) or an error. */
enum st_rc passkeys_insert(struct st_conn *c, const struct passkey_row *row);
enum st_rc passkeys_by_cred(struct st_conn *c, struct arena *a, const char *cred_id,
                            struct passkey_row *out);
/* The account's passkeys, oldest first (at most max): how many, or -1. */
int passkeys_list(struct st_conn *c, struct arena *a, int64_t account, struct passkey_row *out,
                  int max);
/* Records a use with the authenticator's counter: 1, 0 when the counter did not move forward
 * (a cloned or replayed authenticator; nothing written), -1. */
int passkeys_used(struct st_conn *c, int64_t id, int64_t sign_count, int backup_state, int64_t now);
int passkeys_rename(struct st_conn *c, int64_t id, int64_t account, const char *name);
/* 1 removed, 0 none such, -1. */
int passkeys_delete(struct st_conn *c, int64_t id, int64_t account);
int64_t passkeys_delete_all(struct st_conn *c, int64_t account);
int64_t passkeys_count(struct st_conn *c, int64_t account);

#endif
