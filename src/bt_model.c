/*-------------------------------------------------------------------------
 *
 * bt_model.c
 *	  The bt_model type (a fitted Bradley-Terry model), bt_fit (function
 *	  of a bt_counts state, and the final function of the bt_fit
 *	  aggregate) with its existence checks, and the accessors bt_scores,
 *	  bt_predict, bt_predict_tie, bt_predict_shown and bt_info.
 *
 * Stored form, version 1: the BtModelFlat header below, then per item
 * float8 score[n], se[n] (NaN = not computed), wins[n], losses[n],
 * ties[n], then the ids sorted ascending (bigint: int64[n]; text: byte
 * order, uint32 off[n + 1] padded to 8 and NUL-terminated names padded
 * to 8), so accessors find an item by binary search.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "bt_counts.h"
#include "bt_solve.h"
#include "bt_text.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#define BT_MODEL_VERSION 1

/*
 * A standard error above this (log-odds units; Fisher information below
 * 1e-6) means the estimate does not exist or is not identified.
 */
#define BT_SE_LIMIT 1000.0

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

static void btm_check_finite(const BtModelFlat *m);
static const char *const bt_ties_names[] = {"half", "davidson", "drop"};

static Size
bt_model_size(int kind, int32 n, Size names_len)
{
	Size		sz = BT_MODEL_HDRSZ + sizeof(double) * 5 * (Size) n;

	if (kind == BT_IDS_INT8)
		sz += sizeof(int64) * n;
	else
		sz += TYPEALIGN(8, sizeof(uint32) * (n + 1)) + TYPEALIGN(8, names_len);
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bt_model too large to store (%zu bytes)", sz)));
	return sz;
}

static inline const char *
btm_name(const BtModelFlat *m, int32 k)
{
	return BTM_NAMES(m) + BTM_OFF(m)[k];
}

static void
btm_corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted bt_model value"),
			 errdetail("%s", what)));
}

/* detoast and check the layout (not the numbers: see bt_model_in) */
static BtModelFlat *
bt_model_get(Datum d)
{
	BtModelFlat *m = (BtModelFlat *) PG_DETOAST_DATUM(d);

	if (VARSIZE(m) < BT_MODEL_HDRSZ)
		btm_corrupt("The value is shorter than its header.");
	if (m->version != BT_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported bt_model format version %d", m->version),
				 errdetail("This library reads version %d.", BT_MODEL_VERSION)));
	if ((m->kind != BT_IDS_TEXT && m->kind != BT_IDS_INT8) ||
		m->n_items < 1 || m->n_items > BT_MAX_ITEMS || m->names_len < 0 ||
		m->ties < 0 || m->ties > 2 || (m->flags & ~BT_MF_ALL) != 0 ||
		m->reference < -1 || m->reference >= m->n_items ||
		VARSIZE(m) != bt_model_size(m->kind, m->n_items, m->names_len))
		btm_corrupt("The header does not match the size.");
	return m;
}

/* ---------- item lookup ---------- */

