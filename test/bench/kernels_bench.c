/*-------------------------------------------------------------------------
 *
 * kernels_bench.c
 *	  Micro-benchmark of prefcal's kernels, every SIMD level this machine
 *	  supports against the scalar twin: the probability kernels for K = 4,
 *	  16, 64, 128, 256, the Bradley-Terry pair pass, the smooth ECE's node
 *	  sums and dot4 for n = 16, 64, 128, 256, 1000; and a prototype
 *	  measuring whether batching scalar per-row inputs inside a state
 *	  (flushing blocks through a kernel) can pay.
 *
 * Built from the kernel sources alone by test/kernels/Makefile (target
 * bench, optimised, assertions off); run by test/bench/run.sh.
 *
 * Method: a pool of random probability vectors (about 64 kB, so it stays
 * in cache as a detoasted array would; the pair pass, the node sums and
 * dot4 have inputs of their own, in cache too), each call through the
 * table's function pointer as the aggregates call it; RUNS runs, each timing
 * every level in turn (interleaved, so drift in machine load hits all
 * levels alike), ns per call = median over runs.
 *
 * Output: "KERNEL <name> <K> <level> <ns per call> <speedup vs scalar>"
 * lines, "ADDCALL ..." lines (the fixed cost of a call, for add),
 * "ADDALIGN ..." lines (add against the buffers' alignment),
 * "PAIRS ...", "SMOOTH ...", "DOT <n> <level> <ns per call> <speedup vs
 * scalar>" and "BATCH ..." lines, for run.sh to tabulate.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

#define RUNS 15
#define POOL_DOUBLES 8192		/* 64 kB */
#define ELEMS_PER_RUN 4000000

