/* json_reply: a JSON answer built with Jansson (the machine endpoints: the OpenID Connect token
 * endpoints, discovery, the WeChat poll). Takes the caller's reference; a body that cannot be
 * serialized (NULL, out of memory) answers 503 {"error":"temporarily_unavailable"} instead. */
#ifndef DAOID_JSON_REPLY_H
#define DAOID_JSON_REPLY_H

#include <jansson.h>

struct req;

/* Sends j (its reference taken and dropped) with status; the text lives in r->a. */
void json_reply(struct req *r, int status, json_t *j);

#endif
