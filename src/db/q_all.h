/* q_all: the statement files of every table owner, for catalog.h and catalog.c (no include
 * guard: it is included once per expansion of Q and QT). */
#include "q_store.h"
#include "q_settings_kv.h"
#include "q_accounts.h"
#include "q_held_usernames.h"
#include "q_sessions.h"
#include "q_tokens.h"
#include "q_captchas.h"
#include "q_rate_counters.h"
#include "q_outbox.h"
#include "q_provider_tokens.h"
#include "q_audit.h"
