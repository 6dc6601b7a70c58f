/* admin: the operator's commands (`daoid admin …`), run against the configured database while
 * the service runs (every change is one transaction through the same domain code the pages
 * use: closure.c for disable, enable and delete).
 *
 *   find TEXT            accounts whose username or email contains TEXT (at most 50)
 *   show ACCOUNT         one account: its row, identities, sessions, held names, activity
 *   disable ACCOUNT      sign-in refused, every session ended
 *   enable ACCOUNT
 *   reset-2fa ACCOUNT    its passkeys, authenticator app and recovery codes removed (mfa.h)
 *   delete ACCOUNT --yes as a deletion by the owner: username held, a mail confirms
 *   mail dead            mails the sender gave up on
 *   mail retry ID|all    queue dead mails again (attempts start over)
 *   release-username NAME [--force]
 *                        end the hold a deleted account left on NAME (for good when its
 *                        registry namespace could not be emptied: closure.h invariant 4);
 *                        refused while the registry lists tagged images under NAME/ or does
 *                        not answer, unless --force; audited (username_released)
 *   sessions-changed     after SQL typed by hand into a SQLite database: every daoid on it
 *                        re-reads the sessions it caches (invalidate_all_at: the shared
 *                        counters bumped atomically, as the servers do); opens no store, so
 *                        it is cheap and makes no file; nothing to do on PostgreSQL
 *
 * ACCOUNT is #ID (or id:ID), an email address (its verified owner, or its only claim) or a
 * username. Exit status: 0 done, 1 not found or failed, 2 usage. Every string shown comes from
 * the database or the command line, so each goes through shown() (term_safe.h): a stored
 * User-Agent or login name cannot send escape sequences to the operator's terminal. */
#include "admin.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "asset.h"
#include "closure.h"
#include "config.h"
#include "held_usernames.h"
#include "i18n.h"
#include "identity.h"
#include "invalidate.h"
#include "log.h"
#include "mfa.h"
#include "outbox.h"
#include "registry_repos.h"
#include "sessions.h"
#include "store.h"
#include "term_safe.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: daoid admin [--config FILE] COMMAND\n"
            "  find TEXT             accounts whose username or email contains TEXT\n"
            "  show ACCOUNT          an account, its identities, sessions and activity\n"
            "  disable ACCOUNT       refuse its sign-in and end its sessions\n"
            "  enable ACCOUNT\n"
            "  reset-2fa ACCOUNT     remove its passkeys, authenticator app, recovery codes\n"
            "  delete ACCOUNT --yes  delete it (username held, confirmation mail)\n"
            "  mail dead             mails that could not be delivered\n"
            "  mail retry ID|all     queue dead mails again\n"
            "  release-username NAME [--force]\n"
            "                        end a deleted account's hold of NAME (refused\n"
            "                        while the registry has images under NAME/)\n"
            "  sessions-changed      after SQL by hand on SQLite: cached sessions re-read\n"
            "ACCOUNT: #ID, an email address or a username\n");
}

static const char *when(struct arena *a, int64_t t)
{
    if (!t) return "-";
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    return arena_strdup(a, buf);
}

/* s as printed: "-" when empty, control and bidi characters escaped. */
static const char *shown(struct arena *a, const char *s)
{
    return s && *s ? term_safe(a, s) : "-";
}

/* ACCOUNT → id; 0 when nothing matches, -1 on a store error. */
static int64_t resolve(struct st_conn *c, struct arena *a, const char *spec)
{
    char *end = NULL;
    const char *num = !strncmp(spec, "#", 1)     ? spec + 1
                      : !strncmp(spec, "id:", 3) ? spec + 3
                                                 : NULL;
    if (num) {
        long long id = strtoll(num, &end, 10);
        if (!*num || *end || id <= 0) return 0;
        struct account acct;
        enum acct_rc rc = account_by_id(c, a, id, &acct);
        return rc == ACCT_OK ? acct.id : rc == ACCT_NOTFOUND ? 0 : -1;
    }
    struct account acct;
    enum acct_rc rc = account_by_login(c, a, spec, &acct);
    return rc == ACCT_OK ? acct.id : rc == ACCT_NOTFOUND ? 0 : -1;
}

