/* sessgen: see sessgen.h. */
#include "sessgen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* The file's layout: the two contended counters on cache lines of their own, then the slots.
 * A new file is all zeros, which is a valid state (only equality of values matters). */
struct area {
    _Alignas(64) uint64_t changes;
    _Alignas(64) uint64_t all;
    _Alignas(64) uint64_t slot[SESSGEN_SLOTS];
};

static struct area *area; /* NULL: no counters */

/* The counters of the database at path. A missing file is made when missing is NULL; else it
 * is NULL with *missing set, and no warning. */
static struct area *map_file(const char *path, int *missing)
{
    int create = !missing;
    char f[4096];
    if (snprintf(f, sizeof(f), "%s-sessgen", path) >= (int)sizeof(f)) return NULL;
    int created = create;
    int fd = create ? open(f, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
    if (!create || (fd < 0 && errno == EEXIST)) {
        created = 0;
        fd = open(f, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0 && !create && errno == ENOENT) {
        *missing = 1;
        return NULL;
    }
    if (fd < 0) {
        log_warnx("sessgen: %s: %s (cached sessions are not used)", f, strerror(errno));
        return NULL;
    }
    struct stat st, db;
    /* made by root (daoid admin) for a server that runs as the database's owner */
    if (created && geteuid() == 0 && stat(path, &db) == 0 && fchown(fd, db.st_uid, db.st_gid))
        log_warnx("sessgen: %s: cannot give it the database's owner: %s", f, strerror(errno));
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 &&
        (st.st_size >= (off_t)sizeof(struct area) || ftruncate(fd, sizeof(struct area)) == 0))
        m = mmap(NULL, sizeof(struct area), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        log_warnx("sessgen: %s: %s (cached sessions are not used)", f, strerror(errno));
    close(fd);
    return m == MAP_FAILED ? NULL : m;
}

int sessgen_open(const char *path)
{
    sessgen_close();
    struct area *m;
    if (!strcmp(path, ":memory:")) {
        m = mmap(NULL, sizeof(struct area), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                 0);
        if (m == MAP_FAILED) m = NULL;
    } else {
        m = map_file(path, NULL);
    }
    __atomic_store_n(&area, m, __ATOMIC_SEQ_CST);
    return m ? 0 : -1;
}

void sessgen_close(void)
{
    struct area *m = __atomic_exchange_n(&area, NULL, __ATOMIC_SEQ_CST);
    if (m) munmap(m, sizeof(*m));
}

int sessgen_ready(void)
{
    return __atomic_load_n(&area, __ATOMIC_ACQUIRE) != NULL;
}

static unsigned slot_of_account(int64_t account)
{
    return (unsigned)(((uint64_t)account * 0x9E3779B97F4A7C15ULL) >> 40) & (SESSGEN_SLOTS - 1);
}

/* id_hash is hex (BLAKE2b): its first 8 digits are as good as any hash of it */
static unsigned slot_of_session(const char *h)
{
    unsigned v = 0;
    for (int i = 0; i < 8 && h[i]; i++) v = v * 31 + (unsigned char)h[i];
    return (v * 0x9E3779B1u >> 7) & (SESSGEN_SLOTS - 1);
}

/* slot (or -1: the bulk counter), the total first: a reader that sees the slot unmoved also
 * sees the total unmoved */
static void bump(int slot)
{
    struct area *m = __atomic_load_n(&area, __ATOMIC_ACQUIRE);
    if (!m) return;
    __atomic_add_fetch(&m->changes, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(slot < 0 ? &m->all : &m->slot[slot], 1, __ATOMIC_SEQ_CST);
}

void sessgen_bump_account(int64_t account)
{
    bump((int)slot_of_account(account));
}

void sessgen_bump_session(const char *id_hash)
{
    bump((int)slot_of_session(id_hash));
}

void sessgen_bump_all(void)
{
    bump(-1);
}

int sessgen_bump_all_at(const char *path)
{
    int missing = 0;
    struct area *m = map_file(path, &missing);
    if (!m) return missing ? 0 : -1;
    __atomic_add_fetch(&m->changes, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&m->all, 1, __ATOMIC_SEQ_CST);
    munmap(m, sizeof(*m));
    return 0;
}

uint64_t sessgen_changes(void)
{
    struct area *m = __atomic_load_n(&area, __ATOMIC_ACQUIRE);
    return m ? __atomic_load_n(&m->changes, __ATOMIC_SEQ_CST) : 0;
}

/* the counters of account and id_hash (id_hash NULL: its slot reads as 0) */
static void read_slots(const struct area *m, int64_t account, const char *id_hash,
                       struct sessgen_stamp *out)
{
    out->all = __atomic_load_n(&m->all, __ATOMIC_SEQ_CST);
    out->account = __atomic_load_n(&m->slot[slot_of_account(account)], __ATOMIC_SEQ_CST);
    out->session =
        id_hash ? __atomic_load_n(&m->slot[slot_of_session(id_hash)], __ATOMIC_SEQ_CST) : 0;
}

int sessgen_stamp(uint64_t mark, int64_t account, const char *id_hash, struct sessgen_stamp *out)
{
    struct area *m = __atomic_load_n(&area, __ATOMIC_ACQUIRE);
    if (!m) return 0;
    read_slots(m, account, id_hash, out);
    return __atomic_load_n(&m->changes, __ATOMIC_SEQ_CST) == mark;
}

int sessgen_current(const struct sessgen_stamp *s, int64_t account, const char *id_hash)
{
    struct area *m = __atomic_load_n(&area, __ATOMIC_ACQUIRE);
    if (!m) return 0;
    struct sessgen_stamp now;
    read_slots(m, account, id_hash, &now);
    return now.all == s->all && now.account == s->account && now.session == s->session;
}
