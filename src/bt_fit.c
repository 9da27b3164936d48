/*-------------------------------------------------------------------------
 *
 * bt_fit.c
 *	  bt_fit (function of a bt_counts state, and the final function of the
 *	  bt_fit aggregate): reads the state's pairs, checks that the maximum
 *	  likelihood estimate exists, runs the solver (bt_solve.c) and builds
 *	  the bt_model value (bt_model.h).
 *
 * A fit runs in stages over one BtFit context: the item order and the
 * reference item; with augment => 'swap', the swapped pairs; one pass over
 * the pairs (counts, totals, the win graph's arcs); the graph's strongly
 * connected components; the existence checks; the solve and its checks;
 * building the model.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "bt_bigmem.h"
#include "bt_counts.h"
#include "bt_fit.h"
#include "bt_model.h"
#include "bt_solve.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

/*
 * A standard error above this (log-odds units; Fisher information below
 * 1e-6) means the estimate does not exist or is not identified.
 */
#define BT_SE_LIMIT 1000.0

/*
 * prefcal.bt_standard_errors: when bt_fit computes standard errors.
 * auto: for fits of up to BT_DENSE_NEWTON_MAX items, whose Newton steps
 * factorise a dense matrix of the same size anyway; on: up to
 * BT_SE_MAX_ITEMS; off: never.  The scores do not depend on it.
 */
typedef enum BtSeSetting
{
	BT_SE_AUTO,
	BT_SE_ON,
	BT_SE_OFF
} BtSeSetting;

static int	bt_se_setting = BT_SE_AUTO;

static const struct config_enum_entry bt_se_options[] = {
	{"auto", BT_SE_AUTO, false},
	{"on", BT_SE_ON, false},
	{"off", BT_SE_OFF, false},
	{NULL, 0, false}
};

void
bt_init_guc(void)
{
	DefineCustomEnumVariable("prefcal.bt_standard_errors",
							 "When bt_fit computes standard errors of the scores.",
							 "\"auto\": for fits of up to 600 items; \"on\": up to 3000 items; "
							 "\"off\": never.  The scores are the same either way.",
							 &bt_se_setting,
							 BT_SE_AUTO,
							 bt_se_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* whether a fit of n items computes standard errors */
static bool
bt_want_se(int32 n)
{
	switch ((BtSeSetting) bt_se_setting)
	{
		case BT_SE_ON:
			return true;
		case BT_SE_OFF:
			return false;
		case BT_SE_AUTO:
			break;
	}
	return n <= BT_DENSE_NEWTON_MAX;
}


/*
 * The fit's working memory for the solver (BtEnv).  A state read in place
 * lends its empty log and sort space (bt_counts_get_chunks): memory it has
 * already written, which costs far less to write again than fresh memory
 * (see bt_retire_big), and which on a large state holds the solver's
 * per-pair arrays.  Blocks are handed out from it in order, never given
 * back; what does not fit is allocated.  One lives in each fit's context.
 */
typedef struct BtLoan
{
	char	   *base[2];
	Size		size[2];
	Size		used[2];
} BtLoan;

/* one fit: its input, options, and what each stage leaves for the next */
typedef struct BtFit
{
	const BtCountsView *bc;
	const BtOptions *opt;
	int32		n;				/* items */
	int32	   *order;			/* sorted position -> state item */
	int32	   *rank;			/* state item -> sorted position */
	int32		reference;		/* state item or -1 */

	/* the pairs the solver sees: the state's, or swapped */
	int64		m;
	int			nchunk;
	const BtChunk *chunk;
	BtChunk		swapped;

	/* per item: raw counts, and effective wins and losses (ties' share) */
	double	   *wins;
	double	   *losses;
	double	   *ties;
	double	   *ewin;
	double	   *eloss;

	/* totals over the pairs */
	int64		n_data;			/* pairs with counts the model uses */
	double		ncmp;
	double		total_ties;
	double		total_decided;
	double		first_w;
	double		first_l;
	double		saturated;		/* saturated log-likelihood */

	/* the win graph's strongly connected components */
	int32	   *comp;
	int			ncomp;

	/*
	 * quiet: a fit whose estimate does not exist sets failed (the reason)
	 * and stops instead of raising an error, and a fit that does not
	 * converge gives no warning (bt_fit_scores, the bootstrap's
	 * replicates); want_se: compute standard errors
	 */
	bool		quiet;
	bool		want_se;
	const char *failed;

	BtProblem	pb;
	BtResult	res;
	BtLoan		loan;
	BtEnv		env;
} BtFit;

static void
bt_loan_set(BtLoan *loan, const BtCountsView *v)
{
	memset(loan, 0, sizeof(*loan));
	for (int r = 0; r < 2; r++)
	{
		char	   *b = v->idle[r];
		char	   *a;

		if (b == NULL)
			continue;
		a = (char *) TYPEALIGN(64, (uintptr_t) b);
		if ((Size) (a - b) >= v->idle_size[r])
			continue;
		loan->base[r] = a;
		loan->size[r] = v->idle_size[r] - (a - b);
	}
}

static void *
bt_loan_alloc(void *arg, size_t size)
{
	BtLoan	   *loan = (BtLoan *) arg;
	Size		asz = TYPEALIGN(64, size);
	void	   *p = NULL;

	for (int r = 0; r < 2 && p == NULL; r++)
		if (loan->base[r] && loan->size[r] - loan->used[r] >= asz)
		{
			p = loan->base[r] + loan->used[r];
			loan->used[r] += asz;
		}
	if (p == NULL)
		p = bt_alloc_big(CurrentMemoryContext, size);
	memset(p, 0, size);
	return p;
}

static void
bt_loan_release(void *arg, void *p)
{
	BtLoan	   *loan = (BtLoan *) arg;

	for (int r = 0; r < 2; r++)
		if (loan->base[r] && (char *) p >= loan->base[r] &&
			(char *) p < loan->base[r] + loan->size[r])
			return;
	bt_free_big(p);
}

/* item order: by id (bigint) or name bytes (text) */
static int
bt_item_cmp(const void *a, const void *b, void *arg)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;
	const BtCountsView *bc = (const BtCountsView *) arg;

	if (bc->kind == BT_IDS_INT8)
		return (bc->ids[x] > bc->ids[y]) - (bc->ids[x] < bc->ids[y]);
	return pc_cmp_bytes(bt_view_name(bc, x), bt_view_name_len(bc, x),
						bt_view_name(bc, y), bt_view_name_len(bc, y));
}

/* item k's name for messages */
static void
bt_append_item(StringInfo buf, const BtCountsView *bc, int32 k)
{
	if (bc->kind == BT_IDS_INT8)
		appendStringInfo(buf, INT64_FORMAT, bc->ids[k]);
	else
		appendStringInfo(buf, "\"%.64s\"", bt_view_name(bc, k));
}

/* up to 5 items of a list, then "and N more" */
static char *
bt_item_list(const BtCountsView *bc, const int32 *items, int count)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = 0; k < count && k < 5; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		bt_append_item(&buf, bc, items[k]);
	}
	if (count > 5)
		appendStringInfo(&buf, " and %d more", count - 5);
	return buf.data;
}