static int32
btm_find_text(const BtModelFlat *m, const char *s, int len)
{
	const uint32 *off = BTM_OFF(m);
	const char *names = BTM_NAMES(m);
	int32		lo = 0,
				hi = m->n_items - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int			c = pc_cmp_bytes(names + off[mid], off[mid + 1] - off[mid] - 1,
									 s, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int32
btm_find_int8(const BtModelFlat *m, int64 id)
{
	const int64 *ids = BTM_IDS(m);
	int32		lo = 0,
				hi = m->n_items - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---------- fitting ---------- */

/*
 * The fit's working memory.  A state read in place lends its empty log
 * and sort space (bt_counts_get_chunks): memory it has already written,
 * which costs far less to write again than fresh memory (see
 * bt_retire_big), and which on the benchmark's state holds the solver's
 * per-pair arrays.  Blocks are handed out from it in order, never given
 * back; what does not fit is allocated.  Set for one bt_fit_internal
 * call (a call that raised an error leaves it set until the next one
 * replaces it, and nothing else allocates through bt_env).
 */
typedef struct BtLoan
{
	char	   *base[2];
	Size		size[2];
	Size		used[2];
} BtLoan;

static BtLoan bt_loan;

static void
bt_loan_set(const BtCountsView *v)
{
	memset(&bt_loan, 0, sizeof(bt_loan));
	for (int r = 0; r < 2; r++)
	{
		char	   *b = v->idle[r];
		char	   *a;

		if (b == NULL)
			continue;
		a = (char *) TYPEALIGN(64, (uintptr_t) b);
		if ((Size) (a - b) >= v->idle_size[r])
			continue;
		bt_loan.base[r] = a;
		bt_loan.size[r] = v->idle_size[r] - (a - b);
	}
}

static void *
bt_env_alloc(size_t size)
{
	Size		asz = TYPEALIGN(64, size);
	void	   *p = NULL;

	for (int r = 0; r < 2 && p == NULL; r++)
		if (bt_loan.base[r] && bt_loan.size[r] - bt_loan.used[r] >= asz)
		{
			p = bt_loan.base[r] + bt_loan.used[r];
			bt_loan.used[r] += asz;
		}
	if (p == NULL)
		p = bt_alloc_big(CurrentMemoryContext, size);
	memset(p, 0, size);
	return p;
}

static void
bt_env_release(void *p)
{
	for (int r = 0; r < 2; r++)
		if (bt_loan.base[r] && (char *) p >= bt_loan.base[r] &&
			(char *) p < bt_loan.base[r] + bt_loan.size[r])
			return;
	bt_free_big(p);
}

static void
bt_env_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
}

static const BtEnv bt_env = {bt_env_alloc, bt_env_release, bt_env_interrupt};

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

/* sort support for the item permutation */
static const BtCountsView *bt_sort_view;

static int
bt_item_cmp(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;
	const BtCountsView *bc = bt_sort_view;

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

/*
 * The fit behind bt_fit and the bt_fit aggregate.
 */
static Datum
bt_fit_internal(const BtCountsView *bc, const BtOptions *opt)
{
	int32		n = bc->n_items;
	int32	   *order;			/* sorted position -> state item */
	int32	   *rank;			/* state item -> sorted position */
	int64		m = 0;
	int64		n_data = 0;		/* pairs with counts the model uses */
	int			nchunk;
	const BtChunk *chunk;
	BtChunk		swapped;
	double	   *wins,
			   *losses,
			   *ties,
			   *ewin,
			   *eloss;
	uint8	   *arc;
	int32	   *comp;
	int			ncomp;
	int32		reference = -1;
	BtProblem	pb;
	BtResult	res;
	double		ncmp = 0.0,
				total_ties = 0.0,
				total_decided = 0.0,
				first_w = 0.0,
				first_l = 0.0,
				saturated = 0.0;
	Size		sz;
	BtModelFlat *out;

	bt_loan_set(bc);
	if (bc->n_pairs == 0 || n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bt_counts state holds no comparisons")));

	/* items in id order */
	order = palloc(sizeof(int32) * n);
	rank = palloc(sizeof(int32) * n);
	for (int32 k = 0; k < n; k++)
		order[k] = k;
	bt_sort_view = bc;
	qsort(order, n, sizeof(int32), bt_item_cmp);
	for (int32 k = 0; k < n; k++)
		rank[order[k]] = k;

	if (opt->reference)
	{
		int32		r;

		r = -1;
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
		reference = r;
	}

	/*
	 * The pairs the solver sees, with the state's item indices: the stored
	 * arrays themselves, or with augment => 'swap' each pair twice.  Pairs
	 * without counts (ties dropped) stay in: they contribute nothing.
	 */
	wins = palloc0(sizeof(double) * n);
	losses = palloc0(sizeof(double) * n);
	ties = palloc0(sizeof(double) * n);
	ewin = palloc0(sizeof(double) * n);
	eloss = palloc0(sizeof(double) * n);
	/* the raw counts of each item (without swap, in the pass below) */
	if (opt->swap)
		for (int c = 0; c < bc->nchunk; c++)
		{
			const BtChunk *ch = &bc->chunk[c];

			for (int64 k = 0; k < ch->m; k++)
				bt_add_raw(wins, losses, ties, ch->i[k], ch->j[k],
						   ch->w1[k], ch->w2[k], ch->wt[k]);
		}
	if (!opt->swap)
	{
		m = bc->n_pairs;
		nchunk = bc->nchunk;
		chunk = bc->chunk;
	}
	else
	{
		int32	   *si,
				   *sj;
		double	   *s1,
				   *s2,
				   *st;
		int64		k = 0;

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
		swapped.m = m;
		swapped.i = si;
		swapped.j = sj;
		swapped.w1 = s1;
		swapped.w2 = s2;
		swapped.wt = st;
		nchunk = 1;
		chunk = &swapped;
	}
	CHECK_FOR_INTERRUPTS();

	/*
	 * One pass over the solver's pairs: the raw counts (without swap),
	 * effective wins and losses (with swap; without, from the raw counts
	 * after the pass), totals, the arcs of the win graph
	 */
	arc = bt_env_alloc(m + 1);
	for (int64 c = 0, k = 0; c < nchunk; c++)
	{
		const int32 *pi = chunk[c].i;
		const int32 *pj = chunk[c].j;
		const double *w1 = chunk[c].w1;
		const double *w2 = chunk[c].w2;
		const double *wt = chunk[c].wt;
		uint8	   *ak = arc + k;

		for (int64 r = 0; r < chunk[c].m; r++)
		{
			double		tk = opt->ties == BT_TIES_DROP ? 0.0 : wt[r];
			double		a = w1[r] + tk * 0.5;
			double		b = w2[r] + tk * 0.5;
			double		nk = w1[r] + w2[r] + tk;

			if (!opt->swap)
				bt_add_raw(wins, losses, ties, pi[r], pj[r], w1[r], w2[r], wt[r]);
			n_data += nk > 0;
			ncmp += nk;
			total_ties += tk;
			total_decided += w1[r] + w2[r];
			first_w += a;
			first_l += b;
			if (opt->swap)
			{
				ewin[pi[r]] += a;
				eloss[pj[r]] += a;
				ewin[pj[r]] += b;
				eloss[pi[r]] += b;
			}
			ak[r] = (a > 0 ? BT_ARC_FWD : 0) | (b > 0 ? BT_ARC_BWD : 0);
			/*
			 * saturated log-likelihood for the deviance; a pair with a single
			 * kind of outcome adds exactly 0 (count * log(1)), so its log is
			 * not taken (most pairs of a large sparse table)
			 */
			if (opt->ties == BT_TIES_DAVIDSON)
			{
				if ((w1[r] > 0) + (w2[r] > 0) + (wt[r] > 0) >= 2)
				{
					if (w1[r] > 0)
						saturated += w1[r] * log(w1[r] / nk);
					if (w2[r] > 0)
						saturated += w2[r] * log(w2[r] / nk);
					if (wt[r] > 0)
						saturated += wt[r] * log(wt[r] / nk);
				}
			}
			else if (a > 0 && b > 0)
			{
				saturated += a * log(a / nk);
				saturated += b * log(b / nk);
			}
		}
		k += chunk[c].m;
	}
	/* without swap, an item's effective wins are its wins and its ties' share */
	if (!opt->swap)
	{
		double		half = opt->ties == BT_TIES_DROP ? 0.0 : 0.5;

		for (int32 x = 0; x < n; x++)
		{
			ewin[x] = wins[x] + half * ties[x];
			eloss[x] = losses[x] + half * ties[x];
		}
	}
	comp = palloc(sizeof(int32) * n);
	ncomp = bt_scc(n, nchunk, chunk, arc, comp, &bt_env);
	bt_env_release(arc);

	/* checks that do not depend on the prior */
	if (opt->ties == BT_TIES_DAVIDSON && (total_ties <= 0 || total_decided <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Davidson tie parameter cannot be estimated"),
				 errdetail(total_ties <= 0 ? "The comparisons hold no ties." :
						   "Every comparison is a tie."),
				 errhint("Use ties => 'half' or ties => 'drop'.")));
	if (opt->position && (first_w <= 0 || first_l <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the position effect cannot be estimated"),
				 errdetail("The first-shown item %s every comparison.",
						   first_w <= 0 ? "lost" : "won"),
				 errhint("Fit without position_effect => true.")));

	if (opt->prior == 0)
	{
		int32	   *bad = palloc(sizeof(int32) * n);
		int			nbad = 0;

		/* items with no comparisons left (only ties, dropped) */
		for (int32 r = 0; r < n; r++)
			if (ewin[order[r]] + eloss[order[r]] <= 0)
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
			if (eloss[order[r]] <= 0)
				bad[nbad++] = order[r];
		if (nbad > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("maximum likelihood estimate does not exist: %d item%s only wins",
							nbad, nbad == 1 ? " has" : "s have"),
					 errdetail("Items that never lost: %s.", bt_item_list(bc, bad, nbad)),
					 errhint("Add a prior (for example prior => 0.1) to get finite scores.")));
		for (int32 r = 0; r < n; r++)
			if (ewin[order[r]] <= 0)
				bad[nbad++] = order[r];
		if (nbad > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("maximum likelihood estimate does not exist: %d item%s only losses",
							nbad, nbad == 1 ? " has" : "s have"),
					 errdetail("Items that never won: %s.", bt_item_list(bc, bad, nbad)),
					 errhint("Add a prior (for example prior => 0.1) to get finite scores.")));
		if (ncomp > 1)
		{
			int32	   *top = palloc(sizeof(int32) * n);
			int			ntop = 0;

			for (int32 r = 0; r < n; r++)
			{
				if (comp[order[r]] == ncomp - 1)
					top[ntop++] = order[r];
				if (comp[order[r]] == 0)
					bad[nbad++] = order[r];
			}
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("maximum likelihood estimate does not exist: the comparison graph has %d strongly connected components",
							ncomp),
					 errdetail("Items %s never lose to an item outside their group; items %s never beat one outside theirs.",
							   bt_item_list(bc, top, ntop), bt_item_list(bc, bad, nbad)),
					 errhint("Add a prior (for example prior => 0.1), or fit each component separately.")));
		}
		pfree(bad);
	}

	memset(&pb, 0, sizeof(pb));
	pb.n = n;
	pb.m = m;
	pb.nchunk = nchunk;
	pb.chunk = chunk;
	pb.ties = opt->ties;
	pb.prior = opt->prior;
	pb.position = opt->position;
	pb.brier_weight = opt->brier ? opt->brier_weight : 0.0;
	pb.max_iter = opt->max_iter;
	pb.tol = opt->tol;
	pb.reference = reference;
	/* with ties as halves the effective counts are the start's */
	if (opt->ties == BT_TIES_HALF)
	{
		pb.start_wins = ewin;
		pb.start_losses = eloss;
	}
	bt_solve(&pb, &bt_env, true, &res);

	if (res.diverged)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maximum likelihood estimate does not exist: the fitted parameters diverge"),
				 errdetail("A score difference%s passed %g on the log-odds scale.",
						   opt->position ? ", the position effect" : "",
						   BT_DIVERGENCE_LIMIT),
				 errhint(opt->position ?
						 "The position effect may be separable from the data; fit without position_effect => true, or add a prior." :
						 "Add a prior (for example prior => 0.1).")));

	/*
	 * The graph checks above are exact for the scores alone.  With a
	 * position effect (or a Davidson parameter) the estimate can still fail
	 * to exist (the position effect separates the outcomes) or fail to be
	 * identified; both show as a vanishing Fisher information, which the
	 * solver may meet before a parameter passes the divergence limit.
	 */
	if (res.se)
	{
		double		worst = 0.0;

		if (opt->prior == 0)
			for (int32 k = 0; k < n; k++)
				worst = fmax(worst, res.se[k]);
		if (opt->position)
			worst = fmax(worst, res.position_se);
		if (opt->ties == BT_TIES_DAVIDSON)
			worst = fmax(worst, res.tie_log_se);
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
	if (!res.converged)
		ereport(WARNING,
				(errmsg("Bradley-Terry fit did not converge in %d iterations", res.iterations),
				 errdetail("The scaled gradient is %g; the tolerance is %g.",
						   res.scaled_grad, opt->tol),
				 errhint("Raise max_iter or tol; bt_info() reports converged = false.")));

	/* the stored model */
	sz = bt_model_size(bc->kind, n, bc->names_len);
	out = palloc_extended(sz, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	SET_VARSIZE(out, sz);
	out->version = BT_MODEL_VERSION;
	out->kind = bc->kind;
	out->n_items = n;
	out->names_len = bc->kind == BT_IDS_TEXT ? (int32) bc->names_len : 0;
	out->ties = opt->ties;
	out->flags = (opt->position ? BT_MF_POSITION : 0) |
		(opt->swap ? BT_MF_SWAP : 0) |
		(opt->brier ? BT_MF_BRIER : 0) |
		(res.converged ? BT_MF_CONVERGED : 0) |
		(res.se ? BT_MF_HAS_SE : 0);
	out->reference = reference >= 0 ? rank[reference] : -1;
	out->iterations = res.iterations;
	out->max_iter = opt->max_iter;
	out->components = ncomp;
	out->n_pairs = n_data;
	out->prior = opt->prior;
	out->brier_weight = opt->brier_weight;
	out->tol = opt->tol;
	out->tie_log = opt->ties == BT_TIES_DAVIDSON ? res.tie_log : 0.0;
	out->tie_log_se = opt->ties == BT_TIES_DAVIDSON ? res.tie_log_se : NAN;
	out->position = res.position;
	out->position_se = opt->position ? res.position_se : NAN;
	out->loglik = res.loglik;
	/*
	 * A difference of two totals, whose absolute rounding is about 1e-16
	 * of |loglik| (and which can come out slightly below 0 where the model
	 * is saturated); when that has cost six digits or more (a total weight
	 * near 1e15, say), the deviance is summed again pair by pair.
	 */
	out->deviance = fmax(2.0 * (saturated - res.loglik), 0.0);
	if (out->deviance < 1e-6 * (fabs(saturated) + fabs(res.loglik)))
		out->deviance = bt_deviance_pairs(&pb, &res);
	out->objective = res.objective;
	out->brier = opt->ties == BT_TIES_DAVIDSON ? NAN : res.brier;
	out->grad_norm = res.grad_norm;
	out->scaled_grad = res.scaled_grad;
	out->n_comparisons = ncmp;
	for (int32 k = 0; k < n; k++)
	{
		int32		r = rank[k];

		BTM_SCORE(out)[r] = res.score[k];
		BTM_SE(out)[r] = res.se ? res.se[k] : NAN;
		BTM_WINS(out)[r] = wins[k];
		BTM_LOSSES(out)[r] = losses[k];
		BTM_TIES(out)[r] = ties[k];
	}
	if (bc->kind == BT_IDS_INT8)
	{
		for (int32 k = 0; k < n; k++)
			BTM_IDS(out)[k] = bc->ids[order[k]];
	}
	else
	{
		uint32	   *off = BTM_OFF(out);
		char	   *names = BTM_NAMES(out);
		uint32		pos = 0;

		for (int32 k = 0; k < n; k++)
		{
			int32		s = order[k];
			uint32		len = bc->off[s + 1] - bc->off[s];

			off[k] = pos;
			memcpy(names + pos, bt_view_name(bc, s), len);
			pos += len;
		}
		off[n] = pos;
	}
	btm_check_finite(out);
	memset(&bt_loan, 0, sizeof(bt_loan));
	return PointerGetDatum(out);
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
 * bt_fit(state bt_counts, ties text, prior float8, reference text,
 *        position_effect boolean, augment text, objective text,
 *        brier_weight float8, max_iter int, tol float8) -> bt_model
 *
 * Not strict: a NULL reference means centred scores; a NULL state gives
 * NULL; any other NULL option is an error.
 */
PG_FUNCTION_INFO_V1(bt_fit);
Datum
bt_fit(PG_FUNCTION_ARGS)
{
	BtOptions	opt;
	char	   *s;
	BtCountsView v;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
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
	if (strcmp(s, "logloss+brier") == 0)
		opt.brier = true;
	else if (strcmp(s, "logloss") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown objective \"%s\"", s),
				 errhint("Use 'logloss' or 'logloss+brier'.")));
	opt.brier_weight = PG_GETARG_FLOAT8(7);
	bt_opt_nonneg(opt.brier_weight, "brier_weight");
	if (opt.brier && opt.ties == BT_TIES_DAVIDSON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("objective 'logloss+brier' is not available with ties => 'davidson'"),
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

/* ---------- text I/O ---------- */

static void
bt_append_num_or_null(StringInfo buf, double x)
{
	if (isnan(x))
		appendStringInfoString(buf, "null");
	else
		pc_append_float8(buf, x);
}

static void
btm_append_item(StringInfo buf, const BtModelFlat *m, int32 k)
{
	if (m->kind == BT_IDS_INT8)
		appendStringInfo(buf, INT64_FORMAT, BTM_IDS(m)[k]);
	else
		bt_append_json_string(buf, btm_name(m, k));
}

/*
 * The model's header fields as JSON members (shared by the text output
 * and bt_info, so both name them the same way).
 */
static void
btm_append_header(StringInfo buf, const BtModelFlat *m)
{
	appendStringInfo(buf, "\"version\": %d, \"ids\": \"%s\", \"ties\": \"%s\", \"prior\": ",
					 m->version, bt_kind_name(m->kind), bt_ties_names[m->ties]);
	pc_append_float8(buf, m->prior);
	appendStringInfoString(buf, ", \"reference\": ");
	if (m->reference >= 0)
		btm_append_item(buf, m, m->reference);
	else
		appendStringInfoString(buf, "null");
	appendStringInfo(buf, ", \"position\": %s, \"augment\": \"%s\", \"objective\": \"%s\", \"brier_weight\": ",
					 (m->flags & BT_MF_POSITION) ? "true" : "false",
					 (m->flags & BT_MF_SWAP) ? "swap" : "none",
					 (m->flags & BT_MF_BRIER) ? "logloss+brier" : "logloss");
	pc_append_float8(buf, m->brier_weight);
	appendStringInfo(buf, ", \"max_iter\": %d, \"tol\": ", m->max_iter);
	pc_append_float8(buf, m->tol);
	appendStringInfo(buf, ", \"iterations\": %d, \"converged\": %s, \"gradient_norm\": ",
					 m->iterations, (m->flags & BT_MF_CONVERGED) ? "true" : "false");
	pc_append_float8(buf, m->grad_norm);
	appendStringInfoString(buf, ", \"scaled_gradient\": ");
	pc_append_float8(buf, m->scaled_grad);
	appendStringInfoString(buf, ", \"loglik\": ");
	pc_append_float8(buf, m->loglik);
	appendStringInfoString(buf, ", \"deviance\": ");
	pc_append_float8(buf, m->deviance);
	appendStringInfoString(buf, ", \"objective_value\": ");
	pc_append_float8(buf, m->objective);
	appendStringInfoString(buf, ", \"brier\": ");
	bt_append_num_or_null(buf, m->brier);
	appendStringInfo(buf, ", \"n_pairs\": " INT64_FORMAT ", \"n_comparisons\": ",
					 m->n_pairs);
	pc_append_float8(buf, m->n_comparisons);
	appendStringInfo(buf, ", \"components\": %d, \"log_tie_parameter\": ", m->components);
	if (m->ties == BT_TIES_DAVIDSON)
		pc_append_float8(buf, m->tie_log);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"log_tie_parameter_se\": ");
	bt_append_num_or_null(buf, m->tie_log_se);
	appendStringInfoString(buf, ", \"position_effect\": ");
	if (m->flags & BT_MF_POSITION)
		pc_append_float8(buf, m->position);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"position_effect_se\": ");
	bt_append_num_or_null(buf, m->position_se);
}

