/*-------------------------------------------------------------------------
 *
 * bt_counts.h
 *	  The bt_counts pair-count state: its in-memory (expanded) form, an
 *	  open-addressing hash of items and of ordered pairs that the
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
 *-------------------------------------------------------------------------
 */
#ifndef BT_COUNTS_H
#define BT_COUNTS_H

#include "prefcal.h"

#include "utils/expandeddatum.h"

#define BT_COUNTS_VERSION 1

/*
 * Cap on distinct ordered pairs (and on items): the stored form takes 32
 * bytes per pair and must stay below PostgreSQL's 1 GB value limit; in
 * memory a pair costs about 40 bytes.
 */
#define BT_MAX_PAIRS (1 << 24)
#define BT_MAX_ITEMS (1 << 24)

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

typedef struct BtCounts
{
	ExpandedObjectHeader hdr;

	int			kind;

	/* items */
	int32		n_items;
	int32		cap_items;
	int64	   *ids;			/* kind int8 */
	uint32	   *off;			/* kind text: cap_items + 1 offsets */
	char	   *names;			/* kind text: NUL-terminated names */
	Size		names_len;
	Size		names_cap;
	uint32	   *ihash;			/* hash of each item */
	int32	   *islot;			/* open addressing: item index or -1 */
	uint32		imask;

	/* ordered pairs */
	int32		n_pairs;
	int32		cap_pairs;
	int32	   *pi;
	int32	   *pj;
	double	   *w1;
	double	   *w2;
	double	   *wt;
	int32	   *pslot;			/* open addressing: pair index or -1 */
	uint32		pmask;
} BtCounts;

extern BtCounts *bt_counts_new(MemoryContext parent, int kind);
extern BtCounts *bt_counts_from_datum(Datum d, MemoryContext parent,
									  bool *copied);
extern bool bt_counts_is_ours(Datum d);
extern int32 bt_counts_item_text(BtCounts *bc, const char *s, int len);
extern int32 bt_counts_item_int8(BtCounts *bc, int64 id);
extern int32 bt_counts_find_text(const BtCounts *bc, const char *s, int len);
extern int32 bt_counts_find_int8(const BtCounts *bc, int64 id);
extern bool bt_counts_add(BtCounts *bc, int32 i, int32 j,
						  double w1, double w2, double wt);
extern void bt_counts_merge_into(BtCounts *dst, const BtCounts *src);

static inline const char *
bt_counts_name(const BtCounts *bc, int32 k)
{
	return bc->names + bc->off[k];
}

static inline const char *
bt_kind_name(int kind)
{
	return kind == BT_IDS_TEXT ? "text" : kind == BT_IDS_INT8 ? "bigint" : "none";
}

#endif							/* BT_COUNTS_H */
