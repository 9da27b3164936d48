/*-------------------------------------------------------------------------
 *
 * bt_counts.c
 *	  The bt_counts state (pair counts of Bradley-Terry comparisons): its
 *	  creation and its hash of items.
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
 * The state's files: this one holds the state's creation and its item
 * hash; bt_counts_merge.c the pairs, the log and the merges;
 * bt_counts_flat.c the stored form and views; bt_counts_io.c text and
 * binary I/O; bt_counts_agg.c the transition, combine and final
 * functions; bt_counts_int.h what they share.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"
#include "bt_counts_int.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"

void
bt_too_many(const char *what, int64 cap)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("bt_state value exceeds %lld distinct %s",
					(long long) cap, what),
			 errdetail("A bt_state value holds at most %d distinct ordered pairs and %d items.",
					   BT_MAX_PAIRS, BT_MAX_ITEMS),
			 errhint("Aggregate subsets (for example by date) into separate states.")));
}

/* log2 of a table size that holds count entries below the load limit */
int
bt_bits_for(int64 count, int minbits)
{
	int			bits = minbits;

	/* load <= 1/2 */
	while (((int64) 1 << (bits - 1)) < count)
		bits++;
	return bits;
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
	MemoryContext cxt = AllocSetContextCreate(parent, "bt_state",
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
void
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
			 errmsg("cannot combine bt_state states with %s and %s item ids",
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
 * The bigint rows waiting for their item lookups: prefetch their item
 * slots, then look them up and log them.
 */
void
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

