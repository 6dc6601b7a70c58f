/* mail: composing into the outbox (templates → mime.c; the table is outbox.c's) and the sender
 * thread that claims due rows one at a time with a lease and hands them to smtp.c. */
#include "mail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "mime.h"
#include "outbox.h"
#include "smtp.h"
#include "store.h"
#include "tmpl.h"
#include "worker.h"

#define MAIL_IDLE_WAIT 1 /* seconds the sender waits when nothing was due (or a kick) */

static int sender_round(void);
static struct worker sender = WORKER("mail", MAIL_IDLE_WAIT, sender_round, st_drop);

int64_t mail_backoff(int64_t attempts, int64_t base)
{
    if (attempts < 1) attempts = 1;
    int64_t d = base;
    for (int64_t i = 1; i < attempts && d < 3600; i++) d *= 2;
    return d > 3600 ? 3600 : d;
}

static const char *from_domain(struct arena *a)
{
    const char *bare = smtp_bare_address(a, cfg->mail_from);
    const char *at = bare ? strrchr(bare, '@') : NULL;
    return at ? at + 1 : "localhost";
}

int mail_enqueue(struct st_conn *c, struct arena *a, int64_t account_id, const char *kind,
                 const char *to, const char *lang, struct tmpl_ctx *vars, int64_t now)
{
    const struct i18n_cat *cat = i18n_cat(lang);
    tmpl_set(vars, "site_name", cfg->site_name);
    tmpl_set(vars, "lang", lang);
    char path[96], key[96];
    snprintf(path, sizeof(path), "web/templates/mail_%s.txt", kind);
    char *text = tmpl_render(a, path, vars, cat, TMPL_TEXT, NULL);
    snprintf(path, sizeof(path), "web/templates/mail_%s.html", kind);
    char *html = tmpl_render(a, path, vars, cat, TMPL_HTML, NULL);
    snprintf(key, sizeof(key), "{{t:mail.%s.subject}}", kind);
    char *subject = tmpl_render_str(a, key, vars, cat, TMPL_TEXT, NULL);
    if (!text || !html || !subject) {
        log_warnx("mail: cannot render %s", kind);
        return -1;
    }
    struct mime_msg m = {.from = cfg->mail_from,
                         .to = to,
                         .subject = subject,
                         .text = text,
                         .html = html,
                         .message_id_domain = from_domain(a),
                         .date = now};
    char *msg = mime_compose(a, &m);
    if (!msg) {
        log_warnx("mail: cannot compose %s", kind);
        return -1;
    }
    return outbox_insert(c, account_id, kind, to, msg, now);
}

int mail_claim(struct st_conn *c, struct arena *a, int64_t now, struct mail_claimed *m)
{
    int64_t lease = now + 2 * cfg->mail_timeout; /* one delivery takes at most mail_timeout */
    struct outbox_claimed row = {0};
    enum st_rc rc = outbox_claim(c, a, now, lease, &row);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    m->id = row.id;
    m->attempts = row.attempts;
    m->rcpt = row.rcpt;
    m->message = row.message;
    m->claimed_at = now;
    m->lease_until = lease;
    return 1;
}

/* Records the outcome. "Sent" is written whoever holds the row by now (so that nobody sends
 * it again); a failure only while this sender's lease holds (another sender may have the row
 * since, and must not find it queued or dead behind its back). */
static void finish(struct st_conn *c, const struct mail_claimed *m, enum smtp_result res,
                   const char *err, int64_t now)
{
    int rc;
    if (res == SMTP_SENT) {
        rc = outbox_sent(c, m->id, now);
        log_info("mail: #%lld delivered (attempt %lld)", (long long)m->id, (long long)m->attempts);
    } else if (res == SMTP_PERMFAIL || m->attempts >= cfg->mail_max_attempts) {
        rc = outbox_dead(c, m->id, m->lease_until, err);
        log_warnx("mail: #%lld dead after %lld attempts: %s", (long long)m->id,
                  (long long)m->attempts, err);
    } else {
        int64_t next = now + mail_backoff(m->attempts, cfg->mail_retry_base);
        rc = outbox_retry_later(c, m->id, m->lease_until, next, err);
        log_warnx("mail: #%lld attempt %lld failed, retry in %llds: %s", (long long)m->id,
                  (long long)m->attempts, (long long)(next - now), err);
    }
    if (rc != 0) log_warnx("mail: cannot record the outcome of #%lld", (long long)m->id);
}

int mail_deliver_due(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct smtp_server srv = {.url = cfg->smtp_url,
                              .user = cfg->smtp_user,
                              .password = cfg->smtp_password,
                              .timeout_s = (long)cfg->mail_timeout};
    int n = 0;
    for (;;) {
        struct arena *a = arena_new();
        struct mail_claimed m = {0};
        int got = mail_claim(c, a, now, &m);
        if (got <= 0) {
            arena_free(a);
            return got < 0 ? -1 : n;
        }
        /* The lease is 2 × mail_timeout and a conversation takes at most mail_timeout: one
         * begun within the lease's first half ends before anyone else may claim the row, with
         * half a timeout left to record it. A claim that went stale before the conversation
         * began (a stalled process) is handed back untried. */
        if (time(NULL) > m.claimed_at + cfg->mail_timeout / 2) {
            outbox_hand_back(c, m.id, m.lease_until);
            log_warnx("mail: #%lld claimed too long ago; handed back untried", (long long)m.id);
            arena_free(a);
            return n;
        }
        char err[256] = "";
        const char *envelope_from = smtp_bare_address(a, cfg->mail_from);
        enum smtp_result res = smtp_send(&srv, envelope_from, m.rcpt, m.message, err, sizeof(err));
        finish(c, &m, res, err, time(NULL));
        arena_free(a);
        n++;
        now = time(NULL);
        if (worker_stopping(&sender)) return n;
    }
}

/* One round of the sender thread: > 0 (something was sent) runs the next one at once. */
static int sender_round(void)
{
    return mail_deliver_due(time(NULL));
}

int mail_start(void)
{
    return worker_start(&sender);
}

void mail_stop(void)
{
    worker_stop(&sender);
}

void mail_kick(void)
{
    worker_kick(&sender);
}
