/* q_outbox: mails waiting for the sender and mails sent or given up on (outbox.c). */
Q(OUTBOX_INSERT,
  "INSERT INTO outbox (account_id, kind, rcpt, message, next_attempt_at, created_at)"
  " VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?)",
  NULL)
/* "+id" (SQLite): the few rows due are found by their indexes (outbox_due, outbox_lease) and then
 * sorted, instead of walking every sent mail in id order */
Q(OUTBOX_CLAIM,
  "UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1"
  " WHERE id = (SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= ?)"
  " OR (status = 'sending' AND lease_until < ?) ORDER BY +id LIMIT 1)"
  " AND (status = 'queued' OR lease_until < ?) RETURNING id, attempts, rcpt, message",
  "UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1"
  " WHERE id = (SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= ?)"
  " OR (status = 'sending' AND lease_until < ?) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
  " AND (status = 'queued' OR lease_until < ?) RETURNING id, attempts, rcpt, message")
Q(OUTBOX_SENT,
  "UPDATE outbox SET status = 'sent', message = '', sent_at = ?, last_error = NULL WHERE id = ?",
  NULL)
Q(OUTBOX_DEAD,
  "UPDATE outbox SET status = 'dead', last_error = ? WHERE id = ? AND status = 'sending'"
  " AND lease_until = ?",
  NULL)
Q(OUTBOX_RETRY_LATER,
  "UPDATE outbox SET status = 'queued', next_attempt_at = ?, last_error = ?, lease_until = 0"
  " WHERE id = ? AND status = 'sending' AND lease_until = ?",
  NULL)
/* a sender that cannot record a delivery yet keeps its claim a while longer */
Q(OUTBOX_EXTEND,
  "UPDATE outbox SET lease_until = ? WHERE id = ? AND status = 'sending' AND lease_until = ?",
  NULL)
Q(OUTBOX_HAND_BACK,
  "UPDATE outbox SET status = 'queued', lease_until = 0, attempts = attempts - 1"
  " WHERE id = ? AND lease_until = ?",
  NULL)
Q(OUTBOX_DETACH, "UPDATE outbox SET account_id = NULL WHERE account_id = ?", NULL)
Q(OUTBOX_DEAD_LIST,
  "SELECT id, kind, rcpt, attempts, created_at, last_error FROM outbox WHERE status = 'dead'"
  " ORDER BY +id",
  NULL)
/* id 0: every dead mail */
Q(OUTBOX_REQUEUE_DEAD,
  "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?, lease_until = 0"
  " WHERE status = 'dead' AND (? = 0 OR id = ?)",
  NULL)
/* sent mails past their keep (outbox_sent: status, sent_at) */
QSWEEP(OUTBOX_SWEEP, "outbox", "status = 'sent' AND sent_at <= ?", "sent_at")
/* metrics: mails waiting to be sent (outbox_due) */
Q(OUTBOX_DEPTH, "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')", NULL)