static volatile double sink;

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static double
rng_unit(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return ((rng_state * 0x2545f4914f6cdd1dULL) >> 11) * 0x1p-53;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

enum
{
	K_SUMSQ, K_ARGMAX, K_ADD, K_EXP, NKERNELS
};
static const char *const kernel_names[NKERNELS] = {"prob_sumsq", "prob_argmax", "add", "exp"};

/* one timed run: reps calls of kernel kk at length K, ns per call */
static double
time_kernel(const PcKernels *k, int kk, int K, double *pool, double *dst,
			int nvec, int reps)
{
	double		t0,
				acc = 0.0;

	t0 = now_ns();
	for (int r = 0; r < reps; r++)
	{
		const double *x = pool + (size_t) (r % nvec) * K;

		switch (kk)
		{
			case K_SUMSQ:
				{
					double		s;

					if (k->prob_sumsq(x, K, &s))
						acc += s;
					break;
				}
			case K_ARGMAX:
				{
					double		m;
					int			idx;

					if (k->prob_argmax(x, K, &idx, &m))
						acc += idx;
					break;
				}
			case K_ADD:
				k->add(dst, x, K);
				break;
			case K_EXP:
				k->exp(x, dst, K);
				acc += dst[0];
				break;
		}
	}
	sink = acc + dst[0];
	return (now_ns() - t0) / reps;
}

/*
 * The fixed cost of a call: an add that does nothing, called through a
 * table exactly as the levels' add is.  Timed with them, it measures what
 * every call pays before its first element (the benchmark's loop, the
 * indirect call and return); "ADDCALL <K> <ns per call>" lines let run.sh
 * show add's speedup net of it beside the plain one.
 */
static void
nop_add(double *restrict dst, const double *restrict src, int n)
{
	__asm__ volatile ("":::"memory");
}

/*
 * Batching prototype.  A Brier transition per row does s += w (p - y)^2
 * on the state in place.  The batched form appends (p, y) to a 64-row
 * buffer in the state and flushes full buffers through a vector loop.
 * Both are called through a function pointer per row, as fmgr calls a
 * transition function; the difference is the most that batching could
 * save per row, to set against the executor's per-row cost (avg(p)).
 */
typedef struct
{
	double		sum;
	double		n;
	int			nbuf;
	double		bp[64];
	double		by[64];
} BrierProto;

static void
row_inplace(BrierProto *st, double p, double y)
{
	double		d = p - y;

	st->sum += d * d;
	st->n += 1.0;
}

static void
flush(BrierProto *st)
{
	double		s0 = 0,
				s1 = 0,
				s2 = 0,
				s3 = 0;
	int			i = 0;

	for (; i + 4 <= st->nbuf; i += 4)
	{
		double		d0 = st->bp[i] - st->by[i],
					d1 = st->bp[i + 1] - st->by[i + 1],
					d2 = st->bp[i + 2] - st->by[i + 2],
					d3 = st->bp[i + 3] - st->by[i + 3];

		s0 += d0 * d0;
		s1 += d1 * d1;
		s2 += d2 * d2;
		s3 += d3 * d3;
	}
	for (; i < st->nbuf; i++)
	{
		double		d = st->bp[i] - st->by[i];

		s0 += d * d;
	}
	st->sum += (s0 + s1) + (s2 + s3);
	st->n += st->nbuf;
	st->nbuf = 0;
}

static void
row_batched(BrierProto *st, double p, double y)
{
	st->bp[st->nbuf] = p;
	st->by[st->nbuf] = y;
	if (++st->nbuf == 64)
		flush(st);
}

int
main(int argc, char **argv)
{
	static const int Ks[] = {4, 16, 64, 128, 256};
	static const PcSimdLevel all[] = {PC_SIMD_SCALAR, PC_SIMD_AVX2, PC_SIMD_AVX512, PC_SIMD_NEON};
	const PcKernels *tabs[4];
	PcKernels	nop;			/* the scalar table, its add a no-op */
	const char *names[4];
	int			nlev = 0;
	double	   *pool = malloc(POOL_DOUBLES * sizeof(double));
	double	   *dst = malloc(1024 * sizeof(double));
	int			runs = argc > 1 ? atoi(argv[1]) : RUNS;

	if (runs < 1)
		runs = RUNS;
	for (int l = 0; l < 4; l++)
	{
		const PcKernels *k = pc_kernels_for_level(all[l]);

		if (k)
		{
			tabs[nlev] = k;
			names[nlev++] = pc_simd_level_name(all[l]);
		}
		else
			printf("SKIP %s\n", pc_simd_level_name(all[l]));
	}
	printf("LEVEL best %s\n", pc_simd_level_name(pc_best_simd_level()));
	nop = *tabs[0];
	nop.add = nop_add;

	for (int ki = 0; ki < (int) (sizeof(Ks) / sizeof(Ks[0])); ki++)
	{
		int			K = Ks[ki];
		int			nvec = POOL_DOUBLES / K;
		int			reps = ELEMS_PER_RUN / K;

		/* random probability vectors (normalised uniforms) */
		for (int v = 0; v < nvec; v++)
		{
			double		tot = 0.0;

			for (int i = 0; i < K; i++)
				tot += pool[v * K + i] = rng_unit();
			for (int i = 0; i < K; i++)
				pool[v * K + i] /= tot;
		}

		for (int kk = 0; kk < NKERNELS; kk++)
		{
			double		t[5][64];
			double		med[5];
			int			nl = kk == K_ADD ? nlev + 1 : nlev;

			if (kk == K_EXP)	/* exp inputs: a spread of logits */
				for (int i = 0; i < nvec * K; i++)
					pool[i] = (pool[i] * K - 1.0) * 20.0;
			for (int i = 0; i < 1024; i++)
				dst[i] = 0.0;
			for (int r = 0; r < runs && r < 64; r++)
				for (int l = 0; l < nl; l++)
					t[l][r] = time_kernel(l < nlev ? tabs[l] : &nop, kk, K,
										  pool, dst, nvec, reps);
			for (int l = 0; l < nl; l++)
				med[l] = median(t[l], runs < 64 ? runs : 64);
			for (int l = 0; l < nlev; l++)
				printf("KERNEL %s %d %s %.2f %.2f\n", kernel_names[kk], K,
					   names[l], med[l], med[0] / med[l]);
			if (kk == K_ADD)
				printf("ADDCALL %d %.2f\n", K, med[nlev]);
			if (kk == K_EXP)	/* restore probabilities */
				for (int i = 0; i < nvec * K; i++)
					pool[i] = (pool[i] / 20.0 + 1.0) / K;
		}
	}

	/*
	 * add against alignment.  The bin arrays that add combines sit in
	 * states at any multiple of 8 bytes, so the sweep starts dst and src
	 * 0, 8, 16 and 32 bytes past a 64-byte boundary (above, malloc's
	 * alignment decides).
	 * "ADDALIGN <K> <offset in bytes> <level> <ns per call> <speedup>"
	 */
	{
		static const int aks[] = {16, 64, 128, 256};
		static const int offs[] = {0, 8, 16, 32};
		double	   *sraw = malloc((POOL_DOUBLES + 16) * sizeof(double));
		double	   *draw = malloc((1024 + 16) * sizeof(double));
		double	   *sbase = (double *) (((uintptr_t) sraw + 63) & ~(uintptr_t) 63);
		double	   *dbase = (double *) (((uintptr_t) draw + 63) & ~(uintptr_t) 63);

		for (int i = 0; i < POOL_DOUBLES + 8; i++)
			sbase[i] = rng_unit();
		for (int ki = 0; ki < (int) (sizeof(aks) / sizeof(aks[0])); ki++)
			for (int oi = 0; oi < (int) (sizeof(offs) / sizeof(offs[0])); oi++)
			{
				int			K = aks[ki];
				double	   *src = sbase + offs[oi] / 8;
				double	   *dst2 = dbase + offs[oi] / 8;
				double		t[4][64],
							med[4];

				for (int i = 0; i < 1024; i++)
					dst2[i] = 0.0;
				for (int r = 0; r < runs && r < 64; r++)
					for (int l = 0; l < nlev; l++)
						t[l][r] = time_kernel(tabs[l], K_ADD, K, src, dst2,
											  POOL_DOUBLES / K, ELEMS_PER_RUN / K);
				for (int l = 0; l < nlev; l++)
					med[l] = median(t[l], runs < 64 ? runs : 64);
				for (int l = 0; l < nlev; l++)
					printf("ADDALIGN %d %d %s %.2f %.2f\n", K, offs[oi], names[l],
						   med[l], med[0] / med[l]);
			}
		free(sraw);
		free(draw);
	}

	/*
	 * Bradley-Terry pair pass: 4096 pairs over 200 items, ns per pair.
	 * "PAIRS <m> <level> <ns per pair> <speedup>"
	 */
	{
		int			m = 4096,
					nitems = 200;
		int32_t    *pi = malloc(m * sizeof(int32_t)),
				   *pj = malloc(m * sizeof(int32_t));
		double	   *pa = malloc(m * sizeof(double)),
				   *pb = malloc(m * sizeof(double)),
				   *pg = malloc(m * sizeof(double)),
				   *ph = malloc(m * sizeof(double)),
				   *pp = malloc(m * sizeof(double)),
				   *sc = malloc(nitems * sizeof(double));
		double		t[4][64],
					med[4];

		for (int q = 0; q < nitems; q++)
			sc[q] = (rng_unit() - 0.5) * 6;
		for (int q = 0; q < m; q++)
		{
			pi[q] = (int32_t) (rng_unit() * nitems);
			pj[q] = (int32_t) (rng_unit() * nitems);
			pa[q] = (double) (int) (rng_unit() * 5);
			pb[q] = (double) (int) (rng_unit() * 5);
		}
		for (int r = 0; r < runs && r < 64; r++)
			for (int l = 0; l < nlev; l++)
			{
				double		t0 = now_ns(),
							acc = 0.0;

				for (int rep = 0; rep < 200; rep++)
					acc += tabs[l]->pairs_binary(m, pi, pj, pa, pb, sc, 0.0, pg, ph, pp);
				t[l][r] = (now_ns() - t0) / (200.0 * m);
				sink = acc;
			}
		for (int l = 0; l < nlev; l++)
			med[l] = median(t[l], runs < 64 ? runs : 64);
		for (int l = 0; l < nlev; l++)
			printf("PAIRS %d %s %.3f %.2f\n", m, names[l], med[l], med[0] / med[l]);
		free(pi);
		free(pj);
		free(pa);
		free(pb);
		free(pg);
		free(ph);
		free(pp);
		free(sc);
	}

	/*
	 * Smooth ECE node sums: 1000 images within the kernel's reach of the
	 * node (sigma = 0.05), ns per image.
	 * "SMOOTH <n> <level> <ns per image> <speedup>"
	 */
	{
		int			n = 1000;
		double	   *c = malloc(n * sizeof(double)),
				   *r = malloc(n * sizeof(double)),
				   *d = malloc(n * sizeof(double));
		double		sigma = 0.05,
					t = 0.5,
					out[3],
					t2[4][64],
					med[4];

		for (int q = 0; q < n; q++)
		{
			c[q] = t + (rng_unit() * 2 - 1) * 10 * sigma;
			r[q] = rng_unit() * 2 - 1;
			d[q] = (rng_unit() * 2 - 1) * sigma;
		}
		for (int rr = 0; rr < runs && rr < 64; rr++)
			for (int l = 0; l < nlev; l++)
			{
				double		t0 = now_ns(),
							acc = 0.0;

				for (int rep = 0; rep < 200; rep++)
				{
					tabs[l]->smooth_node(c, r, d, n, t + rep * 1e-6, 1.0 / sigma, out);
					acc += out[0] + out[1] + out[2];
				}
				t2[l][rr] = (now_ns() - t0) / (200.0 * n);
				sink = acc;
			}
		for (int l = 0; l < nlev; l++)
			med[l] = median(t2[l], runs < 64 ? runs : 64);
		for (int l = 0; l < nlev; l++)
			printf("SMOOTH %d %s %.3f %.2f\n", n, names[l], med[l], med[0] / med[l]);
		free(c);
		free(r);
		free(d);
	}

	/*
	 * dot4 as the blocked Cholesky calls it: x and four y, the first n
	 * doubles of five rows 1000 doubles apart (40 kB at most, so in
	 * cache), ns per call, ELEMS_PER_RUN elements of x a run.
	 * "DOT <n> <level> <ns per call> <speedup>"
	 */
	{
		static const int dns[] = {16, 64, 128, 256, 1000};
		int			stride = 1000;
		double	   *dx = malloc(5 * stride * sizeof(double));
		double		out[4];

		for (int i = 0; i < 5 * stride; i++)
			dx[i] = rng_unit() * 2 - 1;
		for (int ni = 0; ni < (int) (sizeof(dns) / sizeof(dns[0])); ni++)
		{
			int			n = dns[ni],
						reps = ELEMS_PER_RUN / n;
			double		t[4][64],
						med[4];

			for (int r = 0; r < runs && r < 64; r++)
				for (int l = 0; l < nlev; l++)
				{
					double		t0 = now_ns(),
								acc = 0.0;

					for (int rep = 0; rep < reps; rep++)
					{
						tabs[l]->dot4(dx, dx + stride, dx + 2 * stride,
									  dx + 3 * stride, dx + 4 * stride, n, out);
						acc += out[0] + out[1] + out[2] + out[3];
					}
					t[l][r] = (now_ns() - t0) / reps;
					sink = acc;
				}
			for (int l = 0; l < nlev; l++)
				med[l] = median(t[l], runs < 64 ? runs : 64);
			for (int l = 0; l < nlev; l++)
				printf("DOT %d %s %.2f %.2f\n", n, names[l], med[l], med[0] / med[l]);
		}
		free(dx);
	}

	/* batching prototype: ns per row, median over runs */
	{
		void		(*volatile fn[2]) (BrierProto *, double, double) = {row_inplace, row_batched};
		static const char *const fname[2] = {"inplace", "batched64"};
		double		t[2][64],
					med[2];
		int			nrows = 1000000;

		for (int i = 0; i < POOL_DOUBLES; i++)
			pool[i] = rng_unit();
		for (int r = 0; r < runs && r < 64; r++)
			for (int f = 0; f < 2; f++)
			{
				BrierProto st;
				double		t0;
				void		(*call) (BrierProto *, double, double) = fn[f];

				memset(&st, 0, sizeof(st));
				t0 = now_ns();
				for (int i = 0; i < nrows; i++)
					call(&st, pool[i & (POOL_DOUBLES - 1)],
						 (double) ((i * 7) & 1));
				flush(&st);
				t[f][r] = (now_ns() - t0) / nrows;
				sink = st.sum;
			}
		for (int f = 0; f < 2; f++)
		{
			med[f] = median(t[f], runs < 64 ? runs : 64);
			printf("BATCH %s %.3f\n", fname[f], med[f]);
		}
	}
	free(pool);
	free(dst);
	return 0;
}
