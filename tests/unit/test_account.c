/* Unit tests of account: username and email rules, the accounts table and invariant 2. */
#include "account.h"
#include "arena.h"
#include "store.h"
#include "token.h"

#include "testlib.h"

static struct arena *a;

static void setup(void)
{
    static const char *const env[] = {"DAOID_SITE_NAME", "ExampleHub", NULL};
    tl_setup_with(TL_STORE, env);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(account, .init = setup, .fini = teardown);

static const char *canon(const char *in)
{
    const char *out = NULL;
    enum name_rc rc = account_username_normalize(a, in, &out);
    cr_assert_eq(rc, NAME_OK, "\"%s\" refused with %d", in, rc);
    return out;
}

static enum name_rc name_rc(const char *in)
{
    const char *out = NULL;
    return account_username_normalize(a, in, &out);
}

Test(account, username_canonical_form)
{
    cr_assert_str_eq(canon("Alice"), "alice");
    cr_assert_str_eq(canon("  Bob_99\t"), "bob_99");
    cr_assert_str_eq(canon("a-b"), "a-b");
    cr_assert_str_eq(canon("x1_y2-z3"), "x1_y2-z3");
    /* NFKC: full-width letters and digits become ASCII */
    cr_assert_str_eq(
        canon("\xef\xbc\xa1\xef\xbc\xac\xef\xbc\xa9\xef\xbc\xa3\xef\xbc\xa5\xef\xbc\x97"),
        "alice7");
    /* full case folding: ß folds to ss, the Kelvin sign to k */
    cr_assert_str_eq(canon("Stra\xc3\x9f"
                           "e"),
                     "strasse");
    cr_assert_str_eq(canon("\xe2\x84\xaa"
                           "evin"),
                     "kevin");
}

Test(account, username_length)
{
    cr_assert_eq(name_rc(NULL), NAME_EMPTY);
    cr_assert_eq(name_rc(""), NAME_EMPTY);
    cr_assert_eq(name_rc(" \t "), NAME_EMPTY);
    cr_assert_eq(name_rc("ab"), NAME_LENGTH);
    cr_assert_eq(name_rc("abc"), NAME_OK);
    cr_assert_eq(name_rc("abcdefghijklmnopqrstuvwxyz0123"), NAME_OK);      /* 30 */
    cr_assert_eq(name_rc("abcdefghijklmnopqrstuvwxyz01234"), NAME_LENGTH); /* 31 */
}

Test(account, username_charset)
{
    static const char *const bad[] = {
        "-abc",
        "abc-",
        "_abc",
        "abc_",
        "a--b",
        "a__b",
        "a-_b",
        "a.b.c",
        "al ice",
        "al@ice",
        "ali/ce",
        "ali+ce",
        "\xe7\x94\xa8\xe6\x88\xb7\xe5\x90\x8d", /* 用户名: 3 code points */
        "\xe7\x94\xa8\xe6\x88\xb7",             /* 用户: short, not ASCII */
        "ab\x01"
        "cd",
        "ab\x7f"
        "cd",
        "\xff\xfe"
        "abc",
        "abc\xc3", /* truncated UTF-8 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(name_rc(bad[i]), NAME_CHARS, "bad[%zu] gave %d", i, name_rc(bad[i]));
}

Test(account, username_reserved)
{
    cr_assert_eq(name_rc("admin"), NAME_RESERVED);
    cr_assert_eq(name_rc(" ADMIN "), NAME_RESERVED);
    cr_assert_eq(name_rc("no-reply"), NAME_RESERVED);
    cr_assert_eq(name_rc("www"), NAME_RESERVED);
    cr_assert_eq(account_username_reserved("daocloud"), 1);
    /* the configured site name, folded like a username */
    cr_assert_eq(account_username_reserved("examplehub"), 1);
    cr_assert_eq(name_rc("ExampleHub"), NAME_RESERVED);
    cr_assert_eq(account_username_reserved("examplehub2"), 0);
    cr_assert_eq(account_username_reserved("admins"), 0);
    cr_assert_eq(name_rc("admin1"), NAME_OK);
}

static enum email_rc email(const char *in, const char **display, const char **norm)
{
    *display = *norm = NULL;
    return account_email_normalize(a, in, display, norm);
}

Test(account, email_normalize_ok)
{
    const char *d, *n;
    cr_assert_eq(email("  Alice.Smith+tag@Example.COM \t", &d, &n), EMAIL_OK);
    cr_assert_str_eq(d, "Alice.Smith+tag@Example.COM");
    cr_assert_str_eq(n, "alice.smith+tag@example.com");
    cr_assert_eq(email("x@sub.example.co", &d, &n), EMAIL_OK);
    cr_assert_eq(email("o'brien_{1}@mail-01.example.org", &d, &n), EMAIL_OK);
    cr_assert_eq(email("user@example.xn--fiqs8s", &d, &n), EMAIL_OK);
}

Test(account, email_normalize_refused)
{
    const char *d, *n;
    cr_assert_eq(email(NULL, &d, &n), EMAIL_EMPTY);
    cr_assert_eq(email("", &d, &n), EMAIL_EMPTY);
    cr_assert_eq(email("   ", &d, &n), EMAIL_EMPTY);
    static const char *const bad[] = {
        "alice",           "alice@",          "@example.com",     "a@@example.com",
        "a@b@example.com", "a@example",       "a..b@example.com", ".a@example.com",
        "a.@example.com",  "a b@example.com", "a@-example.com",   "a@example-.com",
        "a@exa_mple.com",  "a@example..com",  "a@example.com.",   "a@example.c",
        "a@example.123",   "a@.example.com",  "a\"b@example.com", "a<b>@example.com",
        "a@ex ample.com",  "a@xn--fiqs8s",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(email(bad[i], &d, &n), EMAIL_INVALID, "%s accepted", bad[i]);
    cr_assert_null(n);

    /* local part: at most 64 characters */
    char local[80];
    memset(local, 'a', 65);
    strcpy(local + 65, "@example.com");
    cr_assert_eq(email(local, &d, &n), EMAIL_INVALID);
    strcpy(local + 64, "@example.com");
    cr_assert_eq(email(local, &d, &n), EMAIL_OK);

    /* the whole address: at most 254 characters */
    char longer[300];
    size_t k = 0;
    k += (size_t)sprintf(longer, "a@");
    while (k < 250) k += (size_t)sprintf(longer + k, "abcdefghi.");
    strcpy(longer + k, "com");
    cr_assert_gt(strlen(longer), 254);
    cr_assert_eq(email(longer, &d, &n), EMAIL_TOO_LONG);
}

static int64_t insert(const char *user, const char *mail, int verified, const char *hash)
{
    const char *d = NULL, *n = NULL;
    if (mail) cr_assert_eq(account_email_normalize(a, mail, &d, &n), EMAIL_OK);
    int64_t id = 0;
    enum acct_rc rc = account_insert(tl_conn(), user, d, n, verified, hash, 1000, &id);
    cr_assert_eq(rc, ACCT_OK, "insert %s: %d", user, rc);
    cr_assert_gt(id, 0);
    return id;
}

static enum acct_rc by_login(const char *ident, struct account *out)
{
    memset(out, 0, sizeof(*out));
    return account_by_login(tl_conn(), a, ident, out);
}

Test(account, insert_and_read_back)
{
    int64_t id = insert("alice", "Alice@Example.com", 0, "$argon2id$fake");
    struct account acc;
    cr_assert_eq(account_by_id(tl_conn(), a, id, &acc), ACCT_OK);
    cr_assert_eq(acc.id, id);
    cr_assert_str_eq(acc.username, "alice");
    cr_assert_str_eq(acc.email, "Alice@Example.com");
    cr_assert_eq(acc.email_verified, 0);
    cr_assert_str_eq(acc.password_hash, "$argon2id$fake");
    cr_assert_eq(acc.status, 0);
    cr_assert_eq(acc.created_at, 1000);

    int64_t bare = insert("bob", NULL, 0, NULL);
    cr_assert_eq(account_by_id(tl_conn(), a, bare, &acc), ACCT_OK);
    cr_assert_null(acc.email);
    cr_assert_null(acc.password_hash);
    cr_assert_eq(account_by_id(tl_conn(), a, bare + 100, &acc), ACCT_NOTFOUND);

    cr_assert_eq(account_set_password_hash(tl_conn(), bare, "$argon2id$new", 2000), 0);
    cr_assert_eq(account_by_id(tl_conn(), a, bare, &acc), ACCT_OK);
    cr_assert_str_eq(acc.password_hash, "$argon2id$new");
}

Test(account, username_unique)
{
    insert("carol", "carol@example.com", 0, NULL);
    cr_assert_eq(account_username_exists(tl_conn(), "carol"), 1);
    cr_assert_eq(account_username_exists(tl_conn(), "carol2"), 0);
    int64_t id = 0;
    cr_assert_eq(account_insert(tl_conn(), "carol", NULL, NULL, 0, NULL, 1000, &id),
                 ACCT_USERNAME_TAKEN);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 1);
}

Test(account, login_by_username)
{
    int64_t id = insert("dave_1", NULL, 0, NULL);
    struct account acc;
    cr_assert_eq(by_login("dave_1", &acc), ACCT_OK);
    cr_assert_eq(acc.id, id);
    /* the typed name is canonicalized like at sign-up */
    cr_assert_eq(by_login("  DAVE_1 ", &acc), ACCT_OK);
    cr_assert_eq(acc.id, id);
    cr_assert_eq(by_login("\xef\xbc\xa4\xef\xbc\xa1\xef\xbc\xb6\xef\xbc\xa5_1", &acc), ACCT_OK);
    cr_assert_eq(acc.id, id);
    cr_assert_eq(by_login("dave_2", &acc), ACCT_NOTFOUND);
    cr_assert_eq(by_login("", &acc), ACCT_NOTFOUND);
    cr_assert_eq(by_login("admin", &acc), ACCT_NOTFOUND);
}

Test(account, login_by_sole_unverified_email)
{
    int64_t id = insert("erin", "Erin@Example.com", 0, NULL);
    struct account acc;
    cr_assert_eq(by_login("erin@example.com", &acc), ACCT_OK);
    cr_assert_eq(acc.id, id);
    cr_assert_eq(by_login(" ERIN@EXAMPLE.COM ", &acc), ACCT_OK);
    cr_assert_eq(acc.id, id);
    cr_assert_eq(by_login("other@example.com", &acc), ACCT_NOTFOUND);
    cr_assert_eq(by_login("erin@", &acc), ACCT_NOTFOUND);
}

/* Invariant 2: a squatter's unverified claim neither blocks nor captures the owner. */
Test(account, unverified_claims_shared_first_verifier_wins)
{
    struct st_conn *c = tl_conn();
    int64_t squatter = insert("squatter", "owner@example.com", 0, NULL);
    int64_t owner = insert("owner", "Owner@Example.com", 0, NULL);
    cr_assert_neq(squatter, owner);

    /* two unverified claims: sign-in by the address names nobody */
    struct account acc;
    cr_assert_eq(by_login("owner@example.com", &acc), ACCT_NOTFOUND);
    cr_assert_eq(account_email_verified_elsewhere(c, "owner@example.com", 0), 0);

    /* the squatter holds a pending verification link for the address */
    char tok[TOKEN_LEN + 1];
    cr_assert_eq(token_issue(c, "verify", squatter, "owner@example.com", 1000, 86400, tok), 0);

    /* the owner verifies first */
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(account_verify_email(c, owner, "owner@example.com", 1100), ACCT_OK);
    cr_assert_eq(st_commit(c), ST_OK);

    cr_assert_eq(account_by_id(c, a, owner, &acc), ACCT_OK);
    cr_assert_eq(acc.email_verified, 1);
    cr_assert_str_eq(acc.email, "Owner@Example.com");
    /* the other claim is cleared, with its link */
    cr_assert_eq(account_by_id(c, a, squatter, &acc), ACCT_OK);
    cr_assert_null(acc.email);
    cr_assert_eq(acc.email_verified, 0);
    int64_t acct = 0;
    char *em = NULL;
    cr_assert_eq(token_consume(c, a, "verify", tok, 1200, &acct, &em), TOKEN_UNKNOWN);

    /* sign-in by the address is the owner's */
    cr_assert_eq(by_login("OWNER@example.com", &acc), ACCT_OK);
    cr_assert_eq(acc.id, owner);
    cr_assert_eq(account_email_verified_elsewhere(c, "owner@example.com", squatter), 1);
    cr_assert_eq(account_email_verified_elsewhere(c, "owner@example.com", owner), 0);

    /* the squatter can no longer verify the address */
    cr_assert_eq(account_verify_email(c, squatter, "owner@example.com", 1300), ACCT_EMAIL_TAKEN);

    /* a new account may claim it unverified (invariant 4: the answer is the same as for a
     * free address) but never verify it; nobody may claim it verified */
    int64_t id = 0;
    cr_assert_eq(
        account_insert(c, "late", "owner@example.com", "owner@example.com", 0, NULL, 1400, &id),
        ACCT_OK);
    cr_assert_eq(account_verify_email(c, id, "owner@example.com", 1450), ACCT_EMAIL_TAKEN);
    cr_assert_eq(by_login("owner@example.com", &acc), ACCT_OK);
    cr_assert_eq(acc.id, owner, "sign-in by the address stays the owner's");
    cr_assert_eq(
        account_insert(c, "later", "owner@example.com", "owner@example.com", 1, NULL, 1500, &id),
        ACCT_EMAIL_TAKEN);
}

Test(account, verify_after_another_verified_is_taken)
{
    struct st_conn *c = tl_conn();
    int64_t first = insert("first", "shared@example.com", 0, NULL);
    int64_t second = insert("second", "shared@example.com", 0, NULL);
    /* both claims are still held; the second verifies first */
    cr_assert_eq(account_verify_email(c, second, "shared@example.com", 1100), ACCT_OK);
    cr_assert_eq(account_verify_email(c, first, "shared@example.com", 1200), ACCT_EMAIL_TAKEN);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'shared@example.com'"
                           " AND email_verified = 1"),
                 1);
}

Test(account, verify_other_address_is_notfound)
{
    struct st_conn *c = tl_conn();
    int64_t id = insert("frank", "frank@example.com", 0, NULL);
    /* a link for an address the account no longer uses */
    cr_assert_eq(account_verify_email(c, id, "old@example.com", 1100), ACCT_NOTFOUND);
    struct account acc;
    cr_assert_eq(account_by_id(c, a, id, &acc), ACCT_OK);
    cr_assert_eq(acc.email_verified, 0);
}

Test(account, verified_owner_wins_over_unverified_claims)
{
    insert("gina2", "gina@example.com", 0, NULL);
    insert("gina3", "GINA@example.com", 0, NULL);
    int64_t owner = insert("gina", "gina@example.com", 1, NULL);
    struct account acc;
    cr_assert_eq(by_login("gina@example.com", &acc), ACCT_OK);
    cr_assert_eq(acc.id, owner);
    cr_assert_eq(acc.email_verified, 1);
}
