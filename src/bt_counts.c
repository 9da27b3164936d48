/*-------------------------------------------------------------------------
 *
 * bt_counts.c
 *	  The bt_counts type (pair counts of Bradley-Terry comparisons) and the
 *	  aggregates that build and merge it.
 *
 * In memory the state is an expanded object (utils/expandeddatum.h) in a
 * memory context of its own under the aggregate's context: an
 * open-addressing hash of items (bigint ids: a multiplicative hash of the
 * id; text: the name's hash_bytes, computed once per lookup and compared
 * with the length before the bytes); the ordered pairs merged so far,
 * distinct and sorted by (first, second) item index, in an array of
 * segments (each holding its pairs as the stored form's five columns, 32
 * bytes a pair); and a log of the
 * comparisons not yet merged (16-byte records: pair, outcome, weight).
 * A row costs two item lookups (small tables, cache-resident for
 * thousands of items; bigint rows are looked up BT_PAIR_BATCH at a time,
 * their slots prefetched first) and one append to the log.  A full log
 * is radix-sorted by pair (stable, so a pair's counts add up in arrival
 * order) and merged with the pairs in one streaming pass into a new chain
 * of segments, each old segment reused as soon as it has been read; the
 * log then grows to half the merged pairs when that is more, so each row
 * takes part in a bounded number of merges and
 * nothing is written at random into a large table (which on large states
 * cost a cache and TLB miss per row).  No allocation per row.  The
 * aggregate keeps the read/write expanded datum as its transition value,
 * so nodeAgg neither copies nor flattens it between rows.
 *
 * The aggregates' final function hands the state on as it is (read-only),
 * so bt_fit(bt_counts(...)) reads it in place: the last merge writes the
 * segments as the stored form's columns and bt_fit takes them as chunks
 * (bt_counts_get_chunks).  The state is flattened (bt_counts.h describes
 * the stored form) when it is stored in a table, sent to a client, a
 * parallel leader or a Citus coordinator.  Readers of stored values do
 * not rebuild the hash: bt_fit and the output functions read the stored
 * arrays in place (bt_counts_get_view), and the combine function adds
 * them to its own expanded state directly.
 *
 * Functions, in order: the item hash, the pairs and the log (sort,
 * merge, the two forms of the segments), merging views, the
 * expanded-object methods, views, text and binary I/O, then the
 * transition, combine and final functions.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"

#include <float.h>
#include <math.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "bt_text.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

static void bt_count_overflow(void) pg_attribute_noreturn();
static inline void bt_log_add(BtCounts *bc, int32 i, int32 j, uint32 cls,
							  double w);
static Size bt_counts_get_flat_size(ExpandedObjectHeader *eohptr);
static void bt_counts_flatten_into(ExpandedObjectHeader *eohptr,
								   void *result, Size allocated_size);

static const ExpandedObjectMethods bt_counts_methods =
{
	bt_counts_get_flat_size,
	bt_counts_flatten_into
};

/* smallest item table (log2 of the slot count), pair arrays and log */
#define BT_MIN_IBITS 7
#define BT_MIN_PAIRS 64
#define BT_MIN_LOG 64

/* radix sort of the log: at most this many bits a pass; smaller logs sort by insertion */
#define BT_RADIX_BITS 12
#define BT_RADIX_MIN 256

/* a log beyond BT_LOG_MIN grows to (merged pairs >> BT_LOG_SHIFT) records */
#define BT_LOG_SHIFT 1

/*
 * Hash of a bigint id: fold the halves, then a 32-bit multiplicative
 * (Fibonacci) hash; the table takes the top bits.  Ids whose halves xor
 * to the same value collide (tests rely on that to exercise probing).
 */
static inline uint32
bt_hash_int8(int64 id)
{
	uint64		x = (uint64) id;

	return ((uint32) x ^ (uint32) (x >> 32)) * 0x9E3779B1u;
}

static void
bt_too_many(const char *what, int64 cap)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("bt_counts state exceeds %lld distinct %s",
					(long long) cap, what),
			 errdetail("A bt_counts state holds at most %d distinct ordered pairs and %d items.",
					   BT_MAX_PAIRS, BT_MAX_ITEMS),
			 errhint("Aggregate subsets (for example by date) into separate states.")));
}

/* log2 of a table size that holds count entries below the load limit */
static int
bt_bits_for(int64 count, int minbits)
{
	int			bits = minbits;

	/* load <= 1/2 */
	while (((int64) 1 << (bits - 1)) < count)
		bits++;
	return bits;
}

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
 * an arbitrary 4 kB page, which left up to 4 MB of each block to 4 kB
 * faults (on the 10M-row benchmark, most of the faults of building the
 * state: about 12000 a query).  The extra 2 MB of address space is never
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
static void *
bt_realloc_big(MemoryContext cxt, void *p, Size oldsz, Size newsz)
{
	void	   *np = bt_alloc_big(cxt, newsz);

	memcpy(np, p, Min(oldsz, newsz));
	bt_free_big(p);
	return np;
}

/*
 * A log or sort buffer the state has outgrown.  Memory it has written is
 * cheap to touch again, while fresh memory is not (on virtual machines
 * that hand freed memory back to the host, a first touch costs tens of
 * times a rewrite), so a block of at least one segment is cut into
 * segment-sized spares, which new pair segments take before asking for
 * fresh memory; the block is freed with the state.  A smaller block, or
 * one that finds the spares full, is freed now.
 */
static void
bt_retire_big(BtCounts *bc, void *p, Size sz)
{
	const Size	segsz = BT_PAIR_BYTES * BT_SEG_SIZE;
	char	   *c = (char *) p;

	if (sz < segsz || bc->nspare >= BT_MAX_SEGS)
	{
		bt_free_big(p);
		return;
	}
	for (Size off = 0; off + segsz <= sz && bc->nspare < BT_MAX_SEGS; off += segsz)
		bc->spare[bc->nspare++] = c + off;
}

/* a new pair segment: a spare if there is one, else fresh memory */
static char *
bt_seg_alloc(BtCounts *bc)
{
	if (bc->nspare > 0)
		return bc->spare[--bc->nspare];
	return bt_alloc_big(bc->hdr.eoh_context, BT_PAIR_BYTES * BT_SEG_SIZE);
}

/*
 * A full-size pair segment no longer needed goes to the spares (it may be
 * cut from a retired block, which cannot be freed piecemeal); with the
 * spares full it stays with the state until the state is freed.
 */
static void
bt_seg_free(BtCounts *bc, char *seg)
{
	if (bc->nspare < BT_MAX_SEGS)
		bc->spare[bc->nspare++] = seg;
}

static BtItemSlot *
bt_item_table(MemoryContext cxt, int bits)
{
	Size		sz = sizeof(BtItemSlot) << bits;
	BtItemSlot *t = MemoryContextAllocHuge(cxt, sz);

	memset(t, 0xff, sz);		/* idx = -1: empty */
	return t;
}

/*
 * A new empty state in a memory context of its own under parent, sized
 * for about items_hint items and pairs_hint pairs.
 */
BtCounts *
bt_counts_new(MemoryContext parent, int kind, int32 items_hint,
			  int32 pairs_hint)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "bt_counts",
											  ALLOCSET_DEFAULT_SIZES);
	BtCounts   *bc = MemoryContextAllocZero(cxt, sizeof(BtCounts));

	EOH_init_header(&bc->hdr, &bt_counts_methods, cxt);
	bc->kind = kind;
	items_hint = Min(Max(items_hint, 0), BT_MAX_ITEMS);
	pairs_hint = Min(Max(pairs_hint, 0), BT_MAX_PAIRS);
	bc->cap_items = Max(64, items_hint + 1);
	if (kind == BT_IDS_INT8)
		bc->ids = MemoryContextAllocHuge(cxt, sizeof(int64) * bc->cap_items);
	bc->off = MemoryContextAllocHuge(cxt, sizeof(uint32) * (bc->cap_items + 1));
	bc->off[0] = 0;
	bc->names_cap = 1024;
	bc->names = MemoryContextAlloc(cxt, bc->names_cap);
	bc->ibits = bt_bits_for(items_hint, BT_MIN_IBITS);
	bc->islot = bt_item_table(cxt, bc->ibits);

	bc->cap_pairs = Min(Max(BT_MIN_PAIRS, pairs_hint), BT_SEG_SIZE);
	bc->seg[0] = bt_alloc_big(cxt, BT_PAIR_BYTES * bc->cap_pairs);
	bc->nseg = 1;
	bc->cap_log = BT_MIN_LOG;
	bc->log = bt_alloc_big(cxt, sizeof(BtLogRec) * bc->cap_log);
	return bc;
}

/* the kind is fixed by the first item; mixing is an error */
static void
bt_counts_set_kind(BtCounts *bc, int kind)
{
	if (bc->kind == kind)
		return;
	if (bc->kind == BT_IDS_NONE && bc->n_items == 0)
	{
		bc->kind = kind;
		if (kind == BT_IDS_INT8 && bc->ids == NULL)
			bc->ids = MemoryContextAllocHuge(bc->hdr.eoh_context,
											 sizeof(int64) * bc->cap_items);
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine bt_counts states with %s and %s item ids",
					bt_kind_name(bc->kind), bt_kind_name(kind)),
			 errhint("Use one item id type (text or bigint) for all comparisons.")));
}

