/*-------------------------------------------------------------------------
 *
 * bt_boot_fit.c
 *	  The readers of bt_bootstrap_state: every replicate fitted with
 *	  bt_fit's solver (bt_fit.h), percentile intervals and the share of
 *	  failed fits: bt_replicates, bt_ci, bt_ci_predict, bt_ci_summary.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include "bt_boot_int.h"

#include <float.h>
#include <math.h>

#include "boot.h"
#include "bt_counts.h"
#include "bt_fit.h"
#include "pc_json.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "kernels.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

/* ---------- the fits ---------- */

#define BTB_OK			0
#define BTB_NOT_CONVERGED 1
#define BTB_FAILED		2

/* the estimate (column 0) and every replicate's fit */
typedef struct BtbFits
{
	int32		n;				/* items, in name order */
	int			nrep;
	int32	   *item;			/* name order -> state item */
	double	   *score;			/* (nrep + 1) x n, by name order */
	double	   *position;		/* nrep + 1 */
	double	   *tie_log;		/* nrep + 1 */
	uint8	   *status;			/* nrep + 1 */
	int			failed;
	int			not_converged;
	const char *first_failure;
} BtbFits;

static void
btb_fit_all(const BtbState *s, const BtOptions *opt, BtbFits *out)
{
	int32		n = s->n_items;
	int32		m = s->n_pairs;
	int			nrep = s->replicates;
	Size		rec = btb_rec(nrep);
	double	   *w1 = palloc_extended(sizeof(double) * Max(m, 1), MCXT_ALLOC_HUGE);
	double	   *w2 = palloc_extended(sizeof(double) * Max(m, 1), MCXT_ALLOC_HUGE);
	double	   *wt = palloc_extended(sizeof(double) * Max(m, 1), MCXT_ALLOC_HUGE);
	double	   *sc = palloc(sizeof(double) * Max(n, 1));
	int32	   *rank = palloc(sizeof(int32) * Max(n, 1));
	BtbOrder   *ord = palloc(sizeof(BtbOrder) * Max(n, 1));
	MemoryContext fitcxt = AllocSetContextCreate(CurrentMemoryContext,
												 "bt_bootstrap fit",
												 ALLOCSET_DEFAULT_SIZES);
	BtCountsView v;

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->nrep = nrep;
	out->item = palloc(sizeof(int32) * Max(n, 1));
	out->score = palloc_extended(sizeof(double) * (Size) (nrep + 1) * Max(n, 1),
								 MCXT_ALLOC_HUGE);
	out->position = palloc(sizeof(double) * (nrep + 1));
	out->tie_log = palloc(sizeof(double) * (nrep + 1));
	out->status = palloc(nrep + 1);
	for (int32 k = 0; k < n; k++)
	{
		ord[k].s = s;
		ord[k].k = k;
	}
	qsort(ord, n, sizeof(BtbOrder), btb_item_cmp);
	for (int32 r = 0; r < n; r++)
	{
		out->item[r] = ord[r].k;
		rank[ord[r].k] = r;
	}

	memset(&v, 0, sizeof(v));
	v.kind = BT_IDS_TEXT;
	v.n_items = n;
	v.off = btb_off(s);
	v.names = btb_names(s);
	v.names_len = s->names_len;
	v.n_pairs = m;
	v.pi = btb_first(s);
	v.pj = btb_second(s);
	v.w1 = w1;
	v.w2 = w2;
	v.wt = wt;
	v.nchunk = 1;
	v.chunk[0].m = m;
	v.chunk[0].i = v.pi;
	v.chunk[0].j = v.pj;
	v.chunk[0].w1 = w1;
	v.chunk[0].w2 = w2;
	v.chunk[0].wt = wt;

	for (int col = 0; col <= nrep; col++)
	{
		const double *c = btb_counts(s) + col;
		BtQuietFit qf;
		const char *why;
		MemoryContext old;
		bool		ok;

		CHECK_FOR_INTERRUPTS();
		for (int32 p = 0; p < m; p++, c += rec)
		{
			w1[p] = c[0];
			w2[p] = c[nrep + 1];
			wt[p] = c[2 * (nrep + 1)];
		}
		qf.score = sc;
		old = MemoryContextSwitchTo(fitcxt);
		/* the estimate raises bt_fit's errors; a replicate just fails */
		ok = bt_fit_scores(&v, opt, col > 0, &qf, &why);
		MemoryContextSwitchTo(old);
		MemoryContextReset(fitcxt);
		if (!ok)
		{
			out->status[col] = BTB_FAILED;
			out->failed++;
			if (out->first_failure == NULL)
				out->first_failure = why;
			for (int32 k = 0; k < n; k++)
				out->score[(Size) col * n + rank[k]] = NAN;
			out->position[col] = out->tie_log[col] = NAN;
			continue;
		}
		out->status[col] = qf.converged ? BTB_OK : BTB_NOT_CONVERGED;
		if (col > 0 && !qf.converged)
			out->not_converged++;
		for (int32 k = 0; k < n; k++)
			out->score[(Size) col * n + rank[k]] = sc[k];
		out->position[col] = qf.position;
		out->tie_log[col] = qf.tie_log;
	}
	MemoryContextDelete(fitcxt);
	pfree(w1);
	pfree(w2);
	pfree(wt);
	pfree(sc);
	pfree(rank);
	pfree(ord);
}

