/*
 * nl.h - the one netlink helper (over libmnl): rtnetlink today, ctnetlink
 * and nl80211 (generic netlink) next.
 *
 * A socket is opened for one protocol, close-on-exec and non-blocking, with
 * optional multicast groups (group numbers, e.g. RTNLGRP_LINK, not masks).
 * Three ways of talking to the kernel:
 *   nl_call()        request + ack, synchronous, bounded by timeout_ms
 *   nl_dump()        dump, synchronous, each message to a callback, bounded
 *   nl_dump_start()  dump driven by the libev loop: a callback per message,
 *                    then one done callback; one dump in flight per socket
 * and nl_read_events() for the multicast messages of an event socket.
 *
 * Every reply is hostile: nl_check_replies() is the one validator of a
 * received datagram. A message is refused (with a reason in r->why) when
 * its nlmsg_len is below a header or beyond the datagram (truncated), when
 * its sequence number or port id is not the request's (out of sequence),
 * when an NLMSG_ERROR is shorter than struct nlmsgerr; a datagram larger
 * than the buffer (MSG_TRUNC) is refused by the receive path. NLMSG_ERROR
 * with an error code ends the exchange with r->err = that errno.
 * Before a synchronous request, stale replies of an earlier request that
 * timed out are drained so they cannot answer the new one.
 *
 * nl_genl_family() looks a generic netlink family's id up (CTRL_CMD_GETFAMILY).
 */
#ifndef SF_NL_H
#define SF_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct ev_loop;
struct nl_sock;

#define NL_BUF_BYTES 32768	/* receive buffer of a socket; larger datagrams are refused */

/* Outcome of an exchange. err: 0 or an errno (the kernel's, ETIMEDOUT, EPROTO). */
struct nl_result {
	int err;
	bool intr;		/* a dump message had NLM_F_DUMP_INTR: it changed under the dump */
	unsigned messages;	/* messages handed to the callback */
	unsigned malformed;	/* of those, refused by the callback */
	char why[96];		/* "" or why the exchange failed */
};

/*
 * Per-message callback: 0 to go on, -1 to count the message as malformed
 * (the exchange goes on and still returns 0; r->why names the first such
 * message). A caller that draws conclusions from what a dump lacks must
 * treat r->malformed > 0, like r->intr, as an incomplete dump: the refused
 * message may have been the one it looks for.
 */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *ctx);
typedef void (*nl_done_cb)(void *ctx, const struct nl_result *r);

/*
 * Open a socket of protocol (NETLINK_ROUTE, NETLINK_NETFILTER,
 * NETLINK_GENERIC), joined to n_groups multicast groups. rcvbuf_bytes > 0
 * enlarges the kernel's receive queue (event sockets). NULL with a message
 * in err on failure.
 */
struct nl_sock *nl_open(int protocol, const unsigned *groups, int n_groups, int rcvbuf_bytes,
			char *err, size_t errlen);
void nl_close(struct nl_sock *s);
int nl_fd(const struct nl_sock *s);
uint32_t nl_portid(const struct nl_sock *s);

/* Synchronous request (NLM_F_REQUEST|NLM_F_ACK are set, seq assigned). 0 or -1, r filled. */
int nl_call(struct nl_sock *s, struct nlmsghdr *req, int timeout_ms, struct nl_result *r);

/* Synchronous dump (NLM_F_REQUEST|NLM_F_DUMP set): each message to cb. 0 or -1, r filled. */
int nl_dump(struct nl_sock *s, struct nlmsghdr *req, int timeout_ms, nl_msg_cb cb, void *ctx,
	    struct nl_result *r);

/*
 * Asynchronous dump on loop: each message to cb, then done(ctx, r) once
 * (also when sending fails, from within this call). -1 (EBUSY) when a dump
 * is in flight on s. timeout_ms > 0 ends a dump the kernel does not finish
 * with r->err = ETIMEDOUT.
 */
int nl_dump_start(struct nl_sock *s, struct ev_loop *loop, struct nlmsghdr *req, int timeout_ms,
		  nl_msg_cb cb, nl_done_cb done, void *ctx);
bool nl_dump_busy(const struct nl_sock *s);
void nl_dump_cancel(struct nl_sock *s);	/* no done callback */

/*
 * Read what is queued on an event socket (at most max_reads datagrams,
 * never blocking): each kernel message to cb. Returns the number of
 * messages, and sets *overrun when the kernel dropped events (ENOBUFS):
 * the caller must then resynchronise with a dump.
 */
int nl_read_events(struct nl_sock *s, int max_reads, nl_msg_cb cb, void *ctx, bool *overrun);

/*
 * The validator, public for tests and the fuzzer: walk one received
 * datagram of replies to (seq, portid). Returns 1 when the exchange is
 * complete (ack, NLMSG_DONE, or an error: see r->err), 0 when more
 * datagrams are expected (a dump), -1 when the datagram is refused
 * (r->err = EPROTO and r->why say why). cb may be NULL.
 */
int nl_check_replies(const void *buf, size_t len, uint32_t seq, uint32_t portid, nl_msg_cb cb,
		     void *ctx, struct nl_result *r);

/* Generic netlink: the id of family name on a NETLINK_GENERIC socket. 0 or -1, r filled. */
int nl_genl_family(struct nl_sock *s, const char *name, int timeout_ms, uint16_t *id,
		   struct nl_result *r);

#endif
