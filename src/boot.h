/*-------------------------------------------------------------------------
 *
 * boot.h
 *	  The bootstrap calibration state (the value behind the SQL type
 *	  calibration_bootstrap_state), the replicate-weight generator and the
 *	  pure maths on them.  Plain C (no fmgr, no Datum): the glue is in
 *	  calib_boot.c.
 *
 * A Poisson bootstrap without resampling: replicate b gives every row of
 * cluster key c the weight k_b(c) ~ Poisson(1), a pure function of (seed,
 * b, c).  The generator (doc/uncertainty.md states it for independent
 * implementations; test/ref/bootstrap/bootstrap_ref.py is one):
 *
 *	h    = FNV-1a 64 of the key's bytes (offset 0xcbf29ce484222325,
 *		   prime 0x100000001b3)
 *	kh   = mix64(h ^ mix64(seed))			(seed as a two's complement
 *											 64-bit integer)
 *	u_b  = mix64(kh + (b + 1) * 0x9e3779b97f4a7c15)	 (b = 0 .. B-1,
 *											 arithmetic mod 2^64)
 *	x_b  = u_b >> 11						(53 uniform bits)
 *	k_b  = the number of j in 0 .. 16 with x_b >= pc_poisson1_t[j]
 *
 * mix64 is splitmix64's output function (Steele, Lea and Flood 2014):
 * z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27;
 * z *= 0x94d049bb133111eb; z ^= z >> 31; so u_0, u_1, ... are the outputs
 * of a splitmix64 generator seeded with kh.  pc_poisson1_t[j] =
 * ceil(2^53 F(j)), F the Poisson(1) distribution function, so that
 * P(k_b = j) is the Poisson(1) probability rounded to a multiple of 2^-53
 * (exact inverse-CDF sampling of the 53-bit uniform x_b / 2^53); the
 * largest weight is 17.
 *
 * State layout (one MAXALIGNed varlena, updated in place):
 *
 *	header	  version, flags, nbins, replicates, seed
 *	estimate  a whole calibration_state (calib.h) of every row with weight
 *			  w: calibration_agg's state of the same rows, bit for bit
 *	reps	  nbins x replicates records of BOOT_REC doubles, bin-major
 *			  (the records of one bin for replicates 0 .. B-1 are
 *			  contiguous): the sums of k_b w, k_b w p, k_b w y, k_b w p^2,
 *			  k_b w p y, k_b w y^2 and of k_b w times the row's Brier and
 *			  log-loss terms over the bin's rows
 *
 * A replicate's totals are the sums of its bins' records (in bin order),
 * so one record per (bin, replicate) carries everything every measure
 * needs.  The replicate loop (one row's weights into B records) is the
 * rep_add kernel (kernels.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_BOOT_H
#define PREFCAL_BOOT_H

#include <float.h>

#include "calib.h"

#define BOOT_VERSION		1
#define BOOT_REC			8	/* doubles per (bin, replicate) record */
#define BOOT_DEFAULT_REPLICATES 200
#define BOOT_MAX_REPLICATES 10000
/* nbins x replicates at most this (a 32 MB state) */
#define BOOT_MAX_CELLS		500000
/* totals above this could overflow a replicate (weights are at most 17) */
#define BOOT_MAX_TOTAL		(DBL_MAX / 32.0)

/* record fields */
#define BOOT_R_W		0
#define BOOT_R_WP		1
#define BOOT_R_WY		2
#define BOOT_R_WPP		3
#define BOOT_R_WPY		4
#define BOOT_R_WYY		5
#define BOOT_R_BRIER	6
#define BOOT_R_LOGLOSS	7


typedef struct BootState
{
	int32_t		vl_len_;		/* varlena header (do not touch directly) */
	int16_t		version;		/* BOOT_VERSION */
	uint16_t	flags;			/* always 0 */
	int32_t		nbins;			/* 1 .. PREFCAL_MAX_BINS */
	int32_t		replicates;		/* 1 .. BOOT_MAX_REPLICATES */
	int32_t		pad;			/* always 0 */
	int64_t		seed;
	/* then the estimate (CalibState) and the replicate records */
} BootState;

#define BOOT_EST_OFF		sizeof(BootState)	/* a multiple of 8 */
#define BOOT_REP_OFF(nbins) (BOOT_EST_OFF + CALIB_SIZE(nbins))
#define BOOT_SIZE(nbins, reps) \
	(BOOT_REP_OFF(nbins) + (size_t) (nbins) * (size_t) (reps) * BOOT_REC * sizeof(double))

static inline CalibState *
boot_est(const BootState *s)
{
	return (CalibState *) ((char *) s + BOOT_EST_OFF);
}

static inline double *
boot_reps(const BootState *s)
{
	return (double *) ((char *) s + BOOT_REP_OFF(s->nbins));
}

/*
 * The replicate-weight generator: the key hash here, the weights in
 * kernels.h (pc_poisson1_at, and the poisson1 kernel for B replicates).
 */
extern uint64_t boot_key_hash(const char *key, size_t len, int64_t seed);
extern int	boot_weight(uint64_t kh, int b);

/* boot_math.c */
extern void boot_init(BootState *s, int nbins, int replicates, int64_t seed);
extern void boot_replicate(const BootState *s, int b, CalibState *out);
extern bool boot_check(const BootState *s, int maxbins, CalibState *work,
					   CalibProblem *pb);

/* the measures calibration_ci reads */
typedef enum BootMetric
{
	BOOT_M_ECE,
	BOOT_M_MCE,
	BOOT_M_BRIER,
	BOOT_M_LOGLOSS,
	BOOT_M_SMOOTH_ECE,
	BOOT_M_RELIABILITY,
	BOOT_M_RESOLUTION
} BootMetric;

extern int	boot_metric_from_name(const char *name);
extern double boot_quantile(const double *sorted, int n, double q);
extern void boot_percentiles(double *v, int n, double level, double *lo,
							 double *hi);
extern bool boot_interval(double *v, int n, double level, double *lo,
						  double *hi, double *se);

#endif							/* PREFCAL_BOOT_H */
