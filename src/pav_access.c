/*-------------------------------------------------------------------------
 *
 * pav_access.c
 *	  What is read from a pav_state: the CORP decomposition, the CORP
 *	  diagram and its consistency bands, equal-mass and debiased ECE, and
 *	  a summary.  The isotonic
 *	  recalibrator built from a pav_state is recal_isotonic.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "pav_glue.h"
#include "calib_glue.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "boot.h"

static void
corp_of_metric(const PavState *s, bool logloss, PavCorp *c)
{
	PavBlock   *blocks = palloc(sizeof(PavBlock) * Max(s->nsorted, 1));

	if (logloss)
		pav_corp_logloss(s->pts, s->nsorted, blocks, c);
	else
		pav_corp(s->pts, s->nsorted, blocks, c);
	pfree(blocks);
	if (!isfinite(c->weight))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total weight is out of range")));
}

static void
corp_of(const PavState *s, PavCorp *c)
{
	corp_of_metric(s, false, c);
}

/*
 * corp_decomposition final function; pav_corp(state [, metric]) ->
 * corp_decomposition_result, metric 'brier' (the default) or 'log_loss'
 */
PG_FUNCTION_INFO_V1(pav_corp_terms);
Datum
pav_corp_terms(PG_FUNCTION_ARGS)
{
	PavState   *s;
	PavCorp		c;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	bool		logloss = false;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_NARGS() > 1)
	{
		char	   *metric = text_to_cstring(PG_GETARG_TEXT_PP(1));

		if (strcmp(metric, "log_loss") == 0)
			logloss = true;
		else if (strcmp(metric, "brier") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown CORP metric \"%s\"", metric),
					 errhint("Use \"brier\" or \"log_loss\".")));
	}
	s = pav_compact_copy(PG_GETARG_PAV_P(0));
	if (s->nsorted == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	corp_of_metric(s, logloss, &c);
	values[0] = Float8GetDatum(c.score);
	values[1] = Float8GetDatum(c.mcb);
	values[2] = Float8GetDatum(c.dsc);
	values[3] = Float8GetDatum(c.unc);
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* a number of bins, checked as the calibration states check theirs */
static int
nbins_arg(FunctionCallInfo fcinfo, int n)
{
	int32		nbins = PG_GETARG_INT32(n);

	calib_check_nbins(nbins);
	return nbins;
}

/* pav_equal_mass_ece(s, nbins) */
PG_FUNCTION_INFO_V1(pav_equal_mass_ece);
Datum
pav_equal_mass_ece(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	int			nbins = nbins_arg(fcinfo, 1);
	PavCorp		c;

	if (s->nsorted == 0)
		PG_RETURN_NULL();
	corp_of(s, &c);				/* checks the total weight */
	PG_RETURN_FLOAT8(pav_ece_equal_mass(s->pts, s->nsorted, nbins));
}

/* pav_debiased_squared_ece(s, nbins) */
PG_FUNCTION_INFO_V1(pav_debiased_sq_ece);
Datum
pav_debiased_sq_ece(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	int			nbins = nbins_arg(fcinfo, 1);
	PavCorp		c;

	if (s->nsorted == 0)
		PG_RETURN_NULL();
	corp_of(s, &c);
	PG_RETURN_FLOAT8(pav_ece_debiased_sq(s->pts, s->nsorted, nbins));
}

/* pav_info(state) -> jsonb */
PG_FUNCTION_INFO_V1(pav_info);
Datum
pav_info(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	StringInfoData buf;
	double		W = 0,
				WY = 0,
				maxw = 0;

	for (int i = 0; i < s->nsorted; i++)
	{
		W += s->pts[i].w;
		WY += s->pts[i].wy;
		maxw = Max(maxw, s->pts[i].w);
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"grid\": %s, \"rows\": " INT64_FORMAT
					 ", \"distinct_p\": %d, \"max_exact\": %d, \"weight\": ",
					 s->version, (s->flags & PAV_F_GRID) ? "true" : "false",
					 s->nrows, s->nsorted, PAV_MAX_EXACT);
	pav_append_or_null(&buf, W);
	appendStringInfoString(&buf, ", \"weighted_y\": ");
	pav_append_or_null(&buf, WY);
	/* the largest weight share of one point: the grid-mode bounds' m */
	appendStringInfoString(&buf, ", \"max_point_share\": ");
	if (s->nsorted > 0 && isfinite(W))
		pc_append_float8(&buf, maxw / W);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* ---------------------------------------------------------------- */
/* consistency bands                                                 */
/* ---------------------------------------------------------------- */

typedef struct CorpBands
{
	int			n;				/* evaluation points */
	double	   *p;				/* their predictions */
	double	   *fit;			/* the PAV fit of the data there */
	double	   *lo;				/* pointwise quantiles of the replicates */
	double	   *hi;
} CorpBands;

static int
float8_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* the PAV fit of pts (blocks from pav_fit) at the sorted indices idx */
static void
fit_at(const PavBlock *blocks, const int32 *idx, int nk, double *out,
	   int stride)
{
	int			bi = 0;

	for (int k = 0; k < nk; k++)
	{
		while (blocks[bi].last < idx[k])
			bi++;
		out[(Size) k * stride] = blocks[bi].wy / blocks[bi].w;
	}
}

/*
 * Consistency bands of a compacted, non-empty state: replicates
 * resamplings of the outcomes under calibration (pav_bands.c), a PAV fit
 * each, and at every evaluation point the (1 - level) / 2 and
 * (1 + level) / 2 quantiles of the fitted values (boot_quantile: linear
 * interpolation, numpy's default).
 */
static void
corp_bands_of(const PavState *s, int replicates, double level, int64 seed,
			  CorpBands *out)
{
	int			n = s->nsorted;
	int32	   *idx = palloc(sizeof(int32) * Min(n, PAV_BAND_POINTS));
	PavPoint   *rep = palloc(sizeof(PavPoint) * n);
	PavBlock   *blocks = palloc(sizeof(PavBlock) * n);
	double	   *vals;
	double		W = 0;
	int			nk;

	if (replicates < 1 || replicates > BOOT_MAX_REPLICATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicates %d is out of range", replicates),
				 errdetail("The number of replicates must be between 1 and %d.",
						   BOOT_MAX_REPLICATES)));
	if (!(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("level %g is out of range", level),
				 errdetail("The level must be between 0 and 1, exclusive.")));
	for (int i = 0; i < n; i++)
		W += s->pts[i].w;
	if (!(W <= PAV_BAND_MAX_WEIGHT))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total weight %g is too large for consistency bands", W),
				 errdetail("The resampling reads weights as row counts, at most %.0f in all.",
						   PAV_BAND_MAX_WEIGHT),
				 errhint("Scale the weights down, or build the state from a sample.")));

	nk = pav_band_points(n, idx);
	vals = palloc(sizeof(double) * (Size) nk * replicates);
	out->n = nk;
	out->p = palloc(sizeof(double) * nk);
	out->fit = palloc(sizeof(double) * nk);
	out->lo = palloc(sizeof(double) * nk);
	out->hi = palloc(sizeof(double) * nk);
	for (int k = 0; k < nk; k++)
		out->p[k] = s->pts[idx[k]].p;
	pav_fit(s->pts, n, blocks);
	fit_at(blocks, idx, nk, out->fit, 1);
	for (int b = 0; b < replicates; b++)
	{
		CHECK_FOR_INTERRUPTS();
		pav_consistency_draw(s->pts, n, seed, b, pc_interrupt, rep);
		pav_fit(rep, n, blocks);
		fit_at(blocks, idx, nk, vals + b, replicates);
	}
	for (int k = 0; k < nk; k++)
	{
		double	   *v = vals + (Size) k * replicates;

		qsort(v, replicates, sizeof(double), float8_cmp);
		out->lo[k] = boot_quantile(v, replicates, (1.0 - level) / 2.0);
		out->hi[k] = boot_quantile(v, replicates, (1.0 + level) / 2.0);
	}
	pfree(vals);
	pfree(rep);
	pfree(blocks);
	pfree(idx);
}

