/* fuzz_config.c - libFuzzer harness: /etc/config/starfail text through the
 * UCI reader and the whole schema (option tables, cross-checks, reports). */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sf_config cfg;
	static struct config_report rep;
	config_load_buffer("fuzz", (const char *)data, size, &cfg, &rep);
	return 0;
}
