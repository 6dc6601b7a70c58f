-- 007: rate limits count in a sliding window (an estimate over two fixed windows): each
-- rate_counters row keeps, beside the count of its current window, the count of the window
-- before it. A row is now kept until the end of the window after its own (expires_at =
-- window_start + 2 × the window), since its count weighs on that window's estimate.
ALTER TABLE rate_counters ADD COLUMN prev_count INTEGER NOT NULL DEFAULT 0;
