/*-------------------------------------------------------------------------
 *
 * test_kernels.c
 *	  Standalone test of prefcal's SIMD kernels against their scalar
 *	  twins, linking only the kernel sources (src/kernels*.c but
 *	  kernels_guc.c; no PostgreSQL).
 *
 * For every level this machine supports (the others are reported as
 * skipped) and every kernel:
 *	- lengths 0 to 67 and a few longer ones, each at an aligned start and
 *	  at a start one element past it, and with the array ending exactly at
 *	  an unreadable page (so a kernel that reads past the end crashes);
 *	- random valid inputs, inputs full of ties, all-zero inputs with
 *	  -0.0 mixed in, and each adversarial value (NaN, +-Infinity,
 *	  denormals, -0.0, the doubles just outside [0, 1], huge values)
 *	  placed at every position;
 *	- prob_sumsq: same validity verdict, sums within the reordering bound;
 *	  prob_argmax: same verdict, index and maximum bit for bit;
 *	  add: every element bit for bit, nothing written outside [0, n);
 *	  exp: within PC_EXP_TOL_EPS * DBL_EPSILON relative of libm's exp
 *	  (an absolute denormal allowance below DBL_MIN), same NaN/Infinity/0,
 *	  and the largest error seen, in ulps, is printed;
 *	  pairs_binary: m = 0 to 67 and longer, score spreads from 0 to 900
 *	  (exp underflow), NaN/Infinity/denormal scores, three offsets, with
 *	  and without prob, within PC_PAIRS_TOL_EPS of the scalar twin, nothing
 *	  written past m, each array ending at an unreadable page, and
 *	  log1p(exp(-d)) alone against libm (at most 8 ulp);
 *	  smooth_node: n = 0 to 67 and longer, bandwidths 1e-6 to 2, |u| up to
 *	  the kernel's reach with the branch points placed on purpose, zero
 *	  charges, within (PC_SMOOTH_TOL_EPS + n) eps of the scalar twin on
 *	  the scale of the terms (pc_check_smooth), each array ending at an
 *	  unreadable page, and Phi(-|u|) alone against libm's erfc;
 *	  dot4: n = 0 to 67, 100, 257, 1000 and 4099, data of mixed signs and
 *	  magnitudes, small integers (exact sums: bit for bit), pairs of terms
 *	  cancelling (sums far below the magnitude sums), products that
 *	  underflow; x and each y at every offset 0 to 7 doubles past a 64-byte
 *	  boundary (and at random ones), the y all one array, y0 = x, and all
 *	  five one array; within PC_DOT_TOL_EPS (n + 1) eps sum|x yq| (plus n
 *	  denormal steps) of the scalar twin, and both within (n + 1) eps
 *	  sum|x yq| of the exact sum (a compensated Dot2 in the test, not
 *	  pc_check_dot4); each of x, y0 .. y3 and out ending at an unreadable
 *	  page; NaN, +-Infinity, -0.0, denormals and huge values at every
 *	  position of x and of one y, Infinity times 0 (either side), two
 *	  infinities: NaN exactly in the outputs with a NaN term (or
 *	  infinities of both signs), the infinity of one-signed infinite
 *	  terms, the other outputs within tolerance; all-zero terms give 0,
 *	  n = 0 gives exactly 0.0; the largest errors seen are printed;
 *	  rep_add: n = 0 to 67 and longer, integer and arbitrary weights,
 *	  every element bit for bit the scalar twin's, nothing written past n
 *	  records, arrays ending at an unreadable page, and fma(k, v, acc)
 *	  exactly;
 *	  poisson1: n = 0 to 67 and up to 10000, random and extreme key
 *	  hashes, every weight bit for bit the scalar twin's, nothing written
 *	  past n, the output ending at an unreadable page, and the scalar twin
 *	  against the generator's definition written out in the test.
 *
 * Output: one line per (level, kernel): "PASS", "FAIL" or "SKIP", then a
 * summary; exit status 0 only when nothing failed.  test/t/005_kernels.t
 * runs this through test/kernels/Makefile.
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernels.h"

#define MAXN 1100

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static long failures = 0;
static long checks = 0;
static int	verbose_left = 20;	/* print at most this many failure details */

static uint64_t
rng_next(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double
rng_unit(void)
{
	return (rng_next() >> 11) * 0x1p-53;
}

#ifdef USE_ASSERT_CHECKING
/* the kernels' own cross-checks report here */
void
pc_kernel_check_failed(const char *kernel, const char *file, int line)
{
	failures++;
	if (verbose_left-- > 0)
		fprintf(stderr, "built-in cross-check failed: %s at %s:%d\n",
				kernel, file, line);
}
#endif

static void
fail(const char *level, const char *kernel, const char *what,
	 const double *x, int n, int off)
{
	failures++;
	if (verbose_left-- > 0)
	{
		fprintf(stderr, "FAIL detail: %s %s n=%d offset=%d: %s; x =",
				level, kernel, n, off, what);
		for (int i = 0; i < n && i < 12; i++)
			fprintf(stderr, " %a", x[i]);
		fprintf(stderr, n > 12 ? " ...\n" : "\n");
	}
}

static bool
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(double)) == 0;
}

/* ---------- input patterns for the probability kernels ---------- */

static const double adversarial[] = {
	NAN, -NAN, INFINITY, -INFINITY,
	-0.0, 0.0, 1.0,
	0x1p-1074,					/* smallest denormal */
	0x1p-1030,					/* a denormal */
	-0x1p-1074,					/* just below 0 */
	0x1.0000000000001p0,		/* just above 1 */
	-DBL_MIN, DBL_MIN,
	1e308, -1e308, DBL_MAX,
	0.9999999999999999,
};
#define NADV ((int) (sizeof(adversarial) / sizeof(adversarial[0])))

static void
fill_valid(double *x, int n, int pattern)
{
	for (int i = 0; i < n; i++)
	{
		switch (pattern)
		{
			case 0:				/* random in [0, 1) */
				x[i] = rng_unit();
				break;
			case 1:				/* many ties */
				x[i] = (rng_next() % 5) * 0.25;
				break;
			case 2:				/* zeros of both signs */
				x[i] = (rng_next() & 1) ? -0.0 : 0.0;
				break;
			case 3:				/* increasing: the maximum is last */
				x[i] = (double) (i + 1) / (n + 1);
				break;
			default:			/* tiny values and denormals */
				x[i] = ldexp(rng_unit(), -(int) (rng_next() % 1100));
				break;
		}
	}
}
#define NPATTERNS 5

/* ---------- per-kernel checks ---------- */

