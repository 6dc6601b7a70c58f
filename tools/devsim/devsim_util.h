/* devsim_util: the small helpers every part of the simulator uses (memory that aborts when
 * exhausted, form decoding, HTML and URL escaping onto a stream, texts written to a stream). */
#ifndef DEVSIM_UTIL_H
#define DEVSIM_UTIL_H

#include <stddef.h>
#include <stdio.h>

char *devsim_xstrdup(const char *s); /* NULL for NULL; the caller frees */
void *devsim_xrealloc(void *p, size_t n);
/* The decoded value of key in an x-www-form-urlencoded body (malloc'd), or NULL. */
char *devsim_form_get(const char *body, const char *key);
/* s escaped for HTML text and quoted attribute values, appended to f (NULL: nothing). */
void devsim_html_esc(FILE *f, const char *s);
/* open and close (HTML, as they are) with s escaped between them, appended to f. */
void devsim_html_wrap(FILE *f, const char *open, const char *s, const char *close);
/* s percent-encoded for a query value, appended to f. */
void devsim_url_enc(FILE *f, const char *s);

/* A text being written: devsim_buf_open() gives the stream to write it to (it aborts when out
 * of memory); devsim_buf_close() ends it and returns the text, malloc'd and NUL-terminated,
 * its length in b->len. */
struct devsim_buf {
    char *s;
    size_t len;
    FILE *f;
};
FILE *devsim_buf_open(struct devsim_buf *b);
char *devsim_buf_close(struct devsim_buf *b);

#endif
