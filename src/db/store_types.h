/* store_types: the handles and result codes the store facade (store.h) and its backends
 * (store_be.h) share, so that neither header includes the other. */
#ifndef DAOID_STORE_TYPES_H
#define DAOID_STORE_TYPES_H

struct st_conn;
struct st_stmt;

enum st_rc {
    ST_OK = 0,
    ST_ROW,      /* st_step: a row is ready */
    ST_DONE,     /* st_step: no more rows */
    ST_NOTFOUND, /* st_row: no row */
    ST_CONFLICT, /* a unique or foreign-key constraint refused the write */
    ST_BUSY,     /* locked past the busy timeout, or the database is unreachable */
    ST_ERR,      /* anything else; already logged */
};

#endif