/* pair (i, j)'s raw counts added to its two items' wins, losses and ties */
static inline void
bt_add_raw(double *wins, double *losses, double *ties, int32 i, int32 j,
		   double w1, double w2, double wt)
{
	wins[i] += w1;
	losses[j] += w1;
	wins[j] += w2;
	losses[i] += w2;
	ties[i] += wt;
	ties[j] += wt;
}

/* the items in id order, and the reference item */
static void
bt_fit_items(BtFit *f)
{
	const BtCountsView *bc = f->bc;
	const BtOptions *opt = f->opt;
	int32		n = f->n;
	int32		r = -1;

	f->order = palloc(sizeof(int32) * n);
	f->rank = palloc(sizeof(int32) * n);
	for (int32 k = 0; k < n; k++)
		f->order[k] = k;
	qsort_arg(f->order, n, sizeof(int32), bt_item_cmp, (void *) bc);
	for (int32 k = 0; k < n; k++)
		f->rank[f->order[k]] = k;

	f->reference = -1;
	if (!opt->reference)
		return;
	if (bc->kind == BT_IDS_TEXT)
	{
		for (int32 k = 0; k < n && r < 0; k++)
			if (bt_view_name_len(bc, k) == opt->reference_len &&
				memcmp(bt_view_name(bc, k), opt->reference, opt->reference_len) == 0)
				r = k;
	}
	else
	{
		char	   *end;
		long long	id;

		errno = 0;
		id = strtoll(opt->reference, &end, 10);
		if (errno == 0 && end != opt->reference && *end == '\0')
			for (int32 k = 0; k < n && r < 0; k++)
				if (bc->ids[k] == (int64) id)
					r = k;
	}
	if (r < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reference item \"%s\" does not occur in the comparisons",
						opt->reference)));
	f->reference = r;
}

