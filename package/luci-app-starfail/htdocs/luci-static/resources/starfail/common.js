'use strict';
'require baseclass';

/*
 * starfail/common.js - what the Starfail views share: text nodes for
 * everything from outside, numbers that never read "undefined" or "NaN",
 * the API's codes said in words, errors of rpcd and of the daemon said in
 * sentences, the page's stylesheet, and the timeline drawn as SVG
 * elements (E() over createElementNS, attributes and text nodes only).
 */

const SVGNS = 'http://www.w3.org/2000/svg';
const COLOURS = [ '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2' ];

/* A value from the daemon as a string: '' for null, objects and the like. */
function str(v) {
	if (typeof(v) == 'string')
		return v;
	if (typeof(v) == 'number' && isFinite(v))
		return String(v);
	if (typeof(v) == 'boolean')
		return v ? 'true' : 'false';
	return '';
}

function T(v) {
	return document.createTextNode(str(v));
}

function finite(v) {
	return typeof(v) == 'number' && isFinite(v);
}

/* v with d decimals and its unit, or '—' when unknown. */
function num(v, d, unit) {
	return finite(v) ? v.toFixed(d) + (unit || '') : '—';
}

function S(tag, attrs, children) {
	return E(document.createElementNS(SVGNS, tag), attrs || {}, children || []);
}

const STATE_WORDS = {
	good: _('Good'), degraded: _('Degraded'), bad: _('Bad'), down: _('Down'), warmup: _('Warming up'),
	unknown: _('No data yet'), unusable: _('Unusable'), disabled: _('Disabled')
};

const DAEMON_WORDS = {
	ok: _('an uplink is chosen and carries the traffic'),
	pinned: _('an administrator pinned the uplink (manual fail-over)'),
	degraded: _('every uplink is bad: the least bad one is used'),
	no_uplink: _('no uplink is usable: Starfail removed its route and the system’s own routes apply'),
	no_members: _('no uplinks are configured'),
	disabled: _('disabled (enable 0): decisions are made and logged, nothing is changed')
};

const REASON_WORDS = {
	none: _('nothing happened yet'),
	initial: _('the first choice after the start'),
	hard_fail_link: _('its link went down'),
	hard_fail_loss: _('it stopped answering (every probe lost, rounds in a row)'),
	hard_fail_starlink_outage: _('the dish reported an outage'),
	soft_fail: _('it stayed bad for the whole fail window'),
	predictive_latency: _('its latency is rising (predicted trouble)'),
	predictive_loss: _('its loss is rising (predicted trouble)'),
	predictive_score: _('its score is falling (predicted trouble)'),
	predictive_obstruction: _('the dish’s view of the sky is getting obstructed'),
	predictive_snr: _('the dish’s signal is persistently low'),
	predictive_thermal: _('the dish is overheating'),
	predictive_reboot: _('the dish is about to reboot'),
	predictive_signal: _('the cellular signal is weak'),
	predictive_roaming: _('the modem is roaming'),
	restore: _('the preferred uplink is good again and was restored'),
	better_score: _('another uplink scores clearly better'),
	cooldown_suppressed: _('a switch was held back by the cooldown'),
	margin_suppressed: _('a switch was held back: the other uplink is not better by the margin'),
	failback_wait_suppressed: _('a switch back was held: the restore window is not over'),
	all_bad_keep_least_bad: _('every uplink is bad: the least bad one is kept'),
	all_bad_switch_least_bad: _('every uplink is bad: moved to the least bad one'),
	all_down: _('every uplink is down'),
	manual_pin: _('an administrator pinned it'),
	manual_unpin: _('the manual pin ended'),
	pin_overridden_down: _('the pinned uplink is down: another one is used meanwhile'),
	recovered: _('it answers again'),
	state: _('its state changed'),
	slot_phase_learned: _('the satellite-slot phase was learned'),
	member_removed: _('the uplink was removed from the configuration'),
	no_data: _('no data yet'),
	radio_below_floor: _('the radio is below the configured floor'),
	data_cap: _('its data cap is reached')
};

function words(table, code, fallback) {
	const s = str(code);
	if (Object.prototype.hasOwnProperty.call(table, s))
		return table[s];
	return s ? s.replace(/_/g, ' ') : fallback;
}

function pad2(n) {
	return (n < 10 ? '0' : '') + n;
}

