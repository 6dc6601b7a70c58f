/* admin: `daoid admin …`, the operator's commands (find, show, disable, enable, delete an
 * account; list and retry dead mails). See admin.c for the list. */
#ifndef DAOID_ADMIN_H
#define DAOID_ADMIN_H

/* Runs `daoid admin ARGS` (argv[1] is "admin"); returns the exit status. */
int admin_main(int argc, char **argv);

#endif
