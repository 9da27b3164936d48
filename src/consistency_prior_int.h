/*-------------------------------------------------------------------------
 *
 * consistency_prior_int.h
 *	  Shared by the two files of the empirical-Bayes prior alone:
 *	  consistency_prior.c (the aggregate, the fit, classification under a
 *	  prior, and the stored prior's checks and construction) and
 *	  consistency_prior_io.c (the text and binary I/O of
 *	  preference_consistency_prior_model and of
 *	  preference_consistency_prior_state).
 *
 * Calls go consistency_prior_io.c -> consistency_prior.c, never back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CONSISTENCY_PRIOR_INT_H
#define PREFCAL_CONSISTENCY_PRIOR_INT_H

#include "agreement_map.h"
#include "consistency.h"
#include "consistency_eb.h"

#include "fmgr.h"

#define PC_PRIOR_VERSION 1
#define PC_PRIOR_CONVERGED 0x0001

/*
 * Layout: the header, then double r[ncond], double pi[npat], int32
 * off[ncond] (offset of each name in the name area), then the names,
 * each NUL-terminated, in strictly increasing byte order.
 */
typedef struct PcPrior
{
	int32		vl_len_;
	int16		version;
	int16		flags;
	int32		ncond;
	int32		npat;
	int32		iterations;
	double		n_groups;
	double		loglik;
	double		w[3];
	double		rho;
	double		q;
} PcPrior;

#define PRIOR_R(p) ((double *) ((char *) (p) + sizeof(PcPrior)))
#define PRIOR_PI(p) (PRIOR_R(p) + (p)->ncond)
#define PRIOR_OFF(p) ((int32 *) (PRIOR_PI(p) + (p)->npat))
#define PRIOR_NAMES(p) ((char *) (PRIOR_OFF(p) + (p)->ncond))

/* the state type's map: one count vector key -> its multiplicity */
extern const PcMapSpec pc_prior_groups_spec;

/* patterns of a prior: 2^ncond - 2 up to PC_EB_MAX_PATTERN_CONDITIONS, else 0 */
extern int	pc_prior_npat_for(int ncond);

/* the view of a stored prior that consistency_eb.c and lookups use */
extern void pc_prior_view(const PcPrior *pr, PcEbParams *par,
						  PcPriorNames *names);

/* NULL if the parameters make a valid prior, else the reason */
extern const char *pc_prior_check(const PcEbParams *par, char **names,
								  const int *lens, double n_groups,
								  int iterations, double loglik);

/* a stored prior from checked parameters */
extern PcPrior *pc_prior_build(const PcEbParams *par, char **names,
							   const int *lens, double n_groups,
							   int iterations, bool converged,
							   double loglik);

/* a detoasted stored prior; ERROR if its version or size is wrong */
extern PcPrior *pc_prior_from_datum(Datum d);

#endif							/* PREFCAL_CONSISTENCY_PRIOR_INT_H */
