/*
 * fuzz_uci.c - libFuzzer harness for the UCI reader: any byte string must
 * parse or fail with a message, never crash, leak or read out of bounds.
 * When it parses, every lookup and the `uci show` rendering are exercised.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "uci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uci_file *f = NULL;
	struct uci_error err;
	FILE *null_out;
	int i, j;

	if (uci_parse_buffer("fuzz", (const char *)data, size, &f, &err) < 0) {
		if (f != NULL || err.msg[0] == '\0' || memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			__builtin_trap();
		return 0;
	}
	for (i = 0; i < f->n_sections; i++) {
		const struct uci_section *s = &f->sections[i];

		if (uci_find_section(f, s->name) == NULL)
			__builtin_trap();
		for (j = 0; j < s->n_options; j++) {
			const struct uci_option *o = &s->options[j];

			if (uci_find_option(s, o->name) != o || o->n_values < 1 ||
			    (!o->is_list && o->n_values != 1))
				__builtin_trap();
			(void)uci_get_string(s, o->name);
		}
	}
	null_out = fopen("/dev/null", "w");
	if (null_out) {
		uci_show(f, "fuzz", false, null_out);
		fclose(null_out);
	}
	uci_free(f);
	return 0;
}
