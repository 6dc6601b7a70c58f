/* config: daoid's settings from an INI file with DAOID_* environment variables over it.
 * One table describes every key (name, type, default, help); `daoid check-config` validates
 * and exits. Secrets may come from KEY_file (a path) or the environment, never argv.
 * After config_load() the global `cfg` is read-only and shared by all threads. */
#ifndef DAOID_CONFIG_H
#define DAOID_CONFIG_H

#include <stdint.h>

struct rate {
    int64_t count;  /* events allowed ... */
    int64_t window; /* ... per this many seconds */
};

struct config {
    char *public_url;
    char *listen;
    char *database;
    int64_t threads;
    char *site_name;
    char *terms_file;
    char *templates_dir;
    char *default_lang;
    char *time_zone_zh_cn, *time_zone_en; /* "UTC+8": the zone pages show times in */
    long tz_zh_cn, tz_en;                 /* their offsets from UTC, in seconds */
    char *secret_key;

    char *smtp_url;
    char *smtp_user;
    char *smtp_password;
    char *mail_from;
    int64_t mail_retry_base;
    int64_t mail_max_attempts;
    int64_t mail_timeout;

    int64_t password_min_length;
    int64_t password_max_length;
    int64_t argon2_memory_kib;
    int64_t argon2_iterations;
    int64_t hash_slots;
    int64_t hash_wait_ms;

    int64_t session_idle;
    int64_t session_absolute;
    int64_t verify_ttl;

    char *trusted_proxies;
    char *captcha_test_answer;
    char *captcha_alternative; /* "none" or "pow" (a proof of work instead of the image) */
    int64_t pow_max_number;    /* the proof of work's search space (its cost: half on average) */
    int64_t login_captcha_after;

    struct rate limit_signup_ip;
    struct rate limit_login_ip;
    struct rate limit_login_account;
    struct rate limit_resend_account;
    struct rate limit_resend_account_day;
    struct rate limit_resend_ip;
    struct rate limit_captcha_ip;

    int64_t max_body;
    int64_t request_timeout;
    int64_t per_ip_connections;
    int64_t max_connections;
    int64_t db_busy_timeout_ms;
    int db_prepared_statements;

    char *log_level;
    int access_log;
    char *log_format;     /* "text" or "json" */
    int64_t stop_timeout; /* seconds requests in flight get on SIGTERM */
    int metrics;          /* count and serve metrics */
    int session_cache;    /* the node-local session cache (session_cache.h) */
    char *metrics_listen; /* "" or address:port */
    char *metrics_allow;  /* netaddr list; "" allows everyone */
    /* the access log's buffer (logbuf.h) */
    int64_t access_log_buffer;   /* bytes per HTTP thread; 0: each line at once */
    int64_t access_log_flush_ms; /* the longest a buffered line waits */

    /* social sign-in (GitHub issue): a provider without a client id is not offered */
    char *github_client_id, *github_client_secret, *github_url, *github_api_url;
    char *bitbucket_client_id, *bitbucket_client_secret, *bitbucket_url, *bitbucket_api_url;
    char *coding_client_id, *coding_client_secret, *coding_url;
    int64_t oauth_timeout;

    /* WeChat service account (WeChat issue): not offered without an app id */
    char *wechat_app_id, *wechat_app_secret, *wechat_token, *wechat_aes_key, *wechat_api_url;
    char *wechat_token_mode, *wechat_push_mode;
    int64_t wechat_qr_ttl, wechat_push_window;
    int64_t base_units, wechat_bonus_units;
    struct rate limit_wechat_qr_ip;

    /* console and settings (console issue) */
    char *token_key;
    int64_t reset_ttl, username_hold, reauth_window;
    int64_t audit_retention; /* days the audit rows are kept; 0: forever (janitor.c) */
    struct rate limit_reset_ip, limit_reset_address;

    /* two-step sign-in and passkeys (mfa.h) */
    int require_2fa, trust_provider_mfa, passkey_counter_strict;

    /* image registry */
    char *registry_address, *registry_api_url, *registry_service, *registry_issuer;
    char *registry_key_file, *registry_realm_path, *registry_official_namespace, *registry_admins;
    int64_t registry_token_ttl, registry_password_login, registry_anonymous_pull;

    /* OpenID Connect provider and forward auth (oidc*.c, h_authcheck.c) */
    int64_t oidc_id_token_ttl, oidc_access_token_ttl, oidc_refresh_token_ttl, oidc_key_publish;
    char *auth_check_hosts, *auth_groups;

    /* derived by config_load */
    int https;           /* public_url is https */
    char *origin;        /* scheme://host[:port] of public_url */
    char *cookie_prefix; /* "__Host-" on https, "" otherwise */
};

extern const struct config *cfg;

/* Loads defaults, then the file (NULL: none), then the environment; validates.
 * On failure writes a message for each problem to stderr and returns -1. */
int config_load(const char *path);
/* SIGHUP: reads the file and the environment again into a staging copy; when valid, the
 * rate limits (every limit_* key), login_captcha_after and hash_wait_ms take the new values
 * (plain stores of numbers other threads read), *log_level gets the new level's number, and
 * 0 is returned; on errors (written to stderr) nothing changes and -1 is returned. Other keys
 * need a restart. */
int config_reload(const char *path, int *log_level);
/* The same as the manual page daoid.conf(5) in roff (`daoid config-help --man`). */
void config_print_man(void);
/* Prints every key, its default and help (for `daoid config-help`). */
void config_print_help(void);
/* Parses "30", "30s", "10m", "2h", "7d" into seconds; -1 when malformed. */
int64_t config_parse_duration(const char *s);
/* Parses "N/DURATION" (e.g. "10/1h"); 0 on success. */
int config_parse_rate(const char *s, struct rate *out);
/* 1 when host (from a URL) is loopback: localhost, 127.0.0.0/8, ::1. */
int config_host_is_loopback(const char *url);
/* Frees what config_load allocated (for leak-checked tests). */
void config_free(void);

/* "UTC", "UTC+8", "UTC-05:30" → *seconds east of UTC. 0, or -1 when s is not one of these. */
int config_zone_offset(const char *s, long *seconds);

#endif
