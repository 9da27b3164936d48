/*-------------------------------------------------------------------------
 *
 * reward_rows.c
 *	  Reading the query of reward_fit: its columns (named, typed and put in
 *	  order), the first comparison's feature count, and the rows held in
 *	  memory in a compact form (feature differences, outcome, weight, item
 *	  numbers, in chunks), with standardisation of the held differences.
 *
 *-------------------------------------------------------------------------
 */
#include "reward_fit_int.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* ---------------------------------------------------------------------
 * names (items)
 * ---------------------------------------------------------------------
 */

static void
rw_names_grow(RwNames *nm)
{
	int			ncap = nm->hcap ? nm->hcap * 2 : 64;
	int32	   *nt = palloc0(sizeof(int32) * ncap);
	uint32	   *nk = palloc(sizeof(uint32) * ncap);

	for (int i = 0; i < nm->hcap; i++)
		if (nm->htab[i])
		{
			int			p = nm->hkey[i] & (ncap - 1);

			while (nt[p])
				p = (p + 1) & (ncap - 1);
			nt[p] = nm->htab[i];
			nk[p] = nm->hkey[i];
		}
	if (nm->htab)
	{
		pfree(nm->htab);
		pfree(nm->hkey);
	}
	nm->htab = nt;
	nm->hkey = nk;
	nm->hcap = ncap;
}

/* the number of name s (len bytes), a new one if unseen; *bytes grows */
static int
rw_name_number(RwNames *nm, const char *s, int len, const char *what,
			   Size *bytes)
{
	uint32		h = hash_bytes((const unsigned char *) s, len);
	int			pos;

	if (nm->n * 2 >= nm->hcap)
		rw_names_grow(nm);
	pos = h & (nm->hcap - 1);
	while (nm->htab[pos])
	{
		const char *n = nm->name[nm->htab[pos] - 1];

		if (nm->hkey[pos] == h && (int) strlen(n) == len && memcmp(n, s, len) == 0)
			return nm->htab[pos] - 1;
		pos = (pos + 1) & (nm->hcap - 1);
	}
	if (nm->n == nm->cap)
	{
		nm->cap = nm->cap ? nm->cap * 2 : 64;
		nm->name = nm->name ? repalloc(nm->name, sizeof(char *) * nm->cap)
			: palloc(sizeof(char *) * nm->cap);
	}
	if (memchr(s, '\0', len) != NULL)
		elog(ERROR, "%s name contains a zero byte", what);
	nm->name[nm->n] = pnstrdup(s, len);
	*bytes += len + 1 + 3 * sizeof(int32) + sizeof(char *);
	nm->htab[pos] = nm->n + 1;
	nm->hkey[pos] = h;
	return nm->n++;
}

static int
rw_name_of(RwNames *nm, Datum d, const char *what, Size *bytes)
{
	text	   *t = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	int			r = rw_name_number(nm, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
								   what, bytes);

	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return r;
}

/* ---------------------------------------------------------------------
 * reading the query
 * ---------------------------------------------------------------------
 */

static const char *
rw_feature_cast(Oid t)
{
	if (t == FLOAT8ARRAYOID || t == FLOAT4ARRAYOID)
		return "";
	return "::pg_catalog.float8[]";
}

