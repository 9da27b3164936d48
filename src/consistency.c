/*-------------------------------------------------------------------------
 *
 * consistency.c
 *	  classify_preference_consistency(choice bool, condition text
 *	  [, confidence float8]): transition, combine and final functions, and
 *	  the text/binary I/O of its state type preference_consistency_state.
 *
 * The state is a PcMap (agreement_map.h) keyed by condition text, with
 * four numbers per condition: kw, mw (weighted counts of choices of the
 * first / second item; the weight is the stated confidence, 1 without
 * one) and kr, mr (the raw counts).  The maths is consistency_model.c
 * (fixed priors) and consistency_eb.c (a fitted consistency_prior, see
 * consistency_prior.c).
 *
 *-------------------------------------------------------------------------
 */
#include "consistency.h"
#include "consistency_eb.h"
#include "consistency_model.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"


static void
too_many_responses(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("too many responses in one condition"),
			 errdetail("A condition may hold at most 2147483647 responses.")));
}

/*
 * dst += src; the merged condition obeys the transition function's cap,
 * so a merged state never exceeds what its input function accepts
 */
static void
cons_merge(double *dst, const double *src)
{
	for (int i = 0; i < 4; i++)
		dst[i] += src[i];
	if (dst[2] + dst[3] > 2147483647.0)
		too_many_responses();
}

static const char *
cons_check(const double *p)
{
	for (int i = 0; i < 4; i++)
		if (!isfinite(p[i]) || p[i] < 0.0)
			return "Counts must be finite and non-negative.";
	if (p[2] != floor(p[2]) || p[3] != floor(p[3]) ||
		p[2] > 2147483647.0 || p[3] > 2147483647.0)
		return "Response counts must be whole numbers below 2^31.";
	if (p[0] > p[2] || p[1] > p[3])
		return "A weighted count cannot exceed its response count.";
	if (p[2] + p[3] < 1.0)
		return "A condition must hold at least one response.";
	return NULL;
}

const PcMapSpec pc_cons_spec = {
	.kind = PCMAP_CONSISTENCY,
	.typname = "preference_consistency_state",
	.nparts = 1,
	.npayload = 4,
	.max_entries = PC_CONS_MAX_CONDITIONS,
	.entry_noun = "conditions",
	.merge = cons_merge,
	.check = cons_check,
};

/* ---------- aggregate support ---------- */

static Datum
cons_trans_common(FunctionCallInfo fcinfo, double w)
{
	PcMap	   *map;
	text	   *cond;
	double	   *p;
	bool		choice;

	pc_agg_context(fcinfo, "preference consistency transition function");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || isnan(w))
	{
		/* rows with a NULL choice, condition or confidence are skipped */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	choice = PG_GETARG_BOOL(1);
	cond = PG_GETARG_TEXT_PP(2);
	if (PG_ARGISNULL(0))
		map = pcmap_create(&pc_cons_spec, 4, 4 * VARSIZE_ANY_EXHDR(cond));
	else
		map = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_cons_spec);

	p = pcmap_upsert(&map, &pc_cons_spec, VARDATA_ANY(cond),
					 VARSIZE_ANY_EXHDR(cond), NULL, 0);
	if (choice)
	{
		p[0] += w;
		p[2] += 1.0;
	}
	else
	{
		p[1] += w;
		p[3] += 1.0;
	}
	if (p[2] + p[3] > 2147483647.0)
		too_many_responses();
	PG_RETURN_POINTER(map);
}

/* transition (state, choice, condition) */
PG_FUNCTION_INFO_V1(pc_consistency_trans);
Datum
pc_consistency_trans(PG_FUNCTION_ARGS)
{
	return cons_trans_common(fcinfo, 1.0);
}

/* transition (state, choice, condition, confidence): confidence is a weight */
PG_FUNCTION_INFO_V1(pc_consistency_trans_conf);
Datum
pc_consistency_trans_conf(PG_FUNCTION_ARGS)
{
	double		w;

	if (PG_ARGISNULL(3))
		return cons_trans_common(fcinfo, get_float8_nan());
	w = PG_GETARG_FLOAT8(3);
	pc_check_probability(w, "confidence");
	return cons_trans_common(fcinfo, w);
}

/* combine (strict): merge the second state's conditions into the first */
PG_FUNCTION_INFO_V1(pc_consistency_combine);
Datum
pc_consistency_combine(PG_FUNCTION_ARGS)
{
	PcMap	   *a;
	PcMap	   *b;

	pc_agg_context(fcinfo, "preference consistency combine function");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		/* non-strict: a NULL side is the identity */
		if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(pcmap_from_datum(PG_GETARG_DATUM(PG_ARGISNULL(0) ? 1 : 0), &pc_cons_spec));
	}
	a = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_cons_spec);
	b = pcmap_from_datum(PG_GETARG_DATUM(1), &pc_cons_spec);
	PG_RETURN_POINTER(pcmap_merge(a, b, &pc_cons_spec));
}

static const char *const cons_labels[] = {
	"genuine", "non_attitude", "constructed", "insufficient"
};

