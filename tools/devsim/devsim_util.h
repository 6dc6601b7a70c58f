/* devsim_util: the small helpers every part of the simulator uses (memory that aborts when
 * exhausted, form decoding, HTML and URL escaping onto a stream). */
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
/* s percent-encoded for a query value, appended to f. */
void devsim_url_enc(FILE *f, const char *s);

#endif