/*
 * bt_model_out(bt_model) -> cstring: a JSON object, every float8 exact
 */
PG_FUNCTION_INFO_V1(bt_model_out);
Datum
bt_model_out(PG_FUNCTION_ARGS)
{
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	btm_append_header(&buf, m);
	appendStringInfo(&buf, ", \"n_items\": %d, \"items\": [", m->n_items);
	for (int32 k = 0; k < m->n_items; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoChar(&buf, '[');
		btm_append_item(&buf, m, k);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_SCORE(m)[k]);
		appendStringInfoString(&buf, ", ");
		bt_append_num_or_null(&buf, BTM_SE(m)[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_WINS(m)[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_LOSSES(m)[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_TIES(m)[k]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

static double
btm_lex_num_or_null(BtLex *lx)
{
	if (bt_lex_null(lx))
		return NAN;
	return bt_lex_finite(lx);
}

static double
btm_lex_nonneg(BtLex *lx)
{
	double		v = bt_lex_finite(lx);

	if (v < 0)
		bt_lex_error(lx, "a non-negative number");
	return v;
}

static int
btm_lex_choice(BtLex *lx, const char *const *choices, int n)
{
	int			len;
	char	   *s = bt_lex_string(lx, &len);

	for (int k = 0; k < n; k++)
		if (strcmp(s, choices[k]) == 0)
			return k;
	bt_lex_error(lx, "a known option value");
}

/*
 * bt_model_in(cstring) -> bt_model: reads what bt_model_out writes, keys
 * in the same order, checking every value.
 */
PG_FUNCTION_INFO_V1(bt_model_in);
Datum
bt_model_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	static const char *const kinds[] = {"none", "text", "bigint"};
	static const char *const augments[] = {"none", "swap"};
	static const char *const objectives[] = {"logloss", "logloss+brier"};
	BtLex		lx;
	BtModelFlat hdr;
	char	   *refname = NULL;
	int			reflen = 0;
	int64		refid = 0;
	bool		hasref = false;
	StringInfoData names;
	int32		cap = 64,
				n = 0;
	double	   *vals;
	int64	   *ids;
	uint32	   *offs;
	Size		sz;
	BtModelFlat *out;
	bool		se_null = false,
				se_some = false;

	memset(&hdr, 0, sizeof(hdr));
	bt_lex_init(&lx, str, "bt_model");
	bt_lex_expect(&lx, '{');
	bt_lex_key(&lx, "version");
	if (bt_lex_int4(&lx, 0, PG_INT32_MAX) != BT_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported bt_model format version"),
				 errdetail("This library reads version %d.", BT_MODEL_VERSION)));
	hdr.version = BT_MODEL_VERSION;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "ids");
	hdr.kind = btm_lex_choice(&lx, kinds, 3);
	if (hdr.kind == BT_IDS_NONE)
		bt_lex_error(&lx, "\"text\" or \"bigint\" as ids");
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "ties");
	hdr.ties = btm_lex_choice(&lx, bt_ties_names, 3);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "prior");
	hdr.prior = btm_lex_nonneg(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "reference");
	if (!bt_lex_null(&lx))
	{
		hasref = true;
		if (hdr.kind == BT_IDS_TEXT)
			refname = bt_lex_string(&lx, &reflen);
		else
			refid = bt_lex_int8(&lx);
	}
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "position");
	if (bt_lex_bool(&lx))
		hdr.flags |= BT_MF_POSITION;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "augment");
	if (btm_lex_choice(&lx, augments, 2) == 1)
		hdr.flags |= BT_MF_SWAP;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "objective");
	if (btm_lex_choice(&lx, objectives, 2) == 1)
		hdr.flags |= BT_MF_BRIER;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "brier_weight");
	hdr.brier_weight = btm_lex_nonneg(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "max_iter");
	hdr.max_iter = bt_lex_int4(&lx, 0, 100000);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "tol");
	hdr.tol = bt_lex_finite(&lx);
	if (!(hdr.tol > 0))
		bt_lex_error(&lx, "a positive tolerance");
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "iterations");
	hdr.iterations = bt_lex_int4(&lx, 0, 100000);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "converged");
	if (bt_lex_bool(&lx))
		hdr.flags |= BT_MF_CONVERGED;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "gradient_norm");
	hdr.grad_norm = btm_lex_nonneg(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "scaled_gradient");
	hdr.scaled_grad = btm_lex_nonneg(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "loglik");
	hdr.loglik = bt_lex_finite(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "deviance");
	hdr.deviance = bt_lex_finite(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "objective_value");
	hdr.objective = bt_lex_finite(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "brier");
	hdr.brier = btm_lex_num_or_null(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "n_pairs");
	hdr.n_pairs = bt_lex_int8(&lx);
	if (hdr.n_pairs < 0)
		bt_lex_error(&lx, "a non-negative pair count");
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "n_comparisons");
	hdr.n_comparisons = btm_lex_nonneg(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "components");
	hdr.components = bt_lex_int4(&lx, 1, BT_MAX_ITEMS);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "log_tie_parameter");
	hdr.tie_log = btm_lex_num_or_null(&lx);
	if ((hdr.ties == BT_TIES_DAVIDSON) == isnan(hdr.tie_log))
		bt_lex_error(&lx, "a tie parameter exactly when ties is davidson");
	if (isnan(hdr.tie_log))
		hdr.tie_log = 0.0;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "log_tie_parameter_se");
	hdr.tie_log_se = btm_lex_num_or_null(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "position_effect");
	hdr.position = btm_lex_num_or_null(&lx);
	if (((hdr.flags & BT_MF_POSITION) != 0) == isnan(hdr.position))
		bt_lex_error(&lx, "a position effect exactly when position is true");
	if (isnan(hdr.position))
		hdr.position = 0.0;
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "position_effect_se");
	hdr.position_se = btm_lex_num_or_null(&lx);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "n_items");
	hdr.n_items = bt_lex_int4(&lx, 1, BT_MAX_ITEMS);
	bt_lex_expect(&lx, ',');
	bt_lex_key(&lx, "items");
	bt_lex_expect(&lx, '[');

	cap = hdr.n_items;
	vals = palloc_extended(sizeof(double) * 5 * cap, MCXT_ALLOC_HUGE);
	ids = palloc_extended(sizeof(int64) * cap, MCXT_ALLOC_HUGE);
	offs = palloc_extended(sizeof(uint32) * (cap + 1), MCXT_ALLOC_HUGE);
	initStringInfo(&names);
	do
	{
		double		se;

		if (n >= cap)
			bt_lex_error(&lx, "no more items than n_items");
		bt_lex_expect(&lx, '[');
		if (hdr.kind == BT_IDS_TEXT)
		{
			int			len;
			char	   *s = bt_lex_string(&lx, &len);

			if (n > 0 && pc_cmp_bytes(names.data + offs[n - 1],
									  names.len - offs[n - 1] - 1, s, len) >= 0)
				bt_lex_error(&lx, "items in strictly ascending order");
			offs[n] = names.len;
			appendBinaryStringInfo(&names, s, len + 1);
			if (hasref && len == reflen && memcmp(s, refname, len) == 0)
				hdr.reference = n + 1;	/* +1: 0 means not found yet */
		}
		else
		{
			ids[n] = bt_lex_int8(&lx);
			if (n > 0 && ids[n - 1] >= ids[n])
				bt_lex_error(&lx, "items in strictly ascending order");
			if (hasref && ids[n] == refid)
				hdr.reference = n + 1;
		}
		bt_lex_expect(&lx, ',');
		vals[n] = bt_lex_finite(&lx);
		bt_lex_expect(&lx, ',');
		se = btm_lex_num_or_null(&lx);
		if (se < 0)
			bt_lex_error(&lx, "a non-negative standard error");
		if (isnan(se))
			se_null = true;
		else
			se_some = true;
		vals[cap + n] = se;
		for (int k = 2; k < 5; k++)
		{
			bt_lex_expect(&lx, ',');
			vals[k * cap + n] = btm_lex_nonneg(&lx);
		}
		bt_lex_expect(&lx, ']');
		n++;
	} while (bt_lex_accept(&lx, ','));
	bt_lex_expect(&lx, ']');
	bt_lex_expect(&lx, '}');
	bt_lex_end(&lx);
	if (n != hdr.n_items)
		bt_lex_error(&lx, "as many items as n_items");
	if (se_null && se_some)
		bt_lex_error(&lx, "standard errors for every item or for none");
	if (hasref && hdr.reference == 0)
		bt_lex_error(&lx, "a reference item that is one of the items");
	hdr.reference = hasref ? hdr.reference - 1 : -1;
	if (se_some)
		hdr.flags |= BT_MF_HAS_SE;
	offs[n] = names.len;
	hdr.names_len = hdr.kind == BT_IDS_TEXT ? names.len : 0;

	sz = bt_model_size(hdr.kind, n, hdr.names_len);
	out = palloc_extended(sz, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	memcpy(out, &hdr, BT_MODEL_HDRSZ);
	SET_VARSIZE(out, sz);
	memcpy(BTM_SCORE(out), vals, sizeof(double) * n);
	memcpy(BTM_SE(out), vals + cap, sizeof(double) * n);
	memcpy(BTM_WINS(out), vals + 2 * cap, sizeof(double) * n);
	memcpy(BTM_LOSSES(out), vals + 3 * cap, sizeof(double) * n);
	memcpy(BTM_TIES(out), vals + 4 * cap, sizeof(double) * n);
	if (hdr.kind == BT_IDS_INT8)
		memcpy(BTM_IDS(out), ids, sizeof(int64) * n);
	else
	{
		memcpy(BTM_OFF(out), offs, sizeof(uint32) * (n + 1));
		memcpy(BTM_NAMES(out), names.data, names.len);
	}
	PG_RETURN_POINTER(out);
}