static void
check_prob(const PcKernels *k, const char *level, const double *x, int n,
		   int off)
{
	double		s_ref,
				s,
				m_ref,
				m;
	int			i_ref,
				i;
	bool		ok_ref,
				ok;

	ok_ref = pc_kernels_scalar.prob_sumsq(x, n, &s_ref);
	ok = k->prob_sumsq(x, n, &s);
	checks++;
	if (ok != ok_ref)
		fail(level, "prob_sumsq", "validity differs", x, n, off);
	else if (ok && !(fabs(s - s_ref) <= (n + 1) * DBL_EPSILON * s_ref + n * DBL_MIN))
		fail(level, "prob_sumsq", "sum differs beyond reordering", x, n, off);
	else if (ok && n == 0 && !same_bits(s, 0.0))
		fail(level, "prob_sumsq", "empty sum is not 0", x, n, off);

	ok_ref = pc_kernels_scalar.prob_argmax(x, n, &i_ref, &m_ref);
	ok = k->prob_argmax(x, n, &i, &m);
	checks++;
	if (ok != ok_ref)
		fail(level, "prob_argmax", "validity differs", x, n, off);
	else if (ok && (i != i_ref || !same_bits(m, m_ref)))
		fail(level, "prob_argmax", "index or maximum differs", x, n, off);
}

static void
test_prob(const PcKernels *k, const char *level, double *base, double *page_end)
{
	for (int n = 0; n <= 67; n++)
	{
		for (int off = 0; off <= 1; off++)
		{
			double	   *x = base + off;

			for (int pat = 0; pat < NPATTERNS; pat++)
			{
				fill_valid(x, n, pat);
				check_prob(k, level, x, n, off);

				/* each adversarial value at each position */
				for (int a = 0; a < NADV; a++)
					for (int pos = 0; pos < n; pos++)
					{
						double		saved = x[pos];

						x[pos] = adversarial[a];
						check_prob(k, level, x, n, off);
						x[pos] = saved;
					}
			}
		}

		/* ending at an unreadable page */
		{
			double	   *x = page_end - n;

			fill_valid(x, n, 0);
			check_prob(k, level, x, n, -1);
			if (n > 0)
			{
				x[n - 1] = NAN;
				check_prob(k, level, x, n, -1);
			}
		}
	}

	/* longer vectors: the unrolled main loops */
	{
		static const int lens[] = {100, 127, 128, 129, 255, 256, 257, 1000, MAXN - 1};

		for (int j = 0; j < (int) (sizeof(lens) / sizeof(lens[0])); j++)
			for (int off = 0; off <= 1; off++)
			{
				int			n = lens[j];
				double	   *x = base + off;

				for (int pat = 0; pat < NPATTERNS; pat++)
				{
					fill_valid(x, n, pat);
					check_prob(k, level, x, n, off);
					for (int a = 0; a < NADV; a++)
					{
						int			pos = (int) (rng_next() % n);
						double		saved = x[pos];

						x[pos] = adversarial[a];
						check_prob(k, level, x, n, off);
						x[pos] = saved;
					}
				}
			}
	}
}

static void
test_add(const PcKernels *k, const char *level, double *base, double *page_end)
{
	static double dst[MAXN + 8],
				ref[MAXN + 8],
				src[MAXN + 8];

	for (int n = 0; n <= 300; n += (n < 67 ? 1 : 37))
	{
		for (int off = 0; off <= 1; off++)
		{
			for (int i = 0; i < n + 4; i++)
			{
				uint64_t	r = rng_next();

				dst[i] = (r & 7) == 0 ? adversarial[r % NADV] : rng_unit() * 1000;
				src[i] = (r & 0x38) == 0 ? adversarial[(r >> 8) % NADV] : rng_unit();
				ref[i] = dst[i];
			}
			pc_kernels_scalar.add(ref + off, src + off, n);
			k->add(dst + off, src + off, n);
			checks++;
			for (int i = 0; i < n + 4; i++)
			{
				if (!same_bits(dst[i], ref[i]) &&
					!(isnan(dst[i]) && isnan(ref[i]) && i >= off && i < off + n))
				{
					fail(level, "add", i < off || i >= off + n ?
						 "wrote outside [0, n)" : "element differs",
						 src + off, n, off);
					break;
				}
			}
		}
		/* source ending at an unreadable page */
		if (n <= 67)
		{
			double	   *s = page_end - n;

			for (int i = 0; i < n; i++)
			{
				s[i] = rng_unit();
				dst[i] = ref[i] = rng_unit();
			}
			pc_kernels_scalar.add(ref, s, n);
			k->add(dst, s, n);
			checks++;
			if (memcmp(dst, ref, n * sizeof(double)) != 0)
				fail(level, "add", "element differs (page end)", s, n, -1);
		}
	}
	(void) base;
}

/*
 * rep_add: n = 0 .. 67 and longer, weights that are small integers (the
 * bootstrap's) and arbitrary doubles, records of mixed magnitudes and
 * signs, -0.0 and denormals: every element bit for bit the scalar twin's
 * (one fused rounding at every level), nothing written past n records;
 * the accumulator, weights and record each ending at an unreadable page.
 */
static void
test_rep_add(const PcKernels *k, const char *level, double *page_end)
{
	static double acc[(MAXN + 2) * PC_REP_REC],
				ref[(MAXN + 2) * PC_REP_REC],
				kw[MAXN + 2];
	double		v[PC_REP_REC];

	for (int n = 0; n <= 1000; n += (n < 67 ? 1 : 131))
	{
		for (int mode = 0; mode < 3; mode++)
		{
			int			tot = (n + 1) * PC_REP_REC;

			for (int i = 0; i < tot; i++)
			{
				uint64_t	r = rng_next();

				acc[i] = (r & 15) == 0 ? -0.0 : (r & 16) ? rng_unit() * 1e3 :
					rng_unit() * ((r >> 8) & 1 ? 1e-300 : 1.0);
				ref[i] = acc[i];
			}
			for (int b = 0; b <= n; b++)
				kw[b] = mode == 0 ? (double) (rng_next() % 18) :
					mode == 1 ? rng_unit() * 7 : (double) (rng_next() % 3);
			for (int f = 0; f < PC_REP_REC; f++)
			{
				uint64_t	r = rng_next();

				v[f] = (r & 7) == 0 ? 0.0 : (r & 8) ? -rng_unit() : rng_unit() * (f + 1);
				if ((r & 0x30) == 0)
					v[f] = 0x1p-1060;
			}
			pc_kernels_scalar.rep_add(ref, kw, n, v);
			k->rep_add(acc, kw, n, v);
			checks++;
			for (int i = 0; i < tot; i++)
				if (!same_bits(acc[i], ref[i]))
				{
					fail(level, "rep_add", i >= n * PC_REP_REC ?
						 "wrote past n records" : "element differs",
						 kw, n, i);
					break;
				}
		}
		/* every array ending at an unreadable page */
		if (n * PC_REP_REC + n + PC_REP_REC <= 512)
		{
			double	   *pv = page_end - PC_REP_REC;
			double	   *pk = pv - n;
			double	   *pa = pk - (size_t) n * PC_REP_REC;

			for (int f = 0; f < PC_REP_REC; f++)
				pv[f] = rng_unit();
			for (int b = 0; b < n; b++)
				pk[b] = (double) (rng_next() % 5);
			for (int i = 0; i < n * PC_REP_REC; i++)
				pa[i] = ref[i] = rng_unit();
			pc_kernels_scalar.rep_add(ref, pk, n, pv);
			k->rep_add(pa, pk, n, pv);
			checks++;
			if (n > 0 && memcmp(pa, ref, (size_t) n * PC_REP_REC * sizeof(double)) != 0)
				fail(level, "rep_add", "element differs (page end)", pk, n, -1);
		}
	}
	/* the scalar twin is the definition: fma of the weight and the record */
	{
		double		a[PC_REP_REC] = {1, 2, 3, 4, 5, 6, 7, 8};
		double		w = 3.0;
		double		r[PC_REP_REC] = {0.1, 0.2, 0.3, 1e-17, -1, 0, 0.7, 1e300};

		k->rep_add(a, &w, 1, r);
		checks++;
		for (int f = 0; f < PC_REP_REC; f++)
			if (!same_bits(a[f], fma(3.0, r[f], (double) (f + 1))))
				fail(level, "rep_add", "not fma(k, v, acc)", r, 1, f);
	}
}

