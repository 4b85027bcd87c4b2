/*
 * cell_sim.h - when to switch a modem to its other SIM, and when to switch
 * back: a pure state machine (no I/O, no clock; the caller passes the
 * time), fed one observation per cellular poll. The daemon (daemon_sim.c)
 * feeds it, runs the command it asks for through the cellular collector
 * (cellular_sim_exec) and turns its results into events. docs/CELLULAR.md
 * "Dual SIM".
 *
 * A trigger is one of: the active SIM is down (a provider answered and the
 * modem is not registered, or the member's probes say it is down), its
 * radio is below the engine's floor (RSRP < floor or SINR < floor; on_weak),
 * or it is roaming (on_roaming). Weak and roaming do not cut a member that
 * carries traffic while another member could take it (`carrying`: the
 * primary, its probes good, another member usable): the engine moves the
 * traffic first (its radio gate), after which the member is a standby and
 * may switch. With nothing else usable the switch is the failover.
 *
 * A switch needs: the trigger in `rounds` polls in a row (one bad reading is
 * not enough), startup_ms since the logic started, cooldown_ms since the
 * previous switch or revert (every path: a failed command too), the active
 * slot known, another slot (slots >= 2) not marked failed and not listed
 * empty by the provider (mmcli's sim-slots; the last answer's). After the
 * command worked the new SIM must be registered (and on the target slot
 * when the provider tells the slot), no longer below the floor (a weak
 * switch) or roaming (a roaming switch), and a probe round must be up after
 * the command, within verify_ms: else one revert to the old slot, the new one
 * marked failed for failed_hold_ms, and nothing more until the cooldown
 * (counted again from the revert) is over. A revert is never verified nor
 * reverted: at most one per switch, so nothing loops.
 */
#ifndef SF_CELL_SIM_H
#define SF_CELL_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "metric.h"
#include "sample.h"

#define CELL_SIM_SLOTS_MAX 4

struct cell_sim_params {
	bool enabled;
	bool on_weak, on_roaming;
	int slots;			/* slots holding a SIM, 1..CELL_SIM_SLOTS_MAX */
	int rounds;			/* polls in a row with the trigger */
	int64_t startup_ms, cooldown_ms, verify_ms, failed_hold_ms;
	double floor_rsrp_dbm, floor_sinr_db;	/* the engine's radio floor */
};

/* One cellular poll as the daemon sees it. */
struct cell_sim_obs {
	int64_t t_ms;
	bool answered;			/* a modem tool answered this poll */
	int reg;			/* enum cell_reg */
	int slot;			/* active slot 1..; -1 unknown */
	unsigned empty;			/* bit s: the provider lists slot s without a card */
	bool empty_known;		/* this poll listed the slots (else the last list stands) */
	double rsrp_dbm, sinr_db;	/* NAN unknown */
	enum tri roaming;
	int data;			/* member's probes: 1 up, 0 down, -1 unknown */
	bool carrying;			/* the primary, probes good, another member usable */
	int64_t last_round_up_ms;	/* latest probe round that was up; -1 none */
};

enum cell_sim_trigger { CELL_SIM_TRIG_NONE, CELL_SIM_TRIG_DOWN, CELL_SIM_TRIG_WEAK, CELL_SIM_TRIG_ROAMING };
enum cell_sim_state { CELL_SIM_IDLE, CELL_SIM_SWITCHING, CELL_SIM_VERIFYING, CELL_SIM_REVERTING };
enum cell_sim_action { CELL_SIM_ACT_NONE, CELL_SIM_ACT_SWITCH, CELL_SIM_ACT_REVERT };
enum cell_sim_result { CELL_SIM_RES_NONE, CELL_SIM_RES_VERIFIED, CELL_SIM_RES_NOT_UP };

/* What one step says: run the command for action (to slot), and/or a verification result. */
struct cell_sim_out {
	int action;			/* enum cell_sim_action */
	int slot;			/* target of the action */
	int from;			/* the slot it leaves */
	int trigger;			/* enum cell_sim_trigger of a switch */
	int result;			/* enum cell_sim_result */
};

struct cell_sim {
	struct cell_sim_params p;
	int state;			/* enum cell_sim_state */
	int64_t started_ms;
	int bad_rounds;			/* polls in a row with a trigger */
	int trigger;			/* of the latest poll */
	int slot;			/* last known active slot, -1 */
	unsigned empty;			/* slots the last answer listed without a card */
	int from, to;			/* of the switch under way */
	int64_t last_switch_ms;		/* start of the latest switch or revert; -1 never */
	int64_t cmd_done_ms, verify_until_ms;
	int64_t failed_until_ms[CELL_SIM_SLOTS_MAX + 1];	/* by slot */
	const char *hold;		/* why the latest trigger did not switch ("" none) */
	uint64_t switches, verified, not_up, reverts, cmd_failures;
};

void cell_sim_init(struct cell_sim *s, const struct cell_sim_params *p, int64_t now_ms);

/* New params (reload): the state, cooldown and failed marks are kept. */
void cell_sim_set_params(struct cell_sim *s, const struct cell_sim_params *p);

/* One poll. out says what to do now; an action must be followed by cell_sim_done(). */
void cell_sim_step(struct cell_sim *s, const struct cell_sim_obs *o, struct cell_sim_out *out);

/* The command of the latest action ended (ok: exit 0). */
void cell_sim_done(struct cell_sim *s, bool ok, int64_t now_ms);

const char *cell_sim_trigger_name(int trigger);
const char *cell_sim_state_name(int state);

/* What the `metrics` reply shows of it (`result.sim`, docs/METRICS.md). */
struct cell_sim_view {
	const char *state;		/* idle, switching, verifying, reverting */
	int slot;			/* last known active slot; -1 unknown */
	const char *trigger;		/* of the latest poll (or of the switch under way) */
	const char *hold;		/* why that trigger did not switch; NULL none */
	int bad_rounds;
	int64_t cooldown_left_ms;	/* -1 none */
	int64_t verify_left_ms;		/* -1 not verifying */
	uint64_t switches, verified, not_up, reverts, cmd_failures;
};
void cell_sim_view_fill(const struct cell_sim *s, int64_t now_ms, struct cell_sim_view *out);
extern const struct metric_desc cell_sim_view_metrics[];

#endif
