/*-------------------------------------------------------------------------
 *
 * bt_boot_agg.c
 *	  The bt_bootstrap and bt_bootstrap_merge aggregates: the transition
 *	  (replicate weights from boot.h, cached per cluster key), the combine
 *	  and the final function that returns the canonical stored form.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include "bt_boot_int.h"

#include <float.h>
#include <math.h>

#include "boot.h"
#include "bt_counts.h"
#include "bt_fit.h"
#include "pc_json.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "kernels.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

/* ---------- transition, combine, final ---------- */

/* the weights of the last key seen through one call site */
typedef struct BtbCache
{
	int			nrep;
	bool		valid;
	uint64		kh;
	double		k[FLEXIBLE_ARRAY_MEMBER];
} BtbCache;

static pg_noinline void
btb_param_changed(const char *what, int64 have, int64 got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s changed within a group from " INT64_FORMAT " to " INT64_FORMAT,
					what, have, got),
			 errhint("Pass the same replicates and seed on every row of a group.")));
}

/*
 * bt_bootstrap_trans(state, first text, second text, outcome float8,
 * weight float8, cluster text [, replicates int [, seed bigint]]): a row
 * with a NULL argument is skipped.
 */
PG_FUNCTION_INFO_V1(bt_bootstrap_trans);
Datum
bt_bootstrap_trans(PG_FUNCTION_ARGS)
{
	int			nargs = PG_NARGS();
	int			nrep = BOOT_DEFAULT_REPLICATES;
	int64		seed = 0;
	text	   *ta,
			   *tb,
			   *key;
	double		outcome,
				w;
	BtbState   *s;
	BtbCache   *c;
	uint64		kh;
	int32		i,
				j,
				p;
	int			cls;
	double	   *rec;

	for (int a = 1; a < nargs; a++)
		if (PG_ARGISNULL(a))
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}
	(void) pc_agg_context(fcinfo, "bt_bootstrap");
	ta = PG_GETARG_TEXT_PP(1);
	tb = PG_GETARG_TEXT_PP(2);
	outcome = PG_GETARG_FLOAT8(3);
	w = PG_GETARG_FLOAT8(4);
	key = PG_GETARG_TEXT_PP(5);
	if (nargs > 6)
		nrep = PG_GETARG_INT32(6);
	if (nargs > 7)
		seed = PG_GETARG_INT64(7);
	bt_check_row(outcome, w);
	if (VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb) &&
		memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an item cannot be compared with itself")));

	if (PG_ARGISNULL(0))
		s = btb_working_copy(btb_alloc(nrep, seed, 0, 0, 0, false), 16, 256, 64);
	else
	{
		s = (BtbState *) PG_GETARG_POINTER(0);
		if (unlikely(s->replicates != nrep))
			btb_param_changed("replicates", s->replicates, nrep);
		if (unlikely(s->seed != seed))
			btb_param_changed("seed", s->seed, seed);
		if (unlikely(!(s->flags & BTB_F_INDEXED)))
			s = btb_working_copy(s, 0, 0, 0);
	}

	i = btb_item(&s, VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta));
	j = btb_item(&s, VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb));
	p = btb_pair(&s, i, j);

	c = (BtbCache *) fcinfo->flinfo->fn_extra;
	if (unlikely(c == NULL || c->nrep < nrep))
	{
		c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
							   offsetof(BtbCache, k) + sizeof(double) * nrep);
		c->nrep = nrep;
		c->valid = false;
		fcinfo->flinfo->fn_extra = c;
	}
	kh = boot_key_hash(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), seed);
	if (!c->valid || c->kh != kh)
	{
		pc_kern->poisson1(kh, nrep, c->k);
		c->kh = kh;
		c->valid = true;
	}

	cls = outcome == 1.0 ? 0 : outcome == 0.0 ? 1 : 2;
	rec = btb_counts(s) + btb_rec(nrep) * p + (Size) cls * (nrep + 1);
	rec[0] += w;
	if (unlikely(rec[0] > BOOT_MAX_TOTAL))
		btb_overflow();
	for (int b = 0; b < nrep; b++)
		rec[1 + b] += c->k[b] * w;
	PG_RETURN_POINTER(s);
}

/*
 * bt_bootstrap_state_combine(a, b): non-strict, a NULL side the identity;
 * the combine function of bt_bootstrap and the transition of
 * bt_bootstrap_merge.  Updates a in place inside an aggregate.
 */
PG_FUNCTION_INFO_V1(bt_bootstrap_state_combine);
Datum
bt_bootstrap_state_combine(PG_FUNCTION_ARGS)
{
	BtbState   *a,
			   *b;
	Size		rec;
	int32	   *map;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_BTB_P(1);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(btb_working_copy(b, 0, 0, 0));
	a = PG_GETARG_BTB_P(0);
	if (a->replicates != b->replicates || a->seed != b->seed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge %s values of different replicates or seeds", TYPNAME),
				 errdetail("One has %d replicates and seed " INT64_FORMAT ", the other %d and " INT64_FORMAT ".",
						   a->replicates, a->seed, b->replicates, b->seed)));
	if (!AggCheckCallContext(fcinfo, NULL) || !(a->flags & BTB_F_INDEXED) ||
		(Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
		a = btb_working_copy(a, (int64) a->n_items + b->n_items,
							 a->names_len + b->names_len,
							 (int64) a->n_pairs + b->n_pairs);
	rec = btb_rec(a->replicates);
	map = palloc(sizeof(int32) * Max(b->n_items, 1));
	for (int32 k = 0; k < b->n_items; k++)
		map[k] = btb_item(&a, btb_name(b, k), btb_name_len(b, k));
	for (int32 q = 0; q < b->n_pairs; q++)
	{
		int32		p = btb_pair(&a, map[btb_first(b)[q]], map[btb_second(b)[q]]);
		double	   *dst = btb_counts(a) + rec * p;
		const double *src = btb_counts(b) + rec * q;

		for (Size x = 0; x < rec; x++)
			dst[x] += src[x];
		for (int cls = 0; cls < 3; cls++)
			if (dst[(Size) cls * (a->replicates + 1)] > BOOT_MAX_TOTAL)
				btb_overflow();
		if ((q & 0xfff) == 0xfff)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(map);
	PG_RETURN_POINTER(a);
}

/* bt_bootstrap_final(state): the stored form (canonical order) */
PG_FUNCTION_INFO_V1(bt_bootstrap_final);
Datum
bt_bootstrap_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(btb_canonical(PG_GETARG_BTB_P(0)));
}
