/*
 * engine.c - member states, hysteresis and decisions, member
 * reconfiguration. Names, events, pin and getters: engine_info.c; scores
 * and loss evidence: engine_score.c; predictive triggers: engine_predict.c. The rules, in the order
 * engine_decide() applies them (docs/ENGINE.md has the full story):
 *
 *   0. pin: a pinned member that is not down is primary;
 *   1. hard failure of the primary (link down, hard_fail_rounds fully lost
 *      rounds holding hard_fail_probes lost probes, Starlink outage): switch
 *      at once to the best eligible member (else the best usable one),
 *      ignoring windows, cooldown, margin and restore waits;
 *   2. predictive trigger on the primary: switch if the best eligible
 *      challenger leads the penalised primary by switch_margin (cooldown);
 *   3. soft failure: primary bad for fail_window_ms, challenger leads by
 *      switch_margin (cooldown); no eligible challenger = all bad: move to
 *      the least bad only if it leads by the margin, else keep and say so;
 *      3b. a cellular primary below the radio floor leaves for an eligible
 *      member above it (cooldown);
 *   4. promotion: a member of a better tier (or the same tier, leading by
 *      the margin) that has been good for restore_window_ms (cooldown).
 *
 * Eligible = enabled, not down, scored, not bad, up for min_uptime_ms.
 * A member left for a failure is in its restore wait until it is primary
 * again: rules 1b-4 go to it only once its failback policy allows (good for
 * its restore window, flap backoff included; a recurring member also
 * recurring_quiet_ms after its last drop; `manual` never by itself). Members
 * below the cellular radio floor are chosen only when no member above it is.
 * Data caps (engine_member_set_cap): a `stop` member is not usable (a stop
 * primary leaves as for a hard failure, reason data_cap); an `avoid` member
 * passes no filter while an uncapped member is usable, and an avoid primary
 * leaves at once (rule 1c) for the best uncapped usable member.
 */
#include "engine_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* flap backoff never multiplies a restore window by more than this, so a
 * restore_window_ms of 0 (where the window never reaches the max) cannot
 * overflow the multiplier */
#define RESTORE_MULT_MAX (1 << 20)

static int check_members(const struct engine_member *m, int n, char *err, size_t errlen)
{
	if (n < 0 || n > ENGINE_MAX_MEMBERS || (n > 0 && !m)) {
		snprintf(err, errlen, "member count %d outside 0..%d", n, ENGINE_MAX_MEMBERS);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strnlen(m[i].name, ENGINE_NAME_MAX);
		if (len == 0 || len >= ENGINE_NAME_MAX) {
			snprintf(err, errlen, "member %d: name empty or longer than %d", i,
				 ENGINE_NAME_MAX - 1);
			return -1;
		}
		if ((unsigned)m[i].cls >= __CLASS_MAX || m[i].priority < 1 || m[i].priority > 255 ||
		    m[i].weight < 0 || m[i].weight > 100 || (unsigned)m[i].failback >= __FAILBACK_MAX) {
			snprintf(err, errlen,
				 "member %s: class, priority (1-255), weight (0-100) or failback invalid",
				 m[i].name);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(m[i].name, m[j].name)) {
				snprintf(err, errlen, "member %s listed twice", m[i].name);
				return -1;
			}
	}
	return 0;
}

static void free_rings(struct engine *e)
{
	for (int i = 0; i < e->n; i++) {
		free(e->m[i].ring);
		e->m[i].ring = NULL;
	}
}

struct engine *engine_create(const struct engine_params *p, const struct engine_member *m, int n,
			     char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen)
		err = dummy, errlen = sizeof(dummy);
	if (!p || engine_params_check(p, err, errlen) || check_members(m, n, err, errlen))
		return NULL;
	struct engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->p = *p;
	e->primary = e->pinned = -1;
	e->last_switch_ms = INT64_MIN;
	e->first_decide_ms = INT64_MIN;
	e->last_suppr_to = -1;
	e->lead_to = -1;
	e->mem_bytes = sizeof(*e);
	for (int i = 0; i < n; i++) {
		e->m[i].cfg = m[i];
		if (eng_member_alloc(&e->m[i], p)) {
			e->n = i;
			engine_destroy(e);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		e->mem_bytes += (size_t)e->m[i].cap * sizeof(struct eng_round);
	}
	e->n = n;
	return e;
}

