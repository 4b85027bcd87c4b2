'use strict';
'require view';

/* A view the lint must refuse (tests/luci/lint.sh): markup from data, an
 * undeclared global, an unused variable. */
const unused = 1;

return view.extend({
	render(data) {
		const n = E('div');
		n.innerHTML = data.name;
		return notDeclared(n);
	}
});
