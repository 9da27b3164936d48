/*-------------------------------------------------------------------------
 *
 * agreement.c
 *	  Agreement aggregates over labels: majority_vote(label text) and
 *	  Krippendorff's alpha, nominal (krippendorff_alpha(unit, value text))
 *	  and interval (krippendorff_alpha_interval(unit text, value float8)),
 *	  with transition, combine and final functions and the I/O of their
 *	  state types, in that order.
 *
 * States are PcMaps (agreement_map.h):
 *	  majority_vote_state			label -> count
 *	  krippendorff_alpha_state		(unit, value) -> count
 *	  krippendorff_alpha_interval_state
 *									unit -> (m, mean, M2), merged by the
 *									pairwise update of Chan, Golub and
 *									LeVeque (1979)
 *
 * Alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
 * with m_u the number of values in unit u, only units with m_u >= 2 are
 * pairable; n = sum of their m_u.  alpha = 1 - D_o / D_e with
 *	  D_o = 1/n sum_u 1/(m_u - 1) sum_{i != j in u} delta(x_i, x_j)
 *	  D_e = 1/(n (n - 1)) sum_{i != j over all pairable values} delta
 * Nominal delta is [x_i != x_j]; interval delta is (x_i - x_j)^2, for
 * which the sums reduce to within-unit and total sums of squares.
 *
 *-------------------------------------------------------------------------
 */
#include "agreement_map.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

/* documented caps (doc/annotation.md) */
#define PC_MAJORITY_MAX_LABELS 100000
#define PC_ALPHA_MAX_ENTRIES 1000000
#define PC_COUNT_MAX 9007199254740992.0 /* 2^53: counts stay exact */

/* ---------- payload rules ---------- */

static void
add1(double *dst, const double *src)
{
	dst[0] += src[0];
	if (dst[0] > PC_COUNT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("count overflow in agreement state")));
}

static const char *
check_count(const double *p)
{
	if (!(p[0] >= 1.0 && p[0] <= PC_COUNT_MAX) || p[0] != floor(p[0]))
		return "Counts must be whole numbers between 1 and 2^53.";
	return NULL;
}

/* (m, mean, M2) += (m', mean', M2') */
static void
merge_moments(double *dst, const double *src)
{
	double		m = dst[0] + src[0];
	double		delta = src[1] - dst[1];

	if (dst[0] == 0)
	{
		dst[0] = src[0];
		dst[1] = src[1];
		dst[2] = src[2];
		return;
	}
	dst[2] += src[2] + delta * delta * dst[0] * src[0] / m;
	dst[1] += delta * src[0] / m;
	dst[0] = m;
}

static const char *
check_moments(const double *p)
{
	if (!(p[0] >= 1.0 && p[0] <= PC_COUNT_MAX) || p[0] != floor(p[0]))
		return "Counts must be whole numbers between 1 and 2^53.";
	if (!isfinite(p[1]))
		return "Means must be finite.";
	if (!(p[2] >= 0.0) || !isfinite(p[2]))
		return "Sums of squares must be finite and non-negative.";
	if (p[0] == 1.0 && p[2] != 0.0)
		return "A unit with one value has a zero sum of squares.";
	return NULL;
}

static const PcMapSpec majority_spec = {
	.kind = PCMAP_MAJORITY,
	.typname = "majority_vote_state",
	.nparts = 1,
	.npayload = 1,
	.max_entries = PC_MAJORITY_MAX_LABELS,
	.entry_noun = "labels",
	.merge = add1,
	.check = check_count,
};

static const PcMapSpec alpha_spec = {
	.kind = PCMAP_ALPHA_NOMINAL,
	.typname = "krippendorff_alpha_state",
	.nparts = 2,
	.npayload = 1,
	.max_entries = PC_ALPHA_MAX_ENTRIES,
	.entry_noun = "(unit, value) combinations",
	.merge = add1,
	.check = check_count,
};

static const PcMapSpec alpha_interval_spec = {
	.kind = PCMAP_ALPHA_INTERVAL,
	.typname = "krippendorff_alpha_interval_state",
	.nparts = 1,
	.npayload = 3,
	.max_entries = PC_ALPHA_MAX_ENTRIES,
	.entry_noun = "units",
	.merge = merge_moments,
	.check = check_moments,
};

/* shared combine: merge the second state into the first */
static Datum
map_combine(FunctionCallInfo fcinfo, const PcMapSpec *spec)
{
	PcMap	   *a;
	PcMap	   *b;

	pc_agg_context(fcinfo, "agreement combine function");
	a = pcmap_from_datum(PG_GETARG_DATUM(0), spec);
	b = pcmap_from_datum(PG_GETARG_DATUM(1), spec);
	PG_RETURN_POINTER(pcmap_merge(a, b, spec));
}

