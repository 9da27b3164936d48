/*-------------------------------------------------------------------------
 *
 * calib_state.c
 *	  The calibration_state type: text input and output, binary send and
 *	  receive, and the shared allocation and validation helpers.
 *
 * Text form (version 1; pc_json.h), keys in this order:
 *
 *	{"version": 1, "nbins": B, "classes": K, "w": W, "brier": S,
 *	 "brier_comp": C, "logloss": L, "logloss_comp": D,
 *	 "bins": [[i, w, wp, wy, wpp, wpy, wyy], ...]}
 *
 * where logloss and logloss_comp are null when the log loss is not
 * tracked, and bins lists only the non-empty bins, 1-based, in increasing
 * order, each with its six sums.  A state of ece_agg (CALIB_F_NO_MOMENTS)
 * has null brier and brier_comp and three sums per bin (w, wp, wy).
 *
 * The input also reads the form 0.1.0 wrote (a stored value may hold it):
 *
 *	version=1 nbins=B classes=K w=W brier=S brier_comp=C
 *	logloss=L logloss_comp=D bins=[i:(w,wp,wy,wpp,wpy,wyy) ...]
 *
 * with the word "untracked" for an untracked sum (then without its _comp).
 *
 * Binary form: int16 version, int16 flags, int32 nbins, int32 classes,
 * float8 w, brier, brier_comp, logloss, logloss_comp, then nbins x 6
 * float8 (every bin, empty or not).
 *
 * Both inputs check everything calib_check() knows about before the
 * value is used.
 *
 *-------------------------------------------------------------------------
 */
#include "calib_glue.h"
#include "pc_json.h"

#include <string.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"

#define TYPNAME "calibration_state"

/*
 * A zeroed state with the given shape, in CurrentMemoryContext.
 */
CalibState *
calib_alloc(int nbins, int nclasses, int flags)
{
	Size		size = CALIB_SIZE(nbins);
	CalibState *s = (CalibState *) palloc(size);

	SET_VARSIZE(s, size);
	calib_init(s, nbins, nclasses, flags);
	return s;
}

void
calib_check_nbins(int nbins)
{
	if (nbins < 1 || nbins > PREFCAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nbins %d is out of range", nbins),
				 errdetail("The number of bins must be between 1 and %d.",
						   PREFCAL_MAX_BINS)));
}

/*
 * ereport unless the state is one the aggregates could have built.
 */
void
calib_validate(const CalibState *s)
{
	CalibProblem pb;

	if (!calib_check(s, PREFCAL_MAX_BINS, &pb))
		ereport(ERROR,
				(errcode(pb.code == CALIB_OUT_OF_RANGE ?
						 ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE :
						 ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid calibration_state: %s", pb.msg)));
}

/* ---------- text input helpers ---------- */

/* header checks shared by the text and binary input functions */
static void
check_header_version(int version)
{
	if (version != CALIB_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported calibration_state version %d", version),
				 errdetail("This version of prefcal reads version %d.",
						   CALIB_VERSION)));
}

static void
check_header_nbins(int nbins)
{
	if (nbins < 0 || nbins > PREFCAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid calibration_state: nbins %d is out of range (0 to %d)",
						nbins, PREFCAL_MAX_BINS)));
}

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static void
syntax_error(const char *p, const char *what, const char *whole)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					TYPNAME, whole),
			 errdetail("Expected %s at \"%.20s\".", what, p)));
}

static void
expect(const char **p, const char *lit, const char *whole)
{
	size_t		len = strlen(lit);
	char		quoted[64];

	skip_ws(p);
	if (strncmp(*p, lit, len) != 0)
	{
		snprintf(quoted, sizeof(quoted), "\"%s\"", lit);
		syntax_error(*p, quoted, whole);
	}
	*p += len;
}

static int
parse_int(const char **p, const char *whole)
{
	char	   *end;
	long		v;

	skip_ws(p);
	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p || !(**p == '-' || (**p >= '0' && **p <= '9')))
		syntax_error(*p, "an integer", whole);
	if (errno == ERANGE || v < PG_INT32_MIN || v > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%.*s\" is out of range for type integer",
						(int) (end - *p), *p)));
	*p = end;
	return (int) v;
}

static double
parse_f8(const char **p, const char *whole)
{
	return pc_parse_float8(p, TYPNAME, whole);
}

static void
check_bin_index(int idx, int last, int nbins)
{
	if (idx < 1 || idx > nbins || idx <= last)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid calibration_state: bin %d is out of order or out of range",
						idx),
				 errdetail("Bins are numbered 1 to %d and listed in increasing order.",
						   nbins)));
}

