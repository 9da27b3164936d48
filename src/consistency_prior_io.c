/*-------------------------------------------------------------------------
 *
 * consistency_prior_io.c
 *	  The text and binary I/O of preference_consistency_prior_model and of
 *	  its aggregate's state type preference_consistency_prior_state: the
 *	  model's text form is a JSON object (keys in a fixed order, every
 *	  float8 in shortest round-trip form) read back by pc_json.c's strict
 *	  reader, and its input also reads the form 0.1.0 printed; the state
 *	  is agreement_map.c's map.  Every input ends in the checks of
 *	  consistency_prior.c (consistency_prior_int.h).
 *
 *-------------------------------------------------------------------------
 */
#include "consistency_prior_int.h"

#include "pc_json.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

/* ---------- consistency_prior text I/O ---------- */

static void
prior_syntax(const char *whole, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type preference_consistency_prior_model: \"%.200s\"",
					whole),
			 errdetail("%s", what)));
}

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *
expect_word(const char *s, const char *word, const char *whole)
{
	size_t		l = strlen(word);

	s = skip_ws(s);
	if (strncmp(s, word, l) != 0)
		prior_syntax(whole, psprintf("Expected \"%s\".", word));
	return s + l;
}

static long
parse_long(const char **ps, long lo, long hi, const char *what,
		   const char *whole)
{
	char	   *end;
	long		v;
	const char *s = skip_ws(*ps);

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno != 0)
		prior_syntax(whole, psprintf("Expected a whole number for %s.", what));
	if (v < lo || v > hi)
		ereport(ERROR,
				(errcode(v > hi && hi >= PC_EB_MAX_CONDITIONS ?
						 ERRCODE_PROGRAM_LIMIT_EXCEEDED :
						 ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %ld is out of range for type preference_consistency_prior_model",
						what, v),
				 errdetail("It must be between %ld and %ld.", lo, hi)));
	*ps = end;
	return v;
}

static void
parse_quoted_name(const char **ps, StringInfo buf, const char *whole)
{
	const char *s = skip_ws(*ps);

	resetStringInfo(buf);
	if (*s != '"')
		prior_syntax(whole, "Expected a double-quoted name.");
	s++;
	for (;;)
	{
		if (*s == '\0')
			prior_syntax(whole, "Unterminated name.");
		if (*s == '"')
			break;
		if (*s == '\\')
		{
			s++;
			if (*s != '"' && *s != '\\')
				prior_syntax(whole, "Only \\\" and \\\\ may be escaped in a name.");
		}
		appendStringInfoChar(buf, *s);
		s++;
	}
	*ps = s + 1;
}

static void
pattern_string(StringInfo buf, int b, int ncond)
{
	for (int c = 0; c < ncond; c++)
		appendStringInfoChar(buf, (b & (1 << c)) ? '1' : '0');
}

static PcPrior *
prior_validated(const PcEbParams *par, char **names, int *lens,
				double n_groups, int iterations, bool converged,
				double loglik)
{
	const char *why = pc_prior_check(par, names, lens, n_groups, iterations, loglik);

	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid preference_consistency_prior_model value"),
				 errdetail("%s", why)));
	return pc_prior_build(par, names, lens, n_groups, iterations, converged, loglik);
}

/*
 * The text form (pc_json.h):
 *
 *	{"version": 1, "groups": G, "iterations": I, "converged": B,
 *	 "loglik": L, "genuine": .., "non_attitude": .., "constructed": ..,
 *	 "rho": .., "q": .., "conditions": [["name", r], ...],
 *	 "patterns": [["10", pi], ...]}
 *
 * with the patterns in their fixed order (pattern b's string has a 1 for
 * each condition in b).  The input also reads the form 0.1.0 wrote:
 *
 *	v1 groups=G iterations=I converged=B loglik=L genuine=.. non_attitude=..
 *	constructed=.. rho=.. q=.. conditions=C {"name" r} ... patterns=P
 *	{"10" pi} ...
 */
