/*-------------------------------------------------------------------------
 *
 * calib_smooth.h
 *	  Smooth ECE (Blasiok and Nakkiran, 2023) read from a calibration
 *	  state: the data each bin contributes, smECE at a given bandwidth,
 *	  the bound on what binning the rows changed, and the fixed point
 *	  sigma* = smECE_sigma*.  Pure maths (no fmgr); the glue is in
 *	  calib_access.c.  The derivation is in calib_smooth.c and
 *	  doc/calibration.md.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CALIB_SMOOTH_H
#define PREFCAL_CALIB_SMOOTH_H

#include "calib.h"

/* the bandwidths accepted, and searched for the fixed point */
#define SMECE_SIGMA_MIN		1e-6
#define SMECE_SIGMA_MAX		2.0

/* bins of the states smooth_ece_agg builds (PREFCAL_MAX_BINS) */
#define SMECE_AGG_BINS		10000

/* what one non-empty bin contributes (already divided by the total weight) */
typedef struct SmeceBin
{
	double		x;				/* the bin's mean p */
	double		r;				/* sum of w (y - p) / W */
	double		c;				/* sum of w (y - p) (p - x) / W */
	double		u1;				/* bound on sum of w |y - p| |p - x| / W */
	double		u2;				/* bound on sum of w |y - p| (p - x)^2 / W */
} SmeceBin;

/* one image of a bin on the real line (the reflected kernel unfolded) */
typedef struct SmeceImage
{
	double		c;				/* centre */
	double		r;				/* monopole weight */
	double		d;				/* dipole weight */
} SmeceImage;

typedef struct SmeceResult
{
	double		value;			/* smECE */
	double		sigma;			/* bandwidth */
	double		bound;			/* |value - smECE of the raw rows| <= bound */
} SmeceResult;

extern int	smece_bins(const CalibState *s, SmeceBin *out);
extern size_t smece_images_capacity(int nbins, double sigma);
extern double smece_at(const SmeceBin *bins, int nbins, double sigma,
					   SmeceImage *work, double *quad_err,
					   void (*interrupt) (void));
extern double smece_bound(const SmeceBin *bins, int nbins, double sigma);
extern void smece_fixed_point(const SmeceBin *bins, int nbins,
							  SmeceImage *work, SmeceResult *res,
							  void (*interrupt) (void));

#endif							/* PREFCAL_CALIB_SMOOTH_H */
