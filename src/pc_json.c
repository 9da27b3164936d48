/*-------------------------------------------------------------------------
 *
 * pc_json.c
 *	  The writer and the reader of the one text form every stored type of
 *	  prefcal uses: a JSON object, "version" first, then the type's keys in
 *	  a fixed order, so a value reads with ::text::jsonb while the input
 *	  functions parse it strictly (every key in its place, every number
 *	  checked) without building a jsonb tree first.
 *
 *	  Every float8 is written in its shortest round-trip form whatever
 *	  extra_float_digits says; a non-finite one as the JSON string "NaN",
 *	  "Infinity" or "-Infinity" (what float8in reads, so ->> then ::float8
 *	  gives it back), or as null where a type says a value was not
 *	  computed.  Every syntax error is 22P02.
 *
 *-------------------------------------------------------------------------
 */
#include "pc_json.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/json.h"

/* ---------- writer ---------- */

/* {"version": N */
void
pc_jw_begin(StringInfo buf, int version)
{
	appendStringInfo(buf, "{\"version\": %d", version);
}

/* , "key": (every key follows "version") */
void
pc_jw_key(StringInfo buf, const char *key)
{
	appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

void
pc_jw_end(StringInfo buf)
{
	appendStringInfoChar(buf, '}');
}

/* the separator before element i of an array */
void
pc_jw_sep(StringInfo buf, Size i)
{
	if (i > 0)
		appendStringInfoString(buf, ", ");
}

/* a non-finite float8 as a string: "NaN", "Infinity" or "-Infinity" */
void
pc_jw_float8(StringInfo buf, double x)
{
	if (isfinite(x))
		pc_append_float8(buf, x);
	else
	{
		appendStringInfoChar(buf, '"');
		pc_append_float8(buf, x);
		appendStringInfoChar(buf, '"');
	}
}

/* NaN (a value not computed) as null */
void
pc_jw_float8_or_null(StringInfo buf, double x)
{
	if (isnan(x))
		appendStringInfoString(buf, "null");
	else
		pc_jw_float8(buf, x);
}

void
pc_jw_float8_array(StringInfo buf, const double *x, Size n)
{
	appendStringInfoChar(buf, '[');
	for (Size i = 0; i < n; i++)
	{
		pc_jw_sep(buf, i);
		pc_jw_float8(buf, x[i]);
		if ((i & 0xffff) == 0xffff)
			CHECK_FOR_INTERRUPTS();
	}
	appendStringInfoChar(buf, ']');
}

void
pc_jw_bool(StringInfo buf, bool b)
{
	appendStringInfoString(buf, b ? "true" : "false");
}

void
pc_jw_string(StringInfo buf, const char *s)
{
	escape_json(buf, s);
}

/* a string of len bytes (no NUL among them) */
void
pc_jw_string_len(StringInfo buf, const char *s, int len)
{
	char	   *c = pnstrdup(s, len);

	escape_json(buf, c);
	pfree(c);
}

void
pc_jw_key_float8(StringInfo buf, const char *key, double x)
{
	pc_jw_key(buf, key);
	pc_jw_float8(buf, x);
}

void
pc_jw_key_int8(StringInfo buf, const char *key, int64 v)
{
	pc_jw_key(buf, key);
	appendStringInfo(buf, INT64_FORMAT, v);
}

void
pc_jw_key_bool(StringInfo buf, const char *key, bool b)
{
	pc_jw_key(buf, key);
	pc_jw_bool(buf, b);
}

void
pc_jw_key_string(StringInfo buf, const char *key, const char *s)
{
	pc_jw_key(buf, key);
	escape_json(buf, s);
}

/* ---------- reader ---------- */

static inline void
pc_json_ws(PcJson *js)
{
	while (*js->p == ' ' || *js->p == '\t' || *js->p == '\n' || *js->p == '\r')
		js->p++;
}

/* whether input is in the JSON form (an older form of a type is not) */
bool
pc_json_is_json(const char *input)
{
	while (*input == ' ' || *input == '\t' || *input == '\n' || *input == '\r')
		input++;
	return *input == '{';
}

void
pc_json_init(PcJson *js, const char *input, const char *typname)
{
	js->p = input;
	js->whole = input;
	js->typname = typname;
}

void
pc_json_error(PcJson *js, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s", js->typname),
			 errdetail("Expected %s at character %d: \"%.32s\".", what,
					   (int) (js->p - js->whole) + 1, js->p)));
}

