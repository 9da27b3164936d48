/*-------------------------------------------------------------------------
 *
 * bt_boot_int.h
 *	  The bt_bootstrap_state value shared by the files of the Bradley-Terry
 *	  bootstrap: its header, layout accessors and the state functions of
 *	  bt_boot.c used by bt_boot_io.c (text and binary I/O), bt_boot_agg.c
 *	  (the aggregates) and bt_boot_fit.c (the readers).  The layout and the
 *	  text form are described in bt_boot.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_BOOT_INT_H
#define BT_BOOT_INT_H

#include "prefcal.h"

#include "boot.h"
#include "fmgr.h"
#include "kernels.h"

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
static inline int32
btb_bits_for(int64 n)
{
	int32		b = 4;

	while (((int64) 1 << b) < 2 * n)
		b++;
	return b;
}

typedef struct BtbOrder
{
	const BtbState *s;
	int32		k;
} BtbOrder;

/* bt_boot.c */
extern BtbState *btb_alloc(int32 replicates, int64 seed, int64 cap_items, int64 names_cap,
		  int64 cap_pairs, bool indexed);
extern BtbState *btb_working_copy(const BtbState *src, int64 want_items, int64 want_names,
				 int64 want_pairs);
extern int32 btb_item(BtbState **sp, const char *name, int len);
extern int32 btb_pair(BtbState **sp, int32 i, int32 j);
extern void btb_overflow(void);
extern int btb_item_cmp(const void *a, const void *b);
extern BtbState *btb_canonical(const BtbState *s);
extern void btb_validate(const BtbState *s);

#endif							/* BT_BOOT_INT_H */
