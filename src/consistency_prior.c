/*-------------------------------------------------------------------------
 *
 * consistency_prior.c
 *	  The empirical-Bayes stage of classify_preference_consistency:
 *
 *	  preference_consistency_prior(preference_consistency_state)
 *		aggregate over stored per-group states -> consistency_prior; its
 *		state type consistency_prior_state holds each distinct count
 *		vector once with the number of groups that had it (combine adds
 *		the multiplicities); the final function runs the EM of
 *		consistency_eb.c;
 *	  classify_preference_consistency(preference_consistency_state,
 *		consistency_prior, min_posterior, direction_p) ->
 *		preference_consistency (direction_p: an optional per-group
 *		replacement of the prior's genuine direction probability rho);
 *	  preference_consistency_direction(preference_consistency_state,
 *		consistency_prior) -> float8, a group's genuine direction from its
 *		own responses (the input of a Bradley-Terry direction_p);
 *	  the stored consistency_prior (consistency_prior_int.h): its checks
 *		and its construction, used by consistency_prior_io.c, which holds
 *		the text and binary I/O of both types.
 *
 * A count vector key (text, canonical): the group's conditions with a
 * positive weight, in byte order of their names, each written as
 * "<name length>:<name> <kw> <mw>;" with kw, mw in shortest round-trip
 * form, so equal vectors have equal keys.
 *
 *-------------------------------------------------------------------------
 */
#include "consistency.h"
#include "consistency_eb.h"
#include "consistency_model.h"
#include "consistency_prior_int.h"
#include "pc_math.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* documented: distinct count vectors in one consistency_prior_state */
#define PC_PRIOR_MAX_VECTORS 1000000

/* ---------- count vector keys ---------- */

typedef struct KeyCond
{
	const char *name;
	int			len;
	double		k;
	double		m;
} KeyCond;

static int
keycond_cmp(const void *a, const void *b)
{
	const KeyCond *x = a;
	const KeyCond *y = b;

	return pc_cmp_bytes(x->name, x->len, y->name, y->len);
}

/* parse one canonical number ending at stop; NULL on success */
static const char *
key_number(const char *key, int len, int *pos, char stop, double *out,
		   StringInfo tmp)
{
	char		buf[64];
	int			i = 0;
	char	   *end;

	while (*pos + i < len && key[*pos + i] != stop && i < 63)
	{
		buf[i] = key[*pos + i];
		i++;
	}
	if (*pos + i >= len || key[*pos + i] != stop || i == 0)
		return "A count vector key has a malformed number.";
	buf[i] = '\0';
	*out = strtod(buf, &end);
	if (*end != '\0' || !isfinite(*out) || *out < 0.0 || signbit(*out))
		return "Counts in a count vector key must be finite and non-negative.";
	resetStringInfo(tmp);
	pc_append_float8(tmp, *out);
	if (strcmp(tmp->data, buf) != 0)
		return "Counts in a count vector key must be in shortest round-trip form.";
	*pos += i + 1;
	return NULL;
}

/*
 * Parse (and validate) a count vector key; out may be NULL.  *n is set to
 * the number of conditions.
 */
static const char *
key_parse(const char *key, int len, KeyCond *out, int *n)
{
	int			pos = 0,
				cnt = 0;
	const char *prev = NULL;
	int			prevlen = 0;
	StringInfoData tmp;
	const char *why = NULL;

	if (len == 0)
		return "A count vector key needs at least one condition.";
	initStringInfo(&tmp);
	while (pos < len && why == NULL)
	{
		long		nl = 0;
		int			digits = 0;
		KeyCond		kc;

		while (pos < len && key[pos] >= '0' && key[pos] <= '9' && digits < 10)
		{
			nl = nl * 10 + (key[pos] - '0');
			pos++;
			digits++;
		}
		if (digits == 0 || (digits > 1 && key[pos - digits] == '0') ||
			pos >= len || key[pos] != ':' || nl > len - pos - 1)
		{
			why = "A count vector key has a malformed condition length.";
			break;
		}
		pos++;
		kc.name = key + pos;
		kc.len = (int) nl;
		if (memchr(kc.name, '\0', kc.len) != NULL)
		{
			why = "A condition name cannot hold a zero byte.";
			break;
		}
		pos += kc.len;
		if (prev != NULL && pc_cmp_bytes(prev, prevlen, kc.name, kc.len) >= 0)
		{
			why = "Conditions in a count vector key must be distinct and in byte order.";
			break;
		}
		if (pos >= len || key[pos] != ' ')
		{
			why = "A count vector key has a malformed entry.";
			break;
		}
		pos++;
		why = key_number(key, len, &pos, ' ', &kc.k, &tmp);
		if (why == NULL)
			why = key_number(key, len, &pos, ';', &kc.m, &tmp);
		if (why != NULL)
			break;
		if (kc.k + kc.m <= 0.0)
		{
			why = "Every condition in a count vector key needs a positive weight.";
			break;
		}
		if (cnt >= PC_CONS_MAX_CONDITIONS)
		{
			why = "A count vector key holds at most 1000 conditions.";
			break;
		}
		if (out)
			out[cnt] = kc;
		cnt++;
		prev = kc.name;
		prevlen = kc.len;
	}
	pfree(tmp.data);
	*n = cnt;
	return why;
}