void
pc_json_expect(PcJson *js, char c)
{
	char		what[8];

	pc_json_ws(js);
	if (*js->p != c)
	{
		snprintf(what, sizeof(what), "\"%c\"", c);
		pc_json_error(js, what);
	}
	js->p++;
}

bool
pc_json_accept(PcJson *js, char c)
{
	pc_json_ws(js);
	if (*js->p == c)
	{
		js->p++;
		return true;
	}
	return false;
}

/* "key": */
static void
pc_json_key_only(PcJson *js, const char *key)
{
	size_t		len = strlen(key);

	pc_json_ws(js);
	if (js->p[0] != '"' || strncmp(js->p + 1, key, len) != 0 ||
		js->p[len + 1] != '"')
		pc_json_error(js, psprintf("key \"%s\"", key));
	js->p += len + 2;
	pc_json_expect(js, ':');
}

/* {"version": N, where N must be the version this build reads */
void
pc_json_begin(PcJson *js, int version)
{
	int32		got;

	pc_json_expect(js, '{');
	pc_json_key_only(js, "version");
	got = pc_json_int4(js, PG_INT32_MIN, PG_INT32_MAX);
	if (got != version)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported %s version %d", js->typname, got),
				 errdetail("This version of prefcal reads version %d.",
						   version)));
}

/* , "key": */
void
pc_json_key(PcJson *js, const char *key)
{
	pc_json_expect(js, ',');
	pc_json_key_only(js, key);
}

/* the closing brace and the end of the input */
void
pc_json_end(PcJson *js)
{
	pc_json_expect(js, '}');
	pc_json_ws(js);
	if (*js->p != '\0')
		pc_json_error(js, "end of input");
}

/*
 * Walk an array: true while an element follows (*count then counts it),
 * false after the closing bracket.  Start with *count = 0.
 */
