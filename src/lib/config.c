/* config: table-driven settings. Each key has a type, a default and a line of help; the INI
 * file (inih) is read first, then DAOID_<KEY> environment variables, then KEY_file indirection
 * for secrets, then validation. */
#include "config.h"
#include "log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum ctype { C_STR, C_SECRET, C_INT, C_BOOL, C_DUR, C_RATE };

struct ckey {
    const char *name;
    enum ctype type;
    size_t off;
    const char *def;
    const char *help;
};

#define O(f) offsetof(struct config, f)
int config_zone_offset(const char *s, long *seconds)
{
    int h = 0, m = 0, n = 0;
    if (!s || strncmp(s, "UTC", 3)) return -1;
    s += 3;
    if (!*s) {
        *seconds = 0;
        return 0;
    }
    if ((*s != '+' && *s != '-') || !isdigit((unsigned char)s[1])) return -1;
    int sign = *s == '-' ? -1 : 1;
    if (sscanf(s + 1, "%2d%n", &h, &n) != 1) return -1;
    const char *rest = s + 1 + n;
    if (*rest == ':') {
        int k = 0;
        if (sscanf(rest + 1, "%2d%n", &m, &k) != 1 || k != 2) return -1;
        rest += 1 + k;
    }
    if (*rest || h > 14 || m > 59) return -1;
    *seconds = sign * (h * 3600L + m * 60L);
    return 0;
}

