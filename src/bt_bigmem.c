/*-------------------------------------------------------------------------
 *
 * bt_bigmem.c
 *	  Large working memory for the Bradley-Terry state and fit: blocks
 *	  aligned and advised for transparent huge pages (bt_alloc_big), freed
 *	  with bt_free_big.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bt_bigmem.h"
#include "utils/memutils.h"
#ifdef __linux__
#include <sys/mman.h>
#endif

/*
 * Large working memory: ask the kernel for transparent huge pages
 * (advice only, Linux) before first touching it.  An array of hundreds of
 * megabytes otherwise costs one page fault per 4 kB, which dominated
 * building and flattening large states on virtual machines.  Only the
 * 2 MB-aligned part of [p, p + sz) can be advised; bt_alloc_big aligns
 * its blocks so that all of them is.
 */
void
bt_advise_big(void *p, Size sz)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (sz >= BT_BIG_MIN)
	{
		uintptr_t	lo = TYPEALIGN((uintptr_t) BT_HUGE_PAGE, (uintptr_t) p);
		uintptr_t	hi = TYPEALIGN_DOWN((uintptr_t) BT_HUGE_PAGE, (uintptr_t) p + sz);

		if (hi > lo)
			(void) madvise((void *) lo, hi - lo, MADV_HUGEPAGE);
	}
#endif
}

/*
 * Working arrays of the state and of the solver, freed with bt_free_big.
 * A block of BT_BIG_MIN bytes or more starts on a 2 MB boundary and is
 * advised whole (up to the next boundary), so every page of it can be a
 * huge page: a palloc chunk that large is a malloc'd mapping starting at
 * an arbitrary 4 kB page, which would leave up to 4 MB of each block to
 * 4 kB faults.  The extra 2 MB of address space is never
 * touched except for the page holding the header.  Smaller blocks are
 * ordinary chunks.  Either way the word before the block points to the
 * chunk it lives in.
 */
void *
bt_alloc_big(MemoryContext cxt, Size sz)
{
	char	   *raw;
	char	   *p;

	if (sz < BT_BIG_MIN)
	{
		raw = MemoryContextAllocHuge(cxt, sz + BT_BIG_HDR);
		p = raw + BT_BIG_HDR;
	}
	else
	{
		Size		span = TYPEALIGN(BT_HUGE_PAGE, sz);

		raw = MemoryContextAllocHuge(cxt, span + BT_HUGE_PAGE + BT_BIG_HDR);
		p = (char *) TYPEALIGN(BT_HUGE_PAGE, (uintptr_t) raw + BT_BIG_HDR);
		bt_advise_big(p, span);
	}
	((char **) p)[-1] = raw;
	return p;
}

void
bt_free_big(void *p)
{
	pfree(((char **) p)[-1]);
}

/* a block of bt_alloc_big grown from oldsz to newsz bytes, contents kept */
void *
bt_realloc_big(MemoryContext cxt, void *p, Size oldsz, Size newsz)
{
	void	   *np = bt_alloc_big(cxt, newsz);

	memcpy(np, p, Min(oldsz, newsz));
	bt_free_big(p);
	return np;
}
