/*-------------------------------------------------------------------------
 *
 * boot_math.c
 *	  Pure maths of the bootstrap calibration state (boot.h): the
 *	  replicate-weight generator, initialisation, one replicate's state as
 *	  a calibration state, the consistency check of the type's input
 *	  functions, and the percentile helper.  No fmgr, no palloc, no
 *	  ereport.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "kernels.h"

/* kh of a cluster key: mix64(FNV-1a 64 of its bytes ^ mix64(seed)) */
uint64_t
boot_key_hash(const char *key, size_t len, int64_t seed)
{
	uint64_t	h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) key[i];
		h *= UINT64_C(0x100000001b3);
	}
	return pc_mix64(h ^ pc_mix64((uint64_t) seed));
}

/* the weight of replicate b (0-based) for key hash kh */
int
boot_weight(uint64_t kh, int b)
{
	return pc_poisson1_at(kh, b);
}

void
boot_init(BootState *s, int nbins, int replicates, int64_t seed)
{
	/* the varlena header belongs to the caller */
	memset(((char *) s) + sizeof(int32_t), 0,
		   BOOT_SIZE(nbins, replicates) - sizeof(int32_t));
	s->version = BOOT_VERSION;
	s->nbins = nbins;
	s->replicates = replicates;
	s->seed = seed;
	calib_init(boot_est(s), nbins, 0, CALIB_F_LOGLOSS);
}

/*
 * Replicate b of s as a calibration state (out has room for s->nbins
 * bins): the bins' six sums, and totals that are the sums of the bins'
 * weights, Brier and log-loss terms in bin order (no compensation).
 */
void
boot_replicate(const BootState *s, int b, CalibState *out)
{
	const double *reps = boot_reps(s);
	int			nrep = s->replicates;
	double		w = 0.0,
				brier = 0.0,
				logloss = 0.0;

	calib_init(out, s->nbins, 0, CALIB_F_LOGLOSS);
	for (int j = 0; j < s->nbins; j++)
	{
		const double *r = reps + ((size_t) j * nrep + b) * BOOT_REC;
		CalibBin   *bin = &out->bins[j];

		bin->w = r[BOOT_R_W];
		bin->wp = r[BOOT_R_WP];
		bin->wy = r[BOOT_R_WY];
		bin->wpp = r[BOOT_R_WPP];
		bin->wpy = r[BOOT_R_WPY];
		bin->wyy = r[BOOT_R_WYY];
		w += r[BOOT_R_W];
		brier += r[BOOT_R_BRIER];
		logloss += r[BOOT_R_LOGLOSS];
	}
	out->w = w;
	out->brier = brier;
	out->logloss = logloss;
}

/*
 * Check that a state read from input is one the aggregate could have
 * built: header in range, the estimate a valid calibration state of the
 * same bins, and every replicate record consistent: finite sums (the
 * log-loss sum may be +Infinity, when the estimate's is), all 0 where the
 * estimate's bin is empty or the record's weight is 0, a weight at most
 * 17 times the estimate bin's, per-bin Brier and log-loss sums
 * non-negative and the Brier sum within the record's weight; then each
 * replicate as a calibration state passes calib_check.  Returns true when
 * fine, else false with what is wrong in *pb.
 * work has room for a calibration state of s->nbins bins.
 */
bool
boot_check(const BootState *s, int maxbins, CalibState *work, CalibProblem *pb)
{
	const CalibState *est = boot_est(s);
	const double *reps = boot_reps(s);
	int			nrep = s->replicates;

	if (s->version != BOOT_VERSION)
		CALIB_FAIL(CALIB_BAD_VALUE, "unsupported version %d", (int) s->version);
	if (s->flags != 0 || s->pad != 0)
		CALIB_FAIL(CALIB_BAD_VALUE, "unknown flags");
	if (s->nbins < 1 || s->nbins > maxbins)
		CALIB_FAIL(CALIB_BAD_VALUE, "nbins %d is out of range (1 to %d)",
			 (int) s->nbins, maxbins);
	if (nrep < 1 || nrep > BOOT_MAX_REPLICATES)
		CALIB_FAIL(CALIB_BAD_VALUE, "replicates %d is out of range (1 to %d)",
			 nrep, BOOT_MAX_REPLICATES);
	if (est->nbins != s->nbins || est->nclasses != 0 ||
		est->flags != CALIB_F_LOGLOSS)
		CALIB_FAIL(CALIB_BAD_VALUE, "the estimate does not match the header");
	if (!calib_check(est, maxbins, pb))
		return false;
	if (!(est->w <= BOOT_MAX_TOTAL) ||
		(isfinite(est->logloss) && !(est->logloss <= BOOT_MAX_TOTAL)))
		CALIB_FAIL(CALIB_OUT_OF_RANGE, "the estimate's sums are out of range");
	for (int j = 0; j < s->nbins; j++)
	{
		for (int b = 0; b < nrep; b++)
		{
			const double *r = reps + ((size_t) j * nrep + b) * BOOT_REC;

			for (int f = 0; f < BOOT_REC; f++)
				if (isnan(r[f]) || (f != BOOT_R_LOGLOSS && !isfinite(r[f])))
					CALIB_FAIL(CALIB_BAD_VALUE,
						 "bin %d replicate %d holds a non-finite sum",
						 j + 1, b + 1);
			if (!(r[BOOT_R_W] >= 0.0))
				CALIB_FAIL(CALIB_OUT_OF_RANGE,
					 "bin %d replicate %d has negative weight", j + 1, b + 1);
			/* a bin without rows has nothing in any replicate */
			if (est->bins[j].w == 0.0)
			{
				for (int f = 0; f < BOOT_REC; f++)
					if (r[f] != 0.0)
						CALIB_FAIL(CALIB_BAD_VALUE,
							 "bin %d replicate %d has sums but the estimate's bin is empty",
							 j + 1, b + 1);
				continue;
			}
			/* weights are at most 17 */
			if (!calib_le_tol(r[BOOT_R_W], 17.0 * est->bins[j].w))
				CALIB_FAIL(CALIB_BAD_VALUE,
					 "bin %d replicate %d weighs more than 17 times the estimate's bin",
					 j + 1, b + 1);
			if (isinf(r[BOOT_R_LOGLOSS]) && !isinf(est->logloss))
				CALIB_FAIL(CALIB_BAD_VALUE,
					 "bin %d replicate %d has an infinite log loss but the estimate has not",
					 j + 1, b + 1);
			if (r[BOOT_R_W] == 0.0)
			{
				for (int f = 1; f < BOOT_REC; f++)
					if (r[f] != 0.0)
						CALIB_FAIL(CALIB_OUT_OF_RANGE,
							 "bin %d replicate %d has weight 0 but non-zero sums",
							 j + 1, b + 1);
				continue;
			}
			if (!(r[BOOT_R_BRIER] >= 0.0) ||
				!calib_le_tol(r[BOOT_R_BRIER], r[BOOT_R_W]) ||
				!(r[BOOT_R_LOGLOSS] >= 0.0))
				CALIB_FAIL(CALIB_OUT_OF_RANGE,
					 "bin %d replicate %d: Brier or log-loss sum out of range",
					 j + 1, b + 1);
		}
	}
	for (int b = 0; b < nrep; b++)
	{
		boot_replicate(s, b, work);
		if (!calib_check(work, maxbins, pb))
			return false;
	}
	return true;
}

