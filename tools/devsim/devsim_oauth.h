/* devsim_oauth: the simulator's fake GitHub, Bitbucket and Coding (their OAuth2 web flows and
 * user APIs, test users, and /_ctl/oauth to steer them). The parts share devsim_oauth_int.h;
 * this is what the rest of the simulator uses. */
#ifndef DEVSIM_OAUTH_H
#define DEVSIM_OAUTH_H

#include "devsim_http.h"

/* Sets up the test users; callback_base (daoid's public URL, or NULL) gives the registered
 * redirect URIs {base}/auth/{provider}/callback, which /_ctl/oauth/apps can change. */
void doauth_init(const char *callback_base);
/* Ends slow answers still waiting (before the HTTP server stops). */
void doauth_stop(void);
void doauth_free(void);
/* The authorize and token endpoints and the user APIs under /github, /bitbucket and /coding
 * (devsim_oauth.c); /_ctl/oauth (devsim_oauth_ctl.c). */
extern const struct devsim_route doauth_routes[];
extern const struct devsim_route doauth_ctl_routes[];

/* The test user behind req's bearer token at provider ("github", "bitbucket", "coding"),
 * checked as for devsim_oauth.c's own APIs (GitHub's User-Agent, the fault mode, the token
 * and its expiry): 0 with *login and *scope (the granted scope, words separated by spaces;
 * both malloc'd), or -1 after replying as the provider would. */
int doauth_api_user(const struct devsim_req *req, const char *provider, struct devsim_resp *resp,
                    char **login, char **scope);
/* Coding's open-api action DescribeCodingCurrentUser (body: the request's JSON). */
void doauth_coding_user(const struct devsim_req *req, json_t *body, struct devsim_resp *resp);

#endif
