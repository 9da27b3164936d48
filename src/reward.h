/*-------------------------------------------------------------------------
 *
 * reward.h
 *	  SQL glue of the reward model on features: the pass state type
 *	  reward_pass_state (reward_pass.c), the fitted model type
 *	  reward_model (reward_model.c), the fitting driver (reward_fit.c) and
 *	  the feature-array reader they share.  The maths is reward_math.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef REWARD_H
#define REWARD_H

#include "prefcal.h"
#include "reward_math.h"

#define RW_PASS_VERSION 1
#define RW_MODEL_VERSION 1

/*
 * reward_pass_state: the sums of one pass over comparisons at fixed
 * parameters.  data holds params[k], grad[k] and, when hessian is set,
 * the packed lower triangle of the Hessian (k (k + 1) / 2 values).
 * k = d (no position effect) or d + 1 (gamma last).
 */
typedef struct RewardPass
{
	int32		vl_len_;
	int32		version;
	int32		d;
	int32		k;
	int32		objective;
	int32		hessian;		/* 0 or 1 */
	double		brier_weight;
	RwSums		sums;
	double		data[FLEXIBLE_ARRAY_MEMBER];
} RewardPass;

#define RW_PASS_PARAMS(s)	((s)->data)
#define RW_PASS_GRAD(s)		((s)->data + (s)->k)
#define RW_PASS_HESS(s)		((s)->data + 2 * (s)->k)
#define RW_PASS_NDATA(k, h) (2 * (size_t) (k) + ((h) ? (size_t) (k) * ((k) + 1) / 2 : 0))
#define RW_PASS_SIZE(k, h)	(offsetof(RewardPass, data) + sizeof(double) * RW_PASS_NDATA(k, h))

/*
 * A fitted model, unpacked: pointers into a reward_model value (or into
 * the fitting driver's arrays when a model is built).  se, item_se are
 * NULL when no standard errors were computed; scales NULL without
 * standardisation; spurious NULL unless augment is counterfactual.
 */
typedef struct RwModelInfo
{
	int32		d;
	int32		nitems;
	int32		objective;
	int32		optimiser;		/* RW_OPT_* */
	int32		augment;		/* RW_AUG_* */
	int32		nspurious;
	int32		iterations;
	int32		passes;
	int32		max_iter;
	bool		position;
	bool		converged;
	bool		in_memory;
	int64		n;				/* comparisons read */
	double		wsum;			/* their weight, before augmentation */
	double		prior;
	double		brier_weight;
	double		tol;
	double		loglik;			/* of the (augmented) data at the fit */
	double		objective_value;	/* minimised, prior included */
	double		brier;
	double		grad_norm;
	double		gamma;
	double		gamma_se;		/* NaN when none */
	const double *coef;			/* d */
	const double *se;			/* d or NULL */
	const double *scales;		/* d or NULL */
	const int32 *spurious;		/* nspurious, 1-based */
	const double *item_effect;	/* nitems */
	const double *item_se;		/* nitems or NULL */
	int32		se_method;		/* RW_SE_* */
	int32		se_note;		/* RW_SEN_* */
	int32		clusters;		/* with RW_SE_CLUSTER, else 0 */
	const double *cov;			/* d (d + 1) / 2, packed lower, or NULL */
	const char *const *item;	/* nitems names */
} RwModelInfo;

/* standard errors: how they were computed, or why there are none */
#define RW_SE_NONE 0
#define RW_SE_HESSIAN 1			/* inverse Hessian (Fisher information) */
#define RW_SE_CLUSTER 2			/* cluster-robust sandwich */
#define RW_SEN_NONE 0
#define RW_SEN_OBJECTIVE 1		/* not the log-likelihood */
#define RW_SEN_PASSES 2			/* L-BFGS over passes: no Hessian */
#define RW_SEN_LIMIT 3			/* more than RW_SE_MAX parameters */
#define RW_SEN_MEMORY 4			/* the Hessian does not fit the budget */
#define RW_SEN_SINGULAR 5		/* the Hessian is not positive definite */
#define RW_SEN_OFF 6			/* prefcal.reward_standard_errors = off */
#define RW_SEN_AUTO 7			/* = auto, and no Newton Hessian */
#define RW_SEN_COUNT 8

/*
 * Largest parameter count with standard errors: a d x d Hessian at the
 * optimum, 8 k^2 bytes (128 MB at 4096).  Largest feature count whose
 * coefficients' covariance the model stores (for reward_predict_se).
 */
#define RW_SE_MAX 4096
#define RW_COV_MAX 256

#define RW_OPT_NEWTON 0
#define RW_OPT_LBFGS 1
#define RW_AUG_NONE 0
#define RW_AUG_SWAP 1
#define RW_AUG_COUNTERFACTUAL 2

extern struct varlena *rw_model_build(const RwModelInfo *mi);
extern void rw_model_unpack(struct varlena *v, RwModelInfo *mi);

/* scratch kept in fn_extra by the functions that read feature arrays */
typedef struct RwScratch
{
	double		x1[RW_MAX_FEATURES + 1];
	double		x2[RW_MAX_FEATURES + 1];
	double		z[RW_MAX_FEATURES + 1];
	double		shortbuf[3][32];	/* aligned copies of short-header arrays */
} RwScratch;

/* a feature array read in place: n values of float8 or real at data */
typedef struct RwView
{
	int			n;
	bool		is_float8;
	const void *data;
	void	   *tofree;			/* a detoasted copy, or NULL */
} RwView;

/*
 * Look at a one-dimensional float8[] or real[] without NULLs (slot 0..2
 * chooses the scratch buffer for a short-header value); errors as
 * rw_read_vector.  Release with rw_view_release.
 */
extern void rw_view(Datum d, const char *what, RwScratch *scratch, int slot,
					RwView *v);
extern void rw_view_to_double(const RwView *v, double *out);

static inline void
rw_view_release(RwView *v)
{
	if (v->tofree)
		pfree(v->tofree);
}

extern RwScratch *rw_scratch(FunctionCallInfo fcinfo);

/*
 * Read a one-dimensional float8[] or real[] without NULLs into out (at
 * most RW_MAX_FEATURES values); returns its length.  what names the
 * argument in errors.  Allocates only for a toasted value (freed before
 * returning).
 */
extern int	rw_read_vector(Datum d, double *out, const char *what,
						   RwScratch *scratch);

/* objective names */
extern int	rw_parse_objective(const char *s);
extern const char *rw_objective_name(int obj);

/* the accumulate step with a non-finite eta turned into an error */
extern void rw_check_finite_row(double eta, const double *x1,
								const double *x2, int d);
extern void rw_check_outcome_weight(double y, double w);

/* reward_fit.c */
extern void rw_init_guc(void);

#endif							/* REWARD_H */
