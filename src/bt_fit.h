/*-------------------------------------------------------------------------
 *
 * bt_fit.h
 *	  bt_fit's options and the fit without errors for a missing estimate
 *	  that the bootstrap (bt_boot.c) runs on each replicate's counts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_FIT_H
#define BT_FIT_H

#include "prefcal.h"

#include "bt_counts.h"
#include "bt_solve.h"

typedef struct BtOptions
{
	BtTies		ties;
	double		prior;
	char	   *reference;		/* NULL = centred */
	int			reference_len;
	bool		position;
	bool		swap;
	bool		brier;
	double		brier_weight;
	int			max_iter;
	double		tol;
} BtOptions;

/* what bt_fit_scores returns; score has room for the view's n_items */
typedef struct BtQuietFit
{
	double	   *score;			/* in the view's item order */
	double		position;		/* 0 without a position effect */
	double		tie_log;		/* 0 unless ties => 'davidson' */
	bool		converged;
} BtQuietFit;

extern void bt_options_from_args(FunctionCallInfo fcinfo, BtOptions *opt);
extern bool bt_fit_scores(const BtCountsView *bc, const BtOptions *opt,
						  bool quiet, BtQuietFit *out, const char **why);

#endif							/* BT_FIT_H */
