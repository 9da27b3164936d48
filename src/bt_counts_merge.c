/*-------------------------------------------------------------------------
 *
 * bt_counts_merge.c
 *	  The bt_counts state's merged pairs and its log of comparisons not yet
 *	  merged: segment memory, the log's radix sort, the streaming merge of
 *	  the log with the pairs (into segments of entries, or of columns for a
 *	  reader that takes them in place), the log's growth, and merging a view
 *	  of another state into a state.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"
#include "bt_counts_int.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"


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
void
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
 * A full log: below BT_LOG_MIN records it doubles; beyond, it is merged,
 * then, empty, replaced (fresh memory, nothing copied) when half the
 * merged pairs exceed it, by one of that size or twice the old one,
 * whichever is larger.  So the log stays within the pairs it had when it
 * last grew, and each row costs a bounded number of merge passes.
 */
void
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
void
bt_counts_flush_columns(BtCounts *bc)
{
	if (bc->npend > 0)
		bt_pend_resolve(bc);
	bt_log_merge_columns(bc);
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

/*
 * Adding counts (rows or merged states) overflowed a pair's total: a user
 * error, not corruption.
 */
void
bt_count_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bt_state pair count is out of range"),
			 errdetail("The weighted comparisons of one ordered pair add up to more than the largest float8.")));
}

void
bt_flat_corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted bt_state value"),
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
void
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