static const struct ckey keys[] = {
    {"public_url", C_STR, O(public_url), "http://localhost:8080",
     "URL users reach daoid at; links in mails and OAuth redirects are built from it"},
    {"listen", C_STR, O(listen), "127.0.0.1:8080", "address:port to listen on"},
    {"database", C_STR, O(database), "sqlite:./var/daoid.db",
     "sqlite:PATH, or postgres://user:pass@host:port/db"},
    {"threads", C_INT, O(threads), "0", "HTTP worker threads (0: 2 per core, at least 4)"},
    {"site_name", C_STR, O(site_name), "DaoCloud", "name shown on pages and in mails"},
    {"terms_file", C_STR, O(terms_file), "", "text file with the terms of service (UTF-8)"},
    {"templates_dir", C_STR, O(templates_dir), "",
     "directory whose files override the built-in templates and static files"},
    {"default_lang", C_STR, O(default_lang), "zh-CN", "zh-CN or en, when the browser says nothing"},
    {"time_zone_zh_cn", C_STR, O(time_zone_zh_cn), "UTC+8",
     "the zone times are shown in on zh-CN pages: UTC, UTC+8, UTC-05:30"},
    {"time_zone_en", C_STR, O(time_zone_en), "UTC", "the zone times are shown in on en pages"},
    {"secret_key", C_SECRET, O(secret_key), "",
     "key for CSRF tokens (32+ chars); empty: generated once and kept in the database"},
    {"smtp_url", C_STR, O(smtp_url), "smtp://127.0.0.1:2525",
     "smtp://host:25 (plain), smtp+starttls://host:587 (STARTTLS required), smtps://host:465"},
    {"smtp_user", C_STR, O(smtp_user), "", "SMTP user name"},
    {"smtp_password", C_SECRET, O(smtp_password), "", "SMTP password"},
    {"mail_from", C_STR, O(mail_from), "DaoCloud <noreply@localhost>", "sender of mails"},
    {"mail_retry_base", C_DUR, O(mail_retry_base), "30s",
     "first retry delay after a temporary SMTP failure (doubles each time, at most 1h)"},
    {"mail_max_attempts", C_INT, O(mail_max_attempts), "10",
     "delivery attempts before a mail is marked dead"},
    {"mail_timeout", C_DUR, O(mail_timeout), "30s", "time limit of one SMTP delivery"},
    {"password_min_length", C_INT, O(password_min_length), "8",
     "minimum password length in code points (NIST recommends 15 for password-only accounts)"},
    {"password_max_length", C_INT, O(password_max_length), "128", "maximum password length"},
    {"argon2_memory_kib", C_INT, O(argon2_memory_kib), "19456", "argon2id memory (KiB)"},
    {"argon2_iterations", C_INT, O(argon2_iterations), "2", "argon2id passes"},
    {"hash_slots", C_INT, O(hash_slots), "0", "concurrent password hashes (0: one per core)"},
    /* 2 s: a node runs at most `threads` requests at once (2 per core) on hash_slots (1 per
     * core), so a request waits for about one hash ahead of it; 2 s is 20 or more hashes at
     * the default cost (50-100 ms each). A node that cannot hash within that is overloaded and
     * sheds the request (503, Retry-After) rather than queueing it. Tests use the default too. */
    {"hash_wait_ms", C_INT, O(hash_wait_ms), "2000",
     "how long a request waits for a hash slot before answering 503"},
    {"session_idle", C_DUR, O(session_idle), "7d", "session ends after this long unused"},
    {"session_absolute", C_DUR, O(session_absolute), "30d", "session ends this long after sign-in"},
    {"verify_ttl", C_DUR, O(verify_ttl), "24h", "lifetime of an email verification link"},
    {"trusted_proxies", C_STR, O(trusted_proxies), "",
     "comma-separated addresses/CIDRs whose X-Forwarded-For is believed"},
    {"captcha_test_answer", C_STR, O(captcha_test_answer), "",
     "TESTS ONLY: every captcha's answer is this; refused unless public_url is loopback"},
    {"captcha_alternative", C_STR, O(captcha_alternative), "pow",
     "none, or pow: beside the image captcha, a check the browser solves by itself (a proof of "
     "work of about a second) for people who cannot read the image"},
    {"pow_max_number", C_INT, O(pow_max_number), "3000000",
     "the proof of work's largest number: a browser tries half of them on average"},
    {"login_captcha_after", C_INT, O(login_captcha_after), "3",
     "failed sign-ins (per account or IP, 15 min) after which sign-in asks for a captcha"},
    {"limit_signup_ip", C_RATE, O(limit_signup_ip), "20/1h", "sign-ups per IP"},
    {"limit_login_ip", C_RATE, O(limit_login_ip), "100/5m", "sign-in attempts per IP"},
    {"limit_login_account", C_RATE, O(limit_login_account), "20/5m",
     "sign-in attempts per account name"},
    {"limit_resend_account", C_RATE, O(limit_resend_account), "1/1m",
     "verification mails per account"},
    {"limit_resend_account_day", C_RATE, O(limit_resend_account_day), "10/1d",
     "verification mails per account and day"},
    {"limit_resend_ip", C_RATE, O(limit_resend_ip), "30/1h", "verification mails per IP"},
    {"limit_captcha_ip", C_RATE, O(limit_captcha_ip), "60/10m",
     "new captcha challenges per IP (each one is a stored row until answered or expired)"},
    {"max_body", C_INT, O(max_body), "65536", "largest request body in bytes"},
    {"request_timeout", C_DUR, O(request_timeout), "30s", "idle connection timeout"},
    {"per_ip_connections", C_INT, O(per_ip_connections), "64",
     "concurrent connections per client address (0: unlimited)"},
    {"max_connections", C_INT, O(max_connections), "4096", "concurrent connections in all"},
    {"db_busy_timeout_ms", C_INT, O(db_busy_timeout_ms), "5000",
     "how long a query waits for a lock or a connection"},
    {"db_prepared_statements", C_BOOL, O(db_prepared_statements), "1",
     "PostgreSQL: prepare each statement once per connection (0 behind PgBouncer < 1.21 in "
     "transaction mode)"},
    {"log_level", C_STR, O(log_level), "info", "error, warn, info or debug"},
    {"access_log", C_BOOL, O(access_log), "1", "one line per request on stdout"},
    {"access_log_buffer", C_INT, O(access_log_buffer), "32768",
     "bytes of access lines each HTTP thread keeps before one write (0: each line at once)"},
    {"access_log_flush_ms", C_INT, O(access_log_flush_ms), "1000",
     "a buffered access line is written at most this many ms after it was logged"},
    {"stop_timeout", C_DUR, O(stop_timeout), "15s",
     "on SIGTERM, how long requests in flight may take to finish before daoid exits"},
    {"log_format", C_STR, O(log_format), "text", "text or json (one JSON object a line)"},
    {"metrics", C_BOOL, O(metrics), "1", "count metrics and serve /metrics (0: neither)"},
    {"session_cache", C_BOOL, O(session_cache), "1",
     "keep checked sessions in memory, invalidated across nodes (0: read each from the store)"},
    {"metrics_listen", C_STR, O(metrics_listen), "",
     "address:port of a listener serving only /metrics; empty: /metrics on listen"},
    {"metrics_allow", C_STR, O(metrics_allow), "127.0.0.1, ::1",
     "addresses/CIDRs allowed to read /metrics (comma-separated); empty: everyone"},

    /* social sign-in */
    {"github_client_id", C_STR, O(github_client_id), "", "GitHub OAuth app client id (empty: off)"},
    {"github_client_secret", C_SECRET, O(github_client_secret), "", "GitHub OAuth app secret"},
    {"github_url", C_STR, O(github_url), "https://github.com",
     "GitHub web base (authorize, token); GitHub Enterprise: https://HOST"},
    {"github_api_url", C_STR, O(github_api_url), "https://api.github.com",
     "GitHub API base; GitHub Enterprise: https://HOST/api/v3"},
    {"bitbucket_client_id", C_STR, O(bitbucket_client_id), "", "Bitbucket OAuth consumer key"},
    {"bitbucket_client_secret", C_SECRET, O(bitbucket_client_secret), "",
     "Bitbucket OAuth consumer secret"},
    {"bitbucket_url", C_STR, O(bitbucket_url), "https://bitbucket.org", "Bitbucket web base"},
    {"bitbucket_api_url", C_STR, O(bitbucket_api_url), "https://api.bitbucket.org",
     "Bitbucket API base"},
    {"coding_client_id", C_STR, O(coding_client_id), "", "Coding OAuth client id"},
    {"coding_client_secret", C_SECRET, O(coding_client_secret), "", "Coding OAuth client secret"},
    {"coding_url", C_STR, O(coding_url), "", "Coding team base, https://TEAM.coding.net"},
    {"oauth_timeout", C_DUR, O(oauth_timeout), "10s",
     "time limit of one call to a sign-in provider (connecting: at most 5s)"},

    /* WeChat */
    {"wechat_app_id", C_STR, O(wechat_app_id), "", "WeChat service account AppID (empty: off)"},
    {"wechat_app_secret", C_SECRET, O(wechat_app_secret), "", "WeChat AppSecret"},
    {"wechat_token", C_SECRET, O(wechat_token), "", "WeChat callback Token (signatures)"},
    {"wechat_aes_key", C_SECRET, O(wechat_aes_key), "",
     "WeChat EncodingAESKey (43 chars) for safe mode; empty: plaintext mode"},
    {"wechat_api_url", C_STR, O(wechat_api_url), "https://api.weixin.qq.com", "WeChat API base"},
    {"wechat_token_mode", C_STR, O(wechat_token_mode), "stable",
     "stable (cgi-bin/stable_token) or classic (cgi-bin/token)"},
    {"wechat_qr_ttl", C_DUR, O(wechat_qr_ttl), "5m", "lifetime of a sign-in QR code"},
    {"wechat_push_mode", C_STR, O(wechat_push_mode), "auto",
     "pushes taken: safe (encrypted only), any (also plaintext), auto (safe with a key)"},
    {"wechat_push_window", C_DUR, O(wechat_push_window), "5m",
     "a push's timestamp must be this close to now (nonces kept as long)"},
    {"base_units", C_INT, O(base_units), "2", "resource units of the base plan"},
    {"wechat_bonus_units", C_INT, O(wechat_bonus_units), "1", "units granted for binding WeChat"},
    {"limit_wechat_qr_ip", C_RATE, O(limit_wechat_qr_ip), "60/10m",
     "new WeChat sign-in QR codes per IP (each one is a qrcode/create call)"},

    /* console and settings */
    {"token_key", C_SECRET, O(token_key), "",
     "key encrypting stored provider tokens (64 hex chars); empty: derived from secret_key"},
    {"reset_ttl", C_DUR, O(reset_ttl), "1h", "lifetime of a password reset link"},
    {"username_hold", C_DUR, O(username_hold), "30d",
     "how long a released username (renamed or deleted account) stays reserved"},
    {"audit_retention", C_INT, O(audit_retention), "400",
     "days the security activity log is kept (0: forever)"},
    {"reauth_window", C_DUR, O(reauth_window), "10m",
     "sensitive changes need the password unless the sign-in is this recent"},
    {"limit_reset_ip", C_RATE, O(limit_reset_ip), "20/1h", "password reset requests per IP"},
    {"limit_reset_address", C_RATE, O(limit_reset_address), "3/1h",
     "password reset mails per address (more requests get the same answer and no mail)"},

    /* two-step sign-in and passkeys */
    {"require_2fa", C_BOOL, O(require_2fa), "0",
     "1: accounts without a second factor are walked through setting one up after sign-in"},
    {"trust_provider_mfa", C_BOOL, O(trust_provider_mfa), "0",
     "1: a GitHub/WeChat/... sign-in needs no second factor here (the provider asked for one)"},
    {"passkey_counter_strict", C_BOOL, O(passkey_counter_strict), "1",
     "1: refuse a passkey whose signature counter went backwards (0: log and audit it only)"},

    /* image registry (daoid is the registry's token service) */
    {"registry_address", C_STR, O(registry_address), "",
     "host[:port] people push to (docker login HOST); empty: the registry is off"},
    {"registry_api_url", C_STR, O(registry_api_url), "",
     "how daoid reaches the registry's API (http://127.0.0.1:5000); empty: https://ADDRESS"},
    {"registry_service", C_STR, O(registry_service), "daoid-registry",
     "the registry's auth.token.service (the tokens' audience)"},
    {"registry_issuer", C_STR, O(registry_issuer), "daoid",
     "the tokens' issuer (auth.token.issuer)"},
    {"registry_key_file", C_STR, O(registry_key_file), "",
     "PEM private key (EC P-256) signing registry tokens; written by daoid registry init"},
    {"registry_realm_path", C_STR, O(registry_realm_path), "/v2/token",
     "path of the token endpoint (/v2/token or /registry/token), as in auth.token.realm"},
    {"registry_token_ttl", C_DUR, O(registry_token_ttl), "5m", "lifetime of a registry token"},
    {"registry_password_login", C_BOOL, O(registry_password_login), "1",
     "docker login with username + password (0: access tokens only)"},
    {"registry_official_namespace", C_STR, O(registry_official_namespace), "library",
     "namespace everyone may pull from and only admins push to"},
    {"registry_admins", C_STR, O(registry_admins), "",
     "comma-separated usernames that may push to the official namespace"},
    {"registry_anonymous_pull", C_BOOL, O(registry_anonymous_pull), "0",
     "pulls from the official namespace without signing in"},
    {"oidc_id_token_ttl", C_DUR, O(oidc_id_token_ttl), "1h",
     "lifetime of an OpenID Connect ID token"},
    {"oidc_access_token_ttl", C_DUR, O(oidc_access_token_ttl), "10m",
     "lifetime of an OAuth access token (opaque; introspection answers for it)"},
    {"oidc_refresh_token_ttl", C_DUR, O(oidc_refresh_token_ttl), "30d",
     "lifetime of a grant's refresh tokens (offline_access), from the sign-in"},
    {"oidc_key_publish", C_DUR, O(oidc_key_publish), "1h",
     "how long a new signing key is in the JWKS before it signs (daoid client rotate-key)"},
    {"auth_check_hosts", C_STR, O(auth_check_hosts), "",
     "hosts (space-separated) /auth/check may send a browser back to after sign-in"},
    {"auth_groups", C_STR, O(auth_groups), "",
     "groups for /auth/check?group=: NAME=user1,user2 separated by ';' (registry_admins is one)"},
};
#undef O
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static struct config the_cfg;
const struct config *cfg = &the_cfg;
/* the config being loaded: the_cfg, or a staging copy while config_reload reads the file */
static struct config *tgt = &the_cfg;
static int cfg_errors;

