/* devsim_smtp: a small SMTP server (RFC 5321 subset) that stores every message it accepts,
 * with fault modes (down, tempfail, permfail) switched at runtime. One thread per client. */
#include "devsim_smtp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "devsim_mail.h"

#define DSMTP_MAX_CONN 64
#define DSMTP_MAX_LINE 1000 /* octets including CRLF (RFC 5321 4.5.3.1.6) */
#define DSMTP_MAX_SIZE 10485760
#define DSMTP_MAX_RCPT 100
#define DSMTP_MAX_ADDR 320
#define DSMTP_READ_SEC 300
#define DSMTP_SEND_SEC 30

/* One client connection and the thread serving it. */
struct dsmtp_slot {
    pthread_t thr;
    int fd;   /* -1 once the connection is closed; guarded by dsmtp_srv.mu */
    int used; /* a thread was started and is not joined yet (listener thread only) */
    int done; /* set (atomically) by the thread when it ends */
};

struct dsmtp_server {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thr;
    int running;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int port;
    int lfd;     /* listening socket, -1 while down; changed by the listener thread */
    int wake[2]; /* pipe that wakes the listener thread */
    int want_listen, stop;
    unsigned gen_req, gen_done; /* socket changes asked for and applied */
    struct dsmtp_slot slots[DSMTP_MAX_CONN];
    struct dm_store *store;
    _Atomic int mode;
    _Atomic unsigned long long accepted, refused;
};

/* One SMTP session: input buffer, current line and the transaction's envelope. */
struct dsmtp_sess {
    int fd;
    char in[4096];
    size_t ipos, ilen;
    char line[DSMTP_MAX_LINE + 1];
    size_t llen;
    int overlong;
    int helo;
    int in_tx;         /* MAIL FROM accepted */
    struct dm_msg env; /* envelope of the current transaction */
};

/* A message being received after DATA. */
struct dsmtp_data {
    char *s;
    size_t len, cap;
    int too_big, overlong, nomem;
};

struct dsmtp_cmd {
    const char *verb;
    int (*fn)(struct dsmtp_sess *s, const char *arg);
    const char *reply; /* the fixed reply when fn is NULL */
};

static struct dsmtp_server dsmtp_srv = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
    .lfd = -1,
    .wake = {-1, -1},
};

static const char *const dsmtp_mode_names[] = {"up", "down", "tempfail", "permfail"};

const char *dsmtp_mode_name(enum dsmtp_mode m)
{
    return (unsigned)m < 4 ? dsmtp_mode_names[m] : "?";
}

int dsmtp_mode_parse(const char *s)
{
    for (int i = 0; i < 4 && s; i++)
        if (strcmp(s, dsmtp_mode_names[i]) == 0) return i;
    return -1;
}

void dsmtp_get_stats(struct dsmtp_stats *out)
{
    out->mode = (enum dsmtp_mode)atomic_load(&dsmtp_srv.mode);
    out->accepted = atomic_load(&dsmtp_srv.accepted);
    out->refused = atomic_load(&dsmtp_srv.refused);
}

int dsmtp_port(void)
{
    return dsmtp_srv.port;
}

/* Writes one line "TIME info smtp: ..." to stderr with a single write(2), like the daoid
 * logger, which is not used so that unit tests can link this file without the core library. */
__attribute__((format(printf, 1, 2))) static void dsmtp_log(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    struct tm tm;
    time_t now = time(NULL);
    gmtime_r(&now, &tm);
    int n = (int)strftime(buf, 64, "%Y-%m-%dT%H:%M:%SZ info smtp: ", &tm);
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n += k > 0 ? k : 0;
    if (n > (int)sizeof(buf) - 2) n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
    (void)w;
}

/* ---- client I/O ---- */

/* Sends one reply; fmt gives the text without the final CRLF. Returns 0, or -1 when the
 * client is gone. */
