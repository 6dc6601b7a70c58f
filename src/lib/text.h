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

/* s percent-encoded for a query value (unreserved characters and '/' kept), in a. */
char *text_urlencode(struct arena *a, const char *s);

#endif
