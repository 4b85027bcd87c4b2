/*
 * fuzz_mwan3.c - libFuzzer harness for the mwan3 config reader and the
 * merge behind it: any byte string is read or refused with a warning,
 * never a crash, a leak or an index out of bounds; what is read merges
 * with an empty netifd dump into members that each say why they are
 * unusable.
 */
#include <stdint.h>
#include <string.h>

#include "discover.h"
#include "mwan3cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mwan3_config mw;
	static struct config_report rep;
	static struct sf_config file, out;
	static struct netifd_state nd;

	int rc = mwan3cfg_load_buffer("fuzz", (const char *)data, size, &mw, &rep);
	if (rc < 0 && (mw.loaded || rep.n_warnings == 0))
		__builtin_trap();
	for (int i = 0; i < mw.n_members; i++)
		if (mw.members[i].iface_idx >= mw.n_ifaces || mw.members[i].metric < MWAN3_METRIC_MIN ||
		    mw.members[i].weight > MWAN3_WEIGHT_MAX)
			__builtin_trap();
	for (int i = 0; i < mw.n_policies; i++)
		for (int j = 0; j < mw.policies[i].n_use; j++)
			if (mw.policies[i].use[j] < 0 || mw.policies[i].use[j] >= mw.n_members)
				__builtin_trap();
	config_defaults(&file);
	file.core.use_mwan3 = true;
	struct discover_input in = { .file = &file, .mwan3 = &mw, .netifd = &nd, .sysfs_net = "/nonexistent" };
	discover_merge(&in, &out, &rep);
	if (out.n_members > MAX_MEMBERS)
		__builtin_trap();
	for (int i = 0; i < out.n_members; i++)
		if (!out.members[i].up.unusable[0] || out.members[i].cls == CLASS_AUTO)
			__builtin_trap();
	return 0;
}
