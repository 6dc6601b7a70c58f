/* oidc_cli: see oidc_cli.h. Output is one "key: value" per line (secrets shown once), names
 * made terminal-safe; errors on stderr with exit status 1 (2 for usage). */
#include "oidc_cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "log.h"
#include "oidc_client.h"
#include "oidc_key.h"
#include "oidc_keys.h"
#include "secrets.h"
#include "store.h"
#include "term_safe.h"

static void usage(void)
{
    fputs("usage: daoid client add NAME --redirect-uri URI [--redirect-uri URI …] [--public]\n"
          "                        [--scopes \"" OIDC_SCOPES "\"] [--first-party]\n"
          "                        [--post-logout-uri URI …] [--id-token-alg RS256|ES256]\n"
          "       daoid client set CLIENT_ID --id-token-alg RS256|ES256\n"
          "       daoid client list | show CLIENT_ID | rotate-secret CLIENT_ID | remove CLIENT_ID\n"
          "       daoid client rotate-key [--after DURATION] | keys\n"
          "       (each also takes --config PATH)\n",
          stderr);
}

static void show(struct arena *a, const struct oidc_client_row *r)
{
    printf("client_id: %s\nname: %s\ntype: %s%s\nredirect_uris: %s\npost_logout_uris: %s\n"
           "scopes: %s\nid_token_alg: %s\n",
           r->client_id, term_safe(a, r->name), r->is_public ? "public" : "confidential",
           r->first_party ? ", first-party" : "", term_safe(a, r->redirect_uris),
           term_safe(a, r->post_logout_uris), r->scopes, term_safe(a, r->id_token_alg));
}

static int add(struct arena *a, int argc, char **argv)
{
    struct ocl_new in = {.redirect_uris = "", .post_logout_uris = ""};
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--public")) {
            in.is_public = 1;
        } else if (!strcmp(argv[i], "--first-party")) {
            in.first_party = 1;
        } else if (v && !strcmp(argv[i], "--redirect-uri")) {
            in.redirect_uris = arena_printf(a, "%s%s%s", in.redirect_uris,
                                            *in.redirect_uris ? " " : "", argv[++i]);
        } else if (v && !strcmp(argv[i], "--post-logout-uri")) {
            in.post_logout_uris = arena_printf(a, "%s%s%s", in.post_logout_uris,
                                               *in.post_logout_uris ? " " : "", argv[++i]);
        } else if (v && !strcmp(argv[i], "--scopes")) {
            in.scopes = argv[++i];
        } else if (v && !strcmp(argv[i], "--id-token-alg")) {
            in.id_token_alg = argv[++i];
        } else if (!in.name && argv[i][0] != '-') {
            in.name = argv[i];
        } else {
            usage();
            return 2;
        }
    }
    char *id = NULL, *secret = NULL;
    const char *err = "";
    enum ocl_rc rc = oidc_client_add(a, &in, &id, &secret, &err);
    if (rc == OCL_INVALID) fprintf(stderr, "daoid client add: %s\n", err);
    if (rc == OCL_BUSY) fputs("daoid client add: the database failed\n", stderr);
    if (rc != OCL_OK) return 1;
    printf("client_id: %s\n", id);
    if (secret) printf("client_secret: %s\n(shown once: keep it now)\n", secret);
    return 0;
}

static int one(struct arena *a, const char *verb, const char *id)
{
    struct st_conn *c = st_get();
    if (!c) return 1;
    if (!strcmp(verb, "show")) {
        struct oidc_client_row r;
        enum st_rc rc = oidc_clients_get(c, a, id, &r);
        if (rc == ST_OK) show(a, &r);
        if (rc == ST_NOTFOUND)
            fprintf(stderr, "daoid client show: no client %s\n", term_safe(a, id));
        return rc == ST_OK ? 0 : 1;
    }
    if (!strcmp(verb, "remove")) {
        int n = oidc_clients_delete(c, id);
        if (n == 0) fprintf(stderr, "daoid client remove: no client %s\n", term_safe(a, id));
        if (n == 1) printf("removed: %s\n", id);
        return n == 1 ? 0 : 1;
    }
    char *secret = NULL;
    enum ocl_rc rc = oidc_client_rotate_secret(a, id, &secret);
    if (rc == OCL_OK)
        printf("client_id: %s\nclient_secret: %s\n(shown once: keep it now)\n", id, secret);
    if (rc == OCL_NOTFOUND)
        fprintf(stderr, "daoid client rotate-secret: no confidential client %s\n",
                term_safe(a, id));
    return rc == OCL_OK ? 0 : 1;
}

