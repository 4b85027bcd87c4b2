/*
 * mwan3cfg.h - read /etc/config/mwan3 (with uci.c) into struct mwan3_config
 * (types/mwan3.h): interfaces, members, policies with their metrics and
 * weights, each with its line.
 *
 * Every problem is a warning in rep, "<file>:<line>: ..." - the daemon
 * keeps running with what could be read: an unreadable or malformed file
 * leaves out->loaded false (and no entries), a bad section is left out, a
 * bad value takes mwan3's default and says so. Nothing is dropped without
 * a warning. Blocking file I/O: call it at start-up or reload.
 */
#ifndef SF_MWAN3CFG_H
#define SF_MWAN3CFG_H

#include <stddef.h>

#include "config.h"
#include "mwan3.h"

/* 0 when read (warnings allowed), -1 when the file is missing or malformed. */
int mwan3cfg_load(const char *path, struct mwan3_config *out, struct config_report *rep);
int mwan3cfg_load_buffer(const char *name, const char *buf, size_t len, struct mwan3_config *out,
			 struct config_report *rep);

/* The `config interface` of that name, or NULL. */
const struct mwan3_iface *mwan3cfg_find_iface(const struct mwan3_config *c, const char *name);

/*
 * The preferred member naming interface iface (lowest metric, then the
 * first in the file), or -1; *n_members (may be NULL) counts them all.
 */
int mwan3cfg_iface_member(const struct mwan3_config *c, const char *iface, int *n_members);

#endif
