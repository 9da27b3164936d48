/*-------------------------------------------------------------------------
 *
 * bt_counts.c
 *	  The bt_counts type (pair counts of Bradley-Terry comparisons) and the
 *	  aggregates that build and merge it.
 *
 * In memory the state is an expanded object (utils/expandeddatum.h): two
 * open-addressing hash tables (items, ordered pairs) over arrays that
 * grow by doubling, in a memory context of its own under the aggregate's
 * context.  The aggregate keeps the read/write expanded datum as its
 * transition value, so nodeAgg neither copies nor flattens it between
 * rows and each row costs two item lookups and one pair lookup, amortised
 * O(1) and without allocation.  The state is flattened (bt_counts.h
 * describes the stored form) only when it leaves the aggregate: stored in
 * a table, sent to a parallel leader or to a Citus coordinator.
 *
 * Functions, in order: the hash tables, the expanded-object methods and
 * the flat reader, text and binary I/O, then the transition and combine
 * functions.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"

#include <math.h>

#include "bt_text.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

static Size bt_counts_get_flat_size(ExpandedObjectHeader *eohptr);
static void bt_counts_flatten_into(ExpandedObjectHeader *eohptr,
								   void *result, Size allocated_size);

static const ExpandedObjectMethods bt_counts_methods =
{
	bt_counts_get_flat_size,
	bt_counts_flatten_into
};

static inline uint32
bt_mix64(uint64 x)
{
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return (uint32) x;
}

static inline uint32
bt_pair_hash(int32 i, int32 j)
{
	return bt_mix64(((uint64) (uint32) i << 32) | (uint32) j);
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

/*
 * A new empty state in a memory context of its own under parent.
 */
BtCounts *
bt_counts_new(MemoryContext parent, int kind)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "bt_counts",
											  ALLOCSET_DEFAULT_SIZES);
	BtCounts   *bc = MemoryContextAllocZero(cxt, sizeof(BtCounts));

	EOH_init_header(&bc->hdr, &bt_counts_methods, cxt);
	bc->kind = kind;
	bc->cap_items = 64;
	bc->ihash = MemoryContextAlloc(cxt, sizeof(uint32) * bc->cap_items);
	if (kind == BT_IDS_INT8)
		bc->ids = MemoryContextAlloc(cxt, sizeof(int64) * bc->cap_items);
	bc->off = MemoryContextAllocZero(cxt, sizeof(uint32) * (bc->cap_items + 1));
	bc->names_cap = 1024;
	bc->names = MemoryContextAlloc(cxt, bc->names_cap);
	bc->imask = 127;
	bc->islot = MemoryContextAlloc(cxt, sizeof(int32) * (bc->imask + 1));
	memset(bc->islot, 0xff, sizeof(int32) * (bc->imask + 1));

	bc->cap_pairs = 256;
	bc->pi = MemoryContextAlloc(cxt, sizeof(int32) * bc->cap_pairs);
	bc->pj = MemoryContextAlloc(cxt, sizeof(int32) * bc->cap_pairs);
	bc->w1 = MemoryContextAlloc(cxt, sizeof(double) * bc->cap_pairs);
	bc->w2 = MemoryContextAlloc(cxt, sizeof(double) * bc->cap_pairs);
	bc->wt = MemoryContextAlloc(cxt, sizeof(double) * bc->cap_pairs);
	bc->pmask = 511;
	bc->pslot = MemoryContextAlloc(cxt, sizeof(int32) * (bc->pmask + 1));
	memset(bc->pslot, 0xff, sizeof(int32) * (bc->pmask + 1));
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
			bc->ids = MemoryContextAlloc(bc->hdr.eoh_context,
										 sizeof(int64) * bc->cap_items);
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine bt_counts states with %s and %s item ids",
					bt_kind_name(bc->kind), bt_kind_name(kind)),
			 errhint("Use one item id type (text or bigint) for all comparisons.")));
}