void engine_destroy(struct engine *e)
{
	if (!e)
		return;
	free_rings(e);
	free(e);
}

void engine_set_event_cb(struct engine *e, engine_event_fn fn, void *ctx)
{
	e->cb = fn;
	e->cb_ctx = ctx;
}

void engine_set_utc_offset(struct engine *e, int64_t utc_minus_mono_ms)
{
	e->utc_known = true;
	e->utc_off_ms = utc_minus_mono_ms;
}

int engine_set_members(struct engine *e, const struct engine_params *p,
		       const struct engine_member *m, int n, int64_t now_ms, char *err,
		       size_t errlen)
{
	char dummy[8];
	if (!err || !errlen)
		err = dummy, errlen = sizeof(dummy);
	const struct engine_params *np = p ? p : &e->p;
	if (engine_params_check(np, err, errlen) || check_members(m, n, err, errlen))
		return -1;
	bool resize = np->window_ms / np->min_round_interval_ms !=
		      e->p.window_ms / e->p.min_round_interval_ms;
	struct eng_member nm[ENGINE_MAX_MEMBERS];
	int old_of[ENGINE_MAX_MEMBERS];
	for (int i = 0; i < n; i++) {
		old_of[i] = resize ? -1 : engine_member_index(e, m[i].name);
		if (old_of[i] >= 0) {
			nm[i] = e->m[old_of[i]];
		} else if (eng_member_alloc(&nm[i], np)) {
			for (int j = 0; j < i; j++)
				if (old_of[j] < 0)
					free(nm[j].ring);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		nm[i].cfg = m[i];
	}
	/* free the rings no longer referenced */
	for (int k = 0; k < e->n; k++) {
		bool kept = false;
		for (int i = 0; i < n; i++)
			kept |= old_of[i] == k;
		if (!kept)
			free(e->m[k].ring);
	}
	int new_primary = -1, new_pin = -1;
	for (int i = 0; i < n; i++) {
		if (old_of[i] >= 0 && old_of[i] == e->primary)
			new_primary = i;
		if (old_of[i] >= 0 && old_of[i] == e->pinned)
			new_pin = i;
	}
	if (resize) {
		/* ring geometry changed: keep the roles by name, restart evidence */
		for (int i = 0; i < n; i++) {
			if (e->primary >= 0 && !strcmp(m[i].name, e->m[e->primary].cfg.name))
				new_primary = i;
			if (e->pinned >= 0 && !strcmp(m[i].name, e->m[e->pinned].cfg.name))
				new_pin = i;
		}
	}
	if (e->primary >= 0 && new_primary < 0)
		eng_emit(e, now_ms, EV_INFO, RSN_MEMBER_REMOVED, -1, e->primary, -1,
			 "member=%s was primary", e->m[e->primary].cfg.name);
	e->p = *np;
	memcpy(e->m, nm, (size_t)n * sizeof(nm[0]));
	e->n = n;
	e->primary = new_primary;
	e->pinned = new_pin;
	e->mem_bytes = sizeof(*e);
	for (int i = 0; i < n; i++)
		e->mem_bytes += (size_t)e->m[i].cap * sizeof(struct eng_round);
	return 0;
}

int engine_observe(struct engine *e, int idx, const struct sample *s)
{
	if (!e || !s || idx < 0 || idx >= e->n)
		return -1;
	struct eng_member *m = &e->m[idx];
	if (m->last_t_ms != INT64_MIN && s->t_ms < m->last_t_ms)
		return -1;
	bool round = !isnan(s->loss_pct);
	if (round && !(s->loss_pct >= 0 && s->loss_pct <= 100))
		return -1;
	m->last_t_ms = s->t_ms;
	if (s->link_up != TRI_UNKNOWN) {
		m->link_up = s->link_up;
		m->link_t_ms = s->t_ms;
	}
	if (round)
		eng_add_round(e, idx, s);
	eng_add_class(m, s);
	return 0;
}

/* ---- per-member state ---- */

static enum engine_reason hard_failure(const struct engine *e, const struct eng_member *m,
				       int64_t now_ms)
{
	if (m->link_up == TRI_FALSE)
		return RSN_HARD_FAIL_LINK;
	if (m->cfg.cls == CLASS_STARLINK && eng_class_fresh(e, m->sl_t_ms, now_ms) &&
	    m->sl.outage_cause >= SL_OUTAGE_UNKNOWN)
		return RSN_HARD_FAIL_STARLINK;
	/* rounds alone are not enough: three single-probe rounds lost by chance
	 * are not an outage; the lost probes in a row must add up too */
	if ((m->lost_in_row >= e->p.hard_fail_rounds ||
	     (m->lost_in_row > 0 && m->ext_lost_in_row >= e->p.hard_fail_rounds)) &&
	    m->lost_probes >= e->p.hard_fail_probes)
		return RSN_HARD_FAIL_LOSS;
	return RSN_NONE;
}

static void set_state(struct engine *e, int idx, enum engine_member_state st, enum engine_reason r,
		      int64_t now_ms)
{
	struct eng_member *m = &e->m[idx];
	if (m->state == st)
		return;
	eng_emit(e, now_ms, EV_STATE, r, idx, -1, -1,
		 "from=%s to=%s score=%.1f loss_pct=%.1f loss_evidence=%.1f loss_threshold=%.1f "
		 "loss_base_pct=%.2f latency_ms=%.0f lost_in_row=%d lost_probes=%.0f",
		 engine_state_name(m->state), engine_state_name(st), m->instant, m->loss_pct,
		 m->cusum, m->h, 100 * m->p0, m->lat_ms, m->lost_in_row, m->lost_probes);
	m->state = st;
	m->state_since_ms = now_ms;
	m->last_reason = r;
}

/* Cellular radio floor with hysteresis; says so when it changes. */
static void radio_gate(struct engine *e, int idx, int64_t now_ms)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	bool below = false;
	if (m->cfg.cls == CLASS_CELLULAR && eng_class_fresh(e, m->cell_t_ms, now_ms)) {
		double r = m->cell.rsrp_dbm, q = m->cell.sinr_db, hy = p->radio_floor_hysteresis_db;
		bool under = (!isnan(r) && r < p->radio_floor_rsrp_dbm) ||
			     (!isnan(q) && q < p->radio_floor_sinr_db);
		bool over = (isnan(r) || r >= p->radio_floor_rsrp_dbm + hy) &&
			    (isnan(q) || q >= p->radio_floor_sinr_db + hy);
		/* the dwell runs from the first reading under the floor until one
		   clearly over it (floor + hysteresis) */
		if (over)
			m->under_floor_since_ms = INT64_MIN;
		else if (under && m->under_floor_since_ms == INT64_MIN)
			m->under_floor_since_ms = now_ms;
		bool dwelt = m->under_floor_since_ms != INT64_MIN &&
			     now_ms - m->under_floor_since_ms >= p->radio_floor_dwell_ms;
		below = dwelt || (m->below_floor && !over);
	} else {
		m->under_floor_since_ms = INT64_MIN;
	}
	if (below != m->below_floor)
		eng_emit(e, now_ms, EV_INFO, RSN_RADIO_GATE, idx, -1, -1,
			 "below_floor=%d rsrp_dbm=%.1f sinr_db=%.1f floor_rsrp_dbm=%.0f floor_sinr_db=%.0f",
			 below, m->cell.rsrp_dbm, m->cell.sinr_db, p->radio_floor_rsrp_dbm,
			 p->radio_floor_sinr_db);
	m->below_floor = below;
}

