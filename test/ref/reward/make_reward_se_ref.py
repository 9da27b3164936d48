#!/usr/bin/python3
# test/ref/reward/make_reward_se_ref.py: reference standard errors for
# prefcal's reward_fit, by statsmodels (Debian's python3-statsmodels 0.13)
# GLM(Binomial) on the equivalent design matrix, written to se_ref.csv.
# Run from this directory after make_reward_ref.py (it reads
# comparisons.csv).
#
#  - large_mle: 4000 comparisons with d = 260 > 256 features (so prefcal
#    fits by L-BFGS and builds the Hessian at the optimum), no prior:
#    coefficients, their standard errors (GLM, nonrobust) and the
#    log-likelihood.  Feature j of side s of comparison r is
#      int(first 8 hex digits of md5('r:j:s'), base 16) / 2^32 - 0.5
#    (in SQL: ('x' || left(md5(...), 8))::bit(32)::bigint); the outcomes,
#    drawn here from known coefficients, are written to se_outcomes.csv;
#  - large: the same set with prior 1: the standard errors
#    sqrt(diag((Z' W Z + I)^-1)) at the optimum, computed here with numpy
#    from the coefficients scikit-learn found (sklearn_fits.csv);
#  - cluster: the "small" set without its ties, unweighted, with a
#    position effect, clustered by r % 40 (40 clusters): coefficients,
#    gamma and the cluster-robust standard errors of
#    GLM.fit(cov_type='cluster') (statsmodels' default small-sample factor
#    G / (G - 1) (N - 1) / (N - K)), and for the first 10 comparisons the
#    delta-method standard error of the predicted probability without
#    gamma, p (1 - p) sqrt(z' C z), C the coefficients' block of the
#    robust covariance.
import csv
import hashlib
import numpy as np
import statsmodels.api as sm


def large_feature(r, j, s):
    return ((r * 131 + j * 977 + s * 7 + 17) * 2654435761 % 4294967296) / 4294967296.0 - 0.5


def md5_feature(r, j, s):
    return int(hashlib.md5(f"{r}:{j}:{s}".encode()).hexdigest()[:8], 16) / 4294967296.0 - 0.5


def arr(t):
    return np.array([float(v) for v in t.strip("{}").split(",")])


rows = list(csv.DictReader(open("comparisons.csv")))
out = []

# large_mle, no prior: statsmodels GLM
rng = np.random.default_rng(20261207)
n, d = 4000, 260
F1 = np.array([[md5_feature(r, j, 1) for j in range(1, d + 1)] for r in range(1, n + 1)])
F2 = np.array([[md5_feature(r, j, 2) for j in range(1, d + 1)] for r in range(1, n + 1)])
Z = F1 - F2
wtrue = rng.normal(size=d) * 0.15
y = (rng.random(n) < 1 / (1 + np.exp(-(Z @ wtrue)))).astype(float)
with open("se_outcomes.csv", "w", newline="") as f:
    wr = csv.writer(f)
    wr.writerow(["r", "outcome"])
    wr.writerows((r + 1, int(y[r])) for r in range(n))
res = sm.GLM(y, Z, family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)
print("large_mle: converged", res.converged, "max |coef|", np.max(np.abs(res.params)))
for j in range(d):
    out.append(("large_mle", "coef", str(j + 1), repr(float(res.params[j]))))
    out.append(("large_mle", "se", str(j + 1), repr(float(res.bse[j]))))
out.append(("large_mle", "loglik", "", repr(float(res.llf))))

# large, prior 1: the penalised Hessian at scikit-learn's optimum
large = [r for r in rows if r["dataset"] == "large"]
d = 300
Z = np.array([[large_feature(int(r["r"]), j, 1) - large_feature(int(r["r"]), j, 2)
               for j in range(1, d + 1)] for r in large])
coef = np.zeros(d)
for r in csv.DictReader(open("sklearn_fits.csv")):
    if r["variant"] == "large" and r["kind"] == "coef":
        coef[int(r["name"]) - 1] = float(r["value"])
p = 1 / (1 + np.exp(-(Z @ coef)))
H = Z.T @ (Z * (p * (1 - p))[:, None]) + np.eye(d)
se = np.sqrt(np.diag(np.linalg.inv(H)))
for j in range(d):
    out.append(("large", "se", str(j + 1), repr(float(se[j]))))

# cluster-robust: small without ties, position effect, clusters r % 40
small = [r for r in rows if r["dataset"] == "small" and float(r["outcome"]) != 0.5]
Z = np.array([arr(r["first_features"]) - arr(r["second_features"]) for r in small])
y = np.array([float(r["outcome"]) for r in small])
g = np.array([int(r["r"]) % 40 for r in small])
X = np.hstack([Z, np.ones((len(small), 1))])
res = sm.GLM(y, X, family=sm.families.Binomial()).fit(
    cov_type="cluster", cov_kwds={"groups": g}, tol=1e-13, maxiter=200)
d = Z.shape[1]
print("cluster: n", len(small), "clusters", len(set(g)), "se", res.bse)
for j in range(d):
    out.append(("cluster", "coef", str(j + 1), repr(float(res.params[j]))))
    out.append(("cluster", "se", str(j + 1), repr(float(res.bse[j]))))
out.append(("cluster", "gamma", "", repr(float(res.params[d]))))
out.append(("cluster", "gamma_se", "", repr(float(res.bse[d]))))
C = np.asarray(res.cov_params())[:d, :d]
for r, z in zip(small[:10], Z[:10]):
    pr = 1 / (1 + np.exp(-(z @ res.params[:d])))
    out.append(("cluster", "predict_se", r["r"], repr(float(pr * (1 - pr) * np.sqrt(z @ C @ z)))))

with open("se_ref.csv", "w", newline="") as f:
    wr = csv.writer(f)
    wr.writerow(["variant", "kind", "name", "value"])
    wr.writerows(out)
