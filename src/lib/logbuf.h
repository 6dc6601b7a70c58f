/* logbuf: the access log's buffer, as nginx's `access_log ... buffer=32k flush=1s`. Each thread
 * that logs gets a buffer of its own (no lock shared between request threads); whole lines go
 * in, and a buffer is written with one write(2) when the next line would not fit, when its
 * oldest line is flush_ms old (by the thread itself as it adds a line, or by a flusher thread
 * when the thread has gone quiet), when its thread ends, and on logbuf_flush/logbuf_stop.
 *
 * Invariants:
 *  1. Lines are never split or interleaved: a buffer holds whole lines only, and every write
 *     of lines (a buffer, or a line written at once) is made under one process-wide write lock,
 *     repeated on short writes until the whole buffer is out.
 *  2. A line waits at most about flush_ms (plus the time a write takes) before it is written,
 *     also when no request follows it.
 *  3. With bytes = 0 every line is written at once, with one write(2), as without a buffer.
 *
 * Ownership: the buffers are logbuf's; each is freed when its thread ends. Lines lost: those of
 * a process killed with SIGKILL (or crashing) before their flush. */
#ifndef DAOID_LOGBUF_H
#define DAOID_LOGBUF_H

#include <stddef.h>

/* Lines go to fd from now on, buffered in bytes per thread (0: none) for at most flush_ms.
 * Call before the threads that log start (or after logbuf_stop). A thread whose buffer was
 * made under an earlier setup keeps that buffer's size. */
void logbuf_setup(int fd, size_t bytes, int flush_ms);
/* Adds one whole line (n bytes, ending in '\n'; at most a buffer's size, else written at once). */
void logbuf_put(const char *line, size_t n);
/* Writes every thread's buffered lines now (SIGHUP); returns once they are written. */
void logbuf_flush(void);
/* Writes every buffered line and ends the flusher thread; later lines are written at once
 * until the next logbuf_setup. Safe to call more than once (daoid calls it before exit). */
void logbuf_stop(void);

#endif