void
rw_describe(const char *query, RwCols *c)
{
	char	   *q = psprintf("SELECT * FROM (%s) q LIMIT 0", query);
	TupleDesc	td;
	int			f1,
				f2,
				y,
				w,
				i1,
				i2,
				cl;

	if (SPI_execute(q, true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of reward_fit must be a SELECT")));
	td = SPI_tuptable->tupdesc;
	f1 = SPI_fnumber(td, "first_features");
	f2 = SPI_fnumber(td, "second_features");
	y = SPI_fnumber(td, "outcome");
	w = SPI_fnumber(td, "weight");
	i1 = SPI_fnumber(td, "first_item");
	i2 = SPI_fnumber(td, "second_item");
	cl = SPI_fnumber(td, "cluster");
	if (y <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns no column \"outcome\""),
				 errhint("Return first_features, second_features and outcome (1 = first wins, 0 = second, 0.5 = tie), and optionally weight, first_item and second_item.")));
	if ((f1 > 0) != (f2 > 0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns only one of first_features and second_features")));
	if ((i1 > 0) != (i2 > 0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns only one of first_item and second_item")));
	if (f1 <= 0 && i1 <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns neither features nor items"),
				 errhint("Return first_features and second_features, or first_item and second_item, or both.")));
	c->features = f1 > 0;
	c->weight = w > 0;
	c->items = i1 > 0;
	c->cluster = cl > 0;
	c->ftype1 = c->features ? rw_feature_cast(SPI_gettypeid(td, f1)) : "";
	c->ftype2 = c->features ? rw_feature_cast(SPI_gettypeid(td, f2)) : "";
	c->ycast = SPI_gettypeid(td, y) == BOOLOID ? "::pg_catalog.int4::pg_catalog.float8" : "::pg_catalog.float8";
	SPI_freetuptable(SPI_tuptable);
}

/* the query with the columns named, typed and in order */
char *
rw_columns_sql(const char *query, const RwCols *c, bool swapped)
{
	const char *f1 = swapped ? "second_features" : "first_features";
	const char *f2 = swapped ? "first_features" : "second_features";

	return psprintf("SELECT %s%s%s AS first_features, %s%s%s AS second_features, "
					"%s(q.outcome)%s AS outcome, %s AS weight, %s AS first_item, %s AS second_item, "
					"%s AS cluster FROM (%s) q",
					c->features ? "q." : "NULL::pg_catalog.float8[]", c->features ? f1 : "", c->features ? c->ftype1 : "",
					c->features ? "q." : "NULL::pg_catalog.float8[]", c->features ? f2 : "", c->features ? c->ftype2 : "",
					swapped ? "1 - " : "", c->ycast,
					c->weight ? "(q.weight)::pg_catalog.float8" : "NULL::pg_catalog.float8",
					c->items ? "(q.first_item)::pg_catalog.text" : "NULL::pg_catalog.text",
					c->items ? "(q.second_item)::pg_catalog.text" : "NULL::pg_catalog.text",
					c->cluster ? "(q.cluster)::pg_catalog.text" : "NULL::pg_catalog.text",
					query);
}

static void
rw_add_chunk(RwFit *ft)
{
	RwChunk    *ch;
	int			m = ft->chunk_rows;

	if (ft->nchunk == ft->chunk_cap)
	{
		ft->chunk_cap = ft->chunk_cap ? ft->chunk_cap * 2 : 16;
		ft->chunk = ft->chunk ? repalloc(ft->chunk, sizeof(RwChunk) * ft->chunk_cap)
			: palloc(sizeof(RwChunk) * ft->chunk_cap);
	}
	ch = &ft->chunk[ft->nchunk++];
	ch->m = 0;
	ch->z = ft->d > 0 ? palloc(sizeof(double) * m * ft->d) : NULL;
	ch->y = palloc(sizeof(double) * m);
	ch->w = palloc(sizeof(double) * m);
	ch->a = ft->items ? palloc(sizeof(int32) * m) : NULL;
	ch->b = ch->a ? palloc(sizeof(int32) * m) : NULL;
	ch->c = ft->clustered ? palloc(sizeof(int32) * m) : NULL;
	ft->bytes += (Size) m * (sizeof(double) * (ft->d + 2) + (ch->a ? 2 * sizeof(int32) : 0) +
							 (ch->c ? sizeof(int32) : 0));
}

/* one row of the query, read and checked */
typedef struct RwRow
{
	double		y;
	double		w;
	int			a;				/* item numbers, or -1 */
	int			b;
	int			c;				/* cluster number (-1 - j for the j-th NULL key) */
} RwRow;

/*
 * Read row r of the fetched batch into row and (with features) sc->z, the
 * feature difference; false for a row to skip (NULL features or outcome).
 */
static bool
rw_read_row(RwFit *ft, uint64 r, RwScratch *sc, RwRow *row)
{
	HeapTuple	tup = SPI_tuptable->vals[r];
	TupleDesc	td = SPI_tuptable->tupdesc;
	bool		n1,
				n2,
				ny,
				nw,
				na,
				nb;
	Datum		x1 = SPI_getbinval(tup, td, 1, &n1);
	Datum		x2 = SPI_getbinval(tup, td, 2, &n2);
	Datum		yd = SPI_getbinval(tup, td, 3, &ny);
	Datum		wd = SPI_getbinval(tup, td, 4, &nw);
	Datum		ad = SPI_getbinval(tup, td, 5, &na);
	Datum		bd = SPI_getbinval(tup, td, 6, &nb);
	bool		nc;
	Datum		cd = SPI_getbinval(tup, td, 7, &nc);

	if ((ft->d > 0 && (n1 || n2)) || ny)
		return false;
	row->y = DatumGetFloat8(yd);
	row->w = nw ? 1.0 : DatumGetFloat8(wd);
	rw_check_outcome_weight(row->y, row->w);
	if (ft->items && (na || nb))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("first_item or second_item is NULL"),
				 errdetail("With item effects every comparison names both items.")));
	if (ft->d > 0)
	{
		int			d1 = rw_read_vector(x1, sc->x1, "first_features", sc);
		int			d2 = rw_read_vector(x2, sc->x2, "second_features", sc);

		if (d1 != d2 || d1 != ft->d)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("a comparison has %d and %d features, the first one %d",
							d1, d2, ft->d),
					 errdetail("Every comparison needs the same number of features on both sides.")));
		for (int i = 0; i < ft->d; i++)
		{
			sc->z[i] = sc->x1[i] - sc->x2[i];
			if (!isfinite(sc->z[i]))
				rw_check_finite_row(sc->z[i], sc->x1, sc->x2, ft->d);
		}
	}
	row->a = row->b = -1;
	row->c = 0;
	if (ft->clustered && row->w != 0.0)
		row->c = nc ? -1 - (ft->nclusters++) :
			rw_name_of(&ft->clusters, cd, "cluster", &ft->bytes);
	if (ft->items && row->w != 0.0)
	{
		row->a = rw_name_of(&ft->itemnames, ad, "item", &ft->bytes);
		row->b = rw_name_of(&ft->itemnames, bd, "item", &ft->bytes);
		if (row->a == row->b)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("item \"%s\" is compared with itself",
							ft->itemnames.name[row->a])));
	}
	return true;
}

