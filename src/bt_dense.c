/*-------------------------------------------------------------------------
 *
 * bt_dense.c
 *	  Dense symmetric positive definite matrices for the Bradley-Terry
 *	  solver and the reward model: aligned storage, a blocked Cholesky
 *	  factorisation (its inner products through the dot4 kernel), the
 *	  triangular solves and the diagonal of the inverse.  Plain arrays;
 *	  memory and interrupts through the caller's BtEnv.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_dense.h"
#include "kernels.h"

#include <math.h>

/*
 * A dense p x p matrix for the Newton steps and the standard errors: rows
 * ld doubles apart, ld = p rounded up to a multiple of 8, the first row on
 * a 64-byte boundary.  Every row then starts 64-byte aligned, so the rows
 * and columns that bt_cholesky and bt_standard_errors hand to dot4 are
 * congruent, and the kernel's aligning head aligns all five of them (on
 * 16-byte aligned rows the kernel ran at half its speed).  *raw is what
 * to release.
 */
double *
bt_dense_alloc(const BtEnv *env, int p, int rows, int *ld, void **raw)
{
	int			l = (p + 7) & ~7;
	char	   *m = bt_env_alloc(env, sizeof(double) * (size_t) rows * l + 64);

	*ld = l;
	*raw = m;
	return (double *) (((uintptr_t) m + 63) & ~(uintptr_t) 63);
}

/*
 * In-place Cholesky A = L L' of a row-major symmetric matrix, rows ld
 * apart (lower triangle used and overwritten).  Returns false when A is not
 * numerically positive definite.
 *
 * Blocked by four columns: for columns j0 .. j0 + 3, each row i >= j0
 * takes the four sums L[i][0..j0) . L[j][0..j0) in one dot4 call, which
 * reads the row once (the kernel layer's SIMD), and the few terms inside
 * the block one by one.  Row i's entries in the block need only rows
 * j0 .. i of it, done before it.
 */
bool
bt_cholesky(double *a, int p, int ld, const BtEnv *env)
{
	for (int j0 = 0; j0 < p; j0 += 4)
	{
		int			nb = p - j0 < 4 ? p - j0 : 4;
		const double *rj[4];

		for (int q = 0; q < 4; q++)
			rj[q] = a + (size_t) (j0 + (q < nb ? q : nb - 1)) * ld;
		for (int i = j0; i < p; i++)
		{
			double	   *ri = a + (size_t) i * ld;
			double		s[4];
			int			qn = i - j0 + 1 < nb ? i - j0 + 1 : nb;

			pc_kern->dot4(ri, rj[0], rj[1], rj[2], rj[3], j0, s);
			for (int q = 0; q < qn; q++)
			{
				int			j = j0 + q;
				double		v = ri[j] - s[q];

				for (int k = j0; k < j; k++)
					v -= ri[k] * rj[q][k];
				if (j < i)
					ri[j] = v / rj[q][j];
				else
				{
					if (!(v > 0) || !isfinite(v))
						return false;
					ri[j] = sqrt(v);
				}
			}
		}
		if ((j0 & 63) == 60)
			bt_env_interrupt(env);
	}
	return true;
}

/* solve L L' x = b in place (rows of L ld apart) */
void
bt_chol_solve(const double *l, int p, int ld, double *x)
{
	for (int i = 0; i < p; i++)
	{
		const double *ri = l + (size_t) i * ld;
		double		s = x[i];

		for (int k = 0; k < i; k++)
			s -= ri[k] * x[k];
		x[i] = s / ri[i];
	}
	for (int i = p - 1; i >= 0; i--)
	{
		double		s = x[i];

		for (int k = i + 1; k < p; k++)
			s -= l[(size_t) k * ld + i] * x[k];
		x[i] = s / l[(size_t) i * ld + i];
	}
}

/*
 * diag((L L')^-1) into diag (p values): diag_c = |L^-1 e_c|^2, by forward
 * solves four columns c0 .. c0 + 3 at a time.  col[q][r] = (delta(r, c0 +
 * q) - L[r][c0..r) . col[q][c0..r)) / L[r][r] from r = c0 on: entries
 * above c0 + q come out exactly 0, so the four solves share one dot4 call
 * a row (p^3 / 3 multiply-adds in all).
 */
void
bt_chol_inverse_diag(const double *l, int p, int ld, double *diag,
					 const BtEnv *env)
{
	int			cld;
	void	   *craw;
	double	   *colbuf = bt_dense_alloc(env, p, 4, &cld, &craw);
	double	   *col[4] = {colbuf, colbuf + cld, colbuf + 2 * cld, colbuf + 3 * cld};

	for (int c0 = 0; c0 < p; c0 += 4)
	{
		double		s2[4] = {0.0, 0.0, 0.0, 0.0};

		if ((c0 & 31) == 28)
			bt_env_interrupt(env);
		for (int r = c0; r < p; r++)
		{
			const double *rr = l + (size_t) r * ld;
			double		s[4];

			pc_kern->dot4(rr + c0, col[0] + c0, col[1] + c0, col[2] + c0,
						  col[3] + c0, r - c0, s);
			for (int q = 0; q < 4; q++)
			{
				double		v = ((r == c0 + q) ? 1.0 : 0.0) - s[q];

				col[q][r] = v / rr[r];
				s2[q] += col[q][r] * col[q][r];
			}
		}
		for (int q = 0; q < 4 && c0 + q < p; q++)
			diag[c0 + q] = s2[q];
	}
	bt_env_release(env, craw);
}