/*
 * The pairs the solver sees, with the state's item indices: the stored
 * arrays themselves, or with augment => 'swap' each pair twice, after the
 * raw counts of each item (without swap, the pass over pairs adds them).
 * Pairs without counts (ties dropped) stay in: they contribute nothing.
 */
static void
bt_fit_pairs(BtFit *f)
{
	const BtCountsView *bc = f->bc;
	int32	   *si,
			   *sj;
	double	   *s1,
			   *s2,
			   *st;
	int64		m,
				k = 0;

	if (!f->opt->swap)
	{
		f->m = bc->n_pairs;
		f->nchunk = bc->nchunk;
		f->chunk = bc->chunk;
		return;
	}
	for (int c = 0; c < bc->nchunk; c++)
	{
		const BtChunk *ch = &bc->chunk[c];

		for (int64 r = 0; r < ch->m; r++)
			bt_add_raw(f->wins, f->losses, f->ties, ch->i[r], ch->j[r],
					   ch->w1[r], ch->w2[r], ch->wt[r]);
	}
	m = (int64) bc->n_pairs * 2;
	si = bt_alloc_big(CurrentMemoryContext, sizeof(int32) * m);
	sj = bt_alloc_big(CurrentMemoryContext, sizeof(int32) * m);
	s1 = bt_alloc_big(CurrentMemoryContext, sizeof(double) * m);
	s2 = bt_alloc_big(CurrentMemoryContext, sizeof(double) * m);
	st = bt_alloc_big(CurrentMemoryContext, sizeof(double) * m);
	for (int c = 0; c < bc->nchunk; c++)
	{
		const BtChunk *ch = &bc->chunk[c];

		for (int64 r = 0; r < ch->m; r++, k++)
		{
			si[2 * k] = sj[2 * k + 1] = ch->i[r];
			sj[2 * k] = si[2 * k + 1] = ch->j[r];
			s1[2 * k] = s2[2 * k + 1] = ch->w1[r];
			s2[2 * k] = s1[2 * k + 1] = ch->w2[r];
			st[2 * k] = st[2 * k + 1] = ch->wt[r];
		}
	}
	f->swapped.m = m;
	f->swapped.i = si;
	f->swapped.j = sj;
	f->swapped.w1 = s1;
	f->swapped.w2 = s2;
	f->swapped.wt = st;
	f->m = m;
	f->nchunk = 1;
	f->chunk = &f->swapped;
}

/*
 * A pair's share of the saturated log-likelihood (for the deviance),
 * added to *sat; a pair with a single kind of outcome adds exactly 0
 * (count * log(1)), so its log is not taken (most pairs of a large sparse
 * table)
 */
static inline void
bt_add_saturated(double *sat, BtTies ties, double w1, double w2, double wt,
				 double a, double b, double nk)
{
	if (ties == BT_TIES_DAVIDSON)
	{
		if ((w1 > 0) + (w2 > 0) + (wt > 0) >= 2)
		{
			if (w1 > 0)
				*sat += w1 * log(w1 / nk);
			if (w2 > 0)
				*sat += w2 * log(w2 / nk);
			if (wt > 0)
				*sat += wt * log(wt / nk);
		}
	}
	else if (a > 0 && b > 0)
	{
		*sat += a * log(a / nk);
		*sat += b * log(b / nk);
	}
}

/*
 * One pass over the solver's pairs: the raw counts (without swap),
 * effective wins and losses (with swap; without, from the raw counts
 * after the pass), totals, the arcs of the win graph (arc[m + 1])
 */
