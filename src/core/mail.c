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
#include "metrics.h"
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
    metrics_inc(MET_MAILS, "queued", NULL);
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

/* A delivery the SMTP server accepted whose "sent" could not be written yet (a full disk, the
 * database away). It is kept here and written before anything else is claimed; each failed try
 * extends the lease, so that no other sender takes the row meanwhile and this one never sends
 * it again. Only if the lease ends first (its extension failing too) may another sender send
 * it: logged, as the one window left. The sender is one thread per process. */
static struct {
    int set, told, lost;
    int64_t id, lease_until;
    char mid[160]; /* the Message-ID, for the log */
} unrecorded;

/* The Message-ID of a composed message ("?" without one), for the log lines that mark the
 * window between the SMTP server's acceptance and the row being marked sent. */
static void message_id(const char *msg, char *out, size_t n)
{
    const char *end = strstr(msg, "\r\n\r\n"), *p = msg;
    if (strncmp(p, "Message-ID: ", 12) != 0) p = strstr(msg, "\r\nMessage-ID: ");
    if (!p || (end && p > end)) {
        snprintf(out, n, "?");
        return;
    }
    p = strchr(p + 1, ':') + 2;
    snprintf(out, n, "%.*s", (int)strcspn(p, "\r\n"), p);
}

/* Writes the kept delivery as sent: 0, or -1 while that fails (the lease is extended). */
static int record_sent(struct st_conn *c)
{
    if (outbox_sent(c, unrecorded.id, time(NULL)) == 0) {
        log_info("mail: #%lld recorded as sent, Message-ID %s%s", (long long)unrecorded.id,
                 unrecorded.mid, unrecorded.told ? " (written late)" : "");
        unrecorded.set = 0;
        metrics_inc(MET_MAILS, "sent", NULL);
        return 0;
    }
    if (!unrecorded.told)
        log_warnx("mail: cannot record the outcome of #%lld (Message-ID %s) yet; kept, and "
                  "written before anything else",
                  (long long)unrecorded.id, unrecorded.mid);
    unrecorded.told = 1;
    if (unrecorded.lost) return -1;
    int64_t now = time(NULL), until = now + 2 * cfg->mail_timeout;
    int ext = now < unrecorded.lease_until
                  ? outbox_extend(c, unrecorded.id, unrecorded.lease_until, until)
                  : 0;
    if (ext > 0) unrecorded.lease_until = until;
    if (ext == 0) {
        unrecorded.lost = 1;
        log_warnx("mail: #%lld (Message-ID %s) was accepted by the SMTP server but its lease "
                  "ended before that could be recorded: another sender may send it again",
                  (long long)unrecorded.id, unrecorded.mid);
    }
    return -1;
}

/* Records a failure, only while this sender's lease holds (another sender may have the row
 * since, and must not find it queued or dead behind its back). */
static void finish_failed(struct st_conn *c, const struct mail_claimed *m, enum smtp_result res,
                          const char *err, int64_t now)
{
    int rc;
    if (res == SMTP_PERMFAIL || m->attempts >= cfg->mail_max_attempts) {
        rc = outbox_dead(c, m->id, m->lease_until, err);
        metrics_inc(MET_MAILS, "dead", NULL);
        log_warnx("mail: #%lld dead after %lld attempts: %s", (long long)m->id,
                  (long long)m->attempts, err);
    } else {
        int64_t next = now + mail_backoff(m->attempts, cfg->mail_retry_base);
        rc = outbox_retry_later(c, m->id, m->lease_until, next, err);
        metrics_inc(MET_MAILS, "retried", NULL);
        log_warnx("mail: #%lld attempt %lld failed, retry in %llds: %s", (long long)m->id,
                  (long long)m->attempts, (long long)(next - now), err);
    }
    if (rc != 0) log_warnx("mail: cannot record the outcome of #%lld", (long long)m->id);
}

int mail_deliver_due(int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    if (unrecorded.set && record_sent(c) != 0) return -1;
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
        char err[256] = "", mid[160];
        message_id(m.message, mid, sizeof(mid));
        /* from here until "recorded as sent" a node that dies may leave the mail to be sent
         * again (with this Message-ID): the two lines mark that window in the log */
        log_info("mail: #%lld to SMTP, Message-ID %s (attempt %lld)", (long long)m.id, mid,
                 (long long)m.attempts);
        const char *envelope_from = smtp_bare_address(a, cfg->mail_from);
        enum smtp_result res = smtp_send(&srv, envelope_from, m.rcpt, m.message, err, sizeof(err));
        n++;
        if (res == SMTP_SENT) {
            unrecorded.set = 1;
            unrecorded.told = unrecorded.lost = 0;
            unrecorded.id = m.id;
            unrecorded.lease_until = m.lease_until;
            snprintf(unrecorded.mid, sizeof(unrecorded.mid), "%s", mid);
            if (record_sent(c) != 0) {
                arena_free(a);
                return -1; /* tried again in the next round, before any claim */
            }
        } else {
            finish_failed(c, &m, res, err, time(NULL));
        }
        arena_free(a);
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
    if (unrecorded.set)
        log_warnx("mail: #%lld (Message-ID %s) was accepted by the SMTP server but is not "
                  "recorded as sent: it will be sent again once its lease ends",
                  (long long)unrecorded.id, unrecorded.mid);
}

void mail_kick(void)
{
    worker_kick(&sender);
}