static inline uint32
bt_item_hash_of(const BtCounts *bc, int32 k)
{
	if (bc->kind == BT_IDS_INT8)
		return bt_hash_int8(bc->ids[k]);
	return hash_bytes((const unsigned char *) bc->names + bc->off[k],
					  bc->off[k + 1] - bc->off[k] - 1);
}

/* room for one more item: arrays and, at load 1/2, the table */
static void
bt_items_reserve(BtCounts *bc)
{
	MemoryContext cxt = bc->hdr.eoh_context;

	if (bc->n_items >= BT_MAX_ITEMS)
		bt_too_many("items", BT_MAX_ITEMS);
	if (bc->n_items + 1 >= bc->cap_items)
	{
		int32		ncap = bc->cap_items * 2;

		if (bc->ids)
			bc->ids = repalloc_huge(bc->ids, sizeof(int64) * ncap);
		bc->off = repalloc_huge(bc->off, sizeof(uint32) * (ncap + 1));
		bc->cap_items = ncap;
	}
	if ((int64) (bc->n_items + 1) * 2 > ((int64) 1 << bc->ibits))
	{
		int			nbits = bc->ibits + 1;
		uint32		nmask = ((uint32) 1 << nbits) - 1;
		BtItemSlot *nt = bt_item_table(cxt, nbits);
		BtItemSlot *ot = bc->islot;
		uint32		osize = (uint32) 1 << bc->ibits;

		for (uint32 s = 0; s < osize; s++)
		{
			uint32		h,
						t;

			if (ot[s].idx < 0)
				continue;
			h = bc->kind == BT_IDS_INT8 ? bt_hash_int8(ot[s].key) : (uint32) ot[s].key;
			t = h >> (32 - nbits);
			while (nt[t].idx >= 0)
				t = (t + 1) & nmask;
			nt[t] = ot[s];
		}
		pfree(ot);
		bc->islot = nt;
		bc->ibits = nbits;
	}
}

/* index of the item named str[0..len), added when new */
int32
bt_counts_item_text(BtCounts *bc, const char *str, int len)
{
	uint32		h = hash_bytes((const unsigned char *) str, len);
	uint32		mask = ((uint32) 1 << bc->ibits) - 1;
	uint32		s = h >> (32 - bc->ibits);
	int32		k;

	Assert(bc->kind == BT_IDS_TEXT);
	for (;;)
	{
		BtItemSlot *e = &bc->islot[s];

		if (e->idx < 0)
			break;
		if (e->key == (int64) h && e->len == (uint32) len &&
			memcmp(bc->names + bc->off[e->idx], str, len) == 0)
			return e->idx;
		s = (s + 1) & mask;
	}
	/* new item */
	if (bc->names_len + len + 1 > bc->names_cap)
	{
		Size		ncap = bc->names_cap;

		while (bc->names_len + len + 1 > ncap)
			ncap *= 2;
		if (ncap > MaxAllocSize / 2)
			bt_too_many("bytes of item names", MaxAllocSize / 2);
		bc->names = repalloc_huge(bc->names, ncap);
		bc->names_cap = ncap;
	}
	if ((int64) (bc->n_items + 1) * 2 > ((int64) 1 << bc->ibits) ||
		bc->n_items + 1 >= bc->cap_items)
	{
		bt_items_reserve(bc);
		mask = ((uint32) 1 << bc->ibits) - 1;
		s = h >> (32 - bc->ibits);
		while (bc->islot[s].idx >= 0)
			s = (s + 1) & mask;
	}
	k = bc->n_items++;
	memcpy(bc->names + bc->names_len, str, len);
	bc->names[bc->names_len + len] = '\0';
	bc->off[k] = bc->names_len;
	bc->names_len += len + 1;
	bc->off[k + 1] = bc->names_len;
	bc->islot[s].key = h;
	bc->islot[s].len = len;
	bc->islot[s].idx = k;
	return k;
}

/*
 * The direct map of small bigint ids (serial keys, for example).  An id
 * from 0 up to BT_DIRECT_PER_ITEM times the number of items (at least
 * BT_DIRECT_MIN) finds its index with one load from an int32 array
 * rather than a probe of the hash's 16-byte slots, which for thousands
 * of items do not fit in the first-level cache.  The array grows to the
 * next power of two above such an id (at least 64 entries), so it takes
 * at most 2 * BT_DIRECT_PER_ITEM * 4 bytes an item, about the hash
 * table's size, or 4 kB; an id first seen beyond the limit takes the
 * hash, and the map once it covers the id.
 */
#define BT_DIRECT_MIN 1024
#define BT_DIRECT_PER_ITEM 8
#define BT_DIRECT_MAX ((int64) 1 << 26)

static void
bt_direct_note(BtCounts *bc, int64 id, int32 k)
{
	Assert(id >= 0);
	if (id >= bc->ndirect)
	{
		int64		limit = Min(Max((int64) BT_DIRECT_MIN,
									(int64) BT_DIRECT_PER_ITEM * bc->n_items),
								BT_DIRECT_MAX);
		int64		ncap;

		if (id >= limit)
			return;
		ncap = Max((int64) pg_nextpower2_64((uint64) id + 1), 64);
		if (bc->direct == NULL)
			bc->direct = MemoryContextAllocHuge(bc->hdr.eoh_context,
												sizeof(int32) * ncap);
		else
			bc->direct = repalloc_huge(bc->direct, sizeof(int32) * ncap);
		memset(bc->direct + bc->ndirect, 0,
			   sizeof(int32) * (ncap - bc->ndirect));
		bc->ndirect = ncap;
	}
	bc->direct[id] = k + 1;
}

/* the hash's part of bt_counts_item_int8: a miss in the direct map */
static pg_noinline int32
bt_item_int8_hashed(BtCounts *bc, int64 id)
{
	uint32		h = bt_hash_int8(id);
	uint32		mask = ((uint32) 1 << bc->ibits) - 1;
	uint32		s = h >> (32 - bc->ibits);
	int32		k;

	Assert(bc->kind == BT_IDS_INT8);
	for (;;)
	{
		BtItemSlot *e = &bc->islot[s];

		if (e->idx < 0)
			break;
		if (e->key == id)
		{
			k = e->idx;
			goto found;
		}
		s = (s + 1) & mask;
	}
	if ((int64) (bc->n_items + 1) * 2 > ((int64) 1 << bc->ibits) ||
		bc->n_items + 1 >= bc->cap_items)
	{
		bt_items_reserve(bc);
		mask = ((uint32) 1 << bc->ibits) - 1;
		s = h >> (32 - bc->ibits);
		while (bc->islot[s].idx >= 0)
			s = (s + 1) & mask;
	}
	k = bc->n_items++;
	bc->ids[k] = id;
	bc->islot[s].key = id;
	bc->islot[s].len = 0;
	bc->islot[s].idx = k;
found:
	if (id >= 0)
		bt_direct_note(bc, id, k);
	return k;
}

static inline int32
bt_item_int8(BtCounts *bc, int64 id)
{
	if ((uint64) id < (uint64) bc->ndirect)
	{
		int32		k1 = bc->direct[id];

		if (likely(k1 != 0))
			return k1 - 1;
	}
	return bt_item_int8_hashed(bc, id);
}

/* where bt_item_int8 will look first for id (to prefetch it) */
static inline const void *
bt_item_int8_where(const BtCounts *bc, int64 id)
{
	if ((uint64) id < (uint64) bc->ndirect)
		return &bc->direct[id];
	return &bc->islot[bt_hash_int8(id) >> (32 - bc->ibits)];
}

/* index of the item with bigint id, added when new */
int32
bt_counts_item_int8(BtCounts *bc, int64 id)
{
	return bt_item_int8(bc, id);
}

/*
 * Capacity of each pair segment: a state has either one segment, of
 * cap_pairs up to BT_SEG_SIZE, or full-size ones.
 */
static inline int32
bt_seg_cap(const BtCounts *bc)
{
	return Min(bc->cap_pairs, BT_SEG_SIZE);
}

/* merged pair k of a state whose segments hold entries */
static inline BtPair *
bt_pair_entry(const BtCounts *bc, int32 k)
{
	return &((BtPair *) bc->seg[k >> BT_SEG_BITS])[k & (BT_SEG_SIZE - 1)];
}

static void bt_pairs_relayout(BtCounts *bc, bool soa);

/*
 * Room for need merged pairs (segments holding entries): the first
 * segment doubles up to its full size, then whole segments are added.
 */
static void
bt_pairs_reserve(BtCounts *bc, int64 need)
{
	if (need > BT_MAX_PAIRS)
		bt_too_many("ordered pairs", BT_MAX_PAIRS);
	Assert(!bc->soa);
	while (need > bc->cap_pairs)
	{
		if (bc->cap_pairs < BT_SEG_SIZE)
		{
			int32		ncap = (int32) Min(Max(need, (int64) bc->cap_pairs * 2), BT_SEG_SIZE);

			bc->seg[0] = bt_realloc_big(bc->hdr.eoh_context, bc->seg[0],
										BT_PAIR_BYTES * bc->cap_pairs,
										BT_PAIR_BYTES * ncap);
			bc->cap_pairs = ncap;
		}
		else
		{
			Assert(bc->nseg < BT_MAX_SEGS);
			bc->seg[bc->nseg++] = bt_seg_alloc(bc);
			bc->cap_pairs += BT_SEG_SIZE;
		}
	}
}

