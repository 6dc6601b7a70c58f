/* mime: composes the mails daoid sends: RFC 5322 headers (RFC 2047 for non-ASCII text) and a
 * multipart/alternative body with a text/plain and an optional text/html part, both base64. */
#ifndef DAOID_MIME_H
#define DAOID_MIME_H

#include <stdint.h>

struct arena;

struct mime_msg {
    const char *from;              /* "DaoCloud <noreply@example.com>"; the name may be UTF-8 */
    const char *to;                /* "alice@example.com" or "Alice <alice@example.com>" */
    const char *subject;           /* UTF-8 */
    const char *text;              /* UTF-8 plain text body; NULL counts as empty */
    const char *html;              /* UTF-8 HTML body, or NULL for a text-only mail */
    const char *message_id_domain; /* domain of the Message-ID; NULL: the From domain */
    int64_t date;                  /* Unix seconds for the Date header */
};

/* Returns the whole message (headers and body) with CRLF line endings, NUL-terminated and
 * owned by a. Returns NULL when from or to is missing or malformed, or when from, to, subject
 * or message_id_domain contains CR or LF (header injection). */
char *mime_compose(struct arena *a, const struct mime_msg *m);

/* Returns value for an unstructured header (Subject), owned by a: printable ASCII as is,
 * anything else as RFC 2047 "=?UTF-8?B?...?=" words separated by spaces, each word at most
 * 75 characters and holding whole UTF-8 sequences only. NULL in gives NULL out. */
char *mime_encode_header(struct arena *a, const char *value);

#endif