static const char *
grp_check_key(const char *key, int len)
{
	int			n;

	return key_parse(key, len, NULL, &n);
}

static void
grp_merge(double *dst, const double *src)
{
	dst[0] += src[0];
}

static const char *
grp_check(const double *p)
{
	if (!(p[0] >= 1.0 && p[0] <= 9007199254740992.0) || p[0] != floor(p[0]))
		return "A multiplicity must be a whole number between 1 and 2^53.";
	return NULL;
}

const PcMapSpec pc_prior_groups_spec = {
	.kind = PCMAP_CONSISTENCY_GROUPS,
	.typname = "preference_consistency_prior_state",
	.nparts = 1,
	.npayload = 1,
	.max_entries = PC_PRIOR_MAX_VECTORS,
	.entry_noun = "count vectors",
	.merge = grp_merge,
	.check = grp_check,
	.check_key = grp_check_key,
};

/* ---------- the stored prior ---------- */

int
pc_prior_npat_for(int ncond)
{
	return ncond <= PC_EB_MAX_PATTERN_CONDITIONS ? (1 << ncond) - 2 : 0;
}

/* the view of a stored prior that consistency_eb.c and lookups use */
void
pc_prior_view(const PcPrior *pr, PcEbParams *par, PcPriorNames *names)
{
	par->ncond = pr->ncond;
	par->npat = pr->npat;
	memcpy(par->w, pr->w, sizeof(par->w));
	par->rho = pr->rho;
	par->q = pr->q;
	par->r = PRIOR_R(pr);
	par->pi = PRIOR_PI(pr);
	names->n = pr->ncond;
	names->off = PRIOR_OFF(pr);
	names->base = PRIOR_NAMES(pr);
}

/* NULL if the parameters make a valid prior, else the reason */
const char *
pc_prior_check(const PcEbParams *par, char **names, const int *lens,
			double n_groups, int iterations, double loglik)
{
	double		s;

	if (par->npat != pc_prior_npat_for(par->ncond))
		return "The number of patterns must be 2^conditions - 2 up to 10 conditions, else 0.";
	if (!(n_groups >= 0.0 && isfinite(n_groups)))
		return "The group count must be finite and non-negative.";
	if (iterations < 0 || iterations > PC_EB_MAX_ITER)
		return "The iteration count must be between 0 and 10000.";
	if (isnan(loglik) || loglik > 0.0)
		return "The log-likelihood must be a number at most 0.";
	s = 0.0;
	for (int i = 0; i < 3; i++)
	{
		if (!(par->w[i] >= 0.0 && par->w[i] <= 1.0))
			return "Class weights must be between 0 and 1.";
		s += par->w[i];
	}
	if (fabs(s - 1.0) > 1e-9)
		return "Class weights must sum to 1.";
	if (!(par->rho >= 0.0 && par->rho <= 1.0))
		return "rho must be between 0 and 1.";
	if (!(par->q >= 0.5 && par->q <= 1.0))
		return "q must be between 0.5 and 1.";
	for (int c = 0; c < par->ncond; c++)
	{
		if (!(par->r[c] >= 0.0 && par->r[c] <= 1.0))
			return "Non-attitude rates must be between 0 and 1.";
		if (memchr(names[c], '\0', lens[c]) != NULL)
			return "A condition name cannot hold a zero byte.";
		if (c > 0 && pc_cmp_bytes(names[c - 1], lens[c - 1], names[c], lens[c]) >= 0)
			return "Conditions must be distinct and in byte order.";
	}
	s = 0.0;
	for (int b = 0; b < par->npat; b++)
	{
		if (!(par->pi[b] >= 0.0 && par->pi[b] <= 1.0))
			return "Pattern weights must be between 0 and 1.";
		s += par->pi[b];
	}
	if (par->npat > 0 && fabs(s - 1.0) > 1e-9)
		return "Pattern weights must sum to 1.";
	return NULL;
}

