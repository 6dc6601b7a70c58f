/* curl_lazy: libcurl is not linked; curl_lazy.c defines the libcurl functions daoid calls
 * (curl.h's declarations) and loads libcurl with dlopen on the first of them that needs it.
 * libcurl and what it pulls in (GnuTLS and p11-kit through librtmp and libldap, nettle, GMP,
 * libssh2, nghttp2, Kerberos: ~3 MiB of mapped pages) are then mapped only by a server that
 * sends a mail or calls a provider, not at idle. curl_global_init() only records its flags
 * (applied at the load); curl_global_cleanup() does nothing unless libcurl was loaded. When
 * libcurl cannot be loaded, curl_easy_init() and curl_slist_append() return NULL (callers
 * treat it as any failure to start a call) and the reason is logged once. */
#ifndef DAOID_CURL_LAZY_H
#define DAOID_CURL_LAZY_H

/* 1 once libcurl is loaded and initialised, else 0 (for tests and the idle-memory check). */
int curl_lazy_loaded(void);

#endif