static void
bt_items_grow(BtCounts *bc)
{
	MemoryContext cxt = bc->hdr.eoh_context;
	int32		ncap = bc->cap_items * 2;
	uint32		nmask = (bc->imask + 1) * 2 - 1;

	if (bc->n_items >= BT_MAX_ITEMS)
		bt_too_many("items", BT_MAX_ITEMS);
	bc->ihash = repalloc_huge(bc->ihash, sizeof(uint32) * ncap);
	if (bc->ids)
		bc->ids = repalloc_huge(bc->ids, sizeof(int64) * ncap);
	bc->off = repalloc_huge(bc->off, sizeof(uint32) * (ncap + 1));
	bc->cap_items = ncap;
	pfree(bc->islot);
	bc->islot = MemoryContextAllocHuge(cxt, sizeof(int32) * (nmask + 1));
	memset(bc->islot, 0xff, sizeof(int32) * (nmask + 1));
	bc->imask = nmask;
	for (int32 k = 0; k < bc->n_items; k++)
	{
		uint32		s = bc->ihash[k] & nmask;

		while (bc->islot[s] >= 0)
			s = (s + 1) & nmask;
		bc->islot[s] = k;
	}
}

int32
bt_counts_find_text(const BtCounts *bc, const char *str, int len)
{
	uint32		h = hash_bytes((const unsigned char *) str, len);
	uint32		s = h & bc->imask;

	for (;;)
	{
		int32		k = bc->islot[s];

		if (k < 0)
			return -1;
		if (bc->ihash[k] == h &&
			bc->off[k + 1] - bc->off[k] - 1 == (uint32) len &&
			memcmp(bc->names + bc->off[k], str, len) == 0)
			return k;
		s = (s + 1) & bc->imask;
	}
}

int32
bt_counts_find_int8(const BtCounts *bc, int64 id)
{
	uint32		h = bt_mix64((uint64) id);
	uint32		s = h & bc->imask;

	for (;;)
	{
		int32		k = bc->islot[s];

		if (k < 0)
			return -1;
		if (bc->ids[k] == id)
			return k;
		s = (s + 1) & bc->imask;
	}
}

/* index of the item named str[0..len), added when new */
int32
bt_counts_item_text(BtCounts *bc, const char *str, int len)
{
	uint32		h = hash_bytes((const unsigned char *) str, len);
	uint32		s = h & bc->imask;
	int32		k;

	Assert(bc->kind == BT_IDS_TEXT);
	for (;;)
	{
		k = bc->islot[s];
		if (k < 0)
			break;
		if (bc->ihash[k] == h &&
			bc->off[k + 1] - bc->off[k] - 1 == (uint32) len &&
			memcmp(bc->names + bc->off[k], str, len) == 0)
			return k;
		s = (s + 1) & bc->imask;
	}
	/* new item */
	if ((uint32) (bc->n_items + 1) * 2 > bc->imask + 1 ||
		bc->n_items + 1 >= bc->cap_items)
	{
		bt_items_grow(bc);
		s = h & bc->imask;
		while (bc->islot[s] >= 0)
			s = (s + 1) & bc->imask;
	}
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
	k = bc->n_items++;
	memcpy(bc->names + bc->names_len, str, len);
	bc->names[bc->names_len + len] = '\0';
	bc->off[k] = bc->names_len;
	bc->names_len += len + 1;
	bc->off[k + 1] = bc->names_len;
	bc->ihash[k] = h;
	bc->islot[s] = k;
	return k;
}

int32
bt_counts_item_int8(BtCounts *bc, int64 id)
{
	uint32		h = bt_mix64((uint64) id);
	uint32		s = h & bc->imask;
	int32		k;

	Assert(bc->kind == BT_IDS_INT8);
	for (;;)
	{
		k = bc->islot[s];
		if (k < 0)
			break;
		if (bc->ids[k] == id)
			return k;
		s = (s + 1) & bc->imask;
	}
	if ((uint32) (bc->n_items + 1) * 2 > bc->imask + 1 ||
		bc->n_items + 1 >= bc->cap_items)
	{
		bt_items_grow(bc);
		s = h & bc->imask;
		while (bc->islot[s] >= 0)
			s = (s + 1) & bc->imask;
	}
	k = bc->n_items++;
	bc->ids[k] = id;
	bc->ihash[k] = h;
	bc->islot[s] = k;
	return k;
}

