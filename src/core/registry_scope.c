/* registry_scope: see registry_scope.h. */
#include "registry_scope.h"

#include <string.h>

static int alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*, from s to end. */
static int component_ok(const char *s, const char *end)
{
    if (s >= end || !alnum(*s) || !alnum(end[-1])) return 0;
    for (const char *p = s; p < end; p++) {
        if (alnum(*p)) continue;
        if (*p == '-') continue; /* any run of dashes */
        if (*p == '.' && alnum(p[1]) && alnum(p[-1])) continue;
        if (*p == '_' && alnum(p[-1]) && (alnum(p[1]) || (p[1] == '_' && alnum(p[2])))) {
            if (p[1] == '_') p++;
            continue;
        }
        return 0;
    }
    return 1;
}

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255) return 0;
    const char *p = s;
    for (;;) {
        const char *slash = strchr(p, '/');
        const char *end = slash ? slash : s + n;
        if (!component_ok(p, end)) return 0;
        if (!slash) return 1;
        p = slash + 1;
    }
}

static int actions_parse(const char *s, unsigned *out)
{
    *out = 0;
    if (!*s) return -1;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 0 || n > 32) return -1;
        for (size_t i = 0; i < n; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '*')) return -1;
        if (n == 4 && !strncmp(s, "pull", 4)) *out |= REG_PULL;
        if (n == 4 && !strncmp(s, "push", 4)) *out |= REG_PUSH;
        if (n == 6 && !strncmp(s, "delete", 6)) *out |= REG_DELETE;
        if (n == 1 && *s == '*') *out |= REG_ALL;
        s += n;
        if (*s == ',') {
            s++;
            if (!*s) return -1;
        }
    }
    return 0;
}

int registry_scope_parse(const char *s, struct reg_scope *out)
{
    memset(out, 0, sizeof(*out));
    if (!s || strlen(s) > REG_SCOPE_TEXT_MAX) return -1;
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strrchr(s, ':') : NULL;
    if (!c1 || c2 == c1) return -1;
    size_t tn = (size_t)(c1 - s), nn = (size_t)(c2 - c1 - 1);
    if (tn == 0 || tn >= sizeof(out->type) || nn == 0 || nn >= sizeof(out->name)) return -1;
    memcpy(out->type, s, tn);
    memcpy(out->name, c1 + 1, nn);
    for (size_t i = 0; i < tn; i++)
        if (out->type[i] < 'a' || out->type[i] > 'z') return -1;
    /* the last ':' separates the actions; a name holding another (a port, "host:5000/x") is
     * refused by the name grammar */
    if (!name_ok(out->name)) return -1;
    return actions_parse(c2 + 1, &out->actions);
}

/* The namespace of a repository name: its first component, when there are two or more. */
static int in_namespace(const char *name, const char *ns)
{
    size_t n = strlen(ns);
    return ns && n && !strncmp(name, ns, n) && name[n] == '/';
}

unsigned registry_scope_grant(const struct reg_who *who, const struct reg_scope *s)
{
    if (!strcmp(s->type, "registry"))
        return who->self && !strcmp(s->name, "catalog") && (s->actions & REG_ALL) ? REG_ALL : 0;
    if (strcmp(s->type, "repository")) return 0;
    if (who->self) return s->actions & (REG_PULL | REG_DELETE);
    unsigned want = s->actions & (REG_PULL | REG_PUSH);
    if (who->username && in_namespace(s->name, who->username)) return want & who->cred;
    if (who->official && in_namespace(s->name, who->official)) {
        unsigned g = 0;
        if (who->username ? (who->cred & REG_PULL) != 0 : who->anonymous_ok != 0) g |= REG_PULL;
        if (who->username && who->admin) g |= REG_PUSH & who->cred;
        return want & g;
    }
    return 0;
}

int registry_scope_actions(unsigned actions, const char *out[4])
{
    int n = 0;
    if (actions & REG_PULL) out[n++] = "pull";
    if (actions & REG_PUSH) out[n++] = "push";
    if (actions & REG_DELETE) out[n++] = "delete";
    if (actions & REG_ALL) out[n++] = "*";
    return n;
}
