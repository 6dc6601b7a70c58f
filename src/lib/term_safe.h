/* term_safe: text for a terminal or a log, with every character that could steer the terminal
 * made visible. Stored strings (user agents, usernames, provider login names, audit details,
 * SMTP errors) reach the operator's screen through `daoid admin` and the logs; a raw ESC, BEL
 * or C1 control could rewrite the screen or, on terminals that allow OSC 52, the clipboard, and
 * a bidi override could reorder what the line seems to say. Escaped, as \xNN or \uNNNN:
 *   C0 controls (U+0000–U+001F; \t \n \r as such), DEL, C1 controls (U+0080–U+009F), the bidi
 *   embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the bidi marks
 *   (U+061C, U+200E, U+200F), the line and paragraph separators (U+2028, U+2029), and every
 *   byte that is not part of valid UTF-8 (\xNN: an 8-bit C1 on a Latin-1 terminal).
 * A backslash becomes \\, so an escape in the output always means an escaped character. */
#ifndef DAOID_TERM_SAFE_H
#define DAOID_TERM_SAFE_H

#include <stddef.h>

struct arena;

/* s (NUL-terminated) escaped, in a; NULL when s is NULL. */
char *term_safe(struct arena *a, const char *s);

/* The n bytes at s escaped into dst (cap bytes, cap >= 1), NUL-terminated; an escape that would
 * not fit whole is left out with everything after it. Returns the length written. */
size_t term_safe_buf(char *dst, size_t cap, const char *s, size_t n);

#endif