/*
 * bt_model_send / bt_model_recv: the text form as the binary form (like
 * json), so the same checks apply.
 */
PG_FUNCTION_INFO_V1(bt_model_send);
Datum
bt_model_send(PG_FUNCTION_ARGS)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(bt_model_out,
														PG_GETARG_DATUM(0)));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, BT_MODEL_VERSION);
	pq_sendtext(&buf, s, strlen(s));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(bt_model_recv);
Datum
bt_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int32		version = pq_getmsgint(msg, 4);
	int			nbytes;
	char	   *s;

	if (version != BT_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external bt_model value"),
				 errdetail("Unsupported format version %d.", version)));
	s = pq_getmsgtext(msg, msg->len - msg->cursor, &nbytes);
	PG_RETURN_DATUM(DirectFunctionCall1(bt_model_in, CStringGetDatum(s)));
}

/* ---------- accessors ---------- */

typedef struct BtScoreOrder
{
	double		score;
	int32		k;
} BtScoreOrder;

static int
bt_score_desc(const void *a, const void *b)
{
	double		x = ((const BtScoreOrder *) a)->score;
	double		y = ((const BtScoreOrder *) b)->score;

	return (x < y) - (x > y);
}

/*
 * bt_scores(bt_model) -> SETOF (item text, score float8, se float8,
 *                               rank int, wins float8, losses float8,
 *                               ties float8), items in id order; rank 1 =
 * highest score, equal scores share the lowest rank.
 */
