/*
 * ctl.h - what the starfailctl commands in files of their own share with
 * starfailctl.c: the one request/reply transport and their entry points.
 */
#ifndef SF_CTL_H
#define SF_CTL_H

#include <stdbool.h>

struct json_object;

enum { CTL_EXIT_OK, CTL_EXIT_METHOD_ERR, CTL_EXIT_USAGE, CTL_EXIT_UNREACHABLE, CTL_EXIT_DENIED };

/* One API request over the socket; the parsed reply, or NULL with a message
 * on stderr and *exit_code set (starfailctl.c). */
struct json_object *ctl_call(const char *method, struct json_object *params, int *exit_code);

/* Exit code for a reply ({"error": ...} or not); prints the message unless quiet. */
int ctl_reply_error(struct json_object *reply, bool quiet);

/* explain [EVENT-ID] (ctl_explain.c): params from the arguments (-1: usage), the table. */
int ctl_explain_params(int argc, char **argv, struct json_object *params);
void ctl_explain_print(struct json_object *result);

/* timeline [--since DURATION] --svg FILE (ctl_timeline.c): a whole command. */
int ctl_timeline_main(int argc, char **argv);

#endif