static void
bt_pairs_grow(BtCounts *bc)
{
	MemoryContext cxt = bc->hdr.eoh_context;
	int32		ncap;
	uint32		nmask = (bc->pmask + 1) * 2 - 1;

	if (bc->n_pairs >= BT_MAX_PAIRS)
		bt_too_many("ordered pairs", BT_MAX_PAIRS);
	ncap = Min(bc->cap_pairs * 2, BT_MAX_PAIRS);
	bc->pi = repalloc_huge(bc->pi, sizeof(int32) * ncap);
	bc->pj = repalloc_huge(bc->pj, sizeof(int32) * ncap);
	bc->w1 = repalloc_huge(bc->w1, sizeof(double) * ncap);
	bc->w2 = repalloc_huge(bc->w2, sizeof(double) * ncap);
	bc->wt = repalloc_huge(bc->wt, sizeof(double) * ncap);
	bc->cap_pairs = ncap;
	if ((uint32) ncap * 2 > bc->pmask + 1)
	{
		pfree(bc->pslot);
		bc->pslot = MemoryContextAllocHuge(cxt, sizeof(int32) * (nmask + 1));
		memset(bc->pslot, 0xff, sizeof(int32) * (nmask + 1));
		bc->pmask = nmask;
		for (int32 k = 0; k < bc->n_pairs; k++)
		{
			uint32		s = bt_pair_hash(bc->pi[k], bc->pj[k]) & nmask;

			while (bc->pslot[s] >= 0)
				s = (s + 1) & nmask;
			bc->pslot[s] = k;
		}
	}
}

/*
 * Add counts to ordered pair (i, j); returns true when the pair is new.
 */
bool
bt_counts_add(BtCounts *bc, int32 i, int32 j, double w1, double w2, double wt)
{
	uint32		h = bt_pair_hash(i, j);
	uint32		s = h & bc->pmask;
	int32		k;

	for (;;)
	{
		k = bc->pslot[s];
		if (k < 0)
			break;
		if (bc->pi[k] == i && bc->pj[k] == j)
		{
			bc->w1[k] += w1;
			bc->w2[k] += w2;
			bc->wt[k] += wt;
			return false;
		}
		s = (s + 1) & bc->pmask;
	}
	if (bc->n_pairs >= bc->cap_pairs)
	{
		bt_pairs_grow(bc);
		s = h & bc->pmask;
		while (bc->pslot[s] >= 0)
			s = (s + 1) & bc->pmask;
	}
	k = bc->n_pairs++;
	bc->pi[k] = i;
	bc->pj[k] = j;
	bc->w1[k] = w1;
	bc->w2[k] = w2;
	bc->wt[k] = wt;
	bc->pslot[s] = k;
	return true;
}

/* add every pair of src to dst */
void
bt_counts_merge_into(BtCounts *dst, const BtCounts *src)
{
	int32	   *map;

	if (src->n_pairs == 0)
		return;
	bt_counts_set_kind(dst, src->kind);
	map = palloc(sizeof(int32) * Max(src->n_items, 1));
	for (int32 k = 0; k < src->n_items; k++)
	{
		if (src->kind == BT_IDS_TEXT)
			map[k] = bt_counts_item_text(dst, bt_counts_name(src, k),
										 src->off[k + 1] - src->off[k] - 1);
		else
			map[k] = bt_counts_item_int8(dst, src->ids[k]);
	}
	for (int32 k = 0; k < src->n_pairs; k++)
		bt_counts_add(dst, map[src->pi[k]], map[src->pj[k]],
					  src->w1[k], src->w2[k], src->wt[k]);
	pfree(map);
}

/* ---------- expanded-object methods and the flat reader ---------- */

static Size
bt_items_flat_size(const BtCounts *bc)
{
	if (bc->kind == BT_IDS_INT8)
		return sizeof(int64) * bc->n_items;
	if (bc->kind == BT_IDS_TEXT)
		return TYPEALIGN(8, sizeof(uint32) * (bc->n_items + 1)) +
			TYPEALIGN(8, bc->names_len);
	return 0;
}

static Size
bt_counts_get_flat_size(ExpandedObjectHeader *eohptr)
{
	BtCounts   *bc = (BtCounts *) eohptr;
	Size		sz = BT_COUNTS_HDRSZ + bt_items_flat_size(bc) +
		(Size) bc->n_pairs * (2 * sizeof(int32) + 3 * sizeof(double));

	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bt_counts state too large to store (%zu bytes)", sz),
				 errdetail("Stored values are limited to 1 GB.")));
	return sz;
}

