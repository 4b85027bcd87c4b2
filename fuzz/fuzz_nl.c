/*
 * fuzz_nl.c - libFuzzer harness of the netlink reply validator
 * (nl_check_replies, util/nl.h). The input is one datagram, as if received
 * for the request of sequence 1 on port 7; the first byte picks whether a
 * callback reads each message's header. Checks the validator's promises:
 * no read past the datagram (ASan), a verdict in range, an errno and a
 * reason whenever it refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_cb(const struct nlmsghdr *nlh, void *ctx)
{
	size_t *sum = ctx;
	*sum += nlh->nlmsg_len;	/* within the datagram, or ASan says so */
	return nlh->nlmsg_type & 1 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t len = size - 1;
	uint8_t *buf = malloc(len ? len : 1);	/* exact size: ASan sees any overread */
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	size_t sum = 0;
	struct nl_result r = { 0 };
	int rc = nl_check_replies(buf, len, 1, 7, data[0] & 1 ? read_cb : NULL, &sum, &r);
	if (rc < -1 || rc > 1)
		abort();
	if (rc < 0 && (r.err == 0 || r.why[0] == 0))
		abort();
	if (r.malformed > r.messages)
		abort();
	free(buf);
	return 0;
}
