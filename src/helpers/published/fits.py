"""Small batched curve fits for the published evaluations (chapter 11): every fit takes bootstrap weights.

Each fit accepts ``weights`` of shape (B, n), one row per bootstrap replicate (a row of ones is the
plain fit; a row of multinomial counts is one resample of the n points), and returns B fits at once,
so a 200-replicate bootstrap costs one vectorised call instead of 200 loops.

Symbols
-------
g        floor of an accuracy curve (chance): ``acc = g + (1 - g) * sigmoid(z)``, ceiling 1
z        linear predictor ``z = b0 + b . x`` of features x (log compute, a loss, capability scores)
u        accuracy above chance on [0, 1]: ``u = (acc - g) / (1 - g)``; its logit is z
E, A, a  power law with a floor in one variable: ``y = E + A * exp(-a * x)`` (x = ln scale)
N, D     parameters and training tokens: ``y = E + A * N**-alpha + B * D**-beta`` (model-ladder law)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit, logit

from ..validation import check_int, check_real

__all__ = [
    "LOGODDS_CLIP",
    "bootstrap_weights",
    "sigmoid_link",
    "logit_above",
    "SigmoidFit",
    "fit_sigmoid",
    "PowerFloorFit",
    "fit_power_floor",
    "LadderLawFit",
    "fit_ladder_law",
    "principal_components",
    "percentile_interval",
]

LOGODDS_CLIP = 0.01  # accuracies above chance are clipped to [0.01, 0.99] before a logit


def _weights(weights: Any, n: int) -> np.ndarray:
    """Weights (B, n) of non-negative numbers with a positive sum per row; None means one row of ones."""
    if weights is None:
        return np.ones((1, n))
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = w[None]
    if w.ndim != 2 or w.shape[1] != n or not np.isfinite(w).all() or (w < 0).any() or (w.sum(axis=1) <= 0).any():
        raise ValueError(f"weights must be a (B, {n}) array of non-negative numbers, each row with a positive sum")
    return w


def bootstrap_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n) multinomial counts: each row resamples n points with replacement (seeded)."""
    n = check_int("n", n, low=1)
    n_boot = check_int("n_boot", n_boot, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)


def _floor(floor: Any) -> float:
    return check_real("floor", floor, low=0, high=1, high_open=True)


def sigmoid_link(z: Any, floor: float) -> np.ndarray:
    """acc = g + (1 - g) * sigmoid(z): a curve from the floor g (chance) up to 1."""
    g = _floor(floor)
    return g + (1 - g) * expit(np.asarray(z, dtype=float))


def logit_above(acc: Any, floor: float, clip: float = LOGODDS_CLIP) -> np.ndarray:
    """logit of the accuracy above chance, (acc - g) / (1 - g), clipped to [clip, 1 - clip]."""
    g = _floor(floor)
    clip = check_real("clip", clip, low=0, high=0.5, low_open=True, high_open=True)
    u = (np.asarray(acc, dtype=float) - g) / (1 - g)
    return logit(np.clip(u, clip, 1 - clip))


@dataclass(frozen=True, eq=False)
class SigmoidFit:
    """B fits of acc = g + (1 - g) sigmoid(b0 + b . (x - center) / scale)."""

    coef: np.ndarray  # (B, p + 1): intercept, then one slope per standardised feature
    center: np.ndarray  # (B, p) feature means used to standardise
    scale: np.ndarray  # (B, p) feature spreads used to standardise
    floor: float  # g

    def linear(self, X: Any) -> np.ndarray:
        """The linear predictor z, (B, m), at features X of shape (m, p) or (B, m, p)."""
        X = _features(X, self.center.shape[1])
        Xs = (X - self.center[:, None, :]) / self.scale[:, None, :]
        return self.coef[:, :1] + np.einsum("bmp,bp->bm", Xs, self.coef[:, 1:])

    def __call__(self, X: Any) -> np.ndarray:
        """Accuracy (B, m) at features X."""
        return sigmoid_link(self.linear(X), self.floor)

    def slope(self) -> np.ndarray:
        """(B, p) change of z per unit of each (unstandardised) feature: b in z = b0 + b . x."""
        return self.coef[:, 1:] / self.scale

    def intercept(self) -> np.ndarray:
        """(B,) z at x = 0 (unstandardised features): b0 in z = b0 + b . x."""
        return self.coef[:, 0] - (self.slope() * self.center).sum(axis=1)


