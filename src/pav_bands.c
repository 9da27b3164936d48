/*-------------------------------------------------------------------------
 *
 * pav_bands.c
 *	  Consistency resampling for the CORP reliability diagram (pav.h):
 *	  outcomes drawn under the hypothesis of calibration, one replicate at
 *	  a time, and the points where the bands are evaluated.  Pure maths:
 *	  no fmgr, no allocation.
 *
 * Under calibration a row with prediction p has outcome y ~ Bernoulli(p)
 * (Dimitriadis, Gneiting and Jordan 2021, section 3; R's reliabilitydiag
 * resamples this way).  A point of the state holds the summed weight w of
 * its rows, read as a row count: floor(w) whole rows and one row of weight
 * w - floor(w).  Replicate b draws, for each point in order of p,
 *
 *	 wy* = Binomial(floor(w), p) + (w - floor(w)) Bernoulli(p)
 *
 * from a stream of uniforms that extends the bootstrap generator
 * (boot.h): the point's key is the 8 bytes of p's IEEE 754 binary64 form,
 * least significant first; with kh = boot_key_hash(key, seed) and
 * kb = mix64(kh + (b + 1) G) (G the golden-ratio constant), the point's
 * uniforms are x_c = (mix64(kb + (c + 1) G) >> 11) 2^-53, c = 0, 1, ....
 *
 * The binomial is drawn by inversion in chunks: with q = min(p, 1 - p)
 * (and the count of failures when p > 1/2), trials go in chunks of
 * t = min(remaining, max(1, floor(600 / -log1p(-q)))) so that the first
 * term (1 - q)^t = exp(t log1p(-q)) stays above e^-600; each chunk takes
 * one uniform x and counts k = 0, 1, ... while x >= the running
 * distribution function (capped at t), the terms by the recurrence
 * f(k + 1) = f(k) ((t - k) / (k + 1)) (q / (1 - q)).  Then, when w has a
 * fractional part, one more uniform x adds it when x < p.  p = 0 or 1
 * (q = 0) takes no uniform for its whole rows.  doc/calibration.md states
 * the same; test/ref/pav/bands_ref.py is an independent implementation.
 *
 *-------------------------------------------------------------------------
 */
#include "c.h"

#include <math.h>

#include "boot.h"
#include "kernels.h"
#include "pav.h"

/* the c-th uniform of a point's stream kb, in [0, 1) */
static inline double
band_uniform(uint64_t kb, uint64_t c)
{
	return (double) (pc_mix64(kb + (c + 1) * PC_GOLDEN) >> 11) * 0x1p-53;
}

/*
 * Binomial(m, q), q in (0, 1/2], consuming uniforms from *c; interrupt
 * (NULL: none) every 256 chunks
 */
static double
band_binomial(uint64_t kb, uint64_t *c, int64_t m, double q,
			  void (*interrupt) (void))
{
	double		lq = log1p(-q);
	double		r = q / (1.0 - q);
	double		tmax = floor(600.0 / -lq);
	double		total = 0;
	int64_t		left = m;

	while (left > 0)
	{
		int64_t		t = (tmax >= (double) left) ? left : (int64_t) Max(tmax, 1.0);
		double		x = band_uniform(kb, (*c)++);
		double		f = exp((double) t * lq);
		double		cdf = f;
		int64_t		k = 0;

		if (interrupt && (*c & 255) == 255)
			interrupt();
		while (x >= cdf && k < t)
		{
			f *= (double) (t - k) / (double) (k + 1) * r;
			k++;
			cdf += f;
		}
		total += (double) k;
		left -= t;
	}
	return total;
}

void
pav_consistency_draw(const PavPoint *pts, int n, int64_t seed, int b,
					 void (*interrupt) (void), PavPoint *out)
{
	for (int i = 0; i < n; i++)
	{
		const PavPoint *pt = &pts[i];
		double		p = pt->p;
		double		whole = floor(pt->w);
		double		frac = pt->w - whole;
		uint64_t	bits;
		unsigned char key[8];
		uint64_t	kb;
		uint64_t	c = 0;
		double		wy;

		if (interrupt && (i & 4095) == 4095)
			interrupt();
		memcpy(&bits, &p, sizeof(bits));
		for (int j = 0; j < 8; j++)
			key[j] = (unsigned char) (bits >> (8 * j));
		kb = pc_mix64(boot_key_hash((const char *) key, 8, seed) +
					  (uint64_t) (b + 1) * PC_GOLDEN);
		if (p <= 0.5)
			wy = (p > 0) ? band_binomial(kb, &c, (int64_t) whole, p, interrupt) : 0.0;
		else
			wy = whole - ((p < 1) ? band_binomial(kb, &c, (int64_t) whole, 1.0 - p, interrupt) : 0.0);
		if (frac > 0 && band_uniform(kb, c++) < p)
			wy += frac;
		out[i].p = p;
		out[i].w = pt->w;
		out[i].wy = wy;
		out[i].wyy = wy;		/* outcomes 0 or 1 (the fraction: y = 1) */
	}
}

int
pav_band_points(int n, int32_t *idx)
{
	if (n <= PAV_BAND_POINTS)
	{
		for (int i = 0; i < n; i++)
			idx[i] = i;
		return n;
	}
	for (int k = 0; k < PAV_BAND_POINTS; k++)
		idx[k] = (int32_t) ((int64_t) k * (n - 1) / (PAV_BAND_POINTS - 1));
	return PAV_BAND_POINTS;
}
