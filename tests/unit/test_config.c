/* Unit tests of config: durations, rates, loopback, INI + DAOID_* env, validation, KEY_file. */
#include "config.h"

#include "testlib.h"

static void setup(void)
{
    /* the clean environment and the private directory, but no config loaded yet */
    tl_env_defaults(NULL);
}

static void teardown(void)
{
    tl_teardown();
}

TestSuite(config, .init = setup, .fini = teardown);

Test(config, durations)
{
    cr_assert_eq(config_parse_duration("0"), 0);
    cr_assert_eq(config_parse_duration("30"), 30);
    cr_assert_eq(config_parse_duration("30s"), 30);
    cr_assert_eq(config_parse_duration("10m"), 600);
    cr_assert_eq(config_parse_duration("2h"), 7200);
    cr_assert_eq(config_parse_duration("7d"), 604800);
    cr_assert_eq(config_parse_duration("365d"), 31536000);
    static const char *const bad[] = {"",
                                      "s",
                                      "m",
                                      "abc",
                                      "10x",
                                      "10mm",
                                      "10 m",
                                      "-5",
                                      "-5m",
                                      "1.5h",
                                      "1e3",
                                      "99999999999999999999",
                                      "9223372036854775807d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(config_parse_duration(bad[i]), -1, "\"%s\" accepted", bad[i]);
    cr_assert_eq(config_parse_duration(NULL), -1);
}

Test(config, rates)
{
    struct rate r = {0, 0};
    cr_assert_eq(config_parse_rate("10/1h", &r), 0);
    cr_assert_eq(r.count, 10);
    cr_assert_eq(r.window, 3600);
    cr_assert_eq(config_parse_rate("5/30s", &r), 0);
    cr_assert_eq(r.count, 5);
    cr_assert_eq(r.window, 30);
    cr_assert_eq(config_parse_rate("1/1d", &r), 0);
    cr_assert_eq(r.window, 86400);
    cr_assert_eq(config_parse_rate("100/90", &r), 0);
    cr_assert_eq(r.window, 90);

    static const char *const bad[] = {"10",   "/1h",   "0/1h",  "-1/1h", "x/1h",   "10/",
                                      "10/0", "10/0s", "10/1x", "10/h",  "10x/1h", "1/1h/2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rate keep = {77, 88};
        cr_expect_eq(config_parse_rate(bad[i], &keep), -1, "\"%s\" accepted", bad[i]);
        cr_expect(keep.count == 77 && keep.window == 88, "\"%s\" changed the rate", bad[i]);
    }
    cr_assert_eq(config_parse_rate(NULL, &r), -1);
}