__attribute__((format(printf, 2, 3))) static int dsmtp_reply(struct dsmtp_sess *s, const char *fmt,
                                                             ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n > sizeof(buf) - 3) n = (int)sizeof(buf) - 3;
    memcpy(buf + n, "\r\n", 2);
    size_t len = (size_t)n + 2, off = 0;
    while (off < len) {
        ssize_t w = send(s->fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    return 0;
}

/* The next byte from the client, or -1 when it has gone away or stayed silent too long. */
static int dsmtp_getc(struct dsmtp_sess *s)
{
    if (s->ipos == s->ilen) {
        ssize_t r;
        do r = recv(s->fd, s->in, sizeof(s->in), 0);
        while (r < 0 && errno == EINTR);
        if (r <= 0) return -1;
        s->ipos = 0;
        s->ilen = (size_t)r;
    }
    return (unsigned char)s->in[s->ipos++];
}

/* Reads one line into s->line without its CRLF (a bare LF is accepted too). A line longer
 * than the limit is truncated and flagged in s->overlong. Returns 0, or -1 at end of input. */
static int dsmtp_readline(struct dsmtp_sess *s)
{
    s->llen = 0;
    s->overlong = 0;
    for (;;) {
        int c = dsmtp_getc(s);
        if (c < 0) return -1;
        if (c == '\n') break;
        if (s->llen < sizeof(s->line) - 1)
            s->line[s->llen++] = (char)c;
        else
            s->overlong = 1;
    }
    if (s->llen && s->line[s->llen - 1] == '\r') s->llen--;
    s->line[s->llen] = '\0';
    if (s->llen > DSMTP_MAX_LINE - 2) s->overlong = 1;
    return 0;
}

/* ---- envelope ---- */

static void dsmtp_tx_reset(struct dsmtp_sess *s)
{
    dm_msg_clear(&s->env);
    s->in_tx = 0;
}

/* Skips a case-insensitive keyword such as "FROM:" at p; NULL when p does not start so. */
static const char *dsmtp_keyword(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    return strncasecmp(p, kw, n) == 0 ? p + n : NULL;
}

/* Parses a path "<addr>" (or a bare addr) at p into out; a source route "@a,@b:" is dropped.
 * Returns the position after the path, or NULL on a syntax error. */
static const char *dsmtp_path(const char *p, char *out)
{
    const char *start, *end, *next;
    while (*p == ' ') p++;
    if (*p == '<') {
        start = p + 1;
        end = strchr(start, '>');
        if (!end) return NULL;
        next = end + 1;
    } else {
        start = p;
        end = next = p + strcspn(p, " ");
    }
    size_t n = (size_t)(end - start);
    if (n >= DSMTP_MAX_ADDR) return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)start[i] < 33 || start[i] == 127 || start[i] == '<') return NULL;
    memcpy(out, start, n);
    out[n] = '\0';
    char *colon = out[0] == '@' ? strchr(out, ':') : NULL;
    if (colon) memmove(out, colon + 1, strlen(colon + 1) + 1);
    return next;
}

/* 1 when the MAIL parameters announce a size over the limit (SIZE=n); others are ignored. */
static int dsmtp_size_too_big(const char *params)
{
    for (const char *p = params; *p;) {
        while (*p == ' ') p++;
        if (strncasecmp(p, "SIZE=", 5) == 0 && strtoull(p + 5, NULL, 10) > DSMTP_MAX_SIZE) return 1;
        p += strcspn(p, " ");
    }
    return 0;
}

/* ---- commands ---- */

static int dsmtp_refuse(struct dsmtp_sess *s, const char *reply)
{
    atomic_fetch_add(&dsmtp_srv.refused, 1);
    return dsmtp_reply(s, "%s", reply);
}

static int dsmtp_ehlo(struct dsmtp_sess *s, const char *arg)
{
    if (!*arg) return dsmtp_reply(s, "501 5.5.4 syntax: EHLO hostname");
    dsmtp_tx_reset(s);
    s->helo = 1;
    return dsmtp_reply(s,
                       "250-devsim greets %.200s\r\n250-8BITMIME\r\n250-SIZE %d\r\n"
                       "250-SMTPUTF8\r\n250 HELP",
                       arg, DSMTP_MAX_SIZE);
}

static int dsmtp_helo(struct dsmtp_sess *s, const char *arg)
{
    if (!*arg) return dsmtp_reply(s, "501 5.5.4 syntax: HELO hostname");
    dsmtp_tx_reset(s);
    s->helo = 1;
    return dsmtp_reply(s, "250 devsim");
}