static Datum
prior_from_json(const char *str)
{
	static const char *const wkeys[3] = {"genuine", "non_attitude", "constructed"};
	PcJson		js;
	PcEbParams	par;
	double		n_groups,
				loglik;
	int			iterations,
				cap = 8;
	bool		converged;
	char	  **names;
	int		   *lens;
	Size		n = 0;
	StringInfoData want;

	pc_json_init(&js, str, "preference_consistency_prior_model");
	pc_json_begin(&js, PC_PRIOR_VERSION);
	n_groups = pc_json_key_float8(&js, "groups", PC_JSON_NONFINITE);
	iterations = pc_json_key_int4(&js, "iterations", 0, PC_EB_MAX_ITER);
	converged = pc_json_key_bool(&js, "converged");
	loglik = pc_json_key_float8(&js, "loglik", PC_JSON_NONFINITE);
	for (int i = 0; i < 3; i++)
	{
		pc_json_key(&js, wkeys[i]);
		par.w[i] = pc_json_float8(&js, PC_JSON_NONFINITE);
	}
	par.rho = pc_json_key_float8(&js, "rho", PC_JSON_NONFINITE);
	par.q = pc_json_key_float8(&js, "q", PC_JSON_NONFINITE);
	pc_json_key(&js, "conditions");
	par.r = palloc(sizeof(double) * cap);
	names = palloc(sizeof(char *) * cap);
	lens = palloc(sizeof(int) * cap);
	while (pc_json_next(&js, &n))
	{
		int			c = (int) n - 1;

		if (c >= PC_EB_MAX_CONDITIONS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("conditions %d is out of range for type preference_consistency_prior_model",
							c + 1),
					 errdetail("It must be between 1 and %d.", PC_EB_MAX_CONDITIONS)));
		if (c == cap)
		{
			cap *= 2;
			par.r = repalloc(par.r, sizeof(double) * cap);
			names = repalloc(names, sizeof(char *) * cap);
			lens = repalloc(lens, sizeof(int) * cap);
		}
		pc_json_expect(&js, '[');
		names[c] = pc_json_string(&js, &lens[c]);
		pc_json_expect(&js, ',');
		par.r[c] = pc_json_float8(&js, PC_JSON_NONFINITE);
		pc_json_expect(&js, ']');
	}
	if (n == 0)
		pc_json_error(&js, "at least one condition");
	par.ncond = (int) n;
	par.npat = pc_prior_npat_for(par.ncond);
	par.pi = palloc(sizeof(double) * (par.npat + 1));
	pc_json_key(&js, "patterns");
	n = 0;
	initStringInfo(&want);
	while (pc_json_next(&js, &n))
	{
		int			len;
		char	   *got;

		if ((int) n > par.npat)
			pc_json_error(&js, psprintf("%d patterns for %d conditions",
										par.npat, par.ncond));
		resetStringInfo(&want);
		pattern_string(&want, (int) n, par.ncond);
		pc_json_expect(&js, '[');
		got = pc_json_string(&js, &len);
		if (strcmp(want.data, got) != 0)
			pc_json_error(&js, psprintf("pattern \"%s\" in position %d",
										want.data, (int) n));
		pc_json_expect(&js, ',');
		par.pi[n - 1] = pc_json_float8(&js, PC_JSON_NONFINITE);
		pc_json_expect(&js, ']');
	}
	if ((int) n != par.npat)
		pc_json_error(&js, psprintf("%d patterns for %d conditions",
									par.npat, par.ncond));
	pc_json_end(&js);
	return PointerGetDatum(prior_validated(&par, names, lens, n_groups,
										   iterations, converged, loglik));
}