def _features(X: Any, p: int | None = None) -> np.ndarray:
    """Features as (1, m, p) or (B, m, p) float array (a 1-D X is one feature)."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim == 2:
        X = X[None]
    if X.ndim != 3 or (p is not None and X.shape[2] != p) or not np.isfinite(X).all():
        raise ValueError(f"X must be finite features of shape (m, p) or (B, m, p){f' with p = {p}' if p else ''}; "
                         f"got shape {np.shape(X)}")
    return X


def fit_sigmoid(X: Any, y: Any, floor: float, weights: Any = None, *, n_iter: int = 40) -> SigmoidFit:
    """Weighted least squares of y = g + (1 - g) sigmoid(b0 + b . x), one fit per row of ``weights``.

    Started from a straight line through the clipped logits of the accuracy above chance (bootstrap
    replicates of one design: from the fit with the mean weights), then refined by damped
    Gauss-Newton (Levenberg-Marquardt) steps on the accuracy scale.
    """
    g = _floor(floor)
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) < 2 or not np.isfinite(y).all():
        raise ValueError(f"y must be a 1-D array of at least 2 finite accuracies; got shape {y.shape}")
    X = _features(X)
    n, p = len(y), X.shape[2]
    if X.shape[1] != n:
        raise ValueError(f"X must have one row per entry of y ({n}); got {X.shape[1]}")
    W = _weights(weights, n)
    B = len(W)
    shared = X.shape[0] == 1  # one design for every replicate: matrix products instead of batched einsums
    center = X.mean(axis=1)
    scale = X.std(axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    D = np.concatenate([np.ones(X.shape[:2] + (1,)), (X - center[:, None]) / scale[:, None]], axis=2)
    q = p + 1
    ridge = 1e-8 * np.eye(q)
    if shared:
        D0 = D[0]
        DD = (D0[:, :, None] * D0[:, None, :]).reshape(n, q * q)
        center, scale = np.repeat(center, B, axis=0), np.repeat(scale, B, axis=0)

        def linear(t: np.ndarray) -> np.ndarray:
            return t @ D0.T

        def normal(c: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return ((W * c**2) @ DD).reshape(B, q, q), (W * c * r) @ D0
    else:
        if X.shape[0] != B:
            raise ValueError(f"X must hold one design per row of weights ({B}); got {X.shape[0]}")

        def linear(t: np.ndarray) -> np.ndarray:
            return np.einsum("bnq,bq->bn", D, t)

        def normal(c: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            J = c[..., None] * D
            JtW = J.transpose(0, 2, 1) * W[:, None, :]
            return JtW @ J, (JtW @ r[..., None])[..., 0]

    if shared and B > 1:  # start every replicate from the fit with the mean weights: a few steps each
        pilot = fit_sigmoid(X[0], y, g, W.mean(axis=0)[None], n_iter=n_iter)
        theta = np.repeat(pilot.coef, B, axis=0)
    else:  # a straight line through the clipped logits of the accuracy above chance
        z0 = logit_above(y, g)
        A0, b0 = normal(np.ones((B, n)), np.broadcast_to(z0, (B, n)))
        theta = np.linalg.solve(A0 + ridge, b0[..., None])[..., 0]

    def sse(t: np.ndarray) -> np.ndarray:
        r = y - sigmoid_link(linear(t), g)
        return (W * r**2).sum(axis=1)

    lam = np.full(B, 1e-2)
    cost = sse(theta)
    for _ in range(check_int("n_iter", n_iter, low=0)):
        s = expit(linear(theta))
        r = y - (g + (1 - g) * s)
        A, grad = normal((1 - g) * s * (1 - s), r)
        diag = np.diagonal(A, axis1=1, axis2=2)
        step = np.linalg.solve(A + lam[:, None, None] * (np.eye(q) * diag[:, None, :] + 1e-9 * np.eye(q)) + ridge,
                               grad[..., None])[..., 0]
        trial = theta + step
        new = sse(trial)
        better = new < cost
        done = (np.abs(new - cost) <= 1e-8 * cost) | (lam >= 1e2)  # the step changes nothing, or none fits
        theta = np.where(better[:, None], trial, theta)
        cost = np.where(better, new, cost)
        lam = np.clip(np.where(better, lam / 3, lam * 4), 1e-9, 1e9)
        if done.all():
            break  # every replicate has converged
    return SigmoidFit(coef=theta, center=center, scale=scale, floor=g)


@dataclass(frozen=True, eq=False)
class PowerFloorFit:
    """B fits of y = E + A exp(-a x), with x = ln(scale / scale0)."""

    E: np.ndarray  # (B,) floor, >= 0
    A: np.ndarray  # (B,) amplitude at x = 0, >= 0
    a: np.ndarray  # (B,) exponent, > 0

    def __call__(self, x: Any) -> np.ndarray:
        """y (B, m) at x (m,)."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return self.E[:, None] + self.A[:, None] * np.exp(-self.a[:, None] * x[None])