static int dsmtp_mail(struct dsmtp_sess *s, const char *arg)
{
    char addr[DSMTP_MAX_ADDR];
    if (!s->helo) return dsmtp_reply(s, "503 5.5.1 send EHLO first");
    if (s->in_tx) return dsmtp_reply(s, "503 5.5.1 nested MAIL command");
    const char *p = dsmtp_keyword(arg, "FROM:");
    const char *params = p ? dsmtp_path(p, addr) : NULL;
    if (!params) return dsmtp_reply(s, "501 5.5.4 syntax: MAIL FROM:<address>");
    if (dsmtp_size_too_big(params))
        return dsmtp_refuse(s, "552 5.3.4 message size exceeds fixed limit");
    if (atomic_load(&dsmtp_srv.mode) == DSMTP_TEMPFAIL)
        return dsmtp_refuse(s, "451 4.3.0 try again later");
    dm_msg_set_from(&s->env, addr);
    s->in_tx = 1;
    return dsmtp_reply(s, "250 2.1.0 OK");
}

static int dsmtp_rcpt(struct dsmtp_sess *s, const char *arg)
{
    char addr[DSMTP_MAX_ADDR];
    if (!s->in_tx) return dsmtp_reply(s, "503 5.5.1 need MAIL before RCPT");
    const char *p = dsmtp_keyword(arg, "TO:");
    if (!p || !dsmtp_path(p, addr) || !*addr)
        return dsmtp_reply(s, "501 5.5.4 syntax: RCPT TO:<address>");
    if (s->env.n_env_to >= DSMTP_MAX_RCPT) return dsmtp_reply(s, "452 4.5.3 too many recipients");
    if (atomic_load(&dsmtp_srv.mode) == DSMTP_PERMFAIL)
        return dsmtp_refuse(s, "550 5.1.1 mailbox unavailable");
    dm_msg_add_rcpt(&s->env, addr);
    return dsmtp_reply(s, "250 2.1.5 OK");
}

static void dsmtp_data_add(struct dsmtp_data *d, const char *p, size_t n)
{
    if (d->too_big || d->nomem) return;
    if (d->len + n > DSMTP_MAX_SIZE) {
        d->too_big = 1;
        return;
    }
    if (d->len + n + 1 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16384;
        while (cap < d->len + n + 1) cap *= 2;
        char *q = realloc(d->s, cap);
        if (!q) {
            d->nomem = 1;
            return;
        }
        d->s = q;
        d->cap = cap;
    }
    memcpy(d->s + d->len, p, n);
    d->len += n;
}

/* Reads the message text up to the line ".", undoing dot-stuffing; lines end in CRLF in
 * d. Returns 0, or -1 when the client went away. */
static int dsmtp_read_data(struct dsmtp_sess *s, struct dsmtp_data *d)
{
    for (;;) {
        if (dsmtp_readline(s) < 0) return -1;
        if (s->overlong) d->overlong = 1;
        const char *l = s->line;
        size_t n = s->llen;
        if (n == 1 && l[0] == '.' && !s->overlong) return 0;
        if (n && l[0] == '.') l++, n--;
        dsmtp_data_add(d, l, n);
        dsmtp_data_add(d, "\r\n", 2);
    }
}

/* Parses d into a message with the session's envelope and stores it; returns its id. */
static long long dsmtp_store(struct dsmtp_sess *s, struct dsmtp_data *d)
{
    struct dm_msg *m = calloc(1, sizeof(*m));
    if (!m || dm_parse(d->s ? d->s : "", d->len, m) < 0) {
        free(m);
        return -1;
    }
    m->env_from = s->env.env_from;
    m->env_to = s->env.env_to;
    m->n_env_to = s->env.n_env_to;
    s->env.env_from = NULL;
    s->env.env_to = NULL;
    s->env.n_env_to = 0;
    return dm_store_add(dsmtp_srv.store, m);
}

