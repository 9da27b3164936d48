/*-------------------------------------------------------------------------
 *
 * simulate_study.h
 *	  The feature simulator of simulate_preference_study: its parameters,
 *	  the simulated world (prompts, responses, annotators) and the cursor
 *	  that walks the judgments.
 *
 * simulate_study_params.c reads the parameters from jsonb,
 * simulate_study_world.c draws the world and the judgments,
 * simulate_study.c holds the set-returning functions.  doc/study.md
 * ("The simulator") states the model.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SIMULATE_STUDY_H
#define SIMULATE_STUDY_H

#include "postgres.h"

#include "common/pg_prng.h"
#include "utils/jsonb.h"

#define PS_MAX_QUALITY 50
#define PS_MAX_RESPONSES 1000000	/* n_prompts * responses_per_prompt */
#define PS_NDOMAINS 2

/* split codes */
#define PS_TRAIN 0
#define PS_VALIDATION 1
#define PS_TEST 2

/* latent types */
#define PS_GENUINE 0
#define PS_NON_ATTITUDE 1
#define PS_CONSTRUCTED 2

typedef struct PsParams
{
	int			n_prompts;
	int			responses_per_prompt;
	double		split_shares[3];
	int			n_quality;		/* k: observed quality features */
	double		quality_weights[PS_MAX_QUALITY];
	double		hidden_weight;
	double		style_effect[PS_NDOMAINS];
	double		style_quality_corr_train;
	double		style_quality_corr_test;
	double		style_first_share;
	int			n_annotators;
	int			annotators_per_pair;
	int			orders;
	int			framings;
	int			repeats;
	double		p_type[3];		/* genuine, non_attitude, constructed */
	double		type_per_annotator;
	double		genuine_strength;
	double		position_bias_genuine[PS_NDOMAINS];
	double		position_bias_non_attitude[PS_NDOMAINS];
	double		constructed_strength;
	double		framing_share;
	double		personal_share;
	double		personal_sd;
} PsParams;

/* number of annotator weights: quality, hidden, style per domain */
#define PS_NWEIGHTS(par) ((par)->n_quality + 1 + PS_NDOMAINS)

typedef struct PsWorld
{
	PsParams	par;
	uint64		seed;
	int			n_responses;
	int			n_features;		/* k + 1 */
	int			pairs_per_prompt;
	int64		n_pairs;
	double	   *features;		/* n_responses x n_features */
	double	   *hidden;			/* per response */
	double	   *reward;			/* per response, population weights */
	uint8	   *prompt_split;	/* per prompt */
	/* annotators (index 0 .. n_annotators - 1) */
	bool	   *personal;
	uint8	   *own_type;
	double	   *weights;		/* n_annotators x PS_NWEIGHTS */
} PsWorld;

/* the draws of one (annotator, pair) */
typedef struct PsGroup
{
	int			annotator;		/* 0-based */
	int			type;
	bool		framing_follow; /* constructed: follows framing */
	bool		dir_a;			/* constructed, framing: side at framing 1 */
	bool		a_first_only;	/* orders = 1: the display order */
	double		r_a;			/* the annotator's rewards of a and b */
	double		r_b;
} PsGroup;

/* one judgment's values */
typedef struct PsJudgment
{
	int			repeat;			/* 1-based */
	int			framing;		/* 1-based */
	bool		a_first;
	bool		chose_first;
	double		p_first;		/* the generating probability */
} PsJudgment;

/* the cursor over the judgments */
typedef struct PsCursor
{
	pg_prng_state rng;			/* the current pair's stream */
	int64		pair;			/* 0-based; -1 before the first */
	int			prompt;			/* 0-based */
	int			resp_a;			/* 0-based response indexes, a < b */
	int			resp_b;
	int			group_no;		/* annotator of the pair, 0-based */
	int			judgment_no;	/* within the group */
	int			per_group;		/* orders * framings * repeats */
	int		   *annotators;		/* the pair's annotators */
	int64		next_id;
	double		feature_p_a;	/* ps_feature_p of the pair */
	PsGroup		group;
} PsCursor;

/* simulate_study_params.c */
extern void ps_read_params(Jsonb *params, PsParams *par);

/* simulate_study_world.c */
extern PsWorld *ps_make_world(uint64 seed, const PsParams *par);
extern void ps_cursor_init(const PsWorld *w, PsCursor *c);
extern bool ps_next_judgment(const PsWorld *w, PsCursor *c, PsJudgment *j);
extern double ps_annotator_reward(const PsWorld *w, int annotator, int resp);
extern int	ps_domain_of_prompt(int prompt);
extern double ps_split_rho(const PsParams *par, int split);
extern double ps_feature_p(const PsWorld *w, int ia, int ib);

#endif							/* SIMULATE_STUDY_H */
