/*-------------------------------------------------------------------------
 *
 * simulate_study_params.c
 *	  The parameters of simulate_preference_study from a jsonb object:
 *	  defaults, types and ranges.  Every problem is an ERROR with SQLSTATE
 *	  22023 naming the key.
 *
 * A domain-dependent parameter takes a number (both domains) or an array
 * [code, creative_writing].
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"
#include "simulate_study.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

static void
ps_set_defaults(PsParams *par)
{
	memset(par, 0, sizeof(PsParams));
	par->n_prompts = 200;
	par->responses_per_prompt = 4;
	par->split_shares[PS_TRAIN] = 0.6;
	par->split_shares[PS_VALIDATION] = 0.2;
	par->split_shares[PS_TEST] = 0.2;
	par->n_quality = 3;
	par->quality_weights[0] = 1.0;
	par->quality_weights[1] = 0.5;
	par->quality_weights[2] = 0.25;
	par->hidden_weight = 1.0;
	par->style_effect[0] = -0.3;
	par->style_effect[1] = 0.3;
	par->style_quality_corr_train = 0.6;
	par->style_quality_corr_test = 0.0;
	par->style_first_share = 0.5;
	par->n_annotators = 100;
	par->annotators_per_pair = 3;
	par->orders = 2;
	par->framings = 1;
	par->repeats = 2;
	par->p_type[PS_GENUINE] = 0.6;
	par->p_type[PS_NON_ATTITUDE] = 0.25;
	par->p_type[PS_CONSTRUCTED] = 0.15;
	par->type_per_annotator = 0.5;
	par->genuine_strength = 1.0;
	par->position_bias_genuine[0] = 0.2;
	par->position_bias_genuine[1] = 0.2;
	par->position_bias_non_attitude[0] = 0.05;
	par->position_bias_non_attitude[1] = 0.25;
	par->constructed_strength = 0.9;
	par->framing_share = 0.5;
	par->personal_share = 0.2;
	par->personal_sd = 1.0;
}

static pg_attribute_noreturn() void
ps_bad(const char *key, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"%s\" must be %s", key, what)));
}

/* a JSON number as a double, within [lo, hi] */
static double
ps_float(const JsonbValue *v, const char *key, double lo, double hi)
{
	double		x;

	if (v->type != jbvNumeric)
		ps_bad(key, "a number");
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!(x >= lo && x <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be between %g and %g", key, lo, hi),
				 errdetail("The value given was %g.", x)));
	return x;
}

/* a JSON integer within [lo, hi] */
static int
ps_int(const JsonbValue *v, const char *key, int lo, int hi)
{
	double		x;

	if (v->type != jbvNumeric)
		ps_bad(key, "an integer");
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (x != floor(x))
		ps_bad(key, "an integer");
	if (!(x >= lo && x <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be between %d and %d", key, lo, hi),
				 errdetail("The value given was %.15g.", x)));
	return (int) x;
}

/* a JSON array of numbers within [lo, hi]; returns its length */
static int
ps_array(const JsonbValue *v, const char *key, double lo, double hi,
		 double *out, int maxn)
{
	JsonbContainer *jc;
	int			n;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ps_bad(key, "an array of numbers");
	jc = v->val.binary.data;
	n = JsonContainerSize(jc);
	if (n > maxn)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" has too many elements", key),
				 errdetail("It has %d; at most %d are allowed.", n, maxn)));
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(jc, i);

		if (e->type != jbvNumeric)
			ps_bad(key, "an array of numbers");
		out[i] = ps_float(e, key, lo, hi);
	}
	return n;
}

/* a number for both domains, or [code, creative_writing] */
static void
ps_by_domain(const JsonbValue *v, const char *key, double lo, double hi,
			 double out[PS_NDOMAINS])
{
	if (v->type == jbvNumeric)
	{
		out[0] = out[1] = ps_float(v, key, lo, hi);
		return;
	}
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerSize(v->val.binary.data) != PS_NDOMAINS)
		ps_bad(key, "a number or an array [code, creative_writing] of two numbers");
	(void) ps_array(v, key, lo, hi, out, PS_NDOMAINS);
}

