/*-------------------------------------------------------------------------
 *
 * bt_text.c
 *	  Reader and writer helpers for the text forms of bt_counts and
 *	  bt_model.  Both forms are JSON objects with a fixed key order, so a
 *	  value can be inspected with ::text::jsonb, while the input functions
 *	  parse them strictly (every key in its place, every number checked)
 *	  without building a jsonb tree first.  Every syntax error is 22P02.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_text.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "utils/json.h"

void
bt_lex_init(BtLex *lx, const char *input, const char *typname)
{
	lx->p = input;
	lx->whole = input;
	lx->typname = typname;
}

void
bt_lex_error(BtLex *lx, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s", lx->typname),
			 errdetail("Expected %s at character %d: \"%.32s\".", what,
					   (int) (lx->p - lx->whole) + 1, lx->p)));
}

static inline void
bt_lex_ws(BtLex *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r')
		lx->p++;
}

void
bt_lex_expect(BtLex *lx, char c)
{
	char		what[8];

	bt_lex_ws(lx);
	if (*lx->p != c)
	{
		snprintf(what, sizeof(what), "\"%c\"", c);
		bt_lex_error(lx, what);
	}
	lx->p++;
}

bool
bt_lex_accept(BtLex *lx, char c)
{
	bt_lex_ws(lx);
	if (*lx->p == c)
	{
		lx->p++;
		return true;
	}
	return false;
}

/* "key" : */
void
bt_lex_key(BtLex *lx, const char *key)
{
	size_t		len = strlen(key);

	bt_lex_ws(lx);
	if (lx->p[0] != '"' || strncmp(lx->p + 1, key, len) != 0 ||
		lx->p[len + 1] != '"')
	{
		char	   *what = psprintf("key \"%s\"", key);

		bt_lex_error(lx, what);
	}
	lx->p += len + 2;
	bt_lex_expect(lx, ':');
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
bt_lex_string(BtLex *lx, int *len)
{
	StringInfoData buf;

	bt_lex_ws(lx);
	if (*lx->p != '"')
		bt_lex_error(lx, "a string");
	lx->p++;
	initStringInfo(&buf);
	for (;;)
	{
		char		c = *lx->p;

		if (c == '\0')
			bt_lex_error(lx, "a closing quote");
		if (c == '"')
		{
			lx->p++;
			break;
		}
		if ((unsigned char) c < 0x20)
			bt_lex_error(lx, "no control character in a string");
		if (c != '\\')
		{
			appendStringInfoChar(&buf, c);
			lx->p++;
			continue;
		}
		lx->p++;
		switch (*lx->p)
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&buf, *lx->p);
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
						int			h = hexval(lx->p[k]);

						if (h < 0)
							bt_lex_error(lx, "four hex digits after \\u");
						cp = cp * 16 + h;
					}
					if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
						bt_lex_error(lx, "a \\u escape other than U+0000 or a surrogate");
					memset(mb, 0, sizeof(mb));
					pg_unicode_to_server(cp, mb);
					appendStringInfoString(&buf, (char *) mb);
					lx->p += 4;
				}
				break;
			default:
				bt_lex_error(lx, "a valid escape");
		}
		lx->p++;
	}
	/* the bytes must be valid in the server encoding */
	pg_verifymbstr(buf.data, buf.len, false);
	*len = buf.len;
	return buf.data;
}

bool
bt_lex_null(BtLex *lx)
{
	bt_lex_ws(lx);
	if (strncmp(lx->p, "null", 4) == 0)
	{
		lx->p += 4;
		return true;
	}
	return false;
}

double
bt_lex_number(BtLex *lx)
{
	bt_lex_ws(lx);
	if (*lx->p == '\0' || *lx->p == ',' || *lx->p == ']' || *lx->p == '}')
		bt_lex_error(lx, "a number");
	return pc_parse_float8(&lx->p, lx->typname, lx->whole);
}

double
bt_lex_finite(BtLex *lx)
{
	double		v = bt_lex_number(lx);

	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", lx->typname),
				 errdetail("A finite number is required at character %d.",
						   (int) (lx->p - lx->whole))));
	return v;
}

int64
bt_lex_int8(BtLex *lx)
{
	char	   *end;
	long long	v;

	bt_lex_ws(lx);
	if (!(*lx->p == '-' || (*lx->p >= '0' && *lx->p <= '9')))
		bt_lex_error(lx, "an integer");
	errno = 0;
	v = strtoll(lx->p, &end, 10);
	if (errno == ERANGE)
		bt_lex_error(lx, "an integer within bigint range");
	lx->p = end;
	return (int64) v;
}

int32
bt_lex_int4(BtLex *lx, int32 lo, int32 hi)
{
	int64		v = bt_lex_int8(lx);

	if (v < lo || v > hi)
		bt_lex_error(lx, "an integer in range");
	return (int32) v;
}

bool
bt_lex_bool(BtLex *lx)
{
	bt_lex_ws(lx);
	if (strncmp(lx->p, "true", 4) == 0)
	{
		lx->p += 4;
		return true;
	}
	if (strncmp(lx->p, "false", 5) == 0)
	{
		lx->p += 5;
		return false;
	}
	bt_lex_error(lx, "true or false");
}

void
bt_lex_end(BtLex *lx)
{
	bt_lex_ws(lx);
	if (*lx->p != '\0')
		bt_lex_error(lx, "end of input");
}

void
bt_append_json_string(StringInfo buf, const char *s)
{
	escape_json(buf, s);
}