_EXPONENTS = np.geomspace(0.005, 2.0, 240)  # the grid of exponents a searched by fit_power_floor


def _nonneg_two_column(F: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of weights and each grid feature F[k] (K, n): least squares of y = E + A F[k], E, A >= 0.

    Returns (E, A, sse), each (B, K); the non-negative solution is the best of the unconstrained one
    (where feasible) and the two one-parameter fits on the boundary."""
    sw = W.sum(axis=1)[:, None]  # (B, 1)
    sf = W @ F.T  # (B, K)
    sff = W @ (F**2).T
    sy = (W @ y)[:, None]
    sfy = W @ (F * y).T
    syy = (W @ y**2)[:, None]
    det = sw * sff - sf**2
    with np.errstate(divide="ignore", invalid="ignore"):
        A = np.where(det > 0, (sw * sfy - sf * sy) / det, np.nan)
        E = (sy - A * sf) / sw
    candidates = []
    ok = (A >= 0) & (E >= 0)
    candidates.append((np.where(ok, E, 0.0), np.where(ok, A, 0.0), ok))
    with np.errstate(divide="ignore", invalid="ignore"):
        A0 = np.where(sff > 0, np.maximum(sfy / sff, 0.0), 0.0)  # E = 0
    candidates.append((np.zeros_like(A0), A0, np.ones_like(ok)))
    E0 = np.maximum(sy / sw, 0.0) * np.ones_like(sf)  # A = 0
    candidates.append((E0, np.zeros_like(E0), np.ones_like(ok)))
    best_E, best_A, best_sse = None, None, None
    for E_c, A_c, valid in candidates:
        sse = syy - 2 * E_c * sy - 2 * A_c * sfy + E_c**2 * sw + 2 * E_c * A_c * sf + A_c**2 * sff
        sse = np.where(valid, sse, np.inf)
        if best_sse is None:
            best_E, best_A, best_sse = E_c, A_c, sse
        else:
            take = sse < best_sse
            best_E, best_A, best_sse = (np.where(take, E_c, best_E), np.where(take, A_c, best_A),
                                        np.where(take, sse, best_sse))
    return best_E, best_A, best_sse


def fit_power_floor(x: Any, y: Any, weights: Any = None) -> PowerFloorFit:
    """Weighted least squares of y = E + A exp(-a x) (E, A >= 0), a searched on a grid of 240 exponents.

    With x = ln(scale / scale0) this is a power law with a floor, y = E + A (scale / scale0)^(-a), the
    usual form of a loss falling with compute; for fixed a it is linear in (E, A), solved exactly.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 3 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"x and y must be 1-D finite arrays of one length >= 3; got shapes {x.shape} and {y.shape}")
    W = _weights(weights, len(x))
    F = np.exp(-_EXPONENTS[:, None] * x[None])  # (K, n)
    E, A, sse = _nonneg_two_column(F, y, W)
    k = np.argmin(sse, axis=1)
    rows = np.arange(len(W))
    return PowerFloorFit(E=E[rows, k], A=A[rows, k], a=_EXPONENTS[k])


@dataclass(frozen=True, eq=False)
class LadderLawFit:
    """B fits of the model-ladder law y = E + A N^-alpha + B D^-beta (N, D scaled by 1e9)."""

    E: np.ndarray
    A: np.ndarray
    alpha: np.ndarray
    B: np.ndarray
    beta: np.ndarray

    def __call__(self, N: Any, D: Any) -> np.ndarray:
        """y (B, m) at parameters N and tokens D (m,)."""
        n = np.atleast_1d(np.asarray(N, dtype=float)) / 1e9
        d = np.atleast_1d(np.asarray(D, dtype=float)) / 1e9
        return (self.E[:, None] + self.A[:, None] * n[None] ** -self.alpha[:, None]
                + self.B[:, None] * d[None] ** -self.beta[:, None])