/*
 * Append a pair after the merged ones (the caller keeps them sorted, or,
 * in a builder, in the order given).
 */
static void
bt_pairs_append(BtCounts *bc, int32 i, int32 j, double w1, double w2, double wt)
{
	BtPair	   *e;

	bt_pairs_relayout(bc, false);
	if (bc->n_pairs >= bc->cap_pairs)
		bt_pairs_reserve(bc, (int64) bc->n_pairs + 1);
	e = bt_pair_entry(bc, bc->n_pairs);
	e->i = i;
	e->j = j;
	e->w1 = w1;
	e->w2 = w2;
	e->wt = wt;
	bc->n_pairs++;
}

/* sort key of merged pair k (entries), comparable with BT_LOG_PAIR of a record */
static inline uint64
bt_merged_key(const BtCounts *bc, int32 k)
{
	const BtPair *e = bt_pair_entry(bc, k);

	Assert(!bc->soa);
	return BT_LOG_KEY(e->i, e->j);
}

/*
 * The log sorted by pair, stably (a pair's records keep their arrival
 * order, so its counts add up in that order), in bc->log or bc->scratch:
 * returns which.  Least-significant-digit radix sort on the pair's
 * 2 * nb bits (nb bits hold any item index), at most BT_RADIX_BITS a
 * pass, with every pass's histogram counted in one read; insertion sort
 * below BT_RADIX_MIN records.
 */
static BtLogRec *
bt_log_sort(BtCounts *bc)
{
	int32		n = bc->n_log;
	BtLogRec   *src = bc->log;
	BtLogRec   *dst;
	int			nb,
				passes,
				db;
	uint32		dmask;
	uint32	   *hist;

	if (n < BT_RADIX_MIN)
	{
		for (int32 k = 1; k < n; k++)
		{
			BtLogRec	r = src[k];
			int32		m = k;

			for (; m > 0 && BT_LOG_PAIR(src[m - 1].key) > BT_LOG_PAIR(r.key); m--)
				src[m] = src[m - 1];
			src[m] = r;
		}
		return src;
	}
	if (bc->cap_scratch < bc->cap_log)
	{
		if (bc->scratch)
			bt_retire_big(bc, bc->scratch, sizeof(BtLogRec) * bc->cap_scratch);
		bc->scratch = bt_alloc_big(bc->hdr.eoh_context, sizeof(BtLogRec) * bc->cap_log);
		bc->cap_scratch = bc->cap_log;
	}
	dst = bc->scratch;
	nb = bc->n_items > 1 ? pg_leftmost_one_pos32((uint32) (bc->n_items - 1)) + 1 : 1;
	passes = (2 * nb + BT_RADIX_BITS - 1) / BT_RADIX_BITS;
	db = (2 * nb + passes - 1) / passes;
	dmask = ((uint32) 1 << db) - 1;
	hist = palloc0(sizeof(uint32) * ((Size) passes << db));

	/* the pair as one 2 * nb-bit number: (i << nb) | j */
#define BT_V(key) ((((key) >> 32) << nb) | (((uint32) (key)) >> 2))
	for (int32 k = 0; k < n; k++)
	{
		uint64		v = BT_V(src[k].key);

		for (int p = 0; p < passes; p++)
			hist[((uint32) p << db) | ((uint32) (v >> (p * db)) & dmask)]++;
	}
	for (int p = 0; p < passes; p++)
	{
		uint32	   *h = hist + ((Size) p << db);
		uint32		sum = 0;

		/* a pass where every record has the same digit moves nothing */
		if (h[(uint32) (BT_V(src[0].key) >> (p * db)) & dmask] == (uint32) n)
			continue;
		for (uint32 d = 0; d <= dmask; d++)
		{
			uint32		c = h[d];

			h[d] = sum;
			sum += c;
		}
		for (int32 k = 0; k < n; k++)
		{
			uint32		d = (uint32) (BT_V(src[k].key) >> (p * db)) & dmask;

			dst[h[d]++] = src[k];
		}
		{
			BtLogRec   *t = src;

			src = dst;
			dst = t;
		}
		CHECK_FOR_INTERRUPTS();
	}
#undef BT_V
	pfree(hist);
	return src;
}

/* n pairs given as entries into five separate arrays */
static void
bt_entries_to_arrays(const BtPair *src, int32 n, int32 *pi, int32 *pj,
					 double *w1, double *w2, double *wt)
{
	for (int32 r = 0; r < n; r++)
	{
		pi[r] = src[r].i;
		pj[r] = src[r].j;
		w1[r] = src[r].w1;
		w2[r] = src[r].w2;
		wt[r] = src[r].wt;
	}
}

/* and back: segment src's n pairs (columns) into dst as entries */
static void
bt_seg_to_entries(char *src, BtPair *dst, int32 cap, int32 n)
{
	const int32 *pi = bt_seg_i(src),
			   *pj = bt_seg_j(src, cap);
	const double *w1 = bt_seg_w1(src, cap),
			   *w2 = bt_seg_w2(src, cap),
			   *wt = bt_seg_wt(src, cap);

	for (int32 r = 0; r < n; r++)
	{
		dst[r].i = pi[r];
		dst[r].j = pj[r];
		dst[r].w1 = w1[r];
		dst[r].w2 = w2[r];
		dst[r].wt = wt[r];
	}
}

/*
 * The merged pairs rewritten in the other form (columns when soa, else
 * entries), segment by segment through one spare segment: each segment
 * is written into the spare, which takes its place, and the old one
 * becomes the spare for the next.
 */
static void
bt_pairs_relayout(BtCounts *bc, bool soa)
{
	int32		cap = bt_seg_cap(bc);
	char	   *tmp;

	if (bc->soa == soa)
		return;
	if (bc->n_pairs > 0)
	{
		tmp = cap == BT_SEG_SIZE ? bt_seg_alloc(bc) :
			bt_alloc_big(bc->hdr.eoh_context, BT_PAIR_BYTES * cap);
		for (int32 s = 0, k = 0; k < bc->n_pairs; s++)
		{
			int32		n = Min(bc->n_pairs - k, cap);
			char	   *old = bc->seg[s];

			if (soa)
				bt_entries_to_arrays((const BtPair *) old, n, bt_seg_i(tmp),
									 bt_seg_j(tmp, cap), bt_seg_w1(tmp, cap),
									 bt_seg_w2(tmp, cap), bt_seg_wt(tmp, cap));
			else
				bt_seg_to_entries(old, (BtPair *) tmp, cap, n);
			bc->seg[s] = tmp;
			tmp = old;
			k += n;
			CHECK_FOR_INTERRUPTS();
		}
		if (cap == BT_SEG_SIZE)
			bt_seg_free(bc, tmp);
		else
			bt_free_big(tmp);
	}
	bc->soa = soa;
}

/*
 * Merge the log into the pairs: sort it, then one forward pass writes the
 * merged pairs to a new chain of segments, taking each old segment for
 * reuse as soon as it has been read (so memory grows only by the new
 * pairs, and no fresh memory is touched for the old ones).  A state that
 * fits one small segment is merged into a new array instead.  The pairs
 * are read as entries and written as entries, or, for a reader that takes
 * them in place (soa_out, a constant in each caller), as columns.  The
 * cursors are plain locals, so the copy loop keeps them in registers.
 */