/*
 * poisson1: n = 0 .. 67 and longer, random key hashes and the extremes
 * (0, all ones, hashes whose lanes wrap around 2^64): every weight bit for
 * bit the scalar twin's, nothing written past n, the output ending at an
 * unreadable page; and the scalar twin against the definition written out
 * here (splitmix64, then a linear scan of the thresholds).
 */
static int
poisson1_def(uint64_t kh, int b)
{
	uint64_t	z = kh + (uint64_t) (b + 1) * UINT64_C(0x9e3779b97f4a7c15);
	int			n = 0;

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	while (n < PC_POISSON1_NT && (z >> 11) >= pc_poisson1_t[n])
		n++;
	return n;
}

static void
test_poisson1(const PcKernels *k, const char *level, double *page_end)
{
	static double got[10000 + 8],
				ref[10000 + 8];
	static const int lens[] = {100, 257, 1000, 4099, 10000};
	long		hist[PC_POISSON1_NT + 1] = {0};

	for (int t = 0; t < 67 + 5 * 40; t++)
	{
		int			n = t < 68 ? t : lens[(t - 68) % 5];
		uint64_t	kh = t == 0 ? 0 : t == 1 ? ~UINT64_C(0) :
			t == 2 ? (uint64_t) 0 - 3 * UINT64_C(0x9e3779b97f4a7c15) : rng_next();

		for (int i = 0; i < n + 8; i++)
			got[i] = ref[i] = -1.0;
		pc_kernels_scalar.poisson1(kh, n, ref);
		k->poisson1(kh, n, got);
		checks++;
		for (int i = 0; i < n + 8; i++)
			if (!same_bits(got[i], ref[i]))
			{
				fail(level, "poisson1", i >= n ? "wrote past n" : "weight differs",
					 got, n, i);
				break;
			}
		for (int i = 0; i < n; i++)
		{
			if (ref[i] != (double) poisson1_def(kh, i))
			{
				fail(level, "poisson1", "scalar twin differs from the definition",
					 ref, n, i);
				break;
			}
			hist[(int) ref[i]]++;
		}
	}
	/* the output ending at an unreadable page */
	for (int n = 0; n <= 67; n++)
	{
		double	   *out = page_end - n;
		uint64_t	kh = rng_next();

		pc_kernels_scalar.poisson1(kh, n, ref);
		k->poisson1(kh, n, out);
		checks++;
		if (n > 0 && memcmp(out, ref, n * sizeof(double)) != 0)
			fail(level, "poisson1", "weight differs (page end)", out, n, -1);
	}
	/* weights above 4 (the loop past the first four thresholds) were seen */
	if (hist[5] + hist[6] + hist[7] == 0)
		fail(level, "poisson1", "no weight of 5 to 7 in the sample", NULL, 0, -1);
}

/* error of y against libm's exp(x), in ulps of the reference */
static double
exp_ulps(double x, double y)
{
	double		r = exp(x);

	if (isnan(r) || isnan(y))
		return isnan(r) && isnan(y) ? 0.0 : INFINITY;
	if (isinf(r) || isinf(y))
		return r == y ? 0.0 : INFINITY;
	if (r == y)
		return 0.0;
	return fabs(y - r) / (nextafter(r, INFINITY) - r);
}

static bool
exp_ok(double x, double y)
{
	double		r = exp(x);

	if (isnan(r) || isnan(y))
		return isnan(r) && isnan(y);
	if (isinf(r) || isinf(y))
		return r == y;
	if (r < DBL_MIN)
		return fabs(r - y) <= 4 * 0x1p-1074;
	return fabs(y - r) <= PC_EXP_TOL_EPS * DBL_EPSILON * r;
}

static void
test_exp(const PcKernels *k, const char *level, double *base, double *page_end)
{
	static const double special[] = {
		NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1.0, -1.0,
		0x1p-1074, -0x1p-1074, DBL_MIN, DBL_MAX, -DBL_MAX,
		709.782712893384, 709.7827128933841, 709.79, 710.0, 800.0,
		-708.39641853226408, -708.4, -720.0, -744.44007192138122,
		-745.1332191019411, -745.1332191019412, -745.14, -746.0, -1000.0,
		0.34657359027997264, -0.34657359027997264, 0.6931471805599453,
		1e-300, -1e-300, 1e-10, 100.5, -100.5, 1024 * 0.6931471805599453,
	};
	static double y[MAXN + 8];
	int			nspecial = (int) (sizeof(special) / sizeof(special[0]));
	double		worst = 0.0,
				worst_x = 0.0;

	/* specials at every position of every short length, both offsets */
	for (int n = 0; n <= 67; n++)
		for (int off = 0; off <= 1; off++)
		{
			double	   *x = base + off;

			for (int i = 0; i < n; i++)
				x[i] = special[(i + n) % nspecial];
			for (int i = 0; i < n + 2; i++)
				y[i] = -12345.0;
			k->exp(x, y + off, n);
			checks++;
			for (int i = 0; i < n; i++)
				if (!exp_ok(x[i], y[off + i]))
				{
					fail(level, "exp", "special value off", x + i, 1, off);
					break;
				}
			if (y[off + n] != -12345.0 || (off && y[0] != -12345.0))
				fail(level, "exp", "wrote outside [0, n)", x, n, off);
		}

	/* ending at an unreadable page, and in place */
	for (int n = 0; n <= 67; n++)
	{
		double	   *x = page_end - n;

		for (int i = 0; i < n; i++)
			x[i] = (rng_unit() - 0.5) * 40;
		k->exp(x, y, n);
		k->exp(x, x, n);
		checks++;
		if (memcmp(x, y, n * sizeof(double)) != 0)
			fail(level, "exp", "in-place result differs", x, n, -1);
	}

	/* random sweeps over the ranges that matter */
	{
		static const double ranges[][2] = {
			{-1, 1}, {-0.35, 0.35}, {-50, 50}, {-708, 709.7}, {-745.2, -700},
			{700, 710}, {-1e-8, 1e-8},
		};

		for (int r = 0; r < (int) (sizeof(ranges) / sizeof(ranges[0])); r++)
			for (int rep = 0; rep < 200; rep++)
			{
				int			n = 1000;
				double	   *x = base + (rep & 1);

				for (int i = 0; i < n; i++)
					x[i] = ranges[r][0] + rng_unit() * (ranges[r][1] - ranges[r][0]);
				k->exp(x, y, n);
				checks++;
				for (int i = 0; i < n; i++)
				{
					double		u = exp_ulps(x[i], y[i]);

					if (exp(x[i]) >= DBL_MIN && u > worst)
					{
						worst = u;
						worst_x = x[i];
					}
					if (!exp_ok(x[i], y[i]))
					{
						fail(level, "exp", "outside tolerance", x + i, 1, 0);
						break;
					}
				}
			}
	}
	printf("INFO %s exp: largest error %.2f ulp (at x = %.17g), tolerance %.0f * DBL_EPSILON relative\n",
		   level, worst, worst_x, PC_EXP_TOL_EPS);
}