static void
bt_fit_pass(BtFit *f, uint8 *arc)
{
	const BtOptions *opt = f->opt;

	for (int64 c = 0, k = 0; c < f->nchunk; c++)
	{
		const int32 *pi = f->chunk[c].i;
		const int32 *pj = f->chunk[c].j;
		const double *w1 = f->chunk[c].w1;
		const double *w2 = f->chunk[c].w2;
		const double *wt = f->chunk[c].wt;
		uint8	   *ak = arc + k;

		for (int64 r = 0; r < f->chunk[c].m; r++)
		{
			double		tk = opt->ties == BT_TIES_DROP ? 0.0 : wt[r];
			double		a = w1[r] + tk * 0.5;
			double		b = w2[r] + tk * 0.5;
			double		nk = w1[r] + w2[r] + tk;

			if (!opt->swap)
				bt_add_raw(f->wins, f->losses, f->ties, pi[r], pj[r],
						   w1[r], w2[r], wt[r]);
			f->n_data += nk > 0;
			f->ncmp += nk;
			f->total_ties += tk;
			f->total_decided += w1[r] + w2[r];
			f->first_w += a;
			f->first_l += b;
			if (opt->swap)
			{
				f->ewin[pi[r]] += a;
				f->eloss[pj[r]] += a;
				f->ewin[pj[r]] += b;
				f->eloss[pi[r]] += b;
			}
			ak[r] = (a > 0 ? BT_ARC_FWD : 0) | (b > 0 ? BT_ARC_BWD : 0);
			bt_add_saturated(&f->saturated, opt->ties, w1[r], w2[r], wt[r],
							 a, b, nk);
		}
		k += f->chunk[c].m;
	}
	/* without swap, an item's effective wins are its wins and its ties' share */
	if (!opt->swap)
	{
		double		half = opt->ties == BT_TIES_DROP ? 0.0 : 0.5;

		for (int32 x = 0; x < f->n; x++)
		{
			f->ewin[x] = f->wins[x] + half * f->ties[x];
			f->eloss[x] = f->losses[x] + half * f->ties[x];
		}
	}
}

/* the pass over pairs, then the win graph's strongly connected components */
static void
bt_fit_graph(BtFit *f)
{
	uint8	   *arc = bt_env_alloc(&f->env, f->m + 1);

	bt_fit_pass(f, arc);
	f->comp = palloc(sizeof(int32) * f->n);
	f->ncomp = bt_scc(f->n, f->nchunk, f->chunk, arc, f->comp, &f->env);
	bt_env_release(&f->env, arc);
}

/* in a quiet fit, record why it failed and return false */
#define BT_QUIET_FAIL(f, why) \
	do { \
		if ((f)->quiet) \
		{ \
			(f)->failed = (why); \
			return false; \
		} \
	} while (0)

/* the checks that do not depend on the prior */
static bool
bt_fit_check_data(BtFit *f)
{
	const BtOptions *opt = f->opt;

	if (opt->ties == BT_TIES_DAVIDSON && (f->total_ties <= 0 || f->total_decided <= 0))
		BT_QUIET_FAIL(f, "no ties or no decided comparisons (Davidson)");
	if (opt->ties == BT_TIES_DAVIDSON && (f->total_ties <= 0 || f->total_decided <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Davidson tie parameter cannot be estimated"),
				 errdetail(f->total_ties <= 0 ? "The comparisons hold no ties." :
						   "Every comparison is a tie."),
				 errhint("Use ties => 'half' or ties => 'drop'.")));
	if (opt->position && (f->first_w <= 0 || f->first_l <= 0))
		BT_QUIET_FAIL(f, "the first-shown item won or lost every comparison");
	if (opt->position && (f->first_w <= 0 || f->first_l <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the position effect cannot be estimated"),
				 errdetail("The first-shown item %s every comparison.",
						   f->first_w <= 0 ? "lost" : "won"),
				 errhint("Fit without position_effect => true.")));
	return true;
}

/*
 * Without a prior, the estimate exists only if every item has decided
 * comparisons, a loss and a win, and the win graph is one strongly
 * connected component; items are named in id order.
 */
