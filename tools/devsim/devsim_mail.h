/* devsim_mail: the simulator's message store and the MIME parser that turns a raw message
 * into the fields the inbox shows (decoded subject, text and HTML parts). */
#ifndef DEVSIM_MAIL_H
#define DEVSIM_MAIL_H

#include <stddef.h>

#define DM_STORE_CAP 1000

/* One message. Every string is NUL-terminated valid UTF-8 (invalid bytes and NULs are
 * replaced by U+FFFD) except raw, which holds the message bytes as received. Parsed fields
 * are NULL when the message has no such header or part. */
struct dm_msg {
    long long id;          /* set by dm_store_add, 0 before */
    long long received_at; /* Unix milliseconds, set by dm_store_add when 0 */
    char *env_from;        /* envelope sender, "" for the null sender */
    char **env_to;         /* envelope recipients */
    size_t n_env_to;
    char *hdr_from; /* From header, encoded-words decoded */
    char *hdr_to;   /* To header, encoded-words decoded */
    char *subject;  /* Subject header, encoded-words decoded */
    char *message_id;
    char *text; /* first text/plain part, transfer encoding undone, LF line ends */
    char *html; /* first text/html part, same */
    char *raw;
    size_t raw_len;
    int refs; /* owned by the store */
};

/* Parses raw[0..len) into *out, which is cleared first; the envelope fields stay empty.
 * Best effort: garbage input gives a message with whatever could be recognised. Returns 0,
 * or -1 when raw is NULL. Release the fields with dm_msg_clear(). */
int dm_parse(const char *raw, size_t len, struct dm_msg *out);
/* Frees every field of m (not m itself) and zeroes it. NULL is a no-op. */
void dm_msg_clear(struct dm_msg *m);
/* Sets the envelope; copies the strings. */
void dm_msg_set_from(struct dm_msg *m, const char *addr);
void dm_msg_add_rcpt(struct dm_msg *m, const char *addr);
/* 1 when addr is one of the envelope recipients (compared case-insensitively). */
int dm_msg_has_rcpt(const struct dm_msg *m, const char *addr);

/* Decoders, exposed for tests. Each returns a new NUL-terminated string owned by the
 * caller (free()), and its length in *outlen when outlen is not NULL. */
char *dm_b64_decode(const char *s, size_t n, size_t *outlen);
char *dm_qp_decode(const char *s, size_t n, size_t *outlen);
/* Decodes RFC 2047 encoded-words in an unfolded header value; the result is valid UTF-8. */
char *dm_rfc2047_decode(const char *s);
/* Copies s[0..n) replacing invalid UTF-8 sequences and NULs with U+FFFD. */
char *dm_utf8_clean(const char *s, size_t n);

/* The store: the newest DM_STORE_CAP messages, safe to use from several threads. */
struct dm_store;

/* Returns a new empty store keeping at most cap messages; free it with dm_store_free(). */
struct dm_store *dm_store_new(size_t cap);
/* Drops the store's references to every message and frees it. NULL is a no-op. */
void dm_store_free(struct dm_store *st);
/* Adds m, a heap message (malloc'd struct) whose ownership passes to the store; assigns
 * m->id and, when 0, m->received_at. Drops the oldest message when full. Returns the id. */
long long dm_store_add(struct dm_store *st, struct dm_msg *m);
/* Messages newest first, only those with recipient `to` unless to is NULL. *out is a
 * malloc'd array of references: release it with dm_list_free(). Returns the count. */
size_t dm_store_list(struct dm_store *st, const char *to, struct dm_msg ***out);
void dm_list_free(struct dm_msg **list, size_t n);
/* The message with this id, as a reference to release with dm_msg_unref(); NULL if gone. */
struct dm_msg *dm_store_get(struct dm_store *st, long long id);
/* Removes every message (ids keep increasing). */
void dm_store_clear(struct dm_store *st);
size_t dm_store_count(struct dm_store *st);
/* Releases one reference; the last one frees the message. NULL is a no-op. */
void dm_msg_unref(struct dm_msg *m);

/* Milliseconds since the Unix epoch. */
long long dm_now_ms(void);

#endif
