/* lazylib: a shared library mapped on first use (dlopen) and its functions looked up by name,
 * for the modules that keep a library out of an idle server's memory (captcha_img: libgd,
 * curl_lazy: libcurl, pq_lazy: libpq). */
#ifndef DAOID_LAZYLIB_H
#define DAOID_LAZYLIB_H

#include <stddef.h>

/* Loads SO (RTLD_NOW | RTLD_LOCAL) and, for each i < n, stores the address of the function
 * names[i] in the function pointer that slots[i] points at (of any function type: the
 * address's bytes are copied). Returns the handle, which the caller keeps for the life of the
 * process, or NULL when the library or one of the functions is missing: logged once as
 * "WHO: …", and nothing is left open. */
void *lazylib_load(const char *who, const char *so, const char *const names[], void *const slots[],
                   size_t n);

/* The names of an X-macro list of functions F: static const char *const n[] = {F(LAZYLIB_NAME)}; */
#define LAZYLIB_NAME(f) #f,

#endif
