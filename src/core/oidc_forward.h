/* oidc_forward: the rules of forward auth (GET /auth/check for nginx auth_request, Traefik and
 * Caddy forward_auth): who is in a group, and which absolute URLs a browser may be sent back to
 * after signing in. A group is a name an operator lists in auth_groups ("ops=alice,bob;dev=carol",
 * usernames compared exactly, case-insensitively) or "registry_admins" (the usernames of that
 * key). The hosts a browser may go back to are auth_check_hosts (space-separated host[:port]) and
 * this service's own. Pure functions of the config. */
#ifndef DAOID_OIDC_FORWARD_H
#define DAOID_OIDC_FORWARD_H

/* 1 when username is in group (0 for an unknown group). */
int oidc_forward_member(const char *group, const char *username);
/* 1 when url is an absolute http(s) URL on an allowed host (no userinfo, no backslash or
 * control character). */
int oidc_forward_url_ok(const char *url);

#endif
