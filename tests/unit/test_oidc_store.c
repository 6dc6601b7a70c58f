/* The store contract of the OpenID Connect provider's tables, on SQLite and PostgreSQL: each
 * owner's calls (oidc_clients, oidc_codes, oidc_grants, oidc_tokens, oidc_consents, oidc_keys),
 * a code taken once and a refresh token rotated once however many callers race, revoking a
 * grant ends its tokens, and what goes with a client or an account. */
#include <pthread.h>

#include "accounts.h"
#include "arena.h"
#include "oidc_clients.h"
#include "oidc_codes.h"
#include "oidc_consents.h"
#include "oidc_grants.h"
#include "oidc_keys.h"
#include "oidc_tokens.h"

#include "test_store_contract_db.h"

#define NOW     1800000000
#define THREADS 8

static int64_t account(const char *name)
{
    int64_t id = 0;
    char email[64];
    snprintf(email, sizeof(email), "%s@example.org", name);
    cr_assert_eq(accounts_insert(tl_conn(), name, email, email, 1, NULL, NOW, &id), ST_OK);
    return id;
}

static int64_t client(const char *client_id, int is_public)
{
    struct oidc_client_row r = {
        .client_id = (char *)client_id,
        .name = "App",
        .secret_hash = is_public ? NULL : "sh",
        .redirect_uris = "https://app.test/cb https://app.test/cb2",
        .scopes = "openid profile email offline_access",
        .is_public = is_public,
    };
    int64_t id = 0;
    cr_assert_eq(oidc_clients_insert(tl_conn(), &r, NOW, &id), ST_OK);
    return id;
}

CONTRACT(oidc_clients_owner)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t one = client("one", 0), two = client("two", 1);
    cr_assert_gt(two, one);
    struct oidc_client_row r = {.client_id = "one", .name = "x", .redirect_uris = "", .scopes = ""};
    int64_t id;
    cr_assert_eq(oidc_clients_insert(c, &r, NOW, &id), ST_CONFLICT);
    struct oidc_client_row o;
    cr_assert_eq(oidc_clients_get(c, a, "two", &o), ST_OK);
    cr_assert_eq(o.id, two);
    cr_assert_null(o.secret_hash);
    cr_assert_eq(o.is_public, 1);
    cr_assert_str_eq(o.redirect_uris, "https://app.test/cb https://app.test/cb2");
    cr_assert_str_eq(o.post_logout_uris, "");
    cr_assert_eq(oidc_clients_get_id(c, a, one, &o), ST_OK);
    cr_assert_str_eq(o.secret_hash, "sh");
    cr_assert_eq(oidc_clients_get(c, a, "three", &o), ST_NOTFOUND);
    struct oidc_client_row rows[4];
    cr_assert_eq(oidc_clients_list(c, a, rows, 4), 2);
    cr_assert_str_eq(rows[0].client_id, "one");
    cr_assert_eq(oidc_clients_set_secret(c, "one", "sh2", NOW + 1), 1);
    cr_assert_eq(oidc_clients_set_secret(c, "two", "sh2", NOW + 1), 0, "a public client has none");
    cr_assert_eq(oidc_clients_get(c, a, "one", &o), ST_OK);
    cr_assert_str_eq(o.secret_hash, "sh2");
    cr_assert_str_eq(o.id_token_alg, "RS256", "RS256 unless asked");
    cr_assert_eq(oidc_clients_set_alg(c, "one", "ES256", NOW + 2), 1);
    cr_assert_eq(oidc_clients_set_alg(c, "nine", "ES256", NOW + 2), 0);
    cr_assert_eq(oidc_clients_list(c, a, rows, 4), 2);
    cr_assert_str_eq(rows[0].id_token_alg, "ES256");
    cr_assert_eq(oidc_clients_delete(c, "one"), 1);
    cr_assert_eq(oidc_clients_delete(c, "one"), 0);
    arena_free(a);
}

static struct oidc_code_row code_row(int64_t cl, int64_t acct)
{
    return (struct oidc_code_row){
        .client_id = cl,
        .account_id = acct,
        .redirect_uri = "https://app.test/cb",
        .scope = "openid email",
        .nonce = "n-1",
        .challenge = "ch",
        .auth_time = NOW - 5,
        .amr = "pwd",
        .expires_at = NOW + 60,
    };
}

static void *take_code(void *arg)
{
    (void)arg;
    struct st_conn *c = st_get();
    struct arena *a = arena_new();
    struct oidc_code_row o;
    long won = c && oidc_codes_take(c, a, "race", NOW + 1, &o) == ST_OK;
    arena_free(a);
    return (void *)won;
}

