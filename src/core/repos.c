/* repos: see repos.h for the states and invariants. A refresh is shared through the store:
 * the caller that takes the row's lease asks the provider; the others poll the row until its
 * generation moves on (or the deadline), so several nodes never spend a refresh token twice
 * (Coding's refresh also ends the previous access token). */
#include "repos.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "text.h"
#include "config.h"
#include "clock.h"
#include "identity.h"
#include "log.h"
#include "provider_token.h"
#include "store.h"

#define REPOS_EARLY   60     /* refresh a token this many seconds before it expires */
#define REPOS_POLL_US 100000 /* waiting for another caller's refresh */

const char *repos_bind_href(struct arena *a, const char *name)
{
    return arena_printf(a, "/auth/%s?intent=bind&access=repos&next=%%2Fbuild%%3Fp%%3D%s", name,
                        name);
}

/* One listing under way. */
struct job {
    struct arena *a;
    struct st_conn *c;
    const struct oauth2_provider *p;
    int64_t account_id;
    int64_t deadline_us;
    struct pt_row row;
};

static int64_t timeout_s(void)
{
    return cfg->oauth_timeout > 0 ? cfg->oauth_timeout : 10;
}

static enum repos_state from_rc(enum oauth2_rc rc)
{
    switch (rc) {
    case OAUTH2_OK:
        return RS_LIST;
    case OAUTH2_TIMEOUT:
        return RS_TIMEOUT;
    case OAUTH2_BAD_RESPONSE:
        return RS_BAD;
    case OAUTH2_UNAUTHORIZED:
    case OAUTH2_REJECTED:
        return RS_REBIND;
    default:
        return RS_DOWN;
    }
}

/* Reads the row again: RS_LIST when usable, else what to show. */
static enum repos_state reload(struct job *j)
{
    switch (provider_token_get(j->c, j->a, j->account_id, j->p->name, &j->row)) {
    case PT_OK:
        return RS_LIST;
    case PT_ERR:
        return RS_STORE;
    default:
        return RS_REBIND;
    }
}

/* Another caller holds the lease: waits until the row's generation moves on (its outcome),
 * or the lease lapses (then this caller may try), or the deadline. */
static enum repos_state wait_other(struct job *j, int *retry)
{
    int64_t gen = j->row.generation;
    *retry = 0;
    while (clock_mono_us() + REPOS_POLL_US < j->deadline_us) {
        usleep(REPOS_POLL_US);
        enum repos_state s = reload(j);
        if (s != RS_LIST) return s;
        if (j->row.generation != gen) return RS_LIST; /* its outcome, whichever */
        if (j->row.lease_until <= time(NULL)) {
            *retry = 1;
            return RS_LIST;
        }
    }
    return RS_TIMEOUT;
}

/* Asks the provider for new tokens as the lease holder and stores them. */
static enum repos_state refresh_own(struct job *j)
{
    struct oauth2_token tok;
    char *err = NULL;
    int64_t gen = j->row.generation;
    enum oauth2_rc rc = oauth2_refresh(j->a, j->p, j->row.tok.refresh, j->deadline_us, &tok, &err);
    if (rc != OAUTH2_OK) {
        provider_token_release(j->c, j->account_id, j->p->name, gen, rc == OAUTH2_REJECTED);
        log_info("repos: account %lld %s: refresh %s", (long long)j->account_id, j->p->name,
                 oauth2_rc_name(rc));
        return from_rc(rc);
    }
    int64_t now = time(NULL);
    struct pt_plain fresh = {tok.access_token, tok.refresh_token, tok.scope,
                             tok.expires_in ? now + tok.expires_in : 0};
    if (provider_token_refreshed(j->c, j->a, j->account_id, j->p->name, j->row.subject, gen, &fresh,
                                 now) < 0)
        return RS_STORE;
    j->row.tok.access = fresh.access;
    if (fresh.refresh) j->row.tok.refresh = fresh.refresh;
    if (fresh.scope) j->row.tok.scope = fresh.scope;
    j->row.tok.expires_at = fresh.expires_at;
    j->row.generation = gen + 1;
    log_info("repos: account %lld %s: token refreshed", (long long)j->account_id, j->p->name);
    return RS_LIST;
}