PG_FUNCTION_INFO_V1(bt_scores);
Datum
bt_scores(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	int32		n = m->n_items;
	BtScoreOrder *ord = palloc(sizeof(BtScoreOrder) * n);
	int32	   *rank = palloc(sizeof(int32) * n);

	InitMaterializedSRF(fcinfo, 0);
	for (int32 k = 0; k < n; k++)
	{
		ord[k].score = BTM_SCORE(m)[k];
		ord[k].k = k;
	}
	qsort(ord, n, sizeof(BtScoreOrder), bt_score_desc);
	for (int32 r = 0; r < n; r++)
		rank[ord[r].k] = (r > 0 && ord[r].score == ord[r - 1].score) ?
			rank[ord[r - 1].k] : r + 1;

	for (int32 k = 0; k < n; k++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		if (m->kind == BT_IDS_TEXT)
			values[0] = CStringGetTextDatum(btm_name(m, k));
		else
			values[0] = CStringGetTextDatum(psprintf(INT64_FORMAT, BTM_IDS(m)[k]));
		values[1] = Float8GetDatum(BTM_SCORE(m)[k]);
		if (isnan(BTM_SE(m)[k]))
			nulls[2] = true;
		else
			values[2] = Float8GetDatum(BTM_SE(m)[k]);
		values[3] = Int32GetDatum(rank[k]);
		values[4] = Float8GetDatum(BTM_WINS(m)[k]);
		values[5] = Float8GetDatum(BTM_LOSSES(m)[k]);
		values[6] = Float8GetDatum(BTM_TIES(m)[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((k & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

typedef enum BtPredictWhat
{
	BT_PRED_WIN,				/* P(a beats b), no position effect */
	BT_PRED_TIE,				/* P(tie) (Davidson) */
	BT_PRED_SHOWN				/* P(first-shown wins), position effect */
} BtPredictWhat;

static Datum
bt_predict_common(FunctionCallInfo fcinfo, bool int8ids, BtPredictWhat what)
{
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	int32		a,
				b;
	double		d,
				p;

	if (m->kind != (int8ids ? BT_IDS_INT8 : BT_IDS_TEXT))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model has %s item ids", bt_kind_name(m->kind)),
				 errhint("Pass the items as %s.", bt_kind_name(m->kind))));
	if (what == BT_PRED_TIE && m->ties != BT_TIES_DAVIDSON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model has no tie probability"),
				 errdetail("It was fitted with ties => '%s'.", bt_ties_names[m->ties]),
				 errhint("Fit with ties => 'davidson' to predict ties.")));
	if (int8ids)
	{
		a = btm_find_int8(m, PG_GETARG_INT64(1));
		b = btm_find_int8(m, PG_GETARG_INT64(2));
	}
	else
	{
		text	   *ta = PG_GETARG_TEXT_PP(1);
		text	   *tb = PG_GETARG_TEXT_PP(2);

		a = btm_find_text(m, VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta));
		b = btm_find_text(m, VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb));
	}
	if (a < 0 || b < 0)
		PG_RETURN_NULL();		/* unknown item: no prediction */
	d = BTM_SCORE(m)[a] - BTM_SCORE(m)[b];
	if (what == BT_PRED_SHOWN)
		d += m->position;
	if (m->ties == BT_TIES_DAVIDSON)
	{
		double		u = 0.5 * d;
		double		mx = fmax(fabs(u), m->tie_log);
		double		logd = mx + log(exp(u - mx) + exp(-u - mx) + exp(m->tie_log - mx));

		p = (what == BT_PRED_TIE) ? exp(m->tie_log - logd) : exp(u - logd);
	}
	else
		p = d >= 0 ? 1.0 / (1.0 + exp(-d)) : exp(d) / (1.0 + exp(d));
	PG_RETURN_FLOAT8(p);
}

/* bt_predict(m, a text, b text): P(a beats b), NULL for an unknown item */
PG_FUNCTION_INFO_V1(bt_predict);
Datum
bt_predict(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, false, BT_PRED_WIN);
}