/* LIKE pattern for text anywhere, with the wildcards in text escaped. */
static char *like_pattern(struct arena *a, const char *text)
{
    struct abuf b;
    abuf_init(&b, a, strlen(text) * 2 + 3);
    abuf_addc(&b, '%');
    for (const char *p = text; *p; p++) {
        char ch = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if (ch == '%' || ch == '_' || ch == '\\') abuf_addc(&b, '\\');
        abuf_addc(&b, ch);
    }
    abuf_addc(&b, '%');
    return abuf_str(&b);
}

#define FOUND_MAX 50

static int cmd_find(struct st_conn *c, struct arena *a, const char *text)
{
    struct account *rows = arena_alloc(a, sizeof(*rows) * FOUND_MAX);
    int n = accounts_find(c, a, like_pattern(a, text), rows, FOUND_MAX);
    if (n < 0) return 1;
    for (int i = 0; i < n; i++) {
        if (!i)
            printf("%-8s %-30s %-40s %-10s %-8s %s\n", "ID", "USERNAME", "EMAIL", "VERIFIED",
                   "STATUS", "CREATED (UTC)");
        printf("#%-7lld %-30s %-40s %-10s %-8s %s\n", (long long)rows[i].id,
               shown(a, rows[i].username), shown(a, rows[i].email),
               rows[i].email_verified ? "yes" : "no", rows[i].status ? "disabled" : "active",
               when(a, rows[i].created_at));
    }
    if (!n) printf("no account matches \"%s\"\n", shown(a, text));
    return 0;
}

/* The lists of `show`: a title and, per column, where it sits in the row and whether it is a
 * time (int64_t) or text (char *), as st_list reads them. */
#define SHOW_MAX      200
#define SHOW_COLS     4
#define TEXT(type, f) ST_COL_TEXT(type, f)
#define TIME(type, f) ST_COL_INT(type, f)
static const struct {
    const char *title;
    size_t size;
    int cols;
    struct st_col col[SHOW_COLS]; /* ints are times */
} lists[] = {
    {"identities",
     sizeof(struct identity),
     4,
     {TEXT(struct identity, provider), TEXT(struct identity, login), TEXT(struct identity, subject),
      TIME(struct identity, created_at)}},
    {"sessions (ip, device, signed in, last seen)",
     sizeof(struct session_row),
     4,
     {TEXT(struct session_row, ip), TEXT(struct session_row, user_agent),
      TIME(struct session_row, created_at), TIME(struct session_row, last_seen)}},
    {"usernames it released (held until)",
     sizeof(struct held_username),
     2,
     {TEXT(struct held_username, username), TIME(struct held_username, held_until)}},
    {"recent activity",
     sizeof(struct audit_row),
     4,
     {TIME(struct audit_row, at), TEXT(struct audit_row, event), TEXT(struct audit_row, ip),
      TEXT(struct audit_row, detail)}},
};
#undef TEXT
#undef TIME

/* The rows of list which for account id into *rows; their number, or -1. */
static int show_fetch(struct st_conn *c, struct arena *a, int64_t id, size_t which, void **rows)
{
    if (which == 0) {
        struct identity *ids = NULL;
        int n = 0;
        int rc = identity_list(c, a, id, &ids, &n);
        *rows = ids;
        return rc ? -1 : n;
    }
    *rows = arena_alloc(a, lists[which].size * SHOW_MAX);
    switch (which) {
    case 1:
        return sessions_list(c, a, id, NULL, 0, *rows, SHOW_MAX);
    case 2:
        return held_usernames_list(c, a, id, *rows, SHOW_MAX);
    default: {
        struct audit_row *ev = NULL;
        int n = 0;
        if (audit_recent(c, a, id, SHOW_MAX, &ev, &n) != 0) return -1;
        *rows = ev;
        return n;
    }
    }
}

static int show_lists(struct st_conn *c, struct arena *a, int64_t id)
{
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        void *rows = NULL;
        int n = show_fetch(c, a, id, l, &rows);
        if (n < 0) return -1;
        printf("%s:\n", lists[l].title);
        for (int i = 0; i < n; i++) {
            const char *row = (const char *)rows + (size_t)i * lists[l].size;
            printf(" ");
            for (int k = 0; k < lists[l].cols; k++) {
                const void *f = row + lists[l].col[k].off;
                printf("  %s", lists[l].col[k].text ? shown(a, *(char *const *)f)
                                                    : when(a, *(const int64_t *)f));
            }
            printf("\n");
        }
        if (!n) printf("   (none)\n");
    }
    return 0;
}

