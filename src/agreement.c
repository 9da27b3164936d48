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
 *									unit -> (m, ref, dmean, rms): format
 *									version 2, see "interval moments"
 *									below; version 1 was (m, mean, M2)
 *
 * Alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
 * with m_u the number of values in unit u, only units with m_u >= 2 are
 * pairable; n = sum of their m_u.  alpha = 1 - D_o / D_e with
 *	  D_o = 1/n sum_u 1/(m_u - 1) sum_{i != j in u} delta(x_i, x_j)
 *	  D_e = 1/(n (n - 1)) sum_{i != j over all pairable values} delta
 * Nominal delta is [x_i != x_j]; interval delta is (x_i - x_j)^2, for
 * which the sums reduce to within-unit and total sums of squares.
 *
 * Interval moments.  Squared deviations overflow for values beyond about
 * 1e154 and underflow below about 1e-162, and a running mean of values far
 * from zero loses the digits of their spread; alpha is scale- and
 * shift-invariant, so none of this may show.  A unit therefore keeps, in
 * place of (mean, M2):
 *	  ref	the first value seen (shift), so deviations are taken from it
 *	  dmean	the mean minus ref
 *	  rms	sqrt(M2 / m), the root-mean-square deviation from the mean
 * rms is bounded by the largest difference between two values, so it is
 * representable whenever the differences are; updates combine its parts
 * with hypot(), which neither overflows nor underflows in between.  The
 * pairwise update of Chan, Golub and LeVeque (1979), in these terms, with
 * weights w = m / (m + m') and w' = m' / (m + m') and delta the difference
 * of the means:
 *	  rms^2 = w rms^2 + w' rms'^2 + w w' delta^2
 * Alpha is then computed from ratios rms_u / rms_total, which are at most
 * sqrt(n / m_u).
 *
 *-------------------------------------------------------------------------
 */
#include "agreement_map.h"

#include <math.h>

#include "access/htup_details.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

/* documented caps (doc/annotation.md) */
#define PC_MAJORITY_MAX_LABELS 100000
#define PC_ALPHA_MAX_ENTRIES 1000000
#define PC_COUNT_MAX 9007199254740992.0 /* 2^53: counts stay exact */

/*
 * Smallest total rms deviation interval alpha accepts (about 9.3e-302):
 * below it float8 arithmetic reaches the subnormal range and the
 * deviations lose their significant digits.
 */
#define PC_ALPHA_MIN_RMS 0x1p-1000

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

static void
interval_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range in interval alpha"),
			 errdetail("A difference between two values exceeds the float8 range.")));
}

/*
 * (m, ref, dmean, rms) += (m', ref', dmean', rms'): the pairwise update
 * (see the file header); the result keeps dst's ref.  The count is not
 * capped here: the final function totals all units with it.
 */
static void
add_moments(double *dst, const double *src)
{
	double		m,
				w1,
				w2,
				delta,
				rms;

	if (dst[0] == 0)
	{
		memcpy(dst, src, sizeof(double) * 4);
		return;
	}
	m = dst[0] + src[0];
	w1 = dst[0] / m;
	w2 = src[0] / m;
	/* the refs are values: their difference is the one that may overflow */
	delta = (src[1] - dst[1]) + (src[2] - dst[2]);
	if (!isfinite(delta))
		interval_out_of_range();
	rms = hypot(hypot(sqrt(w1) * dst[3], sqrt(w2) * src[3]),
				sqrt(w1 * w2) * fabs(delta));
	if (!isfinite(rms))
		interval_out_of_range();
	dst[0] = m;
	dst[2] += w2 * delta;
	dst[3] = rms;
}

/* merge rule of the state: add_moments with the count capped */
static void
merge_moments(double *dst, const double *src)
{
	if (dst[0] + src[0] > PC_COUNT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("count overflow in agreement state")));
	add_moments(dst, src);
}

