#!/usr/bin/env python3
"""Reference values for src/models/clv/clv.test.ts, computed independently of the TypeScript code.

lnΓ and ₂F₁ with mpmath at 40 digits (scipy's values are printed beside them as a cross-check), the
BG/NBD and Gamma-Gamma formulas as lifetimes writes them (scipy.special), and maximum-likelihood fits
with scipy.optimize on small data sets drawn here with numpy (seeded), printed as grouped tables so the
test can carry them. Run: python3 src/models/clv/reference-values.py > /tmp/reference.json
(scipy 1.17.1, numpy 2.4.6, mpmath 1.3.0 when the test's constants were recorded).
"""
import json

import mpmath
import numpy as np
from scipy import optimize, special

mpmath.mp.dps = 40

LN_GAMMA_AT = [1e-8, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.7, 9.99, 14.999, 15.0, 20.5, 100.0, 1234.5, 1e6]
HYP2F1_AT = [
    (1.0, 1.0, 2.0, 0.5),
    (0.1, 0.2, 0.3, 0.05),
    (3.243, 5.426, 6.219, 0.3),
    (2.5, 3.5, 4.2, 0.999),  # c − a − b < 0 near z = 1: diverges there, many terms
    (10.24, 12.4, 12.2, 0.99),
    (150.2, 152.4, 152.2, 0.9),  # heavy buyer: terms far beyond double range
    (0.8, 1.2, 30.0, 0.97),
    (600.243, 602.426, 602.219, 0.75),
]
# c < 0 (BG/NBD with a + b < 1 and x = 0): ₂F₁ is negative here; [a, b, c, z, ln|value|, sign].
HYP2F1_SIGNED_AT = [(0.5, 0.5, -0.2, 0.45), (0.5, 0.5, -0.2, 0.818), (1.5, 1.5, 0.8, 0.9)]
SMALL_AB = dict(r=0.5, alpha=10.0, a=0.3, b=0.5)
SMALL_AB_CASES = [(0, 0.0, 100.0), (1, 50.0, 100.0), (4, 90.0, 100.0)]

CDNOW_WEEKS = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
DAYS = dict(r=0.55, alpha=60.0, a=0.4, b=3.1)
BGNBD_CASES = [(0, 0.0, 38.86), (1, 30.43, 38.86), (2, 30.43, 38.86), (2, 1.71, 38.86), (14, 30.5, 31.0), (50, 100.0, 120.0)]
BGNBD_DAY_CASES = [(0, 0.0, 300.0), (3, 120.0, 200.0), (12, 250.0, 260.0), (40, 300.0, 370.0), (1, 5.0, 6.0), (5000, 364.0, 365.0)]
GG = dict(p=6.25, q=3.74, v=15.44)
GG_CASES = [(1, 10.0), (5, 35.2), (20, 120.0), (2, 0.5)]
CLV_CASES = [(0, 0.0, 300.0, 0.0), (3, 120.0, 200.0, 25.0), (12, 250.0, 260.0, 41.5)]


def hyp2f1(a, b, c, z):
    return float(mpmath.log(mpmath.hyp2f1(a, b, c, z)))


def ll(p, x, tx, T):
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + max(x, 1) - 1) - (r + x) * np.log(tx + alpha)
    return float(a1 + a2 + (np.logaddexp(a3, a4) if x > 0 else a3))


def alive(p, x, tx, T):
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    if x == 0:
        return 1.0
    return float(1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)))


