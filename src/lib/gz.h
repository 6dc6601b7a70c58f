/* gz: gzip (RFC 1952) with zlib for HTTP responses (static files compressed once, at build time
 * or when an override is read; pages per response), and whether a request's Accept-Encoding
 * takes gzip. No other daoid code: tools/embed.c links it too. */
#ifndef DAOID_GZ_H
#define DAOID_GZ_H

#include <stddef.h>

/* The most gz_deflate may write for len bytes of input. */
size_t gz_bound(size_t len);
/* Compresses in[0..len) as one gzip member (no name, time 0: the same input gives the same
 * bytes) into out (cap bytes, gz_bound(len) is enough) at level 1-9. The output's length, or 0
 * when it failed or would not fit. */
size_t gz_deflate(const unsigned char *in, size_t len, unsigned char *out, size_t cap, int level);
/* 1 when a file's name says it is text worth compressing (.css .js .svg .txt). */
int gz_text_name(const char *path);
/* 1 when an Accept-Encoding value takes gzip (gzip, x-gzip or *, with a q other than 0). */
int gz_accepted(const char *accept_encoding);

#endif
