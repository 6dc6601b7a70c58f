/* janitor: the owners' sweeps of expired rows (one per table), every JANITOR_EVERY seconds. */
#include "janitor.h"

#include <time.h>

#include "captchas.h"
#include "held_usernames.h"
#include "log.h"
#include "outbox.h"
#include "rate_counters.h"
#include "session.h"
#include "store.h"
#include "tokens.h"
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

/* The tables of owners not converted yet (oauth_flow.c, wechat_login.c, wechat_push.c). */
static int64_t sweep_text(struct st_conn *c, const char *sql, int64_t now)
{
    return st_exec(c, sql, "i", now) == ST_OK ? st_changes(c) : -1;
}

static int64_t sweep_oauth(struct st_conn *c, int64_t now)
{
    /* OAuth2 flows under way and sign-ups waiting for their form */
    int64_t a = sweep_text(c, "DELETE FROM oauth_states WHERE expires_at <= ?", now);
    int64_t b = a < 0 ? -1 : sweep_text(c, "DELETE FROM oauth_pending WHERE expires_at <= ?", now);
    return b < 0 ? -1 : a + b;
}

static int64_t sweep_wechat(struct st_conn *c, int64_t now)
{
    /* QR codes (kept a day, so an old page still says "expired") and pushes seen (WeChat
     * retries within seconds) */
    int64_t a = sweep_text(c, "DELETE FROM wechat_tickets WHERE expires_at <= ? - 86400", now);
    int64_t b =
        a < 0 ? -1 : sweep_text(c, "DELETE FROM wechat_pushes WHERE received_at <= ? - 86400", now);
    return b < 0 ? -1 : a + b;
}

static int64_t (*const sweeps[])(struct st_conn *c, int64_t now) = {
    sweep_sessions, tokens_sweep, captchas_sweep,       rate_counters_sweep,
    sweep_oauth,    sweep_wechat, held_usernames_sweep, sweep_outbox,
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