static Datum
prior_from_legacy(const char *str)
{
	const char *s = skip_ws(str);
	PcEbParams	par;
	double		n_groups,
				loglik;
	int			iterations,
				npat;
	bool		converged;
	char	  **names;
	int		   *lens;
	StringInfoData buf;

	if (strncmp(s, "v1", 2) != 0 || (s[2] != ' ' && s[2] != '\t'))
		prior_syntax(str, "Expected version \"v1\" first.");
	s += 2;
	s = expect_word(s, "groups=", str);
	n_groups = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "iterations=", str);
	iterations = (int) parse_long(&s, 0, PC_EB_MAX_ITER, "iterations", str);
	s = expect_word(s, "converged=", str);
	if (strncmp(s, "true", 4) == 0)
	{
		converged = true;
		s += 4;
	}
	else if (strncmp(s, "false", 5) == 0)
	{
		converged = false;
		s += 5;
	}
	else
		prior_syntax(str, "Expected \"true\" or \"false\" after \"converged=\".");
	s = expect_word(s, "loglik=", str);
	loglik = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "genuine=", str);
	par.w[0] = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "non_attitude=", str);
	par.w[1] = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "constructed=", str);
	par.w[2] = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "rho=", str);
	par.rho = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "q=", str);
	par.q = pc_parse_float8(&s, "preference_consistency_prior_model", str);
	s = expect_word(s, "conditions=", str);
	par.ncond = (int) parse_long(&s, 1, PC_EB_MAX_CONDITIONS, "conditions", str);
	par.npat = pc_prior_npat_for(par.ncond);
	par.r = palloc(sizeof(double) * par.ncond);
	par.pi = palloc(sizeof(double) * (par.npat + 1));
	names = palloc(sizeof(char *) * par.ncond);
	lens = palloc(sizeof(int) * par.ncond);
	initStringInfo(&buf);
	for (int c = 0; c < par.ncond; c++)
	{
		s = expect_word(s, "{", str);
		parse_quoted_name(&s, &buf, str);
		names[c] = pnstrdup(buf.data, buf.len);
		lens[c] = buf.len;
		par.r[c] = pc_parse_float8(&s, "preference_consistency_prior_model", str);
		s = expect_word(s, "}", str);
	}
	s = expect_word(s, "patterns=", str);
	npat = (int) parse_long(&s, 0, PG_INT32_MAX, "patterns", str);
	if (npat != par.npat)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid preference_consistency_prior_model value"),
				 errdetail("With %d conditions there must be %d patterns, not %d.",
						   par.ncond, par.npat, npat)));
	for (int b = 1; b <= par.npat; b++)
	{
		StringInfoData want;

		s = expect_word(s, "{", str);
		parse_quoted_name(&s, &buf, str);
		initStringInfo(&want);
		pattern_string(&want, b, par.ncond);
		if (strcmp(want.data, buf.data) != 0)
			prior_syntax(str, psprintf("Expected pattern \"%s\" in position %d.",
									   want.data, b));
		par.pi[b - 1] = pc_parse_float8(&s, "preference_consistency_prior_model", str);
		s = expect_word(s, "}", str);
	}
	s = skip_ws(s);
	if (*s != '\0')
		prior_syntax(str, "Unexpected text after the last pattern.");
	return PointerGetDatum(prior_validated(&par, names, lens, n_groups,
										   iterations, converged, loglik));
}

PG_FUNCTION_INFO_V1(pc_cons_prior_in);
Datum
pc_cons_prior_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);

	if (pc_json_is_json(str))
		return prior_from_json(str);
	return prior_from_legacy(str);
}

