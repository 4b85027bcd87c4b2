/*
 * tracegen.h - the trace generator's model, shared by sim/tracegen.c
 * (emission, cadence, main) and sim/scenarios.c (the scenarios: link
 * models, truth/fault marks, goals). Not a library: starfail-tracegen only.
 */
#ifndef SF_SIM_TRACEGEN_H
#define SF_SIM_TRACEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"
#include "probe_boost.h"
#include "trace.h"

#define ROUND_MS 500
#define TARGETS 3
#define UTC_START_MS 1764115200000LL	/* 2025-11-26 00:00:00 UTC */
#define MAX_MARKS 1024
#define GEN_MAX_MEMBERS 3
#define MAX_DROPS 64

struct link {
	double rtt_ms, jitter_ms, loss;	/* loss: probability per probe */
	bool up;
	bool sl_noise;			/* Starlink boundary effects */
	double obstruction_pct;
	int obstructed, outage, update_state;
	double reboot_in_s;		/* NAN = none */
	double rsrp_dbm, sinr_db, wifi_dbm;
};

struct gmember {
	const char *name;
	enum member_class cls;
	int priority;
	struct link base;
	int round_ms;			/* probe round interval (default ROUND_MS) */
	int targets;			/* probes per round (default TARGETS) */
	int fast_left;			/* fast confirmation rounds left (daemon cadence) */
	int64_t next_round_ms, next_status_ms;
};

struct gen;
typedef void (*model_fn)(const struct gen *g, int mi, int64_t t, struct link *l);

struct mark {
	int64_t t_ms;
	char text[128];
};

struct gen {
	const char *scenario;
	int64_t duration_ms;
	int n;
	struct gmember m[GEN_MAX_MEMBERS];
	model_fn model;
	struct mark marks[MAX_MARKS];
	int nmarks;
	char goals[160];
	bool fast_rounds;		/* a fully lost round is re-probed after 600 ms, 3 times */
	uint64_t seed;
	int64_t drop_t[MAX_DROPS], drop_end[MAX_DROPS];	/* recurring obstruction schedule */
	int ndrops;
	struct cell_radio *radio;	/* cellular radio series (scenarios_cell.c), NULL: none */
	int radio_member;		/* the member it drives */
	bool follow_primary;		/* cadence by role, as the daemon's role_of(): the engine's
					 * primary and members not good at m[0].round_ms, others at
					 * m[1].round_ms; status samples fed to the engine too */
	uint64_t rng;
	FILE *f;
	/* adaptive evidence (on unless --adaptive 0): the engine runs on the
	 * generated rounds, and a member it marks suspect is probed by the
	 * prober's own rule (src/collect/probe_boost.c, the daemon's defaults) */
	struct engine *eng;
	struct probe_boost boost[GEN_MAX_MEMBERS];
	bool confirm[GEN_MAX_MEMBERS];	/* the member's next round is a confirmation round */
	int last_lost[GEN_MAX_MEMBERS];	/* probes lost in the member's newest round */
	bool link_down[GEN_MAX_MEMBERS];	/* follow_primary: up=0 written, up=1 not yet */
	long rounds[GEN_MAX_MEMBERS], probes[GEN_MAX_MEMBERS], extra_probes[GEN_MAX_MEMBERS];
};

struct scen {
	const char *name;
	bool is_long;
	void (*setup)(struct gen *g);
};

extern const struct scen scens[];
/* scenarios_cell.c: cellular fade and bad-radio backup on a modelled radio */
void s_cell_fade_wifi_dc(struct gen *g);
void s_bad_radio_backup_dc(struct gen *g);
void s_bad_radio_only_backup_dc(struct gen *g);
void s_cell_drive_1h_dc(struct gen *g);
void cell_radio_free(struct gen *g);
extern const size_t n_scens;

#endif
