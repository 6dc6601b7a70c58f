/* outbox: owner of the outbox table — composed mails (mail.c writes them in the transaction of
 * the change they tell about; its sender thread claims them one at a time with a lease).
 * States: queued → sending (claimed, lease_until) → sent | queued (retry later) | dead; dead →
 * queued again by the operator (admin.c). Sent rows are swept a week later (their message is
 * emptied at once). */
#ifndef DAOID_OUTBOX_H
#define DAOID_OUTBOX_H

#include "store.h"

/* Queues a mail; account 0: none. 0 or -1. */
int outbox_insert(struct st_conn *c, int64_t account, const char *kind, const char *rcpt,
                  const char *message, int64_t now);

struct outbox_claimed {
    int64_t id, attempts;
    char *rcpt, *message;
};
/* Claims the oldest due row (queued and due at now, or sending with its lease over) until
 * lease_until: ST_OK, ST_NOTFOUND (nothing due) or an error. */
enum st_rc outbox_claim(struct st_conn *c, struct arena *a, int64_t now, int64_t lease_until,
                        struct outbox_claimed *out);
/* Outcomes. Sent: whoever holds the row by now. Dead and retry: only while the claim with
 * lease_until holds. Hand back: the claim is given up untried. 0 or -1. */
int outbox_sent(struct st_conn *c, int64_t id, int64_t now);
int outbox_dead(struct st_conn *c, int64_t id, int64_t lease_until, const char *error);
int outbox_retry_later(struct st_conn *c, int64_t id, int64_t lease_until, int64_t next,
                       const char *error);
int outbox_hand_back(struct st_conn *c, int64_t id, int64_t lease_until);
/* Moves the claim with lease_until on to new_until: 1, 0 (the claim is not this one any more:
 * the row was taken again or finished) or -1 on a store error. */
int outbox_extend(struct st_conn *c, int64_t id, int64_t lease_until, int64_t new_until);
/* The mails of account stay, without their account (it is being deleted). 0 or -1. */
int outbox_detach(struct st_conn *c, int64_t account);

struct outbox_dead_row {
    int64_t id, attempts, created_at;
    char *kind, *rcpt, *last_error;
};
/* Dead mails, oldest first, at most max into out[]; the number, or -1. */
int outbox_dead_list(struct st_conn *c, struct arena *a, struct outbox_dead_row *out, int max);
/* Queues dead mail id (0: every dead mail) again, attempts from 0; mails queued, or -1. */
int64_t outbox_requeue_dead(struct st_conn *c, int64_t id, int64_t now);
/* Janitor: removes mails sent at sent_before or earlier, at most ST_SWEEP_BATCH a call (the
 * oldest first); rows or -1. */
int64_t outbox_sweep(struct st_conn *c, int64_t sent_before);

/* Metrics: mails queued or being sent; -1 on error. */
int64_t outbox_depth(struct st_conn *c);

#endif
