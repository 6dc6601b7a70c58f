/* devsim_repos: the repositories of the fake GitHub, Bitbucket and Coding's test users, and
 * /_ctl/repos, which sets how many a user has. */
#ifndef DEVSIM_REPOS_H
#define DEVSIM_REPOS_H

#include "devsim_http.h"

/* Coding's open-api action DescribeTeamDepotInfoList (body: the request's JSON). */
void drepos_coding_depots(const struct devsim_req *req, json_t *body, struct devsim_resp *resp);
void drepos_free(void);
/* /github/api/user/repos, /bitbucket/api/2.0/repositories/WORKSPACE, /_ctl/repos */
extern const struct devsim_route drepos_routes[];

#endif