/* a sum and its compensation, or null and null for an untracked sum */
static bool
read_tracked(PcJson *js, const char *key, const char *ckey, double *sum,
			 double *comp)
{
	bool		tracked;

	pc_json_key(js, key);
	tracked = !pc_json_null(js);
	if (tracked)
		*sum = pc_json_float8(js, PC_JSON_NONFINITE);
	pc_json_key(js, ckey);
	if (tracked)
		*comp = pc_json_float8(js, PC_JSON_NONFINITE);
	else if (!pc_json_null(js))
		pc_json_error(js, psprintf("null %s after null %s", ckey, key));
	return tracked;
}

static CalibState *
calib_from_json(const char *input)
{
	PcJson		js;
	int			nbins,
				last = 0,
				nfields = CALIB_BIN_FIELDS;
	CalibState *s;
	Size		n = 0;

	pc_json_init(&js, input, TYPNAME);
	pc_json_begin(&js, CALIB_VERSION);
	nbins = pc_json_key_int4(&js, "nbins", PG_INT32_MIN, PG_INT32_MAX);
	check_header_nbins(nbins);
	s = calib_alloc(nbins, 0, 0);
	s->nclasses = pc_json_key_int4(&js, "classes", PG_INT32_MIN, PG_INT32_MAX);
	s->w = pc_json_key_float8(&js, "w", PC_JSON_NONFINITE);
	if (!read_tracked(&js, "brier", "brier_comp", &s->brier, &s->brier_c))
	{
		s->flags |= CALIB_F_NO_MOMENTS;
		nfields = 3;
	}
	if (read_tracked(&js, "logloss", "logloss_comp", &s->logloss, &s->logloss_c))
		s->flags |= CALIB_F_LOGLOSS;
	pc_json_key(&js, "bins");
	while (pc_json_next(&js, &n))
	{
		double	   *f;
		int			idx;

		pc_json_expect(&js, '[');
		idx = pc_json_int4(&js, PG_INT32_MIN, PG_INT32_MAX);
		check_bin_index(idx, last, nbins);
		last = idx;
		f = (double *) &s->bins[idx - 1];
		for (int i = 0; i < nfields; i++)
		{
			pc_json_expect(&js, ',');
			f[i] = pc_json_float8(&js, PC_JSON_NONFINITE);
		}
		pc_json_expect(&js, ']');
	}
	pc_json_end(&js);
	return s;
}

/* the form 0.1.0 wrote */
static CalibState *
calib_from_legacy(const char *whole)
{
	const char *p = whole;
	int			version,
				nbins,
				nclasses,
				last = 0,
				nfields = CALIB_BIN_FIELDS;
	CalibState *s;

	expect(&p, "version=", whole);
	version = parse_int(&p, whole);
	check_header_version(version);
	expect(&p, "nbins=", whole);
	nbins = parse_int(&p, whole);
	check_header_nbins(nbins);
	expect(&p, "classes=", whole);
	nclasses = parse_int(&p, whole);

	s = calib_alloc(nbins, 0, 0);
	s->nclasses = nclasses;
	expect(&p, "w=", whole);
	s->w = parse_f8(&p, whole);
	expect(&p, "brier=", whole);
	skip_ws(&p);
	if (strncmp(p, "untracked", 9) == 0)
	{
		p += 9;
		s->flags |= CALIB_F_NO_MOMENTS;
		nfields = 3;
	}
	else
	{
		s->brier = parse_f8(&p, whole);
		expect(&p, "brier_comp=", whole);
		s->brier_c = parse_f8(&p, whole);
	}
	expect(&p, "logloss=", whole);
	skip_ws(&p);
	if (strncmp(p, "untracked", 9) == 0)
		p += 9;
	else
	{
		s->flags |= CALIB_F_LOGLOSS;
		s->logloss = parse_f8(&p, whole);
		expect(&p, "logloss_comp=", whole);
		s->logloss_c = parse_f8(&p, whole);
	}
	expect(&p, "bins=[", whole);
	for (;;)
	{
		int			idx;
		double	   *f;

		skip_ws(&p);
		if (*p == ']')
		{
			p++;
			break;
		}
		idx = parse_int(&p, whole);
		check_bin_index(idx, last, nbins);
		last = idx;
		expect(&p, ":(", whole);
		f = (double *) &s->bins[idx - 1];
		for (int i = 0; i < nfields; i++)
		{
			if (i > 0)
				expect(&p, ",", whole);
			f[i] = parse_f8(&p, whole);
		}
		expect(&p, ")", whole);
	}
	skip_ws(&p);
	if (*p != '\0')
		syntax_error(p, "end of input", whole);
	return s;
}

/*
 * calibration_state_in(cstring) -> calibration_state
 */
PG_FUNCTION_INFO_V1(calibration_state_in);
Datum
calibration_state_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	CalibState *s = pc_json_is_json(input) ? calib_from_json(input) :
		calib_from_legacy(input);

	calib_validate(s);
	PG_RETURN_POINTER(s);
}