/* append a row (weight > 0); false when it does not fit the budget */
static bool
rw_store_row(RwFit *ft, const RwRow *row, const double *z, Size budget)
{
	RwChunk    *ch;

	if (ft->nchunk == 0 || ft->chunk[ft->nchunk - 1].m == ft->chunk_rows)
	{
		if (ft->bytes + (Size) ft->chunk_rows * sizeof(double) * (ft->d + 3) > budget)
			return false;
		rw_add_chunk(ft);
	}
	ch = &ft->chunk[ft->nchunk - 1];
	if (ft->d > 0)
		memcpy(ch->z + (size_t) ch->m * ft->d, z, sizeof(double) * ft->d);
	ch->y[ch->m] = row->y;
	ch->w[ch->m] = row->w;
	if (ch->a)
	{
		ch->a[ch->m] = row->a;
		ch->b[ch->m] = row->b;
	}
	if (ch->c)
		ch->c[ch->m] = row->c;
	ch->m++;
	ft->held++;
	return true;
}

/*
 * Clusters: the keys number 0 .. n - 1 in order of appearance, and a row
 * with a NULL key is a cluster of its own, numbered after them.
 */
static void
rw_number_clusters(RwFit *ft)
{
	int			n = ft->clusters.n;

	if (!ft->clustered)
		return;
	for (int c = 0; c < ft->nchunk; c++)
		for (int r = 0; r < ft->chunk[c].m; r++)
			if (ft->chunk[c].c[r] < 0)
				ft->chunk[c].c[r] = n - 1 - ft->chunk[c].c[r];
	ft->nclusters += n;
}

