/*-------------------------------------------------------------------------
 *
 * bt_boot.c
 *	  The Bradley-Terry bootstrap: the bt_bootstrap_state type (the pair
 *	  counts of bt_counts plus, per ordered pair, the counts of every
 *	  Poisson-bootstrap replicate), its text and binary I/O, the
 *	  bt_bootstrap and bt_bootstrap_merge aggregates, and the readers that
 *	  fit the replicates one by one with bt_fit's solver: bt_replicates,
 *	  bt_ci, bt_ci_predict and bt_ci_summary.  The method is in
 *	  doc/uncertainty.md.
 *
 * Replicate weights: replicate b gives every row of cluster key c the
 * weight k_b(c), the generator of calibration_bootstrap (boot.h), so the
 * same seed and key give the same weights in both and their replicates
 * are paired.
 *
 * Value layout (one MAXALIGNed varlena; the transition updates it in
 * place and grows it by doubling):
 *
 *	header	  BtbState below
 *	off		  uint32[cap_items + 1]: item k's name is names + off[k],
 *			  NUL-terminated, length off[k + 1] - off[k] - 1
 *	names	  char[names_cap]
 *	first	  int32[cap_pairs], then second int32[cap_pairs]: the pairs
 *	counts	  per pair 3 x (R + 1) doubles: first won, second won, tie,
 *			  each as the count of all the rows (weight w) then the
 *			  counts of replicates 1 .. R (weights k_b w)
 *	islot	  int32[2^ibits], item + 1 or 0 (only in the working form)
 *	pslot	  int32[2^pbits], pair + 1 or 0 (only in the working form)
 *
 * The working form (flag BTB_F_INDEXED) has room to grow and the two hash
 * indexes; the stored form (the aggregates' results, the input
 * functions') has neither, and in the aggregates' results the items are
 * sorted by name and the pairs by (first, second), so equal rows give
 * equal values whatever the plan.  A state takes 24 (R + 1) + 8 bytes per
 * ordered pair plus its names (4.8 kB a pair at 200 replicates).
 *
 * Text form (version 1; pc_json.h), keys in this order:
 *
 *	{"version": 1, "replicates": R, "seed": S, "items": ["a", ...],
 *	 "first": [i, ...], "second": [j, ...], "counts": [...]}
 *
 * counts holding each pair's 3 (R + 1) numbers in the order above, every
 * float8 in its shortest round-trip form.  Binary form: int16 version,
 * int16 flags (0), int32 R, int64 seed, int32 items, int32 pairs, each
 * name as int32 length and bytes, first[], second[], counts[] (float8).
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <float.h>
#include <math.h>

#include "boot.h"
#include "bt_counts.h"
#include "bt_fit.h"
#include "pc_json.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "kernels.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#define TYPNAME "bt_bootstrap_state"
#define BTB_VERSION 1
#define BTB_F_INDEXED 0x0001
/* a value must stay below PostgreSQL's 1 GB limit */
#define BTB_MAX_BYTES ((Size) 1000 * 1000 * 1000)

typedef struct BtbState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		version;
	uint16		flags;
	int32		replicates;
	int64		seed;
	int32		n_items;
	int32		n_pairs;
	int32		cap_items;
	int32		cap_pairs;
	int64		names_len;
	int64		names_cap;
	int32		ibits;			/* 0 without the item index */
	int32		pbits;			/* 0 without the pair index */
} BtbState;

StaticAssertDecl(sizeof(BtbState) == 64, "BtbState is not 64 bytes");

#define PG_GETARG_BTB_P(n) ((BtbState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* doubles per pair */
static inline Size
btb_rec(int32 replicates)
{
	return (Size) 3 * (replicates + 1);
}

static inline Size
btb_off_names(int32 cap_items)
{
	return sizeof(BtbState) + TYPEALIGN(8, sizeof(uint32) * ((Size) cap_items + 1));
}

static inline Size
btb_off_pairs(int32 cap_items, int64 names_cap)
{
	return btb_off_names(cap_items) + TYPEALIGN(8, (Size) names_cap);
}

static inline Size
btb_off_counts(int32 cap_items, int64 names_cap, int32 cap_pairs)
{
	return btb_off_pairs(cap_items, names_cap) + TYPEALIGN(8, 2 * sizeof(int32) * (Size) cap_pairs);
}

static inline Size
btb_off_islot(int32 replicates, int32 cap_items, int64 names_cap, int32 cap_pairs)
{
	return btb_off_counts(cap_items, names_cap, cap_pairs) +
		sizeof(double) * btb_rec(replicates) * (Size) cap_pairs;
}

static inline Size
btb_slots(int32 bits)
{
	return bits > 0 ? (Size) 1 << bits : 0;
}

static inline Size
btb_size(int32 replicates, int32 cap_items, int64 names_cap, int32 cap_pairs,
		 int32 ibits, int32 pbits)
{
	return btb_off_islot(replicates, cap_items, names_cap, cap_pairs) +
		sizeof(int32) * (btb_slots(ibits) + btb_slots(pbits));
}

static inline uint32 *
btb_off(const BtbState *s)
{
	return (uint32 *) ((char *) s + sizeof(BtbState));
}

static inline char *
btb_names(const BtbState *s)
{
	return (char *) s + btb_off_names(s->cap_items);
}

static inline int32 *
btb_first(const BtbState *s)
{
	return (int32 *) ((char *) s + btb_off_pairs(s->cap_items, s->names_cap));
}

static inline int32 *
btb_second(const BtbState *s)
{
	return btb_first(s) + s->cap_pairs;
}

static inline double *
btb_counts(const BtbState *s)
{
	return (double *) ((char *) s + btb_off_counts(s->cap_items, s->names_cap, s->cap_pairs));
}

static inline int32 *
btb_islot(const BtbState *s)
{
	return (int32 *) ((char *) s + btb_off_islot(s->replicates, s->cap_items,
												 s->names_cap, s->cap_pairs));
}

static inline int32 *
btb_pslot(const BtbState *s)
{
	return btb_islot(s) + btb_slots(s->ibits);
}

static inline const char *
btb_name(const BtbState *s, int32 k)
{
	return btb_names(s) + btb_off(s)[k];
}

static inline int
btb_name_len(const BtbState *s, int32 k)
{
	return (int) (btb_off(s)[k + 1] - btb_off(s)[k] - 1);
}

