/* devsim_coding: the fake Coding's open-api endpoint, one URL for every call, which picks the
 * part that answers by the call's Action (the user's, devsim_oauth; the repositories',
 * devsim_repos). */
#ifndef DEVSIM_CODING_H
#define DEVSIM_CODING_H

#include "devsim_http.h"

/* /coding/open-api */
extern const struct devsim_route dcoding_routes[];

#endif