static const char *
check_moments(const double *p)
{
	if (!(p[0] >= 1.0 && p[0] <= PC_COUNT_MAX) || p[0] != floor(p[0]))
		return "Counts must be whole numbers between 1 and 2^53.";
	if (!isfinite(p[1]) || !isfinite(p[2]) || !isfinite(p[1] + p[2]))
		return "References and means must be finite.";
	if (!(p[3] >= 0.0) || !isfinite(p[3]))
		return "Root-mean-square deviations must be finite and non-negative.";
	if (p[0] == 1.0 && p[3] != 0.0)
		return "A unit with one value has a zero deviation.";
	return NULL;
}

/* version 1 (m, mean, M2) -> version 2 (m, mean, 0, sqrt(M2 / m)) */
static void
upgrade_moments_v1(const double *old, double *p)
{
	p[0] = old[0];
	p[1] = old[1];
	p[2] = 0.0;
	/* sqrt(M2) / sqrt(m) rather than sqrt(M2 / m): no underflow */
	p[3] = sqrt(old[2]) / sqrt(old[0]);
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
	.npayload = 4,
	.max_entries = PC_ALPHA_MAX_ENTRIES,
	.entry_noun = "units",
	.merge = merge_moments,
	.check = check_moments,
	.version = 2,
	.v1_npayload = 3,
	.upgrade_v1 = upgrade_moments_v1,
};

/* shared combine: merge the second state into the first */
static Datum
map_combine(FunctionCallInfo fcinfo, const PcMapSpec *spec)
{
	PcMap	   *a;
	PcMap	   *b;

	pc_agg_context(fcinfo, "agreement combine function");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		/* non-strict: a NULL side is the identity */
		if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(pcmap_from_datum(PG_GETARG_DATUM(PG_ARGISNULL(0) ? 1 : 0), spec));
	}
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
	int64		total = 0;
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

		/* counts are whole and at most 2^53; their total is n, a bigint */
		if (pg_add_s64_overflow(total, (int64) c, &total))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("number of labels out of range for type bigint"),
					 errdetail("The counts of a majority_vote_state add up to more than 2^63 - 1.")));
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
	values[1] = Float8GetDatum(PCMAP_PAYLOAD(best)[0] / (double) total);
	values[2] = Int64GetDatum(total);
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

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * sum over i != j of c_i c_j for k counts (sorted in place): the form
 * m^2 - sum c_i^2 cancels catastrophically when one count dominates and
 * the counts are large; summed from the smallest counts up, every term is
 * positive
 */
