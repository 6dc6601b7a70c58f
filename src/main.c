/* main: the daoid command line.
 *   daoid serve [--config FILE]     run the service (migrates first)
 *   daoid migrate [--config FILE]   apply pending migrations and exit
 *   daoid check-config [--config FILE]
 *   daoid config-help               list every setting with its default
 *   daoid admin [--config FILE] …   operator commands (admin.c)
 *   daoid registry init [--config FILE] [--dir DIR] [--listen ADDR] [--storage DIR] [--rotate]
 *                                   the image registry's key, certificate and config.yml
 *   daoid backup FILE [--config FILE]   a consistent copy of the SQLite database, while serving
 *   daoid restore FILE [--config FILE]  puts a copy back (refused while a server runs on it)
 * serve under systemd: READY=1 once migrated and listening, WATCHDOG=1 while the store answers,
 * SIGHUP reloads the log level, the limits and templates_dir's files, SIGTERM stops accepting
 * and lets requests under way finish (stop_timeout).
 * The config file may also be named by DAOID_CONFIG; DAOID_* variables override it. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "asset.h"
#include "captcha_img.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "janitor.h"
#include "log.h"
#include "logbuf.h"
#include "mail.h"
#include "metrics.h"
#include "opsmetrics.h"
#include "password.h"
#include "pipeline.h"
#include "oidc_cli.h"
#include "registry_init.h"
#include "sdnotify.h"
#include "secrets.h"
#include "session_cache.h"
#include "store.h"
#include "version.h"
#include "ways_in.h"
#include "wechat_token.h"
#include "worker.h"

static void usage(void)
{
    fprintf(stderr, "usage: daoid serve|migrate|check-config|config-help|version [--config FILE]\n"
                    "       daoid backup|restore FILE [--config FILE]\n"
                    "       daoid admin [--config FILE] COMMAND (daoid admin help)\n"
                    "       daoid client add|list|show|rotate-secret|remove|rotate-key|keys …\n"
                    "       daoid registry init [--config FILE] [--dir DIR] [--listen ADDR]"
                    " [--storage DIR] [--rotate]\n");
}

/* daoid registry init: writes the registry's files (registry_init.h) and says what to set. */
static int registry_cmd(int argc, char **argv)
{
    const char *path = getenv("DAOID_CONFIG");
    struct registry_init_opts o = {.dir = "./var/registry", .listen = "127.0.0.1:5000"};
    if (argc < 3 || strcmp(argv[2], "init")) goto usage;
    for (int i = 3; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--rotate"))
            o.rotate = 1;
        else if (!v)
            goto usage;
        else if (!strcmp(argv[i], "--config"))
            path = argv[++i];
        else if (!strcmp(argv[i], "--dir"))
            o.dir = argv[++i];
        else if (!strcmp(argv[i], "--listen"))
            o.listen = argv[++i];
        else if (!strcmp(argv[i], "--storage"))
            o.storage = argv[++i];
        else
            goto usage;
    }
    if (config_load(path && *path ? path : NULL) != 0) return 1;
    char err[512];
    int rc = registry_init_files(&o, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "daoid registry init: %s\n", err);
    else
        printf("wrote %s/token-key.pem, %s/token-bundle.pem, %s/config.yml\n"
               "set in daoid's config: registry_key_file = %s/token-key.pem\n"
               "run the registry: docker-registry serve %s/config.yml\n",
               o.dir, o.dir, o.dir, o.dir, o.dir);
    config_free();
    return rc == 0 ? 0 : 1;
usage:
    usage();
    return 2;
}

/* daoid backup FILE / daoid restore FILE (SQLite; PostgreSQL: pg_dump, pg_restore) */
static int copy_cmd(int argc, char **argv)
{
    const char *path = getenv("DAOID_CONFIG"), *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[++i];
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            file = NULL, i = argc;
    }
    if (!file) {
        usage();
        return 2;
    }
    if (config_load(path && *path ? path : NULL) != 0) return 1;
    char err[512];
    int backup = !strcmp(argv[1], "backup");
    int rc = backup ? store_sqlite_backup(cfg->database, file, err, sizeof(err))
                    : store_sqlite_restore(cfg->database, file, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "daoid %s: %s\n", argv[1], err);
    else
        printf(backup ? "backup written to %s\n" : "restored from %s\n", file);
    config_free();
    return rc == 0 ? 0 : 1;
}

static int open_store(void)
{
    char err[256];
    if (store_init(cfg->database, err, sizeof(err)) != 0) {
        log_warnx("store: %s", err);
        return -1;
    }
    int v = store_migrate();
    if (v < 0) return -1;
    log_info("store: %s schema version %d", store_backend(), v);
    return 0;
}

/* The watchdog is fed only while the store answers and takes writes (store_unready): a daoid
 * whose database is gone for longer than WatchdogSec is restarted by systemd. */
static int watchdog_round(void)
{
    const char *why = store_unready();
    if (!why)
        sdnotify("WATCHDOG=1");
    else
        log_warnx("daoid: watchdog not fed: %s", why);
    return 0;
}
static struct worker watchdog = WORKER("watchdog", 1, watchdog_round, st_drop);