function duration(s) {
	if (!finite(s) || s < 0)
		return '—';
	if (s < 60)
		return _('%d s').format(Math.round(s));
	if (s < 3600)
		return _('%d min').format(Math.floor(s / 60));
	if (s < 86400)
		return _('%d h %d min').format(Math.floor(s / 3600), Math.floor(s % 3600 / 60));
	return _('%d d %d h').format(Math.floor(s / 86400), Math.floor(s % 86400 / 3600));
}

/* The API's error object {code, message} in a sentence. */
function daemonError(e) {
	const code = e.code, msg = str(e.message) || _('no message');
	if (code == -32000 && /connect|reach|silent|no reply|not answer|timed out|refused|No such file/i.test(msg))
		return _('the Starfail daemon is not answering (is it running? /etc/init.d/starfail status): %s').format(msg);
	if (code == -32001)
		return _('starfaild refused: permission denied (%s)').format(msg);
	if (code == -32602)
		return _('starfaild did not accept the request: %s').format(msg);
	return _('starfaild answered with an error: %s').format(msg);
}

/* An error of LuCI's rpc/request layer in a sentence. */
function describe(e) {
	const msg = str(e && e.message);
	let m;
	if (/error -32002/.test(msg))
		return _('rpcd refused the call: access denied (the login session expired, or this login may not do that)');
	if ((m = msg.match(/ubus code (\d+)/)) != null) {
		switch (+m[1]) {
		case 3: return _('rpcd does not know this starfail method (an older starfail package?)');
		case 4: return _('rpcd has no ubus object “starfail”: is the starfail package installed and rpcd restarted?');
		case 5: return _('the rpcd plugin of Starfail gave no answer (starfailctl failed?)');
		case 6: return _('rpcd refused the call: permission denied');
		case 7: return _('rpcd timed out waiting for Starfail');
		default: return _('rpcd answered ubus status %d').format(+m[1]);
		}
	}
	if ((m = msg.match(/HTTP error (\d+)/)) != null)
		return _('the router’s web server answered HTTP %d').format(+m[1]);
	if (/timed out/.test(msg))
		return _('no answer from the router in time (network or web server)');
	if (/aborted|NetworkError|Failed to fetch/.test(msg))
		return _('the router could not be reached (network)');
	return msg ? msg : _('unknown error');
}

