/* websession: see websession.h; the rows and their rules are session.c's. */
#include "websession.h"

#include "config.h"
#include "csrf.h"
#include "http.h"
#include "session.h"

int websession_load(struct req *r)
{
    if (r->sess_loaded) return 0;
    r->sess_loaded = 1;
    return session_load(r->a, req_cookie(r, WEBSESSION_COOKIE), &r->sess);
}

int websession_begin(struct req *r, int64_t account_id, const char *amr)
{
    char tok[TOKEN_LEN + 1];
    if (session_rotate(req_cookie(r, WEBSESSION_COOKIE), account_id, r->ip, req_user_agent(r), amr,
                       tok) != 0)
        return -1;
    /* persistent: the session lives session_absolute at most anyway (idle ends it earlier) */
    resp_cookie(r, WEBSESSION_COOKIE, tok, (long)cfg->session_absolute);
    r->sess = NULL;
    r->sess_loaded = 0;
    csrf_renew(r);
    return 0;
}

void websession_end(struct req *r)
{
    session_end(req_cookie(r, WEBSESSION_COOKIE));
    resp_cookie(r, WEBSESSION_COOKIE, "", -1);
    r->sess = NULL;
    csrf_renew(r);
}
