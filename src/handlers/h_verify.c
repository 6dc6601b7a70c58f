/* h_verify: opening the link of a verification mail. The page's URL carries a token, so it is
 * served with Referrer-Policy: no-referrer. */
#include "handlers.h"
#include "http.h"
#include "page.h"
#include "tmpl.h"
#include "verify.h"

void h_verify(struct req *r)
{
    resp_header(r, "Referrer-Policy", "no-referrer");
    int64_t account_id = 0;
    char *email = NULL;
    const char *href = r->sess ? "/console" : "/login";
    const char *link = r->sess ? "console.title" : "login.title";
    switch (verify_consume(r->a, req_arg(r, "token"), r->ip, &account_id, &email)) {
    case VERIFY_OK:
        page_notice(r, 200, "verify.ok.title", "verify.ok.message", href, link);
        return;
    case VERIFY_USED:
        page_notice(r, 410, "verify.err.title", "verify.err.used", href, link);
        return;
    case VERIFY_EXPIRED:
        page_notice(r, 410, "verify.err.title", "verify.err.expired", href, link);
        return;
    case VERIFY_TAKEN:
        page_notice(r, 409, "verify.err.title", "verify.err.taken", href, link);
        return;
    case VERIFY_STALE:
        page_notice(r, 410, "verify.err.title", "verify.err.stale", href, link);
        return;
    case VERIFY_UNKNOWN:
        page_notice(r, 404, "verify.err.title", "verify.err.unknown", href, link);
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
}
