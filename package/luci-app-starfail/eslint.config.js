// eslint flat config for the LuCI views (tests/luci/lint.sh runs it from the
// build dir, where npm ci installed the versions package-lock.json pins).
// A LuCI view is the body of a function: `'require x'` lines name its
// parameters and it ends with `return`. LuCI's globals come from luci.js and
// cbi.js; `'require NAME'` binds NAME (or the `as` alias) in the view.
'use strict';
const js = require('@eslint/js');

const luciGlobals = {
	L: 'readonly', E: 'readonly', _: 'readonly', N_: 'readonly',
	// 'require' bindings the views use
	baseclass: 'readonly', view: 'readonly', rpc: 'readonly', ui: 'readonly', poll: 'readonly',
	form: 'readonly', uci: 'readonly', dom: 'readonly', sf: 'readonly'
};

module.exports = [
	js.configs.recommended,
	{
		files: [ 'package/luci-app-starfail/htdocs/**/*.js', 'tests/luci/lint_bad.js' ],
		languageOptions: {
			ecmaVersion: 2020,
			sourceType: 'script',
			parserOptions: { ecmaFeatures: { globalReturn: true } },
			globals: Object.assign({
				window: 'readonly', document: 'readonly', console: 'readonly', Promise: 'readonly',
				Object: 'readonly', Array: 'readonly', Date: 'readonly', Math: 'readonly', isFinite: 'readonly',
				isNaN: 'readonly', String: 'readonly', JSON: 'readonly'
			}, luciGlobals)
		},
		rules: {
			// data from the daemon goes in as text nodes: markup sinks are errors
			'no-restricted-properties': [ 'error',
				{ property: 'innerHTML', message: 'use text nodes (sf.T) or E() with an array of children' },
				{ property: 'outerHTML', message: 'use text nodes' },
				{ property: 'insertAdjacentHTML', message: 'use text nodes' } ],
			'no-restricted-globals': [ 'error', 'eval' ],
			'no-implied-eval': 'error',
			'no-unused-vars': [ 'error', { args: 'none' } ],
			'no-var': 'error',
			'strict': [ 'error', 'global' ]
		}
	}
];
