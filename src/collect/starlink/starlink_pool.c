/* starlink_pool.c - see starlink_pool.h */
#include "starlink_pool.h"

#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CLASSES SL_POOL_CLASSES	/* 32 B .. 256 KiB */
#define POOL_HDR 16			/* class + size; keeps max_align_t alignment */

#if defined(SF_SANITIZED) || defined(__SANITIZE_ADDRESS__)
#define POOL_PASSTHROUGH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_PASSTHROUGH 1
#endif
#endif
#ifndef POOL_PASSTHROUGH
#define POOL_PASSTHROUGH 0
#endif

bool sl_pool_passthrough(void)
{
	return POOL_PASSTHROUGH;
}

static int pool_class(size_t size)
{
	size_t blk = 32;

	if (size > SIZE_MAX / 2)
		return POOL_CLASSES + 1;	/* refused */
	for (int c = 0; c < POOL_CLASSES; c++, blk <<= 1)
		if (size + POOL_HDR <= blk)
			return c;
	return POOL_CLASSES;		/* too big: plain malloc */
}

static void *pool_malloc(size_t size, void *ud)
{
	struct sl_pool *p = ud;
	int c = pool_class(size);
	uint8_t *b;

	if (c > POOL_CLASSES)
		return NULL;
	if (POOL_PASSTHROUGH) {
		b = malloc(size);
		p->sys_allocs += b != NULL;
		return b;
	}
	if (c < POOL_CLASSES && p->free_list[c]) {
		b = p->free_list[c];
		memcpy(&p->free_list[c], b + POOL_HDR, sizeof(void *));
	} else {
		b = malloc(c < POOL_CLASSES ? (size_t)32 << c : size + POOL_HDR);
		if (!b)
			return NULL;
		p->sys_allocs++;
		if (c < POOL_CLASSES)
			p->held_bytes += (size_t)32 << c;
	}
	memcpy(b, &c, sizeof(c));
	memcpy(b + sizeof(int), &size, sizeof(size));
	return b + POOL_HDR;
}

static void pool_free(void *ptr, void *ud)
{
	struct sl_pool *p = ud;
	int c;

	if (!ptr)
		return;
	if (POOL_PASSTHROUGH) {
		free(ptr);
		return;
	}
	uint8_t *b = (uint8_t *)ptr - POOL_HDR;
	memcpy(&c, b, sizeof(c));
	if (c >= POOL_CLASSES) {
		free(b);
		return;
	}
	memcpy(b + POOL_HDR, &p->free_list[c], sizeof(void *));
	p->free_list[c] = b;
}

static void *pool_calloc(size_t n, size_t size, void *ud)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (POOL_PASSTHROUGH) {
		struct sl_pool *p = ud;
		void *b = calloc(n, size);
		p->sys_allocs += b != NULL;
		return b;
	}
	void *ptr = pool_malloc(n * size, ud);
	if (ptr)
		memset(ptr, 0, n * size);
	return ptr;
}

static void *pool_realloc(void *ptr, size_t size, void *ud)
{
	size_t old;

	if (!ptr)
		return pool_malloc(size, ud);
	if (POOL_PASSTHROUGH) {
		struct sl_pool *p = ud;
		if (size > SIZE_MAX / 2)
			return NULL;
		void *b = realloc(ptr, size ? size : 1);	/* never realloc's free-on-0 */
		p->sys_allocs += b != NULL;
		return b;
	}
	memcpy(&old, (uint8_t *)ptr - POOL_HDR + sizeof(int), sizeof(old));
	void *n = pool_malloc(size, ud);
	if (!n)
		return NULL;
	memcpy(n, ptr, old < size ? old : size);
	pool_free(ptr, ud);
	return n;
}

void sl_pool_destroy(struct sl_pool *p)
{
	for (int c = 0; c < POOL_CLASSES; c++) {
		while (p->free_list[c]) {
			uint8_t *b = p->free_list[c];
			memcpy(&p->free_list[c], b + POOL_HDR, sizeof(void *));
			free(b);
		}
	}
}

void sl_pool_nghttp2_mem(struct sl_pool *p, nghttp2_mem *mem)
{
	*mem = (nghttp2_mem){ p, pool_malloc, pool_free, pool_calloc, pool_realloc };
}