_LADDER_COARSE = np.linspace(0.02, 1.5, 25)  # first search grid of alpha and beta
_LADDER_FINE = np.linspace(-1.0, 1.0, 13)  # second grid, in coarse steps around the best coarse pair


def _ladder_sse(Fa: np.ndarray, Fb: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of y = E + A Fa_i + B Fb_j for every replicate r and grid pair (i, j).

    Fa (R, Ka, n) and Fb (R, Kb, n) are the candidate features of each replicate. Returns the
    coefficients (R, Ka, Kb, 3) and the weighted sum of squares (R, Ka, Kb), inf where a coefficient
    is negative."""
    Wa = W[:, None, :] * Fa
    s1 = W.sum(axis=1)[:, None, None]
    sa = Wa.sum(axis=2)[:, :, None]
    sb = np.einsum("rn,rjn->rj", W, Fb)[:, None, :]
    saa = (Wa * Fa).sum(axis=2)[:, :, None]
    sbb = np.einsum("rn,rjn->rj", W, Fb**2)[:, None, :]
    sab = Wa @ Fb.transpose(0, 2, 1)
    sy = (W @ y)[:, None, None]
    say = (Wa @ y)[:, :, None]
    sby = np.einsum("rn,rjn->rj", W * y, Fb)[:, None, :]
    s1, sa, sb, saa, sbb, sy, say, sby = np.broadcast_arrays(s1, sa, sb, saa, sbb, sy, say, sby)
    # Cramer's rule on the symmetric 3 x 3 normal equations
    m00, m01, m02, m11, m12, m22 = s1, sa, sb, saa, sab, sbb
    c00 = m11 * m22 - m12 * m12
    c01 = m02 * m12 - m01 * m22
    c02 = m01 * m12 - m02 * m11
    c11 = m00 * m22 - m02 * m02
    c12 = m01 * m02 - m00 * m12
    c22 = m00 * m11 - m01 * m01
    det = m00 * c00 + m01 * c01 + m02 * c02
    with np.errstate(divide="ignore", invalid="ignore"):
        E = (c00 * sy + c01 * say + c02 * sby) / det
        A = (c01 * sy + c11 * say + c12 * sby) / det
        Bc = (c02 * sy + c12 * say + c22 * sby) / det
    syy = (W @ y**2)[:, None, None]
    coef = np.stack([E, A, Bc], axis=-1)
    sse = syy - (E * sy + A * say + Bc * sby)
    # a near-singular system (two features almost proportional) gives no trustworthy solution
    ok = (coef >= 0).all(axis=-1) & np.isfinite(sse) & (np.abs(det) > 1e-9 * np.abs(m00 * m11 * m22))
    best_coef, best_sse = coef, np.where(ok, sse, np.inf)
    zero = np.zeros_like(E)
    # on the boundary: one of the three coefficients is 0 and the other two solve a 2 x 2 system
    for (p00, p01, p11, v0, v1), place in (
        ((m00, m01, m11, sy, say), lambda u, v: (u, v, zero)),  # B = 0
        ((m00, m02, m22, sy, sby), lambda u, v: (u, zero, v)),  # A = 0
        ((m11, m12, m22, say, sby), lambda u, v: (zero, u, v)),  # E = 0
    ):
        d2 = p00 * p11 - p01**2
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (p11 * v0 - p01 * v1) / d2
            v = (p00 * v1 - p01 * v0) / d2
        with np.errstate(invalid="ignore"):
            e2 = syy - (u * v0 + v * v1)
        ok2 = (u >= 0) & (v >= 0) & np.isfinite(e2) & (np.abs(d2) > 1e-9 * np.abs(p00 * p11))
        e2 = np.where(ok2, e2, np.inf)
        take = e2 < best_sse
        best_coef = np.where(take[..., None], np.stack(place(u, v), axis=-1), best_coef)
        best_sse = np.where(take, e2, best_sse)
    const = sy / m00  # A = B = 0: a flat line at the weighted mean, always feasible for y >= 0
    e1 = np.where(const >= 0, syy - const * sy, np.inf)
    take = e1 < best_sse
    best_coef = np.where(take[..., None], np.stack([const, zero, zero], axis=-1), best_coef)
    return best_coef, np.where(take, e1, best_sse)


def fit_ladder_law(N: Any, D: Any, y: Any, weights: Any = None) -> LadderLawFit:
    """Weighted least squares of y = E + A N^-alpha + B D^-beta with E, A, B >= 0 (Bhagia et al.'s step 1).

    (alpha, beta) are searched on a 25 x 25 grid in [0.02, 1.5], then on three ever narrower 13 x 13
    grids around the best pair; for each pair the law is linear in (E, A, B) and solved exactly under
    E, A, B >= 0 (where the free solution has a negative coefficient, the best solution with one or
    two coefficients set to 0 is taken).
    """
    N = np.asarray(N, dtype=float)
    D = np.asarray(D, dtype=float)
    y = np.asarray(y, dtype=float)
    if not (N.ndim == 1 and N.shape == D.shape == y.shape and len(y) >= 5):
        raise ValueError("N, D and y must be 1-D arrays of one length >= 5 (the law has 5 parameters)")
    if (N <= 0).any() or (D <= 0).any() or not np.isfinite(y).all():
        raise ValueError("N and D must be positive and y finite")
    W = _weights(weights, len(y))
    R = len(W)
    ln_n, ln_d = np.log(N / 1e9), np.log(D / 1e9)
    rows = np.arange(R)

    def search(ga: np.ndarray, gb: np.ndarray) -> tuple[np.ndarray, ...]:
        """ga (R, Ka), gb (R, Kb): grids per replicate -> best (alpha, beta, coef, sse) per replicate."""
        Fa = np.exp(-ga[..., None] * ln_n)
        Fb = np.exp(-gb[..., None] * ln_d)
        coef, sse = _ladder_sse(Fa, Fb, y, W)
        flat = sse.reshape(R, -1)
        best = np.argmin(flat, axis=1)
        i, j = np.unravel_index(best, sse.shape[1:])
        return ga[rows, i], gb[rows, j], coef[rows, i, j], flat[rows, best]

    coarse = np.broadcast_to(_LADDER_COARSE, (R, len(_LADDER_COARSE)))
    a0, b0, _, sse0 = search(coarse, coarse)
    if not np.isfinite(sse0).all():
        raise ValueError("y has no fit with non-negative E, A, B on the exponent grid (is it a falling loss?)")
    width = 2 * (_LADDER_COARSE[1] - _LADDER_COARSE[0])
    alpha, beta = a0, b0
    for _ in range(3):  # three refinements, each 6 times narrower
        fa = np.clip(alpha[:, None] + width * _LADDER_FINE, _LADDER_COARSE[0], None)
        fb = np.clip(beta[:, None] + width * _LADDER_FINE, _LADDER_COARSE[0], None)
        alpha, beta, c, _ = search(fa, fb)
        width /= 6
    return LadderLawFit(E=c[:, 0], A=c[:, 1], alpha=alpha, B=c[:, 2], beta=beta)


def principal_components(S: Any, weights: Any = None, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Weighted principal components of scores S (n, q): (center (B, q), loadings (B, q, k)).

    Component scores of any model are ``(s - center) @ loadings``; each loading column has unit length
    and its sign is fixed so that the loadings sum to a positive number (a higher score is "more capable").
    """
    S = np.asarray(S, dtype=float)
    if S.ndim != 2 or not np.isfinite(S).all():
        raise ValueError(f"S must be a finite (n, q) array of scores; got shape {S.shape}")
    k = check_int("k", k, low=1, high=S.shape[1])
    W = _weights(weights, S.shape[0])
    center = (W @ S) / W.sum(axis=1)[:, None]
    Sc = S[None] - center[:, None]
    cov = np.einsum("bn,bnq,bnr->bqr", W, Sc, Sc) / W.sum(axis=1)[:, None, None]
    _, vecs = np.linalg.eigh(cov)
    load = vecs[:, :, ::-1][:, :, :k]
    sign = np.where(load.sum(axis=1, keepdims=True) < 0, -1.0, 1.0)
    return center, load * sign


def percentile_interval(samples: Any, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The (lo, hi) percentile interval over axis 0 of bootstrap samples, ignoring NaN replicates."""
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    tail = (1 - confidence) / 2
    s = np.asarray(samples, dtype=float)
    return np.nanquantile(s, tail, axis=0), np.nanquantile(s, 1 - tail, axis=0)