PcPrior *
pc_prior_build(const PcEbParams *par, char **names, const int *lens,
			double n_groups, int iterations, bool converged, double loglik)
{
	Size		namebytes = 0,
				sz;
	PcPrior    *pr;
	int32	   *off;
	char	   *area;

	for (int c = 0; c < par->ncond; c++)
		namebytes += lens[c] + 1;
	sz = sizeof(PcPrior) + sizeof(double) * (par->ncond + par->npat) +
		sizeof(int32) * par->ncond + namebytes;
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("preference_consistency_prior_model value is too large")));
	pr = palloc0(sz);
	SET_VARSIZE(pr, sz);
	pr->version = PC_PRIOR_VERSION;
	pr->flags = converged ? PC_PRIOR_CONVERGED : 0;
	pr->ncond = par->ncond;
	pr->npat = par->npat;
	pr->iterations = iterations;
	pr->n_groups = n_groups;
	pr->loglik = loglik;
	memcpy(pr->w, par->w, sizeof(pr->w));
	pr->rho = par->rho;
	pr->q = par->q;
	memcpy(PRIOR_R(pr), par->r, sizeof(double) * par->ncond);
	if (par->npat > 0)
		memcpy(PRIOR_PI(pr), par->pi, sizeof(double) * par->npat);
	off = PRIOR_OFF(pr);
	area = PRIOR_NAMES(pr);
	namebytes = 0;
	for (int c = 0; c < par->ncond; c++)
	{
		off[c] = (int32) namebytes;
		memcpy(area + namebytes, names[c], lens[c]);
		area[namebytes + lens[c]] = '\0';
		namebytes += lens[c] + 1;
	}
	return pr;
}

PcPrior *
pc_prior_from_datum(Datum d)
{
	PcPrior    *pr = (PcPrior *) PG_DETOAST_DATUM(d);

	if (VARSIZE(pr) < sizeof(PcPrior) || pr->version != PC_PRIOR_VERSION ||
		pr->ncond < 1 || pr->ncond > PC_EB_MAX_CONDITIONS ||
		pr->npat != pc_prior_npat_for(pr->ncond) ||
		VARSIZE(pr) < sizeof(PcPrior) +
		sizeof(double) * (pr->ncond + pr->npat) + sizeof(int32) * pr->ncond)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid preference_consistency_prior_model value"),
				 errdetail("Unknown version or inconsistent size.")));
	return pr;
}

/* ---------- the aggregate preference_consistency_prior ---------- */

/* transition (state, group state): count the group's vector once */
PG_FUNCTION_INFO_V1(pc_cons_prior_trans);
Datum
pc_cons_prior_trans(PG_FUNCTION_ARGS)
{
	PcMap	   *g;
	PcMap	   *map;
	KeyCond    *kc;
	int			n = 0;
	PcMapEntry *e = NULL;
	StringInfoData key;
	double	   *p;

	pc_agg_context(fcinfo, "preference consistency prior transition function");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	g = pcmap_from_datum(PG_GETARG_DATUM(1), &pc_cons_spec);
	kc = palloc(sizeof(KeyCond) * (g->nentries + 1));
	while ((e = pcmap_next(g, e)) != NULL)
	{
		double	   *gp = PCMAP_PAYLOAD(e);

		if (gp[0] + gp[1] <= 0.0)
			continue;			/* no evidence (zero confidence) */
		kc[n].name = PCMAP_KEY(e, g->npayload);
		kc[n].len = e->keylen;
		kc[n].k = gp[0] + 0.0;	/* no negative zero */
		kc[n].m = gp[1] + 0.0;
		n++;
	}
	if (n == 0)
	{
		/* a group without evidence does not inform the prior */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	qsort(kc, n, sizeof(KeyCond), keycond_cmp);
	initStringInfo(&key);
	for (int i = 0; i < n; i++)
	{
		appendStringInfo(&key, "%d:", kc[i].len);
		appendBinaryStringInfo(&key, kc[i].name, kc[i].len);
		appendStringInfoChar(&key, ' ');
		pc_append_float8(&key, kc[i].k);
		appendStringInfoChar(&key, ' ');
		pc_append_float8(&key, kc[i].m);
		appendStringInfoChar(&key, ';');
	}
	if (PG_ARGISNULL(0))
		map = pcmap_create(&pc_prior_groups_spec, 16, 16 * key.len);
	else
		map = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_prior_groups_spec);
	p = pcmap_upsert(&map, &pc_prior_groups_spec, key.data, key.len, NULL, 0);
	if (p[0] >= 9007199254740992.0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many groups with the same count vector"),
				 errdetail("A multiplicity may not exceed 2^53.")));
	p[0] += 1.0;
	PG_RETURN_POINTER(map);
}