static int list(struct arena *a)
{
    struct oidc_client_row rows[500];
    struct st_conn *c = st_get();
    int n = c ? oidc_clients_list(c, a, rows, 500) : -1;
    for (int i = 0; i < n; i++) {
        if (i) putchar('\n');
        show(a, &rows[i]);
    }
    return n < 0;
}

static int keys(struct arena *a, int argc, char **argv)
{
    int64_t now = (int64_t)time(NULL);
    if (!strcmp(argv[0], "rotate-key")) {
        int64_t after = cfg->oidc_key_publish;
        if (argc == 3 && !strcmp(argv[1], "--after")) after = config_parse_duration(argv[2]);
        if (after < 0 || (argc != 1 && argc != 3)) {
            usage();
            return 2;
        }
        char *kids[2];
        if (oidc_key_rotate(a, now, after, kids) != 0) return 1;
        for (int i = 0; oidc_key_algs[i]; i++) printf("kid: %s %s\n", kids[i], oidc_key_algs[i]);
        printf("signs_from: %lld\n", (long long)(now + after));
        return 0;
    }
    struct oidc_key_row rows[16];
    struct st_conn *c = st_get();
    int n = c ? oidc_keys_published(c, a, now, rows, 16) : -1;
    for (int i = 0; i < n; i++)
        printf("kid: %s alg: %s published: %lld signs_from: %lld until: %lld\n", rows[i].kid,
               rows[i].alg, (long long)rows[i].created_at, (long long)rows[i].active_at,
               (long long)rows[i].expires_at);
    return n < 0;
}

static int set(const char *id, const char *alg)
{
    enum ocl_rc rc = oidc_client_set_alg(id, alg);
    if (rc == OCL_INVALID) fputs("daoid client set: --id-token-alg: RS256 or ES256\n", stderr);
    if (rc == OCL_NOTFOUND) fputs("daoid client set: no such client\n", stderr);
    if (rc == OCL_BUSY) fputs("daoid client set: the database failed\n", stderr);
    if (rc == OCL_OK) printf("client_id: %s\nid_token_alg: %s\n", id, alg);
    return rc != OCL_OK;
}

static int run(struct arena *a, int argc, char **argv)
{
    const char *verb = argv[0];
    if (!strcmp(verb, "set") && argc == 4 && !strcmp(argv[2], "--id-token-alg"))
        return set(argv[1], argv[3]);
    if (!strcmp(verb, "add")) return add(a, argc - 1, argv + 1);
    if (!strcmp(verb, "list") && argc == 1) return list(a);
    if (!strcmp(verb, "rotate-key") || (!strcmp(verb, "keys") && argc == 1))
        return keys(a, argc, argv);
    if (argc == 2 &&
        (!strcmp(verb, "show") || !strcmp(verb, "remove") || !strcmp(verb, "rotate-secret")))
        return one(a, verb, argv[1]);
    usage();
    return 2;
}

int oidc_cli_main(int argc, char **argv)
{
    const char *path = getenv("DAOID_CONFIG");
    char **args = calloc((size_t)argc, sizeof(*args));
    int n = 0, rc = 1, opened = 0;
    if (!args) return 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[++i];
        else
            args[n++] = argv[i];
    }
    if (n < 1) {
        usage();
        free(args);
        return 2;
    }
    char err[256];
    if (sodium_init() < 0 || config_load(path && *path ? path : NULL) != 0) goto out;
    log_init(cfg->log_level);
    if (store_init(cfg->database, err, sizeof(err)) != 0) {
        struct arena *ea = arena_new();
        fprintf(stderr, "daoid client: %s\n", term_safe(ea, err));
        arena_free(ea);
        goto out;
    }
    opened = 1;
    if (store_migrate() < 0 || secrets_init() != 0) goto out;
    struct arena *a = arena_new();
    rc = run(a, n, args);
    arena_free(a);
out:
    if (opened) {
        secrets_shutdown();
        store_shutdown();
    }
    config_free();
    free(args);
    return rc;
}
