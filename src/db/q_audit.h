/* q_audit: the audit trail (audit.c): one insert per event, the reads, the detach, the sweep. */
Q(AUDIT_INSERT,
  "INSERT INTO audit (account_id, event, ip, detail, created_at)"
  " VALUES (NULLIF(?, 0), ?, ?, ?, ?)",
  NULL)
Q(AUDIT_RECENT,
  "SELECT event, ip, detail, created_at FROM audit WHERE account_id = ?"
  " ORDER BY created_at DESC, id DESC LIMIT ?",
  NULL)
/* whether an account has a row of one event (closure.c: did it ever use the registry) */
Q(AUDIT_HAS, "SELECT COUNT(*) FROM audit WHERE account_id = ? AND event = ?", NULL)
Q(AUDIT_DETACH, "UPDATE audit SET account_id = NULL WHERE account_id = ?", NULL)
/* events older than audit_retention (audit_created) */
QSWEEP(AUDIT_SWEEP, "audit", "created_at <= ?", "created_at")
