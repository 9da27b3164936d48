/*-------------------------------------------------------------------------
 *
 * bt_counts.h
 *	  The bt_counts pair-count state: its in-memory (expanded) form (an
 *	  open-addressing hash of items, and the ordered pairs in an array
 *	  with a hash index over it) that the aggregate's transition function
 *	  updates in place, and its stored (flat) form.
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
 * Items and pairs are in first-seen order (a state read by the input
 * functions keeps the order it was given in).  The input functions
 * reject a pair given twice; readers of stored values that skip that
 * check (bt_fit, merging) add the counts of repeated pairs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_COUNTS_H
#define BT_COUNTS_H

#include "prefcal.h"

#include "utils/expandeddatum.h"

#define BT_COUNTS_VERSION 1

/*
 * Cap on distinct ordered pairs (and on items): the stored form takes 32
 * bytes per pair and must stay below PostgreSQL's 1 GB value limit.  In
 * memory a pair costs its 32-byte entry in the pair array (which doubles
 * up to one 8 MB segment, then grows a segment at a time, so at most 8 MB
 * stand unused) and a 4-byte index slot at a load factor between 1/4 and
 * 1/2 (8 to 16 bytes): about 40 to 48 bytes for large states.
 */
#define BT_MAX_PAIRS (1 << 24)
#define BT_MAX_ITEMS (1 << 24)

/* transition rows buffered before their pair slots are probed together */
#define BT_PAIR_BATCH 32

/* pair index slots: the low BT_SLOT_KBITS bits hold k + 1 <= BT_MAX_PAIRS */
#define BT_SLOT_KBITS 25
#define BT_SLOT_KMASK (((uint32) 1 << BT_SLOT_KBITS) - 1)

/*
 * The pair array is kept in segments of 2^BT_SEG_BITS entries (8 MB), so
 * it grows without copying; the first segment starts small and doubles.
 */
#define BT_SEG_BITS 18
#define BT_SEG_SIZE (1 << BT_SEG_BITS)
#define BT_MAX_SEGS (BT_MAX_PAIRS / BT_SEG_SIZE)
#define BT_PAIR(bc, k) (&(bc)->seg[(k) >> BT_SEG_BITS][(k) & (BT_SEG_SIZE - 1)])

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
 * One ordered pair with its weighted counts: an entry of the pair array,
 * key and counts together, so verifying and updating a pair touches a
 * single cache line.
 */
typedef struct BtPair
{
	int32		i;				/* first-shown item */
	int32		j;				/* second-shown item */
	double		w1;				/* first won */
	double		w2;				/* second won */
	double		wt;				/* tie */
} BtPair;

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
	 * ordered pairs in first-seen order, and an open-addressing index of
	 * them: slot 0 is empty, else (tag << BT_SLOT_KBITS) | (k + 1) for
	 * pair k, tag being 7 more bits of the pair's hash, so a probe reads
	 * a pair entry only when its tag matches
	 */
	int32		n_pairs;
	int32		cap_pairs;
	int32		nseg;
	BtPair	   *seg[BT_MAX_SEGS];	/* pair k: BT_PAIR(bc, k) */
	uint32	   *pidx;			/* 2^pbits slots */
	int			pbits;
	int64		pgrow;			/* rebuild the index beyond this many */

	/*
	 * additions not yet applied to pairs (see bt_counts_flush); a bigint
	 * row is queued with its ids in pend_id and i = -1 until the flush
	 * resolves them, so its item lookups are batched too
	 */
	int			npend;
	bool		pend_ids;
	BtPair		pend[BT_PAIR_BATCH];
	int64		pend_id[BT_PAIR_BATCH][2];
} BtCounts;

/*
 * Read-only view of a state's items and pairs, struct of arrays, over a
 * stored value (no copy) or an expanded state (pairs copied out of the
 * hash).  Items: ids (kind int8) or off/names (kind text, as stored).
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
} BtCountsView;

extern BtCounts *bt_counts_new(MemoryContext parent, int kind,
							   int32 items_hint, int32 pairs_hint);
extern void *bt_alloc_big(MemoryContext cxt, Size sz);
extern void bt_advise_big(void *p, Size sz);
extern bool bt_counts_is_ours(Datum d);
extern int32 bt_counts_item_text(BtCounts *bc, const char *s, int len);
extern int32 bt_counts_item_int8(BtCounts *bc, int64 id);
extern void bt_counts_flush(BtCounts *bc);
extern void bt_counts_merge_view(BtCounts *dst, const BtCountsView *src);
extern void bt_counts_get_view(Datum d, BtCountsView *v);

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