static void
bt_counts_flatten_into(ExpandedObjectHeader *eohptr, void *result,
					   Size allocated_size)
{
	BtCounts   *bc = (BtCounts *) eohptr;
	BtCountsFlat *f = (BtCountsFlat *) result;
	char	   *p = (char *) result + BT_COUNTS_HDRSZ;
	Size		np = bc->n_pairs;

	memset(result, 0, allocated_size);
	SET_VARSIZE(f, allocated_size);
	f->version = BT_COUNTS_VERSION;
	f->kind = bc->kind;
	f->n_items = bc->n_items;
	f->n_pairs = bc->n_pairs;
	f->names_len = bc->kind == BT_IDS_TEXT ? (int32) bc->names_len : 0;
	if (bc->kind == BT_IDS_INT8)
	{
		memcpy(p, bc->ids, sizeof(int64) * bc->n_items);
		p += sizeof(int64) * bc->n_items;
	}
	else if (bc->kind == BT_IDS_TEXT)
	{
		memcpy(p, bc->off, sizeof(uint32) * (bc->n_items + 1));
		p += TYPEALIGN(8, sizeof(uint32) * (bc->n_items + 1));
		memcpy(p, bc->names, bc->names_len);
		p += TYPEALIGN(8, bc->names_len);
	}
	memcpy(p, bc->pi, sizeof(int32) * np);
	p += sizeof(int32) * np;
	memcpy(p, bc->pj, sizeof(int32) * np);
	p += sizeof(int32) * np;
	memcpy(p, bc->w1, sizeof(double) * np);
	p += sizeof(double) * np;
	memcpy(p, bc->w2, sizeof(double) * np);
	p += sizeof(double) * np;
	memcpy(p, bc->wt, sizeof(double) * np);
	p += sizeof(double) * np;
	Assert(p == (char *) result + allocated_size);
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
 * Read a stored value into a new expanded state, checking every size,
 * index and weight (stored bytes are not trusted).
 */
static BtCounts *
bt_counts_expand_flat(const BtCountsFlat *f, MemoryContext parent)
{
	Size		total = VARSIZE(f);
	const char *p = (const char *) f + BT_COUNTS_HDRSZ;
	const char *end = (const char *) f + total;
	BtCounts   *bc;
	int32	   *map;
	const int32 *pi,
			   *pj;
	const double *w1,
			   *w2,
			   *wt;
	Size		need;

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
	need = BT_COUNTS_HDRSZ + (Size) f->n_pairs * (2 * sizeof(int32) + 3 * sizeof(double));
	if (f->kind == BT_IDS_INT8)
		need += sizeof(int64) * f->n_items;
	else if (f->kind == BT_IDS_TEXT)
		need += TYPEALIGN(8, sizeof(uint32) * (f->n_items + 1)) +
			TYPEALIGN(8, (Size) f->names_len);
	if (need != total)
		bt_flat_corrupt("The size does not match the header.");

	bc = bt_counts_new(parent, f->kind);
	map = palloc(sizeof(int32) * Max(f->n_items, 1));
	if (f->kind == BT_IDS_INT8)
	{
		for (int32 k = 0; k < f->n_items; k++)
		{
			int64		id;

			memcpy(&id, p + k * sizeof(int64), sizeof(int64));
			map[k] = bt_counts_item_int8(bc, id);
			if (map[k] != k)
				bt_flat_corrupt("An item id appears twice.");
		}
		p += sizeof(int64) * f->n_items;
	}
	else if (f->kind == BT_IDS_TEXT)
	{
		const char *names = p + TYPEALIGN(8, sizeof(uint32) * (f->n_items + 1));

		for (int32 k = 0; k < f->n_items; k++)
		{
			uint32		o0,
						o1;

			memcpy(&o0, p + k * sizeof(uint32), sizeof(uint32));
			memcpy(&o1, p + (k + 1) * sizeof(uint32), sizeof(uint32));
			if (o1 <= o0 || o1 > (uint32) f->names_len ||
				names[o1 - 1] != '\0' || memchr(names + o0, '\0', o1 - o0 - 1))
				bt_flat_corrupt("An item name is malformed.");
			map[k] = bt_counts_item_text(bc, names + o0, o1 - o0 - 1);
			if (map[k] != k)
				bt_flat_corrupt("An item name appears twice.");
		}
		p = names + TYPEALIGN(8, (Size) f->names_len);
	}
	pi = (const int32 *) p;
	pj = pi + f->n_pairs;
	w1 = (const double *) (pj + f->n_pairs);
	w2 = w1 + f->n_pairs;
	wt = w2 + f->n_pairs;
	Assert((const char *) (wt + f->n_pairs) == end);
	for (int32 k = 0; k < f->n_pairs; k++)
	{
		if (pi[k] < 0 || pi[k] >= f->n_items || pj[k] < 0 ||
			pj[k] >= f->n_items || pi[k] == pj[k])
			bt_flat_corrupt("A pair refers to an unknown item or to itself.");
		if (!(w1[k] >= 0 && w2[k] >= 0 && wt[k] >= 0) ||
			!isfinite(w1[k] + w2[k] + wt[k]))
			bt_flat_corrupt("A pair holds a negative or non-finite count.");
		if (!bt_counts_add(bc, pi[k], pj[k], w1[k], w2[k], wt[k]))
			bt_flat_corrupt("A pair appears twice.");
	}
	pfree(map);
	(void) end;
	return bc;
}

bool
bt_counts_is_ours(Datum d)
{
	return VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == &bt_counts_methods;
}

/*
 * The state behind d: the expanded object itself when d points to one
 * (*copied = false), else a new expanded copy in parent (*copied = true).
 */
BtCounts *
bt_counts_from_datum(Datum d, MemoryContext parent, bool *copied)
{
	BtCountsFlat *f;
	BtCounts   *bc;

	if (bt_counts_is_ours(d))
	{
		*copied = false;
		return (BtCounts *) DatumGetEOHP(d);
	}
	f = (BtCountsFlat *) PG_DETOAST_DATUM(d);
	bc = bt_counts_expand_flat(f, parent);
	if ((Pointer) f != DatumGetPointer(d))
		pfree(f);
	*copied = true;
	return bc;
}

/* a palloc'd flat copy of the state */
static Datum
bt_counts_flat_datum(BtCounts *bc)
{
	Size		sz = bt_counts_get_flat_size(&bc->hdr);
	void	   *res = palloc(sz);

	bt_counts_flatten_into(&bc->hdr, res, sz);
	return PointerGetDatum(res);
}

static void
bt_counts_free(BtCounts *bc)
{
	MemoryContextDelete(bc->hdr.eoh_context);
}

/* ---------- text and binary I/O ---------- */

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
	BtCounts   *bc;
	char	   *kname;
	int			len;
	int			kind;
	Datum		res;

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
	bc = bt_counts_new(CurrentMemoryContext, kind);
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

				i = bt_counts_item_text(bc, a, len);
				bt_lex_expect(&lx, ',');
				a = bt_lex_string(&lx, &len);
				j = bt_counts_item_text(bc, a, len);
			}
			else
			{
				i = bt_counts_item_int8(bc, bt_lex_int8(&lx));
				bt_lex_expect(&lx, ',');
				j = bt_counts_item_int8(bc, bt_lex_int8(&lx));
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
			bt_lex_expect(&lx, ']');
			if (bc->n_pairs >= BT_MAX_PAIRS)
				bt_too_many("ordered pairs", BT_MAX_PAIRS);
			if (!bt_counts_add(bc, i, j, w[0], w[1], w[2]))
				bt_lex_error(&lx, "each ordered pair once");
		} while (bt_lex_accept(&lx, ','));
		bt_lex_expect(&lx, ']');
	}
	bt_lex_expect(&lx, '}');
	bt_lex_end(&lx);
	res = bt_counts_flat_datum(bc);
	bt_counts_free(bc);
	PG_RETURN_DATUM(res);
}