bool
pc_json_next(PcJson *js, Size *count)
{
	if (*count == 0)
	{
		pc_json_expect(js, '[');
		if (pc_json_accept(js, ']'))
			return false;
	}
	else
	{
		if (pc_json_accept(js, ']'))
			return false;
		pc_json_expect(js, ',');
		if ((*count & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	(*count)++;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A JSON string, unescaped, palloc'd and NUL-terminated.  \u escapes of
 * surrogates and of U+0000 are refused (text cannot hold them unpaired).
 */
char *
pc_json_string(PcJson *js, int *len)
{
	StringInfoData buf;

	pc_json_ws(js);
	if (*js->p != '"')
		pc_json_error(js, "a string");
	js->p++;
	initStringInfo(&buf);
	for (;;)
	{
		char		c = *js->p;

		if (c == '\0')
			pc_json_error(js, "a closing quote");
		if (c == '"')
		{
			js->p++;
			break;
		}
		if ((unsigned char) c < 0x20)
			pc_json_error(js, "no control character in a string");
		if (c != '\\')
		{
			appendStringInfoChar(&buf, c);
			js->p++;
			continue;
		}
		js->p++;
		switch (*js->p)
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&buf, *js->p);
				break;
			case 'b':
				appendStringInfoChar(&buf, '\b');
				break;
			case 'f':
				appendStringInfoChar(&buf, '\f');
				break;
			case 'n':
				appendStringInfoChar(&buf, '\n');
				break;
			case 'r':
				appendStringInfoChar(&buf, '\r');
				break;
			case 't':
				appendStringInfoChar(&buf, '\t');
				break;
			case 'u':
				{
					pg_wchar	cp = 0;
					unsigned char mb[MAX_UNICODE_EQUIVALENT_STRING + 1];

					for (int k = 1; k <= 4; k++)
					{
						int			h = hexval(js->p[k]);

						if (h < 0)
							pc_json_error(js, "four hex digits after \\u");
						cp = cp * 16 + h;
					}
					if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
						pc_json_error(js, "a \\u escape other than U+0000 or a surrogate");
					memset(mb, 0, sizeof(mb));
					pg_unicode_to_server(cp, mb);
					appendStringInfoString(&buf, (char *) mb);
					js->p += 4;
				}
				break;
			default:
				pc_json_error(js, "a valid escape");
		}
		js->p++;
	}
	/* the bytes must be valid in the server encoding */
	pg_verifymbstr(buf.data, buf.len, false);
	*len = buf.len;
	return buf.data;
}

/* one of n names, as a JSON string: its index */
int
pc_json_choice(PcJson *js, const char *const *names, int n)
{
	int			len;
	const char *start = js->p;
	char	   *s = pc_json_string(js, &len);
	StringInfoData what;

	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	initStringInfo(&what);
	for (int i = 0; i < n; i++)
		appendStringInfo(&what, "%s\"%s\"", i == 0 ? "" : i == n - 1 ? " or " : ", ",
						 names[i]);
	js->p = start;
	pc_json_error(js, what.data);
}

bool
pc_json_null(PcJson *js)
{
	pc_json_ws(js);
	if (strncmp(js->p, "null", 4) == 0)
	{
		js->p += 4;
		return true;
	}
	return false;
}

/*
 * A float8: a JSON number, or what allow admits besides (PC_JSON_NULL_NAN:
 * null for NaN; PC_JSON_NONFINITE: the strings "NaN", "Infinity" and
 * "-Infinity").  A number beyond float8's range is 22003, as float8in says.
 */
double
pc_json_float8(PcJson *js, int allow)
{
	const char *s;
	char	   *end;
	double		v;

	pc_json_ws(js);
	s = js->p;
	if ((allow & PC_JSON_NULL_NAN) && pc_json_null(js))
		return get_float8_nan();
	if ((allow & PC_JSON_NONFINITE) && *s == '"')
	{
		if (strncmp(s, "\"NaN\"", 5) == 0)
		{
			js->p += 5;
			return get_float8_nan();
		}
		if (strncmp(s, "\"Infinity\"", 10) == 0)
		{
			js->p += 10;
			return get_float8_infinity();
		}
		if (strncmp(s, "\"-Infinity\"", 11) == 0)
		{
			js->p += 11;
			return -get_float8_infinity();
		}
	}
	/* JSON's number syntax: -?digits[.digits][(e|E)[+-]digits] */
	if (*s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		pc_json_error(js, (allow & PC_JSON_NONFINITE) ?
					  "a number, \"NaN\", \"Infinity\" or \"-Infinity\"" :
					  (allow & PC_JSON_NULL_NAN) ? "a number or null" :
					  "a finite number");
	errno = 0;
	v = strtod(js->p, &end);
	if (errno == ERANGE && (v == 0.0 || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("number \"%.*s\" is out of range for type %s",
						(int) (end - js->p), js->p, js->typname)));
	for (; s < end; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' ||
			  *s == 'E' || *s == '+' || *s == '-'))
			pc_json_error(js, "a JSON number");
	js->p = end;
	return v;
}

/* an array of exactly n float8 */
void
pc_json_float8_array(PcJson *js, double *dst, Size n, int allow)
{
	Size		i = 0;

	while (pc_json_next(js, &i))
	{
		if (i > n)
			pc_json_error(js, psprintf("an array of %zu numbers", n));
		dst[i - 1] = pc_json_float8(js, allow);
	}
	if (i != n)
		pc_json_error(js, psprintf("an array of %zu numbers", n));
}

int64
pc_json_int8(PcJson *js)
{
	char	   *end;
	long long	v;

	pc_json_ws(js);
	if (!(*js->p == '-' || (*js->p >= '0' && *js->p <= '9')))
		pc_json_error(js, "an integer");
	errno = 0;
	v = strtoll(js->p, &end, 10);
	if (errno == ERANGE)
		pc_json_error(js, "an integer within bigint range");
	js->p = end;
	return (int64) v;
}

int32
pc_json_int4(PcJson *js, int32 lo, int32 hi)
{
	const char *start;
	int64		v;

	pc_json_ws(js);
	start = js->p;
	v = pc_json_int8(js);
	if (v < lo || v > hi)
	{
		js->p = start;
		pc_json_error(js, "an integer in range");
	}
	return (int32) v;
}

bool
pc_json_bool(PcJson *js)
{
	pc_json_ws(js);
	if (strncmp(js->p, "true", 4) == 0)
	{
		js->p += 4;
		return true;
	}
	if (strncmp(js->p, "false", 5) == 0)
	{
		js->p += 5;
		return false;
	}
	pc_json_error(js, "true or false");
}

double
pc_json_key_float8(PcJson *js, const char *key, int allow)
{
	pc_json_key(js, key);
	return pc_json_float8(js, allow);
}

int64
pc_json_key_int8(PcJson *js, const char *key)
{
	pc_json_key(js, key);
	return pc_json_int8(js);
}

int32
pc_json_key_int4(PcJson *js, const char *key, int32 lo, int32 hi)
{
	pc_json_key(js, key);
	return pc_json_int4(js, lo, hi);
}

bool
pc_json_key_bool(PcJson *js, const char *key)
{
	pc_json_key(js, key);
	return pc_json_bool(js);
}
