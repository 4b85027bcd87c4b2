/*
 * registry.c - every collector of this build (see collector.h). The one
 * place that knows which optional collectors were compiled in.
 */
#include "collector.h"

#include "cellular.h"
#include "wifi.h"

#include <string.h>

#ifdef SF_HAVE_STARLINK
#include "starlink.h"
#endif

const struct collector_ops *const collectors[] = {
	&probe_collector,
#ifdef SF_HAVE_STARLINK
	&starlink_collector,
#endif
	&cellular_collector,
	&wifi_collector,
	NULL
};

_Static_assert(sizeof(collectors) / sizeof(collectors[0]) - 1 <= COLLECT_SLOTS_MAX,
	       "more collectors than COLLECT_SLOTS_MAX");

int collector_count(void)
{
	return (int)(sizeof(collectors) / sizeof(collectors[0])) - 1;
}

const struct collector_ops *collector_find(const char *name)
{
	for (int i = 0; collectors[i]; i++)
		if (strcmp(collectors[i]->name, name) == 0)
			return collectors[i];
	return NULL;
}

int collector_slot(const struct collector_ops *ops)
{
	for (int i = 0; collectors[i]; i++)
		if (collectors[i] == ops)
			return i;
	return -1;
}

bool collector_serves(const struct collector_ops *ops, int cls)
{
	return cls > CLASS_AUTO && cls < __CLASS_MAX && (ops->classes & COLLECT_CLASS(cls));
}