CONTRACT(oidc_code_taken_once_under_race_and_bound_to_its_grant)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t acct = account("codeowner"), cl = client("app", 1);
    struct oidc_code_row r = code_row(cl, acct);
    cr_assert_eq(oidc_codes_insert(c, "race", &r, NOW), ST_OK);
    cr_assert_eq(oidc_codes_insert(c, "race", &r, NOW), ST_CONFLICT);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, take_code, NULL);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        void *v;
        pthread_join(t[i], &v);
        won += (int)(long)v;
    }
    cr_assert_eq(won, 1, "one redemption of %d", THREADS);
    struct oidc_code_row o;
    cr_assert_eq(oidc_codes_insert(c, "two", &r, NOW), ST_OK);
    cr_assert_eq(oidc_codes_take(c, a, "two", NOW + 1, &o), ST_OK);
    cr_assert_eq(o.client_id, cl);
    cr_assert_eq(o.account_id, acct);
    cr_assert_str_eq(o.redirect_uri, "https://app.test/cb");
    cr_assert_str_eq(o.nonce, "n-1");
    cr_assert_str_eq(o.challenge, "ch");
    cr_assert_str_eq(o.amr, "pwd");
    cr_assert_eq(o.auth_time, NOW - 5);
    cr_assert_eq(o.expires_at, NOW + 60);
    int64_t g = 0, gc = 0;
    cr_assert_eq(oidc_codes_grant_of(c, "two", &g, &gc), ST_OK);
    cr_assert_eq(g, 0);
    cr_assert_eq(gc, cl);
    cr_assert_eq(oidc_codes_set_grant(c, "two", 42), ST_OK);
    cr_assert_eq(oidc_codes_grant_of(c, "two", &g, &gc), ST_OK);
    cr_assert_eq(g, 42);
    cr_assert_eq(oidc_codes_grant_of(c, "none", &g, &gc), ST_NOTFOUND);
    cr_assert_eq(oidc_codes_sweep(c, NOW + 60 + 86399), 0, "kept a day for replays");
    cr_assert_eq(oidc_codes_sweep(c, NOW + 60 + 86400), 2);
    arena_free(a);
}

static const char *refresh_hash;

static void *rotate(void *arg)
{
    (void)arg;
    struct st_conn *c = st_get();
    return (void *)(long)(c ? oidc_tokens_use(c, refresh_hash, NOW + 2) : -1);
}

CONTRACT(oidc_refresh_rotated_once_and_grant_revocation_ends_tokens)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t acct = account("tokowner"), cl = client("app", 0);
    int64_t g = 0;
    cr_assert_eq(oidc_grants_insert(c, cl, acct, "openid offline_access", NOW - 3, "pwd github",
                                    NOW, NOW + 86400, &g),
                 ST_OK);
    cr_assert_eq(oidc_tokens_insert(c, "acc", g, "access", NOW, NOW + 3600), ST_OK);
    cr_assert_eq(oidc_tokens_insert(c, "ref", g, "refresh", NOW, NOW + 86400), ST_OK);
    struct oidc_token_row t;
    cr_assert_eq(oidc_tokens_get(c, a, "acc", &t), ST_OK);
    cr_assert_str_eq(t.kind, "access");
    cr_assert_eq(t.grant_id, g);
    cr_assert_eq(t.account_id, acct);
    cr_assert_eq(t.client_id, cl);
    cr_assert_str_eq(t.client, "app");
    cr_assert_str_eq(t.username, "tokowner");
    cr_assert_str_eq(t.scope, "openid offline_access");
    cr_assert_str_eq(t.amr, "pwd github");
    cr_assert_eq(t.auth_time, NOW - 3);
    cr_assert_eq(t.account_status, 0);
    cr_assert_eq(t.grant_revoked_at, 0);
    cr_assert_eq(t.grant_expires_at, NOW + 86400);
    cr_assert_eq(oidc_tokens_get(c, a, "nope", &t), ST_NOTFOUND);

    refresh_hash = "ref";
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, rotate, NULL);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        void *v;
        pthread_join(th[i], &v);
        cr_assert_geq((long)v, 0);
        won += (int)(long)v;
    }
    cr_assert_eq(won, 1, "one rotation of %d", THREADS);
    cr_assert_eq(oidc_tokens_get(c, a, "ref", &t), ST_OK);
    cr_assert_eq(t.used_at, NOW + 2);

    cr_assert_eq(oidc_tokens_revoke(c, "acc", NOW + 3), 1);
    cr_assert_eq(oidc_tokens_revoke(c, "acc", NOW + 4), 0);
    cr_assert_eq(oidc_grants_revoke(c, g, NOW + 5), 1);
    cr_assert_eq(oidc_grants_revoke(c, g, NOW + 6), 0);
    cr_assert_eq(oidc_tokens_get(c, a, "ref", &t), ST_OK);
    cr_assert_eq(t.grant_revoked_at, NOW + 5);

    int64_t g2 = 0, g3 = 0;
    cr_assert_eq(oidc_grants_insert(c, cl, acct, "openid", NOW, "", NOW, NOW + 10, &g2), ST_OK);
    cr_assert_eq(oidc_grants_insert(c, cl, acct, "openid", NOW, "", NOW, NOW + 10, &g3), ST_OK);
    cr_assert_eq(oidc_grants_revoke_client(c, acct, cl, NOW + 7), 2, "the live two");
    cr_assert_eq(oidc_tokens_sweep(c, NOW + 3599), 0);
    cr_assert_eq(oidc_tokens_sweep(c, NOW + 3600), 1);
    cr_assert_eq(oidc_grants_sweep(c, NOW + 86400), 3);
    cr_assert_eq(oidc_tokens_get(c, a, "ref", &t), ST_NOTFOUND, "gone with its grant");
    arena_free(a);
}

