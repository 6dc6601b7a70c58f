/* pq_lazy: libpq loaded on the first connect; see pq_lazy.h. */
#include "pq_lazy.h"
#include "lazylib.h"

#include <dlfcn.h>
#include <libpq-fe.h>
#include <pthread.h>

#define PQ_LAZY_SO "libpq.so.5" /* Debian's libpq5 */

#define PQ_LAZY_FUNCTIONS(X)                                                                       \
    X(PQcancel)                                                                                    \
    X(PQclear)                                                                                     \
    X(PQcmdTuples)                                                                                 \
    X(PQconnectdb)                                                                                 \
    X(PQconnectdbParams)                                                                           \
    X(PQconsumeInput)                                                                              \
    X(PQerrorMessage)                                                                              \
    X(PQexec)                                                                                      \
    X(PQfinish)                                                                                    \
    X(PQfreeCancel)                                                                                \
    X(PQfreemem)                                                                                   \
    X(PQgetCancel)                                                                                 \
    X(PQgetResult)                                                                                 \
    X(PQgetisnull)                                                                                 \
    X(PQgetvalue)                                                                                  \
    X(PQisBusy)                                                                                    \
    X(PQnotifies)                                                                                  \
    X(PQntuples)                                                                                   \
    X(PQresultErrorField)                                                                          \
    X(PQresultErrorMessage)                                                                        \
    X(PQresultStatus)                                                                              \
    X(PQsendPrepare)                                                                               \
    X(PQsendQuery)                                                                                 \
    X(PQsendQueryParams)                                                                           \
    X(PQsendQueryPrepared)                                                                         \
    X(PQsetNoticeProcessor)                                                                        \
    X(PQsocket)                                                                                    \
    X(PQstatus)                                                                                    \
    X(PQtransactionStatus)

static struct {
#define PQ_LAZY_MEMBER(f) __typeof__(f) *f;
    PQ_LAZY_FUNCTIONS(PQ_LAZY_MEMBER)
#undef PQ_LAZY_MEMBER
} real;
static pthread_once_t pq_lazy_once = PTHREAD_ONCE_INIT;
static int pq_lazy_ready; /* written once, inside pq_lazy_once */

static void pq_lazy_load(void)
{
#define PQ_LAZY_SLOT(f) &real.f,
    static const char *const names[] = {PQ_LAZY_FUNCTIONS(LAZYLIB_NAME)};
    void *const slots[] = {PQ_LAZY_FUNCTIONS(PQ_LAZY_SLOT)};
#undef PQ_LAZY_SLOT
    if (!lazylib_load("pq_lazy", PQ_LAZY_SO, names, slots, sizeof(names) / sizeof(*names)))
        return;
    pq_lazy_ready = 1;
}

static int pq_lazy(void)
{
    pthread_once(&pq_lazy_once, pq_lazy_load);
    return pq_lazy_ready;
}

int pq_lazy_loaded(void)
{
    return pq_lazy_ready;
}

PGconn *PQconnectdb(const char *conninfo)
{
    return pq_lazy() ? real.PQconnectdb(conninfo) : NULL;
}

PGconn *PQconnectdbParams(const char *const *keys, const char *const *values, int expand)
{
    return pq_lazy() ? real.PQconnectdbParams(keys, values, expand) : NULL;
}

/* NULL is accepted where libpq accepts it, loaded or not. */
void PQfinish(PGconn *conn)
{
    if (conn) real.PQfinish(conn);
}

void PQclear(PGresult *res)
{
    if (res) real.PQclear(res);
}

void PQfreemem(void *ptr)
{
    if (ptr) real.PQfreemem(ptr);
}

void PQfreeCancel(PGcancel *cancel)
{
    if (cancel) real.PQfreeCancel(cancel);
}

ConnStatusType PQstatus(const PGconn *conn)
{
    return conn ? real.PQstatus(conn) : CONNECTION_BAD;
}

char *PQerrorMessage(const PGconn *conn)
{
    return conn ? real.PQerrorMessage(conn) : (char *)"no connection\n";
}

/* The rest take a connection or a result, so libpq is loaded. */
int PQcancel(PGcancel *cancel, char *errbuf, int errbufsize)
{
    return real.PQcancel(cancel, errbuf, errbufsize);
}

char *PQcmdTuples(PGresult *res)
{
    return real.PQcmdTuples(res);
}

int PQconsumeInput(PGconn *conn)
{
    return real.PQconsumeInput(conn);
}

PGresult *PQexec(PGconn *conn, const char *query)
{
    return real.PQexec(conn, query);
}

PGcancel *PQgetCancel(PGconn *conn)
{
    return real.PQgetCancel(conn);
}

PGresult *PQgetResult(PGconn *conn)
{
    return real.PQgetResult(conn);
}

int PQgetisnull(const PGresult *res, int row, int col)
{
    return real.PQgetisnull(res, row, col);
}

char *PQgetvalue(const PGresult *res, int row, int col)
{
    return real.PQgetvalue(res, row, col);
}

int PQisBusy(PGconn *conn)
{
    return real.PQisBusy(conn);
}

PGnotify *PQnotifies(PGconn *conn)
{
    return real.PQnotifies(conn);
}

int PQntuples(const PGresult *res)
{
    return real.PQntuples(res);
}

char *PQresultErrorField(const PGresult *res, int fieldcode)
{
    return real.PQresultErrorField(res, fieldcode);
}

char *PQresultErrorMessage(const PGresult *res)
{
    return real.PQresultErrorMessage(res);
}

ExecStatusType PQresultStatus(const PGresult *res)
{
    return real.PQresultStatus(res);
}

int PQsendPrepare(PGconn *conn, const char *name, const char *query, int n, const Oid *types)
{
    return real.PQsendPrepare(conn, name, query, n, types);
}

int PQsendQuery(PGconn *conn, const char *query)
{
    return real.PQsendQuery(conn, query);
}

int PQsendQueryParams(PGconn *conn, const char *command, int n, const Oid *types,
                      const char *const *values, const int *lengths, const int *formats,
                      int result_format)
{
    return real.PQsendQueryParams(conn, command, n, types, values, lengths, formats, result_format);
}

int PQsendQueryPrepared(PGconn *conn, const char *name, int n, const char *const *values,
                        const int *lengths, const int *formats, int result_format)
{
    return real.PQsendQueryPrepared(conn, name, n, values, lengths, formats, result_format);
}

PQnoticeProcessor PQsetNoticeProcessor(PGconn *conn, PQnoticeProcessor proc, void *arg)
{
    return real.PQsetNoticeProcessor(conn, proc, arg);
}

int PQsocket(const PGconn *conn)
{
    return real.PQsocket(conn);
}

PGTransactionStatusType PQtransactionStatus(const PGconn *conn)
{
    return real.PQtransactionStatus(conn);
}
