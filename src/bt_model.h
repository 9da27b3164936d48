/*-------------------------------------------------------------------------
 *
 * bt_model.h
 *	  The bt_model type's stored form, shared by the fit that builds it
 *	  (bt_fit.c), its text and binary I/O (bt_model_io.c) and the
 *	  accessors (bt_model.c).
 *
 * Stored form, version 1: the BtModelFlat header below, then per item
 * float8 score[n], se[n] (NaN = not computed), wins[n], losses[n],
 * ties[n], then the ids sorted ascending (bigint: int64[n]; text: byte
 * order, uint32 off[n + 1] padded to 8 and NUL-terminated names padded
 * to 8), so accessors find an item by binary search.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_MODEL_H
#define BT_MODEL_H

#include "prefcal.h"

#include "bt_counts.h"

#define BT_MODEL_VERSION 1

#define BT_MF_POSITION	0x01
#define BT_MF_SWAP		0x02
#define BT_MF_BRIER		0x04
#define BT_MF_CONVERGED	0x08
#define BT_MF_HAS_SE	0x10
#define BT_MF_ALL		0x1F

typedef struct BtModelFlat
{
	int32		vl_len_;
	int32		version;
	int32		kind;
	int32		n_items;
	int32		names_len;
	int32		ties;
	int32		flags;
	int32		reference;		/* item index or -1 */
	int32		iterations;
	int32		max_iter;
	int32		components;
	int32		pad;
	int64		n_pairs;
	double		prior;
	double		brier_weight;
	double		tol;
	double		tie_log;
	double		tie_log_se;
	double		position;
	double		position_se;
	double		loglik;
	double		deviance;
	double		objective;
	double		brier;
	double		grad_norm;
	double		scaled_grad;
	double		n_comparisons;
	/* arrays follow */
} BtModelFlat;

#define BT_MODEL_HDRSZ sizeof(BtModelFlat)

/* accessors into the arrays */
#define BTM_SCORE(m)	((double *) ((char *) (m) + BT_MODEL_HDRSZ))
#define BTM_SE(m)		(BTM_SCORE(m) + (m)->n_items)
#define BTM_WINS(m)		(BTM_SE(m) + (m)->n_items)
#define BTM_LOSSES(m)	(BTM_WINS(m) + (m)->n_items)
#define BTM_TIES(m)		(BTM_LOSSES(m) + (m)->n_items)
#define BTM_IDS(m)		((int64 *) (BTM_TIES(m) + (m)->n_items))
#define BTM_OFF(m)		((uint32 *) (BTM_TIES(m) + (m)->n_items))
#define BTM_NAMES(m)	((char *) BTM_OFF(m) + TYPEALIGN(8, sizeof(uint32) * ((m)->n_items + 1)))

/* the ties option's names, by BtTies value */
extern const char *const bt_ties_names[3];

static inline const char *
btm_name(const BtModelFlat *m, int32 k)
{
	return BTM_NAMES(m) + BTM_OFF(m)[k];
}

/* the prefcal.bt_standard_errors setting (bt_fit.c) */
extern void bt_init_guc(void);

/* bytes of a model with n items (an error beyond what a value can hold) */
extern Size bt_model_size(int kind, int32 n, Size names_len);

/* detoast and check the layout (not the numbers: see bt_model_in) */
extern BtModelFlat *bt_model_get(Datum d);

/* the header fields as JSON members (text output and bt_info) */
extern void btm_append_header(StringInfo buf, const BtModelFlat *m);

#endif							/* BT_MODEL_H */
