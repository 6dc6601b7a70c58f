/* janitor: the owners' sweeps of expired rows (one per table), every JANITOR_EVERY seconds. */
#include "janitor.h"

#include <time.h>

#include "captchas.h"
#include "closure.h"
#include "held_usernames.h"
#include "log.h"
#include "oauth_pending.h"
#include "oauth_states.h"
#include "outbox.h"
#include "rate_counters.h"
#include "session.h"
#include "store.h"
#include "tokens.h"
#include "wechat_pushes.h"
#include "wechat_tickets.h"
#include "worker.h"

#define JANITOR_EVERY  60
#define SENT_MAIL_KEEP (7 * 86400)

/* One sweep per table that expires rows, each in autocommit; rows removed or -1. */
static int64_t sweep_sessions(struct st_conn *c, int64_t now)
{
    return session_sweep(c, now);
}

static int64_t sweep_outbox(struct st_conn *c, int64_t now)
{
    return outbox_sweep(c, now - SENT_MAIL_KEEP);
}

/* Accounts nobody verified in time go CLOSURE_SWEEP_BATCH a round (closure.h invariant 3).
 * QR codes are kept a day (an old page still says "expired"), pushes seen a day (WeChat
 * retries within seconds): wechat_tickets_sweep and wechat_pushes_sweep keep that margin. */
static int64_t (*const sweeps[])(struct st_conn *c, int64_t now) = {
    sweep_sessions,       tokens_sweep,        captchas_sweep,           rate_counters_sweep,
    oauth_states_sweep,   oauth_pending_sweep, wechat_tickets_sweep,     wechat_pushes_sweep,
    held_usernames_sweep, sweep_outbox,        closure_sweep_unverified,
};

int64_t janitor_sweep(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    int64_t total = 0;
    for (size_t i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
        int64_t n = sweeps[i](c, now);
        if (n < 0) return -1;
        total += n;
    }
    return total;
}

static int janitor_round(void)
{
    int64_t n = janitor_sweep(time(NULL));
    if (n > 0) log_debug("janitor: removed %lld expired rows", (long long)n);
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
