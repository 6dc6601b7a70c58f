/* devsim_oauth_int: what the parts of the fake OAuth providers share (devsim_oauth.c: token
 * endpoints, user APIs and helpers; devsim_oauth_authz.c: the authorize page;
 * devsim_oauth_ctl.c: test users and /_ctl/oauth). Private to those three files. */
#ifndef DEVSIM_OAUTH_INT_H
#define DEVSIM_OAUTH_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "devsim_http.h"
#include "devsim_util.h"

#define DO_CODE_TTL   600
#define DO_MAX_EMAILS 4
#define DO_MAX_ITEMS  4096 /* codes and tokens kept; the oldest go first */

enum dprov { DP_GITHUB, DP_BITBUCKET, DP_CODING, DP_COUNT };
enum dmode { DM_UP, DM_SLOW, DM_ERROR, DM_BADJSON };

/* "github", "bitbucket", "coding": the providers' names in paths and control requests. */
extern const char *const doauth_prov_names[DP_COUNT];
/* Test clients: daoid's config for the simulator uses these. */
extern const char *const doauth_client_ids[DP_COUNT];
extern const char *const doauth_client_secrets[DP_COUNT];

struct demail {
    char *addr;
    int primary, verified;
};

struct duser {
    enum dprov prov;
    char *id, *login, *name, *public_email;
    struct demail emails[DO_MAX_EMAILS];
    int nemails;
};

struct dcode {
    char code[48];
    enum dprov prov;
    size_t user;
    char scope[160]; /* as asked for at the authorize endpoint */
    char *redirect;  /* as given to the authorize endpoint, NULL when none */
    char challenge[64];
    long long expires;
    int used;
};

struct dtoken {
    char token[64];
    enum dprov prov;
    size_t user;
    char scope[160];   /* granted, words separated by spaces */
    char refresh[64];  /* the grant's refresh token ("" for GitHub) */
    long long expires; /* 0: never */
    int revoked;       /* a later refresh of its grant ended it (Coding) */
};

/* The simulator's whole state, defined in devsim_oauth.c. Every field but stopping is read
 * and written only with mu held; the arrays and strings are owned by it and freed by
 * doauth_free(). */
struct doauth_state {
    pthread_mutex_t mu;
    char *redirect[DP_COUNT]; /* registered callback URLs */
    struct duser *users;
    size_t nusers;
    struct dcode *codes;
    size_t ncodes;
    struct dtoken *tokens;
    size_t ntokens;
    enum dmode mode;
    long delay_ms;
    unsigned long long token_calls, api_calls, refresh_calls;
    char last_ua[160];
    atomic_int stopping;
};
extern struct doauth_state doauth_s;

/* ---- devsim_oauth.c: helpers (they abort when memory runs out) ---- */
/* The time in Unix seconds. */
long long doauth_now(void);
/* A fresh random token of n bytes as base64url (prefix first), into out[cap]. */
void doauth_rand_token(char *out, size_t cap, const char *prefix, size_t n);

/* A 302 to url?key=value&… built from pairs (NULL value: skipped), NULL-terminated. */
void doauth_redirect_with(struct devsim_resp *resp, const char *url, ...);
/* u's primary email (pointing into u), or NULL. */
const struct demail *doauth_primary_email(const struct duser *u);

/* ---- devsim_oauth_authz.c ---- */

/* The authorize endpoint of the provider req->arg: GET shows the page, POST takes the
 * decision. */
void doauth_authorize(const struct devsim_req *req, struct devsim_resp *resp);

/* ---- devsim_oauth_ctl.c (all three with doauth_s.mu held) ---- */

/* Frees u's strings (not u). */
void doauth_user_free(struct duser *u);
/* Adds the built-in test users. */
void doauth_users_builtin(void);
/* Registers base/auth/<provider>/callback as each client's redirect URI. */
void doauth_set_callback_base(const char *base);

#endif