/*
 * The state and bt_fit's options of a reader (state first, then bt_fit's
 * options in bt_fit's order), or NULL for a NULL state
 */
static BtbState *
btb_reader_args(FunctionCallInfo fcinfo, BtOptions *opt)
{
	if (PG_ARGISNULL(0))
		return NULL;
	bt_options_from_args(fcinfo, opt);
	return PG_GETARG_BTB_P(0);
}

static double
btb_level(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("option level must not be NULL")));
	return pc_check_level(PG_GETARG_FLOAT8(argno));
}

/* one (estimate, lower, upper, se) from a value per fit (NaN: failed) */
static void
btb_put_ci(const BtbFits *f, const double *perfit, Size stride, double level,
		   Datum *values, bool *nulls, double *scratch)
{
	int			k = 0;
	double		lo,
				hi,
				se;

	for (int b = 1; b <= f->nrep; b++)
		if (f->status[b] != BTB_FAILED)
			scratch[k++] = perfit[(Size) b * stride];
	values[0] = Float8GetDatum(perfit[0]);
	nulls[0] = false;
	if (boot_interval(scratch, k, level, &lo, &hi, &se))
	{
		values[1] = Float8GetDatum(lo);
		values[2] = Float8GetDatum(hi);
		values[3] = Float8GetDatum(se);
		nulls[1] = nulls[2] = nulls[3] = false;
	}
	else
		nulls[1] = nulls[2] = nulls[3] = true;
}

/*
 * bt_replicates(s, <bt_fit's options>) -> SETOF (replicate int, item
 * text, score float8): replicate 0 is the fit of all the rows; a replicate
 * whose fit failed gives NULL scores.
 */