PG_FUNCTION_INFO_V1(pc_cons_prior_out);
Datum
pc_cons_prior_out(PG_FUNCTION_ARGS)
{
	PcPrior    *pr = pc_prior_from_datum(PG_GETARG_DATUM(0));
	PcEbParams	par;
	PcPriorNames nm;
	StringInfoData buf;

	pc_prior_view(pr, &par, &nm);
	initStringInfo(&buf);
	pc_jw_begin(&buf, PC_PRIOR_VERSION);
	pc_jw_key_float8(&buf, "groups", pr->n_groups);
	pc_jw_key_int8(&buf, "iterations", pr->iterations);
	pc_jw_key_bool(&buf, "converged", (pr->flags & PC_PRIOR_CONVERGED) != 0);
	pc_jw_key_float8(&buf, "loglik", pr->loglik);
	pc_jw_key_float8(&buf, "genuine", pr->w[0]);
	pc_jw_key_float8(&buf, "non_attitude", pr->w[1]);
	pc_jw_key_float8(&buf, "constructed", pr->w[2]);
	pc_jw_key_float8(&buf, "rho", pr->rho);
	pc_jw_key_float8(&buf, "q", pr->q);
	pc_jw_key(&buf, "conditions");
	appendStringInfoChar(&buf, '[');
	for (int c = 0; c < pr->ncond; c++)
	{
		pc_jw_sep(&buf, c);
		appendStringInfoChar(&buf, '[');
		pc_jw_string(&buf, nm.base + nm.off[c]);
		appendStringInfoString(&buf, ", ");
		pc_jw_float8(&buf, par.r[c]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_key(&buf, "patterns");
	appendStringInfoChar(&buf, '[');
	for (int b = 1; b <= pr->npat; b++)
	{
		pc_jw_sep(&buf, b - 1);
		appendStringInfoString(&buf, "[\"");
		pattern_string(&buf, b, pr->ncond);
		appendStringInfoString(&buf, "\", ");
		pc_jw_float8(&buf, par.pi[b - 1]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/* ---------- consistency_prior binary I/O ---------- */

PG_FUNCTION_INFO_V1(pc_cons_prior_send);
Datum
pc_cons_prior_send(PG_FUNCTION_ARGS)
{
	PcPrior    *pr = pc_prior_from_datum(PG_GETARG_DATUM(0));
	PcEbParams	par;
	PcPriorNames nm;
	StringInfoData buf;

	pc_prior_view(pr, &par, &nm);
	pq_begintypsend(&buf);
	pq_sendint16(&buf, PC_PRIOR_VERSION);
	pq_sendint16(&buf, pr->flags);
	pq_sendint32(&buf, pr->ncond);
	pq_sendint32(&buf, pr->npat);
	pq_sendint32(&buf, pr->iterations);
	pq_sendfloat8(&buf, pr->n_groups);
	pq_sendfloat8(&buf, pr->loglik);
	for (int i = 0; i < 3; i++)
		pq_sendfloat8(&buf, pr->w[i]);
	pq_sendfloat8(&buf, pr->rho);
	pq_sendfloat8(&buf, pr->q);
	for (int c = 0; c < pr->ncond; c++)
	{
		const char *nmc = nm.base + nm.off[c];
		int			l = strlen(nmc);

		pq_sendint32(&buf, l);
		pq_sendbytes(&buf, nmc, l);
		pq_sendfloat8(&buf, par.r[c]);
	}
	for (int b = 0; b < pr->npat; b++)
		pq_sendfloat8(&buf, par.pi[b]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(pc_cons_prior_recv);
Datum
pc_cons_prior_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgint(buf, 2);
	int			flags = pq_getmsgint(buf, 2);
	PcEbParams	par;
	int			iterations;
	double		n_groups,
				loglik;
	char	  **names;
	int		   *lens;

	if (version != PC_PRIOR_VERSION || (flags & ~PC_PRIOR_CONVERGED) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary preference_consistency_prior_model format"),
				 errdetail("Version %d flags %d; expected version %d.",
						   version, flags, PC_PRIOR_VERSION)));
	par.ncond = pq_getmsgint(buf, 4);
	par.npat = pq_getmsgint(buf, 4);
	iterations = pq_getmsgint(buf, 4);
	if (par.ncond < 1 || par.ncond > PC_EB_MAX_CONDITIONS ||
		par.npat != pc_prior_npat_for(par.ncond))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid condition or pattern count in binary preference_consistency_prior_model value")));
	n_groups = pq_getmsgfloat8(buf);
	loglik = pq_getmsgfloat8(buf);
	for (int i = 0; i < 3; i++)
		par.w[i] = pq_getmsgfloat8(buf);
	par.rho = pq_getmsgfloat8(buf);
	par.q = pq_getmsgfloat8(buf);
	par.r = palloc(sizeof(double) * par.ncond);
	par.pi = palloc(sizeof(double) * (par.npat + 1));
	names = palloc(sizeof(char *) * par.ncond);
	lens = palloc(sizeof(int) * par.ncond);
	for (int c = 0; c < par.ncond; c++)
	{
		int			l = pq_getmsgint(buf, 4);

		if (l < 0 || l > buf->len - buf->cursor)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid name length in binary preference_consistency_prior_model value")));
		names[c] = (char *) pq_getmsgbytes(buf, l);
		lens[c] = l;
		par.r[c] = pq_getmsgfloat8(buf);
	}
	for (int b = 0; b < par.npat; b++)
		par.pi[b] = pq_getmsgfloat8(buf);
	PG_RETURN_POINTER(prior_validated(&par, names, lens, n_groups, iterations,
									  (flags & PC_PRIOR_CONVERGED) != 0,
									  loglik));
}

/* ---------- consistency_prior_state I/O ---------- */

PC_MAP_IO(pc_cons_prior_state, pc_prior_groups_spec)
