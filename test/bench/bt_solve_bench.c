/*-------------------------------------------------------------------------
 *
 * bt_solve_bench.c
 *	  The Bradley-Terry solver (src/bt_solve.c) timed on its own, outside
 *	  the server: the fit phase of bt_fit without the state, the scan or
 *	  the server's memory, so that two builds of the solver can be compared
 *	  run for run on a noisy machine.
 *
 *	  bt_solve_bench PAIRS.csv [RUNS [PRIOR]]
 *
 * PAIRS.csv holds one ordered pair a line, "i,j,w1,w2,wt" (0-based item
 * indices, counts first won, second won, tie), sorted by (i, j) as a
 * state from the bt_counts aggregate is (test/bench/bt.sh writes one from
 * its table with BT_SOLVE_PAIRS=file).  The pairs are cut into chunks of
 * 2^18, as a state's segments are, and fitted as bt_fit does with its
 * defaults (ties as halves, scores centred, tol 1e-9; PRIOR, default 0,
 * the L2 prior): each
 * run times bt_solve alone, with the SIMD level this machine supports
 * best.  Output: "SOLVE <ms per fit, median over runs> <min> <max>
 * iterations <Newton steps> cg <CG products> loglik <value>".
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bt_solve.h"
#include "kernels.h"

#define CHUNK (1 << 18)

static void *
bench_alloc(void *arg, size_t size)
{
	void	   *p = calloc(1, size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static void
bench_release(void *arg, void *p)
{
	free(p);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	int64_t		m = 0,
				cap = 1 << 20;
	int32_t    *pi,
			   *pj;
	double	   *w1,
			   *w2,
			   *wt;
	int			n = 0;
	int			runs = argc > 2 ? atoi(argv[2]) : 5;
	double		prior = argc > 3 ? atof(argv[3]) : 0.0;
	int			nchunk;
	BtChunk    *chunk;
	double	   *wins,
			   *losses,
			   *times;
	BtEnv		env = {bench_alloc, bench_release, NULL, NULL};
	BtResult	res;

	if (argc < 2 || runs < 1)
	{
		fprintf(stderr, "usage: %s PAIRS.csv [RUNS [PRIOR]]\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "r");
	if (f == NULL)
	{
		perror(argv[1]);
		return 1;
	}
	pi = malloc(sizeof(int32_t) * cap);
	pj = malloc(sizeof(int32_t) * cap);
	w1 = malloc(sizeof(double) * cap);
	w2 = malloc(sizeof(double) * cap);
	wt = malloc(sizeof(double) * cap);
	for (;;)
	{
		int			a,
					b;
		double		x,
					y,
					z;

		if (fscanf(f, "%d,%d,%lf,%lf,%lf", &a, &b, &x, &y, &z) != 5)
			break;
		if (m == cap)
		{
			cap *= 2;
			pi = realloc(pi, sizeof(int32_t) * cap);
			pj = realloc(pj, sizeof(int32_t) * cap);
			w1 = realloc(w1, sizeof(double) * cap);
			w2 = realloc(w2, sizeof(double) * cap);
			wt = realloc(wt, sizeof(double) * cap);
		}
		if (a < 0 || b < 0 || a == b)
		{
			fprintf(stderr, "bad pair at line %lld\n", (long long) m + 1);
			return 1;
		}
		pi[m] = a;
		pj[m] = b;
		w1[m] = x;
		w2[m] = y;
		wt[m] = z;
		m++;
		if (a >= n)
			n = a + 1;
		if (b >= n)
			n = b + 1;
	}
	fclose(f);
	if (m == 0)
	{
		fprintf(stderr, "no pairs\n");
		return 1;
	}

	nchunk = (int) ((m + CHUNK - 1) / CHUNK);
	chunk = calloc(nchunk, sizeof(BtChunk));
	for (int c = 0; c < nchunk; c++)
	{
		int64_t		k0 = (int64_t) c * CHUNK;

		chunk[c].m = m - k0 < CHUNK ? m - k0 : CHUNK;
		chunk[c].i = pi + k0;
		chunk[c].j = pj + k0;
		chunk[c].w1 = w1 + k0;
		chunk[c].w2 = w2 + k0;
		chunk[c].wt = wt + k0;
	}
	wins = calloc(n, sizeof(double));
	losses = calloc(n, sizeof(double));
	for (int64_t k = 0; k < m; k++)
	{
		wins[pi[k]] += w1[k] + 0.5 * wt[k];
		losses[pj[k]] += w1[k] + 0.5 * wt[k];
		wins[pj[k]] += w2[k] + 0.5 * wt[k];
		losses[pi[k]] += w2[k] + 0.5 * wt[k];
	}
	pc_kern = pc_kernels_for_level(pc_best_simd_level());

	times = calloc(runs, sizeof(double));
	for (int r = 0; r < runs; r++)
	{
		BtProblem	pb;
		double		t0;

		memset(&pb, 0, sizeof(pb));
		pb.n = n;
		pb.m = m;
		pb.nchunk = nchunk;
		pb.chunk = chunk;
		pb.ties = BT_TIES_HALF;
		pb.prior = prior;
		pb.max_iter = 100;
		pb.tol = 1e-9;
		pb.reference = -1;
		pb.start_wins = wins;
		pb.start_losses = losses;
		t0 = now_ms();
		bt_solve(&pb, &env, true, &res);
		times[r] = now_ms() - t0;
		free(res.score);
		free(res.se);
	}
	qsort(times, runs, sizeof(double), cmp_double);
	printf("SOLVE %.1f %.1f %.1f iterations %d cg %d loglik %.10g level %s\n",
		   times[runs / 2], times[0], times[runs - 1], res.iterations,
		   res.cg_iterations, res.loglik,
		   pc_simd_level_name(pc_best_simd_level()));
	return 0;
}
