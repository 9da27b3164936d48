# Makefile for prefcal (PGXS)
#
#   make            build the extension
#   make install    install it into the PostgreSQL that pg_config names
#   make test       install missing packages, build with assertions, run every
#                   test on a throwaway cluster (see test/run-tests.sh)
#   make demo       run the augmentation study on simulated databases
#   make bench      run the performance suite (test/bench/run.sh)

EXTENSION = prefcal
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" prefcal.control)

MODULE_big = prefcal
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script of the current version is generated from one fragment
# per function family (src/sql/NN_family.sql), concatenated in name order.
# An upgrade script with a template src/sql/upgrade/prefcal--A--B.sql.in is
# built from it: the template holds what only an upgrade does (renames,
# ALTERs) and names the fragments' marked blocks of objects new in B, which
# src/sql/upgrade/expand.awk copies in.  The scripts of earlier versions
# (frozen as they shipped) and any other upgrade script are committed at
# the top level and installed as they are.
SQL_PARTS = $(sort $(wildcard src/sql/*.sql))
UPGRADE_built = $(patsubst src/sql/upgrade/%.in,%,$(wildcard src/sql/upgrade/*.sql.in))
DATA_built = prefcal--$(EXTVERSION).sql $(UPGRADE_built)
DATA = $(filter-out $(DATA_built),$(wildcard prefcal--*.sql))

REGRESS = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=prefcal --inputdir=. --outputdir=$(or $(REGRESS_OUTDIR),.)

# isolation specs (specs/*.spec, expected/*.out): interleavings of refits and
# concurrent writers, run by pg_isolation_regress
ISOLATION = $(basename $(notdir $(sort $(wildcard specs/*.spec))))
ISOLATION_OPTS = --load-extension=prefcal

EXTRA_CLEAN = results regression.diffs regression.out output_iso

# No host-specific -march flag and no fast-math: SIMD kernels are chosen at run time
# (src/kernels*.c).  PREFCAL_CFLAGS lets the test harness add assertions.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter $(PREFCAL_CFLAGS)
PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK = -lm

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The reward model's accumulation loops (rank-one Hessian and gradient
# updates) are written to auto-vectorise; as PostgreSQL does for its page
# checksums, compile that file with the vectoriser (no fast-math: sums
# keep their order).
src/reward_math.o src/reward_se.o: CFLAGS += $(CFLAGS_VECTORIZE)

# PGXS does not track header dependencies: rebuild every object when any
# header changes (the headers are few and small).
$(OBJS): $(wildcard src/*.h)

prefcal--$(EXTVERSION).sql: $(SQL_PARTS) prefcal.control
	cat $(SQL_PARTS) > $@

$(UPGRADE_built): %: src/sql/upgrade/%.in src/sql/upgrade/expand.awk $(SQL_PARTS)
	awk -v dir=src/sql -f src/sql/upgrade/expand.awk $< > $@.tmp
	mv $@.tmp $@

.PHONY: test demo bench
test:
	./test/run-tests.sh

demo:
	./test/demo/run-demo.sh

bench:
	./test/bench/run.sh