/* ---------- Bradley-Terry pairs ---------- */

#define NITEMS 40

static bool
pairs_agree(int64_t m, const double *a, const double *b,
			const double *g, const double *rg, const double *h,
			const double *rh, const double *p, const double *rp,
			double ll, double rll, double llscale)
{
	double		tol = PC_PAIRS_TOL_EPS * DBL_EPSILON;

	for (int64_t k = 0; k < m; k++)
	{
		double		nk = a[k] + b[k];

		if (isnan(rp[k]) || isnan(p[k]))
		{
			if (!(isnan(rp[k]) && isnan(p[k]) && isnan(g[k]) && isnan(h[k])))
				return false;
			continue;
		}
		if (!(fabs(g[k] - rg[k]) <= tol * (fabs(a[k]) + fabs(nk))) ||
			!(fabs(h[k] - rh[k]) <= tol * fabs(nk)) ||
			!(fabs(p[k] - rp[k]) <= tol))
			return false;
	}
	if (isnan(rll) || isnan(ll))
		return isnan(rll) && isnan(ll);
	if (isinf(rll) || isinf(ll))
		return rll == ll;
	return fabs(ll - rll) <= tol * llscale;
}

static void
test_pairs(const PcKernels *k, const char *level, double *page_end)
{
	static int32_t ii[MAXN],
				jj[MAXN];
	static double a[MAXN],
				b[MAXN],
				g[MAXN + 8],
				h[MAXN + 8],
				p[MAXN + 8],
				rg[MAXN],
				rh[MAXN],
				rp[MAXN];
	double		sc[NITEMS];
	static const double offsets[] = {0.0, 0.35, -1.5};
	static const double spreads[] = {0.0, 1.0, 6.0, 60.0, 900.0};
	double		worst_l1 = 0.0;

	for (int sp = 0; sp < 5; sp++)
		for (int special = 0; special < 4; special++)
			for (int64_t m = 0; m <= 300; m += (m < 67 ? 1 : 29))
				for (int oi = 0; oi < 3; oi++)
				{
					double		off = offsets[oi];
					double		ll,
								rll,
								scale = 0.0;

					for (int q = 0; q < NITEMS; q++)
						sc[q] = (rng_unit() - 0.5) * spreads[sp];
					if (special == 1)
						sc[rng_next() % NITEMS] = NAN;
					else if (special == 2)
						sc[rng_next() % NITEMS] = INFINITY;
					else if (special == 3)
						sc[rng_next() % NITEMS] = 0x1p-1070;
					for (int64_t q = 0; q < m; q++)
					{
						uint64_t	r = rng_next();

						ii[q] = (int32_t) (r % NITEMS);
						jj[q] = (int32_t) ((r >> 20) % NITEMS);
						a[q] = (double) ((r >> 40) % 6) * ((r & 1) ? 1.0 : 0.5);
						b[q] = (double) ((r >> 48) % 4);
					}
					for (int q = 0; q < 8; q++)
						g[m + q] = h[m + q] = p[m + q] = -7.0;
					rll = pc_kernels_scalar.pairs_binary(m, ii, jj, a, b, sc, off, rg, rh, rp);
					ll = k->pairs_binary(m, ii, jj, a, b, sc, off, g, h, p);
					for (int64_t q = 0; q < m; q++)
					{
						double		d = (sc[ii[q]] - sc[jj[q]]) + off;

						scale += (fabs(a[q]) + fabs(b[q])) * (fabs(d) + 1.4) + 1.0;
					}
					checks++;
					if (!pairs_agree(m, a, b, g, rg, h, rh, p, rp, ll, rll, scale))
						fail(level, "pairs_binary", "differs beyond tolerance", sc, NITEMS < 12 ? NITEMS : 12, (int) m);
					for (int q = 0; q < 8; q++)
						if (g[m + q] != -7.0 || h[m + q] != -7.0 || p[m + q] != -7.0)
						{
							fail(level, "pairs_binary", "wrote past m", sc, 0, (int) m);
							break;
						}
					/* without prob */
					ll = k->pairs_binary(m, ii, jj, a, b, sc, off, g, h, NULL);
					checks++;
					if (!pairs_agree(m, a, b, g, rg, h, rh, rp, rp, ll, rll, scale))
						fail(level, "pairs_binary", "differs without prob", sc, 0, (int) m);
				}

	/* index arrays ending at an unreadable page */
	for (int64_t m = 0; m <= 40; m++)
	{
		int32_t    *ip = (int32_t *) page_end - m;

		for (int q = 0; q < NITEMS; q++)
			sc[q] = rng_unit() * 4 - 2;
		for (int64_t q = 0; q < m; q++)
		{
			ip[q] = (int32_t) (rng_next() % NITEMS);
			jj[q] = (int32_t) (rng_next() % NITEMS);
			a[q] = 1.0;
			b[q] = 2.0;
		}
		(void) k->pairs_binary(m, ip, jj, a, b, sc, 0.0, g, h, p);
		(void) k->pairs_binary(m, jj, ip, a, b, sc, 0.0, g, h, p);
		checks++;
	}

	/*
	 * each double array in turn ending at an unreadable page: the inputs a
	 * and b, the outputs g, h and prob (a write past m crashes too)
	 */
	for (int which = 0; which < 5; which++)
		for (int64_t m = 0; m <= 40; m++)
		{
			double	   *pe = page_end - m;
			double	   *pa = which == 0 ? pe : a,
					   *pb = which == 1 ? pe : b,
					   *pg = which == 2 ? pe : g,
					   *ph = which == 3 ? pe : h,
					   *pp = which == 4 ? pe : p;
			double		ll,
						rll,
						scale = 0.0;

			for (int q = 0; q < NITEMS; q++)
				sc[q] = rng_unit() * 4 - 2;
			for (int64_t q = 0; q < m; q++)
			{
				ii[q] = (int32_t) (rng_next() % NITEMS);
				jj[q] = (int32_t) (rng_next() % NITEMS);
				a[q] = (double) (rng_next() % 4);
				b[q] = (double) (rng_next() % 3);
				scale += (a[q] + b[q]) * (fabs(sc[ii[q]] - sc[jj[q]] + 0.25) + 1.4) + 1.0;
			}
			if (pa != a)
				memcpy(pa, a, m * sizeof(double));
			if (pb != b)
				memcpy(pb, b, m * sizeof(double));
			rll = pc_kernels_scalar.pairs_binary(m, ii, jj, a, b, sc, 0.25, rg, rh, rp);
			ll = k->pairs_binary(m, ii, jj, pa, pb, sc, 0.25, pg, ph, pp);
			checks++;
			if (!pairs_agree(m, a, b, pg, rg, ph, rh, pp, rp, ll, rll, scale))
				fail(level, "pairs_binary", "differs at the page end", sc, 0, which);
		}

	/*
	 * log1p(exp(-d)) alone: pair 0 with a = 1, b = 0 and d >= 0 returns
	 * -log1p(exp(-d)); measured against libm in ulps.
	 */
	for (int rep = 0; rep < 20000; rep++)
	{
		double		d = rep < 10000 ? rng_unit() * 40 : ldexp(rng_unit(), -(rep % 60));
		double		ref = log1p(exp(-d));
		double		got,
					u;

		sc[0] = d;
		sc[1] = 0.0;
		for (int q = 0; q < 8; q++)
		{
			ii[q] = 0;
			jj[q] = 1;
			a[q] = q == 0 ? 1.0 : 0.0;
			b[q] = 0.0;
		}
		got = -k->pairs_binary(8, ii, jj, a, b, sc, 0.0, g, h, NULL);
		u = ref == got ? 0.0 : fabs(got - ref) / (nextafter(ref, INFINITY) - ref);
		if (u > worst_l1)
			worst_l1 = u;
		checks++;
		if (!(u <= 8.0))
		{
			fail(level, "pairs_binary", "log1p(exp(-d)) off by more than 8 ulp", &d, 1, 0);
			break;
		}
	}
	printf("INFO %s pairs_binary: log1p(exp(-d)) largest error %.2f ulp against libm\n",
		   level, worst_l1);
}

