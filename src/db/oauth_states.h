/* oauth_states: the owner of the oauth_states table: one row per OAuth flow started, keyed by
 * the hash of its state (the browser's cookie and the PKCE verifier with it). A row is taken
 * (deleted and returned in one statement), so a state works once whatever the timing. */
#ifndef DAOID_OAUTH_STATES_H
#define DAOID_OAUTH_STATES_H

#include <stdint.h>

#include "store.h"

struct arena;

struct oauth_state_row {
    char *state_hash, *browser_hash, *provider, *intent;
    char *verifier;     /* NULL without PKCE */
    char *next;         /* NULL: none */
    int64_t account_id; /* 0 for a sign-in */
    int64_t created_at, expires_at;
    int64_t repos; /* 1: the flow asked for repository access (Code Build) */
};

/* A new row. 0 or -1. */
int oauth_states_insert(struct st_conn *c, const struct oauth_state_row *row);
/* Deletes the row of state_hash and returns it in out (strings in a). ST_OK, ST_NOTFOUND or an
 * error. */
enum st_rc oauth_states_take(struct st_conn *c, struct arena *a, const char *state_hash,
                             struct oauth_state_row *out);
/* Deletes rows expired at now, at most ST_SWEEP_BATCH a call; their number, or -1. */
int64_t oauth_states_sweep(struct st_conn *c, int64_t now);

#endif