PG_FUNCTION_INFO_V1(bt_replicates);
Datum
bt_replicates(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BtOptions	opt;
	BtbState   *s = btb_reader_args(fcinfo, &opt);
	BtbFits		f;

	InitMaterializedSRF(fcinfo, 0);
	if (s == NULL)
		return (Datum) 0;
	btb_fit_all(s, &opt, &f);
	for (int b = 0; b <= f.nrep; b++)
	{
		for (int32 r = 0; r < f.n; r++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};
			double		x = f.score[(Size) b * f.n + r];

			values[0] = Int32GetDatum(b);
			values[1] = CStringGetTextDatum(btb_name(s, f.item[r]));
			values[2] = Float8GetDatum(x);
			nulls[2] = isnan(x);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/*
 * bt_ci(s, <bt_fit's options>, level) -> SETOF (item text, estimate,
 * lower, upper, se): per item, in name order
 */
PG_FUNCTION_INFO_V1(bt_ci);
Datum
bt_ci(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BtOptions	opt;
	BtbState   *s = btb_reader_args(fcinfo, &opt);
	double		level = btb_level(fcinfo, 10);
	BtbFits		f;
	double	   *scratch;

	InitMaterializedSRF(fcinfo, 0);
	if (s == NULL)
		return (Datum) 0;
	btb_fit_all(s, &opt, &f);
	scratch = palloc(sizeof(double) * f.nrep);
	for (int32 r = 0; r < f.n; r++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(btb_name(s, f.item[r]));
		btb_put_ci(&f, f.score + r, f.n, level, values + 1, nulls + 1, scratch);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((r & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/* P(a beats b) from a fit's scores, as bt_predict (no position effect) */
static double
btb_prob(const BtOptions *opt, double d, double tie_log)
{
	if (opt->ties == BT_TIES_DAVIDSON)
	{
		double		u = 0.5 * d;
		double		mx = fmax(fabs(u), tie_log);

		return exp(u - (mx + log(exp(u - mx) + exp(-u - mx) + exp(tie_log - mx))));
	}
	return 1.0 / (1.0 + exp(-d));
}

/*
 * bt_ci_predict(s, first_item text, second_item text, <bt_fit's options>,
 * level) -> (estimate, lower, upper, se) of P(first beats second) as
 * bt_predict gives it; NULL when either item is unknown.  The options
 * start at argument 3, so they are read through a shifted call.
 */
PG_FUNCTION_INFO_V1(bt_ci_predict);
Datum
bt_ci_predict(PG_FUNCTION_ARGS)
{
	LOCAL_FCINFO(shifted, 11);
	BtOptions	opt;
	BtbState   *s;
	text	   *ta,
			   *tb;
	double		level;
	int32		a = -1,
				b = -1;
	BtbFits		f;
	double	   *vals,
			   *scratch;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	/* arguments 3 .. 11 are bt_fit's options 1 .. 9 */
	InitFunctionCallInfoData(*shifted, fcinfo->flinfo, 10, fcinfo->fncollation, NULL, NULL);
	shifted->args[0] = fcinfo->args[0];
	for (int k = 1; k < 10; k++)
		shifted->args[k] = fcinfo->args[k + 2];
	bt_options_from_args(shifted, &opt);
	level = btb_level(fcinfo, 12);
	s = PG_GETARG_BTB_P(0);
	ta = PG_GETARG_TEXT_PP(1);
	tb = PG_GETARG_TEXT_PP(2);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	btb_fit_all(s, &opt, &f);
	for (int32 r = 0; r < f.n; r++)
	{
		int32		k = f.item[r];

		if (btb_name_len(s, k) == (int) VARSIZE_ANY_EXHDR(ta) &&
			memcmp(btb_name(s, k), VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta)) == 0)
			a = r;
		if (btb_name_len(s, k) == (int) VARSIZE_ANY_EXHDR(tb) &&
			memcmp(btb_name(s, k), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb)) == 0)
			b = r;
	}
	if (a < 0 || b < 0)
		PG_RETURN_NULL();
	vals = palloc(sizeof(double) * (f.nrep + 1));
	scratch = palloc(sizeof(double) * f.nrep);
	for (int c = 0; c <= f.nrep; c++)
		vals[c] = f.status[c] == BTB_FAILED ? NAN :
			btb_prob(&opt, f.score[(Size) c * f.n + a] - f.score[(Size) c * f.n + b],
					 f.tie_log[c]);
	btb_put_ci(&f, vals, 1, level, values, nulls, scratch);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static void
btb_append_ci(StringInfo buf, const BtbFits *f, const double *perfit,
			  double level, double *scratch)
{
	Datum		v[4];
	bool		nl[4];

	btb_put_ci(f, perfit, 1, level, v, nl, scratch);
	appendStringInfoString(buf, "{\"estimate\": ");
	pc_append_float8(buf, DatumGetFloat8(v[0]));
	for (int i = 1; i < 4; i++)
	{
		static const char *const key[] = {NULL, "lower", "upper", "se"};

		appendStringInfo(buf, ", \"%s\": ", key[i]);
		if (nl[i])
			appendStringInfoString(buf, "null");
		else
			pc_append_float8(buf, DatumGetFloat8(v[i]));
	}
	appendStringInfoChar(buf, '}');
}

/*
 * bt_ci_summary(s, <bt_fit's options>, level) -> jsonb: replicates, seed,
 * level, items, pairs, the counts and shares of replicates whose fit
 * failed or did not converge (and the first failure's reason), and the
 * intervals of the position effect and the log tie parameter when fitted
 */
PG_FUNCTION_INFO_V1(bt_ci_summary);
Datum
bt_ci_summary(PG_FUNCTION_ARGS)
{
	BtOptions	opt;
	BtbState   *s = btb_reader_args(fcinfo, &opt);
	double		level = btb_level(fcinfo, 10);
	BtbFits		f;
	StringInfoData buf;
	double	   *scratch;

	if (s == NULL)
		PG_RETURN_NULL();
	btb_fit_all(s, &opt, &f);
	scratch = palloc(sizeof(double) * f.nrep);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"replicates\": %d, \"seed\": " INT64_FORMAT ", \"level\": ",
					 f.nrep, s->seed);
	pc_append_float8(&buf, level);
	appendStringInfo(&buf, ", \"items\": %d, \"pairs\": %d, \"failed\": %d, \"failed_share\": ",
					 f.n, s->n_pairs, f.failed);
	pc_append_float8(&buf, (double) f.failed / f.nrep);
	appendStringInfo(&buf, ", \"not_converged\": %d, \"not_converged_share\": ",
					 f.not_converged);
	pc_append_float8(&buf, (double) f.not_converged / f.nrep);
	appendStringInfoString(&buf, ", \"first_failure\": ");
	if (f.first_failure)
		pc_jw_string(&buf, f.first_failure);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"position_effect\": ");
	if (opt.position)
		btb_append_ci(&buf, &f, f.position, level, scratch);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"log_tie_parameter\": ");
	if (opt.ties == BT_TIES_DAVIDSON)
		btb_append_ci(&buf, &f, f.tie_log, level, scratch);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
