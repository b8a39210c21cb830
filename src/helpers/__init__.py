"""Helpers for the Mirage book: one module per idea, named for what it holds, in the order the chapters teach them.

Chapters import them under the names of CONTRIBUTING.md's table (``from helpers import toy_model as tm``,
``from helpers import resolution``, ``from helpers.plotting import toy_model as toy_model_plots``). Every
public function ends its docstring with the chapter and section that teach it; every chapter names the
helper modules it uses near its top.

    emergence_claims.py  the claim: Wei et al.'s emergence points, the scales they were measured at   (chapter 1)
    toy_model.py         the analytic toy model: power-law loss, p, EM, TED, MCG, Brier; sympy + numpy  (chapter 2)
    metrics.py           metrics applied to fixed model outputs (hashed into the arithmetic sweep's
                         code version: its name and contents stay)                                  (chapter 3)
    simulation.py        sampled outputs of the toy model on one fixed test set, scored by every metric (chapter 3)
    resolution.py        finite test sets: detection limits, exact binomial intervals, simulations    (chapter 4)
    arithmetic/          tasks, the tiny transformer family, training, evaluation, chance levels, sweep
                         tables, answer sampling, the sweep CLI                                 (chapters 5 and 7)
    emergence.py         the emergence score (the paper's Eq. 1), audits of tidy tables and the book's
                         rules; LOWER_IS_BETTER, declared once                                        (chapter 6)
    null_models.py       curves whose truth is known: a synthetic benchmark, smooth null curves      (chapter 6)
    audit.py             python -m helpers.audit: the audit of a reader's own CSV                     (chapter 6)
    forecast.py          power-law and logit fits on sweep tables, exact-match forecasts             (chapter 7)
    forecast_scores.py   how good a forecast was: errors and interval coverage                        (chapter 7)
    vision/              offline datasets, CNN/autoencoder/sequence families, sharp and smooth metrics,
                         sweep tables, the sweep CLI                                                  (chapter 8)
    grokking.py          a grokking run: a sharp change over training steps                          (chapter 9)
    other_side.py        per-item switches, exact match against loss, multiple choice                 (chapter 9)
    published/           published evaluations of open LLM families: one reader per source, load()  (chapter 10)
    plotting/            pure plot_...(...) -> Figure functions, one module per chapter topic
    widgets.py           live(...) sliders and scrubber(...) offline players over the plots
    coursework/          self-checks of the exercises, one module per chapter topic, and their registry
    sweeps.py            the sweep runner the arithmetic and vision sweeps share
    cache.py             on-disk results keyed by configuration and code version, written atomically
    parallel.py          the one worker pool: one process per core, one torch thread each
    validation.py        argument checks with clear errors

Tidy tables speak one vocabulary: the scale is ``params``, the answer length ``target_len``.
"""

__all__ = [
    "emergence_claims", "toy_model", "metrics", "simulation", "resolution", "arithmetic", "emergence", "null_models", "audit",
    "forecast", "forecast_scores", "vision", "grokking", "other_side", "published", "plotting", "widgets", "coursework", "sweeps",
    "cache", "parallel", "validation",
]