/* Replies to the end of the message text: stores it or says why not. */
static int dsmtp_deliver(struct dsmtp_sess *s, struct dsmtp_data *d)
{
    if (d->overlong) return dsmtp_reply(s, "500 5.5.2 line too long");
    if (d->too_big) return dsmtp_refuse(s, "552 5.3.4 message size exceeds fixed limit");
    size_t nrcpt = s->env.n_env_to;
    long long id = d->nomem ? -1 : dsmtp_store(s, d);
    if (id < 0) return dsmtp_reply(s, "452 4.3.1 insufficient system storage");
    atomic_fetch_add(&dsmtp_srv.accepted, 1);
    dsmtp_log("queued message %lld for %zu recipient(s)", id, nrcpt);
    return dsmtp_reply(s, "250 OK queued as %lld", id);
}

static int dsmtp_data(struct dsmtp_sess *s, const char *arg)
{
    struct dsmtp_data d = {0};
    (void)arg;
    if (!s->in_tx || !s->env.n_env_to) return dsmtp_reply(s, "503 5.5.1 need RCPT before DATA");
    if (dsmtp_reply(s, "354 end data with <CR><LF>.<CR><LF>") < 0) return -1;
    int rc = dsmtp_read_data(s, &d);
    if (rc == 0) rc = dsmtp_deliver(s, &d);
    dsmtp_tx_reset(s);
    free(d.s);
    return rc;
}

static int dsmtp_rset(struct dsmtp_sess *s, const char *arg)
{
    (void)arg;
    dsmtp_tx_reset(s);
    return dsmtp_reply(s, "250 2.0.0 OK");
}

static int dsmtp_quit(struct dsmtp_sess *s, const char *arg)
{
    (void)arg;
    dsmtp_reply(s, "221 2.0.0 bye");
    return -1;
}

/* The commands: fn runs one, or, when fn is NULL, the reply is always the same. */
static const struct dsmtp_cmd dsmtp_cmds[] = {
    {"EHLO", dsmtp_ehlo, NULL},
    {"HELO", dsmtp_helo, NULL},
    {"MAIL", dsmtp_mail, NULL},
    {"RCPT", dsmtp_rcpt, NULL},
    {"DATA", dsmtp_data, NULL},
    {"RSET", dsmtp_rset, NULL},
    {"NOOP", NULL, "250 2.0.0 OK"},
    {"VRFY", NULL, "252 2.5.2 cannot VRFY user, but will accept message"},
    {"HELP", NULL, "214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP VRFY QUIT"},
    {"QUIT", dsmtp_quit, NULL},
    {NULL, NULL, NULL},
};

/* Runs the command in s->line. Returns 0 to go on, -1 to close the connection. */
static int dsmtp_command(struct dsmtp_sess *s)
{
    const char *l = s->line;
    size_t vl = strcspn(l, " ");
    const char *arg = l + vl;
    while (*arg == ' ') arg++;
    for (const struct dsmtp_cmd *c = dsmtp_cmds; c->verb; c++)
        if (vl == 4 && strncasecmp(l, c->verb, 4) == 0)
            return c->fn ? c->fn(s, arg) : dsmtp_reply(s, "%s", c->reply);
    return dsmtp_reply(s, "500 5.5.2 command not recognized");
}

static void dsmtp_session(struct dsmtp_sess *s)
{
    if (dsmtp_reply(s, "220 devsim ESMTP") < 0) return;
    while (dsmtp_readline(s) == 0) {
        int rc = s->overlong ? dsmtp_reply(s, "500 5.5.2 line too long") : dsmtp_command(s);
        if (rc < 0) break;
    }
}

/* ---- connections ---- */

