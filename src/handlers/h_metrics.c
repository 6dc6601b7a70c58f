/* h_metrics: GET /metrics in the Prometheus text format, to the addresses of metrics_allow
 * (the client address after trusted_proxies), on the main listener or, with metrics_listen, on
 * its own listener only. */
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "netaddr.h"
#include "page.h"

static struct netaddr_list *allow;

int h_metrics_init(void)
{
    char err[128];
    if (!*cfg->metrics_allow) return 0;
    allow = netaddr_list_parse(cfg->metrics_allow, err, sizeof(err));
    if (!allow) log_warnx("metrics_allow: bad entry %s", err);
    return allow ? 0 : -1;
}

void h_metrics_shutdown(void)
{
    netaddr_list_free(allow);
    allow = NULL;
}

static void metrics_answer(struct req *r)
{
    if (allow && !netaddr_list_has(allow, r->ip)) {
        static const char no[] = "forbidden: this address may not read metrics\n";
        resp_send(r, 403, "text/plain; charset=utf-8", no, sizeof(no) - 1);
        return;
    }
    size_t len = 0;
    char *body = metrics_render(r->a, &len);
    resp_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

void h_metrics(struct req *r)
{
    if (!cfg->metrics || *cfg->metrics_listen) return page_error(r, 404, "error.notfound");
    metrics_answer(r);
}

void h_metrics_listener(struct req *r)
{
    if (r->head && !r->too_large) return; /* the headers are in: nothing to refuse yet */
    if (!r->too_large && !strcmp(r->method, "GET") && !strcmp(r->path, "/metrics")) {
        r->route = "/metrics";
        return metrics_answer(r);
    }
    static const char nf[] = "not found: this listener serves /metrics only\n";
    resp_send(r, 404, "text/plain; charset=utf-8", nf, sizeof(nf) - 1);
}
