/* console: what the console shows an account besides its row: the first-visit tour's state,
 * kept per account in the store (so a tour finished or skipped on one device never shows again
 * on another), and which sign-in providers the account has bound and the site offers (for the
 * reminders and the Code Build page), and the offers to bind one that the account dismissed
 * (kept per account too).
 *
 * Tour: shown (tour_done_at = 0) → done (finished or skipped: console_tour_set(…, 1))
 *       done → shown ("show the tour again": console_tour_set(…, 0)). */
#ifndef DAOID_CONSOLE_H
#define DAOID_CONSOLE_H

#include <stdint.h>

/* The providers daoid knows, in the order pages list them. */
enum console_provider { CP_GITHUB, CP_BITBUCKET, CP_CODING, CP_WECHAT, CP_COUNT };

struct console_view {
    int bound[CP_COUNT];     /* the account has an identity at the provider */
    int offered[CP_COUNT];   /* the site has the provider configured */
    int dismissed[CP_COUNT]; /* the account dismissed the console's offer to bind it */
};

/* "github", "bitbucket", "coding", "wechat" (static). */
const char *console_provider_name(enum console_provider p);
/* Sets the account's tour finished (done = 1) or to be shown again (done = 0). 0 or -1. */
int console_tour_set(int64_t account_id, int done, int64_t now);
/* The provider called name, or CP_COUNT when none is. */
enum console_provider console_provider_find(const char *name);
/* Dismisses the console's offer to bind p for the account, for good. 0 or -1. */
int console_offer_dismiss(int64_t account_id, enum console_provider p);
/* Fills *v for the account. 0 or -1 when the store failed. */
int console_view(int64_t account_id, struct console_view *v);

#endif