/* the prior's index of a condition name (names in byte order), or -1 */
int
pc_prior_condition_index(const PcPriorNames *names, const char *name, int len)
{
	int			lo = 0,
				hi = names->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const char *s = names->base + names->off[mid];
		int			c = pc_cmp_bytes(s, strlen(s), name, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * The preference_consistency composite of one group's map: under the
 * fixed priors (prior == NULL) or under a fitted consistency_prior.
 */
Datum
pc_consistency_result(FunctionCallInfo fcinfo, PcMap *map,
					  const PcEbParams *prior, const PcPriorNames *prior_names,
					  double threshold)
{
	TupleDesc	tupdesc;
	Datum		values[13];
	bool		nulls[13] = {0};
	double	   *k,
			   *m,
			   *kr,
			   *mr;
	int		   *idx;
	int			nc = 0;
	double		Kr = 0,
				Mr = 0,
				across_num = 0,
				across_den = 0,
				within_num = 0,
				within_den = 0,
				weight = 0,
				n;
	PcConsResult res;
	PcMapEntry *e = NULL;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != 13)
		elog(ERROR, "preference_consistency_result has %d fields, expected 13",
			 tupdesc->natts);

	k = palloc(sizeof(double) * map->nentries);
	m = palloc(sizeof(double) * map->nentries);
	kr = palloc(sizeof(double) * map->nentries);
	mr = palloc(sizeof(double) * map->nentries);
	idx = palloc(sizeof(int) * map->nentries);
	while ((e = pcmap_next(map, e)) != NULL)
	{
		double	   *p = PCMAP_PAYLOAD(e);
		double		nc_r = p[2] + p[3];

		if (prior != NULL)
			idx[nc] = pc_prior_condition_index(prior_names,
											   PCMAP_KEY(e, map->npayload),
											   e->keylen);
		k[nc] = p[0];
		m[nc] = p[1];
		kr[nc] = p[2];
		mr[nc] = p[3];
		nc++;
		weight += p[0] + p[1];
		Kr += p[2];
		Mr += p[3];
		within_num += p[2] * (p[2] - 1) + p[3] * (p[3] - 1);
		within_den += nc_r * (nc_r - 1);
	}
	n = Kr + Mr;

	/*
	 * Pairs of responses under different conditions: sum over c of
	 * k_c (K - k_c) + m_c (M - m_c) agreeing ones out of n_c (n - n_c).
	 * Every term is non-negative and K - k_c is exact (whole numbers below
	 * 2^53), so nothing cancels; K^2 - sum k_c^2 lost up to eight digits
	 * once K^2 passed 2^53 (counts above about 1e8).
	 */
	for (int c = 0; c < nc; c++)
	{
		across_num += kr[c] * (Kr - kr[c]) + mr[c] * (Mr - mr[c]);
		across_den += (kr[c] + mr[c]) * (n - kr[c] - mr[c]);
	}
	if (n > 2147483647.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("too many responses in one group"),
				 errdetail("The response count must fit in an integer.")));
	if (prior == NULL)
		pc_consistency_classify(k, m, nc, (long) n, nc, &res);
	else
	{
		double		log_ml[3],
					log_w[3];
		double	   *scratch = palloc(sizeof(double) * (prior->npat + 1));

		pc_eb_loglik(prior, nc, idx, k, m, scratch, log_ml);
		for (int i = 0; i < 3; i++)
			log_w[i] = log(prior->w[i]);
		pc_consistency_decide(log_ml, log_w, (long) n, nc, threshold, &res);
	}

	values[0] = CStringGetTextDatum(cons_labels[res.label]);
	for (int i = 0; i < 3; i++)
	{
		if (isnan(res.post[i]))
			nulls[1 + i] = true;
		else
			values[1 + i] = Float8GetDatum(res.post[i]);
	}
	values[4] = Int32GetDatum((int32) n);
	values[5] = Int32GetDatum(nc);
	values[6] = Float8GetDatum(fmax(Kr, Mr) / n);
	if (within_den > 0)
		values[7] = Float8GetDatum(within_num / within_den);
	else
		nulls[7] = true;
	if (nc >= 2)
		values[8] = Float8GetDatum(across_num / across_den);
	else
		nulls[8] = true;
	values[9] = Float8GetDatum(weight);
	values[10] = Float8GetDatum(res.log_ml[PC_CONS_GENUINE]);
	values[11] = Float8GetDatum(res.log_ml[PC_CONS_NON_ATTITUDE]);
	values[12] = Float8GetDatum(res.log_ml[PC_CONS_CONSTRUCTED]);

	tupdesc = BlessTupleDesc(tupdesc);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* final: the preference_consistency composite; NULL for no responses */
PG_FUNCTION_INFO_V1(pc_consistency_final);
Datum
pc_consistency_final(PG_FUNCTION_ARGS)
{
	PcMap	   *map;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_cons_spec);
	if (map->nentries == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(pc_consistency_result(fcinfo, map, NULL, NULL, 0.0));
}

/* ---------- type I/O ---------- */

PC_MAP_IO(pc_consistency_state, pc_cons_spec)
