/*
 * fuzz_linkmon.c - libFuzzer harness of linkmon's rtnetlink parsing
 * (linkmon_feed, linkmon.h): arbitrary bytes as dump replies, validated and
 * parsed exactly like a real dump (links, addresses, routes, multipath
 * nexthops), then the resync's diff and on_change. The first two bytes
 * (big-endian) split the rest into two datagrams fed as two resyncs, so
 * the compare with the previous state runs too. Checks linkmon's promises:
 * no read past a datagram (ASan), and every link_info it hands out is sane
 * (nul-terminated name, ifindex > 0 when it exists, a reason when it is not
 * usable, counts in range).
 */
#include <ev.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct linkmon *g_lm;

static void on_change(void *ctx, const char *ifname)
{
	int *n = ctx;
	(*n)++;
	if (strnlen(ifname, IF_NAMESIZE) >= IF_NAMESIZE)
		abort();
	struct link_info li;
	int rc = linkmon_query(g_lm, ifname, &li);
	if (strnlen(li.ifname, IF_NAMESIZE) >= IF_NAMESIZE || strnlen(li.reason, sizeof(li.reason)) >= sizeof(li.reason))
		abort();
	if (rc == 0 && (!li.exists || li.ifindex <= 0))
		abort();
	if (rc != 0 && li.exists)
		abort();
	bool usable = link_usable(&li, AF_INET) || link_usable(&li, AF_INET6);
	if (li.exists && !usable && li.reason[0] == 0)
		abort();
	if (usable && !li.carrier)
		abort();
}

static void feed(struct linkmon *lm, const uint8_t *p, size_t len)
{
	/* exact-size, aligned copy: ASan sees any overread, as in nl.c's buffer */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return;
	memcpy(buf, p, len);
	int rc = linkmon_feed(lm, buf, len, true);
	if (rc < -1 || rc > 1)
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t split = (size_t)(data[0] << 8 | data[1]);
	data += 2;
	size -= 2;
	if (split > size)
		split = size;
	struct ev_loop *loop = ev_default_loop(0);
	int changes = 0;
	struct linkmon *lm = linkmon_new_offline(loop, on_change, &changes);
	if (!lm)
		return 0;
	g_lm = lm;
	feed(lm, data, split);
	feed(lm, data + split, size - split);
	struct linkmon_stats st;
	linkmon_get_stats(lm, &st);
	if (st.links < 0 || st.links > LINKMON_MAX_LINKS || st.resyncs != 2)
		abort();
	if (changes > 2 * 2 * LINKMON_MAX_LINKS)
		abort();
	linkmon_free(lm);
	g_lm = NULL;
	return 0;
}