static inline uint32
btb_pair_hash(int32 i, int32 j)
{
	return (uint32) (pc_mix64(((uint64) (uint32) i << 32) | (uint32) j) >> 32);
}

/* the smallest b with 2^b >= 2 n, at least 4 */
static int32
btb_bits_for(int64 n)
{
	int32		b = 4;

	while (((int64) 1 << b) < 2 * n)
		b++;
	return b;
}

static void
btb_check_replicates(int replicates)
{
	if (replicates < 1 || replicates > BOOT_MAX_REPLICATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicates %d is out of range", replicates),
				 errdetail("The number of bootstrap replicates must be between 1 and %d.",
						   BOOT_MAX_REPLICATES)));
}

/* a zeroed state with these capacities, indexed or not */
static BtbState *
btb_alloc(int32 replicates, int64 seed, int64 cap_items, int64 names_cap,
		  int64 cap_pairs, bool indexed)
{
	int32		ibits = indexed ? btb_bits_for(cap_items) : 0;
	int32		pbits = indexed ? btb_bits_for(cap_pairs) : 0;
	Size		size;
	BtbState   *s;

	btb_check_replicates(replicates);
	if (cap_items > BT_MAX_ITEMS || cap_pairs > BT_MAX_PAIRS ||
		names_cap > (int64) BTB_MAX_BYTES ||
		(double) cap_pairs * btb_rec(replicates) * sizeof(double) > (double) BTB_MAX_BYTES ||
		(size = btb_size(replicates, (int32) cap_items, names_cap, (int32) cap_pairs,
						 ibits, pbits)) > BTB_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a %s of " INT64_FORMAT " ordered pairs and %d replicates is too large",
						TYPNAME, cap_pairs, replicates),
				 errdetail("A state takes %d bytes per ordered pair (24 per replicate and 24 more) and must stay below 1 GB.",
						   (int) (btb_rec(replicates) * sizeof(double) + 8)),
				 errhint("Use fewer replicates.")));
	s = (BtbState *) palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	SET_VARSIZE(s, size);
	s->version = BTB_VERSION;
	s->flags = indexed ? BTB_F_INDEXED : 0;
	s->replicates = replicates;
	s->seed = seed;
	s->cap_items = (int32) cap_items;
	s->cap_pairs = (int32) cap_pairs;
	s->names_cap = names_cap;
	s->ibits = ibits;
	s->pbits = pbits;
	return s;
}

/* item k into the item index */
static void
btb_index_item(BtbState *s, int32 k)
{
	uint32		mask = (uint32) btb_slots(s->ibits) - 1;
	uint32		h = hash_bytes((const unsigned char *) btb_name(s, k), btb_name_len(s, k)) & mask;
	int32	   *slot = btb_islot(s);

	while (slot[h] != 0)
		h = (h + 1) & mask;
	slot[h] = k + 1;
}

static void
btb_index_pair(BtbState *s, int32 p)
{
	uint32		mask = (uint32) btb_slots(s->pbits) - 1;
	uint32		h = btb_pair_hash(btb_first(s)[p], btb_second(s)[p]) & mask;
	int32	   *slot = btb_pslot(s);

	while (slot[h] != 0)
		h = (h + 1) & mask;
	slot[h] = p + 1;
}

/*
 * A working copy of src with room for at least the given numbers of
 * items, name bytes and pairs, indexed.
 */
static BtbState *
btb_working_copy(const BtbState *src, int64 want_items, int64 want_names,
				 int64 want_pairs)
{
	int64		ci = Max(Max(want_items, (int64) src->n_items), 16);
	int64		cn = Max(Max(want_names, src->names_len), 256);
	int64		cp = Max(Max(want_pairs, (int64) src->n_pairs), 64);
	Size		rec = btb_rec(src->replicates);
	BtbState   *s;

	ci = Min(ci, (int64) BT_MAX_ITEMS);
	cp = Min(cp, (int64) BT_MAX_PAIRS);
	s = btb_alloc(src->replicates, src->seed, ci, cn, cp, true);
	s->n_items = src->n_items;
	s->n_pairs = src->n_pairs;
	s->names_len = src->names_len;
	memcpy(btb_off(s), btb_off(src), sizeof(uint32) * ((Size) src->n_items + 1));
	memcpy(btb_names(s), btb_names(src), src->names_len);
	memcpy(btb_first(s), btb_first(src), sizeof(int32) * src->n_pairs);
	memcpy(btb_second(s), btb_second(src), sizeof(int32) * src->n_pairs);
	memcpy(btb_counts(s), btb_counts(src), sizeof(double) * rec * src->n_pairs);
	for (int32 k = 0; k < s->n_items; k++)
		btb_index_item(s, k);
	for (int32 p = 0; p < s->n_pairs; p++)
	{
		btb_index_pair(s, p);
		if ((p & 0xffff) == 0xffff)
			CHECK_FOR_INTERRUPTS();
	}
	return s;
}

/* the index of item (name, len), or -1 */
static int32
btb_find_item(const BtbState *s, const char *name, int len)
{
	uint32		mask = (uint32) btb_slots(s->ibits) - 1;
	uint32		h = hash_bytes((const unsigned char *) name, len) & mask;
	const int32 *slot = btb_islot(s);

	for (; slot[h] != 0; h = (h + 1) & mask)
	{
		int32		k = slot[h] - 1;

		if (btb_name_len(s, k) == len && memcmp(btb_name(s, k), name, len) == 0)
			return k;
	}
	return -1;
}

