/* smtp: delivers one composed message to one recipient over SMTP with libcurl, and tells a
 * failure worth retrying from one that is final. */
#ifndef DAOID_SMTP_H
#define DAOID_SMTP_H

#include <stddef.h>

struct arena;

enum smtp_result {
    SMTP_SENT,
    SMTP_TEMPFAIL, /* 4xx reply, network, DNS, TLS, timeout, authentication: retry later */
    SMTP_PERMFAIL, /* 5xx reply (e.g. 550 on RCPT, 554 after DATA) or unusable addresses */
};

struct smtp_server {
    /* smtp://host:port (plain), smtp+starttls://host:port (STARTTLS required),
     * smtps://host:port (implicit TLS) */
    const char *url;
    const char *user;     /* NULL or "" for none */
    const char *password; /* NULL or "" for none */
    long timeout_s;       /* time limit of the whole delivery; <= 0: 30 s */
};

/* Sends message (CRLF text from mime_compose) from envelope sender from_addr (a bare address)
 * to rcpt. Needs curl_global_init() done by the program. On failure writes a short reason
 * (no secrets, no message text) into err (errlen > 0). The server's TLS certificate is
 * verified. */
enum smtp_result smtp_send(const struct smtp_server *s, const char *from_addr, const char *rcpt,
                           const char *message, char *err, size_t errlen);

/* The bare address of "Name <addr>" or of "addr" with surrounding blanks removed, owned by a.
 * NULL for NULL, an unterminated "<", or an empty address. */
char *smtp_bare_address(struct arena *a, const char *from);

#endif