/*
 * bt_counts_out(bt_counts) -> cstring, every count in shortest exact form
 */
PG_FUNCTION_INFO_V1(bt_counts_out);
Datum
bt_counts_out(PG_FUNCTION_ARGS)
{
	bool		copied;
	BtCounts   *bc = bt_counts_from_datum(PG_GETARG_DATUM(0),
										  CurrentMemoryContext, &copied);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"ids\": \"%s\", \"pairs\": [",
					 BT_COUNTS_VERSION, bt_kind_name(bc->kind));
	for (int32 k = 0; k < bc->n_pairs; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoChar(&buf, '[');
		if (bc->kind == BT_IDS_TEXT)
		{
			bt_append_json_string(&buf, bt_counts_name(bc, bc->pi[k]));
			appendStringInfoString(&buf, ", ");
			bt_append_json_string(&buf, bt_counts_name(bc, bc->pj[k]));
		}
		else
			appendStringInfo(&buf, INT64_FORMAT ", " INT64_FORMAT,
							 bc->ids[bc->pi[k]], bc->ids[bc->pj[k]]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, bc->w1[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, bc->w2[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, bc->wt[k]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	if (copied)
		bt_counts_free(bc);
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
	bool		copied;
	BtCounts   *bc = bt_counts_from_datum(PG_GETARG_DATUM(0),
										  CurrentMemoryContext, &copied);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, BT_COUNTS_VERSION);
	pq_sendint32(&buf, bc->kind);
	pq_sendint32(&buf, bc->n_items);
	for (int32 k = 0; k < bc->n_items; k++)
	{
		if (bc->kind == BT_IDS_TEXT)
		{
			const char *s = bt_counts_name(bc, k);
			int			len = bc->off[k + 1] - bc->off[k] - 1;
			char	   *conv = pg_server_to_client(s, len);
			int			clen = (conv != s) ? (int) strlen(conv) : len;

			pq_sendint32(&buf, clen);
			pq_sendbytes(&buf, conv, clen);
		}
		else
			pq_sendint64(&buf, bc->ids[k]);
	}
	pq_sendint32(&buf, bc->n_pairs);
	for (int32 k = 0; k < bc->n_pairs; k++)
	{
		pq_sendint32(&buf, bc->pi[k]);
		pq_sendint32(&buf, bc->pj[k]);
		pq_sendfloat8(&buf, bc->w1[k]);
		pq_sendfloat8(&buf, bc->w2[k]);
		pq_sendfloat8(&buf, bc->wt[k]);
	}
	if (copied)
		bt_counts_free(bc);
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
	BtCounts   *bc;
	Datum		res;

	if (version != BT_COUNTS_VERSION)
		bt_recv_error("Unsupported format version.");
	kind = pq_getmsgint(msg, 4);
	n_items = pq_getmsgint(msg, 4);
	if (kind < BT_IDS_NONE || kind > BT_IDS_INT8 || n_items < 0 ||
		n_items > BT_MAX_ITEMS || (kind == BT_IDS_NONE && n_items != 0))
		bt_recv_error("Impossible id kind or item count.");
	bc = bt_counts_new(CurrentMemoryContext, kind);
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
			got = bt_counts_item_text(bc, s, len);
		}
		else
			got = bt_counts_item_int8(bc, pq_getmsgint64(msg));
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
		if (!bt_counts_add(bc, i, j, w1, w2, wt))
			bt_recv_error("A pair appears twice.");
	}
	if (msg->cursor != msg->len)
		bt_recv_error("Trailing bytes.");
	res = bt_counts_flat_datum(bc);
	bt_counts_free(bc);
	PG_RETURN_DATUM(res);
}

