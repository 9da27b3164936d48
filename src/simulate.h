/*-------------------------------------------------------------------------
 *
 * simulate.h
 *	  Seeded random streams shared by the two simulators (simulate.c:
 *	  simulate_annotations; simulate_study*.c: simulate_preference_study).
 *
 * Every stream is PostgreSQL's pg_prng (xoroshiro128**) seeded from the
 * user's seed and a stream number through splitmix64, so each unit of the
 * simulation (an annotator, a prompt, a pair) draws from its own stream and
 * the rows do not depend on the plan.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SIMULATE_H
#define SIMULATE_H

#include <math.h>

#include "common/pg_prng.h"

static inline uint64
sim_splitmix64(uint64 x)
{
	x += UINT64CONST(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

static inline void
sim_seed_stream(pg_prng_state *rng, uint64 seed, uint64 stream)
{
	pg_prng_seed(rng, sim_splitmix64(sim_splitmix64(seed) ^ stream));
}

/* standard normal by Box-Muller (the cosine half) */
static inline double
sim_normal(pg_prng_state *rng)
{
	double		u1 = 1.0 - pg_prng_double(rng);	/* (0, 1] */
	double		u2 = pg_prng_double(rng);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static inline bool
sim_bernoulli(pg_prng_state *rng, double p)
{
	return pg_prng_double(rng) < p;
}

#endif							/* SIMULATE_H */