/* SIGHUP: the log level, the limits and templates_dir's files (config_reload says which). */
static void reload(const char *path)
{
    sdnotify("RELOADING=1");
    logbuf_flush(); /* the access lines logged so far, before anything changes */
    int lvl = -1;
    if (config_reload(path, &lvl) != 0) {
        log_warnx("daoid: SIGHUP: the configuration has errors; nothing changed");
    } else {
        log_set_level(lvl);
        if (asset_load_overrides(cfg->templates_dir) != 0)
            log_warnx("daoid: SIGHUP: cannot read templates_dir again");
        log_info("daoid: SIGHUP: reloaded the log level (%s), the limits and the templates",
                 lvl == LOG_LVL_DEBUG  ? "debug"
                 : lvl == LOG_LVL_INFO ? "info"
                 : lvl == LOG_LVL_WARN ? "warn"
                                       : "error");
    }
    sdnotify("READY=1");
}

static int serve(const char *path)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1, lock = -1;
    if (!strncmp(cfg->database, "sqlite:", 7) && strcmp(cfg->database, "sqlite::memory:")) {
        lock = store_sqlite_lock(cfg->database, 1);
        if (lock == -2) log_warnx("daoid: a restore is writing the database: try again after it");
        if (lock < 0) return 1;
    }
    if (asset_load_overrides(cfg->templates_dir) != 0 || i18n_init() != 0) goto out;
    if (password_init() != 0 || captcha_img_init() != 0) goto out;
    if (open_store() != 0 || secrets_init() != 0) goto out;
    if (h_metrics_init() != 0) goto out;
    opsmetrics_init();
    session_cache_init();
    ways_in_init();
    pipeline_init(routes, routes_count);
    if (http_start(pipeline_dispatch) != 0) goto out;
    if (cfg->metrics && *cfg->metrics_listen &&
        http_start_side(cfg->metrics_listen, h_metrics_listener) != 0)
        goto stop;
    if (mail_start() != 0 || janitor_start() != 0 || wechat_token_start() != 0) goto stop;
    log_info("daoid %s serving %s", DAOID_VERSION, cfg->public_url);
    sdnotify("READY=1\nSTATUS=serving");
    int64_t wd = sdnotify_watchdog_usec();
    if (wd > 0) {
        watchdog.every_s = wd / 2000000 > 0 ? (int)(wd / 2000000) : 1;
        if (worker_start(&watchdog) != 0) goto stop;
    }
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) reload(path);
    log_info("daoid: signal %d, stopping", sig);
    sdnotify("STOPPING=1");
    http_drain(cfg->stop_timeout);
    rc = 0;
stop:
    worker_stop(&watchdog);
    http_stop();
    mail_stop();
    janitor_stop();
    wechat_token_stop();
out:
    session_cache_shutdown();
    h_metrics_shutdown();
    metrics_reset();
    if (lock >= 0) close(lock);
    secrets_shutdown();
    store_shutdown();
    captcha_img_shutdown();
    password_shutdown();
    i18n_shutdown();
    asset_free_overrides();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1], *path = getenv("DAOID_CONFIG");
    if (!strcmp(cmd, "admin")) return admin_main(argc, argv);
    if (!strcmp(cmd, "registry")) return registry_cmd(argc, argv);
    if (!strcmp(cmd, "backup") || !strcmp(cmd, "restore")) return copy_cmd(argc, argv);
    if (!strcmp(cmd, "config-help") && argc == 3 && !strcmp(argv[2], "--man")) {
        config_print_man();
        return 0;
    }
    if (!strcmp(cmd, "client")) return oidc_cli_main(argc, argv);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[++i];
        else {
            usage();
            return 2;
        }
    }
    if (!strcmp(cmd, "version")) {
        printf("daoid %s\n", DAOID_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "config-help")) {
        config_print_help();
        return 0;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "daoid: libsodium failed to start\n");
        return 1;
    }
    int loaded = config_load(path && *path ? path : NULL);
    if (!strcmp(cmd, "check-config")) {
        if (loaded == 0) printf("config ok\n");
        config_free();
        return loaded == 0 ? 0 : 1;
    }
    if (loaded != 0) return 1;
    log_init(cfg->log_level);
    log_json(!strcmp(cfg->log_format, "json"));
    metrics_enable(cfg->metrics);
    log_access_enable(cfg->access_log);
    logbuf_setup(STDOUT_FILENO, (size_t)cfg->access_log_buffer, (int)cfg->access_log_flush_ms);
    int rc;
    if (!strcmp(cmd, "migrate")) {
        rc = open_store() == 0 ? 0 : 1;
        store_shutdown();
    } else if (!strcmp(cmd, "serve")) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = serve(path && *path ? path : NULL);
        curl_global_cleanup();
    } else {
        usage();
        rc = 2;
    }
    logbuf_stop(); /* the HTTP threads have ended (SIGTERM path): their last access lines */
    config_free();
    return rc;
}
