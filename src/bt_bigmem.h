/*-------------------------------------------------------------------------
 *
 * bt_bigmem.h
 *	  Large working memory for the Bradley-Terry state (bt_counts*.c) and
 *	  fit (bt_fit.c): blocks from BT_BIG_MIN bytes up start on a 2 MB
 *	  boundary and are advised for transparent huge pages.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_BIGMEM_H
#define BT_BIGMEM_H

#include "utils/palloc.h"

/* blocks of bt_alloc_big: 2 MB-aligned from BT_BIG_MIN bytes up */
#define BT_BIG_MIN ((Size) 4 << 20)
#define BT_HUGE_PAGE ((Size) 2 << 20)
#define BT_BIG_HDR ((Size) 16)	/* room for the chunk pointer, keeps palloc's alignment */

extern void *bt_alloc_big(MemoryContext cxt, Size sz);
extern void *bt_realloc_big(MemoryContext cxt, void *p, Size oldsz, Size newsz);
extern void bt_free_big(void *p);
extern void bt_advise_big(void *p, Size sz);

#endif							/* BT_BIGMEM_H */
