'use strict';
'require view';
'require rpc';
'require ui';
'require poll';
'require starfail.common as sf';

/*
 * Services -> Starfail: the daemon's state and active uplink, one row per
 * member, the last decisions with their reasons in sentences (`explain`),
 * the timeline (latency, loss, score per member, the active-uplink band,
 * switch markers) and, for sessions whose ACL grants it, the actions
 * fail over, restore, recheck and reload.
 *
 * Everything shown comes from ubus `starfail` through rpcd and is treated
 * as hostile: it goes into the page as text nodes or SVG attributes only
 * (sf.T, never a string child of E(), which LuCI would parse as HTML).
 * A failed call is said in words (sf.describe) and the page keeps polling,
 * showing the last good figures marked with their time.
 */

const callStatus = rpc.declare({ object: 'starfail', method: 'status', reject: true });
const callEvents = rpc.declare({ object: 'starfail', method: 'events', params: [ 'limit' ], reject: true });
const callHistory = rpc.declare({ object: 'starfail', method: 'history',
	params: [ 'member', 'since_s', 'limit' ], reject: true });
const callExplain = rpc.declare({ object: 'starfail', method: 'explain', params: [ 'id' ], reject: true });
const callMetrics = rpc.declare({ object: 'starfail', method: 'metrics', params: [ 'member' ], reject: true });
const callFailover = rpc.declare({ object: 'starfail', method: 'failover', params: [ 'member' ], reject: true });
const callRestore = rpc.declare({ object: 'starfail', method: 'restore', reject: true });
const callRecheck = rpc.declare({ object: 'starfail', method: 'recheck', reject: true });
const callReload = rpc.declare({ object: 'starfail', method: 'reload', reject: true });
const callAccess = rpc.declare({ object: 'session', method: 'access',
	params: [ 'scope', 'object', 'function' ], expect: { access: false } });

const T = sf.T;
const EVENTS_LIMIT = 100;
const DECISIONS_SHOWN = 6;
const HISTORY_POINTS = 300;
const DECISION_TYPES = { switch: true, suppressed: true, predict: true, all_bad: true, state: true, info: true };

/* One call as {ok: reply} or {err: sentence}; never rejects. */
function settle(p) {
	return p.then(function(r) {
		if (L.isObject(r) && L.isObject(r.error))
			return { err: sf.daemonError(r.error) };
		return { ok: r };
	}, function(e) {
		return { err: sf.describe(e) };
	});
}