Test(config, loopback_hosts)
{
    static const char *const yes[] = {
        "http://localhost",       "http://localhost:8080", "http://localhost/",
        "https://localhost:8443", "http://127.0.0.1",      "http://127.0.0.1:8080",
        "http://127.1.2.3:9",     "http://[::1]",          "http://[::1]:8080",
    };
    static const char *const no[] = {
        "https://example.com",
        "http://localhost.example.com",
        "http://localhostx:8080",
        "http://10.0.0.1:8080",
        "http://128.0.0.1",
        "http://[::2]:8080",
        "http://example.com/localhost",
        "http://1127.0.0.1",
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        cr_expect_eq(config_host_is_loopback(yes[i]), 1, "%s not loopback", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        cr_expect_eq(config_host_is_loopback(no[i]), 0, "%s taken for loopback", no[i]);
}

Test(config, defaults)
{
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_str_eq(cfg->public_url, "http://localhost:8080");
    cr_assert_str_eq(cfg->origin, "http://localhost:8080");
    cr_assert_eq(cfg->https, 0);
    cr_assert_str_eq(cfg->cookie_prefix, "");
    cr_assert_str_eq(cfg->site_name, "DaoCloud");
    cr_assert_str_eq(cfg->default_lang, "zh-CN");
    cr_assert_str_eq(cfg->secret_key, "");
    cr_assert_str_eq(cfg->captcha_test_answer, "");
    cr_assert_eq(cfg->password_min_length, 8);
    cr_assert_eq(cfg->session_idle, 7 * 86400);
    cr_assert_eq(cfg->verify_ttl, 86400);
    cr_assert_eq(cfg->limit_signup_ip.count, 20);
    cr_assert_eq(cfg->limit_signup_ip.window, 3600);
    cr_assert_eq(cfg->access_log, 1);
    cr_assert_eq(cfg->access_log_buffer, 32768);
    cr_assert_eq(cfg->access_log_flush_ms, 1000);
    /* from tl_env_defaults */
    cr_assert_eq(cfg->argon2_memory_kib, 8192);
    cr_assert_eq(strncmp(cfg->database, "sqlite:", 7), 0);
}

Test(config, file_then_environment)
{
    const char *path = tl_write_file("daoid.ini", "; daoid test config\n"
                                                  "[server]\n"
                                                  "site_name = FromFile\n"
                                                  "listen = 127.0.0.1:9090\n"
                                                  "public_url = https://id.example.com/\n"
                                                  "[limits]\n"
                                                  "limit_login_ip = 7/2m\n"
                                                  "session_idle = 2h\n"
                                                  "access_log = off\n"
                                                  "default_lang = en\n");
    setenv("DAOID_SITE_NAME", "FromEnv", 1);
    setenv("DAOID_SESSION_ABSOLUTE", "3d", 1);
    cr_assert_eq(config_load(path), 0);
    cr_assert_str_eq(cfg->site_name, "FromEnv");
    cr_assert_str_eq(cfg->listen, "127.0.0.1:9090");
    cr_assert_eq(cfg->limit_login_ip.count, 7);
    cr_assert_eq(cfg->limit_login_ip.window, 120);
    cr_assert_eq(cfg->session_idle, 7200);
    cr_assert_eq(cfg->session_absolute, 3 * 86400);
    cr_assert_eq(cfg->access_log, 0);
    cr_assert_str_eq(cfg->default_lang, "en");
    /* derived from public_url */
    cr_assert_eq(cfg->https, 1);
    cr_assert_str_eq(cfg->origin, "https://id.example.com");
    cr_assert_str_eq(cfg->cookie_prefix, "__Host-");

    /* loading again starts from the defaults */
    unsetenv("DAOID_SITE_NAME");
    unsetenv("DAOID_SESSION_ABSOLUTE");
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_str_eq(cfg->site_name, "DaoCloud");
    cr_assert_str_eq(cfg->listen, "127.0.0.1:8080");
    cr_assert_eq(cfg->https, 0);
}

Test(config, access_log_buffer_bounds)
{
    setenv("DAOID_ACCESS_LOG_BUFFER", "0", 1); /* each line at once, as before buffering */
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_eq(cfg->access_log_buffer, 0);
    setenv("DAOID_ACCESS_LOG_BUFFER", "4096", 1);
    setenv("DAOID_ACCESS_LOG_FLUSH_MS", "250", 1);
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_eq(cfg->access_log_flush_ms, 250);
    setenv("DAOID_ACCESS_LOG_BUFFER", "100", 1); /* smaller than a line may be */
    cr_assert_eq(config_load(NULL), -1);
    setenv("DAOID_ACCESS_LOG_BUFFER", "32k", 1);
    cr_assert_eq(config_load(NULL), -1);
    setenv("DAOID_ACCESS_LOG_BUFFER", "32768", 1);
    setenv("DAOID_ACCESS_LOG_FLUSH_MS", "0", 1);
    cr_assert_eq(config_load(NULL), -1);
    setenv("DAOID_ACCESS_LOG_FLUSH_MS", "60001", 1);
    cr_assert_eq(config_load(NULL), -1);
}

Test(config, captcha_test_answer_needs_loopback)
{
    setenv("DAOID_CAPTCHA_TEST_ANSWER", "ABCDE", 1);
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_str_eq(cfg->captcha_test_answer, "ABCDE");

    setenv("DAOID_PUBLIC_URL", "https://id.example.com", 1);
    cr_assert_eq(config_load(NULL), -1);
    setenv("DAOID_PUBLIC_URL", "http://localhost.example.com:8080", 1);
    cr_assert_eq(config_load(NULL), -1);
    setenv("DAOID_PUBLIC_URL", "http://127.0.0.1:8080", 1);
    cr_assert_eq(config_load(NULL), 0);

    /* in the file, with the public URL from the environment */
    unsetenv("DAOID_CAPTCHA_TEST_ANSWER");
    setenv("DAOID_PUBLIC_URL", "https://id.example.com", 1);
    cr_assert_eq(config_load(tl_write_file("t.ini", "captcha_test_answer = ABCDE\n")), -1);
}

Test(config, secret_key_file)
{
    const char *key = "0123456789abcdef0123456789abcdef-key";
    char text[128];
    snprintf(text, sizeof(text), "%s\r\n\n", key);
    char path[512];
    snprintf(path, sizeof(path), "%s", tl_write_file("secret", text));

    char ini[700];
    snprintf(ini, sizeof(ini), "secret_key_file = %s\n", path);
    cr_assert_eq(config_load(tl_write_file("s.ini", ini)), 0);
    cr_assert_str_eq(cfg->secret_key, key);

    /* from the environment too, and for the SMTP password */
    setenv("DAOID_SECRET_KEY_FILE", path, 1);
    setenv("DAOID_SMTP_PASSWORD_FILE", path, 1);
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_str_eq(cfg->secret_key, key);
    cr_assert_str_eq(cfg->smtp_password, key);

    /* an unreadable file is an error */
    setenv("DAOID_SECRET_KEY_FILE", "/nonexistent/daoid-secret", 1);
    cr_assert_eq(config_load(NULL), -1);
    unsetenv("DAOID_SECRET_KEY_FILE");
    unsetenv("DAOID_SMTP_PASSWORD_FILE");

    /* only secrets have a _file form */
    setenv("DAOID_SITE_NAME_FILE", path, 1);
    cr_assert_eq(config_load(NULL), -1);
    unsetenv("DAOID_SITE_NAME_FILE");

    /* a short key is refused */
    setenv("DAOID_SECRET_KEY_FILE", tl_write_file("short", "tooshort\n"), 1);
    cr_assert_eq(config_load(NULL), -1);
}

Test(config, invalid_values_refused)
{
    static const char *const bad[][2] = {
        {"DAOID_NO_SUCH_KEY", "1"},
        {"DAOID_ARGON2_MEMORY_KIB", "1024"},
        {"DAOID_ARGON2_ITERATIONS", "0"},
        {"DAOID_PUBLIC_URL", "http://localhost:8080/app"},
        {"DAOID_PUBLIC_URL", "ftp://localhost"},
        {"DAOID_PUBLIC_URL", "http://"},
        {"DAOID_LISTEN", "8080"},
        {"DAOID_DATABASE", "mysql://x"},
        {"DAOID_DEFAULT_LANG", "fr"},
        {"DAOID_PASSWORD_MIN_LENGTH", "6"},
        {"DAOID_PASSWORD_MIN_LENGTH", "200"},
        {"DAOID_SESSION_IDLE", "30s"},
        {"DAOID_SESSION_IDLE", "soon"},
        {"DAOID_THREADS", "-1"},
        {"DAOID_THREADS", "four"},
        {"DAOID_ACCESS_LOG", "maybe"},
        {"DAOID_LIMIT_SIGNUP_IP", "20"},
        {"DAOID_LOG_LEVEL", "loud"},
        {"DAOID_MAX_BODY", "10"},
        {"DAOID_MAIL_MAX_ATTEMPTS", "0"},
    };
    cr_assert_eq(config_load(NULL), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv(bad[i][0], bad[i][1], 1);
        cr_expect_eq(config_load(NULL), -1, "%s=%s accepted", bad[i][0], bad[i][1]);
        unsetenv(bad[i][0]);
    }
    /* DAOID_ARGON2_* come back from the defaults of tl_env_defaults */
    setenv("DAOID_ARGON2_MEMORY_KIB", "8192", 1);
    setenv("DAOID_ARGON2_ITERATIONS", "1", 1);
    cr_assert_eq(config_load(NULL), 0);

    cr_assert_eq(config_load(tl_write_file("bad.ini", "site_name = x\nthis line is broken\n")), -1);
    cr_assert_eq(config_load("/nonexistent/daoid.ini"), -1);
}

/* regression: loopback means the address 127.0.0.0/8 or ::1, not a name that starts with 127 */
Test(config, loopback_is_an_address_not_a_prefix)
{
    cr_assert_eq(config_host_is_loopback("http://127.example.com"), 0);
    cr_assert_eq(config_host_is_loopback("http://127.0.0.1.example.com:8080"), 0);
    cr_assert_eq(config_host_is_loopback("http://127.8.9.10:80/"), 1);
    cr_assert_eq(config_host_is_loopback("http://[::1]:8080"), 1);
    cr_assert_eq(config_host_is_loopback("http://localhost.example.com"), 0);
}

Test(config, captcha_test_answer_refused_for_public_host_named_127)
{
    setenv("DAOID_PUBLIC_URL", "http://127.example.com", 1);
    setenv("DAOID_CAPTCHA_TEST_ANSWER", "ABCDE", 1);
    cr_assert_eq(config_load(NULL), -1);
    unsetenv("DAOID_PUBLIC_URL");
    unsetenv("DAOID_CAPTCHA_TEST_ANSWER");
}

Test(config, captcha_test_answer_length)
{
    setenv("DAOID_CAPTCHA_TEST_ANSWER", "ABC", 1);
    cr_assert_eq(config_load(NULL), -1, "3 characters are refused");
    setenv("DAOID_CAPTCHA_TEST_ANSWER", "ABCDEFGHJ", 1);
    cr_assert_eq(config_load(NULL), -1, "9 characters are refused");
    setenv("DAOID_CAPTCHA_TEST_ANSWER", "ABCDEFGH", 1);
    cr_assert_eq(config_load(NULL), 0, "8 characters are fine");
    unsetenv("DAOID_CAPTCHA_TEST_ANSWER");
}
