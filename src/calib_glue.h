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

#include "calib.h"

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

extern char *calib_svg_render(const CalibState *s, const char *title,
							  const CalibSvgBands *bands);

/* calib_state.c */
extern CalibState *calib_alloc(int nbins, int nclasses, int flags);
extern void calib_validate(const CalibState *s);
extern void calib_check_nbins(int nbins);

#endif							/* PREFCAL_CALIB_GLUE_H */
