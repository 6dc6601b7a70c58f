/* invalidate: see invalidate.h. */
#include "invalidate.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

static invalidate_fn subscriber;
static int listening; /* PostgreSQL: store_listen started */
static int remote_up; /* PostgreSQL: the listening connection is up (atomic) */

/* the writes of this thread's open transaction, reported again at its end */
#define PENDING_MAX 8
static __thread struct {
    int n, all;
    int64_t account[PENDING_MAX];
    char hash[PENDING_MAX][65];
} pending;

static void on_state(int up)
{
    /* coming back up: notes sent while down were lost, so nothing cached before counts */
    if (up && subscriber) subscriber(0, NULL);
    __atomic_store_n(&remote_up, up, __ATOMIC_SEQ_CST);
    if (!up && subscriber) subscriber(0, NULL);
}

void invalidate_subscribe(invalidate_fn fn)
{
    subscriber = fn;
    store_on_tx_end(fn ? invalidate_tx_end : NULL);
    if (fn && !listening && !strcmp(store_backend(), "postgres"))
        listening = store_listen(invalidate_note, on_state) == 0;
}

void invalidate_unsubscribe(void)
{
    if (listening) store_unlisten();
    listening = 0;
    __atomic_store_n(&remote_up, 0, __ATOMIC_SEQ_CST);
    subscriber = NULL;
}

int invalidate_live(void)
{
    if (strcmp(store_backend(), "postgres") != 0) return 1;
    return __atomic_load_n(&remote_up, __ATOMIC_SEQ_CST);
}

int64_t invalidate_generation(struct st_conn *c)
{
    return strcmp(store_backend(), "sqlite") ? 0 : st_count(c, Q_INVALIDATE_GENERATION, ST_NONE);
}

static void remember(struct st_conn *c, int64_t account, const char *id_hash)
{
    if (!c || !st_in_transaction(c)) return;
    if (pending.all || pending.n == PENDING_MAX || (!account && !id_hash)) {
        pending.all = 1;
        return;
    }
    pending.account[pending.n] = account;
    if (id_hash) {
        strncpy(pending.hash[pending.n], id_hash, 64);
        pending.hash[pending.n][64] = 0;
    } else {
        pending.hash[pending.n][0] = 0;
    }
    pending.n++;
}

static void report(struct st_conn *c, int64_t account, const char *id_hash)
{
    invalidate_fn fn = subscriber;
    if (!fn) return;
    fn(account, id_hash);
    remember(c, account, id_hash);
}

void invalidate_account(struct st_conn *c, int64_t account)
{
    report(c, account > 0 ? account : 0, NULL);
}

void invalidate_session(struct st_conn *c, const char *id_hash)
{
    if (id_hash) report(c, 0, id_hash);
}

void invalidate_all(struct st_conn *c)
{
    report(c, 0, NULL);
}

void invalidate_tx_end(struct st_conn *c)
{
    (void)c;
    invalidate_fn fn = subscriber;
    if (fn && pending.all) {
        fn(0, NULL);
    } else if (fn) {
        for (int i = 0; i < pending.n; i++)
            fn(pending.account[i], pending.hash[i][0] ? pending.hash[i] : NULL);
    }
    pending.n = 0;
    pending.all = 0;
}

void invalidate_note(const char *p)
{
    invalidate_fn fn = subscriber;
    if (!fn || !p) return;
    if (p[0] == 'a' && p[1] == ':') {
        char *end;
        long long id = strtoll(p + 2, &end, 10);
        if (*end == 0 && id > 0) {
            fn(id, NULL);
            return;
        }
    } else if (p[0] == 's' && p[1] == ':' && strlen(p + 2) == 64) {
        fn(0, p + 2);
        return;
    }
    fn(0, NULL); /* "*", or anything not understood: everything */
}
