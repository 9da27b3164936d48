/*-------------------------------------------------------------------------
 *
 * simulate.c
 *	  simulate_annotations(seed, ...): a seeded generator of repeated
 *	  pairwise annotations with known latent response types, as a
 *	  value-per-call set-returning function.
 *
 * The generative model (doc/annotation.md states it in full, and
 * test/ref/consistency/bayes_optimal.py evaluates its likelihood):
 *
 *	  items i = 1..n_items, domain (i - 1) mod n_domains,
 *	  utility u_i ~ Normal(0, utility_sd^2);
 *	  each annotator draws pairs_per_annotator distinct pairs: a domain
 *	  uniformly, then two distinct items of it uniformly (item_a < item_b);
 *	  each (annotator, pair) draws a latent type:
 *		genuine (p_genuine): direction "a" with probability
 *		  true_p = sigmoid(u_a - u_b); each response follows it with
 *		  probability genuine_strength;
 *		non_attitude (p_non_attitude): each response picks the first-shown
 *		  item with probability 1/2 + position bias of the pair's domain;
 *		constructed (p_constructed), of which a share framing_share (when
 *		  framings > 1) follows framing: direction "a" with probability 1/2
 *		  under framing 1, flipped under every even framing, each response
 *		  follows it with probability genuine_strength; the rest follow
 *		  display position: each response picks the first-shown item with
 *		  probability genuine_strength;
 *	  every pair is shown under every condition (a first / b first) x
 *	  framing 1..framings, repeats times each.
 *
 * Random numbers come from PostgreSQL's pg_prng (xoroshiro128**), one
 * stream for the utilities and one per annotator, so the first annotators'
 * rows do not change when n_annotators grows.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"
#include "pc_math.h"
#include "simulate.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#define SIM_MAX_DOMAINS 100
#define SIM_MAX_FRAMINGS 100
#define SIM_NCOLS 14

enum
{
	SIM_GENUINE = 0,
	SIM_NON_ATTITUDE,
	SIM_CONSTRUCTED_POSITION,
	SIM_CONSTRUCTED_FRAMING
};

static const char *const sim_type_names[] = {
	"genuine", "non_attitude", "constructed_position", "constructed_framing"
};

static const char *const sim_domain_names[] = {
	"code", "creative_writing", "math", "dialogue", "summarization",
	"factual_qa", "safety", "translation"
};

typedef struct SimState
{
	/* parameters */
	int			n_items;
	int			n_annotators;
	int			pairs;
	int			repeats;
	int			framings;
	int			n_domains;
	double		p_genuine;
	double		p_non_attitude;
	double		strength;
	double		framing_share;
	uint64		seed;
	double	   *bias;			/* per domain */
	double	   *u;				/* utilities, index 1..n_items */
	Datum	   *domain_text;
	Datum	   *cond_text;		/* [framing - 1][0 = ab, 1 = ba] */
	Datum		type_text[4];

	/* used-pair set of the current annotator */
	int64	   *used;
	uint32		used_mask;

	/* cursor */
	pg_prng_state rng;
	int			annotator;		/* 1-based; 0 = before the first */
	int			pair_no;		/* pairs done for this annotator */
	int			resp_no;		/* responses done for the current pair */
	int			resp_per_pair;

	/* current pair */
	int			item_a;
	int			item_b;
	int			domain;
	int			type;
	bool		dir_a;			/* genuine / framing-1 direction is "a" */
	double		true_p;
} SimState;

/* number of items of domain d */
static int
sim_domain_size(const SimState *st, int d)
{
	return (st->n_items - d - 1) / st->n_domains + 1;
}

/* insert key into the used-pair set; false if it was there */
static bool
sim_use_pair(SimState *st, int64 key)
{
	uint32		i = (uint32) (sim_splitmix64((uint64) key) & st->used_mask);

	while (st->used[i] != 0)
	{
		if (st->used[i] == key)
			return false;
		i = (i + 1) & st->used_mask;
	}
	st->used[i] = key;
	return true;
}