/* ---------- smooth ECE node sums ---------- */

/*
 * |u| values where the kernel's branches meet: u = 0 (the sign of q), the
 * envelopes' thresholds shifted by the quarter-sigma cell (z = 0, 1,
 * sqrt 3, 2.334...), the reach of the kernel, and a denormal.
 */
static const double smooth_edges[] = {
	0.0, 0.25, 1.25, 1.9820508075688772, 2.5844142183389773, 10.0, 4.9e-324,
	0.5, 3.0, 7.5
};

static void
test_smooth(const PcKernels *k, const char *level, double *page_end)
{
	static const double sigmas[] = {1e-6, 1e-3, 0.05, 0.5, 2.0};
	static const int ns[] = {100, 257, 1000};
	static double c[MAXN],
				r[MAXN],
				d[MAXN];
	double		out[3],
				worst_q = 0.0;

	for (int si = 0; si < (int) (sizeof(sigmas) / sizeof(sigmas[0])); si++)
	{
		double		sigma = sigmas[si],
					inv = 1.0 / sigma;

		for (int ni = 0; ni < 68 + 3; ni++)
		{
			int			n = ni < 68 ? ni : ns[ni - 68];

			for (int rep = 0; rep < 4; rep++)
			{
				double		t = rng_unit();

				for (int q = 0; q < n; q++)
				{
					double		u = (rng_unit() * 2 - 1) * PC_SMOOTH_UMAX;

					if (rep == 1 && q % 3 == 0)
						u = (q % 2 ? 1 : -1) *
							smooth_edges[rng_next() % (sizeof(smooth_edges) / sizeof(double))];
					c[q] = t - u * sigma;
					r[q] = rep == 2 && q % 2 ? 0.0 : rng_unit() * 2 - 1;
					d[q] = rep == 3 && q % 2 ? 0.0 : (rng_unit() * 2 - 1) * sigma;
				}
				k->smooth_node(c, r, d, n, t, inv, out);
				checks++;
				if (!pc_check_smooth(c, r, d, n, t, inv, out))
					fail(level, "smooth_node", "differs beyond tolerance", c, n, rep);
			}
		}
	}

	/* each array in turn ending at an unreadable page */
	for (int which = 0; which < 3; which++)
		for (int n = 0; n <= 40; n++)
		{
			double	   *p = page_end - n;
			const double *cc = which == 0 ? p : c,
					   *rr = which == 1 ? p : r,
					   *dd = which == 2 ? p : d;
			double		t = 0.5;

			for (int q = 0; q < n; q++)
			{
				c[q] = t - (rng_unit() * 2 - 1) * 0.1;
				r[q] = rng_unit();
				d[q] = rng_unit() * 0.01;
				if (which == 0)
					p[q] = c[q];
				else if (which == 1)
					p[q] = r[q];
				else
					p[q] = d[q];
			}
			k->smooth_node(cc, rr, dd, n, t, 100.0, out);
			checks++;
			if (!pc_check_smooth(cc, rr, dd, n, t, 100.0, out))
				fail(level, "smooth_node", "differs at the page end", c, n, which);
		}

	/*
	 * q alone (one image, r = 1, d = 0: out[1] = -sign(u) Phi(-|u|))
	 * against libm's erfc, relative to q; the argument of the exponential
	 * is rounded as the scalar twin rounds it, so the two differ by up to
	 * about u^2 DBL_EPSILON relative besides the series' own error.
	 */
	for (int rep = 0; rep < 20000; rep++)
	{
		double		u = (rng_unit() * 2 - 1) * PC_SMOOTH_UMAX,
					one = 1.0,
					zero = 0.0,
					cu = -u,
					ref = 0.5 * erfc(fabs(u) * M_SQRT1_2),
					err;

		if (u >= 0.0)
			ref = -ref;
		k->smooth_node(&cu, &one, &zero, 1, 0.0, 1.0, out);
		err = fabs(out[1] - ref) / (fabs(ref) * DBL_EPSILON);
		if (err > worst_q)
			worst_q = err;
		checks++;
		if (!(err <= 16.0 + u * u))
		{
			fail(level, "smooth_node", "q off by more than (16 + u^2) eps", &u, 1, 0);
			break;
		}
	}
	printf("INFO %s smooth_node: Phi(-|u|) largest error %.1f DBL_EPSILON relative against libm's erfc\n",
		   level, worst_q);
}

/* ---------- dot4 ---------- */

#define DOT_MAXN 4099

/* lengths past 0 .. 67: the unrolled main loops and a long run */
static const int dot_lens[] = {100, 257, 1000, DOT_MAXN};
#define NDOTLENS ((int) (sizeof(dot_lens) / sizeof(dot_lens[0])))

/* largest errors seen at a level, in units of (n + 1) eps sum_k |x[k] yq[k]| */
static double dot_worst_twin,	/* |level - scalar twin| */
			dot_worst_exact,	/* |level - exact| */
			dot_worst_scalar;	/* |scalar twin - exact| */

/*
 * The exact dot product, near enough, independently of the kernels: Ogita,
 * Rump and Oishi's Dot2 (each product split exactly by fma, the running
 * sum by Knuth's two-sum), as accurate as a sum in twice the working
 * precision: within DBL_EPSILON/2 of the exact value relative to it, plus
 * (n DBL_EPSILON)^2 of the magnitude sum, plus 2^-1075 for each product
 * that underflows.  *mag = sum_k |x[k] y[k]| (the contract's scale),
 * *finmag the same over the finite terms; *cls classifies the terms: 0 all
 * finite, 1 or -1 some infinite, all of that sign (so the sum is that
 * infinity in any order while *finmag is finite), 2 a NaN term or infinite
 * terms of both signs (NaN in any order).
 */
