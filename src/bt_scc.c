/*-------------------------------------------------------------------------
 *
 * bt_scc.c
 *	  Strongly connected components of the Bradley-Terry win graph (see
 *	  bt_scc in bt_solve.h): streaming reachability sweeps for the common
 *	  connected case, iterative Tarjan otherwise.  Plain arrays; memory
 *	  and interrupts through the caller's BtEnv.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_solve.h"

#include <string.h>

/* whether every item carries both marks */
static bool
bt_scc_all_marked(int n, const uint8_t *fr, const uint8_t *br)
{
	unsigned	all = 1;

	for (int u = 0; u < n; u++)
		all &= fr[u] & br[u];
	return all != 0;
}

/*
 * Whether every item reaches item 0 and is reached from it, by sweeps
 * over the pairs that spread both marks along the arcs (branch-free: an
 * arc that is absent masks its update).  Returns 1 when all are reached
 * both ways, 0 when a sweep changed nothing and some are not (the marks
 * are then closed: the graph has more than one component), -1 when
 * BT_SCC_SWEEPS did not settle it.
 *
 * The sweeps count the items that gain their second mark; once the count
 * reaches n (on a connected table, usually early in the first sweep) the
 * marks are checked item by item, every BT_SCC_BLOCK pairs, and the sweep
 * stops as soon as every item has both.  The count only triggers that
 * check, so the verdict never rests on it.
 */
#define BT_SCC_BLOCK 65536

static int
bt_scc_sweep(int n, int nchunk, const BtChunk *chunk, const uint8_t *arc,
			 const BtEnv *env)
{
	uint8_t    *fr = bt_env_alloc(env, n);	/* reached from item 0 */
	uint8_t    *br = bt_env_alloc(env, n);	/* reaches item 0 */
	int			verdict = -1;
	int64_t		both = 1;		/* items with both marks, as counted */

	fr[0] = br[0] = 1;
	for (int sweep = 0; sweep < BT_SCC_SWEEPS && verdict < 0; sweep++)
	{
		unsigned	changed = 0;
		const uint8_t *ak = arc;

		bt_env_interrupt(env);

		for (int c = 0; c < nchunk && verdict < 0; ak += chunk[c].m, c++)
		{
			const int32_t *pi = chunk[c].i;
			const int32_t *pj = chunk[c].j;

			for (int64_t k0 = 0; k0 < chunk[c].m && verdict < 0; k0 += BT_SCC_BLOCK)
			{
				int64_t		kend = chunk[c].m - k0 < BT_SCC_BLOCK ? chunk[c].m : k0 + BT_SCC_BLOCK;

				for (int64_t k = k0; k < kend; k++)
				{
					int32_t		i = pi[k];
					int32_t		j = pj[k];
					unsigned	f = ak[k] & BT_ARC_FWD;
					unsigned	b = (ak[k] >> 1) & 1;
					unsigned	fi = fr[i],
								fj = fr[j],
								bi = br[i],
								bj = br[j];
					unsigned	nfj = fj | (fi & f),
								nfi = fi | (fj & b),
								nbi = bi | (bj & f),
								nbj = bj | (bi & b);

					changed |= (nfj ^ fj) | (nfi ^ fi) | (nbi ^ bi) | (nbj ^ bj);
					both += ((nfi & nbi) ^ (fi & bi)) + ((nfj & nbj) ^ (fj & bj));
					fr[j] = (uint8_t) nfj;
					fr[i] = (uint8_t) nfi;
					br[i] = (uint8_t) nbi;
					br[j] = (uint8_t) nbj;
				}
				if (both >= n && bt_scc_all_marked(n, fr, br))
					verdict = 1;
			}
		}
		if (verdict < 0)
		{
			if (bt_scc_all_marked(n, fr, br))
				verdict = 1;
			else if (!changed)
				verdict = 0;
		}
	}
	bt_env_release(env, fr);
	bt_env_release(env, br);
	return verdict;
}

/*
 * Strongly connected components of the win graph.  See bt_solve.h.
 */