/* the index of item (name, len), added if new; *sp may move */
static int32
btb_item(BtbState **sp, const char *name, int len)
{
	BtbState   *s = *sp;
	int32		k = btb_find_item(s, name, len);

	if (k >= 0)
		return k;
	if (s->n_items >= s->cap_items || s->names_len + len + 1 > s->names_cap)
	{
		if (s->n_items >= BT_MAX_ITEMS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a %s holds at most %d items", TYPNAME, BT_MAX_ITEMS)));
		s = *sp = btb_working_copy(s, (int64) s->n_items * 2 + 1,
								   (s->names_len + len + 1) * 2, s->cap_pairs);
	}
	k = s->n_items++;
	memcpy(btb_names(s) + s->names_len, name, len);
	btb_names(s)[s->names_len + len] = '\0';
	s->names_len += len + 1;
	btb_off(s)[k + 1] = (uint32) s->names_len;
	btb_index_item(s, k);
	return k;
}

static int32
btb_find_pair(const BtbState *s, int32 i, int32 j)
{
	uint32		mask = (uint32) btb_slots(s->pbits) - 1;
	uint32		h = btb_pair_hash(i, j) & mask;
	const int32 *slot = btb_pslot(s);
	const int32 *fi = btb_first(s);
	const int32 *se = btb_second(s);

	for (; slot[h] != 0; h = (h + 1) & mask)
	{
		int32		p = slot[h] - 1;

		if (fi[p] == i && se[p] == j)
			return p;
	}
	return -1;
}

/* the index of ordered pair (i, j), added with zero counts if new */
static int32
btb_pair(BtbState **sp, int32 i, int32 j)
{
	BtbState   *s = *sp;
	int32		p = btb_find_pair(s, i, j);

	if (p >= 0)
		return p;
	if (s->n_pairs >= s->cap_pairs)
	{
		if (s->n_pairs >= BT_MAX_PAIRS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a %s holds at most %d ordered pairs", TYPNAME, BT_MAX_PAIRS)));
		s = *sp = btb_working_copy(s, s->cap_items, s->names_cap,
								   (int64) s->n_pairs * 2 + 1);
	}
	p = s->n_pairs++;
	btb_first(s)[p] = i;
	btb_second(s)[p] = j;
	btb_index_pair(s, p);
	return p;
}

static pg_noinline void
btb_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("Bradley-Terry bootstrap counts are out of range"),
			 errdetail("A pair's weighted count exceeds 5.6e306, beyond which a replicate (weights up to 17) could overflow."),
			 errhint("Give weights on a scale where 1 means one comparison.")));
}

/* ---------- the stored form: compact, canonical ---------- */

typedef struct BtbOrder
{
	const BtbState *s;
	int32		k;
} BtbOrder;

static int
btb_item_cmp(const void *a, const void *b)
{
	const BtbOrder *x = (const BtbOrder *) a;
	const BtbOrder *y = (const BtbOrder *) b;

	return pc_cmp_bytes(btb_name(x->s, x->k), btb_name_len(x->s, x->k),
						btb_name(y->s, y->k), btb_name_len(y->s, y->k));
}

typedef struct BtbPairOrder
{
	int32		i;
	int32		j;
	int32		p;
} BtbPairOrder;

static int
btb_pair_cmp(const void *a, const void *b)
{
	const BtbPairOrder *x = (const BtbPairOrder *) a;
	const BtbPairOrder *y = (const BtbPairOrder *) b;

	if (x->i != y->i)
		return (x->i > y->i) - (x->i < y->i);
	return (x->j > y->j) - (x->j < y->j);
}

/* the stored form of s: no index, no room, items and pairs sorted */
static BtbState *
btb_canonical(const BtbState *s)
{
	int32		n = s->n_items;
	int32		m = s->n_pairs;
	Size		rec = btb_rec(s->replicates);
	BtbOrder   *ord = palloc(sizeof(BtbOrder) * Max(n, 1));
	int32	   *rank = palloc(sizeof(int32) * Max(n, 1));
	BtbPairOrder *po = palloc_extended(sizeof(BtbPairOrder) * Max(m, 1), MCXT_ALLOC_HUGE);
	BtbState   *t = btb_alloc(s->replicates, s->seed, n, s->names_len, m, false);
	uint32		pos = 0;

	for (int32 k = 0; k < n; k++)
	{
		ord[k].s = s;
		ord[k].k = k;
	}
	qsort(ord, n, sizeof(BtbOrder), btb_item_cmp);
	t->n_items = n;
	t->n_pairs = m;
	t->names_len = s->names_len;
	for (int32 r = 0; r < n; r++)
	{
		int32		k = ord[r].k;
		int			len = btb_name_len(s, k);

		rank[k] = r;
		btb_off(t)[r] = pos;
		memcpy(btb_names(t) + pos, btb_name(s, k), len + 1);
		pos += len + 1;
	}
	btb_off(t)[n] = pos;
	for (int32 p = 0; p < m; p++)
	{
		po[p].i = rank[btb_first(s)[p]];
		po[p].j = rank[btb_second(s)[p]];
		po[p].p = p;
	}
	qsort(po, m, sizeof(BtbPairOrder), btb_pair_cmp);
	for (int32 p = 0; p < m; p++)
	{
		btb_first(t)[p] = po[p].i;
		btb_second(t)[p] = po[p].j;
		memcpy(btb_counts(t) + rec * p, btb_counts(s) + rec * po[p].p,
			   sizeof(double) * rec);
		if ((p & 0xffff) == 0xffff)
			CHECK_FOR_INTERRUPTS();
	}
	return t;
}

/*
 * Everything a stored value must satisfy, for the input functions: the
 * names, distinct items, pairs of two distinct known items given once,
 * counts finite, non-negative and in range, and no replicate count where
 * the rows' count is 0.
 */
