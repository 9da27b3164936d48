/*-------------------------------------------------------------------------
 *
 * simulate_study.c
 *	  simulate_preference_study(seed, params): seeded judgments of response
 *	  pairs with features, a spurious style feature, latent annotator types
 *	  and the population truth; simulate_preference_responses and
 *	  simulate_preference_annotators give the same world's truth tables.
 *	  Value-per-call set-returning functions.
 *
 * The world is drawn once per call (simulate_study_world.c); the feature
 * arrays of the current pair's two responses are built once per pair in a
 * context reset at the next pair, so a row allocates only its tuple.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"
#include "pc_math.h"
#include "simulate_study.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#define PS_JUDGMENT_NCOLS 24
#define PS_RESPONSE_NCOLS 9
#define PS_ANNOTATOR_NCOLS 6

static const char *const ps_domain_names[PS_NDOMAINS] = {"code", "creative_writing"};
static const char *const ps_split_names[3] = {"train", "validation", "test"};
static const char *const ps_type_names[3] = {"genuine", "non_attitude", "constructed"};

typedef struct PsSrf
{
	PsWorld    *w;
	PsCursor	c;
	Datum		domain_text[PS_NDOMAINS];
	Datum		split_text[3];
	Datum		type_text[3];
	Datum	   *cond_text;		/* [framing - 1][0 = ab, 1 = ba] */
	MemoryContext pair_ctx;		/* the current pair's arrays */
	int64		built_pair;
	Datum		feat_a;
	Datum		feat_b;
	int64		next;			/* responses / annotators: the next index */
} PsSrf;

static Datum
ps_float8_array(const double *x, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	ArrayType  *a;

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(x[i]);
	a = construct_array(d, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(d);
	return PointerGetDatum(a);
}

/* the arguments, the world and the text values, in the multi-call context */
static PsSrf *
ps_setup(FunctionCallInfo fcinfo, FuncCallContext *funcctx, int ncols)
{
	MemoryContext oldcontext;
	TupleDesc	tupdesc;
	PsSrf	   *s;
	PsParams	par;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed must not be null")));

	oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != ncols)
		elog(ERROR, "the function returns %d columns, expected %d",
			 tupdesc->natts, ncols);
	funcctx->tuple_desc = BlessTupleDesc(tupdesc);

	ps_read_params(PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1), &par);
	s = palloc0(sizeof(PsSrf));
	s->w = ps_make_world((uint64) PG_GETARG_INT64(0), &par);
	for (int d = 0; d < PS_NDOMAINS; d++)
		s->domain_text[d] = CStringGetTextDatum(ps_domain_names[d]);
	for (int i = 0; i < 3; i++)
	{
		s->split_text[i] = CStringGetTextDatum(ps_split_names[i]);
		s->type_text[i] = CStringGetTextDatum(ps_type_names[i]);
	}
	funcctx->user_fctx = s;
	MemoryContextSwitchTo(oldcontext);
	return s;
}

/*
 * simulate_preference_study(seed bigint, params jsonb) -> one row per
 * judgment (the columns of src/sql/31_simulate_study.sql)
 */
PG_FUNCTION_INFO_V1(pc_simulate_preference_study);
Datum
pc_simulate_preference_study(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	PsSrf	   *s;
	const PsWorld *w;
	const PsParams *par;
	PsCursor   *c;
	PsJudgment	j;
	Datum		values[PS_JUDGMENT_NCOLS];
	bool		nulls[PS_JUDGMENT_NCOLS] = {0};
	int			R,
				ia,
				ib,
				ifirst,
				isecond,
				d;
	double		ra,
				rb;
	HeapTuple	tuple;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext oldcontext;

		funcctx = SRF_FIRSTCALL_INIT();
		s = ps_setup(fcinfo, funcctx, PS_JUDGMENT_NCOLS);
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		ps_cursor_init(s->w, &s->c);
		s->cond_text = palloc(sizeof(Datum) * s->w->par.framings * 2);
		for (int f = 0; f < s->w->par.framings; f++)
		{
			s->cond_text[2 * f] = CStringGetTextDatum(psprintf("order=ab;framing=%d", f + 1));
			s->cond_text[2 * f + 1] = CStringGetTextDatum(psprintf("order=ba;framing=%d", f + 1));
		}
		s->pair_ctx = AllocSetContextCreate(funcctx->multi_call_memory_ctx,
											"simulate_preference_study pair",
											ALLOCSET_SMALL_SIZES);
		s->built_pair = -1;
		MemoryContextSwitchTo(oldcontext);
	}
	funcctx = SRF_PERCALL_SETUP();
	s = (PsSrf *) funcctx->user_fctx;
	w = s->w;
	par = &w->par;
	c = &s->c;

	if (!ps_next_judgment(w, c, &j))
		SRF_RETURN_DONE(funcctx);

	R = par->responses_per_prompt;
	ia = c->prompt * R + c->resp_a;
	ib = c->prompt * R + c->resp_b;
	if (s->built_pair != c->pair)
	{
		MemoryContext oldcontext;

		MemoryContextReset(s->pair_ctx);
		oldcontext = MemoryContextSwitchTo(s->pair_ctx);
		s->feat_a = ps_float8_array(w->features + (size_t) ia * w->n_features, w->n_features);
		s->feat_b = ps_float8_array(w->features + (size_t) ib * w->n_features, w->n_features);
		MemoryContextSwitchTo(oldcontext);
		s->built_pair = c->pair;
	}
	ifirst = j.a_first ? ia : ib;
	isecond = j.a_first ? ib : ia;
	d = ps_domain_of_prompt(c->prompt);
	ra = c->group.r_a;
	rb = c->group.r_b;

	values[0] = Int64GetDatum(c->next_id++);
	values[1] = s->split_text[w->prompt_split[c->prompt]];
	values[2] = s->domain_text[d];
	values[3] = Int32GetDatum(c->prompt + 1);
	values[4] = Int64GetDatum(c->pair + 1);
	values[5] = Int32GetDatum(ia + 1);
	values[6] = Int32GetDatum(ib + 1);
	values[7] = Int32GetDatum(c->group.annotator + 1);
	values[8] = s->cond_text[2 * (j.framing - 1) + (j.a_first ? 0 : 1)];
	values[9] = Int32GetDatum(j.framing);
	values[10] = Int32GetDatum(j.repeat);
	values[11] = BoolGetDatum(j.a_first);
	values[12] = Int32GetDatum(ifirst + 1);
	values[13] = Int32GetDatum(isecond + 1);
	values[14] = j.a_first ? s->feat_a : s->feat_b;
	values[15] = j.a_first ? s->feat_b : s->feat_a;
	values[16] = Float8GetDatum(j.chose_first ? 1.0 : 0.0);
	values[17] = BoolGetDatum(j.chose_first == j.a_first);
	values[18] = Float8GetDatum(pc_sigmoid(w->reward[ifirst] - w->reward[isecond]));
	values[19] = Float8GetDatum(pc_sigmoid(w->reward[ia] - w->reward[ib]));
	values[20] = Float8GetDatum(pc_sigmoid(j.a_first ? ra - rb : rb - ra));
	values[21] = Float8GetDatum(j.p_first);
	values[22] = s->type_text[c->group.type];
	values[23] = Float8GetDatum(j.a_first ? c->feature_p_a : 1.0 - c->feature_p_a);

	tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
}

