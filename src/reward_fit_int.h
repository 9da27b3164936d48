/*-------------------------------------------------------------------------
 *
 * reward_fit_int.h
 *	  The fit of a reward model, shared by the files of reward_fit alone:
 *	  the driver (reward_fit.c: options, stages, the model), reading the
 *	  query and holding its rows (reward_rows.c), evaluation and the
 *	  optimisers (reward_opt.c), and standard errors (reward_se.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef REWARD_FIT_INT_H
#define REWARD_FIT_INT_H

#include "reward.h"

#include "bt_dense.h"
#include "executor/spi.h"

/* prefcal.reward_memory, in kilobytes (reward_fit.c) */
extern int	rw_memory_kb;

/* prefcal.reward_standard_errors (reward_fit.c) */
#define RW_SE_SETTING_AUTO 0
#define RW_SE_SETTING_ON 1
#define RW_SE_SETTING_OFF 2
extern int	rw_se_setting;

/* rows held in memory, in chunks */
typedef struct RwChunk
{
	int			m;
	double	   *z;				/* m x d feature differences */
	double	   *y;
	double	   *w;
	int32	   *a;				/* item numbers, or NULL */
	int32	   *b;
	int32	   *c;				/* cluster numbers, or NULL */
} RwChunk;

/* a string-keyed numbering of names: open addressing */
typedef struct RwNames
{
	char	  **name;
	int			n;
	int			cap;
	int32	   *htab;			/* name number + 1 */
	uint32	   *hkey;
	int			hcap;
} RwNames;

typedef struct RwFit
{
	int			d;
	int			kd;				/* d + position */
	int			nitems;
	int			k;
	bool		items;			/* item columns given */
	bool		clustered;		/* a cluster column given */
	bool		position;
	int			objective;
	double		lambda;
	double		prior;
	int			augment;
	bool	   *spur;			/* d flags */

	/* in memory */
	bool		in_memory;
	RwChunk    *chunk;
	int			nchunk;
	int			chunk_cap;
	int			chunk_rows;
	int64		rows;			/* comparisons read (weight > 0 or not) */
	double		wsum;			/* their weight */
	Size		bytes;

	RwNames		itemnames;		/* nitems == itemnames.n */
	RwNames		clusters;		/* cluster keys */
	int			nclusters;		/* clusters.n plus the rows with a NULL key */
	int64		held;			/* rows held (weight > 0) */

	/* pass mode */
	SPIPlanPtr	plan;

	int			passes;
	double	   *zbuf;			/* 2 (d + 1): the rows of rw_twins */
} RwFit;

/* the columns the query returns */
typedef struct RwCols
{
	bool		features;		/* first_features/second_features given */
	bool		weight;
	bool		items;
	bool		cluster;
	const char *ftype1;			/* cast for the feature columns, or "" */
	const char *ftype2;
	const char *ycast;
} RwCols;

/* what the optimisers report */
typedef struct RwOpt
{
	double	   *theta;
	double	   *H;				/* packed Hessian at theta (Newton), or NULL */
	RwSums		sums;
	double		gmax;
	int			iterations;
	bool		converged;
} RwOpt;

/* a design row of one comparison (rw_twins) */
typedef struct RwTwin
{
	const double *z;			/* kd values */
	int			a;
	int			b;
	double		y;
} RwTwin;

/* reward_rows.c */
extern void rw_describe(const char *query, RwCols *c);
extern char *rw_columns_sql(const char *query, const RwCols *c, bool swapped);
extern int	rw_first_d(const char *sql);
extern bool rw_materialise(RwFit *ft, const char *sql, const RwCols *cols,
						   FunctionCallInfo fcinfo);
extern void rw_release_rows(RwFit *ft);
extern double *rw_standardise(RwFit *ft);

/* reward_opt.c */
extern void rw_eval(RwFit *ft, const double *theta, bool hess, RwSums *sums,
					double *g, double *H);
extern void rw_check_divergence(RwFit *ft, const RwSums *sums);
extern void rw_newton(RwFit *ft, int max_iter, double tol, RwOpt *o);
extern void rw_lbfgs(RwFit *ft, int max_iter, double tol, RwOpt *o);
extern int	rw_twins(const RwFit *ft, const double *zrow, int a, int b,
					 double y, RwTwin tw[2]);
extern const BtEnv rw_bt_env;
extern void rw_dense_from_packed(const RwFit *ft, const double *H, double mu,
								 double *A, int ld);
extern void rw_centre_items(const RwFit *ft, double *A, int ld);

/* standard errors of a fit (reward_se.c) */
typedef struct RwSe
{
	double	   *se;				/* k values, or NULL */
	double	   *cov;			/* packed lower triangle of w's covariance
								 * (d <= RW_COV_MAX), or NULL */
	int			method;			/* RW_SE_* */
	int			note;			/* RW_SEN_*: why se is NULL */
	int			clusters;
} RwSe;

/* reward_se.c */
extern void rw_standard_errors(RwFit *ft, const RwOpt *o, RwSe *out);

#endif							/* REWARD_FIT_INT_H */
