/* pq_lazy: libpq is not linked; pq_lazy.c defines the libpq functions daoid calls
 * (libpq-fe.h's declarations) and loads libpq with dlopen on the first connect. libpq and what
 * it pulls in (Kerberos/GSSAPI, libldap with SASL, OpenSSL's libssl: ~1 MiB of mapped pages)
 * are then mapped only by a server whose store is PostgreSQL. When libpq cannot be loaded,
 * PQconnectdb() and PQconnectdbParams() return NULL (the caller's "cannot connect") and the
 * reason is logged once; every other function is reached only with a connection or result,
 * so libpq is loaded by then. */
#ifndef DAOID_PQ_LAZY_H
#define DAOID_PQ_LAZY_H

/* 1 once libpq is loaded, else 0 (for tests and the idle-memory check). */
int pq_lazy_loaded(void);

#endif