static double
pair_products(double *c, int k)
{
	double		prefix = 0,
				sum = 0;

	qsort(c, k, sizeof(double), double_cmp);
	for (int i = 0; i < k; i++)
	{
		sum += c[i] * prefix;
		prefix += c[i];
	}
	return 2 * sum;
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
	double	   *counts,
			   *unit_pairs,
			   *unit_m;
	int			ncells = 0,
				npair = 0,
				nvalues = 0,
				nunits = 0;
	double		n = 0,
				observed = 0,
				expected;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &alpha_spec);
	if (map->nentries == 0)
		PG_RETURN_NULL();
	cells = palloc(sizeof(AlphaCell) * map->nentries);
	counts = palloc(sizeof(double) * map->nentries);
	unit_pairs = palloc(sizeof(double) * map->nentries);
	unit_m = palloc(sizeof(double) * map->nentries);
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

	/* per unit: m_u and sum_{v != w} n_uv n_uw; keep the pairable cells */
	for (int i = 0; i < ncells;)
	{
		int			j = i;
		double		m = 0;

		CHECK_FOR_INTERRUPTS();
		while (j < ncells && cell_cmp_unit(&cells[i], &cells[j]) == 0)
		{
			m += cells[j].count;
			counts[j - i] = cells[j].count;
			j++;
		}
		if (m >= 2)
		{
			n += m;
			unit_pairs[nunits] = pair_products(counts, j - i);
			unit_m[nunits++] = m;
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
		counts[nvalues++] = nv;
		i = j;
	}
	expected = pair_products(counts, nvalues);
	if (expected <= 0)
		PG_RETURN_NULL();

	/*
	 * 1 - (n - 1) sum_u P_u / (m_u - 1) / E, grouped so that a single
	 * pairable unit (m_u = n, P_u = E) gives exactly 0
	 */
	for (int u = 0; u < nunits; u++)
		observed += unit_pairs[u] * ((n - 1) / (unit_m[u] - 1));
	PG_RETURN_FLOAT8(1.0 - observed / expected);
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
	double		m,
				d,
				big,
				rms;

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
	if (p[0] == 0)
	{
		/* first value of the unit: the reference */
		p[0] = 1.0;
		p[1] = x;
		PG_RETURN_POINTER(map);
	}

	/*
	 * Welford's update relative to ref, in rms form: with d = x - mean and
	 * m the new count, rms^2 = (m-1)/m rms^2 + (m-1)/m^2 d^2
	 */
	m = p[0] + 1.0;
	if (m > PC_COUNT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("count overflow in krippendorff_alpha_interval state")));
	d = (x - p[1]) - p[2];
	if (!isfinite(d))
		interval_out_of_range();
	big = fmax(p[3], fabs(d));
	if (big > 0x1p-450 && big < 0x1p500)
	{
		/* squares neither overflow nor underflow (a smaller term's may, harmlessly) */
		rms = sqrt(p[0] / m * (p[3] * p[3] + d * d / m));
	}
	else
	{
		rms = hypot(sqrt(p[0] / m) * p[3], (sqrt(p[0]) / m) * fabs(d));
		if (!isfinite(rms))
			interval_out_of_range();
	}
	p[0] = m;
	p[2] += d / m;
	p[3] = rms;
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
 * M2 the total sum of squares of the pairable values; with M2_u = m_u
 * rms_u^2 and M2 = n rms^2:
 *	  1 - sum_u m_u (n - 1) / ((m_u - 1) n) * m_u/n * (rms_u / rms)^2
 * (grouped so that a single pairable unit gives exactly 0)
 * NULL when undefined (fewer than two pairable values, or no variation at
 * all); 22003 when the values' spread is too small for float8
 */
PG_FUNCTION_INFO_V1(pc_alpha_interval_final);
Datum
pc_alpha_interval_final(PG_FUNCTION_ARGS)
{
	PcMap	   *map;
	PcMapEntry *e = NULL;
	double		tot[4] = {0, 0, 0, 0};
	double		n,
				observed = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	map = pcmap_from_datum(PG_GETARG_DATUM(0), &alpha_interval_spec);
	while ((e = pcmap_next(map, e)) != NULL)
	{
		double	   *p = PCMAP_PAYLOAD(e);

		CHECK_FOR_INTERRUPTS();
		if (p[0] >= 2)
			add_moments(tot, p);
	}
	n = tot[0];
	if (n < 2 || !(tot[3] > 0))
		PG_RETURN_NULL();
	if (tot[3] < PC_ALPHA_MIN_RMS)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("values too close together for interval alpha"),
				 errdetail("The root-mean-square deviation of the pairable values is %g; float8 arithmetic loses their digits below %g.",
						   tot[3], PC_ALPHA_MIN_RMS),
				 errhint("Scale the values up; alpha does not depend on their scale.")));
	e = NULL;
	while ((e = pcmap_next(map, e)) != NULL)
	{
		double	   *p = PCMAP_PAYLOAD(e);
		double		q;

		if (p[0] < 2)
			continue;
		q = p[3] / tot[3];
		observed += (p[0] * (n - 1)) / ((p[0] - 1) * n) * (p[0] / n) * q * q;
	}
	PG_RETURN_FLOAT8(1.0 - observed);
}

/* ---------- type I/O ---------- */

PC_MAP_IO(pc_majority_state, majority_spec)
PC_MAP_IO(pc_alpha_state, alpha_spec)
PC_MAP_IO(pc_alpha_interval_state, alpha_interval_spec)