static bool
bt_fit_check_exists(BtFit *f)
{
	const BtCountsView *bc = f->bc;
	const int32 *order = f->order;
	int32		n = f->n;
	int32	   *bad;
	int			nbad = 0;

	if (f->quiet)
	{
		for (int32 r = 0; r < n; r++)
		{
			if (f->ewin[r] + f->eloss[r] <= 0)
				BT_QUIET_FAIL(f, "an item has no comparisons");
			if (f->eloss[r] <= 0 || f->ewin[r] <= 0)
				BT_QUIET_FAIL(f, "an item only wins or only loses");
		}
		if (f->ncomp > 1)
			BT_QUIET_FAIL(f, "the comparison graph is not strongly connected");
		return true;
	}
	bad = palloc(sizeof(int32) * n);

	/* items with no comparisons left (only ties, dropped) */
	for (int32 r = 0; r < n; r++)
		if (f->ewin[order[r]] + f->eloss[order[r]] <= 0)
			bad[nbad++] = order[r];
	if (nbad > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d item%s no comparisons to fit", nbad,
						nbad == 1 ? " has" : "s have"),
				 errdetail("Without decided comparisons: %s.",
						   bt_item_list(bc, bad, nbad)),
				 errhint("Use ties => 'half', or a prior (for example prior => 0.1).")));
	for (int32 r = 0; r < n; r++)
		if (f->eloss[order[r]] <= 0)
			bad[nbad++] = order[r];
	if (nbad > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maximum likelihood estimate does not exist: %d item%s only wins",
						nbad, nbad == 1 ? " has" : "s have"),
				 errdetail("Items that never lost: %s.", bt_item_list(bc, bad, nbad)),
				 errhint("Add a prior (for example prior => 0.1) to get finite scores.")));
	for (int32 r = 0; r < n; r++)
		if (f->ewin[order[r]] <= 0)
			bad[nbad++] = order[r];
	if (nbad > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maximum likelihood estimate does not exist: %d item%s only losses",
						nbad, nbad == 1 ? " has" : "s have"),
				 errdetail("Items that never won: %s.", bt_item_list(bc, bad, nbad)),
				 errhint("Add a prior (for example prior => 0.1) to get finite scores.")));
	if (f->ncomp > 1)
	{
		int32	   *top = palloc(sizeof(int32) * n);
		int			ntop = 0;

		for (int32 r = 0; r < n; r++)
		{
			if (f->comp[order[r]] == f->ncomp - 1)
				top[ntop++] = order[r];
			if (f->comp[order[r]] == 0)
				bad[nbad++] = order[r];
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maximum likelihood estimate does not exist: the comparison graph has %d strongly connected components",
						f->ncomp),
				 errdetail("Items %s never lose to an item outside their group; items %s never beat one outside theirs.",
						   bt_item_list(bc, top, ntop), bt_item_list(bc, bad, nbad)),
				 errhint("Add a prior (for example prior => 0.1), or fit each component separately.")));
	}
	pfree(bad);
	return true;
}

/* the solver's problem, and the solve */
static void
bt_fit_solve(BtFit *f)
{
	const BtOptions *opt = f->opt;
	BtProblem  *pb = &f->pb;

	memset(pb, 0, sizeof(*pb));
	pb->n = f->n;
	pb->m = f->m;
	pb->nchunk = f->nchunk;
	pb->chunk = f->chunk;
	pb->ties = opt->ties;
	pb->prior = opt->prior;
	pb->position = opt->position;
	pb->brier_weight = opt->brier ? opt->brier_weight : 0.0;
	pb->max_iter = opt->max_iter;
	pb->tol = opt->tol;
	pb->reference = f->reference;
	/* with ties as halves the effective counts are the start's */
	if (opt->ties == BT_TIES_HALF)
	{
		pb->start_wins = f->ewin;
		pb->start_losses = f->eloss;
	}
	bt_solve(pb, &f->env, f->want_se, &f->res);
}

/*
 * What the solve tells about existence: a diverging parameter, or a
 * vanishing Fisher information.  The graph checks are exact for the
 * scores alone.  With a position effect (or a Davidson parameter) the
 * estimate can still fail to exist (the position effect separates the
 * outcomes) or fail to be identified; both show as a vanishing Fisher
 * information, which the solver may meet before a parameter passes the
 * divergence limit.  Then a warning if the fit did not converge.
 */
static bool
bt_fit_check_result(BtFit *f)
{
	const BtOptions *opt = f->opt;
	const BtResult *res = &f->res;

	if (res->diverged)
		BT_QUIET_FAIL(f, "the fitted parameters diverge");
	if (res->diverged)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maximum likelihood estimate does not exist: the fitted parameters diverge"),
				 errdetail("A score difference%s passed %g on the log-odds scale.",
						   opt->position ? ", the position effect" : "",
						   BT_DIVERGENCE_LIMIT),
				 errhint(opt->position ?
						 "The position effect may be separable from the data; fit without position_effect => true, or add a prior." :
						 "Add a prior (for example prior => 0.1).")));
	if (res->se)
	{
		double		worst = 0.0;

		if (opt->prior == 0)
			for (int32 k = 0; k < f->n; k++)
				worst = fmax(worst, res->se[k]);
		if (opt->position)
			worst = fmax(worst, res->position_se);
		if (opt->ties == BT_TIES_DAVIDSON)
			worst = fmax(worst, res->tie_log_se);
		if (!(worst <= BT_SE_LIMIT))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("maximum likelihood estimate does not exist or is not identified"),
					 errdetail("A standard error is %g on the log-odds scale (the limit is %g): the data carry almost no information about %s.",
							   worst, BT_SE_LIMIT,
							   opt->position ? "the scores or the position effect" : "the scores"),
					 errhint(opt->position ?
							 "Check that items are shown in both positions; fit without position_effect => true, or add a prior." :
							 "Add a prior (for example prior => 0.1).")));
	}
	if (!res->converged && !f->quiet)
		ereport(WARNING,
				(errmsg("Bradley-Terry fit did not converge in %d iterations", res->iterations),
				 errdetail("The scaled gradient is %g; the tolerance is %g.",
						   res->scaled_grad, opt->tol),
				 errhint("Raise max_iter or tol; bt_info() reports converged = false.")));
	return true;
}