/* draw the next pair of the current annotator and its latent type */
static void
sim_next_pair(SimState *st)
{
	pg_prng_state *rng = &st->rng;
	double		r;

	for (;;)
	{
		int			d = (int) pg_prng_uint64_range(rng, 0, st->n_domains - 1);
		int			cnt = sim_domain_size(st, d);
		int			x = (int) pg_prng_uint64_range(rng, 0, cnt - 1);
		int			y = (int) pg_prng_uint64_range(rng, 0, cnt - 2);
		int			a,
					b;

		CHECK_FOR_INTERRUPTS();
		if (y >= x)
			y++;
		a = 1 + d + st->n_domains * Min(x, y);
		b = 1 + d + st->n_domains * Max(x, y);
		if (sim_use_pair(st, (int64) a * (st->n_items + 1) + b))
		{
			st->item_a = a;
			st->item_b = b;
			st->domain = d;
			break;
		}
	}
	/* evaluated where exp cannot overflow (subnormal for differences below -709) */
	st->true_p = pc_sigmoid(st->u[st->item_a] - st->u[st->item_b]);

	r = pg_prng_double(rng);
	if (r < st->p_genuine)
	{
		st->type = SIM_GENUINE;
		st->dir_a = sim_bernoulli(rng, st->true_p);
	}
	else if (r < st->p_genuine + st->p_non_attitude)
		st->type = SIM_NON_ATTITUDE;
	else if (st->framings > 1 && sim_bernoulli(rng, st->framing_share))
	{
		st->type = SIM_CONSTRUCTED_FRAMING;
		st->dir_a = sim_bernoulli(rng, 0.5);
	}
	else
		st->type = SIM_CONSTRUCTED_POSITION;
	st->resp_no = 0;
}

/* advance to the next annotator; false when there is none */
static bool
sim_next_annotator(SimState *st)
{
	if (st->annotator >= st->n_annotators)
		return false;
	st->annotator++;
	sim_seed_stream(&st->rng, st->seed, (uint64) st->annotator);
	memset(st->used, 0, sizeof(int64) * (st->used_mask + 1));
	st->pair_no = 0;
	return true;
}

static int
sim_get_int(FunctionCallInfo fcinfo, int argno, const char *name,
			int lo, int hi)
{
	int			v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	v = PG_GETARG_INT32(argno);
	if (v < lo || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d", name, lo, hi),
				 errdetail("The value given was %d.", v)));
	return v;
}

static double
sim_get_float(FunctionCallInfo fcinfo, int argno, const char *name,
			  double lo, double hi)
{
	double		v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	v = PG_GETARG_FLOAT8(argno);
	if (!(v >= lo && v <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %g and %g", name, lo, hi),
				 errdetail("The value given was %g.", v)));
	return v;
}

/* the scalar arguments, each range-checked */
static void
sim_read_args(FunctionCallInfo fcinfo, SimState *st, double *p_constructed,
			  double *pbias, double *sd)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed must not be null")));
	st->seed = (uint64) PG_GETARG_INT64(0);
	st->n_items = sim_get_int(fcinfo, 1, "n_items", 2, 100000000);
	st->n_annotators = sim_get_int(fcinfo, 2, "n_annotators", 0, 100000000);
	st->pairs = sim_get_int(fcinfo, 3, "pairs_per_annotator", 1, 10000000);
	st->repeats = sim_get_int(fcinfo, 4, "repeats", 1, 1000000);
	st->framings = sim_get_int(fcinfo, 5, "framings", 1, SIM_MAX_FRAMINGS);
	st->p_genuine = sim_get_float(fcinfo, 6, "p_genuine", 0, 1);
	st->p_non_attitude = sim_get_float(fcinfo, 7, "p_non_attitude", 0, 1);
	*p_constructed = sim_get_float(fcinfo, 8, "p_constructed", 0, 1);
	st->strength = sim_get_float(fcinfo, 9, "genuine_strength", 0, 1);
	*pbias = sim_get_float(fcinfo, 10, "position_bias", -0.5, 0.5);
	st->n_domains = sim_get_int(fcinfo, 11, "n_domains", 1, SIM_MAX_DOMAINS);
	*sd = sim_get_float(fcinfo, 12, "utility_sd", 0, 1e6);
	st->framing_share = sim_get_float(fcinfo, 13, "framing_share", 0, 1);
}

