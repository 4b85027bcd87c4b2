/*
 * fuzz_netifd.c - libFuzzer harness for netifd's dump parser: any byte
 * string parses or fails with a message, never crashes, leaks or reads out
 * of bounds; what parses resolves for every interface it names.
 */
#include <stdint.h>
#include <string.h>

#include "netifd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netifd_state st;
	char err[NETIFD_ERR_MAX];
	err[0] = 0;
	if (netifd_parse_dump((const char *)data, size, &st, err, sizeof(err)) < 0) {
		if (!err[0] || st.n != 0)
			__builtin_trap();
		return 0;
	}
	if (st.n < 0 || st.n > NETIFD_IFACES_MAX)
		__builtin_trap();
	for (int i = 0; i < st.n; i++) {
		struct uplink_netifd r;
		char dev[IF_NAMESIZE];
		netifd_resolve(&st, st.ifaces[i].name, &r, dev);
		if (!r.known || memchr(dev, 0, sizeof(dev)) == NULL || r.n_addr4 > UPLINK_ADDRS_MAX ||
		    r.n_addr6 > UPLINK_ADDRS_MAX)
			__builtin_trap();
	}
	return 0;
}