static int cmd_show(struct st_conn *c, struct arena *a, int64_t id)
{
    struct account acct;
    if (account_by_id(c, a, id, &acct) != ACCT_OK) return 1;
    printf("account #%lld\n  username: %s\n  email:    %s (%s)\n  password: %s\n"
           "  status:   %s\n  created:  %s UTC\n",
           (long long)acct.id, shown(a, acct.username), shown(a, acct.email),
           acct.email ? (acct.email_verified ? "verified" : "unverified") : "none",
           acct.password_hash ? "set" : "none", acct.status ? "disabled" : "active",
           when(a, acct.created_at));
    return show_lists(c, a, id) ? 1 : 0;
}

static int cmd_status(int64_t id, int disabled)
{
    int64_t ended = 0;
    if (closure_set_status(id, disabled, "admin", &ended) != CLOSE_OK) return 1;
    if (disabled)
        printf("account #%lld disabled; %lld session(s) ended\n", (long long)id, (long long)ended);
    else
        printf("account #%lld enabled\n", (long long)id);
    return 0;
}

static int cmd_delete(struct st_conn *c, struct arena *a, int64_t id)
{
    struct account acct;
    if (account_by_id(c, a, id, &acct) != ACCT_OK) return 1;
    if (closure_delete(a, id, "admin", "admin", cfg->default_lang) != CLOSE_OK) return 1;
    if (held_usernames_count(c, acct.username, 0, CLOSURE_HOLD_FOREVER - 1) > 0)
        printf("account #%lld deleted; its registry images may remain, so its username is held "
               "until released (daoid admin release-username)\n",
               (long long)id);
    else
        printf("account #%lld deleted; its username is held for %lld days\n", (long long)id,
               (long long)(cfg->username_hold / 86400));
    return 0;
}

#define DEAD_MAX 10000

static int cmd_mail_dead(struct st_conn *c, struct arena *a)
{
    struct outbox_dead_row *rows = arena_alloc(a, sizeof(*rows) * DEAD_MAX);
    int n = outbox_dead_list(c, a, rows, DEAD_MAX);
    if (n < 0) return 1;
    for (int i = 0; i < n; i++) {
        if (!i)
            printf("%-8s %-16s %-40s %-8s %-20s %s\n", "ID", "KIND", "TO", "ATTEMPTS",
                   "QUEUED (UTC)", "LAST ERROR");
        printf("%-8lld %-16s %-40s %-8lld %-20s %s\n", (long long)rows[i].id,
               shown(a, rows[i].kind), shown(a, rows[i].rcpt), (long long)rows[i].attempts,
               when(a, rows[i].created_at), shown(a, rows[i].last_error));
    }
    if (!n) printf("no dead mails\n");
    return 0;
}

static int cmd_mail_retry(struct st_conn *c, const char *which)
{
    long long id = 0;
    if (strcmp(which, "all") != 0) {
        char *end = NULL;
        id = strtoll(which, &end, 10);
        if (!*which || *end || id <= 0) {
            usage();
            return 2;
        }
    }
    int64_t n = outbox_requeue_dead(c, id, time(NULL));
    if (n < 0) return 1;
    printf("%lld mail(s) queued again\n", (long long)n);
    return n > 0 || !id ? 0 : 1;
}

static int cmd_release(struct st_conn *c, struct arena *a, const char *name, int force)
{
    int images = registry_repos_any(a, name);
    if (images > 0 && !force)
        fprintf(stderr,
                "daoid admin: the registry still has images under %s/: delete them first, or "
                "pass --force\n",
                shown(a, name));
    if (images < 0 && !force)
        fprintf(stderr,
                "daoid admin: the registry does not answer, so %s/ cannot be checked: try "
                "again, or pass --force\n",
                shown(a, name));
    if (images != 0 && !force) return 1;
    int r = held_usernames_release(c, name);
    if (r < 0) return 1;
    if (r == 0) {
        fprintf(stderr, "daoid admin: %s is not held by a deleted account\n", shown(a, name));
        return 1;
    }
    audit_log(c, 0, AUDIT_USERNAME_RELEASED, "admin",
              arena_printf(a, "username=%s%s", name, images ? " forced" : ""), time(NULL));
    printf("username %s released: it can be signed up with again\n", shown(a, name));
    return 0;
}

