/* janitor: the owners' sweeps of expired rows (one per table), every JANITOR_EVERY seconds, each
 * in batches of at most ST_SWEEP_BATCH rows with a pause between them; and the planner's
 * statistics (store_optimize) at start and daily. */
#include "janitor.h"

#include <time.h>

#include "access_tokens.h"
#include "audit.h"
#include "captchas.h"
#include "clock.h"
#include "closure.h"
#include "config.h"
#include "held_usernames.h"
#include "log.h"
#include "mfa_pending.h"
#include "webauthn_challenges.h"
#include "oauth_pending.h"
#include "oauth_states.h"
#include "oidc_codes.h"
#include "oidc_grants.h"
#include "oidc_keys.h"
#include "oidc_tokens.h"
#include "outbox.h"
#include "rate_counters.h"
#include "session.h"
#include "store.h"
#include "tokens.h"
#include "wechat_nonces.h"
#include "wechat_pushes.h"
#include "wechat_tickets.h"
#include "worker.h"

#define JANITOR_EVERY  60
#define SENT_MAIL_KEEP (7 * 86400)
#define OPTIMIZE_EVERY 86400
/* Between two batches: each batch is a transaction of its own, and a writer waiting for the
 * lock (SQLite's busy handler looks every 50–200 µs) takes it in this gap, so it never waits
 * for more than one batch. */
#define BATCH_GAP_NS 2000000L

static int64_t sweep_sessions(struct st_conn *c, int64_t now)
{
    return session_sweep(c, now);
}

static int64_t sweep_outbox(struct st_conn *c, int64_t now)
{
    return outbox_sweep(c, now - SENT_MAIL_KEEP);
}

static int64_t sweep_audit(struct st_conn *c, int64_t now)
{
    return cfg->audit_retention ? audit_sweep(c, now - cfg->audit_retention * 86400) : 0;
}

/* One batch of one table's sweep in autocommit: rows removed (0 when none is left), or -1.
 * Accounts nobody verified in time go CLOSURE_SWEEP_BATCH a round (closure.h invariant 3).
 * QR codes are kept a day (an old page still says "expired"), pushes seen a day (WeChat
 * retries within seconds): wechat_tickets_sweep and wechat_pushes_sweep keep that margin. */
static const struct {
    const char *table;
    int64_t (*batch)(struct st_conn *c, int64_t now);
} sweeps[] = {
    {"sessions", sweep_sessions},
    {"tokens", tokens_sweep},
    {"captchas", captchas_sweep},
    {"rate_counters", rate_counters_sweep},
    {"oauth_states", oauth_states_sweep},
    {"oauth_pending", oauth_pending_sweep},
    {"wechat_tickets", wechat_tickets_sweep},
    {"wechat_pushes", wechat_pushes_sweep},
    {"held_usernames", held_usernames_sweep},
    {"outbox", sweep_outbox},
    {"audit", sweep_audit},
    {"access_tokens", access_tokens_sweep},
    {"wechat_nonces", wechat_nonces_sweep},
    {"oidc_codes", oidc_codes_sweep},
    {"oidc_tokens", oidc_tokens_sweep},
    {"oidc_grants", oidc_grants_sweep},
    {"oidc_keys", oidc_keys_sweep},
    {"mfa_pending", mfa_pending_sweep},
    {"webauthn_challenges", webauthn_challenges_sweep},
    {"accounts (unverified)", closure_sweep_unverified},
};

static struct worker janitor;

int64_t janitor_sweep(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    int64_t total = 0;
    for (size_t i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
        for (;;) {
            int64_t n = sweeps[i].batch(c, now);
            if (n < 0) {
                log_warnx("janitor: cannot sweep %s", sweeps[i].table);
                return -1;
            }
            total += n;
            if (n == 0 || worker_stopping(&janitor)) break;
            struct timespec gap = {0, BATCH_GAP_NS};
            nanosleep(&gap, NULL);
        }
    }
    return total;
}

static int64_t optimized_at;

static int janitor_round(void)
{
    int64_t now = time(NULL);
    int64_t n = janitor_sweep(now);
    if (n > 0) log_debug("janitor: removed %lld expired rows", (long long)n);
    if (now - optimized_at >= OPTIMIZE_EVERY) {
        int64_t t = clock_mono_ms();
        if (store_optimize() == 0) {
            optimized_at = now;
            log_debug("janitor: planner statistics refreshed (%lld ms)",
                      (long long)(clock_mono_ms() - t));
        } else {
            log_warnx("janitor: cannot refresh the planner's statistics");
        }
    }
    return 0;
}

static struct worker janitor = WORKER("janitor", JANITOR_EVERY, janitor_round, st_drop);

int janitor_start(void)
{
    return worker_start(&janitor);
}

void janitor_stop(void)
{
    worker_stop(&janitor);
}