static void *dsmtp_conn_main(void *arg)
{
    struct dsmtp_slot *slot = arg;
    struct dsmtp_sess *s = calloc(1, sizeof(*s));
    if (s) {
        s->fd = slot->fd;
        dsmtp_session(s);
        dm_msg_clear(&s->env);
        free(s);
    }
    pthread_mutex_lock(&dsmtp_srv.mu);
    close(slot->fd);
    slot->fd = -1;
    pthread_mutex_unlock(&dsmtp_srv.mu);
    __atomic_store_n(&slot->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Joins the threads of finished connections. Listener thread only. */
static void dsmtp_reap(void)
{
    for (int i = 0; i < DSMTP_MAX_CONN; i++) {
        struct dsmtp_slot *slot = &dsmtp_srv.slots[i];
        if (slot->used && __atomic_load_n(&slot->done, __ATOMIC_ACQUIRE)) {
            pthread_join(slot->thr, NULL);
            slot->used = 0;
        }
    }
}

static struct dsmtp_slot *dsmtp_free_slot(void)
{
    for (int i = 0; i < DSMTP_MAX_CONN; i++)
        if (!dsmtp_srv.slots[i].used) return &dsmtp_srv.slots[i];
    return NULL;
}

/* Sets the client socket's timeouts, and sends replies at once (pipelining clients would
 * otherwise wait for delayed ACKs). */
static void dsmtp_sockopts(int fd)
{
    struct timeval rt = {DSMTP_READ_SEC, 0}, st = {DSMTP_SEND_SEC, 0};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &st, sizeof(st));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Accepts one client and starts its thread, or turns it away when all slots are busy. */
static void dsmtp_accept_one(void)
{
    static const char busy[] = "421 4.3.2 too many connections\r\n";
    int fd = accept4(dsmtp_srv.lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    dsmtp_reap();
    struct dsmtp_slot *slot = dsmtp_free_slot();
    if (!slot) {
        ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)w;
        close(fd);
        return;
    }
    dsmtp_sockopts(fd);
    pthread_mutex_lock(&dsmtp_srv.mu);
    slot->fd = fd;
    slot->done = 0;
    slot->used = pthread_create(&slot->thr, NULL, dsmtp_conn_main, slot) == 0;
    if (!slot->used) {
        close(fd);
        slot->fd = -1;
    }
    pthread_mutex_unlock(&dsmtp_srv.mu);
}

/* ---- listening ---- */

/* Returns a socket listening on the server's address, or -1 with errno set. */
static int dsmtp_bind(void)
{
    int one = 1, fd = socket(dsmtp_srv.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&dsmtp_srv.addr, dsmtp_srv.addrlen) < 0) goto fail;
    if (listen(fd, 64) < 0) goto fail;
    return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

static void dsmtp_wake(void)
{
    ssize_t w = write(dsmtp_srv.wake[1], "x", 1);
    (void)w;
}

static void dsmtp_drain(void)
{
    char buf[64];
    while (read(dsmtp_srv.wake[0], buf, sizeof(buf)) > 0) continue;
}

/* Opens or closes the listening socket to match the wanted state. Returns 1 when the
 * listener thread must end. */
static int dsmtp_apply(void)
{
    pthread_mutex_lock(&dsmtp_srv.mu);
    int stop = dsmtp_srv.stop;
    if (!stop && dsmtp_srv.want_listen && dsmtp_srv.lfd < 0) {
        dsmtp_srv.lfd = dsmtp_bind();
        if (dsmtp_srv.lfd < 0)
            dsmtp_log("cannot listen on port %d: %s", dsmtp_srv.port, strerror(errno));
    } else if (!stop && !dsmtp_srv.want_listen && dsmtp_srv.lfd >= 0) {
        close(dsmtp_srv.lfd);
        dsmtp_srv.lfd = -1;
    }
    dsmtp_srv.gen_done = dsmtp_srv.gen_req;
    pthread_cond_broadcast(&dsmtp_srv.cv);
    pthread_mutex_unlock(&dsmtp_srv.mu);
    return stop;
}

static void *dsmtp_listen_main(void *arg)
{
    (void)arg;
    while (!dsmtp_apply()) {
        struct pollfd pf[2] = {{dsmtp_srv.wake[0], POLLIN, 0}, {dsmtp_srv.lfd, POLLIN, 0}};
        if (poll(pf, dsmtp_srv.lfd >= 0 ? 2 : 1, -1) < 0) continue;
        if (pf[0].revents) dsmtp_drain();
        if (dsmtp_srv.lfd >= 0 && (pf[1].revents & POLLIN)) dsmtp_accept_one();
        dsmtp_reap();
    }
    return NULL;
}

int dsmtp_set_mode(enum dsmtp_mode m)
{
    atomic_store(&dsmtp_srv.mode, m);
    if (!dsmtp_srv.running) return 0;
    pthread_mutex_lock(&dsmtp_srv.mu);
    dsmtp_srv.want_listen = m != DSMTP_DOWN;
    unsigned gen = ++dsmtp_srv.gen_req;
    dsmtp_wake();
    while ((int)(dsmtp_srv.gen_done - gen) < 0 && !dsmtp_srv.stop)
        pthread_cond_wait(&dsmtp_srv.cv, &dsmtp_srv.mu);
    int failed = dsmtp_srv.want_listen && dsmtp_srv.lfd < 0;
    if (failed) {
        atomic_store(&dsmtp_srv.mode, DSMTP_DOWN);
        dsmtp_srv.want_listen = 0;
    }
    pthread_mutex_unlock(&dsmtp_srv.mu);
    dsmtp_log("mode %s%s", dsmtp_mode_name(m), failed ? " failed, now down" : "");
    return failed ? -1 : 0;
}

/* Resolves the numeric address addr:port into the server's sockaddr. Returns 0 or -1. */
static int dsmtp_resolve(const char *addr, int port)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char serv[16];
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(serv, sizeof(serv), "%d", port);
    if (getaddrinfo(addr, serv, &hints, &ai) != 0 || !ai) {
        errno = EINVAL;
        return -1;
    }
    memcpy(&dsmtp_srv.addr, ai->ai_addr, ai->ai_addrlen);
    dsmtp_srv.addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* Records the port really bound (port 0 asks for any) so that "up" binds it again. */
static void dsmtp_learn_port(void)
{
    getsockname(dsmtp_srv.lfd, (struct sockaddr *)&dsmtp_srv.addr, &dsmtp_srv.addrlen);
    if (dsmtp_srv.addr.ss_family == AF_INET6)
        dsmtp_srv.port = ntohs(((struct sockaddr_in6 *)&dsmtp_srv.addr)->sin6_port);
    else
        dsmtp_srv.port = ntohs(((struct sockaddr_in *)&dsmtp_srv.addr)->sin_port);
}

int dsmtp_start(const char *addr, int port, struct dm_store *st)
{
    if (dsmtp_srv.running || dsmtp_resolve(addr, port) < 0) return -1;
    if (pipe2(dsmtp_srv.wake, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
    dsmtp_srv.lfd = dsmtp_bind();
    if (dsmtp_srv.lfd < 0) goto fail;
    dsmtp_learn_port();
    dsmtp_srv.store = st;
    dsmtp_srv.want_listen = 1;
    dsmtp_srv.stop = 0;
    for (int i = 0; i < DSMTP_MAX_CONN; i++) dsmtp_srv.slots[i].fd = -1;
    if (pthread_create(&dsmtp_srv.thr, NULL, dsmtp_listen_main, NULL) != 0) goto fail;
    dsmtp_srv.running = 1;
    return 0;
fail:;
    int e = errno;
    if (dsmtp_srv.lfd >= 0) close(dsmtp_srv.lfd);
    close(dsmtp_srv.wake[0]);
    close(dsmtp_srv.wake[1]);
    dsmtp_srv.lfd = dsmtp_srv.wake[0] = dsmtp_srv.wake[1] = -1;
    errno = e;
    return -1;
}

void dsmtp_stop(void)
{
    if (!dsmtp_srv.running) return;
    pthread_mutex_lock(&dsmtp_srv.mu);
    dsmtp_srv.stop = 1;
    dsmtp_wake();
    pthread_cond_broadcast(&dsmtp_srv.cv);
    pthread_mutex_unlock(&dsmtp_srv.mu);
    pthread_join(dsmtp_srv.thr, NULL);
    if (dsmtp_srv.lfd >= 0) close(dsmtp_srv.lfd);
    pthread_mutex_lock(&dsmtp_srv.mu);
    for (int i = 0; i < DSMTP_MAX_CONN; i++)
        if (dsmtp_srv.slots[i].fd >= 0) shutdown(dsmtp_srv.slots[i].fd, SHUT_RDWR);
    pthread_mutex_unlock(&dsmtp_srv.mu);
    for (int i = 0; i < DSMTP_MAX_CONN; i++)
        if (dsmtp_srv.slots[i].used) pthread_join(dsmtp_srv.slots[i].thr, NULL);
    memset(dsmtp_srv.slots, 0, sizeof(dsmtp_srv.slots));
    close(dsmtp_srv.wake[0]);
    close(dsmtp_srv.wake[1]);
    dsmtp_srv.lfd = dsmtp_srv.wake[0] = dsmtp_srv.wake[1] = -1;
    dsmtp_srv.running = 0;
}
