/*-------------------------------------------------------------------------
 *
 * bt_boot.c
 *	  The Bradley-Terry bootstrap's state: the bt_bootstrap_state value (the
 *	  pair counts of bt_state plus, per ordered pair, the counts of every
 *	  Poisson-bootstrap replicate), its hash indexes, growth, canonical
 *	  stored form and validation.  Its text and binary I/O are in
 *	  bt_boot_io.c, the bt_bootstrap and bt_bootstrap_merge aggregates in
 *	  bt_boot_agg.c, and the readers that fit the replicates one by one
 *	  with bt_fit's solver (bt_replicates, bt_ci, bt_ci_predict,
 *	  bt_ci_summary) in bt_boot_fit.c; bt_boot_int.h is what they share.
 *	  The method is in doc/uncertainty.md.
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

#include "bt_boot_int.h"

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

/* a zeroed state with these capacities, indexed or not */
BtbState *
btb_alloc(int32 replicates, int64 seed, int64 cap_items, int64 names_cap,
		  int64 cap_pairs, bool indexed)
{
	int32		ibits = indexed ? btb_bits_for(cap_items) : 0;
	int32		pbits = indexed ? btb_bits_for(cap_pairs) : 0;
	Size		size;
	BtbState   *s;

	pc_check_replicates(replicates);
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
BtbState *
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
int32
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
int32
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

pg_noinline void
btb_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("Bradley-Terry bootstrap counts are out of range"),
			 errdetail("A pair's weighted count exceeds 5.6e306, beyond which a replicate (weights up to 17) could overflow."),
			 errhint("Give weights on a scale where 1 means one comparison.")));
}

/* ---------- the stored form: compact, canonical ---------- */

int
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
BtbState *
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
void
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
