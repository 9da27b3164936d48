/*-------------------------------------------------------------------------
 *
 * bt_counts_int.h
 *	  Declarations shared by the files of the bt_counts state and type
 *	  (bt_counts.c: the state and its item hash; bt_counts_merge.c: pairs,
 *	  log and merges; bt_counts_flat.c: stored form and views;
 *	  bt_counts_io.c: text and binary I/O; bt_counts_agg.c: aggregate
 *	  support), and by nothing else.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_COUNTS_INT_H
#define BT_COUNTS_INT_H

#include "bt_bigmem.h"
#include "bt_counts.h"

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


/*
 * Capacity of each pair segment: a state has either one segment, of
 * cap_pairs up to BT_SEG_SIZE, or full-size ones.
 */
static inline int32
bt_seg_cap(const BtCounts *bc)
{
	return Min(bc->cap_pairs, BT_SEG_SIZE);
}


/* bt_counts.c */
extern void bt_too_many(const char *what, int64 cap);
extern int	bt_bits_for(int64 count, int minbits);
extern void bt_counts_set_kind(BtCounts *bc, int kind);

/* bt_counts_merge.c */
extern void bt_log_make_room(BtCounts *bc);
extern void bt_pend_resolve(BtCounts *bc);
extern void bt_pairs_append(BtCounts *bc, int32 i, int32 j, double w1,
							double w2, double wt);
extern void bt_counts_flush_columns(BtCounts *bc);
extern void bt_pairs_to_arrays(const BtCounts *bc, int32 *pi, int32 *pj,
							   double *w1, double *w2, double *wt);
extern void bt_count_overflow(void) pg_attribute_noreturn();
extern void bt_flat_corrupt(const char *what) pg_attribute_noreturn();

/* bt_counts_flat.c */
extern const ExpandedObjectMethods bt_counts_methods;
extern Size bt_counts_get_flat_size(ExpandedObjectHeader *eohptr);
extern void bt_counts_flatten_into(ExpandedObjectHeader *eohptr,
								   void *result, Size allocated_size);
extern BtCounts *bt_counts_expanded(Datum d, MemoryContext parent);
extern void bt_counts_free(BtCounts *bc);

/* the row paths, inlined into the transition functions */
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

#endif							/* BT_COUNTS_INT_H */