static pg_attribute_always_inline void
bt_log_merge_impl(BtCounts *bc, const bool soa_out)
{
	int32		n = bc->n_log;
	int32		np = bc->n_pairs;
	const BtLogRec *s;
	char	   *iseg[BT_MAX_SEGS];
	int			inseg = bc->nseg;
	int32		icap0 = bt_seg_cap(bc);
	char	   *oseg[BT_MAX_SEGS];
	int			onseg = 0;
	char	   *pool[BT_MAX_SEGS];
	int			npool = 0;
	bool		small;
	int32		ocap;
	int			si;				/* input segment being read */
	const BtPair *ip,
			   *ipend;
	int32		op = 0,			/* output cursor in the last segment, end */
				opend = 0;
	BtPair	   *oe = NULL;		/* output segment: entries */
	int32	   *oi = NULL;		/* or columns */
	int32	   *oj = NULL;
	double	   *o1 = NULL,
			   *o2 = NULL,
			   *ot = NULL;
	int64		w = 0;			/* pairs written */

	Assert(n > 0);
	Assert(bc->bset == NULL);
	bt_pairs_relayout(bc, false);
	s = bt_log_sort(bc);
	memcpy(iseg, bc->seg, sizeof(char *) * inseg);

	/* segments past the merged pairs are free from the start */
	for (int k = (np + BT_SEG_SIZE - 1) / BT_SEG_SIZE; k < inseg; k++)
	{
		if (k == 0 && icap0 < BT_SEG_SIZE)
			continue;			/* a small first segment is freed at the end */
		pool[npool++] = iseg[k];
	}

	/* output segment o of capacity c */
#define BT_OUT_SET(o, c) \
	do { \
		if (soa_out) \
		{ \
			oi = bt_seg_i(o); \
			oj = bt_seg_j((o), (c)); \
			o1 = bt_seg_w1((o), (c)); \
			o2 = bt_seg_w2((o), (c)); \
			ot = bt_seg_wt((o), (c)); \
		} \
		else \
			oe = (BtPair *) (o); \
		op = 0; \
		opend = (c); \
	} while (0)

	/* output room */
	small = (int64) np + n <= BT_SEG_SIZE;
	if (small)
	{
		char	   *o;

		ocap = (int32) Min((int64) BT_SEG_SIZE, Max((int64) np + n, (int64) BT_MIN_PAIRS));
		oseg[onseg++] = o = bt_alloc_big(bc->hdr.eoh_context, BT_PAIR_BYTES * ocap);
		BT_OUT_SET(o, ocap);
	}
	else
		ocap = BT_SEG_SIZE;

	/* input cursor */
	si = 0;
	ip = np > 0 ? (const BtPair *) iseg[0] : NULL;
	ipend = np > 0 ? ip + Min(np, icap0) : NULL;

	/*
	 * Advance the input to its next segment, handing the one read to the
	 * pool (full-size segments only); ip = NULL when all are read.
	 */
#define BT_IN_NEXT() \
	do { \
		if ((si == 0 ? icap0 : BT_SEG_SIZE) == BT_SEG_SIZE) \
			pool[npool++] = iseg[si]; \
		si++; \
		if ((int64) si * BT_SEG_SIZE < np) \
		{ \
			ip = (const BtPair *) iseg[si]; \
			ipend = ip + Min((int64) BT_SEG_SIZE, (int64) np - (int64) si * BT_SEG_SIZE); \
		} \
		else \
			ip = ipend = NULL; \
	} while (0)
	/* a new output segment, reused from the pool when one is there */
#define BT_OUT_NEXT() \
	do { \
		char	   *o; \
\
		Assert(!small); \
		if (onseg >= BT_MAX_SEGS) \
			bt_too_many("ordered pairs", BT_MAX_PAIRS); \
		o = npool > 0 ? pool[--npool] : bt_seg_alloc(bc); \
		oseg[onseg++] = o; \
		BT_OUT_SET(o, BT_SEG_SIZE); \
	} while (0)
	/* write pair (pi_, pj_) and its counts at the output cursor */
#define BT_OUT_PUT(pi_, pj_, w1_, w2_, wt_) \
	do { \
		if (soa_out) \
		{ \
			oi[op] = (pi_); \
			oj[op] = (pj_); \
			o1[op] = (w1_); \
			o2[op] = (w2_); \
			ot[op] = (wt_); \
		} \
		else \
		{ \
			oe[op].i = (pi_); \
			oe[op].j = (pj_); \
			oe[op].w1 = (w1_); \
			oe[op].w2 = (w2_); \
			oe[op].wt = (wt_); \
		} \
		op++; \
	} while (0)

	/* each logged pair in turn, then (k == n) the merged pairs left */
	for (int32 k = 0;;)
	{
		bool		last = k >= n;
		uint64		pk = last ? PG_UINT64_MAX : BT_LOG_PAIR(s[k].key);
		double		c[4] = {0.0, 0.0, 0.0, 0.0};
		double		w1,
					w2,
					wt;

		/* the pair's counts, in arrival order (the sort is stable) */
		for (; k < n && BT_LOG_PAIR(s[k].key) == pk; k++)
			c[s[k].key & 3] += s[k].w;
		w1 = c[1];
		w2 = c[0];
		wt = c[2];

		/* merged pairs before it move over */
		for (;;)
		{
			if (ip == ipend)
			{
				if (ip == NULL)
					break;
				BT_IN_NEXT();
				if (ip == NULL)
					break;
			}
			if (BT_LOG_KEY(ip->i, ip->j) >= pk)
				break;
			if (op == opend)
				BT_OUT_NEXT();
			if (soa_out)
				BT_OUT_PUT(ip->i, ip->j, ip->w1, ip->w2, ip->wt);
			else
				oe[op++] = *ip;
			ip++;
			w++;
		}
		if (last)
			break;
		/* ip is NULL (all read) or at the first pair >= pk */
		if (ip != NULL && BT_LOG_KEY(ip->i, ip->j) == pk)
		{
			w1 = ip->w1 + w1;
			w2 = ip->w2 + w2;
			wt = ip->wt + wt;
			ip++;
		}
		if (unlikely(!isfinite(w1 + w2 + wt)))
			bt_count_overflow();
		if (op == opend)
			BT_OUT_NEXT();
		BT_OUT_PUT((int32) (pk >> 32), (int32) ((uint32) pk >> 2), w1, w2, wt);
		if ((++w & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
#undef BT_IN_NEXT
#undef BT_OUT_NEXT
#undef BT_OUT_PUT
#undef BT_OUT_SET

	/* BT_OUT_NEXT refused a segment beyond BT_MAX_SEGS */
	Assert(w <= BT_MAX_PAIRS);
	/* a small first segment was not recycled: free it */
	if (icap0 < BT_SEG_SIZE)
		bt_free_big(iseg[0]);
	/* unused segments stay as room for the next merge */
	while (!small && npool > 0 && onseg < BT_MAX_SEGS)
		oseg[onseg++] = pool[--npool];
	while (npool > 0)
		bt_seg_free(bc, pool[--npool]);
	memcpy(bc->seg, oseg, sizeof(char *) * onseg);
	bc->nseg = onseg;
	bc->cap_pairs = small ? ocap : (int32) Min((int64) onseg * BT_SEG_SIZE, (int64) BT_MAX_PAIRS);
	bc->n_pairs = (int32) w;
	bc->n_log = 0;
	bc->soa = soa_out;
}

/* the log merged into the pairs, kept as entries (the state grows on) */
static void
bt_log_merge(BtCounts *bc)
{
	if (bc->n_log > 0)
		bt_log_merge_impl(bc, false);
}

/*
 * The log merged into the pairs, and the pairs in the read form (columns)
 * for a reader that takes them in place
 */
static void
bt_log_merge_columns(BtCounts *bc)
{
	if (bc->n_log > 0)
		bt_log_merge_impl(bc, true);
	else
		bt_pairs_relayout(bc, true);
}

/*
 * The bigint rows waiting for their item lookups: prefetch their item
 * slots, then look them up and log them.
 */
static void
bt_pend_resolve(BtCounts *bc)
{
	int			n = bc->npend;

	bc->npend = 0;
#if defined(__GNUC__) || defined(__clang__)
	for (int k = 0; k < n; k++)
	{
		__builtin_prefetch(bt_item_int8_where(bc, bc->pend[k].a), 0, 1);
		__builtin_prefetch(bt_item_int8_where(bc, bc->pend[k].b), 0, 1);
	}
#endif
	for (int k = 0; k < n; k++)
	{
		const BtPendRow *r = &bc->pend[k];
		int32		i = bt_item_int8(bc, r->a);
		int32		j = bt_item_int8(bc, r->b);

		bt_log_add(bc, i, j, r->cls, r->w);
	}
}

/*
 * A full log: below BT_LOG_MIN records it doubles; beyond, it is merged,
 * then, empty, replaced (fresh memory, nothing copied) when half the
 * merged pairs exceed it, by one of that size or twice the old one,
 * whichever is larger.  So the log stays within the pairs it had when it
 * last grew, and each row costs a bounded number of merge passes.
 */
static void
bt_log_make_room(BtCounts *bc)
{
	int64		want;

	if (bc->cap_log < BT_LOG_MIN)
	{
		int32		ncap = Min(bc->cap_log * 2, BT_LOG_MIN);

		bc->log = bt_realloc_big(bc->hdr.eoh_context, bc->log,
								 sizeof(BtLogRec) * bc->cap_log,
								 sizeof(BtLogRec) * ncap);
		bc->cap_log = ncap;
		return;
	}
	bt_log_merge(bc);
	want = (int64) bc->n_pairs >> BT_LOG_SHIFT;
	if (want > bc->cap_log)
	{
		int32		ncap = (int32) Min(Max(want, (int64) bc->cap_log * 2), BT_MAX_PAIRS);

		bt_retire_big(bc, bc->log, sizeof(BtLogRec) * bc->cap_log);
		if (bc->scratch)
			bt_retire_big(bc, bc->scratch, sizeof(BtLogRec) * bc->cap_scratch);
		bc->scratch = NULL;
		bc->cap_scratch = 0;
		bc->log = bt_alloc_big(bc->hdr.eoh_context, sizeof(BtLogRec) * ncap);
		bc->cap_log = ncap;
	}
}

/*
 * Merge everything added so far into the pairs: readers of the state call
 * this first.
 */
void
bt_counts_flush(BtCounts *bc)
{
	if (bc->npend > 0)
		bt_pend_resolve(bc);
	bt_log_merge(bc);
}

/* the same, leaving the pairs in the read form (columns) */
static void
bt_counts_flush_columns(BtCounts *bc)
{
	if (bc->npend > 0)
		bt_pend_resolve(bc);
	bt_log_merge_columns(bc);
}

/* log one comparison of ordered pair (i, j): class as in BtLogRec */
static inline void
bt_log_add(BtCounts *bc, int32 i, int32 j, uint32 cls, double w)
{
	BtLogRec   *r;

	if (unlikely(bc->n_log >= bc->cap_log))
		bt_log_make_room(bc);
	r = &bc->log[bc->n_log++];
	r->key = BT_LOG_KEY(i, j) | cls;
	r->w = w;
}

/* log the counts of ordered pair (i, j) (from a merged state) */
static void
bt_log_counts(BtCounts *bc, int32 i, int32 j, double w1, double w2, double wt)
{
	if (w1 > 0)
		bt_log_add(bc, i, j, 1, w1);
	if (w2 > 0)
		bt_log_add(bc, i, j, 0, w2);
	if (wt > 0)
		bt_log_add(bc, i, j, 2, wt);
	if (!(w1 > 0 || w2 > 0 || wt > 0))
		bt_log_add(bc, i, j, 3, 0.0);
}

/* queue a row for the bigint ids a and b, looked up with its batch */
static inline void
bt_counts_add_ids(BtCounts *bc, int64 a, int64 b, uint32 cls, double w)
{
	BtPendRow  *r = &bc->pend[bc->npend];

	r->a = a;
	r->b = b;
	r->w = w;
	r->cls = cls;
	if (++bc->npend == BT_PAIR_BATCH)
		bt_pend_resolve(bc);
}

/*
 * Adding counts (rows or merged states) overflowed a pair's total: a user
 * error, not corruption.
 */
static void
bt_count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bt_counts pair count is out of range"),
			 errdetail("The weighted comparisons of one ordered pair add up to more than the largest float8.")));
}

