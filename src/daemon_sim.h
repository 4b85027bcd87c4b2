/*
 * daemon_sim.h - dual SIM of cellular members (docs/CELLULAR.md "Dual SIM").
 *
 * For each member whose cellular collector has cell_sim_switch on, every
 * poll of that collector is turned into one observation of the member's
 * SIM state machine (cell_sim.h): what the modem said (registration, slot,
 * RSRP, SINR, roaming), what the engine says of the member's probes (down,
 * good), whether it carries traffic (primary) and the time of its latest
 * probe round that was up. The engine's radio floor is the weak threshold.
 * A switch or revert runs through the collector (cellular_sim_exec: after
 * its poll, through util/proc, with a deadline). Events:
 *   sim_switch (reason down|weak|roaming) - the switch command worked;
 *   sim_switch_ok - the new SIM is registered and a probe round was up;
 *   sim_switch_fail (reason command|not_up|revert) - the command failed,
 *     the new SIM did not come up in cell_sim_verify_ms, or the revert failed;
 *   sim_switch_back - back on the old SIM (after not_up).
 * (Event types are at most 15 bytes: tel_event.type.)
 * The state is kept by member name across reloads (the cooldown too).
 */
#ifndef SF_DAEMON_SIM_H
#define SF_DAEMON_SIM_H

#include <stdbool.h>

struct daemon;
struct member;
struct sample;

int daemon_sim_start(struct daemon *d);
void daemon_sim_stop(struct daemon *d);

/* Add `sim` (cell_sim_view_metrics) to a member's `metrics` reply when it has dual SIM on. */
struct json_object;
void daemon_sim_json(const struct daemon *d, const struct member *m, struct json_object *out);

/* Every member sample (on_member_sample), after the engine saw it. */
void daemon_sim_observe(struct daemon *d, struct member *m, const struct sample *s, unsigned flags);

#endif
