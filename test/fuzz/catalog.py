# test/fuzz/catalog.py: what an extension contains, read from the catalog.
#
# Every tool under test/fuzz/ is driven by this, not by a hand-written list.
# The queries are in test/fuzz/catalog.sql, which test/fuzz/PcCatalog.pm
# (the TAP tests) reads too.

import os
import re

_SQL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalog.sql')


def queries():
    """The named queries of catalog.sql: {name: sql with :ext}."""
    with open(_SQL_FILE) as f:
        text = f.read()
    parts = re.split(r'^-- query: (\w+)\n', text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def _split(s):
    return s.split('|') if s else []


class Func:
    def __init__(self, row):
        (oid, self.kind, self.schema, self.name, self.qname, self.signature,
         argoids, argtypes, ndef, variadic, retset, rettype, retname, strict,
         self.lang, self.config, secdef, self.volatile, self.parallel) = row
        self.oid = int(oid)
        self.argtypes = [int(x) for x in _split(argoids)]
        self.argnames = _split(argtypes)
        self.ndefaults = int(ndef)
        self.variadic = int(variadic)
        self.retset = retset == 't'
        self.rettype = int(rettype)
        self.retname = retname
        self.strict = strict == 't'
        self.secdef = secdef == 't'

    @property
    def min_args(self):
        return len(self.argtypes) - self.ndefaults

    def __repr__(self):
        return self.signature


class Type:
    def __init__(self, row):
        (oid, self.name, self.typtype, self.input, self.output, self.receive,
         self.send, arr, typlen) = row
        self.oid = int(oid)
        self.array_oid = int(arr)
        self.typlen = int(typlen)

    def __repr__(self):
        return self.name


class Oper:
    def __init__(self, row):
        (oid, self.signature, self.name, self.schema, left, right,
         self.leftname, self.rightname) = row
        self.oid = int(oid)
        self.left = int(left)
        self.right = int(right)


def load(conn, extname):
    from pqlite import quote_literal
    lit = quote_literal(extname)
    sql = queries()

    def q(name):
        r = conn.execute(sql[name].replace(':ext', lit))
        if not r.ok:
            raise RuntimeError(r.message)
        return r.rows
    funcs = [Func(r) for r in q('functions')]
    types = [Type(r) for r in q('types')]
    opers = [Oper(r) for r in q('operators')]
    return funcs, types, opers