PG_FUNCTION_INFO_V1(bt_predict_int8);
Datum
bt_predict_int8(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, true, BT_PRED_WIN);
}

/* bt_predict_tie(m, a, b): P(tie) under a Davidson model */
PG_FUNCTION_INFO_V1(bt_predict_tie);
Datum
bt_predict_tie(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, false, BT_PRED_TIE);
}

PG_FUNCTION_INFO_V1(bt_predict_tie_int8);
Datum
bt_predict_tie_int8(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, true, BT_PRED_TIE);
}

/* bt_predict_shown(m, first, second): P(first-shown wins), position effect */
PG_FUNCTION_INFO_V1(bt_predict_shown);
Datum
bt_predict_shown(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, false, BT_PRED_SHOWN);
}

PG_FUNCTION_INFO_V1(bt_predict_shown_int8);
Datum
bt_predict_shown_int8(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, true, BT_PRED_SHOWN);
}

/*
 * bt_info(bt_model) -> jsonb: the model's header fields plus n_items,
 * the tie parameter nu = exp(log_tie_parameter) and whether SEs exist.
 */
PG_FUNCTION_INFO_V1(bt_info);
Datum
bt_info(PG_FUNCTION_ARGS)
{
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	btm_append_header(&buf, m);
	appendStringInfo(&buf, ", \"n_items\": %d, \"tie_parameter\": ", m->n_items);
	if (m->ties == BT_TIES_DAVIDSON)
		pc_append_float8(&buf, exp(m->tie_log));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ", \"standard_errors\": %s}",
					 (m->flags & BT_MF_HAS_SE) ? "true" : "false");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