def conditional(p, t, x, tx, T):
    """lifetimes' conditional_expected_number_of_purchases_up_to_time, with mpmath's ₂F₁."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    hyp = mpmath.hyp2f1(r + x, b + x, a + b + x - 1, mpmath.mpf(t) / (alpha + T + t))
    second = 1 - hyp * mpmath.power(mpmath.mpf(alpha + T) / (alpha + T + t), r + x)
    numerator = (a + b + x - 1) / (a - 1) * second
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * mpmath.power(mpmath.mpf(alpha + T) / (alpha + tx), r + x)
    return float(numerator / denominator)


def unconditional(p, t):
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return float((a + b - 1) / (a - 1) * (1 - ((alpha / (alpha + t)) ** r) * hyp))


def unconditional_mp(p, t):
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    hyp = mpmath.hyp2f1(r, b, a + b - 1, mpmath.mpf(t) / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - mpmath.power(mpmath.mpf(alpha) / (alpha + t), r) * hyp)


def gg_ll(g, x, m):
    p, q, v = g["p"], g["q"], g["v"]
    return float(
        special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(v)
        + (p * x - 1) * np.log(m) + (p * x) * np.log(x) - (p * x + q) * np.log(x * m + v)
    )


def clv12(p, g, x, tx, T, m, months=12, discount=0.01):
    """lifetimes' _customer_lifetime_value with freq 'D': months of 30 days, Gamma-Gamma's spend, monthly discount."""
    spend = g["p"] * (g["v"] + x * m) / (g["p"] * x + g["q"] - 1) if x > 0 else g["v"] * g["p"] / (g["q"] - 1)
    value, previous = 0.0, 0.0
    for i in range(1, months + 1):
        up_to = conditional(p, 30 * i, x, tx, T)
        value += spend * (up_to - previous) / (1 + discount) ** i
        previous = up_to
    return value


def simulate(p, n, weeks, rng):
    """BG/NBD histories, all starting at 0, observed for `weeks`; tx and T kept to two decimals."""
    rows = []
    for _ in range(n):
        lam = rng.gamma(p["r"], 1 / p["alpha"])
        drop = rng.beta(p["a"], p["b"])
        t, x, tx = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / lam)
            if t > weeks:
                break
            x, tx = x + 1, t
            if rng.random() < drop:
                break
        rows.append((x, round(tx), weeks))
    return rows


def fit(objective, starts):
    best = None
    for s in starts:
        res = optimize.minimize(objective, s, method="Nelder-Mead", options=dict(xatol=1e-10, fatol=1e-12, maxiter=40000, maxfev=40000))
        res = optimize.minimize(objective, res.x, method="BFGS", options=dict(gtol=1e-10))
        if best is None or res.fun < best.fun:
            best = res
    return best


def main():
    rng = np.random.default_rng(20051)
    out = {
        "lnGamma": [[x, float(mpmath.loggamma(x)), float(special.gammaln(x))] for x in LN_GAMMA_AT],
        "lnHyp2f1": [[a, b, c, z, hyp2f1(a, b, c, z)] for a, b, c, z in HYP2F1_AT],
        "bgnbdWeeks": [[x, tx, T, ll(CDNOW_WEEKS, x, tx, T), alive(CDNOW_WEEKS, x, tx, T), conditional(CDNOW_WEEKS, 39, x, tx, T)] for x, tx, T in BGNBD_CASES],
        "bgnbdDays": [
            [x, tx, T, ll(DAYS, x, tx, T), alive(DAYS, x, tx, T), conditional(DAYS, 90, x, tx, T), conditional(DAYS, 365, x, tx, T)]
            for x, tx, T in BGNBD_DAY_CASES
        ],
        "lnHyp2f1Signed": [[a, b, c, z, float(mpmath.log(abs(mpmath.hyp2f1(a, b, c, z)))), int(mpmath.sign(mpmath.hyp2f1(a, b, c, z)))] for a, b, c, z in HYP2F1_SIGNED_AT],
        "bgnbdSmallAB": [[x, tx, T, conditional(SMALL_AB, 90, x, tx, T), conditional(SMALL_AB, 365, x, tx, T)] for x, tx, T in SMALL_AB_CASES],
        "unconditionalSmallAB": [[t, float(unconditional_mp(SMALL_AB, t))] for t in [90.0, 365.0]],
        "unconditionalWeeks": [[t, unconditional(CDNOW_WEEKS, t)] for t in [1.0, 39.0, 78.0]],
        "clv12": [[x, tx, T, m, clv12(DAYS, GG, x, tx, T, m)] for x, tx, T, m in CLV_CASES],
        "gammaGamma": [[x, m, gg_ll(GG, x, m), GG["p"] * (GG["v"] + x * m) / (GG["p"] * x + GG["q"] - 1)] for x, m in GG_CASES],
    }

    # A BG/NBD fit: 1,500 customers from the CDNOW parameters, 39 weeks, grouped.
    rows = simulate(CDNOW_WEEKS, 1500, 39, rng)
    keys, counts = np.unique(np.array(rows), axis=0, return_counts=True)
    table = [[int(k[0]), float(k[1]), float(k[2]), int(c)] for k, c in zip(keys, counts)]
    xs, txs, Ts, ws = (np.array(col, dtype=float) for col in zip(*table))

    def bg_objective(theta):
        p = dict(zip(["r", "alpha", "a", "b"], np.exp(theta)))
        return -sum(w * ll(p, int(x), tx, T) for x, tx, T, w in zip(xs, txs, Ts, ws)) / ws.sum()

    best = fit(bg_objective, [np.zeros(4), np.log([0.25, 4.0, 0.8, 2.5])])
    out["bgnbdFit"] = {"table": table, "params": dict(zip(["r", "alpha", "a", "b"], np.exp(best.x).tolist())), "meanLogLikelihood": -float(best.fun)}

    # A Gamma-Gamma fit: 300 repeat buyers, spend Gamma(p, ν), ν ~ Gamma(q, v), means to two decimals.
    gg_rows = []
    for _ in range(300):
        nu = rng.gamma(GG["q"], 1 / GG["v"])
        x = int(rng.integers(1, 9))
        gg_rows.append([x, round(float(np.mean(rng.gamma(GG["p"], 1 / nu, size=x))), 2)])

    def gg_objective(theta):
        g = dict(zip(["p", "q", "v"], np.exp(theta)))
        return -sum(gg_ll(g, x, m) for x, m in gg_rows) / len(gg_rows)

    best = fit(gg_objective, [np.log([2.0, 3.0, 20.0]), np.log([1.0, 1.5, 5.0])])
    out["gammaGammaFit"] = {"rows": gg_rows, "params": dict(zip(["p", "q", "v"], np.exp(best.x).tolist())), "meanLogLikelihood": -float(best.fun)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
