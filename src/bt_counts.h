/*-------------------------------------------------------------------------
 *
 * bt_counts.h
 *	  The bt_counts pair-count state: its in-memory (expanded) form (an
 *	  open-addressing hash of items, the ordered pairs merged so far in
 *	  sorted arrays, and a log of comparisons not yet merged) that the
 *	  aggregate's transition function updates in place, and its stored
 *	  (flat) form.
 *
 * Stored form, version 1 (all integers native-endian, the value
 * MAXALIGNed by the type's double alignment):
 *
 *	  int32 vl_len_, version, kind, n_items, n_pairs, names_len
 *	  kind int8: int64 ids[n_items]
 *	  kind text: uint32 off[n_items + 1] (padded to 8 bytes), then
 *			 char names[names_len] (each name NUL-terminated; name k is
 *			 names + off[k], length off[k+1] - off[k] - 1), padded to 8
 *	  int32 first[n_pairs], int32 second[n_pairs]
 *	  float8 w_first[n_pairs], w_second[n_pairs], w_tie[n_pairs]
 *
 * Items are in first-seen order; pairs are sorted by (first, second)
 * item index (a state read by the input functions keeps the order it was
 * given in).  The input functions
 * reject a pair given twice; readers of stored values that skip that
 * check (bt_fit, merging) add the counts of repeated pairs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_COUNTS_H
#define BT_COUNTS_H

#include "prefcal.h"

#include <float.h>

#include "bt_solve.h"
#include "utils/expandeddatum.h"

#define BT_COUNTS_VERSION 1

/*
 * Cap on distinct ordered pairs (and on items): the stored form takes 32
 * bytes per pair and must stay below PostgreSQL's 1 GB value limit.  In
 * memory a merged pair costs 32 bytes (the array grows by whole
 * 8 MB segments, so at most 8 MB stand unused), and the log of rows not
 * yet merged 32 bytes a record (the record and the radix sort's second
 * buffer), its capacity grown to between half and all of the merged
 * pairs (at least BT_LOG_MIN).  Outgrown logs and sort buffers are kept
 * as spare pair segments until the state is freed, up to about 16 bytes a
 * pair more: at most about 80 bytes a pair for large states.
 */
#define BT_MAX_PAIRS (1 << 24)
#define BT_MAX_ITEMS (1 << 24)

/* bigint rows queued before their item lookups are made together */
#define BT_PAIR_BATCH 32

/* the log holds at least this many records before it is merged */
#define BT_LOG_MIN (1 << 16)

/*
 * The merged pairs are kept in segments of 2^BT_SEG_BITS pairs (8 MB),
 * so they grow without copying; the first segment starts small and
 * doubles.  While the state grows, a segment is an array of BtPair
 * entries, which the merges copy whole.  For a reader that takes the
 * pairs in place (bt_fit), the state's last merge writes its segments in
 * the read form instead (the state's soa flag): a segment of capacity cap
 * holds five arrays, the stored form's columns, int32 first[cap], int32
 * second[cap], then float8 w_first[cap], w_second[cap], w_tie[cap].  Both
 * take 32 bytes a pair; a state in the read form goes back to entries
 * before it grows again.
 */
#define BT_SEG_BITS 18
#define BT_SEG_SIZE (1 << BT_SEG_BITS)
#define BT_MAX_SEGS (BT_MAX_PAIRS / BT_SEG_SIZE)
#define BT_PAIR_BYTES (2 * sizeof(int32) + 3 * sizeof(double))

/* one merged ordered pair and its weighted counts */
typedef struct BtPair
{
	int32		i;				/* first-shown item */
	int32		j;				/* second-shown item */
	double		w1;				/* first won */
	double		w2;				/* second won */
	double		wt;				/* tie */
} BtPair;

StaticAssertDecl(sizeof(BtPair) == BT_PAIR_BYTES, "BtPair is not 32 bytes");

/* the columns of a segment in the read form */
static inline int32 *
bt_seg_i(char *seg)
{
	return (int32 *) seg;
}

static inline int32 *
bt_seg_j(char *seg, int32 cap)
{
	return (int32 *) seg + cap;
}

static inline double *
bt_seg_w1(char *seg, int32 cap)
{
	return (double *) (seg + (Size) cap * 2 * sizeof(int32));
}

static inline double *
bt_seg_w2(char *seg, int32 cap)
{
	return bt_seg_w1(seg, cap) + cap;
}

static inline double *
bt_seg_wt(char *seg, int32 cap)
{
	return bt_seg_w1(seg, cap) + 2 * (Size) cap;
}

/*
 * A comparison not yet merged: key (i << 32) | (j << 2) | class, class
 * 0 = second won, 1 = first won, 2 = tie, 3 = a pair with no counts (from
 * a merged state), and the weight.  Keys order records by (i, j).
 */
typedef struct BtLogRec
{
	uint64		key;
	double		w;
} BtLogRec;

#define BT_LOG_PAIR(key) ((key) & ~(uint64) 3)
#define BT_LOG_KEY(i, j) (((uint64) (uint32) (i) << 32) | ((uint64) (uint32) (j) << 2))

/* a bigint row waiting for its item lookups */
typedef struct BtPendRow
{
	int64		a;
	int64		b;
	double		w;
	uint32		cls;
} BtPendRow;

typedef enum BtIdKind
{
	BT_IDS_NONE = 0,			/* empty state, kind not known yet */
	BT_IDS_TEXT = 1,
	BT_IDS_INT8 = 2
} BtIdKind;

