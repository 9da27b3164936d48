/*-------------------------------------------------------------------------
 *
 * simulate_study_world.c
 *	  The world of simulate_preference_study (prompts and their splits,
 *	  responses with features and true rewards, annotators with types and
 *	  weights) and the walk over its judgments.
 *
 * Streams (simulate.h): one per prompt for its responses, one per domain
 * for the split permutation, one per annotator for its traits, one per
 * pair for everything of the pair (its annotators, their latent types and
 * display orders, the choices).  doc/study.md ("The simulator") states the
 * model; the comments below name its symbols.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"
#include "pc_math.h"
#include "simulate.h"
#include "simulate_study.h"

#include <math.h>

#include "miscadmin.h"

/* stream namespaces */
#define PS_STREAM(tag, index) (((uint64) (tag) << 56) | (uint64) (index))
#define PS_TAG_PROMPT 1
#define PS_TAG_SPLIT 2
#define PS_TAG_ANNOTATOR 3
#define PS_TAG_PAIR 4

int
ps_domain_of_prompt(int prompt)
{
	return prompt % PS_NDOMAINS;	/* prompt_id 1, 3, ... code */
}

double
ps_split_rho(const PsParams *par, int split)
{
	return split == PS_TEST ? par->style_quality_corr_test :
		par->style_quality_corr_train;
}

/*
 * E[sigmoid(a + s Z)], Z ~ N(0, 1), by the trapezoidal rule on [-8, 8] with
 * step 1/8 (for this smooth integrand against the Gaussian weight the rule
 * converges geometrically; the truncated tails weigh below 1e-15).
 */
static double
ps_expected_sigmoid(double a, double s)
{
	const double step = 0.125;
	double		sum = 0;
	double		wsum = 0;

	if (s == 0)
		return pc_sigmoid(a);
	for (int i = -64; i <= 64; i++)
	{
		double		z = i * step;
		double		wt = exp(-0.5 * z * z);

		sum += wt * pc_sigmoid(a + s * z);
		wsum += wt;
	}
	return sum / wsum;
}

/*
 * P(a preferred to b | the observed features of a and b, the split): the
 * population's probability averaged over the hidden qualities given the
 * styles.  With h | style ~ N(rho style, 1 - rho^2) for each response,
 * beta_h (h_a - h_b) | features ~ N(beta_h rho (s_a - s_b),
 * 2 beta_h^2 (1 - rho^2)).
 */
double
ps_feature_p(const PsWorld *w, int ia, int ib)
{
	const PsParams *par = &w->par;
	const double *xa = w->features + (size_t) ia * w->n_features;
	const double *xb = w->features + (size_t) ib * w->n_features;
	int			k = par->n_quality;
	int			prompt = ia / par->responses_per_prompt;
	int			d = ps_domain_of_prompt(prompt);
	double		rho = ps_split_rho(par, w->prompt_split[prompt]);
	double		ds = xa[k] - xb[k];
	double		a = par->style_effect[d] * ds + par->hidden_weight * rho * ds;

	for (int j = 0; j < k; j++)
		a += par->quality_weights[j] * (xa[j] - xb[j]);
	return ps_expected_sigmoid(a, fabs(par->hidden_weight) *
							   sqrt(2.0 * (1.0 - rho * rho)));
}

/* a latent type drawn from the shares by a uniform u */
static int
ps_draw_type(const PsParams *par, double u)
{
	if (u < par->p_type[PS_GENUINE])
		return PS_GENUINE;
	if (u < par->p_type[PS_GENUINE] + par->p_type[PS_NON_ATTITUDE])
		return PS_NON_ATTITUDE;
	/* rounding of shares that sum to 1: the last type with a share */
	if (par->p_type[PS_CONSTRUCTED] > 0)
		return PS_CONSTRUCTED;
	return par->p_type[PS_NON_ATTITUDE] > 0 ? PS_NON_ATTITUDE : PS_GENUINE;
}