static void
btb_validate(const BtbState *s)
{
	Size		rec = btb_rec(s->replicates);
	const uint32 *off = btb_off(s);
	BtbState   *w;

#define BTB_BAD(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), \
			 errmsg("invalid %s", TYPNAME), errdetail(__VA_ARGS__)))

	if (off[0] != 0 || off[s->n_items] != (uint64) s->names_len)
		BTB_BAD("The item names do not add up.");
	for (int32 k = 0; k < s->n_items; k++)
		if (off[k + 1] <= off[k] || btb_names(s)[off[k + 1] - 1] != '\0' ||
			strlen(btb_name(s, k)) != (size_t) btb_name_len(s, k))
			BTB_BAD("Item %d's name is malformed.", k);
	for (int32 p = 0; p < s->n_pairs; p++)
	{
		int32		i = btb_first(s)[p],
					j = btb_second(s)[p];
		const double *c = btb_counts(s) + rec * p;

		if (i < 0 || j < 0 || i >= s->n_items || j >= s->n_items || i == j)
			BTB_BAD("Pair %d refers to an unknown item or to itself.", p);
		for (int cls = 0; cls < 3; cls++)
		{
			const double *r = c + (Size) cls * (s->replicates + 1);

			if (!(r[0] >= 0.0 && r[0] <= BOOT_MAX_TOTAL))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("invalid %s: pair %d's count %g is out of range", TYPNAME, p, r[0])));
			for (int b = 1; b <= s->replicates; b++)
				if (!(r[b] >= 0.0 && r[b] <= DBL_MAX) || (r[0] == 0.0 && r[b] != 0.0))
					BTB_BAD("Pair %d's count in replicate %d is %g (the rows' count is %g).",
							p, b, r[b], r[0]);
		}
		if ((p & 0xfff) == 0xfff)
			CHECK_FOR_INTERRUPTS();
	}
	/* distinct items and pairs: insert them into an index */
	w = btb_alloc(s->replicates, s->seed, Max(s->n_items, 1), Max(s->names_len, 1),
				  1, true);
	for (int32 k = 0; k < s->n_items; k++)
		if (btb_find_item(w, btb_name(s, k), btb_name_len(s, k)) >= 0 ||
			btb_item(&w, btb_name(s, k), btb_name_len(s, k)) != k)
			BTB_BAD("Item \"%s\" is given twice.", btb_name(s, k));
	pfree(w);
	{
		uint32		mask = (uint32) btb_slots(btb_bits_for(s->n_pairs)) - 1;
		int32	   *slot = palloc0(sizeof(int32) * ((Size) mask + 1));

		for (int32 p = 0; p < s->n_pairs; p++)
		{
			int32		i = btb_first(s)[p],
						j = btb_second(s)[p];
			uint32		h = btb_pair_hash(i, j) & mask;

			for (; slot[h] != 0; h = (h + 1) & mask)
				if (btb_first(s)[slot[h] - 1] == i && btb_second(s)[slot[h] - 1] == j)
					BTB_BAD("Pair (\"%s\", \"%s\") is given twice.",
							btb_name(s, i), btb_name(s, j));
			slot[h] = p + 1;
		}
		pfree(slot);
	}
#undef BTB_BAD
}

/* ---------- text I/O ---------- */

/* room for element n of a growing array */
static void
btb_grow(int64 *cap, int64 n, void **arr, Size elsize)
{
	if (n >= *cap)
	{
		*cap = Max(*cap * 2, 64);
		*arr = repalloc_huge(*arr, *cap * elsize);
	}
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_in);
Datum
bt_bootstrap_state_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	PcJson		lx;
	int			replicates;
	int64		seed;
	int64		ncap = 64,
				mcap = 64,
				nnames = 0;
	Size		n = 0,
				m = 0,
				m2 = 0;
	char	  **names = palloc(sizeof(char *) * ncap);
	int		   *lens = palloc(sizeof(int) * ncap);
	int32	   *fi = palloc(sizeof(int32) * mcap);
	int32	   *se;
	BtbState   *s;

	pc_json_init(&lx, input, TYPNAME);
	pc_json_begin(&lx, BTB_VERSION);
	replicates = pc_json_key_int4(&lx, "replicates", PG_INT32_MIN, PG_INT32_MAX);
	btb_check_replicates(replicates);
	seed = pc_json_key_int8(&lx, "seed");
	pc_json_key(&lx, "items");
	while (pc_json_next(&lx, &n))
	{
		int64		capbefore = ncap;

		if (n > BT_MAX_ITEMS)
			pc_json_error(&lx, "fewer items");
		btb_grow(&ncap, n - 1, (void **) &names, sizeof(char *));
		if (ncap != capbefore)
			lens = repalloc_huge(lens, sizeof(int) * ncap);
		names[n - 1] = pc_json_string(&lx, &lens[n - 1]);
		nnames += lens[n - 1] + 1;
	}
	pc_json_key(&lx, "first");
	while (pc_json_next(&lx, &m))
	{
		if (m > BT_MAX_PAIRS)
			pc_json_error(&lx, "fewer pairs");
		btb_grow(&mcap, m - 1, (void **) &fi, sizeof(int32));
		fi[m - 1] = pc_json_int4(&lx, 0, PG_INT32_MAX);
	}
	se = palloc(sizeof(int32) * Max(m, 1));
	pc_json_key(&lx, "second");
	while (pc_json_next(&lx, &m2))
	{
		if (m2 > m)
			pc_json_error(&lx, "as many second items as first items");
		se[m2 - 1] = pc_json_int4(&lx, 0, PG_INT32_MAX);
	}
	if (m2 != m)
		pc_json_error(&lx, "as many second items as first items");

	s = btb_alloc(replicates, seed, n, nnames, m, false);
	s->n_items = (int32) n;
	s->n_pairs = (int32) m;
	s->names_len = nnames;
	for (int64 k = 0, pos = 0; k < (int64) n; k++)
	{
		btb_off(s)[k] = (uint32) pos;
		memcpy(btb_names(s) + pos, names[k], lens[k]);
		pos += lens[k] + 1;
		btb_off(s)[k + 1] = (uint32) pos;
	}
	memcpy(btb_first(s), fi, sizeof(int32) * m);
	memcpy(btb_second(s), se, sizeof(int32) * m);
	pc_json_key(&lx, "counts");
	pc_json_float8_array(&lx, btb_counts(s), btb_rec(replicates) * (Size) m,
						 PC_JSON_FINITE);
	pc_json_end(&lx);
	btb_validate(s);
	PG_RETURN_POINTER(s);
}

