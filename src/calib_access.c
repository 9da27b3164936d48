/*-------------------------------------------------------------------------
 *
 * calib_access.c
 *	  Accessors of calibration_state (they are also the final functions
 *	  of ece_agg, brier_score and log_loss): ECE, MCE, RMS calibration
 *	  error, Brier score, log loss, total weight, the Murphy
 *	  decomposition, the per-bin reliability table, a reliability
 *	  diagram as SVG text and the smooth ECE (maths in calib_smooth.c).
 *
 * A state with zero total weight gives NULL; a measure that needs bins
 * on a totals-only state, the log loss of a state that does not track
 * it, or the Brier score, decomposition or smooth ECE of a state without
 * second moments (ece_agg's), is an error.
 *
 *-------------------------------------------------------------------------
 */
#include "calib_glue.h"
#include "calib_smooth.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/*
 * Fetch the state argument; NULL when its total weight is zero.
 */
static CalibState *
state_arg(FunctionCallInfo fcinfo, bool need_bins)
{
	CalibState *s = PG_GETARG_CALIB_P(0);

	if (need_bins && s->nbins == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration state has no bins"),
				 errdetail("It was built by brier_score or log_loss, which keep totals only."),
				 errhint("Build the state with calibration_state_agg.")));
	if (!(s->w > 0.0))
		return NULL;
	return s;
}

/*
 * Refuse a state that does not track the Brier sum and the second moments
 * (one built by ece_agg) for a measure that needs them.
 */
static void
need_moments(const CalibState *s)
{
	if (s->flags & CALIB_F_NO_MOMENTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration state does not track the Brier score or second moments"),
				 errdetail("It was built by ece_agg, or merged with such a state."),
				 errhint("Build the state with calibration_state_agg.")));
}

/* calibration_ece(calibration_state) -> float8 */
PG_FUNCTION_INFO_V1(calibration_ece);
Datum
calibration_ece(PG_FUNCTION_ARGS)
{
	CalibState *s = state_arg(fcinfo, true);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(calib_ece(s));
}

/* calibration_mce(calibration_state) -> float8 */
PG_FUNCTION_INFO_V1(calibration_mce);
Datum
calibration_mce(PG_FUNCTION_ARGS)
{
	CalibState *s = state_arg(fcinfo, true);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(calib_mce(s));
}

/* calibration_rmsce(calibration_state) -> float8 */
PG_FUNCTION_INFO_V1(calibration_rmsce);
Datum
calibration_rmsce(PG_FUNCTION_ARGS)
{
	CalibState *s = state_arg(fcinfo, true);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(calib_rmsce(s));
}

/* calibration_brier(calibration_state) -> float8 */
PG_FUNCTION_INFO_V1(calibration_brier);
Datum
calibration_brier(PG_FUNCTION_ARGS)
{
	CalibState *s = state_arg(fcinfo, false);

	if (s == NULL)
		PG_RETURN_NULL();
	need_moments(s);
	PG_RETURN_FLOAT8(calib_brier(s));
}

/* calibration_logloss(calibration_state) -> float8 */
PG_FUNCTION_INFO_V1(calibration_logloss);
Datum
calibration_logloss(PG_FUNCTION_ARGS)
{
	CalibState *s = state_arg(fcinfo, false);

	if (s == NULL)
		PG_RETURN_NULL();
	if (!(s->flags & CALIB_F_LOGLOSS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration state does not track log loss"),
				 errdetail("It was built by ece_agg or brier_score, or merged with such a state."),
				 errhint("Build the state with calibration_state_agg.")));
	PG_RETURN_FLOAT8(calib_logloss(s));
}

/* calibration_n(calibration_state) -> float8: the total weight */
PG_FUNCTION_INFO_V1(calibration_n);
Datum
calibration_n(PG_FUNCTION_ARGS)
{
	CalibState *s = PG_GETARG_CALIB_P(0);

	PG_RETURN_FLOAT8(s->w);
}

/*
 * calibration_decomposition(calibration_state) -> record (brier,
 * reliability, resolution, uncertainty, within_bin_variance,
 * within_bin_covariance)
 */
