/*
 * starlink_pool.h - a size-class free-list allocator handed to nghttp2.
 *
 * nghttp2 mallocs and frees small objects for every stream (stream state,
 * header buffers, frames). Recycling them through per-size free lists keeps
 * a steady-state gRPC call free of malloc (bench/starlink.sh counts it).
 * Blocks are powers of two from 32 B to 256 KiB; larger requests go to
 * malloc directly. The pool holds at most the peak nghttp2 ever needed at
 * once, which the client's caps (one stream at a time, header and message
 * caps) bound.
 *
 * In sanitizer and fuzz builds (SF_SANITIZED, set by SF_SANITIZE/SF_FUZZ, or
 * a compiler-detected AddressSanitizer) the pool passes every call straight
 * to malloc/calloc/realloc/free, so ASan sees each block at its requested
 * size: an overrun inside a size class or a use after free is reported
 * instead of landing in a recycled block. Then held_bytes stays 0 and
 * sys_allocs counts every allocation.
 */
#ifndef SF_STARLINK_POOL_H
#define SF_STARLINK_POOL_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>

#define SL_POOL_CLASSES 14

struct sl_pool {
	void *free_list[SL_POOL_CLASSES];
	unsigned long sys_allocs;	/* blocks taken from malloc (passthrough: every call) */
	size_t held_bytes;		/* pooled blocks, in use or free (passthrough: 0) */
};

/* Point mem at this pool (pool must be zeroed first). */
void sl_pool_nghttp2_mem(struct sl_pool *p, nghttp2_mem *mem);
/* Free the free lists; blocks still in use must have been given back. */
void sl_pool_destroy(struct sl_pool *p);
/* True when this build passes straight through to malloc (see above). */
bool sl_pool_passthrough(void);

#endif