/* one key's value into par */
static void
ps_read_one(const char *key, const JsonbValue *v, PsParams *par)
{
	if (strcmp(key, "n_prompts") == 0)
		par->n_prompts = ps_int(v, key, 2, 10000000);
	else if (strcmp(key, "responses_per_prompt") == 0)
		par->responses_per_prompt = ps_int(v, key, 2, 100);
	else if (strcmp(key, "split_shares") == 0)
	{
		if (ps_array(v, key, 0, 1, par->split_shares, 3) != 3)
			ps_bad(key, "an array of three shares [train, validation, test]");
	}
	else if (strcmp(key, "quality_weights") == 0)
		par->n_quality = ps_array(v, key, -1e6, 1e6, par->quality_weights,
								  PS_MAX_QUALITY);
	else if (strcmp(key, "hidden_weight") == 0)
		par->hidden_weight = ps_float(v, key, -1e6, 1e6);
	else if (strcmp(key, "style_effect") == 0)
		ps_by_domain(v, key, -1e6, 1e6, par->style_effect);
	else if (strcmp(key, "style_quality_corr_train") == 0)
		par->style_quality_corr_train = ps_float(v, key, -1, 1);
	else if (strcmp(key, "style_quality_corr_test") == 0)
		par->style_quality_corr_test = ps_float(v, key, -1, 1);
	else if (strcmp(key, "style_first_share") == 0)
		par->style_first_share = ps_float(v, key, 0, 1);
	else if (strcmp(key, "n_annotators") == 0)
		par->n_annotators = ps_int(v, key, 1, 1000000);
	else if (strcmp(key, "annotators_per_pair") == 0)
		par->annotators_per_pair = ps_int(v, key, 1, 1000);
	else if (strcmp(key, "orders") == 0)
		par->orders = ps_int(v, key, 1, 2);
	else if (strcmp(key, "framings") == 0)
		par->framings = ps_int(v, key, 1, 100);
	else if (strcmp(key, "repeats") == 0)
		par->repeats = ps_int(v, key, 1, 1000000);
	else if (strcmp(key, "p_genuine") == 0)
		par->p_type[PS_GENUINE] = ps_float(v, key, 0, 1);
	else if (strcmp(key, "p_non_attitude") == 0)
		par->p_type[PS_NON_ATTITUDE] = ps_float(v, key, 0, 1);
	else if (strcmp(key, "p_constructed") == 0)
		par->p_type[PS_CONSTRUCTED] = ps_float(v, key, 0, 1);
	else if (strcmp(key, "type_per_annotator") == 0)
		par->type_per_annotator = ps_float(v, key, 0, 1);
	else if (strcmp(key, "genuine_strength") == 0)
		par->genuine_strength = ps_float(v, key, 0, 100);
	else if (strcmp(key, "position_bias_genuine") == 0)
		ps_by_domain(v, key, -10, 10, par->position_bias_genuine);
	else if (strcmp(key, "position_bias_non_attitude") == 0)
		ps_by_domain(v, key, -0.5, 0.5, par->position_bias_non_attitude);
	else if (strcmp(key, "constructed_strength") == 0)
		par->constructed_strength = ps_float(v, key, 0, 1);
	else if (strcmp(key, "framing_share") == 0)
		par->framing_share = ps_float(v, key, 0, 1);
	else if (strcmp(key, "personal_share") == 0)
		par->personal_share = ps_float(v, key, 0, 1);
	else if (strcmp(key, "personal_sd") == 0)
		par->personal_sd = ps_float(v, key, 0, 100);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown parameter \"%s\"", key),
				 errhint("The parameters are listed in doc/study.md, \"The simulator\".")));
}

/* the checks that involve several parameters */
static void
ps_check(const PsParams *par)
{
	double		ptot = par->p_type[0] + par->p_type[1] + par->p_type[2];
	double		stot = par->split_shares[0] + par->split_shares[1] + par->split_shares[2];
	int64		per_group;

	if (fabs(ptot - 1.0) > 1e-9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("type shares must sum to 1"),
				 errdetail("p_genuine + p_non_attitude + p_constructed = %g.", ptot)));
	if (fabs(stot - 1.0) > 1e-9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("split shares must sum to 1"),
				 errdetail("They sum to %g.", stot)));
	if (par->annotators_per_pair > par->n_annotators)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annotators_per_pair must not exceed n_annotators"),
				 errdetail("annotators_per_pair is %d; n_annotators is %d.",
						   par->annotators_per_pair, par->n_annotators)));
	if ((int64) par->n_prompts * par->responses_per_prompt > PS_MAX_RESPONSES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_prompts * responses_per_prompt must be at most %d",
						PS_MAX_RESPONSES)));
	per_group = (int64) par->orders * par->framings * par->repeats;
	if (per_group > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("orders * framings * repeats must fit in an integer")));
}

/*
 * Read params (NULL: every default) into par.
 */
void
ps_read_params(Jsonb *params, PsParams *par)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	ps_set_defaults(par);
	if (params != NULL)
	{
		if (!JB_ROOT_IS_OBJECT(params) || JB_ROOT_IS_SCALAR(params))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params must be a JSON object")));
		it = JsonbIteratorInit(&params->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = pnstrdup(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE)
				ps_read_one(key, &v, par);
		}
	}
	ps_check(par);
}