const Common = baseclass.extend({
	T, str, num, S, duration, daemonError, describe,

	cls(state) {
		const s = str(state);
		return /^[a-z_]+$/.test(s) ? s : 'unknown';
	},

	stateWords(state) {
		return words(STATE_WORDS, state, _('No data yet'));
	},

	daemonStateWords(state) {
		return words(DAEMON_WORDS, state, _('unknown'));
	},

	reasonWords(code, text) {
		const r = words(REASON_WORDS, code, '');
		const t = str(text);
		if (!r)
			return t || _('no decision yet');
		return t ? r + ' (' + t + ')' : r;
	},

	/* Why a member is in its state, in words; never empty. */
	memberReason(m) {
		const parts = [];
		const reason = str(m.reason);
		if (reason && reason != 'none')
			parts.push(words(REASON_WORDS, reason, reason));
		if (str(m.fault))
			parts.push(_('failing: %s').format(str(m.fault)) +
				(finite(m.fault_for_s) ? ' ' + _('for %s').format(duration(m.fault_for_s)) : ''));
		if (!parts.length)
			parts.push(str(m.state) == 'unknown' || !str(m.state) ? _('waiting for the first probe rounds')
				: _('no problem reported'));
		return parts.join('; ');
	},

	memberWhere(m) {
		const p = [];
		const cls = str(m.class);
		if (cls)
			p.push(cls);
		if (str(m.interface))
			p.push(_('interface %s').format(str(m.interface)));
		if (str(m.device))
			p.push(_('device %s').format(str(m.device)));
		if (finite(m.priority))
			p.push(_('priority %d').format(m.priority));
		return p.join(', ');
	},

	controllerWords(c, dryRun) {
		const parts = [];
		if (dryRun === true)
			parts.push(_('dry run: nothing is changed on the router'));
		if (str(c.state))
			parts.push(str(c.state));
		if (str(c.route_state) == 'drifted')
			parts.push(_('routes changed behind Starfail’s back: %s').format(str(c.drift) || '?'));
		if (str(c.error))
			parts.push(_('last error: %s').format(str(c.error)));
		return parts.length ? parts.join('; ') : _('not reported');
	},

	radioWords(m, metrics) {
		if (!metrics)
			return str(m.class) == 'cellular' || str(m.class) == 'starlink' ? '—' : _('n/a');
		if (metrics.err)
			return _('not read: %s').format(metrics.err);
		const x = metrics.ok || {};
		const p = [];
		if (L.isObject(x.cellular)) {
			const r = L.isObject(x.cellular.radio) ? x.cellular.radio : {};
			if (finite(r.rsrp_dbm)) p.push(_('RSRP %s dBm').format(r.rsrp_dbm.toFixed(0)));
			if (finite(r.sinr_db)) p.push(_('SINR %s dB').format(r.sinr_db.toFixed(1)));
			if (finite(r.rssi_dbm) && !p.length) p.push(_('RSSI %s dBm').format(r.rssi_dbm.toFixed(0)));
		}
		if (L.isObject(x.starlink)) {
			const s = L.isObject(x.starlink.metrics) ? x.starlink.metrics : {};
			if (finite(s.pop_latency_ms)) p.push(_('PoP %s ms').format(s.pop_latency_ms.toFixed(0)));
			if (finite(s.obstruction_pct)) p.push(_('obstructed %s %%').format(s.obstruction_pct.toFixed(1)));
			if (Array.isArray(x.starlink.alerts) && x.starlink.alerts.length)
				p.push(_('alerts: %s').format(x.starlink.alerts.map(str).join(', ')));
			if (!p.length && str(x.starlink.state))
				p.push(_('dish collector %s').format(str(x.starlink.state)));
		}
		return p.length ? p.join(', ') : _('no reading yet');
	},

	dataWords(m) {
		if (!finite(m.data_used_mb))
			return '—';
		if (finite(m.data_cap_mb))
			return _('%s of %s MB (%s %%)').format(m.data_used_mb.toFixed(0), m.data_cap_mb.toFixed(0),
				finite(m.data_pct) ? m.data_pct.toFixed(0) : '?') + (str(m.data_state) && m.data_state != 'ok' ? ', ' + str(m.data_state) : '');
		return _('%s MB').format(m.data_used_mb.toFixed(1));
	},

	bytesPerDay(b) {
		if (!finite(b))
			return '—';
		if (b >= 1e6)
			return _('%s MB/day').format((b / 1e6).toFixed(1));
		return _('%s kB/day').format((b / 1e3).toFixed(0));
	},

	clock(d) {
		if (!(d instanceof Date) || isNaN(d.getTime()))
			return '—';
		return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
	},

	resultWords(r) {
		if (!L.isObject(r))
			return _('Done.');
		if ('pinned' in r || 'current' in r)
			return _('Done. Active uplink: %s; pinned: %s.').format(str(r.current) || _('none'), str(r.pinned) || _('no'));
		if ('rechecking' in r)
			return _('Done: a probe round started on %s uplinks.').format(str(r.rechecking) || '0');
		if ('reloaded' in r)
			return _('Configuration reloaded: %s uplinks, %s warnings.').format(str(r.members) || '0', str(r.warnings) || '0');
		return _('Done.');
	},

	/* The newest `n` decision events, newest first (a state change only when a rule made it, not warm-up). */
	decisions(evs, types, n) {
		return evs.filter(function(e) {
			return L.isObject(e) && types[str(e.type)] && !(str(e.type) == 'state' && str(e.reason) == 'state');
		}).slice(-n).reverse();
	},

	eventTitle(ev) {
		const t = str(ev.type), from = str(ev.from), to = str(ev.to), mem = str(ev.member);
		if (t == 'switch' && from && to)
			return _('Switched from %s to %s').format(from, to);
		if (t == 'switch' && to)
			return _('Chose %s').format(to);
		if (t == 'suppressed')
			return _('Held back a switch from %s to %s').format(from || '?', to || '?');
		if (t == 'state' && mem)
			return _('%s changed state').format(mem);
		if (t == 'all_bad')
			return _('Every uplink is bad');
		if (t == 'predict' && mem)
			return _('Trouble predicted on %s').format(mem);
		return (t || _('event')) + (mem ? ': ' + mem : '');
	},

	eventWords(ev) {
		const r = words(REASON_WORDS, ev.reason, '');
		const t = str(ev.text);
		const kv = {};
		t.split(' ').forEach(function(w) {
			const i = w.indexOf('=');
			if (i > 0)
				kv[w.slice(0, i)] = w.slice(i + 1);
		});
		if (str(ev.type) == 'state' && kv.from && kv.to) {
			const fig = [];
			if (kv.score) fig.push(_('score %s').format(kv.score));
			if (kv.loss_pct) fig.push(_('loss %s %%').format(kv.loss_pct));
			if (kv.latency_ms) fig.push(_('latency %s ms').format(kv.latency_ms));
			return _('%s went from %s to %s').format(str(ev.member) || _('The uplink'), words(STATE_WORDS, kv.from, kv.from).toLowerCase(),
				words(STATE_WORDS, kv.to, kv.to).toLowerCase()) + (r && ev.reason != 'state' ? ': ' + r : '') +
				(fig.length ? ' (' + fig.join(', ') + ').' : '.');
		}
		return (r ? r.charAt(0).toUpperCase() + r.slice(1) : _('No reason given')) + (t ? ' (' + t + ').' : '.');
	},

	classIcon(cls) {
		const c = str(cls);
		const a = { 'class': 'sf-icon', 'viewBox': '0 0 16 16', 'width': '16', 'height': '16', 'role': 'img',
			'aria-label': c || _('uplink') };
		const st = { 'fill': 'none', 'stroke': 'currentColor', 'stroke-width': '1.5' };
		let kids;
		if (c == 'cellular')
			kids = [ 3, 6, 9, 12 ].map(function(x, i) {
				return S('rect', { 'x': String(x), 'y': String(12 - i * 3), 'width': '2', 'height': String(3 + i * 3), 'fill': 'currentColor' });
			});
		else if (c == 'starlink')
			kids = [ S('path', Object.assign({ 'd': 'M3 4 A7 7 0 0 0 12 13 Z' }, st)), S('path', Object.assign({ 'd': 'M8 8 L13 3 M11 2 L14 5' }, st)) ];
		else if (c == 'wifi')
			kids = [ S('path', Object.assign({ 'd': 'M2 6 Q8 0 14 6 M4.5 8.5 Q8 5 11.5 8.5 M7 11 Q8 10 9 11' }, st)),
				S('circle', { 'cx': '8', 'cy': '13', 'r': '1.3', 'fill': 'currentColor' }) ];
		else
			kids = [ S('rect', Object.assign({ 'x': '3', 'y': '3', 'width': '10', 'height': '8' }, st)),
				S('path', Object.assign({ 'd': 'M6 11 V14 M10 11 V14' }, st)) ];
		return S('svg', a, [ S('title', {}, [ T(c || _('uplink')) ]) ].concat(kids));
	},

	/*
	 * The timeline of the last range_s seconds: a latency, a loss and a
	 * score panel with one line per member, then one band per member filled
	 * where it carried the traffic, and a dashed marker per switch. Classes
	 * as `starfailctl timeline`: g.series[data-metric, data-member],
	 * g.band[data-member], g.switch[data-id, data-reason].
	 */
	timeline(members, history, evs, range_s) {
		const W = 800, L0 = 58, R0 = 12, PW = W - L0 - R0;
		const panels = [ { key: 'latency_ms', title: _('Latency (ms)'), h: 90 },
			{ key: 'loss_pct', title: _('Loss (%)'), h: 60, max: 100 },
			{ key: 'score', title: _('Score'), h: 60, max: 100 } ];
		const names = members.map(function(m) { return str(m.name); }).filter(function(n) { return n; });
		const bandH = 14, top = 22;
		let y = top;
		const kids = [];
		const samplesOf = function(n) {
			const h = history[n];
			return h && h.ok && Array.isArray(h.ok.samples) ? h.ok.samples.filter(L.isObject) : [];
		};
		let any = false, held = 0;
		names.forEach(function(n) {
			samplesOf(n).forEach(function(s) { if (finite(s.age_s) && s.age_s <= range_s && s.age_s > held) held = s.age_s; });
		});
		/* the range drawn is what the daemon holds (at least a minute), as `starfailctl timeline` does */
		const span = Math.min(range_s, Math.max(60, held * 1.02));
		const xOf = function(age) { return L0 + PW * (1 - Math.min(Math.max(age / span, 0), 1)); };
		kids.push(S('text', { 'x': String(L0), 'y': '14', 'class': 'sf-tl-title' },
			[ T((range_s > 3600 ? _('Last day') : _('Last hour')) +
				(span < range_s ? ' — ' + _('%s held so far').format(duration(span)) : '') + ' — ' + _('now at the right')) ]));
		panels.forEach(function(p) {
			let max = p.max || 0;
			if (!p.max) {
				names.forEach(function(n) {
					samplesOf(n).forEach(function(s) { if (finite(s[p.key]) && s[p.key] > max) max = s[p.key]; });
				});
				max = max > 0 ? Math.ceil(max * 1.1) : 100;
			}
			const g = [ S('rect', { 'x': String(L0), 'y': String(y), 'width': String(PW), 'height': String(p.h), 'class': 'sf-tl-frame' }),
				S('text', { 'x': String(L0 - 4), 'y': String(y + 10), 'text-anchor': 'end', 'class': 'sf-tl-axis' }, [ T(String(max)) ]),
				S('text', { 'x': String(L0 - 4), 'y': String(y + p.h), 'text-anchor': 'end', 'class': 'sf-tl-axis' }, [ T('0') ]),
				S('text', { 'x': String(L0 + 4), 'y': String(y + 11), 'class': 'sf-tl-label' }, [ T(p.title) ]) ];
			names.forEach(function(n, i) {
				let d = '', pen = 'M';
				samplesOf(n).forEach(function(s) {
					if (!finite(s[p.key]) || !finite(s.age_s)) {
						pen = 'M';
						return;
					}
					const yy = y + p.h - p.h * Math.min(s[p.key] / max, 1);
					d += pen + xOf(s.age_s).toFixed(1) + ' ' + yy.toFixed(1) + ' ';
					pen = 'L';
					any = true;
				});
				g.push(S('g', { 'class': 'series', 'data-metric': p.key, 'data-member': n }, [
					S('path', { 'd': d.trim() || 'M0 0', 'fill': 'none', 'stroke': COLOURS[i % COLOURS.length], 'stroke-width': '1.5',
						'visibility': d ? 'visible' : 'hidden' }) ]));
			});
			kids.push(S('g', { 'class': 'panel', 'data-metric': p.key }, g));
			y += p.h + 8;
		});
		names.forEach(function(n, i) {
			const g = [ S('text', { 'x': String(L0 - 4), 'y': String(y + bandH - 3), 'text-anchor': 'end', 'class': 'sf-tl-axis' }, [ T(n) ]),
				S('rect', { 'x': String(L0), 'y': String(y), 'width': String(PW), 'height': String(bandH), 'class': 'sf-tl-frame' }) ];
			let start = null, prev = null;
			const flush = function() {
				if (start == null)
					return;
				const x1 = xOf(start), x2 = xOf(prev);
				g.push(S('rect', { 'class': 'active', 'x': x1.toFixed(1), 'y': String(y + 1), 'width': Math.max(x2 - x1, 1.5).toFixed(1),
					'height': String(bandH - 2), 'fill': COLOURS[i % COLOURS.length] }));
				start = null;
			};
			samplesOf(n).forEach(function(s) {
				if (!finite(s.age_s))
					return;
				if (s.primary === true && start == null)
					start = s.age_s;
				else if (s.primary !== true)
					flush();
				prev = s.age_s;
			});
			flush();
			kids.push(S('g', { 'class': 'band', 'data-member': n }, g));
			y += bandH + 3;
		});
		const y0 = top, y1 = y;
		evs.forEach(function(ev) {
			if (!L.isObject(ev) || str(ev.type) != 'switch' || !finite(ev.age_s) || ev.age_s > span)
				return;
			const x = xOf(ev.age_s).toFixed(1);
			const label = (str(ev.to) || '?') + ': ' + str(ev.reason);
			kids.push(S('g', { 'class': 'switch', 'data-id': str(ev.id), 'data-reason': str(ev.reason) }, [
				S('line', { 'x1': x, 'x2': x, 'y1': String(y0), 'y2': String(y1), 'class': 'sf-tl-switch' }),
				S('title', {}, [ T(label) ]),
				S('text', { 'x': x, 'y': String(y1 + 11), 'text-anchor': 'middle', 'class': 'sf-tl-axis' }, [ T(str(ev.to)) ]) ]));
		});
		[ 1, 0.75, 0.5, 0.25, 0 ].forEach(function(f) {
			kids.push(S('text', { 'x': xOf(span * f).toFixed(1), 'y': String(y1 + 24), 'text-anchor': f == 0 ? 'end' : 'middle',
				'class': 'sf-tl-axis sf-tl-tick' }, [ T(f == 0 ? _('now') : '−' + duration(span * f)) ]));
		});
		const svg = S('svg', { 'class': 'sf-timeline-svg', 'viewBox': '0 0 ' + W + ' ' + (y1 + 30), 'width': '100%',
			'role': 'img', 'aria-label': _('Timeline of latency, loss, score and the active uplink') }, kids);
		const legend = E('div', { 'class': 'sf-legend' }, names.map(function(n, i) {
			return E('span', { 'class': 'sf-legend-item' }, [
				E('span', { 'class': 'sf-swatch', 'style': 'background:' + COLOURS[i % COLOURS.length] }), T(n) ]);
		}));
		return E('div', {}, [ svg, legend, any ? E('span') : E('p', { 'class': 'sf-empty' }, [
			T(_('No samples in this range yet: the lines appear after the first probe rounds.')) ]) ]);
	},

	/* The views' stylesheet: readable on light and dark themes (colours carry their own backgrounds). */
	style() {
		return E('style', {}, [ T([
			'.sf-view .sf-badge{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:90%;color:#fff;background:#5f6b7a;margin-right:.3em}',
			'.sf-view .sf-st-good,.sf-view .sf-st-ok,.sf-view .sf-active{background:#1b7a34}',
			'.sf-view .sf-st-degraded,.sf-view .sf-st-warmup,.sf-view .sf-st-pinned{background:#9a5b00}',
			'.sf-view .sf-st-bad,.sf-view .sf-st-down,.sf-view .sf-st-no_uplink{background:#b3261e}',
			'.sf-view .sf-st-unusable,.sf-view .sf-st-disabled{background:#444}',
			'.sf-view .sf-problem{border-left:4px solid #b3261e;background:rgba(179,38,30,.13);padding:.4em .8em;margin:.6em 0}',
			'.sf-view .sf-problem p{margin:.2em 0}.sf-view .sf-stale{opacity:.55}',
			'.sf-view .sf-kv{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.6em 0}',
			'.sf-view .sf-kv dt{font-weight:bold}.sf-view .sf-kv dd{margin:0;overflow-wrap:anywhere}',
			'.sf-view .sf-current{font-weight:bold;font-size:115%}',
			'.sf-view table.sf-members{width:100%;border-collapse:collapse}',
			'.sf-view .sf-members th{white-space:nowrap}.sf-view .sf-active{margin-left:.4em}',
			'.sf-view .sf-members th,.sf-view .sf-members td{text-align:left;padding:.35em .5em;border-bottom:1px solid rgba(128,128,128,.35);vertical-align:top;overflow-wrap:anywhere}',
			'.sf-view .sf-sub,.sf-view .sf-reason,.sf-view .sf-updated,.sf-view .sf-when{opacity:.8;font-size:90%}',
			'.sf-view .sf-icon{vertical-align:-3px}',
			'.sf-view .sf-actions button,.sf-view .sf-ranges button{margin:.2em .4em .2em 0}',
			'.sf-view .sf-ranges .cbi-button-active{font-weight:bold;text-decoration:underline}',
			'.sf-view .sf-ok{color:#1b7a34}.sf-view .sf-err{color:#d0352b}',
			'.sf-view .sf-decision{margin:.3em 0}.sf-view .sf-sentence{overflow-wrap:anywhere}',
			'.sf-view .sf-timeline-svg{max-width:100%;height:auto;color:inherit;font-size:10px}',
			'.sf-view .sf-tl-frame{fill:none;stroke:rgba(128,128,128,.5)}',
			'.sf-view .sf-tl-axis,.sf-view .sf-tl-label,.sf-view .sf-tl-title{fill:currentColor}',
			'.sf-view .sf-tl-switch{stroke:currentColor;stroke-dasharray:3 3;opacity:.7}',
			'.sf-view .sf-legend-item{margin-right:1em;white-space:nowrap}',
			'.sf-view .sf-swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-1px}',
			'@media (max-width:640px){.sf-view table.sf-members thead{display:none}',
			'.sf-view table.sf-members tr{display:block;border-bottom:2px solid rgba(128,128,128,.5);padding:.3em 0}',
			'.sf-view table.sf-members td{display:flex;gap:.8em;border:0;padding:.15em .3em}',
			'.sf-view table.sf-members td::before{content:attr(data-title);font-weight:bold;min-width:7.5em;flex:none}',
			'.sf-view .sf-kv{grid-template-columns:1fr}.sf-view .sf-timeline-svg{font-size:18px}}'
		].join('\n')) ]);
	}
});

return Common;
