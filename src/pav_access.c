/*-------------------------------------------------------------------------
 *
 * pav_access.c
 *	  What is read from a pav_state: the CORP decomposition and diagram,
 *	  equal-mass and debiased ECE, and a summary.  The isotonic
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

static void
corp_of(const PavState *s, PavCorp *c)
{
	PavBlock   *blocks = palloc(sizeof(PavBlock) * Max(s->nsorted, 1));

	pav_corp(s->pts, s->nsorted, blocks, c);
	pfree(blocks);
	if (!isfinite(c->weight))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total weight is out of range")));
}

/* corp_decomposition final function; pav_corp(state) -> corp_terms */
PG_FUNCTION_INFO_V1(pav_corp_terms);
Datum
pav_corp_terms(PG_FUNCTION_ARGS)
{
	PavState   *s;
	PavCorp		c;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pav_compact_copy(PG_GETARG_PAV_P(0));
	if (s->nsorted == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	corp_of(s, &c);
	values[0] = Float8GetDatum(c.score);
	values[1] = Float8GetDatum(c.mcb);
	values[2] = Float8GetDatum(c.dsc);
	values[3] = Float8GetDatum(c.unc);
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static int
nbins_arg(FunctionCallInfo fcinfo, int n)
{
	int32		nbins = PG_GETARG_INT32(n);

	if (nbins < 1 || nbins > PREFCAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nbins %d is out of range", nbins),
				 errdetail("The number of bins must be between 1 and %d.",
						   PREFCAL_MAX_BINS)));
	return nbins;
}

/* equal_mass_ece(state, nbins) */
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

/* debiased_squared_ece(state, nbins) */
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
				WY = 0;

	for (int i = 0; i < s->nsorted; i++)
	{
		W += s->pts[i].w;
		WY += s->pts[i].wy;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"grid\": %s, \"rows\": " INT64_FORMAT
					 ", \"distinct_p\": %d, \"max_exact\": %d, \"weight\": ",
					 s->version, (s->flags & PAV_F_GRID) ? "true" : "false",
					 s->nrows, s->nsorted, PAV_MAX_EXACT);
	pav_append_or_null(&buf, W);
	appendStringInfoString(&buf, ", \"weighted_y\": ");
	pav_append_or_null(&buf, WY);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* ---------------------------------------------------------------- */
/* CORP reliability diagram                                          */
/* ---------------------------------------------------------------- */

#define HIST_CELLS	50



/*
 * corp_svg(state, title text DEFAULT NULL) -> text
 *
 * The CORP reliability diagram: the PAV-recalibrated probability against
 * the prediction (each block a flat segment, consecutive blocks joined),
 * the diagonal, a strip with the distribution of the predictions, and a
 * caption with the decomposition.
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

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pav_compact_copy(PG_GETARG_PAV_P(0));
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		title = text_to_cstring(PG_GETARG_TEXT_PP(1));
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