/* New tokens for the row: RS_LIST when j->row holds a usable access token again. */
static enum repos_state refresh(struct job *j)
{
    for (int round = 0; round < 3; round++) {
        if (!j->row.tok.refresh) return RS_REBIND;
        int got = provider_token_lease(j->c, j->account_id, j->p->name, j->row.generation,
                                       time(NULL), timeout_s() + 5);
        if (got < 0) return RS_STORE;
        if (got) return refresh_own(j);
        int retry = 0;
        enum repos_state s = wait_other(j, &retry);
        if (s != RS_LIST || !retry) return s;
    }
    return RS_TIMEOUT;
}

/* The listing URL: {login} replaced by the identity's login. */
static const char *repos_url(struct arena *a, const struct oauth2_provider *p, const char *login)
{
    const char *at = strstr(p->repos_url, "{login}");
    if (!at) return p->repos_url;
    if (!login) return NULL;
    return arena_printf(a, "%.*s%s%s", (int)(at - p->repos_url), p->repos_url,
                        text_urlencode(a, login), at + strlen("{login}"));
}

static enum repos_state list(struct job *j, const char *login, struct repos_view *out)
{
    const char *url = repos_url(j->a, j->p, login);
    if (!url) return RS_REBIND;
    enum repos_state s = reload(j);
    if (s != RS_LIST) return s;
    int tried = 0;
    if (j->row.tok.expires_at && time(NULL) >= j->row.tok.expires_at - REPOS_EARLY) {
        tried = 1;
        if ((s = refresh(j)) != RS_LIST) return s;
    }
    struct oauth2_answer ans;
    enum oauth2_rc rc;
    int ungranted = j->p->repos_grant && j->row.tok.scope &&
                    !provider_token_scope_has(j->row.tok.scope, j->p->repos_grant);
    for (;;) {
        rc = oauth2_api(j->a, j->p, url, j->p->repos_body, j->row.tok.access, j->deadline_us, &ans);
        if (rc == OAUTH2_UNAUTHORIZED && ungranted) return RS_GRANT;
        if (rc != OAUTH2_UNAUTHORIZED || tried) break;
        tried = 1;
        if ((s = refresh(j)) != RS_LIST) return s;
    }
    if (rc == OAUTH2_OK)
        rc = oauth2_parse_repos(j->a, j->p, ans.body, ans.len, ans.link, REPOS_MAX, &out->repos);
    if (rc != OAUTH2_OK) {
        log_info("repos: account %lld %s: %s", (long long)j->account_id, j->p->name,
                 oauth2_rc_name(rc));
        return from_rc(rc);
    }
    out->need_grant = ungranted;
    return RS_LIST;
}

static void platforms(struct arena *a, const struct identity *ids, int n, struct repos_view *v)
{
    for (int i = 0; i < REPOS_PLATFORMS && oauth2_provider_names[i]; i++) {
        struct repos_platform *pl = &v->platforms[i];
        pl->name = oauth2_provider_names[i];
        pl->label = oauth2_provider_label(pl->name);
        pl->offered = oauth2_provider_enabled(pl->name);
        pl->bind_href = repos_bind_href(a, pl->name);
        for (int k = 0; k < n; k++)
            if (!strcmp(ids[k].provider, pl->name)) pl->bound = 1, pl->login = ids[k].login;
    }
}

static int pick(const struct repos_view *v, const char *want)
{
    int first = -1;
    for (int i = 0; i < REPOS_PLATFORMS; i++) {
        if (!v->platforms[i].bound) continue;
        if (want && !strcmp(want, v->platforms[i].name)) return i;
        if (first < 0) first = i;
    }
    return first;
}

int repos_view(struct arena *a, int64_t account_id, const char *want, struct repos_view *out)
{
    memset(out, 0, sizeof(*out));
    out->selected = -1;
    struct st_conn *c = st_get();
    struct identity *ids = NULL;
    int n = 0;
    if (!c || identity_list(c, a, account_id, &ids, &n) != 0) return -1;
    platforms(a, ids, n, out);
    out->selected = pick(out, want);
    if (out->selected < 0) {
        out->state = RS_NONE;
        return 0;
    }
    const struct repos_platform *pl = &out->platforms[out->selected];
    const struct oauth2_provider *p = oauth2_provider_get(a, pl->name);
    if (!p || !p->repos_url) {
        out->state = RS_OFF;
        return 0;
    }
    struct job j = {.a = a,
                    .c = c,
                    .p = p,
                    .account_id = account_id,
                    .deadline_us = clock_mono_us() + timeout_s() * 1000000};
    out->state = list(&j, pl->login, out);
    return 0;
}
