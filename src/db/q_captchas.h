/* q_captchas: challenges shown and not yet answered (captchas.c). */
Q(CAPTCHAS_INSERT, "INSERT INTO captchas (id_hash, answer_hash, expires_at) VALUES (?, ?, ?)", NULL)
Q(CAPTCHAS_TAKE, "DELETE FROM captchas WHERE id_hash = ? RETURNING answer_hash, expires_at", NULL)
QSWEEP(CAPTCHAS_SWEEP, "captchas", "expires_at <= ?", "expires_at")