static void
bt_flat_corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted bt_counts value"),
			 errdetail("%s", what)));
}

/*
 * Add every pair of src to dst, without building a hash of src: src's
 * items are mapped to dst's (checking that src names no item twice), its
 * pairs checked and logged.  Into an empty dst, pairs that arrive in
 * sorted order (a state this library flattened) are copied straight into
 * the merged arrays, the rest logged.  src may be a stored value (not
 * trusted).
 */
void
bt_counts_merge_view(BtCounts *dst, const BtCountsView *src)
{
	int32	   *map;
	bool	   *seen;
	bool		direct;

	if (src->n_pairs == 0)
		return;
	Assert(dst->bset == NULL);
	bt_counts_set_kind(dst, src->kind);
	if (dst->npend > 0)
		bt_pend_resolve(dst);
	direct = dst->n_pairs == 0 && dst->n_log == 0;
	map = palloc(sizeof(int32) * src->n_items);
	for (int32 k = 0; k < src->n_items; k++)
	{
		if (src->kind == BT_IDS_TEXT)
			map[k] = bt_counts_item_text(dst, bt_view_name(src, k),
										 bt_view_name_len(src, k));
		else
			map[k] = bt_counts_item_int8(dst, src->ids[k]);
	}
	seen = palloc0(sizeof(bool) * dst->n_items);
	for (int32 k = 0; k < src->n_items; k++)
	{
		if (seen[map[k]])
			bt_flat_corrupt("An item appears twice.");
		seen[map[k]] = true;
	}
	pfree(seen);
	for (int32 k = 0; k < src->n_pairs; k++)
	{
		int32		i = src->pi[k],
					j = src->pj[k];
		double		w1 = src->w1[k],
					w2 = src->w2[k],
					wt = src->wt[k];

		if (i < 0 || i >= src->n_items || j < 0 || j >= src->n_items || i == j)
			bt_flat_corrupt("A pair refers to an unknown item or to itself.");
		if (!(w1 >= 0 && w2 >= 0 && wt >= 0) || !isfinite(w1 + w2 + wt))
			bt_flat_corrupt("A pair holds a negative or non-finite count.");
		i = map[i];
		j = map[j];
		if (direct && (dst->n_pairs == 0 ||
					   BT_LOG_KEY(i, j) > bt_merged_key(dst, dst->n_pairs - 1)))
			bt_pairs_append(dst, i, j, w1, w2, wt);
		else
		{
			direct = false;
			bt_log_counts(dst, i, j, w1, w2, wt);
		}
		if ((k & 0xfffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(map);
}

/* the merged pairs, in order, into separate arrays (the stored layout) */
static void
bt_pairs_to_arrays(const BtCounts *bc, int32 *pi, int32 *pj,
				   double *w1, double *w2, double *wt)
{
	int32		cap = bt_seg_cap(bc);

	for (int32 s = 0, k = 0; k < bc->n_pairs; s++)
	{
		char	   *g = bc->seg[s];
		int32		n = Min(bc->n_pairs - k, cap);

		if (bc->soa)
		{
			memcpy(pi + k, bt_seg_i(g), sizeof(int32) * n);
			memcpy(pj + k, bt_seg_j(g, cap), sizeof(int32) * n);
			memcpy(w1 + k, bt_seg_w1(g, cap), sizeof(double) * n);
			memcpy(w2 + k, bt_seg_w2(g, cap), sizeof(double) * n);
			memcpy(wt + k, bt_seg_wt(g, cap), sizeof(double) * n);
		}
		else
			bt_entries_to_arrays((const BtPair *) g, n, pi + k, pj + k,
								 w1 + k, w2 + k, wt + k);
		k += n;
	}
}

/* ---------- expanded-object methods ---------- */

static Size
bt_flat_size(int kind, int32 n_items, Size names_len, int32 n_pairs)
{
	Size		sz = BT_COUNTS_HDRSZ +
		(Size) n_pairs * (2 * sizeof(int32) + 3 * sizeof(double));

	if (kind == BT_IDS_INT8)
		sz += sizeof(int64) * n_items;
	else if (kind == BT_IDS_TEXT)
		sz += TYPEALIGN(8, sizeof(uint32) * (n_items + 1)) + TYPEALIGN(8, names_len);
	return sz;
}

static void
bt_flat_check_size(Size sz)
{
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bt_counts state too large to store (%zu bytes)", sz),
				 errdetail("Stored values are limited to 1 GB.")));
}

static Size
bt_counts_get_flat_size(ExpandedObjectHeader *eohptr)
{
	BtCounts   *bc = (BtCounts *) eohptr;
	Size		sz;

	bt_counts_flush(bc);
	sz = bt_flat_size(bc->kind, bc->n_items,
					  bc->kind == BT_IDS_TEXT ? bc->names_len : 0, bc->n_pairs);
	bt_flat_check_size(sz);
	return sz;
}

/*
 * Write the header and items of a stored value; returns where the pair
 * arrays start.
 */
static char *
bt_flat_write_items(void *result, Size size, int kind, int32 n_items,
					const int64 *ids, const uint32 *off, const char *names,
					Size names_len, int32 n_pairs)
{
	BtCountsFlat *f = (BtCountsFlat *) result;
	char	   *p = (char *) result + BT_COUNTS_HDRSZ;

	memset(result, 0, BT_COUNTS_HDRSZ);
	SET_VARSIZE(f, size);
	f->version = BT_COUNTS_VERSION;
	f->kind = kind;
	f->n_items = n_items;
	f->n_pairs = n_pairs;
	f->names_len = kind == BT_IDS_TEXT ? (int32) names_len : 0;
	if (kind == BT_IDS_INT8)
	{
		memcpy(p, ids, sizeof(int64) * n_items);
		p += sizeof(int64) * n_items;
	}
	else if (kind == BT_IDS_TEXT)
	{
		Size		osz = sizeof(uint32) * (n_items + 1);

		memcpy(p, off, osz);
		memset(p + osz, 0, TYPEALIGN(8, osz) - osz);
		p += TYPEALIGN(8, osz);
		memcpy(p, names, names_len);
		memset(p + names_len, 0, TYPEALIGN(8, names_len) - names_len);
		p += TYPEALIGN(8, names_len);
	}
	return p;
}

static void
bt_counts_flatten_into(ExpandedObjectHeader *eohptr, void *result,
					   Size allocated_size)
{
	BtCounts   *bc = (BtCounts *) eohptr;
	Size		np;
	char	   *p;
	int32	   *pi,
			   *pj;
	double	   *w1,
			   *w2,
			   *wt;

	bt_counts_flush(bc);
	np = bc->n_pairs;
	bt_advise_big(result, allocated_size);
	Assert(allocated_size == bt_flat_size(bc->kind, bc->n_items,
										  bc->kind == BT_IDS_TEXT ? bc->names_len : 0,
										  bc->n_pairs));
	p = bt_flat_write_items(result, allocated_size, bc->kind, bc->n_items,
							bc->ids, bc->off, bc->names, bc->names_len,
							bc->n_pairs);
	pi = (int32 *) p;
	pj = pi + np;
	w1 = (double *) (pj + np);
	w2 = w1 + np;
	wt = w2 + np;
	bt_pairs_to_arrays(bc, pi, pj, w1, w2, wt);
	Assert((char *) (wt + np) == (char *) result + allocated_size);
}

bool
bt_counts_is_ours(Datum d)
{
	return VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == &bt_counts_methods;
}

/* ---------- views ---------- */

/*
 * Check that the items of a view are distinct (a stored value is not
 * trusted): a scratch hash of item indices.
 */
static void
bt_view_check_items(const BtCountsView *v)
{
	int			bits = bt_bits_for(v->n_items, BT_MIN_IBITS);
	uint32		mask = ((uint32) 1 << bits) - 1;
	int32	   *t = palloc_extended(sizeof(int32) << bits, MCXT_ALLOC_HUGE);

	memset(t, 0xff, sizeof(int32) << bits);
	for (int32 k = 0; k < v->n_items; k++)
	{
		uint32		h = v->kind == BT_IDS_INT8 ? bt_hash_int8(v->ids[k]) :
			hash_bytes((const unsigned char *) bt_view_name(v, k), bt_view_name_len(v, k));
		uint32		s = h >> (32 - bits);

		for (; t[s] >= 0; s = (s + 1) & mask)
		{
			int32		o = t[s];

			if (v->kind == BT_IDS_INT8 ? v->ids[o] == v->ids[k] :
				(bt_view_name_len(v, o) == bt_view_name_len(v, k) &&
				 memcmp(bt_view_name(v, o), bt_view_name(v, k), bt_view_name_len(v, k)) == 0))
				bt_flat_corrupt("An item appears twice.");
		}
		t[s] = k;
	}
	pfree(t);
}

/*
 * A view of a stored value, in place.  Checks every size, offset, item
 * (distinct, names well formed), pair index and count; not that each
 * pair occurs once (readers add repeated pairs' counts).
 */
static void
bt_view_of_flat(const BtCountsFlat *f, BtCountsView *v)
{
	Size		total = VARSIZE(f);
	const char *p = (const char *) f + BT_COUNTS_HDRSZ;
	int32		np;

	if (total < BT_COUNTS_HDRSZ)
		bt_flat_corrupt("The value is shorter than its header.");
	if (f->version != BT_COUNTS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported bt_counts format version %d", f->version),
				 errdetail("This library reads version %d.", BT_COUNTS_VERSION)));
	if (f->kind < BT_IDS_NONE || f->kind > BT_IDS_INT8 ||
		f->n_items < 0 || f->n_items > BT_MAX_ITEMS ||
		f->n_pairs < 0 || f->n_pairs > BT_MAX_PAIRS || f->names_len < 0 ||
		(f->kind == BT_IDS_NONE && (f->n_items != 0 || f->n_pairs != 0)))
		bt_flat_corrupt("The header holds impossible counts.");
	if (bt_flat_size(f->kind, f->n_items, f->names_len, f->n_pairs) != total)
		bt_flat_corrupt("The size does not match the header.");

	memset(v, 0, offsetof(BtCountsView, chunk));
	v->kind = f->kind;
	v->n_items = f->n_items;
	if (f->kind == BT_IDS_INT8)
	{
		v->ids = (const int64 *) p;
		p += sizeof(int64) * f->n_items;
	}
	else if (f->kind == BT_IDS_TEXT)
	{
		const uint32 *off = (const uint32 *) p;
		const char *names = p + TYPEALIGN(8, sizeof(uint32) * (f->n_items + 1));

		if (off[0] != 0 || off[f->n_items] != (uint32) f->names_len)
			bt_flat_corrupt("An item name is malformed.");
		for (int32 k = 0; k < f->n_items; k++)
		{
			uint32		o0 = off[k],
						o1 = off[k + 1];

			if (o1 <= o0 || o1 > (uint32) f->names_len ||
				names[o1 - 1] != '\0' || memchr(names + o0, '\0', o1 - o0 - 1))
				bt_flat_corrupt("An item name is malformed.");
		}
		v->off = off;
		v->names = names;
		v->names_len = f->names_len;
		p = names + TYPEALIGN(8, (Size) f->names_len);
	}
	bt_view_check_items(v);
	np = f->n_pairs;
	v->n_pairs = np;
	v->pi = (const int32 *) p;
	v->pj = v->pi + np;
	v->w1 = (const double *) (v->pj + np);
	v->w2 = v->w1 + np;
	v->wt = v->w2 + np;
	for (int32 k = 0; k < np; k++)
	{
		int32		i = v->pi[k],
					j = v->pj[k];

		if (i < 0 || i >= v->n_items || j < 0 || j >= v->n_items || i == j)
			bt_flat_corrupt("A pair refers to an unknown item or to itself.");
		if (!(v->w1[k] >= 0 && v->w2[k] >= 0 && v->wt[k] >= 0) ||
			!isfinite(v->w1[k] + v->w2[k] + v->wt[k]))
			bt_flat_corrupt("A pair holds a negative or non-finite count.");
	}
}