PG_FUNCTION_INFO_V1(calibration_decomposition);
Datum
calibration_decomposition(PG_FUNCTION_ARGS)
{
	CalibState *s = state_arg(fcinfo, true);
	CalibDecomposition d;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	if (s == NULL)
		PG_RETURN_NULL();
	need_moments(s);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	calib_decompose(s, &d);
	values[0] = Float8GetDatum(d.brier);
	values[1] = Float8GetDatum(d.reliability);
	values[2] = Float8GetDatum(d.resolution);
	values[3] = Float8GetDatum(d.uncertainty);
	values[4] = Float8GetDatum(d.within_bin_variance);
	values[5] = Float8GetDatum(d.within_bin_covariance);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * calibration_bins(calibration_state) -> setof (bin int, lower, upper,
 * n, mean_p, mean_y, gap): one row per non-empty bin, bin 1-based,
 * gap = mean_y - mean_p.
 */
PG_FUNCTION_INFO_V1(calibration_bins);
Datum
calibration_bins(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CalibState *s;

	InitMaterializedSRF(fcinfo, 0);
	s = state_arg(fcinfo, true);
	if (s == NULL)
		return (Datum) 0;
	for (int b = 0; b < s->nbins; b++)
	{
		const CalibBin *bin = &s->bins[b];
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		double		mp,
					my;

		if (!(bin->w > 0.0))
			continue;
		mp = bin->wp / bin->w;
		my = bin->wy / bin->w;
		values[0] = Int32GetDatum(b + 1);
		values[1] = Float8GetDatum(calib_edge(b, s->nbins));
		values[2] = Float8GetDatum(calib_edge(b + 1, s->nbins));
		values[3] = Float8GetDatum(bin->w);
		values[4] = Float8GetDatum(mp);
		values[5] = Float8GetDatum(my);
		values[6] = Float8GetDatum(my - mp);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- smooth ECE ---------- */

/*
 * smECE of the state argument at bandwidth sigma (argument 1), or at the
 * fixed point when the function has no such argument.  Returns false for
 * a state of total weight 0.
 */
static bool
smooth_ece_compute(FunctionCallInfo fcinfo, SmeceResult *res)
{
	CalibState *s = state_arg(fcinfo, true);
	bool		fixed = PG_NARGS() < 2;
	double		sigma = SMECE_SIGMA_MAX;
	SmeceBin   *bins;
	SmeceImage *work;
	int			nb;

	if (!fixed)
	{
		sigma = PG_GETARG_FLOAT8(1);
		if (isnan(sigma))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bandwidth must not be NaN")));
		if (!(sigma >= SMECE_SIGMA_MIN && sigma <= SMECE_SIGMA_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bandwidth %g is out of range", sigma),
					 errdetail("The kernel bandwidth must be between %g and %g.",
							   SMECE_SIGMA_MIN, SMECE_SIGMA_MAX)));
	}
	if (s == NULL)
		return false;
	need_moments(s);
	bins = palloc(sizeof(SmeceBin) * s->nbins);
	nb = smece_bins(s, bins);
	work = palloc(sizeof(SmeceImage) * Max(smece_images_capacity(nb, sigma), 1));
	if (fixed)
		smece_fixed_point(bins, nb, work, res, pc_interrupt);
	else
	{
		double		q;

		res->value = smece_at(bins, nb, sigma, work, &q, pc_interrupt);
		res->sigma = sigma;
		res->bound = smece_bound(bins, nb, sigma) + q;
	}
	pfree(work);
	pfree(bins);
	return true;
}

/*
 * calibration_smooth_ece(calibration_state [, sigma float8]) -> float8:
 * smECE at the fixed point sigma* = smECE_sigma*, or smECE_sigma at the
 * given bandwidth.  Also the final function of smooth_ece_agg.
 */
PG_FUNCTION_INFO_V1(calibration_smooth_ece);
Datum
calibration_smooth_ece(PG_FUNCTION_ARGS)
{
	SmeceResult res;

	if (!smooth_ece_compute(fcinfo, &res))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(res.value);
}

/*
 * calibration_smooth_ece_detail(calibration_state [, sigma float8]) ->
 * record (smooth_ece, bandwidth, error_bound): the value, the bandwidth
 * it was taken at and the bound on its distance from the smECE of the
 * rows the state summarises.
 */
PG_FUNCTION_INFO_V1(calibration_smooth_ece_detail);
Datum
calibration_smooth_ece_detail(PG_FUNCTION_ARGS)
{
	SmeceResult res;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (!smooth_ece_compute(fcinfo, &res))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8GetDatum(res.value);
	values[1] = Float8GetDatum(res.sigma);
	values[2] = Float8GetDatum(res.bound);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---------- reliability diagram ---------- */

static void
append_xml_escaped(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		switch (*s)
		{
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			case '\'':
				appendStringInfoString(buf, "&apos;");
				break;
			default:
				/* control characters are not allowed in XML 1.0 */
				if ((unsigned char) *s < 0x20 && *s != '\t' && *s != '\n')
					appendStringInfoChar(buf, ' ');
				else
					appendStringInfoChar(buf, *s);
		}
	}
}

/*
 * The part every reliability diagram shares, appended to buf: the <svg>
 * element's opening and title, the background, the title line, the grid
 * with its ticks, the plot frame, the two axis labels and the diagonal of
 * perfect calibration (geometry in calib.h).  calib_svg_render and the
 * CORP diagram (pav_access.c) draw their own marks after it.
 */
void
calib_svg_frame(StringInfo buf, const char *title, const char *xlabel,
				const char *ylabel)
{
	appendStringInfo(buf,
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
					 "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
					 SVG_W, SVG_H, SVG_W, SVG_H);
	appendStringInfoString(buf, "<title>");
	append_xml_escaped(buf, title);
	appendStringInfoString(buf, "</title>\n");
	appendStringInfo(buf, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
					 SVG_W, SVG_H);
	appendStringInfo(buf, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"15\">",
					 SVG_W / 2);
	append_xml_escaped(buf, title);
	appendStringInfoString(buf, "</text>\n");

	/* grid, ticks and tick labels */
	for (int i = 0; i <= 5; i++)
	{
		double		v = i / 5.0;

		appendStringInfo(buf,
						 "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>\n"
						 "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n"
						 "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>\n"
						 "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
						 XPIX(v), PY0, XPIX(v), PY0 + PSIZE,
						 PX0, YPIX(v), PX0 + PSIZE, YPIX(v),
						 XPIX(v), PY0 + PSIZE + 16, v,
						 PX0 - 6, YPIX(v) + 4, v);
	}
	appendStringInfo(buf,
					 "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n",
					 PX0, PY0, PSIZE, PSIZE);
	appendStringInfo(buf,
					 "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
					 PX0 + PSIZE / 2, PY0 + PSIZE + 36, xlabel);
	appendStringInfo(buf,
					 "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">"
					 "%s</text>\n",
					 PY0 + PSIZE / 2, PY0 + PSIZE / 2, ylabel);

	/* perfect calibration */
	appendStringInfo(buf,
					 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"gray\" "
					 "stroke-dasharray=\"6 4\"><title>perfect calibration</title></line>\n",
					 XPIX(0.0), YPIX(0.0), XPIX(1.0), YPIX(1.0));
}

/*
 * calibration_svg(calibration_state, title text DEFAULT NULL) -> text
 *
 * A reliability diagram: observed frequency (mean y) against mean
 * predicted probability per non-empty bin, as a bar over the bin's range
 * and a point at (mean p, mean y) whose area grows with the bin's
 * weight; the diagonal is perfect calibration; a strip below shows the
 * weight per bin; the caption gives ECE, MCE, N and the bin count.
 */
PG_FUNCTION_INFO_V1(calibration_svg);
Datum
calibration_svg(PG_FUNCTION_ARGS)
{
	CalibState *s;
	char	   *title = NULL;

	/* not STRICT, so that a NULL title is allowed: a NULL state gives NULL */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_CALIB_P(0);
	if (s->nbins == 0)
		(void) state_arg(fcinfo, true);	/* raises the "no bins" error */
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		title = text_to_cstring(PG_GETARG_TEXT_PP(1));
	PG_RETURN_TEXT_P(cstring_to_text(calib_svg_render(s, title, NULL)));
}

/*
 * The reliability diagram of a state with bins, as a palloc'd string.
 * With bands (the bootstrap form, calib_boot.c), each non-empty bin also
 * gets a shaded band from bands->lo[b] to bands->hi[b] of mean y (NaN:
 * none) and the caption the ECE interval.
 */
char *
calib_svg_render(const CalibState *s, const char *title,
				 const CalibSvgBands *bands)
{
	StringInfoData buf;
	double		maxw = 0.0;

	for (int b = 0; b < s->nbins; b++)
		if (s->bins[b].w > maxw)
			maxw = s->bins[b].w;

	initStringInfo(&buf);
	calib_svg_frame(&buf, title ? title : "Reliability diagram",
					"mean predicted probability", "observed frequency");

	/* bars, points and the count strip */
	for (int b = 0; b < s->nbins && maxw > 0.0; b++)
	{
		const CalibBin *bin = &s->bins[b];
		double		lo = calib_edge(b, s->nbins),
					hi = calib_edge(b + 1, s->nbins);
		double		mp,
					my,
					frac,
					r;

		if (!(bin->w > 0.0))
			continue;
		mp = bin->wp / bin->w;
		my = bin->wy / bin->w;
		frac = bin->w / maxw;
		r = 2.0 + 8.0 * sqrt(frac);
		appendStringInfo(&buf,
						 "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
						 "fill=\"#9ecae1\" fill-opacity=\"0.6\" stroke=\"#3182bd\" stroke-width=\"0.5\"/>\n",
						 XPIX(lo), YPIX(my), PSIZE * (hi - lo), PSIZE * my);
		if (bands && !isnan(bands->lo[b]) && !isnan(bands->hi[b]))
			appendStringInfo(&buf,
							 "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
							 "fill=\"#fd8d3c\" fill-opacity=\"0.45\">"
							 "<title>bin %d: %g%% interval of mean y [%.4f, %.4f]</title></rect>\n",
							 XPIX(lo), YPIX(bands->hi[b]), PSIZE * (hi - lo),
							 PSIZE * (bands->hi[b] - bands->lo[b]),
							 b + 1, 100.0 * bands->level, bands->lo[b], bands->hi[b]);
		appendStringInfo(&buf,
						 "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" fill=\"#d62728\" fill-opacity=\"0.8\">"
						 "<title>bin %d (%.4g, %.4g]: n = %.6g, mean p = %.4f, mean y = %.4f</title></circle>\n",
						 XPIX(mp), YPIX(my), r, b + 1, lo, hi, bin->w, mp, my);
		appendStringInfo(&buf,
						 "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#636363\"/>\n",
						 XPIX(lo), HIST_TOP + HIST_H * (1.0 - frac),
						 PSIZE * (hi - lo), HIST_H * frac);
	}
	appendStringInfo(&buf,
					 "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"10\">n</text>\n",
					 PX0 - 6, HIST_TOP + HIST_H);

	/* caption */
	appendStringInfo(&buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
					 SVG_W / 2, SVG_H - 12);
	if (s->w > 0.0 && bands && !isnan(bands->ece_lo) && !isnan(bands->ece_hi))
		appendStringInfo(&buf,
						 "ECE = %.4f [%.4f, %.4f], MCE = %.4f, N = %.10g, %d bins, %d replicates</text>\n",
						 calib_ece(s), bands->ece_lo, bands->ece_hi, calib_mce(s),
						 s->w, (int) s->nbins, bands->replicates);
	else if (s->w > 0.0)
		appendStringInfo(&buf,
						 "ECE = %.4f, MCE = %.4f, N = %.10g, %d bins</text>\n",
						 calib_ece(s), calib_mce(s), s->w, (int) s->nbins);
	else
		appendStringInfo(&buf, "no data (N = 0), %d bins</text>\n",
						 (int) s->nbins);
	appendStringInfoString(&buf, "</svg>\n");
	return buf.data;
}