/* an array of int32 */
static void
btb_append_ints(StringInfo buf, const int32 *x, int32 n)
{
	appendStringInfoChar(buf, '[');
	for (int32 p = 0; p < n; p++)
	{
		pc_jw_sep(buf, p);
		appendStringInfo(buf, "%d", x[p]);
	}
	appendStringInfoChar(buf, ']');
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_out);
Datum
bt_bootstrap_state_out(PG_FUNCTION_ARGS)
{
	BtbState   *s = PG_GETARG_BTB_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	pc_jw_begin(&buf, BTB_VERSION);
	pc_jw_key_int8(&buf, "replicates", s->replicates);
	pc_jw_key_int8(&buf, "seed", s->seed);
	pc_jw_key(&buf, "items");
	appendStringInfoChar(&buf, '[');
	for (int32 k = 0; k < s->n_items; k++)
	{
		pc_jw_sep(&buf, k);
		pc_jw_string(&buf, btb_name(s, k));
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_key(&buf, "first");
	btb_append_ints(&buf, btb_first(s), s->n_pairs);
	pc_jw_key(&buf, "second");
	btb_append_ints(&buf, btb_second(s), s->n_pairs);
	pc_jw_key(&buf, "counts");
	pc_jw_float8_array(&buf, btb_counts(s), btb_rec(s->replicates) * (Size) s->n_pairs);
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/* ---------- binary I/O ---------- */

static void
btb_recv_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary %s: %s", TYPNAME, what)));
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_recv);
Datum
bt_bootstrap_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				flags,
				replicates;
	int64		seed;
	int32		n,
				m;
	int64		nnames = 0;
	int			start;
	BtbState   *s;
	Size		nc;
	double	   *c;

	if (buf->len - buf->cursor < 24)
		btb_recv_error("too short");
	version = (int16) pq_getmsgint(buf, 2);
	flags = (uint16) pq_getmsgint(buf, 2);
	replicates = (int32) pq_getmsgint(buf, 4);
	seed = pq_getmsgint64(buf);
	n = (int32) pq_getmsgint(buf, 4);
	m = (int32) pq_getmsgint(buf, 4);
	if (version != BTB_VERSION || flags != 0)
		btb_recv_error("unsupported version or flags");
	if (replicates < 1 || replicates > BOOT_MAX_REPLICATES ||
		n < 0 || n > BT_MAX_ITEMS || m < 0 || m > BT_MAX_PAIRS)
		btb_recv_error("counts out of range");
	/* the names' total length first, then the state */
	start = buf->cursor;
	for (int32 k = 0; k < n; k++)
	{
		int32		len;

		if (buf->len - buf->cursor < 4)
			btb_recv_error("too short");
		len = (int32) pq_getmsgint(buf, 4);
		if (len < 0 || len > buf->len - buf->cursor)
			btb_recv_error("a name's length is out of range");
		buf->cursor += len;
		nnames += len + 1;
	}
	nc = btb_rec(replicates) * (Size) m;
	if ((Size) (buf->len - buf->cursor) != (Size) m * 8 + nc * sizeof(float8))
		btb_recv_error("wrong length");
	buf->cursor = start;
	s = btb_alloc(replicates, seed, n, nnames, m, false);
	s->n_items = n;
	s->n_pairs = m;
	s->names_len = nnames;
	for (int32 k = 0, pos = 0; k < n; k++)
	{
		int32		len = (int32) pq_getmsgint(buf, 4);

		btb_off(s)[k] = (uint32) pos;
		pq_copymsgbytes(buf, btb_names(s) + pos, len);
		pos += len + 1;
		btb_off(s)[k + 1] = (uint32) pos;
	}
	for (int32 p = 0; p < m; p++)
		btb_first(s)[p] = (int32) pq_getmsgint(buf, 4);
	for (int32 p = 0; p < m; p++)
		btb_second(s)[p] = (int32) pq_getmsgint(buf, 4);
	c = btb_counts(s);
	for (Size i = 0; i < nc; i++)
		c[i] = pq_getmsgfloat8(buf);
	btb_validate(s);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_send);
Datum
bt_bootstrap_state_send(PG_FUNCTION_ARGS)
{
	BtbState   *s = PG_GETARG_BTB_P(0);
	Size		nc = btb_rec(s->replicates) * (Size) s->n_pairs;
	const double *c = btb_counts(s);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, BTB_VERSION);
	pq_sendint16(&buf, 0);
	pq_sendint32(&buf, s->replicates);
	pq_sendint64(&buf, s->seed);
	pq_sendint32(&buf, s->n_items);
	pq_sendint32(&buf, s->n_pairs);
	for (int32 k = 0; k < s->n_items; k++)
	{
		pq_sendint32(&buf, btb_name_len(s, k));
		pq_sendbytes(&buf, btb_name(s, k), btb_name_len(s, k));
	}
	for (int32 p = 0; p < s->n_pairs; p++)
		pq_sendint32(&buf, btb_first(s)[p]);
	for (int32 p = 0; p < s->n_pairs; p++)
		pq_sendint32(&buf, btb_second(s)[p]);
	for (Size i = 0; i < nc; i++)
		pq_sendfloat8(&buf, c[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------- transition, combine, final ---------- */

/* the weights of the last key seen through one call site */
typedef struct BtbCache
{
	int			nrep;
	bool		valid;
	uint64		kh;
	double		k[FLEXIBLE_ARRAY_MEMBER];
} BtbCache;

static pg_noinline void
btb_bad_row(double outcome, double weight)
{
	if (isnan(outcome) || (outcome != 0.0 && outcome != 0.5 && outcome != 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison outcome %g is not 0, 0.5 or 1", outcome),
				 errdetail("The outcome must be 1 (first item wins), 0 (second item wins) or 0.5 (tie).")));
	if (isnan(weight))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison weight is NaN")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("comparison weight %g is out of range", weight),
			 errdetail("Weights must be finite and non-negative.")));
}

static pg_noinline void
btb_param_changed(const char *what, int64 have, int64 got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s changed within a group from " INT64_FORMAT " to " INT64_FORMAT,
					what, have, got),
			 errhint("Pass the same replicates and seed on every row of a group.")));
}

/*
 * bt_bootstrap_trans(state, first text, second text, outcome float8,
 * weight float8, cluster text [, replicates int [, seed bigint]]): a row
 * with a NULL argument is skipped.
 */
