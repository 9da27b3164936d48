/*-------------------------------------------------------------------------
 *
 * calib_glue.h
 *	  fmgr-side helpers shared by the calibration files: allocating a
 *	  state, fetching one from a Datum, validating one with ereport.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CALIB_GLUE_H
#define PREFCAL_CALIB_GLUE_H

#include "prefcal.h"

#include <float.h>

#include "calib.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"

/*
 * What AggCheckCallContext() tests, inline: the per-row path should not
 * pay for a call into the server.  pc_agg_context() raises the error.
 */
#define IN_AGG(fcinfo) \
	((fcinfo)->context != NULL && \
	 (IsA((fcinfo)->context, AggState) || IsA((fcinfo)->context, WindowAggState)))

/* a state argument, detoasted (copied only if toasted or short-header) */
#define PG_GETARG_CALIB_P(n) ((CalibState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* per-bin interval bands of a reliability diagram (calib_access.c) */
typedef struct CalibSvgBands
{
	const double *lo;			/* per bin: lower end of mean y, or NaN */
	const double *hi;			/* per bin: upper end, or NaN */
	double		ece_lo;			/* ECE interval, or NaN */
	double		ece_hi;
	double		level;
	int			replicates;
} CalibSvgBands;

/* reliability-diagram geometry (pixels), shared by every diagram */
#define SVG_W		480
#define SVG_H		540
#define PX0			60			/* plot left */
#define PY0			50			/* plot top */
#define PSIZE		380			/* plot width and height */
#define HIST_TOP	475			/* count strip */
#define HIST_H		30

#define XPIX(x)		(PX0 + PSIZE * (x))
#define YPIX(y)		(PY0 + PSIZE * (1.0 - (y)))


extern void calib_svg_frame(StringInfo buf, const char *title,
							const char *xlabel, const char *ylabel);
extern char *calib_svg_render(const CalibState *s, const char *title,
							  const CalibSvgBands *bands);

/* calib_agg.c: shared by the transitions and combines of calib_boot.c */
extern pg_noinline void calib_bad_weight(double w);
extern bool calib_combine_args(FunctionCallInfo fcinfo, const char *what,
							   Datum *result);

/*
 * The probability and the target of a row (arguments 1 and 2, not NULL),
 * checked: p in [0, 1]; y in [0, 1] (soft) or a boolean's 0 or 1.
 */
static pg_attribute_always_inline void
calib_row_py(FunctionCallInfo fcinfo, bool soft, double *p, double *y)
{
	*p = PG_GETARG_FLOAT8(1);
	if (unlikely(!(*p >= 0.0 && *p <= 1.0)))
		pc_check_probability(*p, "probability");
	if (soft)
	{
		*y = PG_GETARG_FLOAT8(2);
		if (unlikely(!(*y >= 0.0 && *y <= 1.0)))
			pc_check_unit_target(*y, "target");
	}
	else
		*y = pc_label01(PG_GETARG_DATUM(2));	/* a bool Datum is 0 or 1 */
}

/*
 * A row's weight (argument argno, not NULL): 0 or normal, finite and
 * non-negative (subnormal weights would make subnormal products)
 */
static pg_attribute_always_inline double
calib_row_weight(FunctionCallInfo fcinfo, int argno)
{
	double		w = PG_GETARG_FLOAT8(argno);

	if (unlikely(!(w >= DBL_MIN && w <= DBL_MAX) && w != 0.0))
		calib_bad_weight(w);
	return w;
}

/* calib_state.c */
extern CalibState *calib_alloc(int nbins, int nclasses, int flags);
extern void calib_validate(const CalibState *s);
extern void calib_check_nbins(int nbins);

#endif							/* PREFCAL_CALIB_GLUE_H */