/* Commands that name an account. */
static int on_account(struct st_conn *c, struct arena *a, const char *cmd, const char *spec,
                      int yes)
{
    int64_t id = resolve(c, a, spec);
    if (id < 0) return 1;
    if (id == 0) {
        fprintf(stderr, "daoid admin: no account %s\n", shown(a, spec));
        return 1;
    }
    if (!strcmp(cmd, "show")) return cmd_show(c, a, id);
    if (!strcmp(cmd, "disable")) return cmd_status(id, 1);
    if (!strcmp(cmd, "enable")) return cmd_status(id, 0);
    if (!strcmp(cmd, "reset-2fa")) {
        int r = mfa_reset(id, cfg->default_lang);
        if (r >= 0)
            printf(r ? "account #%lld: second factors removed\n"
                     : "account #%lld: no second factor\n",
                   (long long)id);
        return r < 0;
    }
    if (!yes) {
        fprintf(stderr, "daoid admin: delete needs --yes (it cannot be undone)\n");
        return 2;
    }
    return cmd_delete(c, a, id);
}

static int run(const char *const *args, int n, int yes, int force)
{
    struct st_conn *c = st_get();
    if (!c) return 1;
    struct arena *a = arena_new();
    int rc = 2;
    const char *cmd = args[0];
    if (!strcmp(cmd, "find") && n == 2)
        rc = cmd_find(c, a, args[1]);
    else if (n == 2 && (!strcmp(cmd, "show") || !strcmp(cmd, "disable") || !strcmp(cmd, "enable") ||
                        !strcmp(cmd, "delete") || !strcmp(cmd, "reset-2fa")))
        rc = on_account(c, a, cmd, args[1], yes);
    else if (!strcmp(cmd, "mail") && n == 2 && !strcmp(args[1], "dead"))
        rc = cmd_mail_dead(c, a);
    else if (!strcmp(cmd, "mail") && n == 3 && !strcmp(args[1], "retry"))
        rc = cmd_mail_retry(c, args[2]);
    else if (!strcmp(cmd, "release-username") && n == 2)
        rc = cmd_release(c, a, args[1], force);
    else
        usage();
    arena_free(a);
    return rc;
}

/* sessions-changed: the config alone (no store opened, no migration: a test calls it after
 * each of its writes by hand). */
static int cmd_sessions_changed(const char *config_path)
{
    int rc = 1;
    if (config_load(config_path) != 0) goto done;
    log_init(cfg->log_level);
    if (invalidate_all_at(cfg->database) != 0) {
        fprintf(stderr, "daoid admin: the shared session counters cannot be opened\n");
        goto done;
    }
    rc = 0;
done:
    config_free();
    return rc;
}

/* Config, templates and catalogs (for mails), the store. *opened says how far it got. */
static int open_all(const char *config_path, int *opened)
{
    if (sodium_init() < 0 || config_load(config_path) != 0) return -1;
    log_init(cfg->log_level);
    *opened = 1;
    if (asset_load_overrides(cfg->templates_dir) != 0 || i18n_init() != 0) return -1;
    char err[256];
    if (store_init(cfg->database, err, sizeof(err)) != 0) {
        char safe[sizeof(err) * 4];
        term_safe_buf(safe, sizeof(safe), err, strlen(err));
        fprintf(stderr, "daoid admin: %s\n", safe);
        return -1;
    }
    *opened = 2;
    return store_migrate() < 0 ? -1 : 0;
}

int admin_main(int argc, char **argv)
{
    const char *path = getenv("DAOID_CONFIG");
    const char *args[4];
    int n = 0, yes = 0, force = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--yes"))
            yes = 1;
        else if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (n < 4)
            args[n++] = argv[i];
        else
            n = 5;
    }
    if (n < 1 || n > 3) {
        usage();
        return 2;
    }
    if (n == 1 && !strcmp(args[0], "sessions-changed"))
        return cmd_sessions_changed(path && *path ? path : NULL);
    int opened = 0;
    int rc = open_all(path && *path ? path : NULL, &opened) == 0 ? run(args, n, yes, force) : 1;
    if (opened >= 2) store_shutdown();
    if (opened >= 1) {
        i18n_shutdown();
        asset_free_overrides();
    }
    config_free();
    return rc;
}