/* per domain, a seeded permutation of its prompts cut at the shares */
static void
ps_make_splits(PsWorld *w)
{
	const PsParams *par = &w->par;
	int		   *perm = palloc(sizeof(int) * (par->n_prompts / PS_NDOMAINS + 1));

	for (int d = 0; d < PS_NDOMAINS; d++)
	{
		pg_prng_state rng;
		int			n = 0;
		int			n_train,
					n_val;

		for (int p = d; p < par->n_prompts; p += PS_NDOMAINS)
			perm[n++] = p;
		sim_seed_stream(&rng, w->seed, PS_STREAM(PS_TAG_SPLIT, d));
		for (int i = n - 1; i > 0; i--)
		{
			int			j = (int) pg_prng_uint64_range(&rng, 0, i);
			int			t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		n_train = Min(n, (int) floor(par->split_shares[PS_TRAIN] * n + 0.5));
		n_val = Min(n - n_train,
					(int) floor(par->split_shares[PS_VALIDATION] * n + 0.5));
		for (int i = 0; i < n; i++)
			w->prompt_split[perm[i]] = i < n_train ? PS_TRAIN :
				i < n_train + n_val ? PS_VALIDATION : PS_TEST;
	}
	pfree(perm);
}

/*
 * Responses: q_1..q_k, h, e ~ N(0, 1); style = rho h + sqrt(1 - rho^2) e,
 * rho by the prompt's split (the style feature stands in for the hidden
 * quality h where rho > 0); the true reward
 * r = sum beta_j q_j + beta_h h + sigma_d style.
 */
static void
ps_make_responses(PsWorld *w)
{
	const PsParams *par = &w->par;
	int			k = par->n_quality;
	int			R = par->responses_per_prompt;

	for (int p = 0; p < par->n_prompts; p++)
	{
		pg_prng_state rng;
		int			d = ps_domain_of_prompt(p);
		double		rho = ps_split_rho(par, w->prompt_split[p]);

		if ((p & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		sim_seed_stream(&rng, w->seed, PS_STREAM(PS_TAG_PROMPT, p));
		for (int r = 0; r < R; r++)
		{
			int			i = p * R + r;
			double	   *x = w->features + (size_t) i * w->n_features;
			double		q = 0;
			double		h,
						e,
						style;

			for (int j = 0; j < k; j++)
			{
				x[j] = sim_normal(&rng);
				q += par->quality_weights[j] * x[j];
			}
			h = sim_normal(&rng);
			e = sim_normal(&rng);
			style = rho * h + sqrt(1.0 - rho * rho) * e;
			x[k] = style;
			w->hidden[i] = h;
			w->reward[i] = q + par->hidden_weight * h + par->style_effect[d] * style;
		}
	}
}

/*
 * Annotators: personal with probability personal_share; an own type from
 * the shares; weights = the population's plus personal_sd N(0, 1) on each
 * when personal (the normals are drawn for every annotator, so the
 * deviations do not depend on personal_share).
 */
static void
ps_make_annotators(PsWorld *w)
{
	const PsParams *par = &w->par;
	int			nw = PS_NWEIGHTS(par);
	double		base[PS_MAX_QUALITY + 1 + PS_NDOMAINS];

	for (int j = 0; j < par->n_quality; j++)
		base[j] = par->quality_weights[j];
	base[par->n_quality] = par->hidden_weight;
	for (int d = 0; d < PS_NDOMAINS; d++)
		base[par->n_quality + 1 + d] = par->style_effect[d];

	for (int a = 0; a < par->n_annotators; a++)
	{
		pg_prng_state rng;
		double	   *wt = w->weights + (size_t) a * nw;

		if ((a & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		sim_seed_stream(&rng, w->seed, PS_STREAM(PS_TAG_ANNOTATOR, a));
		w->personal[a] = sim_bernoulli(&rng, par->personal_share);
		w->own_type[a] = (uint8) ps_draw_type(par, pg_prng_double(&rng));
		for (int j = 0; j < nw; j++)
		{
			double		dev = sim_normal(&rng);

			wt[j] = base[j] + (w->personal[a] ? par->personal_sd * dev : 0.0);
		}
	}
}

PsWorld *
ps_make_world(uint64 seed, const PsParams *par)
{
	PsWorld    *w = palloc0(sizeof(PsWorld));
	int			R = par->responses_per_prompt;

	w->par = *par;
	w->seed = seed;
	w->n_responses = par->n_prompts * R;
	w->n_features = par->n_quality + 1;
	w->pairs_per_prompt = R * (R - 1) / 2;
	w->n_pairs = (int64) par->n_prompts * w->pairs_per_prompt;
	w->features = palloc(sizeof(double) * w->n_responses * w->n_features);
	w->hidden = palloc(sizeof(double) * w->n_responses);
	w->reward = palloc(sizeof(double) * w->n_responses);
	w->prompt_split = palloc(par->n_prompts);
	w->personal = palloc(sizeof(bool) * par->n_annotators);
	w->own_type = palloc(par->n_annotators);
	w->weights = palloc(sizeof(double) * (size_t) par->n_annotators * PS_NWEIGHTS(par));

	ps_make_splits(w);
	ps_make_responses(w);
	ps_make_annotators(w);
	return w;
}

/* the reward of response resp (0-based) under annotator a's weights */
double
ps_annotator_reward(const PsWorld *w, int annotator, int resp)
{
	const PsParams *par = &w->par;
	const double *wt = w->weights + (size_t) annotator * PS_NWEIGHTS(par);
	const double *x = w->features + (size_t) resp * w->n_features;
	int			k = par->n_quality;
	int			d = ps_domain_of_prompt(resp / par->responses_per_prompt);
	double		r = 0;

	for (int j = 0; j < k; j++)
		r += wt[j] * x[j];
	return r + wt[k] * w->hidden[resp] + wt[k + 1 + d] * x[k];
}

void
ps_cursor_init(const PsWorld *w, PsCursor *c)
{
	const PsParams *par = &w->par;

	memset(c, 0, sizeof(PsCursor));
	c->pair = -1;
	c->per_group = par->orders * par->framings * par->repeats;
	c->group_no = par->annotators_per_pair;	/* forces the first pair */
	c->judgment_no = c->per_group;
	c->annotators = palloc(sizeof(int) * par->annotators_per_pair);
	c->next_id = 1;
}

/* the next pair and its annotators (Floyd's sampling without replacement) */
static bool
ps_next_pair(const PsWorld *w, PsCursor *c)
{
	const PsParams *par = &w->par;
	int			m = par->annotators_per_pair;
	int			n = par->n_annotators;
	int			R = par->responses_per_prompt;

	if (c->pair + 1 >= w->n_pairs)
		return false;
	c->pair++;
	if (c->pair == 0)
	{
		c->prompt = 0;
		c->resp_a = 0;
		c->resp_b = 1;
	}
	else if (++c->resp_b >= R)
	{
		if (++c->resp_a >= R - 1)
		{
			c->prompt++;
			c->resp_a = 0;
		}
		c->resp_b = c->resp_a + 1;
	}
	CHECK_FOR_INTERRUPTS();
	sim_seed_stream(&c->rng, w->seed, PS_STREAM(PS_TAG_PAIR, c->pair));
	for (int i = 0, j = n - m; j < n; i++, j++)
	{
		int			t = (int) pg_prng_uint64_range(&c->rng, 0, j);
		bool		seen = false;

		for (int l = 0; l < i; l++)
			if (c->annotators[l] == t)
			{
				seen = true;
				break;
			}
		c->annotators[i] = seen ? j : t;
	}
	c->group_no = 0;
	c->feature_p_a = ps_feature_p(w, c->prompt * R + c->resp_a,
								  c->prompt * R + c->resp_b);
	return true;
}

/* the draws of the current (annotator, pair) */
static void
ps_draw_group(const PsWorld *w, PsCursor *c)
{
	const PsParams *par = &w->par;
	PsGroup    *g = &c->group;
	int			ia = c->prompt * par->responses_per_prompt + c->resp_a;
	int			ib = c->prompt * par->responses_per_prompt + c->resp_b;
	double		u_own = pg_prng_double(&c->rng);
	double		u_type = pg_prng_double(&c->rng);
	bool		follow = sim_bernoulli(&c->rng, par->framing_share);
	bool		dir = sim_bernoulli(&c->rng, 0.5);
	double		u_order = pg_prng_double(&c->rng);

	g->annotator = c->annotators[c->group_no];
	g->type = u_own < par->type_per_annotator ?
		w->own_type[g->annotator] : ps_draw_type(par, u_type);
	g->framing_follow = par->framings > 1 && follow;
	g->dir_a = dir;
	if (w->prompt_split[c->prompt] == PS_TEST)
		g->a_first_only = u_order < 0.5;
	else
	{
		double		sa = w->features[(size_t) ia * w->n_features + par->n_quality];
		double		sb = w->features[(size_t) ib * w->n_features + par->n_quality];
		bool		higher_first = u_order < par->style_first_share;

		g->a_first_only = (sa >= sb) ? higher_first : !higher_first;
	}
	g->r_a = ps_annotator_reward(w, g->annotator, ia);
	g->r_b = ps_annotator_reward(w, g->annotator, ib);
	c->judgment_no = 0;
}

/*
 * The next judgment into j; false after the last.  Within a group the
 * display order varies fastest, then the framing, then the repeat.
 */
bool
ps_next_judgment(const PsWorld *w, PsCursor *c, PsJudgment *j)
{
	const PsParams *par = &w->par;
	const PsGroup *g = &c->group;
	int			d;
	int			rest;
	double		p;

	if (c->judgment_no >= c->per_group)
	{
		if (++c->group_no >= par->annotators_per_pair && !ps_next_pair(w, c))
			return false;
		ps_draw_group(w, c);
	}
	d = ps_domain_of_prompt(c->prompt);
	if (par->orders == 2)
	{
		j->a_first = (c->judgment_no % 2 == 0);
		rest = c->judgment_no / 2;
	}
	else
	{
		j->a_first = g->a_first_only;
		rest = c->judgment_no;
	}
	j->framing = rest % par->framings + 1;
	j->repeat = rest / par->framings + 1;

	switch (g->type)
	{
		case PS_GENUINE:
			{
				double		diff = j->a_first ? g->r_a - g->r_b : g->r_b - g->r_a;

				p = pc_sigmoid(par->genuine_strength * diff +
							   par->position_bias_genuine[d]);
			}
			break;
		case PS_NON_ATTITUDE:
			p = 0.5 + par->position_bias_non_attitude[d];
			break;
		default:
			if (g->framing_follow)
			{
				/* the side at framing 1, flipped on every even framing */
				bool		side_a = (j->framing % 2 == 1) ? g->dir_a : !g->dir_a;

				p = (side_a == j->a_first) ? par->constructed_strength :
					1.0 - par->constructed_strength;
			}
			else
				p = par->constructed_strength;
			break;
	}
	j->p_first = p;
	j->chose_first = sim_bernoulli(&c->rng, p);
	c->judgment_no++;
	return true;
}