/* combine (strict): add the second state's multiplicities to the first */
PG_FUNCTION_INFO_V1(pc_cons_prior_combine);
Datum
pc_cons_prior_combine(PG_FUNCTION_ARGS)
{
	PcMap	   *a;
	PcMap	   *b;

	pc_agg_context(fcinfo, "preference consistency prior combine function");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		/* non-strict: a NULL side is the identity */
		if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(pcmap_from_datum(PG_GETARG_DATUM(PG_ARGISNULL(0) ? 1 : 0), &pc_prior_groups_spec));
	}
	a = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_prior_groups_spec);
	b = pcmap_from_datum(PG_GETARG_DATUM(1), &pc_prior_groups_spec);
	PG_RETURN_POINTER(pcmap_merge(a, b, &pc_prior_groups_spec));
}

typedef struct NameRef
{
	const char *name;
	int			len;
} NameRef;

static int
nameref_cmp(const void *a, const void *b)
{
	const NameRef *x = a;
	const NameRef *y = b;

	return pc_cmp_bytes(x->name, x->len, y->name, y->len);
}

/* final: run the EM over the distinct count vectors; NULL for no groups */
PG_FUNCTION_INFO_V1(pc_cons_prior_final);
Datum
pc_cons_prior_final(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	PcMapEntry *e = NULL;
	long		total = 0;
	int			nvec = 0,
				ncond = 0;
	KeyCond    *occ;
	NameRef    *refs;
	int		   *start,
			   *idx,
			   *lens;
	double	   *k,
			   *m,
			   *mult,
			   *scratch;
	char	  **names;
	PcEbData	data;
	PcEbParams par;
	PcEbFit		fit;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_prior_groups_spec);
	if (map->nentries == 0)
		PG_RETURN_NULL();

	/* pass 1: sizes */
	while ((e = pcmap_next(map, e)) != NULL)
	{
		int			n;
		const char *why = key_parse(PCMAP_KEY(e, 1), e->keylen, NULL, &n);

		if (why != NULL)
			elog(ERROR, "corrupt preference_consistency_prior_state: %s", why);
		total += n;
	}
	occ = palloc(sizeof(KeyCond) * total);
	refs = palloc(sizeof(NameRef) * total);
	start = palloc(sizeof(int) * (map->nentries + 1));
	mult = palloc(sizeof(double) * map->nentries);

	/* pass 2: the vectors */
	total = 0;
	e = NULL;
	while ((e = pcmap_next(map, e)) != NULL)
	{
		int			n;

		(void) key_parse(PCMAP_KEY(e, 1), e->keylen, occ + total, &n);
		start[nvec] = (int) total;
		mult[nvec] = PCMAP_PAYLOAD(e)[0];
		for (int i = 0; i < n; i++)
		{
			refs[total + i].name = occ[total + i].name;
			refs[total + i].len = occ[total + i].len;
		}
		total += n;
		nvec++;
	}
	start[nvec] = (int) total;

	/* the table's distinct conditions, in byte order */
	qsort(refs, total, sizeof(NameRef), nameref_cmp);
	for (long i = 0; i < total; i++)
	{
		if (ncond > 0 && nameref_cmp(&refs[ncond - 1], &refs[i]) == 0)
			continue;
		refs[ncond++] = refs[i];
	}
	if (ncond > PC_EB_MAX_CONDITIONS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct conditions"),
				 errdetail("A preference_consistency_prior_model holds at most %d conditions; the groups have %d.",
						   PC_EB_MAX_CONDITIONS, ncond)));
	names = palloc(sizeof(char *) * ncond);
	lens = palloc(sizeof(int) * ncond);
	for (int c = 0; c < ncond; c++)
	{
		names[c] = (char *) refs[c].name;
		lens[c] = refs[c].len;
	}

	/* condition indexes of every entry */
	idx = palloc(sizeof(int) * total);
	k = palloc(sizeof(double) * total);
	m = palloc(sizeof(double) * total);
	for (long i = 0; i < total; i++)
	{
		NameRef		key = {occ[i].name, occ[i].len};
		NameRef    *hit = bsearch(&key, refs, ncond, sizeof(NameRef),
								  nameref_cmp);

		if (hit == NULL)
			elog(ERROR, "condition of a count vector not found");
		idx[i] = (int) (hit - refs);
		k[i] = occ[i].k;
		m[i] = occ[i].m;
	}

	data.ncond = ncond;
	data.nvec = nvec;
	data.start = start;
	data.idx = idx;
	data.k = k;
	data.m = m;
	data.mult = mult;
	par.ncond = ncond;
	par.npat = pc_prior_npat_for(ncond);
	par.r = palloc(sizeof(double) * ncond);
	par.pi = palloc(sizeof(double) * (par.npat + 1));
	scratch = palloc(sizeof(double) * pc_eb_scratch_size(ncond, par.npat));
	pc_eb_fit(&data, &par, scratch, pc_interrupt, &fit);
	/* what the fit returns must be readable by the input functions */
	{
		const char *why = pc_prior_check(&par, names, lens, fit.n_groups,
									  fit.iterations, fit.loglik);

		if (why != NULL)
			elog(ERROR, "fitted preference_consistency_prior_model is invalid: %s", why);
	}
	PG_RETURN_POINTER(pc_prior_build(&par, names, lens, fit.n_groups,
								  fit.iterations, fit.converged, fit.loglik));
}