/* the checks that involve several arguments */
static void
sim_check_args(SimState *st, double p_constructed)
{
	int64		avail = 0;
	int64		per_pair;

	if (fabs(st->p_genuine + st->p_non_attitude + p_constructed - 1.0) > 1e-9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("type probabilities must sum to 1"),
				 errdetail("p_genuine + p_non_attitude + p_constructed = %g.",
						   st->p_genuine + st->p_non_attitude + p_constructed)));
	if (st->n_items < 2 * st->n_domains)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_items must be at least twice n_domains"),
				 errdetail("Every domain needs two items to make a pair.")));
	per_pair = (int64) st->repeats * st->framings * 2;
	if (per_pair > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeats * framings * 2 must fit in an integer")));
	st->resp_per_pair = (int) per_pair;

	/* enough distinct pairs? */
	for (int d = 0; d < st->n_domains; d++)
	{
		int64		c = sim_domain_size(st, d);

		avail += c * (c - 1) / 2;
	}
	if (st->pairs > avail)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pairs_per_annotator exceeds the number of distinct pairs"),
				 errdetail("The items make " INT64_FORMAT " within-domain pairs; %d were asked for.",
						   avail, st->pairs)));
}

/* the per-domain position bias: the scalar, or the array argument */
static void
sim_read_bias(FunctionCallInfo fcinfo, SimState *st, double pbias)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems;

	st->bias = palloc(sizeof(double) * st->n_domains);
	if (PG_ARGISNULL(14))
	{
		for (int d = 0; d < st->n_domains; d++)
			st->bias[d] = pbias;
		return;
	}
	arr = PG_GETARG_ARRAYTYPE_P(14);
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &enulls, &nelems);
	if (ARR_NDIM(arr) > 1 || nelems != st->n_domains)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("position_bias_by_domain must have one element per domain"),
				 errdetail("It has %d elements; n_domains is %d.",
						   nelems, st->n_domains)));
	for (int d = 0; d < st->n_domains; d++)
	{
		double		b;

		if (enulls[d])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("position_bias_by_domain must not contain nulls")));
		b = DatumGetFloat8(elems[d]);
		if (!(b >= -0.5 && b <= 0.5))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("position bias must be between -0.5 and 0.5"),
					 errdetail("Domain %d has %g.", d + 1, b)));
		st->bias[d] = b;
	}
}

/* utilities, the used-pair set and the text values, made once */
static void
sim_make_tables(SimState *st, double sd)
{
	pg_prng_state urng;
	uint32		nused;

	st->u = palloc(sizeof(double) * (st->n_items + 1));
	st->u[0] = 0.0;
	sim_seed_stream(&urng, st->seed, 0);
	for (int i = 1; i <= st->n_items; i++)
		st->u[i] = sd * sim_normal(&urng);

	/* the used-pair set: a power of two at least twice the pair count */
	nused = 16;
	while (nused < 2 * (uint32) st->pairs)
		nused *= 2;
	st->used = palloc0(sizeof(int64) * nused);
	st->used_mask = nused - 1;

	st->domain_text = palloc(sizeof(Datum) * st->n_domains);
	for (int d = 0; d < st->n_domains; d++)
	{
		if (d < (int) lengthof(sim_domain_names))
			st->domain_text[d] = CStringGetTextDatum(sim_domain_names[d]);
		else
			st->domain_text[d] = CStringGetTextDatum(psprintf("domain_%d", d + 1));
	}
	st->cond_text = palloc(sizeof(Datum) * st->framings * 2);
	for (int f = 0; f < st->framings; f++)
	{
		st->cond_text[2 * f] = CStringGetTextDatum(psprintf("order=ab;framing=%d", f + 1));
		st->cond_text[2 * f + 1] = CStringGetTextDatum(psprintf("order=ba;framing=%d", f + 1));
	}
	for (int t = 0; t < 4; t++)
		st->type_text[t] = CStringGetTextDatum(sim_type_names[t]);
}