/* the view's arrays as its one chunk */
static void
bt_view_one_chunk(BtCountsView *v)
{
	v->nchunk = 1;
	v->chunk[0].m = v->n_pairs;
	v->chunk[0].i = v->pi;
	v->chunk[0].j = v->pj;
	v->chunk[0].w1 = v->w1;
	v->chunk[0].w2 = v->w2;
	v->chunk[0].wt = v->wt;
}

/* a state's items in a view (no pairs yet; its log already merged) */
static void
bt_view_of_state(BtCounts *bc, BtCountsView *v)
{
	Assert(bc->npend == 0 && bc->n_log == 0);
	memset(v, 0, offsetof(BtCountsView, chunk));
	v->kind = bc->kind;
	v->n_items = bc->n_items;
	v->ids = bc->ids;
	v->off = bc->off;
	v->names = bc->names;
	v->names_len = bc->kind == BT_IDS_TEXT ? bc->names_len : 0;
	v->n_pairs = bc->n_pairs;
}

/*
 * A view of the state in d: the stored arrays in place, or, for our
 * expanded object, its items in place and its pairs (after merging its
 * log) copied out, palloc'd in the current context.
 */
void
bt_counts_get_view(Datum d, BtCountsView *v)
{
	BtCounts   *bc;
	int32	   *pi,
			   *pj;
	double	   *w1,
			   *w2,
			   *wt;

	if (!bt_counts_is_ours(d))
	{
		bt_view_of_flat((const BtCountsFlat *) PG_DETOAST_DATUM(d), v);
		bt_view_one_chunk(v);
		return;
	}
	bc = (BtCounts *) DatumGetEOHP(d);
	bt_counts_flush(bc);
	bt_view_of_state(bc, v);
	pi = palloc_extended(sizeof(int32) * (bc->n_pairs + 1), MCXT_ALLOC_HUGE);
	pj = palloc_extended(sizeof(int32) * (bc->n_pairs + 1), MCXT_ALLOC_HUGE);
	w1 = palloc_extended(sizeof(double) * (bc->n_pairs + 1), MCXT_ALLOC_HUGE);
	w2 = palloc_extended(sizeof(double) * (bc->n_pairs + 1), MCXT_ALLOC_HUGE);
	wt = palloc_extended(sizeof(double) * (bc->n_pairs + 1), MCXT_ALLOC_HUGE);
	bt_pairs_to_arrays(bc, pi, pj, w1, w2, wt);
	v->pi = pi;
	v->pj = pj;
	v->w1 = w1;
	v->w2 = w2;
	v->wt = wt;
	bt_view_one_chunk(v);
}

/*
 * The view of d for bt_fit, by chunks: a stored value as
 * bt_counts_get_view gives it (one chunk); a state in memory in place,
 * each of its segments a chunk (nothing copied, the arrays pi to wt
 * NULL).  A state is read, not changed, except that its log is merged
 * first.
 */
void
bt_counts_get_chunks(Datum d, BtCountsView *v)
{
	BtCounts   *bc;
	int32		cap;

	if (!bt_counts_is_ours(d))
	{
		bt_counts_get_view(d, v);
		return;
	}
	bc = (BtCounts *) DatumGetEOHP(d);
	bt_counts_flush_columns(bc);
	bt_view_of_state(bc, v);
	v->idle[0] = (char *) bc->log;
	v->idle_size[0] = sizeof(BtLogRec) * bc->cap_log;
	v->idle[1] = (char *) bc->scratch;
	v->idle_size[1] = bc->scratch ? sizeof(BtLogRec) * bc->cap_scratch : 0;
	cap = bt_seg_cap(bc);
	v->nchunk = 0;
	for (int32 s = 0, k = 0; k < bc->n_pairs; s++)
	{
		char	   *g = bc->seg[s];
		BtChunk    *c = &v->chunk[v->nchunk++];

		c->m = Min(bc->n_pairs - k, cap);
		c->i = bt_seg_i(g);
		c->j = bt_seg_j(g, cap);
		c->w1 = bt_seg_w1(g, cap);
		c->w2 = bt_seg_w2(g, cap);
		c->wt = bt_seg_wt(g, cap);
		k += c->m;
	}
}

/*
 * The state behind d as an expanded object we may update: d itself when
 * it is ours, else a new expanded copy in parent.
 */
static BtCounts *
bt_counts_expanded(Datum d, MemoryContext parent)
{
	BtCountsView v;
	BtCounts   *bc;

	if (bt_counts_is_ours(d))
		return (BtCounts *) DatumGetEOHP(d);
	bt_counts_get_view(d, &v);
	bc = bt_counts_new(parent, v.kind, v.n_items, v.n_pairs);
	bt_counts_merge_view(bc, &v);
	return bc;
}

static void
bt_counts_free(BtCounts *bc)
{
	MemoryContextDelete(bc->hdr.eoh_context);
}

/* ---------- text and binary I/O ---------- */

/*
 * The input functions build a scratch expanded state (a builder: its
 * pairs stay in the order given, and a set of the pairs seen refuses a
 * pair given twice) and flatten it.
 */