/* ---------- aggregate support ---------- */

/* outcome in {0, 0.5, 1}, weight finite and >= 0 */
static void
bt_check_row(double outcome, double weight)
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
	MemoryContext aggcxt = pc_agg_context(fcinfo, "bt_counts transition function");
	BtCounts   *bc;
	bool		copied;

	if (PG_ARGISNULL(0))
		bc = bt_counts_new(aggcxt, kind);
	else
		bc = bt_counts_from_datum(PG_GETARG_DATUM(0), aggcxt, &copied);
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
	bt_counts_add(bc, i, j,
				  outcome == 1.0 ? weight : 0.0,
				  outcome == 0.0 ? weight : 0.0,
				  outcome == 0.5 ? weight : 0.0);
	PG_RETURN_DATUM(EOHPGetRWDatum(&bc->hdr));
}

static Datum
bt_trans_int8(FunctionCallInfo fcinfo, double outcome, double weight)
{
	int64		a = PG_GETARG_INT64(1);
	int64		b = PG_GETARG_INT64(2);
	BtCounts   *bc;
	int32		i,
				j;

	if (a == b)
		bt_self_comparison();
	if (weight == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	bc = bt_trans_state(fcinfo, BT_IDS_INT8);
	i = bt_counts_item_int8(bc, a);
	j = bt_counts_item_int8(bc, b);
	bt_counts_add(bc, i, j,
				  outcome == 1.0 ? weight : 0.0,
				  outcome == 0.0 ? weight : 0.0,
				  outcome == 0.5 ? weight : 0.0);
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
 * a in place when it is the aggregate's own expanded state.
 */
PG_FUNCTION_INFO_V1(bt_counts_combine);
Datum
bt_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BtCounts   *dst,
			   *src;
	bool		copied,
				src_copied;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	aggcxt = pc_agg_context(fcinfo, "bt_counts_combine");
	src = bt_counts_from_datum(PG_GETARG_DATUM(1), CurrentMemoryContext,
							   &src_copied);
	if (PG_ARGISNULL(0))
		dst = bt_counts_new(aggcxt, src->kind);
	else
		dst = bt_counts_from_datum(PG_GETARG_DATUM(0), aggcxt, &copied);
	bt_counts_merge_into(dst, src);
	if (src_copied)
		bt_counts_free(src);
	PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
}