/* the state in argument 0, or a new one */
static PcMap *
map_state(FunctionCallInfo fcinfo, const PcMapSpec *spec)
{
	if (PG_ARGISNULL(0))
		return pcmap_create(spec, 8, 64);
	return pcmap_from_datum(PG_GETARG_DATUM(0), spec);
}

/* ---------- majority_vote ---------- */

/* transition (state, label): NULL labels are skipped */
PG_FUNCTION_INFO_V1(pc_majority_trans);
Datum
pc_majority_trans(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	text	   *label;
	double	   *p;

	pc_agg_context(fcinfo, "majority_vote transition function");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	label = PG_GETARG_TEXT_PP(1);
	map = map_state(fcinfo, &majority_spec);
	p = pcmap_upsert(&map, &majority_spec, VARDATA_ANY(label),
					 VARSIZE_ANY_EXHDR(label), NULL, 0);
	p[0] += 1.0;
	if (p[0] > PC_COUNT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("count overflow in majority_vote state")));
	PG_RETURN_POINTER(map);
}

PG_FUNCTION_INFO_V1(pc_majority_combine);
Datum
pc_majority_combine(PG_FUNCTION_ARGS)
{
	return map_combine(fcinfo, &majority_spec);
}

/* final: (label, share, n); ties go to the smallest label in byte order */
PG_FUNCTION_INFO_V1(pc_majority_final);
Datum
pc_majority_final(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	PcMapEntry *e = NULL;
	PcMapEntry *best = NULL;
	double		total = 0;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {0};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &majority_spec);
	if (map->nentries == 0)
		PG_RETURN_NULL();
	while ((e = pcmap_next(map, e)) != NULL)
	{
		double		c = PCMAP_PAYLOAD(e)[0];

		total += c;
		if (best == NULL || c > PCMAP_PAYLOAD(best)[0] ||
			(c == PCMAP_PAYLOAD(best)[0] &&
			 pc_cmp_bytes(PCMAP_KEY(e, 1), e->keylen,
					   PCMAP_KEY(best, 1), best->keylen) < 0))
			best = e;
	}
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = PointerGetDatum(cstring_to_text_with_len(PCMAP_KEY(best, 1),
														 best->keylen));
	values[1] = Float8GetDatum(PCMAP_PAYLOAD(best)[0] / total);
	values[2] = Int64GetDatum((int64) total);
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---------- krippendorff_alpha (nominal) ---------- */

/* transition (state, unit, value): rows with a NULL are skipped */
PG_FUNCTION_INFO_V1(pc_alpha_trans);
Datum
pc_alpha_trans(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	text	   *unit;
	text	   *value;
	double	   *p;

	pc_agg_context(fcinfo, "krippendorff_alpha transition function");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	unit = PG_GETARG_TEXT_PP(1);
	value = PG_GETARG_TEXT_PP(2);
	map = map_state(fcinfo, &alpha_spec);
	p = pcmap_upsert(&map, &alpha_spec,
					 VARDATA_ANY(unit), VARSIZE_ANY_EXHDR(unit),
					 VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
	p[0] += 1.0;
	if (p[0] > PC_COUNT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("count overflow in krippendorff_alpha state")));
	PG_RETURN_POINTER(map);
}

PG_FUNCTION_INFO_V1(pc_alpha_combine);
Datum
pc_alpha_combine(PG_FUNCTION_ARGS)
{
	return map_combine(fcinfo, &alpha_spec);
}

typedef struct AlphaCell
{
	const char *unit;
	int			ulen;
	const char *value;
	int			vlen;
	double		count;
} AlphaCell;

static int
cell_cmp_unit(const void *a, const void *b)
{
	const AlphaCell *x = a;
	const AlphaCell *y = b;

	return pc_cmp_bytes(x->unit, x->ulen, y->unit, y->ulen);
}

static int
cell_cmp_value(const void *a, const void *b)
{
	const AlphaCell *x = a;
	const AlphaCell *y = b;

	return pc_cmp_bytes(x->value, x->vlen, y->value, y->vlen);
}

/*
 * final: nominal alpha; NULL when no unit has two values or when all
 * pairable values are equal (expected disagreement 0: alpha undefined)
 */