/*
 * A fit whose reported numbers left the float8 range (weights near
 * 1e250, say) would make a model its own input function and bt_info
 * refuse, and so one that cannot be dumped and restored: an error
 * instead.  NaN marks an absent value only where the text writes null.
 */
static void
btm_check_finite(const BtModelFlat *m)
{
	struct
	{
		const char *name;
		double		v;
		bool		nan_ok;
	}			f[] = {
		{"gradient_norm", m->grad_norm, false},
		{"scaled_gradient", m->scaled_grad, false},
		{"loglik", m->loglik, false},
		{"deviance", m->deviance, false},
		{"objective_value", m->objective, false},
		{"brier", m->brier, true},
		{"log_tie_parameter", m->tie_log, false},
		{"log_tie_parameter_se", m->tie_log_se, true},
		{"position_effect", m->position, false},
		{"position_effect_se", m->position_se, true},
		{"n_comparisons", m->n_comparisons, false},
	};

	for (int i = 0; i < (int) lengthof(f); i++)
		if (isinf(f[i].v) || (isnan(f[i].v) && !f[i].nan_ok))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the fitted model's %s is out of range", f[i].name),
					 errdetail("It is %g, which a bt_model cannot store.", f[i].v),
					 errhint("Give weights on a scale where 1 means one comparison.")));
	for (int32 k = 0; k < m->n_items; k++)
		if (isinf(BTM_SE(m)[k]) || !isfinite(BTM_WINS(m)[k]) ||
			!isfinite(BTM_LOSSES(m)[k]) || !isfinite(BTM_TIES(m)[k]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the fitted model's per-item standard errors or counts are out of range"),
					 errhint("Give weights on a scale where 1 means one comparison.")));
}

/* the model's header: options, totals and the solver's results */
static void
bt_fit_header(const BtFit *f, BtModelFlat *out)
{
	const BtCountsView *bc = f->bc;
	const BtOptions *opt = f->opt;
	const BtResult *res = &f->res;

	out->version = BT_MODEL_VERSION;
	out->kind = bc->kind;
	out->n_items = f->n;
	out->names_len = bc->kind == BT_IDS_TEXT ? (int32) bc->names_len : 0;
	out->ties = opt->ties;
	out->flags = (opt->position ? BT_MF_POSITION : 0) |
		(opt->swap ? BT_MF_SWAP : 0) |
		(opt->brier ? BT_MF_BRIER : 0) |
		(res->converged ? BT_MF_CONVERGED : 0) |
		(res->se ? BT_MF_HAS_SE : 0);
	out->reference = f->reference >= 0 ? f->rank[f->reference] : -1;
	out->iterations = res->iterations;
	out->max_iter = opt->max_iter;
	out->components = f->ncomp;
	out->n_pairs = f->n_data;
	out->prior = opt->prior;
	out->brier_weight = opt->brier_weight;
	out->tol = opt->tol;
	out->tie_log = opt->ties == BT_TIES_DAVIDSON ? res->tie_log : 0.0;
	out->tie_log_se = opt->ties == BT_TIES_DAVIDSON ? res->tie_log_se : NAN;
	out->position = res->position;
	out->position_se = opt->position ? res->position_se : NAN;
	out->loglik = res->loglik;

	/*
	 * A difference of two totals, whose absolute rounding is about 1e-16
	 * of |loglik| (and which can come out slightly below 0 where the model
	 * is saturated); when that has cost six digits or more (a total weight
	 * near 1e15, say), the deviance is summed again pair by pair.
	 */
	out->deviance = fmax(2.0 * (f->saturated - res->loglik), 0.0);
	if (out->deviance < 1e-6 * (fabs(f->saturated) + fabs(res->loglik)))
		out->deviance = bt_deviance_pairs(&f->pb, res);
	out->objective = res->objective;
	out->brier = opt->ties == BT_TIES_DAVIDSON ? NAN : res->brier;
	out->grad_norm = res->grad_norm;
	out->scaled_grad = res->scaled_grad;
	out->n_comparisons = f->ncmp;
}

