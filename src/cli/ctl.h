/*
 * ctl.h - what the parts of starfailctl share: exit codes, the socket path
 * and one bounded request to starfaild.
 */
#ifndef SF_CTL_H
#define SF_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define CTL_DEFAULT_SOCKET "/var/run/starfail.sock"

/* exit codes of starfailctl (and of its rpcd plugin mode) */
enum { EXIT_OK, EXIT_METHOD_ERR, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_DENIED };

/* the API socket: -s PATH, else $STARFAIL_SOCKET, else CTL_DEFAULT_SOCKET */
extern const char *ctl_socket_path;

/*
 * Send {"method": METHOD, "params": PARAMS} (PARAMS may be NULL) and read one
 * JSON reply, all within timeout_ms: the connect (a daemon whose backlog is
 * full), the send and the reply each count against the same deadline, so a
 * hung daemon costs at most timeout_ms. Returns the parsed reply (the
 * caller owns it), or NULL with *exit_code set (EXIT_USAGE, EXIT_UNREACHABLE)
 * and the reason in why.
 */
struct json_object *ctl_call(const char *method, struct json_object *params, int timeout_ms,
			     int *exit_code, char *why, size_t why_len);

/*
 * rpcd exec plugin mode (ctl_rpcd.c): argv[0] is "list" or "call", argv[1]
 * the method. Prints exactly one JSON object on stdout on every path.
 */
int ctl_rpcd_main(int argc, char **argv);

/* One request for a CLI command within -t: the reason of a failure on stderr (starfailctl.c). */
struct json_object *ctl_request(const char *method, struct json_object *params, int *exit_code);

/* Exit code for a reply ({"error": ...} or not); prints the message unless quiet. */
int ctl_reply_error(struct json_object *reply, bool quiet);

/* explain [EVENT-ID] (ctl_explain.c): params from the arguments (-1: usage), the table. */
int ctl_explain_params(int argc, char **argv, struct json_object *params);
void ctl_explain_print(struct json_object *result);

/* timeline [--since DURATION] --svg FILE (ctl_timeline.c): a whole command. */
int ctl_timeline_main(int argc, char **argv);

#endif
