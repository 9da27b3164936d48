/*-------------------------------------------------------------------------
 *
 * consistency.h
 *	  What consistency.c (the per-group aggregate, its state type and the
 *	  classification) offers consistency_prior.c (the empirical-Bayes
 *	  prior): calls go that way only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CONSISTENCY_H
#define PREFCAL_CONSISTENCY_H

#include "agreement_map.h"
#include "consistency_eb.h"

#include "fmgr.h"

/* documented in doc/annotation.md */
#define PC_CONS_MAX_CONDITIONS 1000

extern const PcMapSpec pc_cons_spec;

/* the condition names of a stored consistency_prior, in byte order */
typedef struct PcPriorNames
{
	int			n;
	const int32 *off;			/* offset of name c in base */
	const char *base;			/* NUL-terminated names */
} PcPriorNames;

extern Datum pc_consistency_result(FunctionCallInfo fcinfo, PcMap *map,
								   const PcEbParams *prior,
								   const PcPriorNames *names,
								   double threshold);

/* the prior's index of a condition name, or -1 (consistency.c) */
extern int	pc_prior_condition_index(const PcPriorNames *names,
									 const char *name, int len);

#endif							/* PREFCAL_CONSISTENCY_H */
