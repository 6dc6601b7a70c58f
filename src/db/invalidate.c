/* invalidate: see invalidate.h. */
#include "invalidate.h"

#include <stdlib.h>
#include <string.h>

#include "sessgen.h"
#include "store.h"

static invalidate_fn subscriber;
static int listening; /* PostgreSQL: store_listen started */
static int remote_up; /* PostgreSQL: the listening connection is up (atomic) */
static int hooked;    /* store_on_tx_end(invalidate_tx_end) done (atomic) */

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
    store_on_tx_end(invalidate_tx_end);
    __atomic_store_n(&hooked, 1, __ATOMIC_SEQ_CST);
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

static int on_sqlite(void)
{
    return !strcmp(store_backend(), "sqlite");
}

int invalidate_live(void)
{
    if (on_sqlite()) return sessgen_ready();
    return __atomic_load_n(&remote_up, __ATOMIC_SEQ_CST);
}

uint64_t invalidate_mark(void)
{
    return sessgen_changes(); /* 0 when not mapped (PostgreSQL) */
}

int invalidate_stamp(uint64_t mark, int64_t account, const char *id_hash,
                     struct invalidate_stamp *out)
{
    *out = (struct invalidate_stamp){0};
    if (!on_sqlite()) return 1;
    struct sessgen_stamp g;
    if (!sessgen_stamp(mark, account, id_hash, &g)) return 0;
    *out = (struct invalidate_stamp){g.all, g.account, g.session};
    return 1;
}

int invalidate_current(const struct invalidate_stamp *s, int64_t account, const char *id_hash)
{
    if (!on_sqlite()) return 1;
    struct sessgen_stamp g = {s->all, s->account, s->session};
    return sessgen_current(&g, account, id_hash);
}

/* the shared counters (SQLite; a no-op when not mapped) */
static void bump(int64_t account, const char *id_hash)
{
    if (id_hash)
        sessgen_bump_session(id_hash);
    else if (account > 0)
        sessgen_bump_account(account);
    else
        sessgen_bump_all();
}

static void remember(struct st_conn *c, int64_t account, const char *id_hash)
{
    if (!c || !st_in_transaction(c)) return;
    if (!__atomic_load_n(&hooked, __ATOMIC_SEQ_CST)) { /* a process that never subscribed */
        store_on_tx_end(invalidate_tx_end);
        __atomic_store_n(&hooked, 1, __ATOMIC_SEQ_CST);
    }
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
    bump(account, id_hash);
    invalidate_fn fn = subscriber;
    if (fn) fn(account, id_hash);
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
    if (pending.all) {
        bump(0, NULL);
        if (fn) fn(0, NULL);
    } else {
        for (int i = 0; i < pending.n; i++) {
            const char *h = pending.hash[i][0] ? pending.hash[i] : NULL;
            bump(pending.account[i], h);
            if (fn) fn(pending.account[i], h);
        }
    }
    pending.n = 0;
    pending.all = 0;
}

int invalidate_all_at(const char *url)
{
    return strncmp(url, "sqlite:", 7) ? 0 : sessgen_bump_all_at(url + 7);
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