/*
 * calibration_state_out(calibration_state) -> cstring
 */
PG_FUNCTION_INFO_V1(calibration_state_out);
Datum
calibration_state_out(PG_FUNCTION_ARGS)
{
	CalibState *s = PG_GETARG_CALIB_P(0);
	StringInfoData buf;
	bool		first = true;
	int			nfields = (s->flags & CALIB_F_NO_MOMENTS) ? 3 : CALIB_BIN_FIELDS;

	initStringInfo(&buf);
	pc_jw_begin(&buf, s->version);
	pc_jw_key_int8(&buf, "nbins", s->nbins);
	pc_jw_key_int8(&buf, "classes", s->nclasses);
	pc_jw_key_float8(&buf, "w", s->w);
	pc_jw_key(&buf, "brier");
	pc_jw_float8_or_null(&buf, (s->flags & CALIB_F_NO_MOMENTS) ? NAN : s->brier);
	pc_jw_key(&buf, "brier_comp");
	pc_jw_float8_or_null(&buf, (s->flags & CALIB_F_NO_MOMENTS) ? NAN : s->brier_c);
	pc_jw_key(&buf, "logloss");
	pc_jw_float8_or_null(&buf, (s->flags & CALIB_F_LOGLOSS) ? s->logloss : NAN);
	pc_jw_key(&buf, "logloss_comp");
	pc_jw_float8_or_null(&buf, (s->flags & CALIB_F_LOGLOSS) ? s->logloss_c : NAN);
	pc_jw_key(&buf, "bins");
	appendStringInfoChar(&buf, '[');
	for (int b = 0; b < s->nbins; b++)
	{
		const double *f = (const double *) &s->bins[b];
		bool		empty = true;

		for (int i = 0; i < nfields; i++)
			if (f[i] != 0.0 || signbit(f[i]))
				empty = false;
		if (empty)
			continue;
		pc_jw_sep(&buf, first ? 0 : 1);
		first = false;
		appendStringInfo(&buf, "[%d", b + 1);
		for (int i = 0; i < nfields; i++)
		{
			appendStringInfoString(&buf, ", ");
			pc_jw_float8(&buf, f[i]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * calibration_state_recv(internal) -> calibration_state
 */
PG_FUNCTION_INFO_V1(calibration_state_recv);
Datum
calibration_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				flags,
				nbins,
				nclasses;
	CalibState *s;
	double	   *f;

	if (buf->len - buf->cursor < 12)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary calibration_state: too short")));
	version = (int16) pq_getmsgint(buf, 2);
	flags = (uint16) pq_getmsgint(buf, 2);
	nbins = (int32) pq_getmsgint(buf, 4);
	nclasses = (int32) pq_getmsgint(buf, 4);
	check_header_version(version);
	check_header_nbins(nbins);
	if ((Size) (buf->len - buf->cursor) !=
		(5 + (Size) nbins * CALIB_BIN_FIELDS) * sizeof(float8))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary calibration_state: %d bytes for %d bins",
						buf->len - buf->cursor, nbins)));
	s = calib_alloc(nbins, 0, 0);
	s->flags = (uint16_t) flags;
	s->nclasses = nclasses;
	s->w = pq_getmsgfloat8(buf);
	s->brier = pq_getmsgfloat8(buf);
	s->brier_c = pq_getmsgfloat8(buf);
	s->logloss = pq_getmsgfloat8(buf);
	s->logloss_c = pq_getmsgfloat8(buf);
	f = (double *) s->bins;
	for (int i = 0; i < nbins * CALIB_BIN_FIELDS; i++)
		f[i] = pq_getmsgfloat8(buf);
	calib_validate(s);
	PG_RETURN_POINTER(s);
}

/*
 * calibration_state_send(calibration_state) -> bytea
 */
PG_FUNCTION_INFO_V1(calibration_state_send);
Datum
calibration_state_send(PG_FUNCTION_ARGS)
{
	CalibState *s = PG_GETARG_CALIB_P(0);
	StringInfoData buf;
	const double *f = (const double *) s->bins;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) s->version);
	pq_sendint16(&buf, s->flags);
	pq_sendint32(&buf, s->nbins);
	pq_sendint32(&buf, s->nclasses);
	pq_sendfloat8(&buf, s->w);
	pq_sendfloat8(&buf, s->brier);
	pq_sendfloat8(&buf, s->brier_c);
	pq_sendfloat8(&buf, s->logloss);
	pq_sendfloat8(&buf, s->logloss_c);
	for (int i = 0; i < s->nbins * CALIB_BIN_FIELDS; i++)
		pq_sendfloat8(&buf, f[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