static void update_member(struct engine *e, int idx, int64_t now_ms)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	eng_score(e, idx, now_ms);

	enum engine_reason hf = hard_failure(e, m, now_ms);
	bool obstructed = m->cfg.cls == CLASS_STARLINK && eng_class_fresh(e, m->sl_t_ms, now_ms) &&
			  m->sl.currently_obstructed == TRI_TRUE;
	if ((hf != RSN_NONE && !m->down) || (obstructed && !m->was_obstructed))
		eng_note_drop(e, idx, now_ms);
	m->was_obstructed = obstructed;
	radio_gate(e, idx, now_ms);
	if (hf != RSN_NONE) {
		m->down = true;
		m->down_reason = hf;
		m->up_since_ms = INT64_MIN;
	} else if (m->down || m->up_since_ms == INT64_MIN) {
		if (m->down || !isnan(m->instant)) {
			if (m->down) {
				eng_emit(e, now_ms, EV_STATE, RSN_RECOVERED, idx, -1, -1,
					 "was=%s", engine_reason_name(m->down_reason));
				/* the outage is known (and remembered as a drop); what
				 * counts now is the evidence after it */
				m->cusum = 0;
			}
			m->down = false;
			m->up_since_ms = now_ms;
		}
	}
	eng_predict(e, idx, now_ms);
	if (!isnan(m->eff) && m->predict != RSN_NONE)
		m->eff -= p->predict_penalty;

	bool known = !isnan(m->instant);
	bool loss_bad = !m->down && known && (m->cusum >= m->h || eng_lat_bad(e, m));
	eng_suspect_update(m);
	/* Loss makes a member bad through its evidence only: a loss percentage over
	 * a few dozen probes is too noisy to act on (it still lowers the score,
	 * so ranking, margin and "good" see it). */
	bool bad = !m->down && known && (m->instant_noloss < p->bad_score || loss_bad);
	bool good = !m->down && known && m->instant >= p->good_score && m->predict == RSN_NONE &&
		    m->cusum < m->h / 2 && !(m->lat_cusum >= m->lat_h / 2);
	if (!bad)
		m->bad_since_ms = INT64_MIN;
	else if (m->bad_since_ms == INT64_MIN)
		m->bad_since_ms = now_ms;
	if (!good)
		m->good_since_ms = INT64_MIN;
	else if (m->good_since_ms == INT64_MIN)
		m->good_since_ms = now_ms;

	enum engine_member_state st;
	enum engine_reason r = RSN_STATE;
	if (!m->cfg.enabled)
		st = MS_DISABLED;
	else if (m->down)
		st = MS_DOWN, r = m->down_reason;
	else if (!known)
		st = MS_UNKNOWN;
	else if (bad)
		st = MS_BAD;
	else if (now_ms - m->up_since_ms < p->min_uptime_ms)
		st = MS_WARMUP;
	else if (good)
		st = MS_GOOD;
	else
		st = MS_DEGRADED;
	if (m->predict != RSN_NONE && st == MS_DEGRADED)
		r = m->predict;
	set_state(e, idx, st, r, now_ms);
}