PG_FUNCTION_INFO_V1(bt_bootstrap_trans);
Datum
bt_bootstrap_trans(PG_FUNCTION_ARGS)
{
	int			nargs = PG_NARGS();
	int			nrep = BOOT_DEFAULT_REPLICATES;
	int64		seed = 0;
	text	   *ta,
			   *tb,
			   *key;
	double		outcome,
				w;
	BtbState   *s;
	BtbCache   *c;
	uint64		kh;
	int32		i,
				j,
				p;
	int			cls;
	double	   *rec;

	for (int a = 1; a < nargs; a++)
		if (PG_ARGISNULL(a))
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}
	(void) pc_agg_context(fcinfo, "bt_bootstrap");
	ta = PG_GETARG_TEXT_PP(1);
	tb = PG_GETARG_TEXT_PP(2);
	outcome = PG_GETARG_FLOAT8(3);
	w = PG_GETARG_FLOAT8(4);
	key = PG_GETARG_TEXT_PP(5);
	if (nargs > 6)
		nrep = PG_GETARG_INT32(6);
	if (nargs > 7)
		seed = PG_GETARG_INT64(7);
	if (unlikely(!((outcome == 0.0 || outcome == 1.0 || outcome == 0.5) &&
				   w >= 0.0 && w <= DBL_MAX)))
		btb_bad_row(outcome, w);
	if (VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb) &&
		memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an item cannot be compared with itself")));

	if (PG_ARGISNULL(0))
		s = btb_working_copy(btb_alloc(nrep, seed, 0, 0, 0, false), 16, 256, 64);
	else
	{
		s = (BtbState *) PG_GETARG_POINTER(0);
		if (unlikely(s->replicates != nrep))
			btb_param_changed("replicates", s->replicates, nrep);
		if (unlikely(s->seed != seed))
			btb_param_changed("seed", s->seed, seed);
		if (unlikely(!(s->flags & BTB_F_INDEXED)))
			s = btb_working_copy(s, 0, 0, 0);
	}

	i = btb_item(&s, VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta));
	j = btb_item(&s, VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb));
	p = btb_pair(&s, i, j);

	c = (BtbCache *) fcinfo->flinfo->fn_extra;
	if (unlikely(c == NULL || c->nrep < nrep))
	{
		c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
							   offsetof(BtbCache, k) + sizeof(double) * nrep);
		c->nrep = nrep;
		c->valid = false;
		fcinfo->flinfo->fn_extra = c;
	}
	kh = boot_key_hash(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), seed);
	if (!c->valid || c->kh != kh)
	{
		pc_kern->poisson1(kh, nrep, c->k);
		c->kh = kh;
		c->valid = true;
	}

	cls = outcome == 1.0 ? 0 : outcome == 0.0 ? 1 : 2;
	rec = btb_counts(s) + btb_rec(nrep) * p + (Size) cls * (nrep + 1);
	rec[0] += w;
	if (unlikely(rec[0] > BOOT_MAX_TOTAL))
		btb_overflow();
	for (int b = 0; b < nrep; b++)
		rec[1 + b] += c->k[b] * w;
	PG_RETURN_POINTER(s);
}

/*
 * bt_bootstrap_state_combine(a, b): non-strict, a NULL side the identity;
 * the combine function of bt_bootstrap and the transition of
 * bt_bootstrap_merge.  Updates a in place inside an aggregate.
 */
PG_FUNCTION_INFO_V1(bt_bootstrap_state_combine);
Datum
bt_bootstrap_state_combine(PG_FUNCTION_ARGS)
{
	BtbState   *a,
			   *b;
	Size		rec;
	int32	   *map;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_BTB_P(1);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(btb_working_copy(b, 0, 0, 0));
	a = PG_GETARG_BTB_P(0);
	if (a->replicates != b->replicates || a->seed != b->seed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge %s values of different replicates or seeds", TYPNAME),
				 errdetail("One has %d replicates and seed " INT64_FORMAT ", the other %d and " INT64_FORMAT ".",
						   a->replicates, a->seed, b->replicates, b->seed)));
	if (!AggCheckCallContext(fcinfo, NULL) || !(a->flags & BTB_F_INDEXED) ||
		(Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
		a = btb_working_copy(a, (int64) a->n_items + b->n_items,
							 a->names_len + b->names_len,
							 (int64) a->n_pairs + b->n_pairs);
	rec = btb_rec(a->replicates);
	map = palloc(sizeof(int32) * Max(b->n_items, 1));
	for (int32 k = 0; k < b->n_items; k++)
		map[k] = btb_item(&a, btb_name(b, k), btb_name_len(b, k));
	for (int32 q = 0; q < b->n_pairs; q++)
	{
		int32		p = btb_pair(&a, map[btb_first(b)[q]], map[btb_second(b)[q]]);
		double	   *dst = btb_counts(a) + rec * p;
		const double *src = btb_counts(b) + rec * q;

		for (Size x = 0; x < rec; x++)
			dst[x] += src[x];
		for (int cls = 0; cls < 3; cls++)
			if (dst[(Size) cls * (a->replicates + 1)] > BOOT_MAX_TOTAL)
				btb_overflow();
		if ((q & 0xfff) == 0xfff)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(map);
	PG_RETURN_POINTER(a);
}

/* bt_bootstrap_final(state): the stored form (canonical order) */
PG_FUNCTION_INFO_V1(bt_bootstrap_final);
Datum
bt_bootstrap_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(btb_canonical(PG_GETARG_BTB_P(0)));
}

/* ---------- the fits ---------- */

#define BTB_OK			0
#define BTB_NOT_CONVERGED 1
#define BTB_FAILED		2

/* the estimate (column 0) and every replicate's fit */
typedef struct BtbFits
{
	int32		n;				/* items, in name order */
	int			nrep;
	int32	   *item;			/* name order -> state item */
	double	   *score;			/* (nrep + 1) x n, by name order */
	double	   *position;		/* nrep + 1 */
	double	   *tie_log;		/* nrep + 1 */
	uint8	   *status;			/* nrep + 1 */
	int			failed;
	int			not_converged;
	const char *first_failure;
} BtbFits;

static void
btb_fit_all(const BtbState *s, const BtOptions *opt, BtbFits *out)
{
	int32		n = s->n_items;
	int32		m = s->n_pairs;
	int			nrep = s->replicates;
	Size		rec = btb_rec(nrep);
	double	   *w1 = palloc_extended(sizeof(double) * Max(m, 1), MCXT_ALLOC_HUGE);
	double	   *w2 = palloc_extended(sizeof(double) * Max(m, 1), MCXT_ALLOC_HUGE);
	double	   *wt = palloc_extended(sizeof(double) * Max(m, 1), MCXT_ALLOC_HUGE);
	double	   *sc = palloc(sizeof(double) * Max(n, 1));
	int32	   *rank = palloc(sizeof(int32) * Max(n, 1));
	BtbOrder   *ord = palloc(sizeof(BtbOrder) * Max(n, 1));
	MemoryContext fitcxt = AllocSetContextCreate(CurrentMemoryContext,
												 "bt_bootstrap fit",
												 ALLOCSET_DEFAULT_SIZES);
	BtCountsView v;

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->nrep = nrep;
	out->item = palloc(sizeof(int32) * Max(n, 1));
	out->score = palloc_extended(sizeof(double) * (Size) (nrep + 1) * Max(n, 1),
								 MCXT_ALLOC_HUGE);
	out->position = palloc(sizeof(double) * (nrep + 1));
	out->tie_log = palloc(sizeof(double) * (nrep + 1));
	out->status = palloc(nrep + 1);
	for (int32 k = 0; k < n; k++)
	{
		ord[k].s = s;
		ord[k].k = k;
	}
	qsort(ord, n, sizeof(BtbOrder), btb_item_cmp);
	for (int32 r = 0; r < n; r++)
	{
		out->item[r] = ord[r].k;
		rank[ord[r].k] = r;
	}

	memset(&v, 0, sizeof(v));
	v.kind = BT_IDS_TEXT;
	v.n_items = n;
	v.off = btb_off(s);
	v.names = btb_names(s);
	v.names_len = s->names_len;
	v.n_pairs = m;
	v.pi = btb_first(s);
	v.pj = btb_second(s);
	v.w1 = w1;
	v.w2 = w2;
	v.wt = wt;
	v.nchunk = 1;
	v.chunk[0].m = m;
	v.chunk[0].i = v.pi;
	v.chunk[0].j = v.pj;
	v.chunk[0].w1 = w1;
	v.chunk[0].w2 = w2;
	v.chunk[0].wt = wt;

	for (int col = 0; col <= nrep; col++)
	{
		const double *c = btb_counts(s) + col;
		BtQuietFit qf;
		const char *why;
		MemoryContext old;
		bool		ok;

		CHECK_FOR_INTERRUPTS();
		for (int32 p = 0; p < m; p++, c += rec)
		{
			w1[p] = c[0];
			w2[p] = c[nrep + 1];
			wt[p] = c[2 * (nrep + 1)];
		}
		qf.score = sc;
		old = MemoryContextSwitchTo(fitcxt);
		/* the estimate raises bt_fit's errors; a replicate just fails */
		ok = bt_fit_scores(&v, opt, col > 0, &qf, &why);
		MemoryContextSwitchTo(old);
		MemoryContextReset(fitcxt);
		if (!ok)
		{
			out->status[col] = BTB_FAILED;
			out->failed++;
			if (out->first_failure == NULL)
				out->first_failure = why;
			for (int32 k = 0; k < n; k++)
				out->score[(Size) col * n + rank[k]] = NAN;
			out->position[col] = out->tie_log[col] = NAN;
			continue;
		}
		out->status[col] = qf.converged ? BTB_OK : BTB_NOT_CONVERGED;
		if (col > 0 && !qf.converged)
			out->not_converged++;
		for (int32 k = 0; k < n; k++)
			out->score[(Size) col * n + rank[k]] = sc[k];
		out->position[col] = qf.position;
		out->tie_log[col] = qf.tie_log;
	}
	MemoryContextDelete(fitcxt);
	pfree(w1);
	pfree(w2);
	pfree(wt);
	pfree(sc);
	pfree(rank);
	pfree(ord);
}

/*
 * The state and bt_fit's options of a reader (state first, then bt_fit's
 * options in bt_fit's order), or NULL for a NULL state
 */
static BtbState *
btb_reader_args(FunctionCallInfo fcinfo, BtOptions *opt)
{
	if (PG_ARGISNULL(0))
		return NULL;
	bt_options_from_args(fcinfo, opt);
	return PG_GETARG_BTB_P(0);
}

static double
btb_level(FunctionCallInfo fcinfo, int argno)
{
	double		level;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("option level must not be NULL")));
	level = PG_GETARG_FLOAT8(argno);
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level %g is out of range", level),
				 errdetail("The level must be strictly between 0 and 1.")));
	return level;
}

