/* h_passkey: passkeys — adding one (a name, then the browser's prompt: /settings/security's
 * script posts to the begin/finish pair; a first factor answers its recovery codes too),
 * renaming, removing; signing in with one on /login (discoverable, the browser's autofill, or
 * the username typed first: a security key's credentials listed) and as the second step of
 * /login/2fa (where a key only touched, not verified, is enough). The
 * ceremonies answer JSON to web/static/passkey.js; the challenge's cookie binds them to the
 * browser. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "mfa.h"
#include "page.h"
#include "passkey.h"
#include "passkeys.h"
#include "recovery.h"
#include "session.h"
#include "store.h"
#include "tmpl.h"
#include "twostep.h"
#include "websession.h"

#define WA_COOKIE "webauthn"
#define SECURITY  "/settings/security"

int passkey_list_ctx(struct req *r, struct tmpl_ctx *c)
{
    struct st_conn *conn = st_get();
    struct passkey_row rows[50];
    int n = conn ? passkeys_list(conn, r->a, r->sess->account_id, rows, 50) : -1;
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *k = tmpl_list_add(c, "passkey_rows");
        tmpl_set(k, "id", arena_printf(r->a, "%lld", (long long)rows[i].id));
        tmpl_set(k, "name", rows[i].name);
        tmpl_set(k, "created", page_date(r, rows[i].created_at, PAGE_MINUTE));
        if (rows[i].last_used_at)
            tmpl_set(k, "used", page_date(r, rows[i].last_used_at, PAGE_MINUTE));
    }
    return 0;
}

static void json_err(struct req *r, int status, const char *code)
{
    resp_json(r, status, arena_printf(r->a, "{\"error\":\"%s\"}", code));
}

static const char *const rc_codes[] = {
    [PK_OK] = "ok",           [PK_GONE] = "expired",          [PK_REFUSED] = "refused",
    [PK_UNKNOWN] = "unknown", [PK_TAKEN] = "taken",           [PK_COUNTER] = "counter",
    [PK_NAME] = "name",       [PK_UNVERIFIED] = "unverified", [PK_ERR] = "unavailable",
};

static void answer(struct req *r, enum pk_rc rc, const char *json_ok)
{
    if (rc == PK_OK) return resp_json(r, 200, json_ok);
    json_err(r, rc == PK_ERR ? 503 : rc == PK_NAME ? 400 : 403, rc_codes[rc]);
}

void h_passkey_register_begin(struct req *r)
{
    char tok[TOKEN_LEN + 1], *json = NULL;
    enum pk_rc rc = passkey_register_begin(r->a, r->sess->account_id, r->sess->username,
                                           req_form(r, "name"), tok, &json);
    if (rc == PK_OK) resp_cookie(r, WA_COOKIE, tok, PASSKEY_CHALLENGE_TTL);
    answer(r, rc, json);
}

/* The answer to an added passkey: where to go next and, with a first factor, the recovery
 * codes to show once (passkey.js shows them on the page before going on). */
void h_passkey_register_finish(struct req *r)
{
    char *codes[RECOVERY_CODES];
    int n = 0;
    enum pk_rc rc = passkey_register_finish(
        r->a, r->sess->account_id, req_cookie(r, WA_COOKIE), req_form(r, "clientDataJSON"),
        req_form(r, "attestationObject"), r->ip, r->lang, codes, &n);
    resp_cookie(r, WA_COOKIE, "", -1);
    const char *list = "";
    for (int i = 0; i < n; i++)
        list = arena_printf(r->a, "%s%s\"%s\"", list, i ? "," : "", codes[i]);
    answer(r, rc,
           arena_printf(r->a, "{\"next\":\"" SECURITY "?done=passkey_added\"%s%s%s}",
                        n ? ",\"codes\":[" : "", list, n ? "]" : ""));
}

