/*
 * test_nl.c - the netlink helper: the reply validator on crafted datagrams
 * (truncated, short, out of sequence, foreign port, errors, dumps, a length
 * that wraps when aligned in 32 bits), and real
 * exchanges that need no privileges: a link dump (synchronous and on the
 * libev loop), an error from the kernel, the generic netlink lookup of
 * "nlctrl".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "nl.h"

#define SEQ 4711
#define PORT 99

static _Alignas(4) char buf[4096];

/* Append a message of type with payload_len bytes of payload to buf at *off. */
static struct nlmsghdr *put(size_t *off, uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid,
			    size_t payload_len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);
	memset(h, 0, NLMSG_SPACE(payload_len));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload_len);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	*off += NLMSG_SPACE(payload_len);
	return h;
}

static struct nlmsghdr *put_error(size_t *off, int error, uint32_t seq)
{
	struct nlmsghdr *h = put(off, NLMSG_ERROR, 0, seq, PORT, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = NLMSG_DATA(h);
	e->error = error;
	return h;
}

static int count_cb(const struct nlmsghdr *nlh, void *ctx)
{
	(*(int *)ctx)++;
	return nlh->nlmsg_type == 0x77 ? -1 : 0;	/* 0x77: "malformed" */
}

static void test_ack_and_error(void **state)
{
	struct nl_result r;
	size_t off = 0;
	put_error(&off, 0, SEQ);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), 1);
	assert_int_equal(r.err, 0);

	off = 0;
	put_error(&off, -EEXIST, SEQ);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), 1);
	assert_int_equal(r.err, EEXIST);
	assert_non_null(strstr(r.why, strerror(EEXIST)));

	off = 0;	/* a positive "errno" is not something the kernel sends */
	put_error(&off, 17, SEQ);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
	assert_int_equal(r.err, EPROTO);

	off = 0;	/* NLMSG_ERROR too short to hold nlmsgerr */
	put(&off, NLMSG_ERROR, 0, SEQ, PORT, 2);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
	assert_non_null(strstr(r.why, "shorter than nlmsgerr"));
}

static void test_refused(void **state)
{
	struct nl_result r;
	size_t off = 0;
	struct nlmsghdr *h = put(&off, RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, 16);
	h->nlmsg_len = 200;	/* claims more than the datagram holds */
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
	assert_int_equal(r.err, EPROTO);
	assert_non_null(strstr(r.why, "truncated"));

	h->nlmsg_len = 8;	/* less than a header */
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
	assert_non_null(strstr(r.why, "below a header"));

	off = 0;
	put(&off, RTM_NEWLINK, NLM_F_MULTI, SEQ - 1, PORT, 16);	/* a stale reply */
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
	assert_non_null(strstr(r.why, "out of sequence"));

	off = 0;
	put(&off, RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT + 1, 16);	/* someone else's */
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
	assert_non_null(strstr(r.why, "port id"));

	memset(&r, 0, sizeof(r));	/* half a header after a good message */
	assert_int_equal(nl_check_replies(buf, 10, SEQ, PORT, NULL, NULL, &r), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, 0, SEQ, PORT, NULL, NULL, &r), -1);

	off = 0;
	put(&off, NLMSG_OVERRUN, 0, SEQ, PORT, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), -1);
}

static void test_dump_messages(void **state)
{
	struct nl_result r;
	int n = 0;
	size_t off = 0;
	put(&off, RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, 16);
	put(&off, 0x77, NLM_F_MULTI | NLM_F_DUMP_INTR, SEQ, PORT, 4);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, count_cb, &n, &r), 0);	/* more to come */
	assert_int_equal(n, 2);
	assert_int_equal(r.messages, 2);
	assert_int_equal(r.malformed, 1);
	assert_true(r.intr);
	assert_non_null(strstr(r.why, "malformed"));

	struct nlmsghdr *d = put(&off, NLMSG_DONE, NLM_F_MULTI, SEQ, PORT, sizeof(int));
	put(&off, RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT, 16);	/* after DONE: not read */
	n = 0;
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, count_cb, &n, &r), 1);
	assert_int_equal(n, 2);
	assert_int_equal(r.err, 0);

	int e = -EINTR;	/* a dump the kernel ended with an error */
	memcpy(NLMSG_DATA(d), &e, sizeof(e));
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_check_replies(buf, off, SEQ, PORT, NULL, NULL, &r), 1);
	assert_int_equal(r.err, EINTR);
}

static int once_cb(const struct nlmsghdr *nlh, void *ctx)
{
	assert_true(++*(int *)ctx <= 1);	/* the same message again: the walk does not advance */
	return 0;
}

/*
 * A message length of 0xFFFFFFFD..0xFFFFFFFF aligns to 0 in 32 bits: the
 * walk must still step past it (in size_t) instead of spinning on it. Such
 * a length needs a datagram of 4 GiB: an untouched, unreserved mapping.
 */
