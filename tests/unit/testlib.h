/* testlib: shared unit-test fixtures: clean DAOID_* env, temp SQLite dir, config, services. */
#ifndef DAOID_TESTLIB_H
#define DAOID_TESTLIB_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "captcha_img.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "password.h"
#include "store.h"
#include "store_be.h"

/* What tl_setup_with() starts (config and the temporary directory always). */
enum tl_part {
    TL_STORE = 1 << 0,    /* store_init + store_migrate on DIR/x.db */
    TL_I18N = 1 << 1,     /* both catalogs */
    TL_PASSWORD = 1 << 2, /* common list, hash slots, dummy hash */
    TL_CAPTCHA = 1 << 3,  /* captcha_img font cache */
    TL_ALL = TL_STORE | TL_I18N | TL_PASSWORD | TL_CAPTCHA,
};

struct tl_state {
    char dir[256];  /* the temporary directory, "" when none */
    char url[300];  /* "sqlite:DIR/x.db" */
    unsigned parts; /* started parts, for tl_teardown */
    int config;     /* config_load succeeded */
};

static inline struct tl_state *tl_state(void)
{
    static struct tl_state s;
    return &s;
}

/* Removes every DAOID_* variable, so the developer's environment cannot leak into a test. */
static inline void tl_env_clear(void)
{
    extern char **environ;
    for (;;) {
        char name[128] = "";
        for (char **e = environ; e && *e; e++) {
            const char *eq = strchr(*e, '=');
            if (!strncmp(*e, "DAOID_", 6) && eq && (size_t)(eq - *e) < sizeof(name)) {
                memcpy(name, *e, (size_t)(eq - *e));
                name[eq - *e] = 0;
                break;
            }
        }
        if (!*name) return;
        unsetenv(name);
    }
}

/* Creates the private temporary directory (once per test process). */
static inline const char *tl_dir(void)
{
    struct tl_state *s = tl_state();
    if (!*s->dir) {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->dir, sizeof(s->dir), "%s/daoid-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        cr_assert_not_null(mkdtemp(s->dir), "mkdtemp %s", s->dir);
        int n = snprintf(s->url, sizeof(s->url), "sqlite:%s/x.db", s->dir);
        cr_assert(n > 0 && (size_t)n < sizeof(s->url));
    }
    return s->dir;
}

/* Writes text to DIR/name and returns the file's path (static storage, one at a time). */
static inline const char *tl_write_file(const char *name, const char *text)
{
    static char path[512];
    int n = snprintf(path, sizeof(path), "%s/%s", tl_dir(), name);
    cr_assert(n > 0 && (size_t)n < sizeof(path));
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static inline int tl_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The variables every test config starts from: the private database, cheap argon2, quiet logs.
 * extra: NULL-terminated name/value pairs set afterwards (may override these). */
static inline void tl_env_defaults(const char *const *extra)
{
    tl_env_clear();
    tl_dir();
    setenv("DAOID_DATABASE", tl_state()->url, 1);
    setenv("DAOID_ARGON2_MEMORY_KIB", "8192", 1);
    setenv("DAOID_ARGON2_ITERATIONS", "1", 1);
    setenv("DAOID_LOG_LEVEL", "warn", 1);
    for (int i = 0; extra && extra[i]; i += 2) setenv(extra[i], extra[i + 1], 1);
}

/* Loads the config from the environment (after tl_env_defaults); asserts it is valid. */
static inline void tl_config(void)
{
    cr_assert_eq(config_load(NULL), 0, "config_load failed (see stderr)");
    tl_state()->config = 1;
    log_init(cfg->log_level);
}

/* Default config plus extra variables, then sodium and the parts asked for. */
static inline void tl_setup_with(unsigned parts, const char *const *extra)
{
    struct tl_state *s = tl_state();
    cr_assert_geq(sodium_init(), 0);
    tl_env_defaults(extra);
    tl_config();
    if (parts & TL_STORE) {
        char err[256] = "";
        cr_assert_eq(store_init(cfg->database, err, sizeof(err)), 0, "store_init: %s", err);
        s->parts |= TL_STORE;
        cr_assert_eq(store_migrate(), store_schema_version());
    }
    if (parts & TL_I18N) {
        s->parts |= TL_I18N;
        cr_assert_eq(i18n_init(), 0);
    }
    if (parts & TL_PASSWORD) {
        s->parts |= TL_PASSWORD;
        cr_assert_eq(password_init(), 0);
    }
    if (parts & TL_CAPTCHA) {
        cr_assert_eq(captcha_img_init(), 0);
        s->parts |= TL_CAPTCHA;
    }
}

static inline void tl_setup(void)
{
    tl_setup_with(TL_ALL, NULL);
}

/* Undoes tl_setup_with (or whatever part of it ran), frees the config, removes the directory. */
static inline void tl_teardown(void)
{
    struct tl_state *s = tl_state();
    if (s->parts & TL_CAPTCHA) captcha_img_shutdown();
    if (s->parts & TL_PASSWORD) password_shutdown();
    if (s->parts & TL_I18N) i18n_shutdown();
    if (s->parts & TL_STORE) store_shutdown();
    s->parts = 0;
    config_free();
    s->config = 0;
    if (*s->dir) {
        nftw(s->dir, tl_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        s->dir[0] = 0;
        s->url[0] = 0;
    }
    tl_env_clear();
}

/* This thread's store connection; fails the test when there is none. */
static inline struct st_conn *tl_conn(void)
{
    struct st_conn *c = st_get();
    cr_assert_not_null(c, "no store connection");
    return c;
}

/* The tests' own SQL (set-ups and checks no owner has a statement for): sql prepared on c for
 * this one use through the backend, the parameters in bound, its first row read into out
 * (text copied into a) and the rest stepped over. ST_OK, ST_NOTFOUND or an error. */
static inline enum st_rc tl_row(struct st_conn *c, struct arena *a, const char *sql,
                                const struct st_val *in, int nin, const struct st_out *out,
                                int nout)
{
    struct st_stmt *s = c->be->prepare(c, -1, sql);
    if (!s) return ST_ERR;
    for (int i = 0; i < nin; i++) {
        if (in[i].text)
            st_bind_text(s, i + 1, in[i].s);
        else
            st_bind_int(s, i + 1, in[i].i);
    }
    enum st_rc rc = st_step(s);
    int found = rc == ST_ROW;
    for (int i = 0; found && i < nout; i++) {
        if (out[i].i)
            *out[i].i = st_col_int(s, i);
        else
            *out[i].s = arena_strdup(a, st_col_text(s, i));
    }
    while (rc == ST_ROW) rc = st_step(s);
    st_done(s);
    return rc != ST_DONE ? rc : found || !nout ? ST_OK : ST_NOTFOUND;
}

/* tl_row without a row to read: ST_OK or an error. */
static inline enum st_rc tl_exec(struct st_conn *c, const char *sql, const struct st_val *in,
                                 int nin)
{
    return tl_row(c, NULL, sql, in, nin, NULL, 0);
}

/* The single integer a query without parameters returns (pass a string literal). */
static inline int64_t tl_scalar(const char *sql)
{
    int64_t v = -1;
    cr_assert_eq(tl_row(tl_conn(), NULL, sql, ST_NONE, ST_OUT(ST_OUT_INT(&v))), ST_OK,
                 "query failed: %s", sql);
    return v;
}

#endif
