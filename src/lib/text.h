/* text: UTF-8 checks and Unicode normalization (NFKC, case folding) with libunistring, for
 * usernames, emails and passwords. */
#ifndef DAOID_TEXT_H
#define DAOID_TEXT_H

#include <stddef.h>

struct arena;

/* 1 when s is valid UTF-8 without NUL or C0/C1 control characters other than none. */
int text_valid_utf8(const char *s);
/* NFKC of s, in a; NULL when s is not valid UTF-8. */
char *text_nfkc(struct arena *a, const char *s);
/* NFKC then full case folding (then NFKC again, as Unicode recommends for identifiers). */
char *text_fold(struct arena *a, const char *s);
/* Number of code points, or -1 for invalid UTF-8. */
long text_codepoints(const char *s);
/* s without leading and trailing ASCII white space, in a. */
char *text_trim(struct arena *a, const char *s);

/* The byte rules of request input (input.h applies them). A value of n bytes (it may hold a NUL
 * a C string would hide) passes when it has no C0 control (U+0000..U+001F) and no DEL, except a
 * tab with TEXT_TAB and CR/LF with TEXT_NEWLINE; with TEXT_UTF8 it must also be valid UTF-8
 * without C1 controls (U+0080..U+009F). */
enum text_rule { TEXT_TAB = 1, TEXT_NEWLINE = 2, TEXT_UTF8 = 4 };
int text_bytes_ok(const char *s, size_t n, unsigned rules);
/* 1 when the JSON text s (n bytes) escapes no control character into a string: no \u0000..
 * \u001F or \u007F other than \u0009, \u000A, \u000D (raw bytes are text_bytes_ok's). */
int text_json_escapes_ok(const char *s, size_t n);
/* A copy of s for storing and showing (a User-Agent): each invalid UTF-8 byte and each control
 * character (C0, DEL, C1) becomes U+FFFD, cut at a character boundary to at most max bytes.
 * In a; NULL when s is NULL. */
char *text_clean_line(struct arena *a, const char *s, size_t max);

/* s percent-encoded for a query value (unreserved characters and '/' kept), in a. */
char *text_urlencode(struct arena *a, const char *s);

#endif