/* the stored model: the header, then the items in id order */
static BtModelFlat *
bt_fit_build(const BtFit *f)
{
	const BtCountsView *bc = f->bc;
	const BtResult *res = &f->res;
	int32		n = f->n;
	Size		sz = bt_model_size(bc->kind, n, bc->names_len);
	BtModelFlat *out = palloc_extended(sz, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	SET_VARSIZE(out, sz);
	bt_fit_header(f, out);
	for (int32 k = 0; k < n; k++)
	{
		int32		r = f->rank[k];

		BTM_SCORE(out)[r] = res->score[k];
		BTM_SE(out)[r] = res->se ? res->se[k] : NAN;
		BTM_WINS(out)[r] = f->wins[k];
		BTM_LOSSES(out)[r] = f->losses[k];
		BTM_TIES(out)[r] = f->ties[k];
	}
	if (bc->kind == BT_IDS_INT8)
	{
		for (int32 k = 0; k < n; k++)
			BTM_IDS(out)[k] = bc->ids[f->order[k]];
	}
	else
	{
		uint32	   *off = BTM_OFF(out);
		char	   *names = BTM_NAMES(out);
		uint32		pos = 0;

		for (int32 k = 0; k < n; k++)
		{
			int32		s = f->order[k];
			uint32		len = bc->off[s + 1] - bc->off[s];

			off[k] = pos;
			memcpy(names + pos, bt_view_name(bc, s), len);
			pos += len;
		}
		off[n] = pos;
	}
	btm_check_finite(out);
	return out;
}

/*
 * The stages up to the solve and its checks; false when a quiet fit
 * failed (f->failed says why).
 */
static bool
bt_fit_run(BtFit *f, const BtCountsView *bc, const BtOptions *opt, bool quiet,
		   bool want_se)
{
	int32		n = bc->n_items;

	memset(f, 0, sizeof(*f));
	f->bc = bc;
	f->opt = opt;
	f->n = n;
	f->quiet = quiet;
	f->want_se = want_se;
	bt_loan_set(&f->loan, bc);
	f->env.alloc = bt_loan_alloc;
	f->env.release = bt_loan_release;
	f->env.interrupt = pc_interrupt;
	f->env.arg = &f->loan;
	if (bc->n_pairs == 0 || n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bt_state state holds no comparisons")));

	bt_fit_items(f);
	f->wins = palloc0(sizeof(double) * n);
	f->losses = palloc0(sizeof(double) * n);
	f->ties = palloc0(sizeof(double) * n);
	f->ewin = palloc0(sizeof(double) * n);
	f->eloss = palloc0(sizeof(double) * n);
	bt_fit_pairs(f);
	CHECK_FOR_INTERRUPTS();
	bt_fit_graph(f);
	if (!bt_fit_check_data(f))
		return false;
	if (opt->prior == 0 && !bt_fit_check_exists(f))
		return false;
	bt_fit_solve(f);
	return bt_fit_check_result(f);
}

/*
 * The scores (in the view's item order), position effect, log tie
 * parameter and whether the fit converged, as bt_fit would store them,
 * without standard errors.  Quiet: no error when the estimate does not
 * exist (false then, *why the reason) and no warning when the fit does not
 * converge; otherwise bt_fit's errors and warning.  Memory from
 * CurrentMemoryContext, which the caller resets.
 */
bool
bt_fit_scores(const BtCountsView *bc, const BtOptions *opt, bool quiet,
			  BtQuietFit *out, const char **why)
{
	BtFit		f;

	if (!bt_fit_run(&f, bc, opt, quiet, false))
	{
		*why = f.failed;
		return false;
	}
	memcpy(out->score, f.res.score, sizeof(double) * f.n);
	out->position = f.res.position;
	out->tie_log = opt->ties == BT_TIES_DAVIDSON ? f.res.tie_log : 0.0;
	out->converged = f.res.converged;
	*why = NULL;
	return true;
}

/*
 * The fit behind bt_fit and the bt_fit aggregate.
 */
static Datum
bt_fit_internal(const BtCountsView *bc, const BtOptions *opt)
{
	BtFit		f;

	(void) bt_fit_run(&f, bc, opt, false, bt_want_se(bc->n_items));
	return PointerGetDatum(bt_fit_build(&f));
}


static void
bt_opt_null(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("option %s must not be NULL", name)));
}

static void
bt_opt_nonneg(double v, const char *name)
{
	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is NaN", name)));
	if (v < 0 || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %g is out of range", name, v),
				 errdetail("It must be finite and non-negative.")));
}