int
boot_metric_from_name(const char *name)
{
	static const char *const names[] = {
		"ece", "mce", "brier", "log_loss", "smooth_ece", "reliability",
		"resolution"
	};

	for (int i = 0; i < (int) (sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/*
 * The q-quantile of n sorted values for the bootstrap's percentile
 * intervals: Hyndman and Fan's type 6 (numpy's "weibull"), the (n + 1) q-th
 * order statistic interpolated linearly, h = (n + 1) q (1-based),
 * v[h - 1] at an integer h, below 1 the smallest value and above n the
 * largest.  The k-th of n sorted draws sits on average at the k / (n + 1)
 * point of their distribution, so this bound is unbiased for the tail
 * probability; type 7's (n - 1) q + 1 is not: at n = 200 and q = 0.025 it
 * takes the 2.97% point on average, and a nominal 95% interval of an
 * exactly normal statistic covers 94.1% instead of 95%
 * (test/ref/bootstrap/coverage.py).  Equal neighbours give their value
 * (so infinities stay infinite).
 */
static double
boot_interval_quantile(const double *v, int n, double q)
{
	double		h = (n + 1) * q;
	int			i;
	double		g;

	if (h <= 1.0)
		return v[0];
	if (h >= n)
		return v[n - 1];
	i = (int) floor(h);			/* 1 <= i <= n - 1 */
	g = h - i;
	if (g == 0.0 || v[i - 1] == v[i])
		return v[i - 1];
	return v[i - 1] + g * (v[i] - v[i - 1]);
}

/*
 * The q-quantile of n sorted values by linear interpolation between order
 * statistics (Hyndman and Fan's type 7, numpy's default): h = (n - 1) q,
 * v[floor h] + (h - floor h) (v[floor h + 1] - v[floor h]).  Equal
 * neighbours give their value (so infinities stay infinite).
 */
double
boot_quantile(const double *v, int n, double q)
{
	double		h = (n - 1) * q;
	int			i = (int) floor(h);
	double		g = h - i;

	if (i >= n - 1)
		return v[n - 1];
	if (g == 0.0 || v[i] == v[i + 1])
		return v[i];
	return v[i] + g * (v[i + 1] - v[i]);
}

static int
boot_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * The percentile interval [lo, hi] at the level of n >= 1 replicate values
 * (no NaN; sorted here): their boot_interval_quantile (type 6) at
 * (1 - level) / 2 and (1 + level) / 2
 */
void
boot_percentiles(double *v, int n, double level, double *lo, double *hi)
{
	qsort(v, n, sizeof(double), boot_cmp_double);
	*lo = boot_interval_quantile(v, n, (1.0 - level) / 2.0);
	*hi = boot_interval_quantile(v, n, (1.0 + level) / 2.0);
}

/*
 * The interval of n replicate values (no NaN; sorted here): the
 * percentile interval [lo, hi] at the level (boot_percentiles) and se the
 * standard deviation of the values (n - 1).  False, and nothing set, with
 * fewer than two.
 */
bool
boot_interval(double *v, int n, double level, double *lo, double *hi,
			  double *se)
{
	double		mean = 0.0,
				ss = 0.0;

	if (n < 2)
		return false;
	for (int i = 0; i < n; i++)
		mean += v[i];
	mean /= n;
	for (int i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	boot_percentiles(v, n, level, lo, hi);
	*se = sqrt(ss / (n - 1));
	return true;
}