/*
 * pav_corp_bands(state, replicates, level, seed) -> setof (p, fit, lower,
 * upper): the consistency band of the CORP diagram at the evaluation
 * points; no rows for an empty state.
 */
PG_FUNCTION_INFO_V1(pav_corp_bands);
Datum
pav_corp_bands(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CorpBands	cb;

	InitMaterializedSRF(fcinfo, 0);
	if (s->nsorted == 0)
		return (Datum) 0;
	corp_bands_of(s, PG_GETARG_INT32(1), PG_GETARG_FLOAT8(2),
				  PG_GETARG_INT64(3), &cb);
	for (int k = 0; k < cb.n; k++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Float8GetDatum(cb.p[k]);
		values[1] = Float8GetDatum(cb.fit[k]);
		values[2] = Float8GetDatum(cb.lo[k]);
		values[3] = Float8GetDatum(cb.hi[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------- */
/* CORP reliability diagram                                          */
/* ---------------------------------------------------------------- */

#define HIST_CELLS	50



/*
 * pav_corp_svg(s, title text DEFAULT NULL, replicates integer DEFAULT 0,
 *			level float8 DEFAULT 0.9, seed bigint DEFAULT 0) -> text
 *
 * The CORP reliability diagram: the PAV-recalibrated probability against
 * the prediction (each block a flat segment, consecutive blocks joined),
 * the diagonal, a strip with the distribution of the predictions, and a
 * caption with the decomposition; with replicates > 0, the consistency
 * band (pav_corp_bands) shaded behind the curve.  A NULL level or seed is
 * the default.
 */
PG_FUNCTION_INFO_V1(pav_corp_svg);
Datum
pav_corp_svg(PG_FUNCTION_ARGS)
{
	PavState   *s;
	PavBlock   *blocks;
	PavCorp		c;
	StringInfoData buf;
	const char *title = "CORP reliability diagram";
	double		hist[HIST_CELLS];
	double		maxh = 0;
	int			nb;
	int			replicates = 0;
	double		level = 0.9;
	int64		seed = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pav_compact_copy(PG_GETARG_PAV_P(0));
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		title = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		replicates = PG_GETARG_INT32(2);
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
		level = PG_GETARG_FLOAT8(3);
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		seed = PG_GETARG_INT64(4);
	if (replicates < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicates %d is out of range", replicates),
				 errdetail("Use 0 for no band.")));
	if (s->nsorted == 0)
		PG_RETURN_NULL();
	corp_of(s, &c);
	blocks = palloc(sizeof(PavBlock) * s->nsorted);
	nb = pav_fit(s->pts, s->nsorted, blocks);
	memset(hist, 0, sizeof(hist));
	for (int i = 0; i < s->nsorted; i++)
	{
		int			k = (int) (s->pts[i].p * HIST_CELLS);

		hist[Min(k, HIST_CELLS - 1)] += s->pts[i].w;
	}
	for (int k = 0; k < HIST_CELLS; k++)
		maxh = Max(maxh, hist[k]);

	initStringInfo(&buf);
	calib_svg_frame(&buf, title, "predicted probability",
					"conditional event probability (PAV)");

	/* the consistency band, behind the curve */
	if (replicates > 0)
	{
		CorpBands	cb;

		corp_bands_of(s, replicates, level, seed, &cb);
		appendStringInfoString(&buf, "<polygon fill=\"#d62728\" fill-opacity=\"0.15\" stroke=\"none\" points=\"");
		for (int k = 0; k < cb.n; k++)
			appendStringInfo(&buf, "%s%.2f,%.2f", k > 0 ? " " : "",
							 XPIX(cb.p[k]), YPIX(cb.hi[k]));
		for (int k = cb.n - 1; k >= 0; k--)
			appendStringInfo(&buf, " %.2f,%.2f", XPIX(cb.p[k]), YPIX(cb.lo[k]));
		appendStringInfo(&buf, "\"><title>%g%% consistency band, %d replicates, seed " INT64_FORMAT "</title></polygon>\n",
						 100.0 * level, replicates, seed);
	}

	/* the PAV curve */
	appendStringInfoString(&buf, "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"");
	for (int b = 0; b < nb; b++)
	{
		double		m = blocks[b].wy / blocks[b].w;
		double		x0 = s->pts[blocks[b].first].p,
					x1 = s->pts[blocks[b].last].p;

		if ((b & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "%s%.2f,%.2f", b > 0 ? " " : "", XPIX(x0), YPIX(m));
		if (x1 != x0)
			appendStringInfo(&buf, " %.2f,%.2f", XPIX(x1), YPIX(m));
	}
	appendStringInfo(&buf, "\"><title>PAV fit: %d blocks</title></polyline>\n", nb);

	/* distribution of the predictions */
	for (int k = 0; k < HIST_CELLS && maxh > 0; k++)
	{
		double		frac = hist[k] / maxh;

		if (hist[k] <= 0)
			continue;
		appendStringInfo(&buf,
						 "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#636363\"/>\n",
						 XPIX((double) k / HIST_CELLS), HIST_TOP + HIST_H * (1.0 - frac),
						 (double) PSIZE / HIST_CELLS, HIST_H * frac);
	}
	appendStringInfo(&buf,
					 "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"10\">n</text>\n",
					 PX0 - 6, HIST_TOP + HIST_H);
	appendStringInfo(&buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
					 SVG_W / 2, SVG_H - 12);
	appendStringInfo(&buf,
					 "Brier = %.4f, MCB = %.4f, DSC = %.4f, UNC = %.4f, N = %.10g</text>\n",
					 c.score, c.mcb, c.dsc, c.unc, c.weight);
	appendStringInfoString(&buf, "</svg>\n");
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