static SimState *
sim_setup(FunctionCallInfo fcinfo)
{
	SimState   *st = palloc0(sizeof(SimState));
	double		p_constructed;
	double		pbias;
	double		sd;

	sim_read_args(fcinfo, st, &p_constructed, &pbias, &sd);
	sim_check_args(st, p_constructed);
	sim_read_bias(fcinfo, st, pbias);
	sim_make_tables(st, sd);

	st->annotator = 0;
	st->pair_no = st->pairs;	/* forces the first annotator */
	st->resp_no = st->resp_per_pair;
	return st;
}

/*
 * simulate_annotations(seed bigint, n_items int, n_annotators int,
 *   pairs_per_annotator int, repeats int, framings int, p_genuine float8,
 *   p_non_attitude float8, p_constructed float8, genuine_strength float8,
 *   position_bias float8, n_domains int, utility_sd float8,
 *   framing_share float8, position_bias_by_domain float8[])
 *   -> SETOF record (one row per response)
 */
PG_FUNCTION_INFO_V1(pc_simulate_annotations);
Datum
pc_simulate_annotations(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SimState   *st;
	Datum		values[SIM_NCOLS];
	bool		nulls[SIM_NCOLS] = {0};
	int			rep,
				framing,
				order;
	bool		a_first,
				chose_a,
				chose_first;
	double		bias;
	HeapTuple	tuple;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext oldcontext;
		TupleDesc	tupdesc;

		funcctx = SRF_FIRSTCALL_INIT();
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		if (tupdesc->natts != SIM_NCOLS)
			elog(ERROR, "simulate_annotations returns %d columns, expected %d",
				 tupdesc->natts, SIM_NCOLS);
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		funcctx->user_fctx = sim_setup(fcinfo);
		MemoryContextSwitchTo(oldcontext);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (SimState *) funcctx->user_fctx;

	/* move to the next response, pair and annotator as needed */
	if (st->resp_no >= st->resp_per_pair)
	{
		if (st->pair_no >= st->pairs)
		{
			if (!sim_next_annotator(st))
				SRF_RETURN_DONE(funcctx);
		}
		sim_next_pair(st);
		st->pair_no++;
	}

	/* response index -> (rep, framing, order): order varies fastest */
	order = st->resp_no % 2;
	framing = (st->resp_no / 2) % st->framings + 1;
	rep = st->resp_no / (2 * st->framings) + 1;
	a_first = (order == 0);
	bias = st->bias[st->domain];

	switch (st->type)
	{
		case SIM_GENUINE:
			chose_a = sim_bernoulli(&st->rng, st->strength) ? st->dir_a : !st->dir_a;
			chose_first = (chose_a == a_first);
			break;
		case SIM_NON_ATTITUDE:
			chose_first = sim_bernoulli(&st->rng, 0.5 + bias);
			chose_a = (chose_first == a_first);
			break;
		case SIM_CONSTRUCTED_POSITION:
			chose_first = sim_bernoulli(&st->rng, st->strength);
			chose_a = (chose_first == a_first);
			break;
		default:
			{
				bool		dir = (framing % 2 == 1) ? st->dir_a : !st->dir_a;

				chose_a = sim_bernoulli(&st->rng, st->strength) ? dir : !dir;
				chose_first = (chose_a == a_first);
			}
			break;
	}
	st->resp_no++;

	values[0] = Int32GetDatum(st->annotator);
	values[1] = Int32GetDatum(st->item_a);
	values[2] = Int32GetDatum(st->item_b);
	values[3] = st->domain_text[st->domain];
	values[4] = BoolGetDatum(a_first);
	values[5] = Int32GetDatum(framing);
	values[6] = Int32GetDatum(rep);
	values[7] = st->cond_text[2 * (framing - 1) + order];
	values[8] = BoolGetDatum(chose_a);
	values[9] = BoolGetDatum(chose_first);
	values[10] = st->type_text[st->type];
	values[11] = Float8GetDatum(st->true_p);
	values[12] = Float8GetDatum(st->u[st->item_a]);
	values[13] = Float8GetDatum(st->u[st->item_b]);

	tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
}
