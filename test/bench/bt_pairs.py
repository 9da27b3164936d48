#!/usr/bin/env python3
"""test/bench/bt_pairs.py: a random pair file for bt_solve_bench.

    python3 test/bench/bt_pairs.py ITEMS [PER_ITEM [SEED]] > pairs.csv

ITEMS items with true scores drawn from N(0, 1); ITEMS * PER_ITEM (default
50) comparisons between two distinct items drawn uniformly, the first
winning with the Bradley-Terry probability.  One line an ordered pair,
"i,j,w1,w2,wt" (0-based indices, first won, second won, ties: none),
sorted by (i, j), as bt_solve_bench reads it.  The standard library only.
The solver figures of doc/performance.md ("Bradley-Terry") were measured
on files of this kind (300 to 3000 items, 50 comparisons an item).
"""
import math
import random
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    per_item = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    if n < 2 or per_item < 1:
        sys.exit("ITEMS must be at least 2 and PER_ITEM at least 1")
    score = [rng.gauss(0.0, 1.0) for _ in range(n)]
    counts = {}
    for _ in range(n * per_item):
        i = rng.randrange(n)
        j = rng.randrange(n)
        if i == j:
            continue
        first_wins = rng.random() < 1.0 / (1.0 + math.exp(score[j] - score[i]))
        w = counts.setdefault((i, j), [0, 0])
        w[0 if first_wins else 1] += 1
    out = sys.stdout
    for (i, j) in sorted(counts):
        w1, w2 = counts[(i, j)]
        out.write("%d,%d,%d,%d,0\n" % (i, j, w1, w2))


if __name__ == "__main__":
    main()
