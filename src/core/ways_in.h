/* ways_in: which ways into an account this site offers now, in one place: the password always;
 * GitHub, Bitbucket and Coding when their client id is configured (oauth2_provider_enabled);
 * WeChat when an AppID is configured (wechat_api_enabled). Computed once from the config, on
 * ways_in_init or the first question (the config does not change while the service runs); the
 * answers are read without locks after that. Pages show only these buttons; an identity at a
 * provider not offered now cannot be used to sign in. */
#ifndef DAOID_WAYS_IN_H
#define DAOID_WAYS_IN_H

enum way_in {
    WAY_IN_PASSWORD,
    WAY_IN_GITHUB, /* the outside providers, in the order pages show them */
    WAY_IN_BITBUCKET,
    WAY_IN_CODING,
    WAY_IN_WECHAT,
    WAY_IN_COUNT
};

/* Computes the answers from the config (once; later calls do nothing). */
void ways_in_init(void);
/* Computes the answers again from a config loaded anew (tests that load several configs in
 * one process; not while other threads ask). */
void ways_in_reload(void);
/* 1 when w is offered now. */
int ways_in_offered(enum way_in w);
/* "password", "github", "bitbucket", "coding", "wechat" (static). */
const char *ways_in_name(enum way_in w);
/* 1 when provider names an outside provider ("github", "bitbucket", "coding", "wechat") that
 * is offered now; 0 for anything else (NULL, "password", a provider since removed). */
int ways_in_provider(const char *provider);

#endif
