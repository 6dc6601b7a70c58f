/* registry_scope: the Distribution token scopes ("repository:alice/app:pull,push",
 * "registry:catalog:*") parsed, and the policy that grants them:
 *   - repository:USERNAME/…    pull, push for the owner (as far as the credential allows);
 *   - repository:OFFICIAL/…    pull for everyone signed in (and anonymous when configured),
 *                              push for the registry admins;
 *   - any other namespace      nothing;
 *   - registry:catalog:*       only daoid itself (the console's listing);
 *   - delete (any repository)  only daoid itself (registry_purge: a deleted account's images).
 * A scope that cannot be granted is dropped, not refused (the token spec asks for that); a scope
 * that does not parse is refused by the caller (400). Pure functions: no store, no config. */
#ifndef DAOID_REGISTRY_SCOPE_H
#define DAOID_REGISTRY_SCOPE_H

#define REG_SCOPE_MAX      16  /* scopes in one request */
#define REG_SCOPE_TEXT_MAX 512 /* length of one scope string */

enum reg_action {
    REG_PULL = 1u << 0,
    REG_PUSH = 1u << 1,
    REG_ALL = 1u << 2,
    REG_DELETE = 1u << 3, /* only daoid itself: a deleted account's manifests */
};

struct reg_scope {
    char type[16];  /* "repository", "registry" */
    char name[256]; /* "alice/app", "catalog" */
    unsigned actions;
};

/* Parses one scope string; 0, or -1 when malformed (type, name or actions). Unknown actions
 * are parsed and ignored. Names follow Distribution's grammar (lower-case
 * components of [a-z0-9] with single separators [._-] or "__", joined by '/', ≤ 255). */
int registry_scope_parse(const char *s, struct reg_scope *out);

/* Who asks. username NULL: anonymous. self: daoid itself. */
struct reg_who {
    const char *username;
    int admin;            /* may push to the official namespace */
    int self;             /* daoid's own token: pull and delete anything, catalog */
    unsigned cred;        /* REG_PULL/REG_PUSH the credential allows (an access token's scopes) */
    int anonymous_ok;     /* anonymous pull of the official namespace is allowed */
    const char *official; /* "library" */
};
/* The actions of s that who gets (0: the scope is dropped). */
unsigned registry_scope_grant(const struct reg_who *who, const struct reg_scope *s);
/* "pull", "push", "delete" and "*" as JSON-ready words, for the token's access claim. */
int registry_scope_actions(unsigned actions, const char *out[4]);

#endif