return view.extend({
	range_s: 3600,
	explained: {},
	last: null,
	lastGoodAt: null,

	/* Everything one refresh needs; resolves always. */
	fetchAll() {
		const self = this;
		return Promise.all([ settle(callStatus()), settle(callEvents(EVENTS_LIMIT)) ]).then(function(r) {
			const snap = { status: r[0], events: r[1], history: {}, metrics: {}, at: new Date() };
			const members = (snap.status.ok && Array.isArray(snap.status.ok.members)) ? snap.status.ok.members : [];
			const tasks = [];
			members.forEach(function(m) {
				const name = sf.str(m.name);
				if (!name)
					return;
				tasks.push(settle(callHistory(name, self.range_s, HISTORY_POINTS)).then(function(h) {
					snap.history[name] = h;
				}));
				if (m.class == 'cellular' || m.class == 'starlink')
					tasks.push(settle(callMetrics(name)).then(function(x) { snap.metrics[name] = x; }));
			});
			const evs = (snap.events.ok && Array.isArray(snap.events.ok.events)) ? snap.events.ok.events : [];
			const shown = sf.decisions(evs, DECISION_TYPES, DECISIONS_SHOWN);
			if (snap.events.ok)
				Object.keys(self.explained).forEach(function(id) {
					if (!shown.some(function(ev) { return String(ev.id) == id; }))
						delete self.explained[id];
				});
			shown.forEach(function(ev) {
				const id = ev.id;
				if (typeof(id) != 'number' || self.explained[id])
					return;
				tasks.push(settle(callExplain(id)).then(function(x) {
					if (x.ok || /not a decision|no longer held|no event has/.test(x.err))
						self.explained[id] = x;
				}));
			});
			return Promise.all(tasks).then(function() { return snap; });
		});
	},

	load() {
		return Promise.all([
			this.fetchAll(),
			L.resolveDefault(callAccess('ubus', 'starfail', 'failover'), null)
		]);
	},

	/* May this session use the actions? rpcd's own answer, else the menu node's ACL. */
	mayAct(access) {
		if (access === true || access === false)
			return access;
		return L.hasViewPermission() === true;
	},

	render(data) {
		const self = this;
		this.canAct = this.mayAct(data[1]);
		this.nodes = {
			problem: E('div', { 'class': 'sf-problem', 'role': 'alert', 'hidden': 'hidden' }),
			summary: E('div', { 'class': 'sf-summary' }),
			members: E('div', { 'class': 'sf-members-wrap' }),
			decisions: E('div', { 'class': 'sf-decisions' }),
			timeline: E('div', { 'class': 'sf-timeline' }),
			updated: E('p', { 'class': 'sf-updated' }),
			result: E('p', { 'class': 'sf-action-result', 'aria-live': 'polite' })
		};
		const root = E('div', { 'class': 'sf-view', 'id': 'starfail-status' }, [
			sf.style(),
			E('h2', {}, [ T(_('Starfail')) ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				T(_('Which uplink carries the traffic, how each one is doing and why Starfail chose as it did.')) ]),
			this.nodes.problem,
			this.nodes.summary,
			this.renderActions(),
			this.nodes.result,
			E('h3', {}, [ T(_('Uplinks')) ]),
			this.nodes.members,
			E('h3', {}, [ T(_('Last decisions')) ]),
			this.nodes.decisions,
			E('h3', {}, [ T(_('Timeline')) ]),
			this.renderRangeButtons(),
			this.nodes.timeline,
			this.nodes.updated
		]);
		this.update(data[0]);
		poll.add(function() {
			return self.fetchAll().then(function(snap) { self.update(snap); });
		}, L.env.pollinterval || 5);
		return root;
	},

	renderRangeButtons() {
		const self = this;
		const mk = function(label, s) {
			return E('button', {
				'class': 'cbi-button sf-range' + (self.range_s == s ? ' cbi-button-active' : ''),
				'data-range': String(s),
				'click': function(ev) {
					self.range_s = s;
					ev.target.parentNode.querySelectorAll('.sf-range').forEach(function(b) {
						b.classList.toggle('cbi-button-active', b === ev.target);
					});
					return self.fetchAll().then(function(snap) { self.update(snap); });
				}
			}, [ T(label) ]);
		};
		return E('div', { 'class': 'sf-ranges' }, [ mk(_('Last hour'), 3600), mk(_('Last day'), 86400) ]);
	},

	renderActions() {
		const self = this;
		if (!this.canAct)
			return E('p', { 'class': 'sf-readonly' }, [
				T(_('Your login may look but not change: fail over, restore, recheck and reload need write access to Starfail (ACL group luci-app-starfail-admin).')) ]);
		const btn = function(cls, label, fn) {
			return E('button', { 'class': 'cbi-button ' + cls, 'data-action': cls.replace('sf-act-', ''), 'click': fn }, [ T(label) ]);
		};
		return E('div', { 'class': 'sf-actions' }, [
			btn('sf-act-failover', _('Fail over…'), function() { self.askFailover(); }),
			btn('sf-act-restore', _('Restore automatic choice'), function() {
				self.confirm(_('Restore automatic choice'),
					_('End the manual fail-over: Starfail chooses the uplink again by its rules.'),
					_('Restore automatic choice'), function() { return callRestore(); });
			}),
			btn('sf-act-recheck', _('Recheck now'), function() {
				self.confirm(_('Recheck now'), _('Start a probe round on every uplink now.'),
					_('Recheck now'), function() { return callRecheck(); });
			}),
			btn('sf-act-reload', _('Reload configuration'), function() {
				self.confirm(_('Reload configuration'),
					_('Read /etc/config/starfail again. On an error the running configuration is kept and the error shown.'),
					_('Reload configuration'), function() { return callReload(); });
			})
		]);
	},

	askFailover() {
		const st = this.last && this.last.status.ok;
		const members = (st && Array.isArray(st.members)) ? st.members : [];
		const choices = members.filter(function(m) { return m.enabled !== false && sf.str(m.name); });
		if (!choices.length) {
			this.showResult(false, _('There is no enabled uplink to fail over to (or the daemon did not say which there are).'));
			return;
		}
		const select = E('select', { 'class': 'cbi-input-select sf-failover-member' }, choices.map(function(m) {
			const name = sf.str(m.name);
			return E('option', { 'value': name }, [ T(name + ' — ' + sf.stateWords(m.state)) ]);
		}));
		this.confirm(_('Fail over'), _('Pin this uplink until “Restore automatic choice”. Starfail keeps it unless it goes down:'),
			_('Fail over'), function() { return callFailover(select.value); }, select);
	},

	/* A confirmation dialog; on Confirm runs fn() and shows what came back. */
	confirm(title, text, okLabel, fn, extra) {
		const self = this;
		ui.showModal(title, [
			E('p', {}, [ T(text) ]),
			extra || E('span'),
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'cbi-button sf-cancel', 'click': ui.hideModal }, [ T(_('Cancel')) ]),
				' ',
				E('button', { 'class': 'cbi-button cbi-button-positive sf-confirm', 'click': function() {
					ui.hideModal();
					self.showResult(null, _('Working…'));
					return settle(fn()).then(function(r) {
						self.showResult(!r.err, r.err ? _('Refused: %s').format(r.err) : sf.resultWords(r.ok));
						return self.fetchAll().then(function(snap) { self.update(snap); });
					});
				} }, [ T(okLabel) ])
			])
		]);
	},

	showResult(ok, text) {
		const n = this.nodes.result;
		n.className = 'sf-action-result' + (ok === true ? ' sf-ok' : ok === false ? ' sf-err' : '');
		n.replaceChildren(T(text));
	},

	update(snap) {
		const problems = [];
		if (snap.status.ok) {
			this.last = snap;
			this.lastGoodAt = snap.at;
		} else {
			problems.push(_('The status could not be read: %s').format(snap.status.err));
		}
		if (snap.events.err && snap.status.ok)
			problems.push(_('The events could not be read: %s').format(snap.events.err));
		const good = this.last;
		const p = this.nodes.problem;
		p.replaceChildren.apply(p, problems.map(function(t) { return E('p', {}, [ T(t) ]); }));
		if (problems.length && good)
			p.appendChild(E('p', {}, [ T(_('Below: what the daemon said at %s. The page keeps asking.').format(sf.clock(this.lastGoodAt))) ]));
		else if (problems.length)
			p.appendChild(E('p', {}, [ T(_('Nothing to show yet. The page keeps asking every few seconds.')) ]));
		[ this.nodes.summary, this.nodes.members ].forEach(function(n) { n.classList.toggle('sf-stale', problems.length > 0); });
		if (problems.length)
			p.removeAttribute('hidden');
		else
			p.setAttribute('hidden', 'hidden');
		this.nodes.updated.replaceChildren(T(good ? _('Updated %s.').format(sf.clock(this.lastGoodAt)) : ''));
		if (!good)
			return;
		const st = good.status.ok;
		const members = Array.isArray(st.members) ? st.members : [];
		const evsrc = snap.events.ok ? snap.events : (good.events.ok ? good.events : null);
		const evs = evsrc && Array.isArray(evsrc.ok.events) ? evsrc.ok.events : [];
		this.nodes.summary.replaceChildren(this.renderSummary(st, evs));
		this.nodes.members.replaceChildren(this.renderMembers(members, good.metrics));
		this.nodes.decisions.replaceChildren(this.renderDecisions(evs));
		this.nodes.timeline.replaceChildren(sf.timeline(members, good.history, evs, this.range_s));
	},

	/* Why the current uplink carries the traffic: explain's summary of the switch to it, else the reason code in words. */
	whyWords(st, evs) {
		const cur = sf.str(st.current);
		const sw = evs.filter(function(e) { return L.isObject(e) && e.type == 'switch'; });
		const last = sw.length ? sw[sw.length - 1] : null;
		const x = last && sf.str(last.to) == cur && sf.str(last.reason) == sf.str(st.reason) ? this.explained[last.id] : null;
		const after = st.pinned == null && sf.str(st.reason) == 'manual_pin'
			? ' ' + _('The pin has been removed since: Starfail chooses by its rules again and keeps this uplink while it is good.') : '';
		if (x && x.ok && sf.str(x.ok.summary))
			return sf.str(x.ok.summary) + after;
		return sf.reasonWords(st.reason, st.reason_text) + after;
	},

	renderSummary(st, evs) {
		const rows = [
			[ _('Daemon'), E('span', { 'class': 'sf-daemon-state', 'data-state': sf.str(st.state) }, [
				E('span', { 'class': 'sf-badge sf-st-' + sf.cls(st.state) }, [ T(sf.str(st.state) || '?') ]), ' ',
				T(sf.daemonStateWords(st.state)) ]) ],
			[ _('Active uplink'), E('span', { 'class': 'sf-current' }, [ T(sf.str(st.current) || _('none')) ]) ],
			[ _('Why'), E('span', { 'class': 'sf-current-reason' }, [ T(this.whyWords(st, evs)) ]) ]
		];
		if (st.pinned != null)
			rows.push([ _('Pinned'), E('span', { 'class': 'sf-pinned' }, [
				T(_('%s, by an administrator (until “Restore automatic choice”)').format(sf.str(st.pinned))) ]) ]);
		const c = L.isObject(st.controller) ? st.controller : {};
		rows.push([ _('Routes'), E('span', {}, [ T(sf.controllerWords(c, st.dry_run)) ]) ]);
		if (L.isObject(st.config) && st.config.error != null)
			rows.push([ _('Configuration'), E('span', { 'class': 'sf-err' }, [
				T(_('the last reload failed, the old configuration is kept: %s').format(sf.str(st.config.error))) ]) ]);
		rows.push([ _('Running for'), E('span', {}, [ T(sf.duration(st.uptime_s) + (st.version ? ' — ' + _('version %s').format(sf.str(st.version)) : '')) ]) ]);
		return E('dl', { 'class': 'sf-kv' }, rows.reduce(function(a, r) {
			a.push(E('dt', {}, [ T(r[0]) ]), E('dd', {}, [ r[1] ]));
			return a;
		}, []));
	},

	renderMembers(members, metrics) {
		if (!members.length)
			return E('p', { 'class': 'sf-empty' }, [
				T(_('No uplinks are configured. Add a “config member” section to /etc/config/starfail (or let Starfail find mwan3 interfaces) and reload.')) ]);
		const heads = [ _('Uplink'), _('State'), _('Score'), _('Latency'), _('Loss'), _('Jitter'),
			_('Radio / dish'), _('Data used'), _('Probe traffic') ];
		return E('table', { 'class': 'table sf-members' }, [
			E('thead', {}, [ E('tr', { 'class': 'tr table-titles' }, heads.map(function(h) {
				return E('th', { 'class': 'th' }, [ T(h) ]);
			})) ]),
			E('tbody', {}, members.map(function(m) {
				const name = sf.str(m.name);
				const cells = [
					E('div', { 'class': 'sf-name' }, [ sf.classIcon(m.class), ' ',
						E('strong', { 'class': 'sf-member-name' }, [ T(name || '?') ]),
						m.primary === true ? E('span', { 'class': 'sf-badge sf-active' }, [ T(' ' + _('active')) ]) : '',
						E('div', { 'class': 'sf-sub' }, [ T(sf.memberWhere(m)) ]) ]),
					E('div', {}, [ E('span', { 'class': 'sf-badge sf-state sf-st-' + sf.cls(m.state) }, [ T(sf.stateWords(m.state)) ]),
						E('div', { 'class': 'sf-reason' }, [ T(sf.memberReason(m)) ]) ]),
					T(sf.num(m.score, 0, '')),
					T(sf.num(m.latency_ms, 1, ' ms')),
					T(sf.num(m.loss_pct, 1, ' %')),
					T(sf.num(m.jitter_ms, 1, ' ms')),
					T(sf.radioWords(m, metrics[name])),
					T(sf.dataWords(m)),
					T(sf.bytesPerDay(m.probe_bytes_per_day))
				];
				return E('tr', { 'class': 'tr sf-member', 'data-member': name, 'data-state': sf.str(m.state) },
					cells.map(function(c, i) {
						return E('td', { 'class': 'td', 'data-title': heads[i] }, [ c ]);
					}));
			}))
		]);
	},

	renderDecisions(evs) {
		const self = this;
		const list = sf.decisions(evs, DECISION_TYPES, DECISIONS_SHOWN);
		if (!list.length)
			return E('p', { 'class': 'sf-empty' }, [ T(_('No decision yet since the daemon started.')) ]);
		return E('ol', { 'class': 'sf-decision-list' }, list.map(function(ev) {
			const x = self.explained[ev.id];
			const sentence = (x && x.ok && sf.str(x.ok.summary)) || sf.eventWords(ev);
			return E('li', { 'class': 'sf-decision', 'data-id': String(ev.id), 'data-type': sf.str(ev.type),
				'data-reason': sf.str(ev.reason) }, [
				E('span', { 'class': 'sf-when' }, [ T(sf.clock(ev.time != null ? new Date(ev.time * 1000) : null)) ]), ' ',
				E('strong', {}, [ T(sf.eventTitle(ev)) ]),
				E('div', { 'class': 'sf-sentence' }, [ T(sentence) ])
			]);
		}));
	},

	handleSaveApply: null,
	handleSave: null,
	handleReset: null
});
