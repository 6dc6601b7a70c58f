/* settings_kv: owner of the settings table (name → value, shared by every node: the master
 * secret and other values made once per installation). Rows never expire: no sweep. */
#ifndef DAOID_SETTINGS_KV_H
#define DAOID_SETTINGS_KV_H

#include "store.h"

/* The value of name into *value (in a): ST_OK, ST_NOTFOUND or an error. */
enum st_rc settings_kv_get(struct st_conn *c, struct arena *a, const char *name, char **value);
/* Stores value under name unless name has one already (then nothing changes). */
enum st_rc settings_kv_add(struct st_conn *c, const char *name, const char *value);
/* A value kept in the settings table, created with make() when absent (race-free across
 * nodes: the first writer wins, everyone reads the winner). Returns a malloc'd string. */
char *settings_kv_get_or_create(const char *name, char *(*make)(void));

#endif
