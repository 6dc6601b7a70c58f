/* devsim_smtp: the simulator's SMTP server (RFC 5321 subset, a thread per client) that hands
 * every message it accepts to a message store, with fault modes switched at runtime. */
#ifndef DEVSIM_SMTP_H
#define DEVSIM_SMTP_H

struct dm_store;

enum dsmtp_mode { DSMTP_UP, DSMTP_DOWN, DSMTP_TEMPFAIL, DSMTP_PERMFAIL };

struct dsmtp_stats {
    enum dsmtp_mode mode;
    unsigned long long accepted; /* messages stored */
    unsigned long long refused;  /* commands or messages refused (fault modes, size) */
};

/* Listens on addr:port (port 0 picks a free one) and serves SMTP from a thread; accepted
 * messages go to st, which must outlive dsmtp_stop(). Returns 0, or -1 with errno set. */
int dsmtp_start(const char *addr, int port, struct dm_store *st);
/* The port listened on (the real one when 0 was asked for). */
int dsmtp_port(void);
/* Stops listening, ends every connection and joins all threads. Safe to call twice. */
void dsmtp_stop(void);
/* Switches the fault mode; returns once the listening socket matches it. Returns -1 when
 * listening again failed (the mode is then "down"). */
int dsmtp_set_mode(enum dsmtp_mode m);
void dsmtp_get_stats(struct dsmtp_stats *out);
/* "up", "down", "tempfail", "permfail" (static strings). */
const char *dsmtp_mode_name(enum dsmtp_mode m);
/* The mode named s, or -1. */
int dsmtp_mode_parse(const char *s);

#endif