void h_passkey_login_begin(struct req *r)
{
    struct twostep_state st;
    int64_t account = 0;
    if (req_cookie(r, MFA_COOKIE)) {
        int n = twostep_get(r->a, req_cookie(r, MFA_COOKIE), r->ip, &st);
        if (n < 0) return json_err(r, 503, "unavailable");
        if (n > 0) account = st.account_id;
    }
    /* username first (a security key without resident credentials needs its ids) */
    const char *who = req_form(r, "identifier");
    char tok[TOKEN_LEN + 1], *json = NULL;
    enum pk_rc rc = !account && who && *who ? passkey_login_begin_named(r->a, who, tok, &json)
                                            : passkey_login_begin(r->a, account, tok, &json);
    if (rc == PK_OK) resp_cookie(r, WA_COOKIE, tok, PASSKEY_CHALLENGE_TTL);
    answer(r, rc, json);
}

void h_passkey_assertion(struct req *r, const char *cookie, struct pk_assertion *in)
{
    *in = (struct pk_assertion){
        .tok = req_cookie(r, cookie),
        .cred_id = req_form(r, "id"),
        .client_data = req_form(r, "clientDataJSON"),
        .authenticator_data = req_form(r, "authenticatorData"),
        .signature = req_form(r, "signature"),
        .user_handle = req_form(r, "userHandle"),
        .ip = r->ip,
    };
}

void h_passkey_login_finish(struct req *r)
{
    struct pk_assertion in;
    h_passkey_assertion(r, WA_COOKIE, &in);
    int64_t account = 0;
    char *amr = NULL;
    int alone = 0;
    enum pk_rc rc = passkey_login_finish(r->a, &in, &account, &amr, &alone);
    resp_cookie(r, WA_COOKIE, "", -1);
    if (rc != PK_OK) return answer(r, rc, NULL);
    const char *mfa = req_cookie(r, MFA_COOKIE);
    const char *next = req_form(r, "next");
    if (!http_safe_next(next)) next = "/console";
    enum twostep_rc t = TWOSTEP_GONE;
    if (mfa && *mfa) {
        struct twostep_out out;
        t = twostep_passkey(r->a, mfa, account, amr, &out);
        if (t == TWOSTEP_BUSY) return json_err(r, 503, "unavailable");
        if (t == TWOSTEP_OK) {
            resp_cookie(r, MFA_COOKIE, "", -1);
            amr = out.amr;
            if (out.next) next = out.next;
        }
    }
    /* a key only touched is a second step: without the password's step, nothing */
    if (t != TWOSTEP_OK && !alone) return answer(r, PK_UNVERIFIED, NULL);
    if (websession_begin(r, account, amr) != 0) return json_err(r, 503, "unavailable");
    resp_json(r, 200, arena_printf(r->a, "{\"next\":\"%s\"}", next));
}

static int64_t form_id(struct req *r)
{
    const char *s = req_form(r, "id");
    char *end = NULL;
    long long v = s ? strtoll(s, &end, 10) : 0;
    return s && end && !*end && v > 0 ? (int64_t)v : 0;
}

void h_passkey_rename(struct req *r)
{
    enum pk_rc rc = passkey_rename(r->sess->account_id, form_id(r), req_form(r, "name"), r->ip);
    if (rc == PK_ERR) return page_error(r, 503, "error.unavailable");
    if (rc == PK_OK) return resp_redirect(r, SECURITY "?done=passkey_renamed");
    h_security_page(r, 400, NULL, rc == PK_NAME ? "mfa.err.name" : "mfa.err.none", NULL, NULL, 0);
}

void h_passkey_remove(struct req *r)
{
    if (!mfa_session_strong(r->sess)) {
        struct st_conn *c = st_get();
        if (!c) return page_error(r, 503, "error.unavailable");
        enum mfa_rc p = mfa_prove(c, r->a, r->sess->account_id, req_form(r, "code"), r->ip,
                                  (int64_t)time(NULL));
        if (p == MFA_ERR) return page_error(r, 503, "error.unavailable");
        if (p != MFA_OK) return h_security_page(r, 403, NULL, "mfa.err.weak", NULL, NULL, 0);
    }
    enum pk_rc rc = passkey_remove(r->a, r->sess->account_id, form_id(r), r->ip, r->lang);
    if (rc == PK_ERR) return page_error(r, 503, "error.unavailable");
    if (rc == PK_OK) return resp_redirect(r, SECURITY "?done=passkey_removed");
    h_security_page(r, 404, NULL, "mfa.err.none", NULL, NULL, 0);
}