typedef struct BtCountsFlat
{
	int32		vl_len_;
	int32		version;
	int32		kind;
	int32		n_items;
	int32		n_pairs;
	int32		names_len;
	/* data follows */
} BtCountsFlat;

#define BT_COUNTS_HDRSZ sizeof(BtCountsFlat)

/*
 * Item hash slot: for bigint ids key is the id; for text ids key is the
 * name's hash and len its length, compared before the bytes.  idx < 0
 * marks an empty slot.
 */
typedef struct BtItemSlot
{
	int64		key;
	int32		idx;
	uint32		len;
} BtItemSlot;

typedef struct BtCounts
{
	ExpandedObjectHeader hdr;

	int			kind;

	/* items by index (first-seen order) */
	int32		n_items;
	int32		cap_items;
	int64	   *ids;			/* kind int8 */
	uint32	   *off;			/* kind text: cap_items + 1 offsets */
	char	   *names;			/* kind text: NUL-terminated names */
	Size		names_len;
	Size		names_cap;
	BtItemSlot *islot;			/* 2^ibits slots, top hash bits index */
	int			ibits;

	/*
	 * kind int8: a direct map in front of the hash for the ids in [0,
	 * ndirect): direct[id] is the item's index + 1, or 0 while the id has
	 * not been looked up since the map covered it (bt_counts_item_int8)
	 */
	int32	   *direct;
	int64		ndirect;

	/*
	 * merged pairs: distinct and sorted by (i, j), except in a builder
	 * (the input functions' scratch state), which keeps the order it was
	 * given and never has a log
	 */
	int32		n_pairs;
	int32		cap_pairs;
	int32		nseg;
	char	   *seg[BT_MAX_SEGS];	/* pair k: segment k >> BT_SEG_BITS */
	bool		soa;			/* segments in the read form (columns) */

	/* comparisons not yet merged (see bt_counts_flush), and sort space */
	BtLogRec   *log;
	int32		n_log;
	int32		cap_log;
	BtLogRec   *scratch;
	int32		cap_scratch;

	/*
	 * logs and sort space outgrown, cut into segments kept to be used again
	 * as pair segments (spare) rather than handed back to the kernel while
	 * new segments take fresh memory
	 */
	int			nspare;
	char	   *spare[BT_MAX_SEGS];

	/* builder only: set of the pairs given, keys + 1 (0: empty) */
	uint64	   *bset;
	int			bbits;

	/* bigint rows not yet logged (their item lookups are batched) */
	int			npend;
	BtPendRow	pend[BT_PAIR_BATCH];
} BtCounts;

/*
 * Read-only view of a state's items and pairs, struct of arrays, over a
 * stored value (no copy) or an expanded state (bt_counts_get_view: pairs
 * copied out of its segments; bt_counts_get_chunks: its segments as
 * chunks, nothing copied).  Items: ids (kind int8) or off/names (kind
 * text, as stored).
 */
typedef struct BtCountsView
{
	int			kind;
	int32		n_items;
	const int64 *ids;
	const uint32 *off;
	const char *names;
	Size		names_len;
	int32		n_pairs;
	const int32 *pi;
	const int32 *pj;
	const double *w1;
	const double *w2;
	const double *wt;

	/*
	 * bt_counts_get_chunks on a state in memory: the state's empty log and
	 * sort space, memory it has already written that holds nothing while
	 * the view is read; the reader may use it as scratch until the state
	 * next changes (NULL otherwise)
	 */
	char	   *idle[2];
	Size		idle_size[2];

	/*
	 * The same pairs as chunks: one over the arrays above, or (from
	 * bt_counts_get_chunks on a state in memory, the arrays above NULL) one
	 * for each of its segments
	 */
	int			nchunk;
	BtChunk		chunk[BT_MAX_SEGS];
} BtCountsView;

extern BtCounts *bt_counts_new(MemoryContext parent, int kind,
							   int32 items_hint, int32 pairs_hint);
extern bool bt_counts_is_ours(Datum d);

/*
 * A comparison row's outcome in {0, 0.5, 1} and weight finite and >= 0,
 * else the error (bt_counts_agg.c); for every aggregate over comparisons
 */
extern pg_noinline void bt_bad_row(double outcome, double weight);

static inline void
bt_check_row(double outcome, double weight)
{
	if (likely((outcome == 0.0 || outcome == 1.0 || outcome == 0.5) &&
			   weight >= 0.0 && weight <= DBL_MAX))
		return;
	bt_bad_row(outcome, weight);
}
extern int32 bt_counts_item_text(BtCounts *bc, const char *s, int len);
extern int32 bt_counts_item_int8(BtCounts *bc, int64 id);
extern void bt_counts_flush(BtCounts *bc);
extern void bt_counts_merge_view(BtCounts *dst, const BtCountsView *src);
extern void bt_counts_get_view(Datum d, BtCountsView *v);
extern void bt_counts_get_chunks(Datum d, BtCountsView *v);

static inline const char *
bt_view_name(const BtCountsView *v, int32 k)
{
	return v->names + v->off[k];
}

static inline int
bt_view_name_len(const BtCountsView *v, int32 k)
{
	return (int) (v->off[k + 1] - v->off[k] - 1);
}

static inline const char *
bt_kind_name(int kind)
{
	return kind == BT_IDS_TEXT ? "text" : kind == BT_IDS_INT8 ? "bigint" : "none";
}

#endif							/* BT_COUNTS_H */