/*
 * simulate_preference_responses(seed bigint, params jsonb) -> one row per
 * response: ids, split, features, hidden quality, style, true reward
 */
PG_FUNCTION_INFO_V1(pc_simulate_preference_responses);
Datum
pc_simulate_preference_responses(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	PsSrf	   *s;
	const PsWorld *w;
	int			i,
				p,
				k;
	Datum		values[PS_RESPONSE_NCOLS];
	bool		nulls[PS_RESPONSE_NCOLS] = {0};
	HeapTuple	tuple;

	if (SRF_IS_FIRSTCALL())
	{
		funcctx = SRF_FIRSTCALL_INIT();
		(void) ps_setup(fcinfo, funcctx, PS_RESPONSE_NCOLS);
	}
	funcctx = SRF_PERCALL_SETUP();
	s = (PsSrf *) funcctx->user_fctx;
	w = s->w;
	if (s->next >= w->n_responses)
		SRF_RETURN_DONE(funcctx);
	i = (int) s->next++;
	p = i / w->par.responses_per_prompt;
	k = w->par.n_quality;

	values[0] = Int32GetDatum(i + 1);
	values[1] = Int32GetDatum(p + 1);
	values[2] = s->domain_text[ps_domain_of_prompt(p)];
	values[3] = s->split_text[w->prompt_split[p]];
	values[4] = Int32GetDatum(i % w->par.responses_per_prompt + 1);
	values[5] = ps_float8_array(w->features + (size_t) i * w->n_features, w->n_features);
	values[6] = Float8GetDatum(w->hidden[i]);
	values[7] = Float8GetDatum(w->features[(size_t) i * w->n_features + k]);
	values[8] = Float8GetDatum(w->reward[i]);

	tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
}

/*
 * simulate_preference_annotators(seed bigint, params jsonb) -> one row per
 * annotator: personal, own type, weights
 */
PG_FUNCTION_INFO_V1(pc_simulate_preference_annotators);
Datum
pc_simulate_preference_annotators(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	PsSrf	   *s;
	const PsWorld *w;
	const double *wt;
	int			a,
				k;
	Datum		values[PS_ANNOTATOR_NCOLS];
	bool		nulls[PS_ANNOTATOR_NCOLS] = {0};
	HeapTuple	tuple;

	if (SRF_IS_FIRSTCALL())
	{
		funcctx = SRF_FIRSTCALL_INIT();
		(void) ps_setup(fcinfo, funcctx, PS_ANNOTATOR_NCOLS);
	}
	funcctx = SRF_PERCALL_SETUP();
	s = (PsSrf *) funcctx->user_fctx;
	w = s->w;
	if (s->next >= w->par.n_annotators)
		SRF_RETURN_DONE(funcctx);
	a = (int) s->next++;
	k = w->par.n_quality;
	wt = w->weights + (size_t) a * PS_NWEIGHTS(&w->par);

	values[0] = Int32GetDatum(a + 1);
	values[1] = BoolGetDatum(w->personal[a]);
	values[2] = s->type_text[w->own_type[a]];
	values[3] = ps_float8_array(wt, k);
	values[4] = Float8GetDatum(wt[k]);
	values[5] = ps_float8_array(wt + k + 1, PS_NDOMAINS);

	tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
}