static bool usable(const struct eng_member *m)
{
	return m->cfg.enabled && !m->down && !isnan(m->instant) && m->datacap != ENGINE_CAP_STOP;
}

/* Is a member other than `except` without a data cap usable? */
static bool uncapped_usable(const struct engine *e, int except)
{
	for (int i = 0; i < e->n; i++)
		if (i != except && e->m[i].datacap == ENGINE_CAP_NONE && usable(&e->m[i]))
			return true;
	return false;
}

int engine_member_set_cap(struct engine *e, int idx, enum engine_cap cap)
{
	if (!e || idx < 0 || idx >= e->n || (unsigned)cap >= __ENGINE_CAP_MAX)
		return -1;
	e->m[idx].datacap = cap;
	return 0;
}

static bool eligible(const struct engine *e, const struct eng_member *m, int64_t now_ms)
{
	return usable(m) && m->state != MS_BAD && m->up_since_ms != INT64_MIN &&
	       now_ms - m->up_since_ms >= e->p.min_uptime_ms;
}

/* a ranks before b: lower priority tier, then higher effective score */
static bool ranks_before(const struct eng_member *a, const struct eng_member *b)
{
	if (a->cfg.priority != b->cfg.priority)
		return a->cfg.priority < b->cfg.priority;
	return a->eff > b->eff;
}

static int64_t restore_need_ms(const struct engine *e, const struct eng_member *b)
{
	if (b->cfg.failback == FAILBACK_IMMEDIATE)
		return 0;
	return (int64_t)e->p.restore_window_ms * b->restore_mult;
}

/* May traffic go back to b (left for a failure) by a rule other than hard failure? */
bool eng_failback_ready(const struct engine *e, const struct eng_member *b, int64_t now_ms)
{
	if (!b->held_back)
		return true;
	if (b->cfg.failback == FAILBACK_MANUAL)
		return false;
	if (b->good_since_ms == INT64_MIN || now_ms - b->good_since_ms < restore_need_ms(e, b))
		return false;
	return !eng_recurring(e, b, now_ms) ||
	       now_ms - eng_last_drop(b) >= e->p.recurring_quiet_ms;
}