static int
btb_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * lower, upper and se from the values of the replicates that did not fail
 * (vals, n of them, sorted here): the percentile interval at the level
 * (quantiles interpolated as numpy's default) and the standard deviation
 * (n - 1).  False with fewer than two.
 */
static bool
btb_interval(double *vals, int n, double level, double *lo, double *hi,
			 double *se)
{
	double		mean = 0.0,
				ss = 0.0;

	if (n < 2)
		return false;
	for (int i = 0; i < n; i++)
		mean += vals[i];
	mean /= n;
	for (int i = 0; i < n; i++)
		ss += (vals[i] - mean) * (vals[i] - mean);
	qsort(vals, n, sizeof(double), btb_cmp_double);
	*lo = boot_quantile(vals, n, (1.0 - level) / 2.0);
	*hi = boot_quantile(vals, n, (1.0 + level) / 2.0);
	*se = sqrt(ss / (n - 1));
	return true;
}

/* one (estimate, lower, upper, se) from a value per fit (NaN: failed) */
static void
btb_put_ci(const BtbFits *f, const double *perfit, Size stride, double level,
		   Datum *values, bool *nulls, double *scratch)
{
	int			k = 0;
	double		lo,
				hi,
				se;

	for (int b = 1; b <= f->nrep; b++)
		if (f->status[b] != BTB_FAILED)
			scratch[k++] = perfit[(Size) b * stride];
	values[0] = Float8GetDatum(perfit[0]);
	nulls[0] = false;
	if (btb_interval(scratch, k, level, &lo, &hi, &se))
	{
		values[1] = Float8GetDatum(lo);
		values[2] = Float8GetDatum(hi);
		values[3] = Float8GetDatum(se);
		nulls[1] = nulls[2] = nulls[3] = false;
	}
	else
		nulls[1] = nulls[2] = nulls[3] = true;
}

/*
 * bt_replicates(s, <bt_fit's options>) -> SETOF (replicate int, item
 * text, score float8): replicate 0 is the fit of all the rows; a replicate
 * whose fit failed gives NULL scores.
 */
PG_FUNCTION_INFO_V1(bt_replicates);
Datum
bt_replicates(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BtOptions	opt;
	BtbState   *s = btb_reader_args(fcinfo, &opt);
	BtbFits		f;

	InitMaterializedSRF(fcinfo, 0);
	if (s == NULL)
		return (Datum) 0;
	btb_fit_all(s, &opt, &f);
	for (int b = 0; b <= f.nrep; b++)
	{
		for (int32 r = 0; r < f.n; r++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};
			double		x = f.score[(Size) b * f.n + r];

			values[0] = Int32GetDatum(b);
			values[1] = CStringGetTextDatum(btb_name(s, f.item[r]));
			values[2] = Float8GetDatum(x);
			nulls[2] = isnan(x);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/*
 * bt_ci(s, <bt_fit's options>, level) -> SETOF (item text, estimate,
 * lower, upper, se): per item, in name order
 */
PG_FUNCTION_INFO_V1(bt_ci);
Datum
bt_ci(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BtOptions	opt;
	BtbState   *s = btb_reader_args(fcinfo, &opt);
	double		level = btb_level(fcinfo, 10);
	BtbFits		f;
	double	   *scratch;

	InitMaterializedSRF(fcinfo, 0);
	if (s == NULL)
		return (Datum) 0;
	btb_fit_all(s, &opt, &f);
	scratch = palloc(sizeof(double) * f.nrep);
	for (int32 r = 0; r < f.n; r++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(btb_name(s, f.item[r]));
		btb_put_ci(&f, f.score + r, f.n, level, values + 1, nulls + 1, scratch);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((r & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/* P(a beats b) from a fit's scores, as bt_predict (no position effect) */
static double
btb_prob(const BtOptions *opt, double d, double tie_log)
{
	if (opt->ties == BT_TIES_DAVIDSON)
	{
		double		u = 0.5 * d;
		double		mx = fmax(fabs(u), tie_log);

		return exp(u - (mx + log(exp(u - mx) + exp(-u - mx) + exp(tie_log - mx))));
	}
	return 1.0 / (1.0 + exp(-d));
}

/*
 * bt_ci_predict(s, first_item text, second_item text, <bt_fit's options>,
 * level) -> (estimate, lower, upper, se) of P(first beats second) as
 * bt_predict gives it; NULL when either item is unknown.  The options
 * start at argument 3, so they are read through a shifted call.
 */
PG_FUNCTION_INFO_V1(bt_ci_predict);
Datum
bt_ci_predict(PG_FUNCTION_ARGS)
{
	LOCAL_FCINFO(shifted, 11);
	BtOptions	opt;
	BtbState   *s;
	text	   *ta,
			   *tb;
	double		level;
	int32		a = -1,
				b = -1;
	BtbFits		f;
	double	   *vals,
			   *scratch;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	/* arguments 3 .. 11 are bt_fit's options 1 .. 9 */
	InitFunctionCallInfoData(*shifted, fcinfo->flinfo, 10, fcinfo->fncollation, NULL, NULL);
	shifted->args[0] = fcinfo->args[0];
	for (int k = 1; k < 10; k++)
		shifted->args[k] = fcinfo->args[k + 2];
	bt_options_from_args(shifted, &opt);
	level = btb_level(fcinfo, 12);
	s = PG_GETARG_BTB_P(0);
	ta = PG_GETARG_TEXT_PP(1);
	tb = PG_GETARG_TEXT_PP(2);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	btb_fit_all(s, &opt, &f);
	for (int32 r = 0; r < f.n; r++)
	{
		int32		k = f.item[r];

		if (btb_name_len(s, k) == (int) VARSIZE_ANY_EXHDR(ta) &&
			memcmp(btb_name(s, k), VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta)) == 0)
			a = r;
		if (btb_name_len(s, k) == (int) VARSIZE_ANY_EXHDR(tb) &&
			memcmp(btb_name(s, k), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb)) == 0)
			b = r;
	}
	if (a < 0 || b < 0)
		PG_RETURN_NULL();
	vals = palloc(sizeof(double) * (f.nrep + 1));
	scratch = palloc(sizeof(double) * f.nrep);
	for (int c = 0; c <= f.nrep; c++)
		vals[c] = f.status[c] == BTB_FAILED ? NAN :
			btb_prob(&opt, f.score[(Size) c * f.n + a] - f.score[(Size) c * f.n + b],
					 f.tie_log[c]);
	btb_put_ci(&f, vals, 1, level, values, nulls, scratch);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static void
btb_append_ci(StringInfo buf, const BtbFits *f, const double *perfit,
			  double level, double *scratch)
{
	Datum		v[4];
	bool		nl[4];

	btb_put_ci(f, perfit, 1, level, v, nl, scratch);
	appendStringInfoString(buf, "{\"estimate\": ");
	pc_append_float8(buf, DatumGetFloat8(v[0]));
	for (int i = 1; i < 4; i++)
	{
		static const char *const key[] = {NULL, "lower", "upper", "se"};

		appendStringInfo(buf, ", \"%s\": ", key[i]);
		if (nl[i])
			appendStringInfoString(buf, "null");
		else
			pc_append_float8(buf, DatumGetFloat8(v[i]));
	}
	appendStringInfoChar(buf, '}');
}

/*
 * bt_ci_summary(s, <bt_fit's options>, level) -> jsonb: replicates, seed,
 * level, items, pairs, the counts and shares of replicates whose fit
 * failed or did not converge (and the first failure's reason), and the
 * intervals of the position effect and the log tie parameter when fitted
 */
PG_FUNCTION_INFO_V1(bt_ci_summary);
Datum
bt_ci_summary(PG_FUNCTION_ARGS)
{
	BtOptions	opt;
	BtbState   *s = btb_reader_args(fcinfo, &opt);
	double		level = btb_level(fcinfo, 10);
	BtbFits		f;
	StringInfoData buf;
	double	   *scratch;

	if (s == NULL)
		PG_RETURN_NULL();
	btb_fit_all(s, &opt, &f);
	scratch = palloc(sizeof(double) * f.nrep);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"replicates\": %d, \"seed\": " INT64_FORMAT ", \"level\": ",
					 f.nrep, s->seed);
	pc_append_float8(&buf, level);
	appendStringInfo(&buf, ", \"items\": %d, \"pairs\": %d, \"failed\": %d, \"failed_share\": ",
					 f.n, s->n_pairs, f.failed);
	pc_append_float8(&buf, (double) f.failed / f.nrep);
	appendStringInfo(&buf, ", \"not_converged\": %d, \"not_converged_share\": ",
					 f.not_converged);
	pc_append_float8(&buf, (double) f.not_converged / f.nrep);
	appendStringInfoString(&buf, ", \"first_failure\": ");
	if (f.first_failure)
		pc_jw_string(&buf, f.first_failure);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"position_effect\": ");
	if (opt.position)
		btb_append_ci(&buf, &f, f.position, level, scratch);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"log_tie_parameter\": ");
	if (opt.ties == BT_TIES_DAVIDSON)
		btb_append_ci(&buf, &f, f.tie_log, level, scratch);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
