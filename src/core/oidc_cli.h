/* oidc_cli: `daoid client …`, the operator's commands for OpenID Connect relying parties and
 * the provider's signing keys (add, list, show, rotate-secret, remove, rotate-key, keys). */
#ifndef DAOID_OIDC_CLI_H
#define DAOID_OIDC_CLI_H

/* Runs `daoid client ARGS` (argv[1] is "client"); returns the exit status. */
int oidc_cli_main(int argc, char **argv);

#endif
