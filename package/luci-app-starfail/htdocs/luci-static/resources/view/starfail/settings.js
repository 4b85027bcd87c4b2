'use strict';
'require view';
'require form';
'require uci';

/*
 * Services -> Starfail -> Settings: the main options and the members of
 * /etc/config/starfail through LuCI's form/uci, with the ranges
 * `starfaild --check-config` applies (src/config/config.c; the table
 * docs/CONFIGURATION.md is generated from). LuCI's Save & Apply writes uci
 * and applies with its rollback; the init script's reload trigger
 * (procd_add_reload_trigger starfail) makes starfaild re-read the file (a
 * bad file is refused and the old one kept: the status page says so).
 * Labels and descriptions are static strings; values go through LuCI's
 * widgets, which set them as input values (never markup).
 */

const CLASSES = [ 'auto', 'lan', 'wifi', 'cellular', 'starlink' ];

function intOption(s, name, title, min, max, unit, descr) {
	const o = s.option(form.Value, name, title, descr);
	o.datatype = 'range(%d,%d)'.format(min, max);
	o.placeholder = unit ? _('%d to %d %s').format(min, max, unit) : _('%d to %d').format(min, max);
	o.rmempty = true;
	return o;
}

return view.extend({
	load() {
		return uci.load('starfail');
	},

	render() {
		const m = new form.Map('starfail', _('Starfail settings'),
			_('The options of /etc/config/starfail that are changed most. The others stay as they are in the file (docs/CONFIGURATION.md lists them all).'));

		let s = m.section(form.NamedSection, 'main', 'starfail', _('Main'));
		s.addremove = false;
		s.option(form.Flag, 'enable', _('Enabled'),
			_('Off: the daemon runs and answers, decides and logs, but changes no routes.')).default = '1';
		s.option(form.Flag, 'use_mwan3', _('Work with mwan3'),
			_('Every enabled IPv4 interface of mwan3 becomes a member (members below override or add).')).default = '0';
		intOption(s, 'poll_interval_ms', _('Probe interval (ms)'), 200, 60000, 'ms',
			_('How often the primary uplink is probed (default 1500).'));
		const ll = s.option(form.ListValue, 'log_level', _('Log level'));
		[ 'error', 'warn', 'info', 'debug', 'trace' ].forEach(function(l) { ll.value(l); });
		ll.default = 'info';

		s = m.section(form.TypedSection, 'member', _('Uplinks'),
			_('One section per uplink. Lower priority is preferred; weight orders uplinks of one priority.'));
		s.addremove = true;
		s.anonymous = false;
		s.option(form.Flag, 'enabled', _('Enabled')).default = '1';
		s.option(form.Value, 'interface', _('Interface'), _('netifd interface (wan, mob1s1a1, …)'));
		s.option(form.Value, 'device', _('Device'), _('Linux device; empty: netifd’s device of the interface'));
		const cls = s.option(form.ListValue, 'class', _('Class'));
		CLASSES.forEach(function(c) { cls.value(c); });
		cls.default = 'auto';
		intOption(s, 'priority', _('Priority'), 1, 255, '', _('1 to 255, lower is preferred (default 10)'));
		intOption(s, 'weight', _('Weight'), 0, 100, _('points'), _('0 to 100 (default 50)'));
		s.option(form.Flag, 'metered', _('Metered'), _('Data costs money: probed less while not primary')).default = '0';
		intOption(s, 'data_cap_mb', _('Data cap (MB per cycle)'), 0, 100000000, 'MB', _('0: none'));
		const fb = s.option(form.ListValue, 'failback', _('Coming back after a failure'));
		fb.value('window', _('after the restore window'));
		fb.value('immediate', _('as soon as it is good'));
		fb.value('manual', _('only by a manual fail-over'));
		fb.default = 'window';

		return m.render();
	}
});