static void cerr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cerr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "config: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cfg_errors++;
}

int64_t config_parse_duration(const char *s)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0) return -1;
    int64_t mul = 1;
    if (*end) {
        switch (*end) {
        case 's':
            mul = 1;
            break;
        case 'm':
            mul = 60;
            break;
        case 'h':
            mul = 3600;
            break;
        case 'd':
            mul = 86400;
            break;
        default:
            return -1;
        }
        if (end[1]) return -1;
    }
    if (v > INT64_MAX / mul) return -1;
    return v * mul;
}

int config_parse_rate(const char *s, struct rate *out)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash) return -1;
    char num[32];
    size_t n = (size_t)(slash - s);
    if (n == 0 || n >= sizeof(num)) return -1;
    memcpy(num, s, n);
    num[n] = 0;
    char *end;
    long long c = strtoll(num, &end, 10);
    if (*end || c < 1) return -1;
    int64_t w = config_parse_duration(slash + 1);
    if (w < 1) return -1;
    out->count = c;
    out->window = w;
    return 0;
}

static const struct ckey *key_find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0) return &keys[i];
    return NULL;
}

static char *read_secret_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
    return strdup(buf);
}

static void key_set(const struct ckey *k, const char *val)
{
    char *base = (char *)tgt;
    void *field = base + k->off;
    switch (k->type) {
    case C_STR:
    case C_SECRET: {
        char **p = field;
        free(*p);
        *p = strdup(val);
        break;
    }
    case C_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(val, &end, 10);
        if (errno || end == val || *end || v < 0)
            cerr("%s: not a number: %s", k->name, val);
        else
            *(int64_t *)field = v;
        break;
    }
    case C_BOOL:
        if (!strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "on") || !strcmp(val, "yes"))
            *(int *)field = 1;
        else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "off") ||
                 !strcmp(val, "no"))
            *(int *)field = 0;
        else
            cerr("%s: not a boolean: %s", k->name, val);
        break;
    case C_DUR: {
        int64_t d = config_parse_duration(val);
        if (d < 0)
            cerr("%s: not a duration (30s, 10m, 2h, 7d): %s", k->name, val);
        else
            *(int64_t *)field = d;
        break;
    }
    case C_RATE:
        if (config_parse_rate(val, field) != 0)
            cerr("%s: not a rate (N/duration, e.g. 10/1h): %s", k->name, val);
        break;
    }
}

