/* Unit tests of token: format, entropy shape, hashing, equality, one-time tokens and races. */
#include "account.h"
#include "arena.h"
#include "token.h"

#include <pthread.h>

#include "testlib.h"

static struct arena *a;
static int64_t owner_id;

static void setup(void)
{
    tl_setup_with(TL_STORE, NULL);
    a = arena_new();
    cr_assert_eq(account_insert(tl_conn(), "tokenuser", "t@example.com", "t@example.com", 0, NULL,
                                1000, &owner_id),
                 ACCT_OK);
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(token, .init = setup, .fini = teardown);

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

Test(token, format)
{
    char t[TOKEN_LEN + 1];
    memset(t, '!', sizeof(t));
    token_new(t);
    cr_assert_eq(strlen(t), TOKEN_LEN);
    cr_assert_eq(strspn(t, b64url), TOKEN_LEN, "%s", t);
    cr_assert_eq(token_wellformed(t), 1);
    /* it decodes back to 32 bytes */
    unsigned char raw[40];
    size_t n = 0;
    cr_assert_eq(sodium_base642bin(raw, sizeof(raw), t, strlen(t), NULL, &n, NULL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                 0);
    cr_assert_eq(n, 32);
}

Test(token, entropy_shape)
{
    enum { N = 2000 };
    static char toks[N][TOKEN_LEN + 1];
    int seen[128] = {0}, last_seen[128] = {0};
    for (int i = 0; i < N; i++) {
        token_new(toks[i]);
        for (int k = 0; k < TOKEN_LEN - 1; k++) seen[(unsigned char)toks[i][k]]++;
        last_seen[(unsigned char)toks[i][TOKEN_LEN - 1]]++;
    }
    /* every base64url character shows up in the first 42 positions, none far off its share
     * (84000 characters, 1312 expected each) */
    for (int c = 0; c < 64; c++) {
        int k = seen[(unsigned char)b64url[c]];
        cr_assert(k > 1000 && k < 1650, "'%c' seen %d times", b64url[c], k);
    }
    /* the last character carries 4 bits: 16 values, each a multiple of 4 in the alphabet */
    int distinct = 0;
    for (int c = 0; c < 64; c++) {
        int k = last_seen[(unsigned char)b64url[c]];
        if (c % 4)
            cr_assert_eq(k, 0, "'%c' cannot end a 32-byte token", b64url[c]);
        else
            distinct += k > 0;
    }
    cr_assert_eq(distinct, 16);
    /* no repeats */
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) cr_assert_str_neq(toks[i], toks[j]);
}

Test(token, wellformed_filter)
{
    char t[TOKEN_LEN + 2];
    token_new(t);
    cr_assert_eq(token_wellformed(t), 1);
    cr_assert_eq(token_wellformed(NULL), 0);
    cr_assert_eq(token_wellformed(""), 0);
    char c = t[5];
    t[5] = '+';
    cr_assert_eq(token_wellformed(t), 0);
    t[5] = '/';
    cr_assert_eq(token_wellformed(t), 0);
    t[5] = '=';
    cr_assert_eq(token_wellformed(t), 0);
    t[5] = '.';
    cr_assert_eq(token_wellformed(t), 0);
    t[5] = c;
    t[TOKEN_LEN] = 'A';
    t[TOKEN_LEN + 1] = 0;
    cr_assert_eq(token_wellformed(t), 0);
    t[TOKEN_LEN - 1] = 0;
    cr_assert_eq(token_wellformed(t), 0);
}

Test(token, hash_is_blake2b_hex)
{
    char h[TOKEN_HASH_LEN + 1];
    token_hash("abc", h);
    cr_assert_str_eq(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    token_hash("", h);
    cr_assert_str_eq(h, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");

    char t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1], h1[TOKEN_HASH_LEN + 1], h1b[TOKEN_HASH_LEN + 1],
        h2[TOKEN_HASH_LEN + 1];
    token_new(t1);
    token_new(t2);
    token_hash(t1, h1);
    token_hash(t1, h1b);
    token_hash(t2, h2);
    cr_assert_eq(strlen(h1), TOKEN_HASH_LEN);
    cr_assert_eq(strspn(h1, "0123456789abcdef"), TOKEN_HASH_LEN);
    cr_assert_str_eq(h1, h1b);
    cr_assert_str_neq(h1, h2);
}

Test(token, constant_time_equal)
{
    cr_assert_eq(token_equal("abcdef", "abcdef"), 1);
    cr_assert_eq(token_equal("", ""), 1);
    cr_assert_eq(token_equal("abcdef", "abcdeg"), 0);
    cr_assert_eq(token_equal("bbcdef", "abcdef"), 0);
    cr_assert_eq(token_equal("abcdef", "abcde"), 0);
    cr_assert_eq(token_equal("abcde", "abcdef"), 0);
    cr_assert_eq(token_equal("", "a"), 0);
}

static enum token_use consume(const char *kind, const char *tok, int64_t now, int64_t *id,
                              char **email)
{
    *id = 0;
    *email = NULL;
    return token_consume(tl_conn(), a, kind, tok, now, id, email);
}

Test(token, issue_consume_once)
{
    struct st_conn *c = tl_conn();
    char tok[TOKEN_LEN + 1];
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(token_issue(c, "verify", owner_id, "t@example.com", 1000, 3600, tok), 0);
    cr_assert_eq(st_commit(c), ST_OK);
    cr_assert_eq(token_wellformed(tok), 1);

    /* the store keeps the hash, never the token */
    char h[TOKEN_HASH_LEN + 1];
    token_hash(tok, h);
    char *stored = NULL;
    cr_assert_eq(tl_row(c, a, "SELECT hash FROM tokens WHERE account_id = ?",
                        ST_IN(ST_INT(owner_id)), ST_OUT(ST_OUT_TEXT(&stored))),
                 ST_OK);
    cr_assert_str_eq(stored, h);

    int64_t id;
    char *email;
    cr_assert_eq(consume("verify", tok, 1500, &id, &email), TOKEN_OK);
    cr_assert_eq(id, owner_id);
    cr_assert_str_eq(email, "t@example.com");
    cr_assert_eq(consume("verify", tok, 1501, &id, &email), TOKEN_USED);
    cr_assert_eq(consume("verify", tok, 9999, &id, &email), TOKEN_USED);
}

Test(token, expiry)
{
    char tok[TOKEN_LEN + 1], tok2[TOKEN_LEN + 1];
    cr_assert_eq(token_issue(tl_conn(), "verify", owner_id, "t@example.com", 1000, 60, tok), 0);
    cr_assert_eq(token_issue(tl_conn(), "verify", owner_id, "t@example.com", 1000, 60, tok2), 0);
    int64_t id;
    char *email;
    cr_assert_eq(consume("verify", tok, 1060, &id, &email), TOKEN_EXPIRED);
    cr_assert_eq(consume("verify", tok, 5000, &id, &email), TOKEN_EXPIRED);
    /* the last second of its life */
    cr_assert_eq(consume("verify", tok2, 1059, &id, &email), TOKEN_OK);
    cr_assert_eq(consume("verify", tok2, 1059, &id, &email), TOKEN_USED);
}

Test(token, unknown)
{
    char tok[TOKEN_LEN + 1], never[TOKEN_LEN + 1];
    cr_assert_eq(token_issue(tl_conn(), "verify", owner_id, "t@example.com", 1000, 3600, tok), 0);
    token_new(never);
    int64_t id;
    char *email;
    cr_assert_eq(consume("verify", never, 1001, &id, &email), TOKEN_UNKNOWN);
    cr_assert_eq(consume("verify", "short", 1001, &id, &email), TOKEN_UNKNOWN);
    cr_assert_eq(consume("verify", NULL, 1001, &id, &email), TOKEN_UNKNOWN);
    /* a token of one kind is unknown as another */
    cr_assert_eq(consume("reset", tok, 1001, &id, &email), TOKEN_UNKNOWN);
    /* gone with its account */
    cr_assert_eq(tl_exec(tl_conn(), "DELETE FROM accounts WHERE id = ?", ST_IN(ST_INT(owner_id))),
                 ST_OK);
    cr_assert_eq(consume("verify", tok, 1001, &id, &email), TOKEN_UNKNOWN);
}

struct racer {
    pthread_barrier_t *go;
    const char *tok;
    enum token_use rc;
    int64_t id;
};

static void *race_consume(void *arg)
{
    struct racer *r = arg;
    struct arena *ta = arena_new();
    struct st_conn *c = st_get();
    char *email = NULL;
    r->rc = TOKEN_STORE_ERR;
    pthread_barrier_wait(r->go);
    if (c && st_begin(c) == ST_OK) {
        r->rc = token_consume(c, ta, "verify", r->tok, 2000, &r->id, &email);
        if (st_commit(c) != ST_OK) r->rc = TOKEN_STORE_ERR;
    }
    st_drop();
    arena_free(ta);
    return NULL;
}

Test(token, racing_consumers_one_wins)
{
    for (int round = 0; round < 10; round++) {
        char tok[TOKEN_LEN + 1];
        cr_assert_eq(token_issue(tl_conn(), "verify", owner_id, "t@example.com", 1000, 3600, tok),
                     0);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct racer r[2] = {{&go, tok, TOKEN_STORE_ERR, 0}, {&go, tok, TOKEN_STORE_ERR, 0}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            cr_assert_eq(pthread_create(&t[i], NULL, race_consume, &r[i]), 0);
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
        pthread_barrier_destroy(&go);
        int ok = (r[0].rc == TOKEN_OK) + (r[1].rc == TOKEN_OK);
        int used = (r[0].rc == TOKEN_USED) + (r[1].rc == TOKEN_USED);
        cr_assert_eq(ok, 1, "round %d: %d and %d", round, r[0].rc, r[1].rc);
        cr_assert_eq(used, 1, "round %d: %d and %d", round, r[0].rc, r[1].rc);
        cr_assert_eq(r[0].rc == TOKEN_OK ? r[0].id : r[1].id, owner_id);
    }
}