CONTRACT(oidc_consents_owner_and_what_goes_with_client_and_account)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t acct = account("consenter"), one = client("one", 0), two = client("two", 1);
    char *scope = NULL;
    cr_assert_eq(oidc_consents_get(c, a, acct, one, &scope), ST_NOTFOUND);
    cr_assert_eq(oidc_consents_put(c, acct, one, "openid", NOW), ST_OK);
    cr_assert_eq(oidc_consents_put(c, acct, one, "openid email", NOW + 1), ST_OK);
    cr_assert_eq(oidc_consents_put(c, acct, two, "openid", NOW + 2), ST_OK);
    cr_assert_eq(oidc_consents_get(c, a, acct, one, &scope), ST_OK);
    cr_assert_str_eq(scope, "openid email");
    cr_assert_eq(oidc_consents_touch(c, acct, one, NOW + 9), 0);
    struct oidc_consent_row rows[4];
    cr_assert_eq(oidc_consents_list(c, a, acct, rows, 4), 2);
    cr_assert_str_eq(rows[0].client_id, "one", "last used first");
    cr_assert_eq(rows[0].client_row, one);
    cr_assert_str_eq(rows[0].name, "App");
    cr_assert_eq(rows[0].created_at, NOW);
    cr_assert_eq(rows[0].last_used_at, NOW + 9);
    cr_assert_eq(oidc_consents_delete(c, acct, two), 1);
    cr_assert_eq(oidc_consents_delete(c, acct, two), 0);
    struct oidc_code_row r = code_row(one, acct);
    cr_assert_eq(oidc_codes_insert(c, "k", &r, NOW), ST_OK);
    cr_assert_eq(oidc_clients_delete(c, "one"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM oidc_consents"), 0, "with the client");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM oidc_codes"), 0, "with the client");
    cr_assert_eq(oidc_consents_put(c, acct, two, "openid", NOW + 2), ST_OK);
    cr_assert_eq(st_run(c, Q_ACCOUNTS_DELETE, ST_IN(ST_INT(acct))), ST_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM oidc_consents"), 0, "with the account");
    arena_free(a);
}

CONTRACT(oidc_keys_published_before_use_and_retired_after)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    char *kid, *alg, *sealed;
    cr_assert_eq(oidc_keys_current(c, a, "RS256", NOW, &kid), ST_NOTFOUND);
    cr_assert_eq(oidc_keys_insert(c, "k1", "RS256", "sealed1", "{}", NOW, NOW), ST_OK);
    cr_assert_eq(oidc_keys_insert(c, "k1", "RS256", "x", "{}", NOW, NOW), ST_CONFLICT);
    cr_assert_eq(oidc_keys_insert(c, "e1", "ES256", "sealedE", "{}", NOW, NOW), ST_OK);
    /* k2 published now, signs from NOW + 100; k1 published until NOW + 100 + 600 */
    cr_assert_eq(
        oidc_keys_insert(c, "k2", "RS256", "sealed2", "{\"kid\":\"k2\"}", NOW + 1, NOW + 100),
        ST_OK);
    cr_assert_eq(oidc_keys_retire(c, "RS256", "k2", NOW + 700), 1, "the ES256 key stays");
    struct oidc_key_row k[4];
    cr_assert_eq(oidc_keys_published(c, a, NOW + 1, k, 4), 3);
    cr_assert_str_eq(k[0].kid, "k2");
    cr_assert_str_eq(k[0].alg, "RS256");
    cr_assert_str_eq(k[0].public_jwk, "{\"kid\":\"k2\"}");
    cr_assert_eq(k[1].expires_at + k[2].expires_at, NOW + 700);
    cr_assert_eq(oidc_keys_current(c, a, "RS256", NOW + 99, &kid), ST_OK);
    cr_assert_str_eq(kid, "k1", "the new key is not used before its time");
    cr_assert_eq(oidc_keys_sealed(c, a, "k1", NOW + 99, &alg, &sealed), ST_OK);
    cr_assert_str_eq(sealed, "sealed1");
    cr_assert_str_eq(alg, "RS256");
    cr_assert_eq(oidc_keys_current(c, a, "RS256", NOW + 100, &kid), ST_OK);
    cr_assert_str_eq(kid, "k2");
    cr_assert_eq(oidc_keys_current(c, a, "ES256", NOW + 100, &kid), ST_OK);
    cr_assert_str_eq(kid, "e1");
    cr_assert_eq(oidc_keys_published(c, a, NOW + 700, k, 4), 2, "k1 no longer published");
    cr_assert_eq(oidc_keys_sealed(c, a, "k1", NOW + 700, &alg, &sealed), ST_NOTFOUND);
    cr_assert_eq(oidc_keys_sweep(c, NOW + 699), 0);
    cr_assert_eq(oidc_keys_sweep(c, NOW + 700), 1);
    arena_free(a);
}