int
bt_scc(int n, int nchunk, const BtChunk *chunk, const uint8_t *arc,
	   int32_t *comp, const BtEnv *env)
{
	int64_t    *start;
	int64_t		narcs = 0;
	int32_t    *adj;
	int64_t    *fill;
	int32_t    *index;
	int32_t    *low;
	bool	   *onstack;
	int32_t    *stack;
	int32_t    *cstack;			/* call stack */
	int64_t    *cpos;
	int			sp = 0,
				ncomp = 0,
				counter = 0;
	int64_t		k;

	if (n > 0 && bt_scc_sweep(n, nchunk, chunk, arc, env) == 1)
	{
		memset(comp, 0, sizeof(int32_t) * n);
		return 1;
	}

	start = bt_env_alloc(env, sizeof(int64_t) * (n + 1));
	index = bt_env_alloc(env, sizeof(int32_t) * n);
	low = bt_env_alloc(env, sizeof(int32_t) * n);
	onstack = bt_env_alloc(env, sizeof(bool) * n);
	stack = bt_env_alloc(env, sizeof(int32_t) * n);
	cstack = bt_env_alloc(env, sizeof(int32_t) * n);
	cpos = bt_env_alloc(env, sizeof(int64_t) * n);

	/* CSR adjacency: arc u -> v when u beat v */
	k = 0;
	for (int c = 0; c < nchunk; c++)
		for (int64_t r = 0; r < chunk[c].m; r++, k++)
		{
			if (arc[k] & BT_ARC_FWD)
			{
				start[chunk[c].i[r] + 1]++;
				narcs++;
			}
			if (arc[k] & BT_ARC_BWD)
			{
				start[chunk[c].j[r] + 1]++;
				narcs++;
			}
		}
	for (int u = 0; u < n; u++)
		start[u + 1] += start[u];
	adj = bt_env_alloc(env, sizeof(int32_t) * (narcs + 1));
	fill = bt_env_alloc(env, sizeof(int64_t) * (n + 1));
	memcpy(fill, start, sizeof(int64_t) * (n + 1));
	k = 0;
	for (int c = 0; c < nchunk; c++)
		for (int64_t r = 0; r < chunk[c].m; r++, k++)
		{
			if (arc[k] & BT_ARC_FWD)
				adj[fill[chunk[c].i[r]]++] = chunk[c].j[r];
			if (arc[k] & BT_ARC_BWD)
				adj[fill[chunk[c].j[r]]++] = chunk[c].i[r];
		}

	for (int u = 0; u < n; u++)
		index[u] = -1;

	for (int root = 0; root < n; root++)
	{
		int			csp = 0;

		if (index[root] >= 0)
			continue;
		bt_env_interrupt(env);
		cstack[csp] = root;
		cpos[csp] = start[root];
		csp++;
		index[root] = low[root] = counter++;
		stack[sp++] = root;
		onstack[root] = true;
		while (csp > 0)
		{
			int			u = cstack[csp - 1];

			if (cpos[csp - 1] < start[u + 1])
			{
				int			v = adj[cpos[csp - 1]++];

				if (index[v] < 0)
				{
					index[v] = low[v] = counter++;
					stack[sp++] = v;
					onstack[v] = true;
					cstack[csp] = v;
					cpos[csp] = start[v];
					csp++;
				}
				else if (onstack[v] && index[v] < low[u])
					low[u] = index[v];
			}
			else
			{
				csp--;
				if (low[u] == index[u])
				{
					int			v;

					do
					{
						v = stack[--sp];
						onstack[v] = false;
						comp[v] = ncomp;
					} while (v != u);
					ncomp++;
				}
				if (csp > 0)
				{
					int			parent = cstack[csp - 1];

					if (low[u] < low[parent])
						low[parent] = low[u];
				}
			}
		}
	}

	bt_env_release(env, start);
	bt_env_release(env, adj);
	bt_env_release(env, fill);
	bt_env_release(env, index);
	bt_env_release(env, low);
	bt_env_release(env, onstack);
	bt_env_release(env, stack);
	bt_env_release(env, cstack);
	bt_env_release(env, cpos);
	return ncomp;
}
