/* janitor: one DELETE per table per sweep, each in autocommit. */
#include "janitor.h"

#include <time.h>

#include "log.h"
#include "session.h"
#include "store.h"
#include "worker.h"

#define JANITOR_EVERY  60
#define SENT_MAIL_KEEP (7 * 86400)

int64_t janitor_sweep(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    int64_t total = 0, n = session_sweep(c, now);
    if (n < 0) return -1;
    total += n;
    static const char *const sweeps[] = {
        /* one-time tokens stay a week past expiry, so an old link still says "expired" */
        "DELETE FROM tokens WHERE expires_at <= ? - 604800",
        "DELETE FROM captchas WHERE expires_at <= ?",
        "DELETE FROM rate_counters WHERE expires_at <= ?",
        /* OAuth2 flows under way and sign-ups waiting for their form (oauth_flow.c) */
        "DELETE FROM oauth_states WHERE expires_at <= ?",
        "DELETE FROM oauth_pending WHERE expires_at <= ?",
        /* WeChat QR codes (kept a day, so an old page still says "expired") and pushes seen
         * (WeChat retries within seconds) */
        "DELETE FROM wechat_tickets WHERE expires_at <= ? - 86400",
        "DELETE FROM wechat_pushes WHERE received_at <= ? - 86400",
        /* usernames released by renames and deletions, once their hold is over (settings.c) */
        "DELETE FROM held_usernames WHERE held_until <= ?",
    };
    for (size_t i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
        if (st_exec(c, sweeps[i], "i", now) != ST_OK) return -1;
        total += st_changes(c);
    }
    if (st_exec(c, "DELETE FROM outbox WHERE status = 'sent' AND sent_at <= ?", "i",
                now - SENT_MAIL_KEEP) != ST_OK)
        return -1;
    total += st_changes(c);
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
