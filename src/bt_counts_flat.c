/*-------------------------------------------------------------------------
 *
 * bt_counts_flat.c
 *	  The bt_counts state's stored (flat) form and views: the expanded
 *	  object's methods (flattening), checking and reading a stored value in
 *	  place, and the views over a stored value or a state in memory that
 *	  bt_fit and the output functions read.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"
#include "bt_counts_int.h"

#include <float.h>
#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* ---------- expanded-object methods ---------- */

const ExpandedObjectMethods bt_counts_methods =
{
	bt_counts_get_flat_size,
	bt_counts_flatten_into
};

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
				 errmsg("bt_state value too large to store (%zu bytes)", sz),
				 errdetail("Stored values are limited to 1 GB.")));
}

Size
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

void
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
				 errmsg("unsupported bt_state format version %d", f->version),
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
BtCounts *
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

void
bt_counts_free(BtCounts *bc)
{
	MemoryContextDelete(bc->hdr.eoh_context);
}