static double
dot_exact(const double *x, const double *y, int n, double *mag,
		  double *finmag, int *cls)
{
	double		s = 0.0,
				c = 0.0,
				m = 0.0,
				fm = 0.0;
	bool		pos = false,
				neg = false,
				nan = false;

	for (int k = 0; k < n; k++)
	{
		/* volatile: the product rounded alone, never fused into the sum */
		volatile double vp = x[k] * y[k];
		double		p = vp,
					pe = fma(x[k], y[k], -p),
					t = s + p,
					z = t - s;

		c += ((s - (t - z)) + (p - z)) + pe;
		s = t;
		m += fabs(p);
		if (isnan(p))
			nan = true;
		else if (isinf(p))
		{
			if (p > 0)
				pos = true;
			else
				neg = true;
		}
		else
			fm += fabs(p);
	}
	*mag = m;
	*finmag = fm;
	*cls = nan || (pos && neg) ? 2 : pos ? 1 : neg ? -1 : 0;
	return s + c;
}

/*
 * One call of k->dot4 against the scalar twin and the exact sums (off is
 * x's offset for the report, -1 at the page end, where out may sit too).
 * Per output: exactly 0.0 for n = 0; NaN at both levels where a term is
 * NaN or infinite terms of both signs meet; the infinity of the infinite
 * terms where they have one sign (and the finite terms' magnitudes do not
 * overflow); else, unless the magnitude sum overflows (the contract then
 * allows anything), 0 where every term is 0, within PC_DOT_TOL_EPS (n + 1)
 * eps sum|x yq| + n 2^-1074 of the scalar twin, both within (n + 1) eps
 * sum|x yq| + n 2^-1074 of the exact sum, and the exact sum itself where
 * every partial sum is exact (exact_sums).
 */
static void
check_dot4(const PcKernels *k, const char *level, const char *what,
		   int off, const double *x, const double *const ys[4], int n,
		   double *out, bool exact_sums)
{
	double		ref[4];

	for (int q = 0; q < 4; q++)
		out[q] = ref[q] = -12345.0;
	pc_kernels_scalar.dot4(x, ys[0], ys[1], ys[2], ys[3], n, ref);
	k->dot4(x, ys[0], ys[1], ys[2], ys[3], n, out);
	checks++;
	for (int q = 0; q < 4; q++)
	{
		int			cls;
		double		mag,
					finmag;
		double		exact = dot_exact(x, ys[q], n, &mag, &finmag, &cls);
		double		unit = (n + 1) * DBL_EPSILON * mag,
					den = n * 0x1p-1074;
		const char *bad = NULL;

		if (n == 0)
		{
			if (!same_bits(out[q], 0.0) || !same_bits(ref[q], 0.0))
				bad = "n = 0 does not give exactly 0.0";
		}
		else if (cls == 2)
		{
			if (!isnan(out[q]) || !isnan(ref[q]))
				bad = "a NaN term (or infinities of both signs) does not give NaN";
		}
		else if (cls != 0)
		{
			if (!isinf(finmag) && (out[q] != cls * INFINITY || ref[q] != cls * INFINITY))
				bad = "infinite terms of one sign do not give that infinity";
		}
		else if (isinf(mag))
			;					/* overflow: the contract allows anything */
		else if (isnan(out[q]) || isnan(ref[q]))
			bad = "NaN from finite terms";
		else if (mag == 0.0 && (out[q] != 0.0 || ref[q] != 0.0))
			bad = "terms all 0 do not give 0";
		else if (!(fabs(out[q] - ref[q]) <= PC_DOT_TOL_EPS * unit + den))
			bad = "differs from the scalar twin beyond PC_DOT_TOL_EPS (n + 1) eps sum|x y|";
		else if (!(fabs(out[q] - exact) <= unit + den))
			bad = "not within (n + 1) eps sum|x y| of the exact sum";
		else if (!(fabs(ref[q] - exact) <= unit + den))
			bad = "the scalar twin is not within (n + 1) eps sum|x y| of the exact sum";
		else if (exact_sums && (out[q] != exact || ref[q] != exact))
			bad = "an exact sum (small integers) is not exact";
		else if (mag > 0.0)
		{
			double		e1 = fabs(out[q] - ref[q]) / (unit + den),
						e2 = fabs(out[q] - exact) / (unit + den),
						e3 = fabs(ref[q] - exact) / (unit + den);

			if (e1 > dot_worst_twin)
				dot_worst_twin = e1;
			if (e2 > dot_worst_exact)
				dot_worst_exact = e2;
			if (e3 > dot_worst_scalar)
				dot_worst_scalar = e3;
		}
		if (bad)
		{
			char		msg[512];

			snprintf(msg, sizeof(msg),
					 "%s: out[%d] %s (level %a, scalar %a, exact %a, sum|x y| %a)",
					 what, q, bad, out[q], ref[q], exact, mag);
			fail(level, "dot4", msg, x, n, off);
		}
	}
}

#define DOT_PAT_INT 2
#define NDOTPATTERNS 8

/*
 * x and y[0..3] of length n:
 *	0 uniform in (-1, 1);
 *	1 mixed signs and magnitudes 2^-40 .. 2^41;
 *	2 integers in [-1000, 1000] (every partial sum exact, in any order);
 *	3, 4 patterns 0 and 1 with the terms in pairs cancelling to 2^-30 of
 *	  their size (neighbours; mirror images k, n-1-k), so the sums are far
 *	  smaller than the magnitude sums;
 *	5 x and y near 2^-540: the products underflow to denormals and 0;
 *	6 denormal x times y up to 2^60: products either side of DBL_MIN;
 *	7 products near DBL_MIN in cancelling pairs.
 */
static void
dot_fill(double *x, double *const y[4], int n, int pat)
{
	for (int a = 0; a < 5; a++)
	{
		double	   *v = a == 0 ? x : y[a - 1];

		for (int i = 0; i < n; i++)
		{
			double		s = (rng_next() & 1) ? -1.0 : 1.0;

			switch (pat)
			{
				case 0:
				case 3:
					v[i] = rng_unit() * 2 - 1;
					break;
				case 1:
				case 4:
					v[i] = s * ldexp(1.0 + rng_unit(), (int) (rng_next() % 81) - 40);
					break;
				case DOT_PAT_INT:
					v[i] = (double) ((int) (rng_next() % 2001) - 1000);
					break;
				case 5:
					v[i] = s * ldexp(1.0 + rng_unit(), -500 - (int) (rng_next() % 80));
					break;
				case 6:
					v[i] = a == 0 ? s * ldexp(rng_unit(), -1022 - (int) (rng_next() % 53))
						: s * ldexp(1.0 + rng_unit(), (int) (rng_next() % 61));
					break;
				default:
					v[i] = s * ldexp(1.0 + rng_unit(), -511 - (int) (rng_next() % 6));
					break;
			}
		}
	}
	if (pat == 3 || pat == 4 || pat == 7)
		for (int i = 0; i < n / 2; i++)
		{
			int			a = pat == 4 ? i : 2 * i,
						b = pat == 4 ? n - 1 - i : 2 * i + 1;

			x[b] = x[a];
			for (int q = 0; q < 4; q++)
				y[q][b] = -y[q][a] * (1.0 + ldexp(rng_unit(), -30));
		}
}