static void test_huge_length(void **state)
{
	if (sizeof(size_t) < 8) {
		print_message("skipped: a 4 GiB datagram needs a 64-bit size_t\n");
		skip();
	}
	size_t len = (size_t)(UINT64_C(1) << 32);	/* 0 on 32-bit, never used there */
	char *big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		skip();
	for (uint32_t l = 0xFFFFFFFDu; l != 0; l++) {
		struct nlmsghdr h = { .nlmsg_len = l, .nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_MULTI,
				      .nlmsg_seq = SEQ, .nlmsg_pid = PORT };
		memcpy(big, &h, sizeof(h));
		struct nl_result r;
		memset(&r, 0, sizeof(r));
		int n = 0;
		assert_int_equal(nl_check_replies(big, len, SEQ, PORT, once_cb, &n, &r), 0);
		assert_int_equal(n, 1);
		assert_int_equal(r.messages, 1);
		memset(&r, 0, sizeof(r));	/* one byte short of the claimed length: truncated */
		assert_int_equal(nl_check_replies(big, (size_t)l - 1, SEQ, PORT, NULL, NULL, &r), -1);
		assert_non_null(strstr(r.why, "truncated"));
	}
	munmap(big, len);
}

struct links {
	int n;
	bool lo;
};

static int link_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct links *l = ctx;
	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -1;
	l->n++;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_IFNAME && strcmp(mnl_attr_get_str(a), "lo") == 0)
			l->lo = true;
	return 0;
}

static struct nlmsghdr *link_dump_req(char *req)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	return nlh;
}

static void test_real_dump_and_error(void **state)
{
	char err[128];
	struct nl_sock *s = nl_open(NETLINK_ROUTE, NULL, 0, 0, err, sizeof(err));
	assert_non_null(s);
	char req[128];
	struct links l = { 0 };
	struct nl_result r;
	assert_int_equal(nl_dump(s, link_dump_req(req), 1000, link_cb, &l, &r), 0);
	assert_true(l.n >= 1);
	assert_true(l.lo);
	assert_int_equal(r.malformed, 0);

	/* a get of a device that does not exist: the kernel's errno comes back */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 0x7ffffff0;
	assert_int_equal(nl_call(s, nlh, 1000, &r), -1);
	assert_int_equal(r.err, ENODEV);

	/* and the socket is still good for the next exchange */
	l = (struct links){ 0 };
	assert_int_equal(nl_dump(s, link_dump_req(req), 1000, link_cb, &l, &r), 0);
	assert_true(l.lo);
	nl_close(s);
}

struct async {
	struct links l;
	int done;
	int err;
};

static void async_done(void *ctx, const struct nl_result *r)
{
	struct async *a = ctx;
	a->done++;
	a->err = r->err;
}

static int async_link_cb(const struct nlmsghdr *nlh, void *ctx)
{
	return link_cb(nlh, &((struct async *)ctx)->l);
}

static void test_async_dump(void **state)
{
	char err[128];
	unsigned groups[] = { RTNLGRP_LINK };
	struct nl_sock *s = nl_open(NETLINK_ROUTE, groups, 1, 1 << 16, err, sizeof(err));
	assert_non_null(s);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	char req[128];
	struct async a = { 0 };
	assert_int_equal(nl_dump_start(s, loop, link_dump_req(req), 2000, async_link_cb, async_done, &a), 0);
	assert_true(nl_dump_busy(s));
	assert_int_equal(nl_dump_start(s, loop, link_dump_req(req), 2000, async_link_cb, async_done, &a), -1);
	struct nl_result r;	/* synchronous use while a dump is in flight is refused */
	assert_int_equal(nl_dump(s, link_dump_req(req), 100, NULL, NULL, &r), -1);
	assert_int_equal(r.err, EBUSY);
	for (int i = 0; i < 100 && !a.done; i++)
		ev_run(loop, EVRUN_ONCE);
	assert_int_equal(a.done, 1);
	assert_int_equal(a.err, 0);
	assert_true(a.l.lo);
	assert_false(nl_dump_busy(s));

	bool overrun = false;	/* nothing happened to links: no events queued, none invented */
	int msgs = nl_read_events(s, 4, NULL, NULL, &overrun);
	assert_true(msgs >= 0);
	assert_false(overrun);
	nl_close(s);
	ev_loop_destroy(loop);
}

static void test_genl_lookup(void **state)
{
	char err[128];
	struct nl_sock *s = nl_open(NETLINK_GENERIC, NULL, 0, 0, err, sizeof(err));
	if (!s && getenv("SF_QEMU")) {	/* set by the cross builds' ctest (tools/cross.sh) */
		print_message("skipped: %s emulates no NETLINK_GENERIC socket (%s)\n", getenv("SF_QEMU"), err);
		skip();
	}
	assert_non_null(s);
	uint16_t id = 0;
	struct nl_result r;
	assert_int_equal(nl_genl_family(s, "nlctrl", 1000, &id, &r), 0);
	assert_int_equal(id, GENL_ID_CTRL);
	assert_int_equal(nl_genl_family(s, "no-such-family", 1000, &id, &r), -1);
	assert_int_equal(r.err, ENOENT);
	nl_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_and_error),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dump_messages),
		cmocka_unit_test(test_huge_length),
		cmocka_unit_test(test_real_dump_and_error),
		cmocka_unit_test(test_async_dump),
		cmocka_unit_test(test_genl_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