PG_FUNCTION_INFO_V1(pc_alpha_final);
Datum
pc_alpha_final(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	PcMapEntry *e = NULL;
	AlphaCell  *cells;
	int			ncells = 0,
				npair = 0;
	double		n = 0,
				observed = 0,
				sumsq_v = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &alpha_spec);
	if (map->nentries == 0)
		PG_RETURN_NULL();
	cells = palloc(sizeof(AlphaCell) * map->nentries);
	while ((e = pcmap_next(map, e)) != NULL)
	{
		AlphaCell  *c = &cells[ncells++];
		const char *key = PCMAP_KEY(e, 1);

		c->unit = key;
		c->ulen = strnlen(key, e->keylen);
		c->value = key + c->ulen + 1;
		c->vlen = e->keylen - c->ulen - 1;
		c->count = PCMAP_PAYLOAD(e)[0];
	}
	qsort(cells, ncells, sizeof(AlphaCell), cell_cmp_unit);

	/* per unit: m_u and sum of n_uv^2; keep the pairable cells */
	for (int i = 0; i < ncells;)
	{
		int			j = i;
		double		m = 0,
					sq = 0;

		CHECK_FOR_INTERRUPTS();
		while (j < ncells && cell_cmp_unit(&cells[i], &cells[j]) == 0)
		{
			m += cells[j].count;
			sq += cells[j].count * cells[j].count;
			j++;
		}
		if (m >= 2)
		{
			n += m;
			observed += (m * m - sq) / (m - 1);
			for (int k = i; k < j; k++)
				cells[npair++] = cells[k];
		}
		i = j;
	}
	if (n < 2)
		PG_RETURN_NULL();

	/* per value totals over pairable units */
	qsort(cells, npair, sizeof(AlphaCell), cell_cmp_value);
	for (int i = 0; i < npair;)
	{
		int			j = i;
		double		nv = 0;

		while (j < npair && cell_cmp_value(&cells[i], &cells[j]) == 0)
			nv += cells[j++].count;
		sumsq_v += nv * nv;
		i = j;
	}
	if (n * n - sumsq_v <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(1.0 - (n - 1) * observed / (n * n - sumsq_v));
}

/* ---------- krippendorff_alpha_interval ---------- */

/* transition (state, unit, value float8): rows with a NULL are skipped */
PG_FUNCTION_INFO_V1(pc_alpha_interval_trans);
Datum
pc_alpha_interval_trans(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	text	   *unit;
	double		x;
	double	   *p;
	double		delta;

	pc_agg_context(fcinfo, "krippendorff_alpha_interval transition function");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	x = PG_GETARG_FLOAT8(2);
	if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value is NaN"),
				 errdetail("Interval alpha needs finite values.")));
	if (isinf(x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value is infinite"),
				 errdetail("Interval alpha needs finite values.")));
	unit = PG_GETARG_TEXT_PP(1);
	map = map_state(fcinfo, &alpha_interval_spec);
	p = pcmap_upsert(&map, &alpha_interval_spec, VARDATA_ANY(unit),
					 VARSIZE_ANY_EXHDR(unit), NULL, 0);
	/* Welford's update */
	p[0] += 1.0;
	delta = x - p[1];
	p[1] += delta / p[0];
	p[2] += delta * (x - p[1]);
	if (!isfinite(p[2]) || !isfinite(p[1]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range in interval alpha")));
	PG_RETURN_POINTER(map);
}

PG_FUNCTION_INFO_V1(pc_alpha_interval_combine);
Datum
pc_alpha_interval_combine(PG_FUNCTION_ARGS)
{
	return map_combine(fcinfo, &alpha_interval_spec);
}

/*
 * final: interval alpha = 1 - (n - 1)/n * sum_u m_u M2_u / (m_u - 1) / M2,
 * M2 the total sum of squares of the pairable values; NULL when undefined
 * (fewer than two pairable values, or no variation at all)
 */
PG_FUNCTION_INFO_V1(pc_alpha_interval_final);
Datum
pc_alpha_interval_final(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	PcMapEntry *e = NULL;
	double		tot[3] = {0, 0, 0};
	double		observed = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &alpha_interval_spec);
	while ((e = pcmap_next(map, e)) != NULL)
	{
		double	   *p = PCMAP_PAYLOAD(e);

		if (p[0] < 2)
			continue;
		observed += p[0] * p[2] / (p[0] - 1);
		merge_moments(tot, p);
	}
	if (tot[0] < 2 || !(tot[2] > 0))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(1.0 - (tot[0] - 1) / tot[0] * observed / tot[2]);
}

/* ---------- type I/O ---------- */

#define PC_MAP_IO(prefix, spec) \
PG_FUNCTION_INFO_V1(prefix##_in); \
Datum \
prefix##_in(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(pcmap_in(PG_GETARG_CSTRING(0), &spec)); \
} \
PG_FUNCTION_INFO_V1(prefix##_out); \
Datum \
prefix##_out(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_CSTRING(pcmap_out(pcmap_from_datum(PG_GETARG_DATUM(0), &spec), &spec)); \
} \
PG_FUNCTION_INFO_V1(prefix##_send); \
Datum \
prefix##_send(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BYTEA_P(pcmap_send(pcmap_from_datum(PG_GETARG_DATUM(0), &spec), &spec)); \
} \
PG_FUNCTION_INFO_V1(prefix##_recv); \
Datum \
prefix##_recv(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(pcmap_recv((StringInfo) PG_GETARG_POINTER(0), &spec)); \
}

PC_MAP_IO(pc_majority_state, majority_spec)
PC_MAP_IO(pc_alpha_state, alpha_spec)
PC_MAP_IO(pc_alpha_interval_state, alpha_interval_spec)