static BtCounts *
bt_builder_init(int kind)
{
	BtCounts   *bc = bt_counts_new(CurrentMemoryContext, kind, 0, 0);

	bc->bbits = 6;
	bc->bset = MemoryContextAllocZero(bc->hdr.eoh_context,
									  sizeof(uint64) << bc->bbits);
	return bc;
}

/* slot of key in the builder's set: where it is, or the empty slot to put it */
static uint32
bt_bset_slot(const uint64 *set, int bits, uint64 key)
{
	uint32		mask = ((uint32) 1 << bits) - 1;
	uint32		s = (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - bits));

	while (set[s] != 0 && set[s] != key + 1)
		s = (s + 1) & mask;
	return s;
}

/* append a pair; false when (i, j) was given before */
static bool
bt_builder_add(BtCounts *bc, int32 i, int32 j, double w1, double w2, double wt)
{
	uint64		key = BT_LOG_KEY(i, j);
	uint32		s = bt_bset_slot(bc->bset, bc->bbits, key);

	if (bc->bset[s] != 0)
		return false;
	if ((int64) (bc->n_pairs + 1) * 2 > ((int64) 1 << bc->bbits))
	{
		int			nbits = bc->bbits + 1;
		uint64	   *nset = MemoryContextAllocExtended(bc->hdr.eoh_context,
													  sizeof(uint64) << nbits,
													  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

		for (uint32 k = 0; k < ((uint32) 1 << bc->bbits); k++)
			if (bc->bset[k] != 0)
				nset[bt_bset_slot(nset, nbits, bc->bset[k] - 1)] = bc->bset[k];
		pfree(bc->bset);
		bc->bset = nset;
		bc->bbits = nbits;
		s = bt_bset_slot(bc->bset, bc->bbits, key);
	}
	bc->bset[s] = key + 1;
	bt_pairs_append(bc, i, j, w1, w2, wt);
	return true;
}

static Datum
bt_builder_finish(BtCounts *bc)
{
	Size		sz = bt_counts_get_flat_size(&bc->hdr);
	void	   *res = palloc(sz);

	bt_counts_flatten_into(&bc->hdr, res, sz);
	bt_counts_free(bc);
	return PointerGetDatum(res);
}

/*
 * bt_counts_in(cstring) -> bt_counts
 *
 * {"version": 1, "ids": "text", "pairs": [["a", "b", w1, w2, wt], ...]}
 */
PG_FUNCTION_INFO_V1(bt_counts_in);
Datum
bt_counts_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	BtLex		lx;
	BtCounts   *b;
	char	   *kname;
	int			len;
	int			kind;

	bt_lex_init(&lx, str, "bt_counts");
	bt_lex_expect(&lx, '{');
	bt_lex_key(&lx, "version");
	if (bt_lex_int4(&lx, 0, PG_INT32_MAX) != BT_COUNTS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported bt_counts format version"),
				 errdetail("This library reads version %d.", BT_COUNTS_VERSION)));
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "ids");
	kname = bt_lex_string(&lx, &len);
	if (strcmp(kname, "text") == 0)
		kind = BT_IDS_TEXT;
	else if (strcmp(kname, "bigint") == 0)
		kind = BT_IDS_INT8;
	else if (strcmp(kname, "none") == 0)
		kind = BT_IDS_NONE;
	else
		bt_lex_error(&lx, "\"text\", \"bigint\" or \"none\" as ids");
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "pairs");
	bt_lex_expect(&lx, '[');
	b = bt_builder_init(kind);
	if (!bt_lex_accept(&lx, ']'))
	{
		if (kind == BT_IDS_NONE)
			bt_lex_error(&lx, "no pairs in a state with ids \"none\"");
		do
		{
			int32		i,
						j;
			double		w[3];

			bt_lex_expect(&lx, '[');
			if (kind == BT_IDS_TEXT)
			{
				char	   *a = bt_lex_string(&lx, &len);

				i = bt_counts_item_text(b, a, len);
				bt_lex_expect(&lx, ',');
				a = bt_lex_string(&lx, &len);
				j = bt_counts_item_text(b, a, len);
			}
			else
			{
				i = bt_counts_item_int8(b, bt_lex_int8(&lx));
				bt_lex_expect(&lx, ',');
				j = bt_counts_item_int8(b, bt_lex_int8(&lx));
			}
			if (i == j)
				bt_lex_error(&lx, "two different items in a pair");
			for (int k = 0; k < 3; k++)
			{
				bt_lex_expect(&lx, ',');
				w[k] = bt_lex_number(&lx);
				if (!(w[k] >= 0) || isinf(w[k]))
					bt_lex_error(&lx, "finite non-negative counts");
			}
			/* as every other path in: the pair's total must be finite too */
			if (isinf(w[0] + w[1] + w[2]))
				bt_count_overflow();
			bt_lex_expect(&lx, ']');
			if (!bt_builder_add(b, i, j, w[0], w[1], w[2]))
				bt_lex_error(&lx, "each ordered pair once");
		} while (bt_lex_accept(&lx, ','));
		bt_lex_expect(&lx, ']');
	}
	bt_lex_expect(&lx, '}');
	bt_lex_end(&lx);
	PG_RETURN_DATUM(bt_builder_finish(b));
}

/*
 * bt_counts_out(bt_counts) -> cstring, every count in shortest exact form,
 * pairs in stored order
 */
PG_FUNCTION_INFO_V1(bt_counts_out);
Datum
bt_counts_out(PG_FUNCTION_ARGS)
{
	BtCountsView v;
	StringInfoData buf;

	bt_counts_get_view(PG_GETARG_DATUM(0), &v);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"ids\": \"%s\", \"pairs\": [",
					 BT_COUNTS_VERSION, bt_kind_name(v.kind));
	for (int32 k = 0; k < v.n_pairs; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoChar(&buf, '[');
		if (v.kind == BT_IDS_TEXT)
		{
			bt_append_json_string(&buf, bt_view_name(&v, v.pi[k]));
			appendStringInfoString(&buf, ", ");
			bt_append_json_string(&buf, bt_view_name(&v, v.pj[k]));
		}
		else
			appendStringInfo(&buf, INT64_FORMAT ", " INT64_FORMAT,
							 v.ids[v.pi[k]], v.ids[v.pj[k]]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, v.w1[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, v.w2[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, v.wt[k]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/*
 * bt_counts_send(bt_counts) -> bytea
 *
 * int32 version, int32 kind, int32 n_items, the items (text: int32
 * length + bytes in the client encoding; bigint: int64), int32 n_pairs,
 * then per pair int32 first, int32 second, float8 w1, w2, wt.
 */
PG_FUNCTION_INFO_V1(bt_counts_send);
Datum
bt_counts_send(PG_FUNCTION_ARGS)
{
	BtCountsView v;
	StringInfoData buf;

	bt_counts_get_view(PG_GETARG_DATUM(0), &v);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, BT_COUNTS_VERSION);
	pq_sendint32(&buf, v.kind);
	pq_sendint32(&buf, v.n_items);
	for (int32 k = 0; k < v.n_items; k++)
	{
		if (v.kind == BT_IDS_TEXT)
		{
			const char *s = bt_view_name(&v, k);
			int			len = bt_view_name_len(&v, k);
			char	   *conv = pg_server_to_client(s, len);
			int			clen = (conv != s) ? (int) strlen(conv) : len;

			pq_sendint32(&buf, clen);
			pq_sendbytes(&buf, conv, clen);
		}
		else
			pq_sendint64(&buf, v.ids[k]);
	}
	pq_sendint32(&buf, v.n_pairs);
	for (int32 k = 0; k < v.n_pairs; k++)
	{
		pq_sendint32(&buf, v.pi[k]);
		pq_sendint32(&buf, v.pj[k]);
		pq_sendfloat8(&buf, v.w1[k]);
		pq_sendfloat8(&buf, v.w2[k]);
		pq_sendfloat8(&buf, v.wt[k]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
bt_recv_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external bt_counts value"),
			 errdetail("%s", what)));
}

/*
 * bt_counts_recv(internal) -> bt_counts, validating everything
 */
PG_FUNCTION_INFO_V1(bt_counts_recv);
Datum
bt_counts_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int32		version = pq_getmsgint(msg, 4);
	int32		kind,
				n_items,
				n_pairs;
	BtCounts   *b;

	if (version != BT_COUNTS_VERSION)
		bt_recv_error("Unsupported format version.");
	kind = pq_getmsgint(msg, 4);
	n_items = pq_getmsgint(msg, 4);
	if (kind < BT_IDS_NONE || kind > BT_IDS_INT8 || n_items < 0 ||
		n_items > BT_MAX_ITEMS || (kind == BT_IDS_NONE && n_items != 0) ||
		(Size) n_items * 4 > (Size) (msg->len - msg->cursor))
		bt_recv_error("Impossible id kind or item count.");
	b = bt_builder_init(kind);
	for (int32 k = 0; k < n_items; k++)
	{
		int32		got;

		if (kind == BT_IDS_TEXT)
		{
			int32		len = pq_getmsgint(msg, 4);
			char	   *s;

			if (len < 0 || len > msg->len - msg->cursor)
				bt_recv_error("An item name has an impossible length.");
			s = pq_getmsgtext(msg, len, &len);
			if (memchr(s, '\0', len))
				bt_recv_error("An item name holds a NUL byte.");
			got = bt_counts_item_text(b, s, len);
		}
		else
			got = bt_counts_item_int8(b, pq_getmsgint64(msg));
		if (got != k)
			bt_recv_error("An item appears twice.");
	}
	n_pairs = pq_getmsgint(msg, 4);
	if (n_pairs < 0 || n_pairs > BT_MAX_PAIRS ||
		(Size) n_pairs * 32 > (Size) (msg->len - msg->cursor))
		bt_recv_error("Impossible pair count.");
	for (int32 k = 0; k < n_pairs; k++)
	{
		int32		i = pq_getmsgint(msg, 4);
		int32		j = pq_getmsgint(msg, 4);
		double		w1 = pq_getmsgfloat8(msg);
		double		w2 = pq_getmsgfloat8(msg);
		double		wt = pq_getmsgfloat8(msg);

		if (i < 0 || i >= n_items || j < 0 || j >= n_items || i == j)
			bt_recv_error("A pair refers to an unknown item or to itself.");
		if (!(w1 >= 0 && w2 >= 0 && wt >= 0) || !isfinite(w1 + w2 + wt))
			bt_recv_error("A pair holds a negative or non-finite count.");
		if (!bt_builder_add(b, i, j, w1, w2, wt))
			bt_recv_error("A pair appears twice.");
	}
	if (msg->cursor != msg->len)
		bt_recv_error("Trailing bytes.");
	PG_RETURN_DATUM(bt_builder_finish(b));
}

/* ---------- aggregate support ---------- */

/* the errors of bt_check_row */
static void
bt_bad_row(double outcome, double weight)
{
	if (isnan(outcome))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison outcome is NaN"),
				 errdetail("The outcome must be 1 (first item wins), 0 (second item wins) or 0.5 (tie).")));
	if (outcome != 0.0 && outcome != 0.5 && outcome != 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison outcome %g is not 0, 0.5 or 1", outcome),
				 errdetail("The outcome must be 1 (first item wins), 0 (second item wins) or 0.5 (tie).")));
	if (isnan(weight))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison weight is NaN")));
	if (weight < 0 || isinf(weight))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("comparison weight %g is out of range", weight),
				 errdetail("Weights must be finite and non-negative.")));
}

