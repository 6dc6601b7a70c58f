/* devsim_inbox: the simulator's web inbox (HTML pages and a JSON API over the message store)
 * and /_ctl/smtp, which switches the SMTP server's fault mode. */
#ifndef DEVSIM_INBOX_H
#define DEVSIM_INBOX_H

#include "devsim_http.h"

struct dm_store;

/* Serves messages from st, which must outlive the HTTP server. */
void dinbox_init(struct dm_store *st);
/* /mail, /mail/ID, /mail/ID/raw, /mail/api/messages[/ID], /_ctl/smtp */
extern const struct devsim_route dinbox_routes[];

#endif
