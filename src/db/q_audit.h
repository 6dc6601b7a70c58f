/* q_audit_trail: reads and the detach of the audit table (audit_trail.c; audit.c writes it). */
Q(AUDIT_TRAIL_RECENT,
  "SELECT event, ip, detail, created_at FROM audit WHERE account_id = ?"
  " ORDER BY created_at DESC, id DESC LIMIT 20",
  NULL)
Q(AUDIT_TRAIL_DETACH, "UPDATE audit SET account_id = NULL WHERE account_id = ?", NULL)