/* outcome in {0, 0.5, 1}, weight finite and >= 0 */
static inline void
bt_check_row(double outcome, double weight)
{
	if (likely((outcome == 0.0 || outcome == 1.0 || outcome == 0.5) &&
			   weight >= 0.0 && weight <= DBL_MAX))
		return;
	bt_bad_row(outcome, weight);
}

/* log class of a checked outcome: 1 first won, 0 second won, 2 tie */
static inline uint32
bt_outcome_class(double outcome)
{
	return outcome == 0.5 ? 2 : (uint32) outcome;
}

static void
bt_self_comparison(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("an item cannot be compared with itself"),
			 errhint("Filter out rows whose two items are equal.")));
}

/* the state to update in place: ours if the aggregate holds one */
static BtCounts *
bt_trans_state(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcxt;
	BtCounts   *bc;

	/*
	 * Every row but the first: a read-write pointer to a state of ours of
	 * this kind.  Only the transition and combine functions make those, in
	 * the aggregate's context, so the checks below are settled.
	 */
	if (likely(!PG_ARGISNULL(0)))
	{
		Datum		d = PG_GETARG_DATUM(0);

		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
			DatumGetEOHP(d)->eoh_methods == &bt_counts_methods &&
			((BtCounts *) DatumGetEOHP(d))->kind == kind)
			return (BtCounts *) DatumGetEOHP(d);
	}
	aggcxt = pc_agg_context(fcinfo, "bt_counts transition function");
	if (PG_ARGISNULL(0))
		bc = bt_counts_new(aggcxt, kind, 0, 0);
	else
		bc = bt_counts_expanded(PG_GETARG_DATUM(0), aggcxt);
	bt_counts_set_kind(bc, kind);
	return bc;
}

static Datum
bt_trans_text(FunctionCallInfo fcinfo, double outcome, double weight)
{
	text	   *a = PG_GETARG_TEXT_PP(1);
	text	   *b = PG_GETARG_TEXT_PP(2);
	int			la = VARSIZE_ANY_EXHDR(a);
	int			lb = VARSIZE_ANY_EXHDR(b);
	BtCounts   *bc;
	int32		i,
				j;

	if (la == lb && memcmp(VARDATA_ANY(a), VARDATA_ANY(b), la) == 0)
		bt_self_comparison();
	if (weight == 0)
	{
		/* contributes nothing: do not even register the items */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	bc = bt_trans_state(fcinfo, BT_IDS_TEXT);
	i = bt_counts_item_text(bc, VARDATA_ANY(a), la);
	j = bt_counts_item_text(bc, VARDATA_ANY(b), lb);
	bt_log_add(bc, i, j, bt_outcome_class(outcome), weight);
	PG_RETURN_DATUM(EOHPGetRWDatum(&bc->hdr));
}

static Datum
bt_trans_int8(FunctionCallInfo fcinfo, double outcome, double weight)
{
	int64		a = PG_GETARG_INT64(1);
	int64		b = PG_GETARG_INT64(2);
	BtCounts   *bc;

	if (a == b)
		bt_self_comparison();
	if (weight == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	bc = bt_trans_state(fcinfo, BT_IDS_INT8);
	bt_counts_add_ids(bc, a, b, bt_outcome_class(outcome), weight);
	PG_RETURN_DATUM(EOHPGetRWDatum(&bc->hdr));
}

/*
 * bt_counts_trans(state, first text, second text, outcome float8,
 *                 weight float8): rows with a NULL item or outcome are
 * skipped, a NULL weight counts 1, a zero weight is skipped.
 */
PG_FUNCTION_INFO_V1(bt_counts_trans);
Datum
bt_counts_trans(PG_FUNCTION_ARGS)
{
	double		outcome,
				weight;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	outcome = PG_GETARG_FLOAT8(3);
	weight = PG_ARGISNULL(4) ? 1.0 : PG_GETARG_FLOAT8(4);
	bt_check_row(outcome, weight);
	return bt_trans_text(fcinfo, outcome, weight);
}

/* bt_counts_trans_int8: the same with bigint ids */
PG_FUNCTION_INFO_V1(bt_counts_trans_int8);
Datum
bt_counts_trans_int8(PG_FUNCTION_ARGS)
{
	double		outcome,
				weight;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	outcome = PG_GETARG_FLOAT8(3);
	weight = PG_ARGISNULL(4) ? 1.0 : PG_GETARG_FLOAT8(4);
	bt_check_row(outcome, weight);
	return bt_trans_int8(fcinfo, outcome, weight);
}

/* bt_counts_trans_wl(state, winner text, loser text) */
PG_FUNCTION_INFO_V1(bt_counts_trans_wl);
Datum
bt_counts_trans_wl(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return bt_trans_text(fcinfo, 1.0, 1.0);
}

/* bt_counts_trans_wl_int8(state, winner bigint, loser bigint) */
PG_FUNCTION_INFO_V1(bt_counts_trans_wl_int8);
Datum
bt_counts_trans_wl_int8(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return bt_trans_int8(fcinfo, 1.0, 1.0);
}

/*
 * bt_counts_combine(a, b): the union of two states (combine function of
 * every bt_counts aggregate and transition of bt_counts_merge).  Updates
 * a in place when it is the aggregate's own expanded state; b is read in
 * place (a stored value is not expanded into a hash of its own).
 */
PG_FUNCTION_INFO_V1(bt_counts_combine);
Datum
bt_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BtCountsView src;
	BtCounts   *dst;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	aggcxt = pc_agg_context(fcinfo, "bt_counts_combine");
	bt_counts_get_view(PG_GETARG_DATUM(1), &src);
	if (PG_ARGISNULL(0))
		dst = bt_counts_new(aggcxt, src.kind, src.n_items, src.n_pairs);
	else
		dst = bt_counts_expanded(PG_GETARG_DATUM(0), aggcxt);
	bt_counts_merge_view(dst, &src);
	PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
}

/*
 * bt_counts_final(state): final function of the bt_counts aggregates.
 * Without one, the executor copies an aggregate's result into its output
 * memory, which for an expanded state means flattening it: 32 bytes a
 * pair written to fresh memory, only for bt_fit(bt_counts(...)) to read
 * them once.  This returns the state itself instead, read-only, through
 * an expanded-object pointer allocated in the current (output) memory
 * context, which the executor takes as it is: bt_fit reads the state in
 * place, and whatever stores or sends the value flattens it then.  The
 * state lives in the aggregate's memory until the aggregate is reset for
 * its next group or rescan, after the output row has been consumed.
 */
PG_FUNCTION_INFO_V1(bt_counts_final);
Datum
bt_counts_final(PG_FUNCTION_ARGS)
{
	varattrib_1b_e *ptr;
	varatt_expanded ve;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!bt_counts_is_ours(PG_GETARG_DATUM(0)))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	ve.eohptr = DatumGetEOHP(PG_GETARG_DATUM(0));
	ptr = palloc(EXPANDED_POINTER_SIZE);
	SET_VARTAG_EXTERNAL(ptr, VARTAG_EXPANDED_RO);
	memcpy(VARDATA_EXTERNAL(ptr), &ve, sizeof(ve));
	PG_RETURN_POINTER(ptr);
}
