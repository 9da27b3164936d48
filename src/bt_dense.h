/*-------------------------------------------------------------------------
 *
 * bt_dense.h
 *	  Dense symmetric matrices for the Bradley-Terry solver and the reward
 *	  model (bt_dense.c):
 *	  row-major, rows ld doubles apart, lower triangle used.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_DENSE_H
#define BT_DENSE_H

#include "bt_solve.h"

/*
 * A p-column matrix of rows rows, each row 64-byte aligned; *ld is the
 * row stride and *raw what to release.
 */
extern double *bt_dense_alloc(const BtEnv *env, int p, int rows, int *ld,
							  void **raw);

/* in-place Cholesky A = L L'; false when A is not positive definite */
extern bool bt_cholesky(double *a, int p, int ld, const BtEnv *env);

/* solve L L' x = b in place */
extern void bt_chol_solve(const double *l, int p, int ld, double *x);

/* diag((L L')^-1) from the factor L, into diag */
extern void bt_chol_inverse_diag(const double *l, int p, int ld, double *diag,
								 const BtEnv *env);

#endif							/* BT_DENSE_H */