enum pick {
	PICK_NOT_BAD,		/* usable and not bad */
	PICK_USABLE,
	PICK_ELIGIBLE,
	PICK_READY,		/* eligible and not in its restore wait */
};

static bool pick_ok(const struct engine *e, const struct eng_member *m, int64_t now_ms,
		    enum pick f)
{
	if (m->datacap == ENGINE_CAP_AVOID && uncapped_usable(e, (int)(m - e->m)))
		return false;
	switch (f) {
	case PICK_READY: return eligible(e, m, now_ms) && eng_failback_ready(e, m, now_ms);
	case PICK_ELIGIBLE: return eligible(e, m, now_ms);
	case PICK_USABLE: return usable(m);
	default: return usable(m) && m->state != MS_BAD;
	}
}

/* Best member other than `except` passing the filter; one above the radio
 * floor when there is one, below it (allow_below) only when there is none. */
static int best_of(const struct engine *e, int except, int64_t now_ms, enum pick f,
		   bool allow_below)
{
	for (int pass = 0; pass < (allow_below ? 2 : 1); pass++) {
		int best = -1;
		for (int i = 0; i < e->n; i++) {
			const struct eng_member *m = &e->m[i];
			if (i == except || (pass == 0 && m->below_floor) || !pick_ok(e, m, now_ms, f))
				continue;
			if (best < 0 || ranks_before(m, &e->m[best]))
				best = i;
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

static int best_member(const struct engine *e, int except, int64_t now_ms, enum pick f)
{
	return best_of(e, except, now_ms, f, true);
}

static void do_switch(struct engine *e, int to, enum engine_reason r, int64_t now_ms,
		      const char *detail)
{
	int from = e->primary;
	const struct eng_member *f = from >= 0 ? &e->m[from] : NULL, *t = to >= 0 ? &e->m[to] : NULL;
	snprintf(e->primary_text, sizeof(e->primary_text),
		 "from=%s to=%s from_score=%.1f to_score=%.1f margin=%d %s",
		 f ? f->cfg.name : "-", t ? t->cfg.name : "-", f ? f->eff : NAN, t ? t->eff : NAN,
		 e->p.switch_margin, detail ? detail : "");
	if (f && r != RSN_MANUAL_PIN && r != RSN_RESTORE && r != RSN_BETTER &&
	    f->promoted_ms != INT64_MIN && now_ms - f->promoted_ms < e->p.flap_memory_ms) {
		/* failed again soon after its promotion: make it wait longer next time */
		struct eng_member *fm = &e->m[from];
		int64_t w = (int64_t)e->p.restore_window_ms * fm->restore_mult * 2;
		if (w <= e->p.restore_backoff_max_ms && fm->restore_mult < RESTORE_MULT_MAX)
			fm->restore_mult *= 2;
	}
	if (t)	/* only a promotion back counts towards flapping */
		e->m[to].promoted_ms = r == RSN_RESTORE || r == RSN_BETTER ? now_ms : INT64_MIN;
	if (t)
		e->m[to].held_back = false;
	/* left for a failure: back only when its failback policy allows */
	if (f && r != RSN_RESTORE && r != RSN_BETTER && r != RSN_MANUAL_PIN)
		e->m[from].held_back = true;
	e->primary = to;
	e->primary_reason = r;
	if (to >= 0)
		e->chosen = true;
	if (from >= 0 && to >= 0)
		e->last_switch_ms = now_ms;
	e->last_suppr = RSN_NONE;
	eng_emit(e, now_ms, EV_SWITCH, r, to, from, to, "%s", e->primary_text);
}

/* Switch unless the cooldown forbids it; then say so once per episode. */
static bool try_switch(struct engine *e, int to, enum engine_reason r, int64_t now_ms,
		       const char *detail, bool *suppressed)
{
	int64_t since = e->last_switch_ms == INT64_MIN ? INT64_MAX : now_ms - e->last_switch_ms;
	if (since < e->p.cooldown_ms) {
		*suppressed = true;
		if (e->last_suppr != RSN_COOLDOWN_SUPPRESSED || e->last_suppr_to != to) {
			e->last_suppr = RSN_COOLDOWN_SUPPRESSED;
			e->last_suppr_to = to;
			eng_emit(e, now_ms, EV_SUPPRESSED, RSN_COOLDOWN_SUPPRESSED, to, e->primary, to,
				 "would=%s since_switch_ms=%lld cooldown_ms=%d %s",
				 engine_reason_name(r), (long long)since, e->p.cooldown_ms,
				 detail ? detail : "");
		}
		return false;
	}
	do_switch(e, to, r, now_ms, detail);
	return true;
}

static void suppress_margin(struct engine *e, int to, enum engine_reason r, int64_t now_ms,
			    bool *suppressed)
{
	const struct eng_member *c = &e->m[e->primary], *t = &e->m[to];
	*suppressed = true;
	if (e->last_suppr == RSN_MARGIN_SUPPRESSED && e->last_suppr_to == to)
		return;
	e->last_suppr = RSN_MARGIN_SUPPRESSED;
	e->last_suppr_to = to;
	eng_emit(e, now_ms, EV_SUPPRESSED, RSN_MARGIN_SUPPRESSED, to, e->primary, to,
		 "would=%s primary_score=%.1f challenger_score=%.1f lead=%.1f margin=%d",
		 engine_reason_name(r), c->eff, t->eff, t->eff - c->eff, e->p.switch_margin);
}

/* A rule would go to `to`, which is still in its restore wait: say so once. */
static void suppress_wait(struct engine *e, int to, enum engine_reason r, int64_t now_ms,
			  bool *suppressed)
{
	const struct eng_member *t = &e->m[to];
	*suppressed = true;
	if (e->last_suppr == RSN_FAILBACK_WAIT && e->last_suppr_to == to)
		return;
	e->last_suppr = RSN_FAILBACK_WAIT;
	e->last_suppr_to = to;
	int64_t quiet = eng_recurring(e, t, now_ms) ? e->p.recurring_quiet_ms : 0;
	eng_emit(e, now_ms, EV_SUPPRESSED, RSN_FAILBACK_WAIT, to, e->primary, to,
		 "would=%s failback=%s good_ms=%lld restore_window_ms=%lld recurring=%d "
		 "since_drop_ms=%lld quiet_ms=%lld",
		 engine_reason_name(r), engine_failback_name(t->cfg.failback),
		 t->good_since_ms == INT64_MIN ? -1LL : (long long)(now_ms - t->good_since_ms),
		 (long long)restore_need_ms(e, t), quiet > 0,
		 eng_last_drop(t) == INT64_MIN ? -1LL : (long long)(now_ms - eng_last_drop(t)),
		 (long long)quiet);
}

static bool leads(const struct engine *e, int a, int b)
{
	return e->m[a].eff >= e->m[b].eff + e->p.switch_margin;
}

static void decide_rules(struct engine *e, int64_t now_ms, bool *suppressed)
{
	const struct engine_params *p = &e->p;
	int cur = e->primary;
	struct eng_member *c = &e->m[cur];
	char detail[ENGINE_TEXT_MAX];

	/* 1. hard failure: anything usable beats a dead link, restore waits
	 * included; above the radio floor first */
	if (c->down || !c->cfg.enabled || c->datacap == ENGINE_CAP_STOP) {
		enum engine_reason r = !c->cfg.enabled ? RSN_STATE :
				       c->down ? c->down_reason : RSN_DATA_CAP;
		int to = best_of(e, cur, now_ms, PICK_ELIGIBLE, false);
		if (to < 0)
			to = best_of(e, cur, now_ms, PICK_USABLE, false);
		if (to < 0)
			to = best_member(e, cur, now_ms, PICK_ELIGIBLE);
		if (to < 0)
			to = best_member(e, cur, now_ms, PICK_USABLE);
		snprintf(detail, sizeof(detail), "lost_in_row=%d lost_probes=%.0f target_state=%s",
			 c->lost_in_row, c->lost_probes,
			 to >= 0 ? engine_state_name(e->m[to].state) : "-");
		if (to < 0) {
			do_switch(e, -1, RSN_ALL_DOWN, now_ms, detail);
			return;
		}
		do_switch(e, to, r, now_ms, detail);
		return;
	}
	/* 1c. an avoid-capped primary leaves at once for an uncapped usable member */
	if (c->datacap == ENGINE_CAP_AVOID && uncapped_usable(e, cur)) {
		int to = best_member(e, cur, now_ms, PICK_ELIGIBLE);
		if (to < 0)
			to = best_member(e, cur, now_ms, PICK_NOT_BAD);
		if (to < 0)
			to = best_member(e, cur, now_ms, PICK_USABLE);
		if (to >= 0) {
			snprintf(detail, sizeof(detail), "cap=avoid target_state=%s",
				 engine_state_name(e->m[to].state));
			do_switch(e, to, RSN_DATA_CAP, now_ms, detail);
			return;
		}
	}
	if (c->restore_mult > 1 && c->promoted_ms != INT64_MIN &&
	    now_ms - c->promoted_ms >= p->flap_memory_ms)
		c->restore_mult = 1;
	/* best: may be switched to now; waiting: eligible, but in its restore wait */
	int best = best_member(e, cur, now_ms, PICK_READY);
	int any = best_member(e, cur, now_ms, PICK_ELIGIBLE);
	int waiting = any >= 0 && e->m[any].held_back && !eng_failback_ready(e, &e->m[any], now_ms) ?
		      any : -1;

	/* 1b. the primary went silent without a link event (probing stopped):
	 * it cannot be judged, so an eligible member takes over (cooldown) */
	if (c->state == MS_UNKNOWN && c->n > 0) {
		if (best >= 0) {
			snprintf(detail, sizeof(detail), "round_stale_ms=%d", p->round_stale_ms);
			try_switch(e, best, RSN_NO_DATA, now_ms, detail, suppressed);
		}
		return;
	}

	/* 2. predictive trigger on the primary */
	if (c->predict != RSN_NONE && best >= 0) {
		snprintf(detail, sizeof(detail), "signal=%s %.150s", engine_reason_name(c->predict),
			 c->predict_text);
		if (leads(e, best, cur))
			try_switch(e, best, c->predict, now_ms, detail, suppressed);
		else
			suppress_margin(e, best, c->predict, now_ms, suppressed);
		return;
	}
	if (c->predict != RSN_NONE && waiting >= 0 && c->state != MS_BAD) {
		/* the member it would go to was left for a failure and may not
		 * come back yet: a prediction on the backup is no reason to */
		suppress_wait(e, waiting, c->predict, now_ms, suppressed);
		return;
	}

	/* 3. soft failure */
	/* the loss evidence is its own statistical window: it needs no fail window */
	bool loss_bad = c->cusum >= c->h;
	if (c->bad_since_ms != INT64_MIN &&
	    (loss_bad || now_ms - c->bad_since_ms >= p->fail_window_ms)) {
		snprintf(detail, sizeof(detail),
			 "bad_ms=%lld score=%.1f loss_pct=%.1f loss_evidence=%.1f loss_threshold=%.1f "
			 "latency_ms=%.0f latency_evidence=%.1f latency_threshold=%.1f",
			 (long long)(now_ms - c->bad_since_ms), c->instant, c->loss_pct, c->cusum, c->h,
			 c->lat_ms, c->lat_cusum, c->lat_h);
		if (best >= 0) {
			e->all_bad = false;
			if (leads(e, best, cur))
				try_switch(e, best, RSN_SOFT_FAIL, now_ms, detail, suppressed);
			else
				suppress_margin(e, best, RSN_SOFT_FAIL, now_ms, suppressed);
			return;
		}
		/* everything is bad (or the only good member is in its restore
		 * wait): scores of bad links swing, so the least bad must lead by
		 * the margin for a whole restore window */
		int least = waiting >= 0 ? waiting : best_member(e, cur, now_ms, PICK_USABLE);
		if (least >= 0 && leads(e, least, cur)) {
			if (e->lead_to != least) {
				e->lead_to = least;
				e->lead_since_ms = now_ms;
			}
		} else {
			e->lead_to = -1;
		}
		if (e->lead_to >= 0 && now_ms - e->lead_since_ms >= p->restore_window_ms) {
			e->all_bad = false;
			e->lead_to = -1;
			try_switch(e, least, waiting >= 0 ? RSN_SOFT_FAIL : RSN_ALL_BAD_LEAST_BAD, now_ms,
				   detail, suppressed);
		} else if (waiting >= 0) {
			suppress_wait(e, waiting, RSN_SOFT_FAIL, now_ms, suppressed);
		} else if (!e->all_bad) {
			e->all_bad = true;
			e->primary_reason = RSN_ALL_BAD_KEEP;
			snprintf(e->primary_text, sizeof(e->primary_text), "member=%s %.150s", c->cfg.name,
				 detail);
			eng_emit(e, now_ms, EV_ALL_BAD, RSN_ALL_BAD_KEEP, cur, cur, cur,
				 "keep=%s score=%.1f best_other=%s best_other_score=%.1f", c->cfg.name,
				 c->eff, least >= 0 ? e->m[least].cfg.name : "-",
				 least >= 0 ? e->m[least].eff : NAN);
		}
		return;
	}
	if (c->state != MS_BAD)
		e->all_bad = false;
	if (best < 0)
		return;
	const struct eng_member *b = &e->m[best];

	/* 3b. a cellular primary under the radio floor, a member above it ready */
	if (c->below_floor && !b->below_floor) {
		snprintf(detail, sizeof(detail),
			 "rsrp_dbm=%.1f sinr_db=%.1f floor_rsrp_dbm=%.0f floor_sinr_db=%.0f",
			 c->cell.rsrp_dbm, c->cell.sinr_db, p->radio_floor_rsrp_dbm, p->radio_floor_sinr_db);
		try_switch(e, best, RSN_RADIO_GATE, now_ms, detail, suppressed);
		return;
	}

	/* 4. promotion of a preferred member that has been good long enough */
	bool better_tier = b->cfg.priority < c->cfg.priority;
	bool same_tier_lead = b->cfg.priority == c->cfg.priority && leads(e, best, cur);
	int64_t need_ms = restore_need_ms(e, b);
	if ((better_tier || same_tier_lead) && b->cfg.failback != FAILBACK_MANUAL &&
	    !(b->below_floor && !c->below_floor) && b->good_since_ms != INT64_MIN &&
	    now_ms - b->good_since_ms >= need_ms) {
		snprintf(detail, sizeof(detail), "good_ms=%lld restore_window_ms=%lld tier=%d primary_tier=%d",
			 (long long)(now_ms - b->good_since_ms), (long long)need_ms, b->cfg.priority,
			 c->cfg.priority);
		try_switch(e, best, better_tier ? RSN_RESTORE : RSN_BETTER, now_ms, detail, suppressed);
	}
}

static bool initial_ready(struct engine *e, int64_t now_ms)
{
	if (e->first_decide_ms == INT64_MIN)
		e->first_decide_ms = now_ms;
	/* one short window of evidence for everybody: a first round with one
	 * lost probe must not decide the uplink for the next restore window */
	return now_ms - e->first_decide_ms >= e->p.short_window_ms;
}

int engine_decide(struct engine *e, int64_t now_ms, struct engine_decision *out)
{
	int prev = e->primary;
	for (int i = 0; i < e->n; i++)
		update_member(e, i, now_ms);

	bool suppressed = false;
	if (e->pinned >= 0 && usable(&e->m[e->pinned])) {
		if (e->primary != e->pinned)
			do_switch(e, e->pinned, RSN_MANUAL_PIN, now_ms, "pinned=1");
	} else if (e->primary < 0 && !e->chosen && !initial_ready(e, now_ms)) {
		/* wait for every member's first rounds (at most short_window_ms) */
	} else if (e->primary < 0) {
		int to = best_member(e, -1, now_ms, PICK_NOT_BAD);
		if (to < 0)
			to = best_member(e, -1, now_ms, PICK_USABLE);
		if (to >= 0) {
			do_switch(e, to, e->chosen ? RSN_RECOVERED : RSN_INITIAL, now_ms, NULL);
			e->chosen = true;
		}
	} else {
		if (e->pinned >= 0 && e->primary == e->pinned)
			eng_emit(e, now_ms, EV_INFO, RSN_PIN_OVERRIDDEN, e->pinned, -1, -1,
				 "pinned=%s is down", e->m[e->pinned].cfg.name);
		decide_rules(e, now_ms, &suppressed);
	}
	if (!suppressed)
		e->last_suppr = RSN_NONE;
	if (out) {
		out->primary = e->primary;
		out->previous = prev;
		out->changed = prev != e->primary;
		out->reason = !e->chosen ? RSN_NONE :
			      e->primary >= 0 || prev >= 0 ? e->primary_reason : RSN_ALL_DOWN;
		snprintf(out->text, sizeof(out->text), "%s",
			 e->chosen ? e->primary_text : "waiting for the first rounds");
	}
	return e->primary;
}
