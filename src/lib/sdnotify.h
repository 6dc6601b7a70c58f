/* sdnotify: the service manager's notification protocol (sd_notify(3)): READY=1, STOPPING=1,
 * RELOADING=1, WATCHDOG=1, STATUS=… to $NOTIFY_SOCKET. With libsystemd at build time
 * (HAVE_LIBSYSTEMD, pkg-config libsystemd) its sd_notify is used; otherwise a datagram is sent
 * the same way. Without $NOTIFY_SOCKET (not started by systemd) nothing is sent. */
#ifndef DAOID_SDNOTIFY_H
#define DAOID_SDNOTIFY_H

#include <stdint.h>

/* 1 sent, 0 no manager listening, -1 failed. */
int sdnotify(const char *state);
/* The watchdog interval the manager asked for ($WATCHDOG_USEC for this pid), or 0. */
int64_t sdnotify_watchdog_usec(void);

#endif