/* "secret_key_file" → the key "secret_key" when it is a secret. */
static const struct ckey *file_key(const char *name)
{
    size_t n = strlen(name);
    if (n < 6 || strcmp(name + n - 5, "_file") != 0) return NULL;
    char base[64];
    if (n - 5 >= sizeof(base)) return NULL;
    memcpy(base, name, n - 5);
    base[n - 5] = 0;
    const struct ckey *k = key_find(base);
    return k && k->type == C_SECRET ? k : NULL;
}

static void set_named(const char *name, const char *val, const char *where)
{
    const struct ckey *k = key_find(name);
    if (k) {
        key_set(k, val);
        return;
    }
    k = file_key(name);
    if (k) {
        char *s = read_secret_file(val);
        if (!s) {
            cerr("%s: cannot read %s", name, val);
            return;
        }
        key_set(k, s);
        free(s);
        return;
    }
    cerr("unknown key %s (%s)", name, where);
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
    (void)user;
    (void)section; /* sections only group keys for readers; names are global */
    set_named(name, value, "config file");
    return 1;
}

static void load_env(void)
{
    extern char **environ;
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "DAOID_", 6) != 0) continue;
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        char name[80];
        size_t n = (size_t)(eq - *e) - 6;
        if (n == 0 || n >= sizeof(name)) continue;
        for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)(*e)[6 + i]);
        name[n] = 0;
        if (!strcmp(name, "config")) continue; /* DAOID_CONFIG names the file itself */
        set_named(name, eq + 1, "environment");
    }
}

