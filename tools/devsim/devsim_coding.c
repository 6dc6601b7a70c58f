/* devsim_coding: the fake Coding's open-api endpoint (POST /coding/open-api): every call goes
 * to this one URL with its Action in the JSON body (or the query); the action table below
 * names the part that answers it. */
#include "devsim_coding.h"

#include <string.h>

#include "devsim_oauth.h"
#include "devsim_repos.h"

typedef void (*dcoding_action_fn)(const struct devsim_req *req, json_t *body,
                                  struct devsim_resp *resp);

static const struct {
    const char *action;
    dcoding_action_fn fn;
} dcoding_actions[] = {
    {"DescribeCodingCurrentUser", doauth_coding_user},
    {"DescribeTeamDepotInfoList", drepos_coding_depots},
};

/* Coding's answer to an action it does not know (or a call that is not a POST). */
static void dcoding_invalid(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    devsim_reply_json(resp, 400,
                      json_pack("{s:{s:{s:s, s:s}, s:s}}", "Response", "Error", "Code",
                                "InvalidAction", "Message", "unknown Action", "RequestId",
                                "devsim"));
}

static void dcoding_open_api(const struct devsim_req *req, struct devsim_resp *resp)
{
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    const char *action = json_string_value(json_object_get(body, "Action"));
    if (!action) action = devsim_query(req, "Action");
    size_t i = 0, n = sizeof(dcoding_actions) / sizeof(dcoding_actions[0]);
    while (i < n && (!action || strcmp(action, dcoding_actions[i].action))) i++;
    if (i < n)
        dcoding_actions[i].fn(req, body, resp);
    else
        dcoding_invalid(req, resp);
    json_decref(body);
}

const struct devsim_route dcoding_routes[] = {
    {"POST", "/coding/open-api", dcoding_open_api},
    {NULL, "/coding/open-api", dcoding_invalid},
    {NULL},
};
