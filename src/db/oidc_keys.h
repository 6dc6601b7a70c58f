/* oidc_keys: owner of the oidc_keys table (ID-token signing keys, the private half sealed by
 * the caller: oidc_keys.c never sees a key in clear). Functions run on the caller's connection,
 * inside its transaction when it holds one; text comes back in the caller's arena. */
#ifndef DAOID_OIDC_KEYS_H
#define DAOID_OIDC_KEYS_H

#include "store.h"

struct oidc_key_row {
    char *kid, *alg, *public_jwk;
    int64_t created_at, active_at, expires_at;
};

/* A new key, published from now and signing from active_at. ST_OK, ST_CONFLICT or an error. */
enum st_rc oidc_keys_insert(struct st_conn *c, const char *kid, const char *alg, const char *sealed,
                            const char *jwk, int64_t now, int64_t active_at);
/* The kid of alg's key that signs at now: ST_OK (kid in a), ST_NOTFOUND, error. */
enum st_rc oidc_keys_current(struct st_conn *c, struct arena *a, const char *alg, int64_t now,
                             char **kid);
/* The keys published at now, newest first (at most max): count or -1. */
int oidc_keys_published(struct st_conn *c, struct arena *a, int64_t now, struct oidc_key_row *out,
                        int max);
/* The algorithm and sealed private key of kid while it is published: ST_OK, ST_NOTFOUND or an
 * error. */
enum st_rc oidc_keys_sealed(struct st_conn *c, struct arena *a, const char *kid, int64_t now,
                            char **alg, char **sealed);
/* Every published key of alg but keep stops being published at until. Rows changed or -1. */
int64_t oidc_keys_retire(struct st_conn *c, const char *alg, const char *keep, int64_t until);
/* Janitor: removes keys no longer published. Rows removed or -1. */
int64_t oidc_keys_sweep(struct st_conn *c, int64_t now);

#endif