/* Splits scheme://host[:port][/] into origin; returns 0 when well formed. */
static int parse_public_url(const char *url, int *https, char **origin)
{
    const char *p;
    if (!strncmp(url, "https://", 8))
        *https = 1, p = url + 8;
    else if (!strncmp(url, "http://", 7))
        *https = 0, p = url + 7;
    else
        return -1;
    size_t n = strcspn(p, "/?#");
    if (n == 0) return -1;
    if (p[n] && strcmp(p + n, "/") != 0) return -1; /* no path: daoid serves from the root */
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && !strchr(".-:[]", p[i])) return -1;
    *origin = strndup(url, (size_t)(p - url) + n);
    return 0;
}

int config_host_is_loopback(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    char host[256];
    size_t n;
    if (*p == '[') {
        n = strcspn(p + 1, "]");
        if (p[1 + n] != ']' || n >= sizeof(host)) return 0;
        memcpy(host, p + 1, n);
    } else {
        n = strcspn(p, ":/?#");
        if (n >= sizeof(host)) return 0;
        memcpy(host, p, n);
    }
    host[n] = 0;
    if (!strcmp(host, "localhost")) return 1;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static void validate(void)
{
    struct config *c = tgt;
    free(c->origin);
    c->origin = NULL;
    if (parse_public_url(c->public_url, &c->https, &c->origin) != 0)
        cerr("public_url must be http(s)://host[:port] without a path: %s", c->public_url);
    c->cookie_prefix = c->https ? "__Host-" : "";
    if (!strchr(c->listen, ':')) cerr("listen must be address:port: %s", c->listen);
    /* an empty sqlite path would be a throwaway temporary database; the value is not echoed
     * (it may hold a password) */
    const char *db = c->database;
    int is_sqlite = !strncmp(db, "sqlite:", 7);
    int sqlite_ok = is_sqlite && db[7];
    int pg_ok = !strncmp(db, "postgres://", 11) || !strncmp(db, "postgresql://", 13) ||
                (!is_sqlite && strchr(db, '=') && !strstr(db, "://"));
    if (!sqlite_ok && !pg_ok)
        cerr("database must be sqlite:PATH or a PostgreSQL URL (postgres://, postgresql:// or "
             "key=value)");
    if (strcmp(c->default_lang, "zh-CN") && strcmp(c->default_lang, "en"))
        cerr("default_lang must be zh-CN or en: %s", c->default_lang);
    if (config_zone_offset(c->time_zone_zh_cn, &c->tz_zh_cn) != 0)
        cerr("time_zone_zh_cn must be UTC, UTC+H or UTC±HH:MM: %s", c->time_zone_zh_cn);
    if (config_zone_offset(c->time_zone_en, &c->tz_en) != 0)
        cerr("time_zone_en must be UTC, UTC+H or UTC±HH:MM: %s", c->time_zone_en);
    /* counted as the captcha compares it: spaces ignored */
    size_t tal = 0;
    for (const char *p = c->captcha_test_answer; *p; p++)
        if (isalnum((unsigned char)*p))
            tal++;
        else if (*p != ' ')
            tal = 99;
    if (tal && (tal < 4 || tal > 8)) cerr("captcha_test_answer must be 4 to 8 letters or digits");
    if (*c->captcha_test_answer && !config_host_is_loopback(c->public_url))
        cerr("captcha_test_answer is for tests: public_url %s is not loopback", c->public_url);
    if (*c->secret_key && strlen(c->secret_key) < 32)
        cerr("secret_key must be at least 32 characters");
    /* Code Build: the key sealing stored provider tokens (secrets.c) */
    size_t tk = strspn(c->token_key, "0123456789abcdefABCDEF");
    if (*c->token_key && (tk != 64 || c->token_key[tk]))
        cerr("token_key must be 64 hex characters (32 bytes)");
    if (c->password_min_length < 8 || c->password_min_length > c->password_max_length ||
        c->password_max_length > 1024)
        cerr("password lengths must satisfy 8 <= min <= max <= 1024");
    if (c->argon2_memory_kib < 8192 || c->argon2_iterations < 1)
        cerr("argon2 needs at least 8192 KiB and 1 iteration");
    if (c->session_idle < 60 || c->session_absolute < c->session_idle)
        cerr("sessions: need 60s <= session_idle <= session_absolute");
    if (c->max_body < 1024) cerr("max_body must be at least 1024");
    if (c->mail_max_attempts < 1) cerr("mail_max_attempts must be at least 1");
    if (c->audit_retention < 0 || c->audit_retention > 36500)
        cerr("audit_retention must be 0 (keep forever) to 36500 days");
    if (strcmp(c->log_format, "text") && strcmp(c->log_format, "json"))
        cerr("log_format must be text or json: %s", c->log_format);
    if (c->access_log_buffer && (c->access_log_buffer < 4096 || c->access_log_buffer > 16777216))
        cerr("access_log_buffer must be 0 (no buffer) or 4096 to 16777216 bytes: %lld",
             (long long)c->access_log_buffer);
    if (c->access_log_flush_ms < 10 || c->access_log_flush_ms > 60000)
        cerr("access_log_flush_ms must be 10 to 60000: %lld", (long long)c->access_log_flush_ms);
    if (*c->metrics_listen && !strchr(c->metrics_listen, ':'))
        cerr("metrics_listen must be address:port: %s", c->metrics_listen);
    if (log_level_parse(c->log_level) < 0)
        cerr("log_level must be error, warn, info or debug: %s", c->log_level);
    /* WeChat */
    if (strcmp(c->wechat_token_mode, "stable") && strcmp(c->wechat_token_mode, "classic"))
        cerr("wechat_token_mode must be stable or classic: %s", c->wechat_token_mode);
    if (*c->wechat_aes_key && strlen(c->wechat_aes_key) != 43)
        cerr("wechat_aes_key (EncodingAESKey) must be 43 characters");
    if (*c->wechat_app_id && (!*c->wechat_app_secret || !*c->wechat_token))
        cerr("wechat_app_id needs wechat_app_secret and wechat_token");
    if (c->wechat_qr_ttl < 1 || c->wechat_qr_ttl > 2592000)
        cerr("wechat_qr_ttl must be between 1s and 30d");
    if (strcmp(c->captcha_alternative, "none") && strcmp(c->captcha_alternative, "pow"))
        cerr("captcha_alternative must be none or pow: %s", c->captcha_alternative);
    if (c->pow_max_number < 1000 || c->pow_max_number > 100000000)
        cerr("pow_max_number must be 1000 to 100000000: %lld", (long long)c->pow_max_number);
    if (strcmp(c->wechat_push_mode, "auto") && strcmp(c->wechat_push_mode, "safe") &&
        strcmp(c->wechat_push_mode, "any"))
        cerr("wechat_push_mode must be auto, safe or any: %s", c->wechat_push_mode);
    if (!strcmp(c->wechat_push_mode, "safe") && !*c->wechat_aes_key)
        cerr("wechat_push_mode safe needs wechat_aes_key");
    if (c->wechat_push_window < 10 || c->wechat_push_window > 3600)
        cerr("wechat_push_window must be between 10s and 1h");
}

int config_load(const char *path)
{
    config_free();
    cfg_errors = 0;
    for (size_t i = 0; i < NKEYS; i++) key_set(&keys[i], keys[i].def);
    if (path) {
        int rc = ini_parse(path, ini_cb, NULL);
        if (rc < 0)
            cerr("cannot read %s", path);
        else if (rc > 0) {
            cerr("%s: syntax error on line %d", path, rc);
        }
    }
    load_env();
    validate();
    return cfg_errors ? -1 : 0;
}

/* roff-escaped s: backslashes doubled, a leading dot or quote guarded */
static void man_text(const char *s)
{
    if (*s == '.' || *s == '\'') fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

void config_print_man(void)
{
    puts(".TH DAOID.CONF 5 \"\" \"daoid\" \"File Formats\"\n"
         ".SH NAME\ndaoid.conf \\- daoid configuration file\n"
         ".SH SYNOPSIS\n/etc/daoid/daoid.conf\n"
         ".SH DESCRIPTION\n"
         "An INI file of \\fIkey\\fR = \\fIvalue\\fR lines; section names are only for the "
         "reader. Every key may be overridden by the environment variable DAOID_\\fIKEY\\fR "
         "(upper case), and a secret may be read from a file named by \\fIkey\\fR_file. "
         "\\fBdaoid check\\-config\\fR validates a file. On SIGHUP (\\fBsystemctl reload "
         "daoid\\fR) the log level, the limits (limit_*, login_captcha_after, hash_wait_ms) and "
         "the files of templates_dir are read again; other keys need a restart.\n"
         ".SH KEYS");
    for (size_t i = 0; i < NKEYS; i++) {
        const struct ckey *k = &keys[i];
        printf(".TP\n.B %s\n", k->name);
        man_text(k->help);
        if (k->type == C_SECRET) printf(" (or \\fB%s_file\\fR = path)", k->name);
        printf(".\nDefault: ");
        man_text(*k->def ? k->def : "(empty)");
        putchar('\n');
    }
    puts(".SH SEE ALSO\n.BR daoid (8)");
}

void config_print_help(void)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct ckey *k = &keys[i];
        printf("%-26s default %-28s %s%s\n", k->name, *k->def ? k->def : "(empty)", k->help,
               k->type == C_SECRET ? " (or KEY_file = path)" : "");
    }
}

void config_free(void)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type != C_STR && keys[i].type != C_SECRET) continue;
        char **p = (char **)((char *)tgt + keys[i].off);
        free(*p);
        *p = NULL;
    }
    free(tgt->origin);
    tgt->origin = NULL;
}

int config_reload(const char *path, int *log_level)
{
    static struct config next;
    memset(&next, 0, sizeof(next));
    tgt = &next;
    int rc = config_load(path);
    if (rc == 0) {
        *log_level = log_level_parse(next.log_level);
        /* the numbers read per request: limits, captcha threshold, waits */
        for (size_t i = 0; i < NKEYS; i++)
            if (keys[i].type == C_RATE)
                memcpy((char *)&the_cfg + keys[i].off, (char *)&next + keys[i].off,
                       sizeof(struct rate));
        the_cfg.login_captcha_after = next.login_captcha_after;
        the_cfg.hash_wait_ms = next.hash_wait_ms;
    }
    config_free();
    tgt = &the_cfg;
    return rc;
}