/*
 * bt_fit's options from arguments 1 to 9 of a call, in bt_fit's order
 * (ties, prior, reference, position_effect, augment, objective,
 * brier_weight, max_iter, tol): a NULL reference means centred scores,
 * any other NULL option is an error.  bt_ci and its family take the same
 * options in the same places.
 */
void
bt_options_from_args(FunctionCallInfo fcinfo, BtOptions *optp)
{
	BtOptions	opt;
	char	   *s;

	for (int k = 1; k < 10; k++)
	{
		static const char *const names[] = {NULL, "ties", "prior", "reference",
			"position_effect", "augment", "objective", "brier_weight", "max_iter", "tol"};

		if (k != 3 && PG_ARGISNULL(k))
			bt_opt_null(names[k]);
	}
	memset(&opt, 0, sizeof(opt));
	s = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(s, "half") == 0)
		opt.ties = BT_TIES_HALF;
	else if (strcmp(s, "davidson") == 0)
		opt.ties = BT_TIES_DAVIDSON;
	else if (strcmp(s, "drop") == 0)
		opt.ties = BT_TIES_DROP;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown ties option \"%s\"", s),
				 errhint("Use 'half', 'davidson' or 'drop'.")));
	opt.prior = PG_GETARG_FLOAT8(2);
	bt_opt_nonneg(opt.prior, "prior");
	if (!PG_ARGISNULL(3))
	{
		text	   *r = PG_GETARG_TEXT_PP(3);

		opt.reference = text_to_cstring(r);
		opt.reference_len = VARSIZE_ANY_EXHDR(r);
	}
	opt.position = PG_GETARG_BOOL(4);
	s = text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (strcmp(s, "swap") == 0)
		opt.swap = true;
	else if (strcmp(s, "none") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown augment option \"%s\"", s),
				 errhint("Use 'none' or 'swap'.")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(6));
	/* 'log_loss' is the name; the 0.1.0 spelling 'logloss' stays accepted */
	if (strcmp(s, "log_loss+brier") == 0 || strcmp(s, "logloss+brier") == 0)
		opt.brier = true;
	else if (strcmp(s, "log_loss") != 0 && strcmp(s, "logloss") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown objective \"%s\"", s),
				 errhint("Use 'log_loss' or 'log_loss+brier'.")));
	opt.brier_weight = PG_GETARG_FLOAT8(7);
	bt_opt_nonneg(opt.brier_weight, "brier_weight");
	if (opt.brier && opt.ties == BT_TIES_DAVIDSON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("objective 'log_loss+brier' is not available with ties => 'davidson'"),
				 errhint("Use ties => 'half' or 'drop' with the Brier term.")));
	opt.max_iter = PG_GETARG_INT32(8);
	if (opt.max_iter < 0 || opt.max_iter > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("max_iter %d is out of range", opt.max_iter),
				 errdetail("It must be between 0 and 100000.")));
	opt.tol = PG_GETARG_FLOAT8(9);
	if (!(opt.tol > 0) || isinf(opt.tol))
		ereport(ERROR,
				(errcode(isnan(opt.tol) ? ERRCODE_INVALID_PARAMETER_VALUE :
						 ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("tol %g is out of range", opt.tol),
				 errdetail("It must be finite and positive.")));
	*optp = opt;
}

/*
 * bt_fit(state bt_counts, ties text, prior float8, reference text,
 *        position_effect boolean, augment text, objective text,
 *        brier_weight float8, max_iter int, tol float8) -> bt_model
 *
 * Not strict: a NULL state gives NULL; the options as
 * bt_options_from_args reads them.
 */
PG_FUNCTION_INFO_V1(bt_fit);
Datum
bt_fit(PG_FUNCTION_ARGS)
{
	BtOptions	opt;
	BtCountsView v;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	bt_options_from_args(fcinfo, &opt);
	bt_counts_get_chunks(PG_GETARG_DATUM(0), &v);
	PG_RETURN_DATUM(bt_fit_internal(&v, &opt));
}

/*
 * bt_fit_final(bt_counts) -> bt_model: final function of the bt_fit
 * aggregates, all options at their defaults.
 */
PG_FUNCTION_INFO_V1(bt_fit_final);
Datum
bt_fit_final(PG_FUNCTION_ARGS)
{
	BtOptions	opt;
	BtCountsView v;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	memset(&opt, 0, sizeof(opt));
	opt.ties = BT_TIES_HALF;
	opt.brier_weight = 1.0;
	opt.max_iter = 100;
	opt.tol = 1e-9;
	bt_counts_get_chunks(PG_GETARG_DATUM(0), &v);
	PG_RETURN_DATUM(bt_fit_internal(&v, &opt));
}