/*
 * Read every row into memory; false when they do not fit the budget (the
 * caller falls back to passes).
 */
bool
rw_materialise(RwFit *ft, const char *sql, const RwCols *cols,
			   FunctionCallInfo fcinfo)
{
	SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);
	Portal		portal;
	Size		budget = (Size) rw_memory_kb * 1024;
	RwScratch  *sc = rw_scratch(fcinfo);
	bool		ok = true;

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	ft->chunk_rows = Max(64, (4 << 20) / (int) (sizeof(double) * (ft->d + 2)));
	ft->items = cols->items;
	ft->clustered = cols->cluster;
	while (ok)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed && ok; r++)
		{
			RwRow		row;

			if (!rw_read_row(ft, r, sc, &row))
				continue;
			ft->rows++;
			ft->wsum += row.w;
			if (row.w != 0.0)
				ok = rw_store_row(ft, &row, sc->z, budget);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
		if (ft->bytes > budget)
			ok = false;
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);
	ft->nitems = ft->itemnames.n;
	rw_number_clusters(ft);
	return ok;
}

/* give back the rows (before falling back to passes) */
void
rw_release_rows(RwFit *ft)
{
	for (int c = 0; c < ft->nchunk; c++)
	{
		pfree(ft->chunk[c].y);
		pfree(ft->chunk[c].w);
		if (ft->chunk[c].z)
			pfree(ft->chunk[c].z);
		if (ft->chunk[c].a)
		{
			pfree(ft->chunk[c].a);
			pfree(ft->chunk[c].b);
		}
		if (ft->chunk[c].c)
			pfree(ft->chunk[c].c);
	}
	ft->nchunk = 0;
}

/*
 * Divide each held feature difference by the root mean square of its
 * column (weighted; 1 for a constant column); returns the d scales.
 */
double *
rw_standardise(RwFit *ft)
{
	double	   *ss = palloc0(sizeof(double) * ft->d);
	double	   *scales = palloc(sizeof(double) * (ft->d + 1));
	double		ws = 0.0;

	for (int c = 0; c < ft->nchunk; c++)
		for (int r = 0; r < ft->chunk[c].m; r++)
		{
			const double *z = ft->chunk[c].z + (size_t) r * ft->d;

			ws += ft->chunk[c].w[r];
			for (int i = 0; i < ft->d; i++)
				ss[i] += ft->chunk[c].w[r] * z[i] * z[i];
		}
	for (int i = 0; i < ft->d; i++)
	{
		scales[i] = ws > 0 ? sqrt(ss[i] / ws) : 1.0;
		if (!(scales[i] > 0) || !isfinite(scales[i]))
			scales[i] = 1.0;
	}
	for (int c = 0; c < ft->nchunk; c++)
		for (int r = 0; r < ft->chunk[c].m; r++)
		{
			double	   *z = ft->chunk[c].z + (size_t) r * ft->d;

			for (int i = 0; i < ft->d; i++)
				z[i] /= scales[i];
		}
	pfree(ss);
	return scales;
}

/* the first comparison's feature count (0 without feature columns) */
int
rw_first_d(const char *sql)
{
	char	   *q = psprintf("SELECT pg_catalog.array_length(first_features, 1) FROM (%s) s "
							 "WHERE first_features IS NOT NULL AND second_features IS NOT NULL "
							 "AND outcome IS NOT NULL LIMIT 1", sql);
	bool		isnull;
	Datum		v;

	if (SPI_execute(q, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read the query");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("the query returned no comparisons")));
	v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("first_features must be a non-empty one-dimensional array")));
	SPI_freetuptable(SPI_tuptable);
	return DatumGetInt32(v);
}