/* ---------- classification under a prior ---------- */

/*
 * classify_preference_consistency(state, prior, min_posterior, direction_p)
 *
 * Not strict: a NULL state, prior or min_posterior gives NULL; a NULL
 * direction_p means the prior's own rho.  A non-NULL direction_p replaces
 * rho, the probability that a genuine direction is the group's first item,
 * for this group only (the genuine likelihood; the other classes and the
 * class weights are unchanged).
 */
PG_FUNCTION_INFO_V1(pc_cons_classify_prior);
Datum
pc_cons_classify_prior(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	PcPrior    *pr;
	double		threshold;
	PcEbParams	par;
	PcPriorNames names;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	threshold = PG_GETARG_FLOAT8(2);
	pc_check_probability(threshold, "min_posterior");
	pr = pc_prior_from_datum(PG_GETARG_DATUM(1));
	pc_prior_view(pr, &par, &names);
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		double		dp = PG_GETARG_FLOAT8(3);

		pc_check_probability(dp, "direction_p");
		par.rho = dp;
	}
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_cons_spec);
	if (map->nentries == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(pc_consistency_result(fcinfo, map, &par, &names,
										  threshold));
}

/*
 * preference_consistency_direction(state, prior): the probability that the
 * group's direction is its first item given that it is genuine, from its
 * own responses under a neutral (1/2) direction prior and the prior's
 * agreement q: 1 / (1 + ((1 - q) / q)^(K - M)), K and M the weighted
 * choices of the first and the second item.  The soft direction votes
 * that a Bradley-Terry fit pools into a per-pair direction_p.
 */
PG_FUNCTION_INFO_V1(pc_cons_direction);
Datum
pc_cons_direction(PG_FUNCTION_ARGS)
{
	PcMap	   *map = pcmap_from_datum(PG_GETARG_DATUM(0), &pc_cons_spec);
	PcPrior    *pr = pc_prior_from_datum(PG_GETARG_DATUM(1));
	PcMapEntry *e = NULL;
	double		diff = 0.0,
				weight = 0.0,
				q = pr->q,
				logit;

	while ((e = pcmap_next(map, e)) != NULL)
	{
		double	   *p = PCMAP_PAYLOAD(e);

		diff += p[0] - p[1];
		weight += p[0] + p[1];
	}
	if (weight == 0.0)
		PG_RETURN_NULL();
	if (diff == 0.0 || q == 0.5)
		PG_RETURN_FLOAT8(0.5);

	/*
	 * logit = diff * log(q / (1 - q)); q = 1 gives +-Infinity.
	 * pc_sigmoid evaluates the logistic on the side where exp cannot
	 * overflow: 1 / (1 + exp(-logit)) gave 0 for logits below about -709,
	 * where the probability is a subnormal down to a logit of -745.
	 */
	logit = diff * (log(q) - log1p(-q));
	PG_RETURN_FLOAT8(pc_sigmoid(logit));
}
