/*-------------------------------------------------------------------------
 *
 * recal_fit.c
 *	  Fitting a recal_points state: the final functions of
 *	  temperature_scaling and platt_scaling, and recal_fit(state, ...).
 *	  Each turns recal_math.c's status into an error or a recalibrator.
 *
 *-------------------------------------------------------------------------
 */
#include "recal_int.h"

#include <math.h>

#include "utils/builtins.h"

static Recalibrator *
fit_state(const RecalPoints *state, RecalMethod method, bool smoothing,
		  int max_iter, double tol)
{
	RecalPoints *s = recal_points_compact_copy(state);
	RecalFit	fit;
	RecalStatus st;
	Recalibrator *r;
	const char *what = (method == RECAL_TEMPERATURE) ?
		"temperature scaling" : "Platt scaling";

	st = recal_fit_points(s->pts, s->npoints, method, smoothing,
						  max_iter, tol, pc_interrupt, &fit);
	if (st != RECAL_EMPTY && !isfinite(fit.sumw))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total weight is out of range")));
	switch (st)
	{
		case RECAL_OK:
			break;
		case RECAL_EMPTY:
			return NULL;
		case RECAL_ONE_VALUE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s needs at least two distinct %ss", what,
							recal_kind_name(s->kind)),
					 errdetail("With a single input value the slope of the map is not identifiable.")));
			break;
		case RECAL_ALL_ZERO:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s needs an input other than probability 0.5 or score 0", what),
					 errdetail("Every input has logit 0, which no temperature changes.")));
			break;
		case RECAL_NO_SIGNAL:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the inputs carry no positive information about the outcomes"),
					 errdetail("The log loss keeps falling as the temperature grows, towards a constant 0.5."),
					 errhint("Check the orientation of the probabilities, or use Platt scaling, which can flip the sign.")));
			break;
		case RECAL_SEPARATED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the outcomes are perfectly separated by the inputs"),
					 errdetail("No finite maximum-likelihood %s exists: the log loss keeps falling as the map gets steeper.", what),
					 errhint(method == RECAL_PLATT ?
							 "Use smoothing => true (Platt's smoothed targets), or fit on more data." :
							 "This happens when every outcome is the same or every prediction is on the right side of 0.5; fit on more data.")));
			break;
		case RECAL_NOT_CONVERGED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s did not converge in %d iterations", what, max_iter),
					 errdetail("The squared Newton decrement relative to the log loss is %g; the tolerance is %g.",
							   fit.decrement, tol),
					 errhint("Raise max_iter or decrement_tol.")));
			break;
	}

	r = palloc0(sizeof(Recalibrator));
	SET_VARSIZE(r, sizeof(Recalibrator));
	r->version = RECALIBRATOR_VERSION;
	r->method = (uint8) method;
	r->kind = s->kind;
	r->smoothing = smoothing ? 1 : 0;
	r->iterations = fit.iterations;
	r->nrows = s->nrows;
	r->param[0] = fit.param[0];
	r->param[1] = (method == RECAL_PLATT) ? fit.param[1] : 0;
	r->sumw = fit.sumw;
	r->loss = fit.loss;
	r->loss_identity = fit.loss_identity;
	r->decrement = fit.decrement;
	if (method == RECAL_TEMPERATURE ? !(r->param[0] > 0 && isfinite(r->param[0])) :
		!(isfinite(r->param[0]) && isfinite(r->param[1])))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s produced a parameter out of range", what)));
	/* never store a value that recalibrator_in would refuse */
	if (!(r->loss >= 0) || !(r->loss_identity >= 0) ||
		!(r->decrement >= 0) || isinf(r->decrement))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s produced a log loss or Newton decrement out of range", what),
				 errdetail("Log loss %g, at the identity map %g, decrement %g.",
						   r->loss, r->loss_identity, r->decrement)));
	return r;
}

/* temperature_scaling(p, y [, w]) final function */
PG_FUNCTION_INFO_V1(recal_temperature_final);
Datum
recal_temperature_final(PG_FUNCTION_ARGS)
{
	Recalibrator *r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r = fit_state(PG_GETARG_RECAL_POINTS(0), RECAL_TEMPERATURE, false, 100, 1e-20);
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}

/* platt_scaling(score, y [, w]) final function: plain MLE */
PG_FUNCTION_INFO_V1(recal_platt_final);
Datum
recal_platt_final(PG_FUNCTION_ARGS)
{
	Recalibrator *r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r = fit_state(PG_GETARG_RECAL_POINTS(0), RECAL_PLATT, false, 100, 1e-20);
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}

/*
 * recal_fit(state, method, smoothing, max_iter, tol) -> recalibrator
 */
PG_FUNCTION_INFO_V1(recal_fit);
Datum
recal_fit(PG_FUNCTION_ARGS)
{
	RecalPoints *s = PG_GETARG_RECAL_POINTS(0);
	char	   *method = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		smoothing = PG_GETARG_BOOL(2);
	int32		max_iter = PG_GETARG_INT32(3);
	double		tol = PG_GETARG_FLOAT8(4);
	RecalMethod m;
	Recalibrator *r;

	if (strcmp(method, "temperature") == 0)
		m = RECAL_TEMPERATURE;
	else if (strcmp(method, "platt") == 0)
		m = RECAL_PLATT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown recalibration method \"%s\"", method),
				 errhint("Use \"temperature\" or \"platt\".")));
	if (smoothing && m != RECAL_PLATT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("smoothing applies only to Platt scaling")));
	if (max_iter < 1 || max_iter > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter %d is out of range", max_iter),
				 errdetail("max_iter must be between 1 and 10000.")));
	if (!(tol > 0) || !isfinite(tol))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("decrement_tol %g is invalid", tol),
				 errdetail("The tolerance must be positive and finite.")));
	r = fit_state(s, m, smoothing, max_iter, tol);
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}
