/* mail: the durable outbox and its sender thread.
 *
 * States of an outbox row: queued → sending (leased until lease_until) → sent
 *                                           ↘ queued again (temporary failure, backoff)
 *                                           ↘ dead (permanent failure, or too many attempts)
 * A row left in `sending` by a node that died is taken again once its lease ends, so a mail is
 * never lost; it may be sent twice only if a node dies between the SMTP server accepting it and
 * the row being marked sent (the log lines "#ID to SMTP" and "#ID recorded as sent" bound that
 * window), or if "sent" cannot be written before the lease ends: until then the sender keeps the
 * outcome in memory, writes it before claiming anything else and extends the lease. Each message
 * keeps one Message-ID, so readers can drop the copy.
 * Enqueueing happens inside the caller's transaction: the mail exists iff its cause does. */
#ifndef DAOID_MAIL_H
#define DAOID_MAIL_H

#include <stdint.h>

struct arena;
struct st_conn;
struct tmpl_ctx;

/* Renders web/templates/mail_KIND.txt and .html and the subject "mail.KIND.subject" in lang
 * with vars (site_name is added), and queues the message for to. Inside the caller's
 * transaction. 0 or -1. */
int mail_enqueue(struct st_conn *c, struct arena *a, int64_t account_id, const char *kind,
                 const char *to, const char *lang, struct tmpl_ctx *vars, int64_t now);
/* Delay before retry number `attempts` (1-based): base, 2·base, 4·base … at most an hour. */
int64_t mail_backoff(int64_t attempts, int64_t base);

/* A row taken by one sender: its lease runs until now + 2 × mail_timeout. */
struct mail_claimed {
    int64_t id, attempts;
    int64_t claimed_at, lease_until; /* the lease this sender holds */
    char *rcpt, *message;            /* in the caller's arena */
};
/* Takes the oldest due row (or one whose lease ran out) for this sender, atomically across
 * threads, processes and nodes. 1, 0 (none due) or -1 on a store error. */
int mail_claim(struct st_conn *c, struct arena *a, int64_t now, struct mail_claimed *m);

/* Starts/stops the sender thread. */
int mail_start(void);
void mail_stop(void);
/* Wakes the sender now (after a commit that queued mail). */
void mail_kick(void);
/* Delivers every due message once; returns how many were attempted, -1 on a store error
 * (including a delivery whose outcome could not be written yet: kept for the next call). */
int mail_deliver_due(int64_t now);

#endif
