/*-------------------------------------------------------------------------
 *
 * consistency_model.h
 *	  The Bayesian model comparison behind classify_preference_consistency:
 *	  pure maths on per-condition counts (no Datum, no palloc, no ereport).
 *	  The model, its priors and the decision rule are documented in
 *	  doc/annotation.md; test/ref/consistency/ re-implements it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CONSISTENCY_MODEL_H
#define PREFCAL_CONSISTENCY_MODEL_H

#include <stdbool.h>

/* classes, in the order of the composite's probability fields */
#define PC_CONS_GENUINE 0
#define PC_CONS_NON_ATTITUDE 1
#define PC_CONS_CONSTRUCTED 2
#define PC_CONS_INSUFFICIENT 3

/*
 * Priors.  A direction's agreement probability p (probability of choosing
 * the pair's first item) is drawn from the symmetric two-component mixture
 * 1/2 Beta(ALPHA, BETA) + 1/2 Beta(BETA, ALPHA): mass near 0 or 1, one
 * component per direction.  A non-attitude's per-condition probability is
 * Beta(NULL_A, NULL_A), concentrated around 1/2.
 */
#define PC_CONS_ALPHA 4.0
#define PC_CONS_BETA 0.75
#define PC_CONS_NULL_A 50.0
/* prior class probabilities: equal */
#define PC_CONS_PRIOR_GENUINE (1.0 / 3.0)
#define PC_CONS_PRIOR_NON_ATTITUDE (1.0 / 3.0)
#define PC_CONS_PRIOR_CONSTRUCTED (1.0 / 3.0)
/* a label needs at least this posterior probability */
#define PC_CONS_THRESHOLD 0.4

typedef struct PcConsResult
{
	double		log_ml[3];		/* log marginal likelihood per class */
	double		post[3];		/* posterior probability per class */
	int			label;			/* PC_CONS_* */
} PcConsResult;

/*
 * k[c], m[c]: (weighted) counts of choices of the first and of the second
 * item under condition c, c = 0..nc-1.  n_responses and n_conditions are
 * the raw counts used by the "insufficient" rules.
 */
/*
 * Posteriors from log marginal likelihoods and log prior class weights,
 * and the decision rule (doc/annotation.md): shared by the fixed-prior
 * and the empirical-Bayes classifiers.  threshold: the smallest posterior
 * a label needs (PC_CONS_THRESHOLD for the fixed-prior classifier).
 */
extern void pc_consistency_decide(const double log_ml[3],
								  const double log_prior[3],
								  long n_responses, int n_conditions,
								  double threshold, PcConsResult *res);

extern void pc_consistency_classify(const double *k, const double *m, int nc,
									long n_responses, int n_conditions,
									PcConsResult *res);

#endif							/* PREFCAL_CONSISTENCY_MODEL_H */