static void
test_dot4(const PcKernels *k, const char *level, double *page_end)
{
	static double bx[DOT_MAXN + 16] __attribute__((aligned(64))),
				by[4][DOT_MAXN + 16] __attribute__((aligned(64)));
	static const double special[] = {
		NAN, -NAN, INFINITY, -INFINITY, -0.0, 0x1p-1074, -0x1p-1030,
		-DBL_MIN, 1e300, DBL_MAX,
	};
	double		out[4];
	double	   *x,
			   *y[4];
	const double *ys[4];
	char		what[160];

	dot_worst_twin = dot_worst_exact = dot_worst_scalar = 0.0;

	/*
	 * Every pattern at every length: x and every y at offsets 0; each in
	 * turn at 1 .. 7 doubles past the 64-byte boundary, the others at 0;
	 * then four random combinations of offsets 0 .. 7.  At offset 0 also
	 * aliased: the four y the same array, y0 = x, and all five the same.
	 */
	for (int ni = 0; ni < 68 + NDOTLENS; ni++)
	{
		int			n = ni < 68 ? ni : dot_lens[ni - 68];

		for (int pat = 0; pat < NDOTPATTERNS; pat++)
			for (int v = 0; v < 1 + 5 * 7 + 4; v++)
			{
				int			off[5];

				for (int a = 0; a < 5; a++)
				{
					if (v == 0)
						off[a] = 0;
					else if (v <= 5 * 7)
						off[a] = (v - 1) / 7 == a ? (v - 1) % 7 + 1 : 0;
					else
						off[a] = (int) (rng_next() % 8);
				}
				x = bx + off[0];
				for (int q = 0; q < 4; q++)
					ys[q] = y[q] = by[q] + off[q + 1];
				dot_fill(x, y, n, pat);
				snprintf(what, sizeof(what), "pattern %d, offsets x %d, y %d %d %d %d",
						 pat, off[0], off[1], off[2], off[3], off[4]);
				check_dot4(k, level, what, off[0], x, ys, n, out,
						   pat == DOT_PAT_INT);
				if (v == 0)
				{
					const double *same[4] = {y[0], y[0], y[0], y[0]},
							   *yx[4] = {x, y[1], y[2], y[3]},
							   *allx[4] = {x, x, x, x};

					snprintf(what, sizeof(what), "pattern %d, y0 = y1 = y2 = y3", pat);
					check_dot4(k, level, what, 0, x, same, n, out, pat == DOT_PAT_INT);
					snprintf(what, sizeof(what), "pattern %d, y0 = x", pat);
					check_dot4(k, level, what, 0, x, yx, n, out, pat == DOT_PAT_INT);
					snprintf(what, sizeof(what), "pattern %d, every y = x", pat);
					check_dot4(k, level, what, 0, x, allx, n, out, pat == DOT_PAT_INT);
				}
			}
	}

	/*
	 * each of x, y0 .. y3 in turn ending at an unreadable page (a read past
	 * n crashes), then out ending there (a write past out[3] crashes)
	 */
	for (int which = 0; which < 6; which++)
		for (int ni = 0; ni <= 68; ni++)
		{
			int			n = ni < 68 ? ni : 257;
			double	   *pe = page_end - (which == 5 ? 4 : n);
			const double *px = bx;

			x = bx;
			for (int q = 0; q < 4; q++)
				ys[q] = y[q] = by[q];
			dot_fill(x, y, n, ni % 3 == 0 ? 1 : ni % 3 == 1 ? 0 : 3);
			if (which == 0)
				px = memcpy(pe, x, n * sizeof(double));
			else if (which < 5)
				ys[which - 1] = memcpy(pe, y[which - 1], n * sizeof(double));
			snprintf(what, sizeof(what), "%s ending at the page end",
					 which == 0 ? "x" : which == 5 ? "out" : which == 1 ? "y0" :
					 which == 2 ? "y1" : which == 3 ? "y2" : "y3");
			check_dot4(k, level, what, -1, px, ys, n, which == 5 ? pe : out, false);
		}
	{
		const double *pp[4] = {page_end, page_end, page_end, page_end};

		check_dot4(k, level, "n = 0, every array at the page end", -1, page_end,
				   pp, 0, page_end - 4, false);
	}

	/*
	 * each special value (NaN, +-Infinity, -0.0, denormals, huge) at every
	 * position of x (every output affected), of one y (q = position % 4;
	 * the other outputs finite), of x beside a 0 in y1, and of that y
	 * beside a 0 in x (Infinity times 0 is NaN: a kernel may not skip zero
	 * terms); the long lengths at 24 random positions each
	 */
	for (int ni = 1; ni < 68 + NDOTLENS; ni++)
	{
		int			n = ni < 68 ? ni : dot_lens[ni - 68];
		int			npos = ni < 68 ? n : 24;

		x = bx + (ni & 1);
		for (int q = 0; q < 4; q++)
			ys[q] = y[q] = by[q] + ((ni + q) % 3);
		dot_fill(x, y, n, 0);
		for (int a = 0; a < (int) (sizeof(special) / sizeof(special[0])); a++)
			for (int pi = 0; pi < npos; pi++)
			{
				int			pos = ni < 68 ? pi : (int) (rng_next() % n);
				int			q = pos % 4;
				double		sx = x[pos],
							sy = y[q][pos],
							s1 = y[1][pos];

				x[pos] = special[a];
				snprintf(what, sizeof(what), "x[%d] = %a", pos, special[a]);
				check_dot4(k, level, what, ni & 1, x, ys, n, out, false);
				x[pos] = sx;
				y[q][pos] = special[a];
				snprintf(what, sizeof(what), "y%d[%d] = %a", q, pos, special[a]);
				check_dot4(k, level, what, ni & 1, x, ys, n, out, false);
				y[q][pos] = sy;
				x[pos] = special[a];
				y[1][pos] = 0.0;
				snprintf(what, sizeof(what), "x[%d] = %a, y1[%d] = 0", pos, special[a], pos);
				check_dot4(k, level, what, ni & 1, x, ys, n, out, false);
				x[pos] = sx;
				y[1][pos] = s1;
				x[pos] = 0.0;
				y[q][pos] = special[a];
				snprintf(what, sizeof(what), "x[%d] = 0, y%d[%d] = %a", pos, q, pos, special[a]);
				check_dot4(k, level, what, ni & 1, x, ys, n, out, false);
				x[pos] = sx;
				y[q][pos] = sy;
			}
	}

	/* two infinities of random signs in random arrays at random positions */
	for (int rep = 0; rep < 4000; rep++)
	{
		int			n = rep % 8 == 7 ? dot_lens[rng_next() % NDOTLENS] : 2 + (int) (rng_next() % 66);
		double	   *arr[2];
		int			pos[2];

		x = bx + rep % 8;
		for (int q = 0; q < 4; q++)
			ys[q] = y[q] = by[q] + (rep + q) % 8;
		dot_fill(x, y, n, rep % 2 ? 1 : 0);
		for (int j = 0; j < 2; j++)
		{
			int			a = (int) (rng_next() % 5);

			arr[j] = a == 0 ? x : y[a - 1];
			pos[j] = (int) (rng_next() % n);
			arr[j][pos[j]] = (rng_next() & 1) ? INFINITY : -INFINITY;
		}
		snprintf(what, sizeof(what), "infinities at %d and %d", pos[0], pos[1]);
		check_dot4(k, level, what, rep % 8, x, ys, n, out, false);
	}

	/* zeros of both signs: all of x, then all of the y */
	for (int ni = 1; ni < 68 + NDOTLENS; ni++)
	{
		int			n = ni < 68 ? ni : dot_lens[ni - 68];

		x = bx;
		for (int q = 0; q < 4; q++)
			ys[q] = y[q] = by[q] + 1;
		for (int side = 0; side < 2; side++)
		{
			dot_fill(x, y, n, 1);
			for (int i = 0; i < n; i++)
			{
				double		z = (rng_next() & 1) ? -0.0 : 0.0;

				if (side == 0)
					x[i] = z;
				else
					for (int q = 0; q < 4; q++)
						y[q][i] = q == 0 ? -0.0 : z;
			}
			check_dot4(k, level, side == 0 ? "x all zeros of both signs" :
					   "the y all zeros of both signs (y0 all -0.0)", 0, x, ys, n, out,
					   false);
		}
	}

	printf("INFO %s dot4: largest |level - scalar| %.3f, |level - exact| %.3f, "
		   "|scalar - exact| %.3f, in (n + 1) DBL_EPSILON sum|x y| "
		   "(tolerances %.0f, 1, 1)\n",
		   level, dot_worst_twin, dot_worst_exact, dot_worst_scalar, PC_DOT_TOL_EPS);
}

