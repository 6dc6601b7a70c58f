/* opsmetrics: see opsmetrics.h. The store gauges run on the scraping thread's connection; a
 * store that cannot answer leaves the gauge out of that scrape. */
#include "opsmetrics.h"

#include <time.h>

#include "metrics.h"
#include "outbox.h"
#include "password.h"
#include "sessions.h"
#include "store.h"
#include "version.h"

#ifndef DAOID_COMMIT
#define DAOID_COMMIT "unknown"
#endif

const char *opsmetrics_login(enum login_rc rc)
{
    switch (rc) {
    case LOGIN_OK:
        return "ok";
    case LOGIN_BAD:
        return "bad_credentials";
    case LOGIN_CAPTCHA_NEEDED:
        return "captcha_needed";
    case LOGIN_CAPTCHA_WRONG:
        return "captcha_wrong";
    case LOGIN_CAPTCHA_MISSING:
        return "captcha_missing";
    case LOGIN_DISABLED:
        return "disabled";
    case LOGIN_LIMITED:
        return "limited";
    case LOGIN_BUSY:
        return "busy";
    }
    return "other";
}

void opsmetrics_signin(const char *method, enum login_rc rc)
{
    metrics_inc(MET_SIGNINS, method, opsmetrics_login(rc));
}

static double gauge_outbox(void)
{
    struct st_conn *c = st_get();
    return c ? (double)outbox_depth(c) : -1;
}

/* an estimate of the people signed in: sessions used within the last day */
static double gauge_sessions(void)
{
    struct st_conn *c = st_get();
    return c ? (double)sessions_count_seen(c, (int64_t)time(NULL) - 86400) : -1;
}

static double gauge_slots(void)
{
    return password_slots_in_use();
}

void opsmetrics_init(void)
{
    metrics_build_info(DAOID_VERSION, DAOID_COMMIT, store_backend());
    metrics_gauge("daoid_mail_outbox_depth", "Mails queued or being sent", gauge_outbox);
    metrics_gauge("daoid_sessions_active", "Sessions used within the last 24 hours (estimate)",
                  gauge_sessions);
    metrics_gauge("daoid_hash_slots_in_use", "Password hash slots taken", gauge_slots);
}