#ifdef USE_ASSERT_CHECKING
/* the cross-check helpers must be able to fail */
static void
test_checkers(void)
{
	double		x[3] = {0.5, 0.25, 0.5};

	checks++;
	if (!pc_check_sumsq(x, 3, true, 0.5625) ||
		pc_check_sumsq(x, 3, true, 0.5626) ||
		pc_check_sumsq(x, 3, false, 0.5625) ||
		!pc_check_argmax(x, 3, true, 0, 0.5) ||
		pc_check_argmax(x, 3, true, 2, 0.5) ||
		pc_check_exp(x, x, 3))
	{
		failures++;
		fprintf(stderr, "FAIL detail: cross-check helpers accept a wrong result\n");
	}
	{
		double		c[2] = {0.4, 0.55},
					r[2] = {0.3, -0.2},
					d[2] = {0.01, 0.0},
					out[3];

		checks++;
		pc_kernels_scalar.smooth_node(c, r, d, 2, 0.5, 10.0, out);
		if (!pc_check_smooth(c, r, d, 2, 0.5, 10.0, out))
		{
			failures++;
			fprintf(stderr, "FAIL detail: smooth cross-check refuses the scalar result\n");
		}
		out[1] *= 1.0 + 1e-12;
		if (pc_check_smooth(c, r, d, 2, 0.5, 10.0, out))
		{
			failures++;
			fprintf(stderr, "FAIL detail: smooth cross-check accepts a wrong result\n");
		}
	}
	{
		double		x[3] = {0.5, -0.25, 3.0},
					y[3] = {1.0, 2.0, -0.125},
					nan[3] = {1.0, NAN, 2.0},
					out[4];

		checks++;
		pc_kernels_scalar.dot4(x, y, x, nan, y, 3, out);
		if (!pc_check_dot4(x, y, x, nan, y, 3, out))
		{
			failures++;
			fprintf(stderr, "FAIL detail: dot4 cross-check refuses the scalar result\n");
		}
		out[3] *= 1.0 + 1e-12;
		if (pc_check_dot4(x, y, x, nan, y, 3, out))
		{
			failures++;
			fprintf(stderr, "FAIL detail: dot4 cross-check accepts a wrong result\n");
		}
		out[3] = out[1];
		out[2] = 0.0;
		if (pc_check_dot4(x, y, x, nan, y, 3, out))
		{
			failures++;
			fprintf(stderr, "FAIL detail: dot4 cross-check accepts a number for NaN\n");
		}
	}
}
#endif

int
main(int argc, char **argv)
{
	static const PcSimdLevel levels[] = {PC_SIMD_AVX2, PC_SIMD_AVX512, PC_SIMD_NEON};
	static double buf[MAXN + 16] __attribute__((aligned(64)));
	long		pagesz = sysconf(_SC_PAGESIZE);
	char	   *pages;
	double	   *page_end;
	int			tested = 0;

	if (argc > 1)
		rng_state = strtoull(argv[1], NULL, 0) | 1;

	/* two pages, the second unreadable: arrays placed to end at the gap */
	pages = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect(pages + pagesz, pagesz, PROT_NONE) != 0)
	{
		perror("mmap");
		return 2;
	}
	page_end = (double *) (pages + pagesz);

	printf("INFO best level on this machine: %s\n",
		   pc_simd_level_name(pc_best_simd_level()));
#ifdef USE_ASSERT_CHECKING
	test_checkers();
#endif

	/* the scalar table against itself exercises the harness */
	for (int l = -1; l < (int) (sizeof(levels) / sizeof(levels[0])); l++)
	{
		PcSimdLevel level = l < 0 ? PC_SIMD_SCALAR : levels[l];
		const PcKernels *k = pc_kernels_for_level(level);
		const char *name = pc_simd_level_name(level);
		long		f0;

		if (k == NULL)
		{
			printf("SKIP %s: not supported by this machine or build\n", name);
			continue;
		}
		if (strcmp(k->name, name) != 0)
		{
			printf("FAIL %s: table is named %s\n", name, k->name);
			failures++;
		}
		tested++;

		f0 = failures;
		test_prob(k, name, buf, page_end);
		printf("%s %s prob_sumsq, prob_argmax\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_add(k, name, buf, page_end);
		printf("%s %s add\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_exp(k, name, buf, page_end);
		printf("%s %s exp\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_pairs(k, name, page_end);
		printf("%s %s pairs_binary\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_smooth(k, name, page_end);
		printf("%s %s smooth_node\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_dot4(k, name, page_end);
		printf("%s %s dot4\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_rep_add(k, name, page_end);
		printf("%s %s rep_add\n", failures == f0 ? "PASS" : "FAIL", name);
		f0 = failures;
		test_poisson1(k, name, page_end);
		printf("%s %s poisson1\n", failures == f0 ? "PASS" : "FAIL", name);
	}

	printf("INFO %d levels tested, %ld kernel calls checked, %ld failures\n",
		   tested, checks, failures);
	return failures == 0 ? 0 : 1;
}
