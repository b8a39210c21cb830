"""One reader per source: each turns a raw source folder into its extract table (``extract.COLUMNS``).

A reader keeps only what the book's chapters on the mirage can use (see each folder's SOURCE.md),
copies every kept number unchanged, and drops missing measurements. It checks what it relies on and
raises ``ValueError`` when the raw files do not look as expected.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .olmo_ladder import read_olmo_ladder
from .units import scaled

__all__ = ["READERS", "read_pythia", "read_obsscaling", "read_u_shaped", "read_on_emergence",
           "read_open_lm_scaling", "read_sloth", "read_olmo_ladder"]

# --- pythia ---------------------------------------------------------------------------------------

PYTHIA_METRICS = {"lambada_openai": ("acc", "ppl"), "piqa": ("acc", "acc_norm"), "arc_easy": ("acc", "acc_norm"),
                  "arc_challenge": ("acc", "acc_norm"), "sciq": ("acc", "acc_norm"), "logiqa": ("acc", "acc_norm"),
                  "winogrande": ("acc",), "wsc": ("acc",)}
MMLU_PREFIX = "hendrycksTest-"
MMLU_SUBJECTS = 57
MMLU_SETTING = f"macro average of the {MMLU_SUBJECTS} hendrycksTest subjects"
SHOT_FOLDERS = {"zero-shot": 0, "five-shot": 5}


def _items_from_stderr(p: float, se: float) -> float:
    """The test-set size implied by a mean accuracy and its sample standard error: p(1-p)/se^2 + 1."""
    return p * (1 - p) / se**2 + 1 if 0 < p < 1 and se > 0 else math.nan


def read_pythia(raw: Path) -> pd.DataFrame:
    """lm-evaluation-harness results of the 15 Pythia models at every evaluated checkpoint."""
    files = sorted((raw / "evals" / "pythia-v1").glob("pythia-*/*-shot/*.json"))
    if not files:
        raise ValueError(f"no Pythia result files under {raw / 'evals' / 'pythia-v1'}")
    rows, sizes = [], {}
    for path in files:
        model, folder = path.parts[-3], path.parts[-2]
        step = int(re.fullmatch(r".*_step(\d+)\.json", path.name).group(1))
        doc = json.loads(path.read_text())
        shots = SHOT_FOLDERS[folder]
        if doc["config"]["num_fewshot"] != shots:
            raise ValueError(f"{path}: num_fewshot {doc['config']['num_fewshot']} does not match {folder}")
        args = dict(arg.split("=", 1) for arg in doc["config"]["model_args"].split(","))
        expected = (f"EleutherAI/pythia-v1.1-{model.removeprefix('pythia-')}", f"step{step}")
        if (args.get("pretrained"), args.get("revision")) != expected:
            raise ValueError(f"{path}: model_args {doc['config']['model_args']!r} name another model or step")
        results = doc["results"]
        base = {"model": model, "family": "pythia", "dataset": "pile-deduped" if model.endswith("-deduped") else "pile",
                "step": step, "shots": shots}
        for task, metrics in PYTHIA_METRICS.items():
            for metric in metrics:
                rows.append({**base, "task": task, "metric": metric, "value": results[task][metric]})
            n = _items_from_stderr(results[task]["acc"], results[task]["acc_stderr"])
            sizes.setdefault(task, set()).add(round(n) if n == n else None)
        subjects = sorted(t for t in results if t.startswith(MMLU_PREFIX))
        if len(subjects) != MMLU_SUBJECTS:
            raise ValueError(f"{path}: {len(subjects)} MMLU subjects, expected {MMLU_SUBJECTS}")
        for subject in subjects:
            n = _items_from_stderr(results[subject]["acc"], results[subject]["acc_stderr"])
            sizes.setdefault(subject, set()).add(round(n) if n == n else None)
        for metric in ("acc", "acc_norm"):
            mean = math.fsum(results[s][metric] for s in subjects) / len(subjects)
            rows.append({**base, "task": "mmlu", "setting": MMLU_SETTING, "metric": metric, "value": mean})
    n_items = {}
    for task, found in sizes.items():
        found.discard(None)
        if len(found) != 1:
            raise ValueError(f"Pythia task {task}: the accuracies and standard errors imply test sizes {sorted(found)}")
        n_items[task] = found.pop()
    n_items["mmlu"] = sum(n for t, n in n_items.items() if t.startswith(MMLU_PREFIX))
    table = pd.DataFrame(rows)
    table["n_items"] = table["task"].map(n_items)
    return table


# --- obsscaling -------------------------------------------------------------------------------------

OBS_BENCHMARKS = ("MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval")
OBS_EMERGENT = re.compile(r"^(?P<task>.+)_(?P<shots>\d+)_(?P<metric>acc|exact_match|bleu)$")


def _obs_metadata(table: pd.DataFrame, family: str, params: str) -> pd.DataFrame:
    """Model, family, parameters, tokens and FLOPs from ObsScaling-style columns (B, T, 1e21 units)."""
    return pd.DataFrame({"model": table["Model"], "family": table[family], "params": scaled(table[params], 9),
                         "tokens": scaled(table["Pretraining Data Size (T)"], 12),
                         "flops": scaled(table["FLOPs (1E21)"], 21)})


def _melt(table: pd.DataFrame, meta: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Long rows (one per model and column) of ``columns``, with the model metadata, missing values dropped."""
    long = pd.concat([meta, table[columns]], axis=1).melt(id_vars=list(meta.columns), value_vars=columns,
                                                           var_name="column", value_name="value")
    return long.dropna(subset=["value"]).reset_index(drop=True)


def read_obsscaling(raw: Path) -> pd.DataFrame:
    """ObsScaling's base models: metadata and standard benchmarks, and the emergent BIG-bench tasks."""
    bench = pd.read_csv(raw / "eval_results" / "base_llm_benchmark_eval.csv")
    emergent = pd.read_csv(raw / "eval_results" / "base_llm_emergent_capability_eval.csv")
    for name, table in (("base_llm_benchmark_eval.csv", bench), ("base_llm_emergent_capability_eval.csv", emergent)):
        if not table["Model"].is_unique:
            raise ValueError(f"obsscaling {name}: model names repeat")
    missing = set(emergent["Model"]) - set(bench["Model"])
    if missing:
        raise ValueError(f"obsscaling: emergent-task models without metadata: {sorted(missing)}")
    meta = _obs_metadata(bench, "Model Family", "Model Size (B)")
    scores = _melt(bench, meta, list(OBS_BENCHMARKS)).rename(columns={"column": "task"})
    scores["metric"] = "score"
    emergent = emergent.set_index("Model").reindex(bench["Model"]).reset_index()
    columns = [c for c in emergent.columns if c != "Model"]
    tasks = _melt(emergent, meta, columns)
    parts = tasks["column"].str.extract(OBS_EMERGENT.pattern)
    if parts.isna().any().any():
        odd = sorted(set(tasks["column"][parts.isna().any(axis=1)]))
        raise ValueError(f"obsscaling: unexpected emergent-task columns {odd}")
    tasks[["task", "shots", "metric"]] = parts[["task", "shots", "metric"]]
    tasks["shots"] = tasks["shots"].astype(int)
    table = pd.concat([scores, tasks.drop(columns="column")], ignore_index=True)
    table["instruct"] = False
    return table


# --- u-shaped ---------------------------------------------------------------------------------------

U_FILE = re.compile(r"(?P<acc>acc_)?(?P<task>.+)_instance_brier_(?P<low>-?\d+)_(?P<flops>[\d.]+)_(?P<groups>\d+)_"
                    r"(?P<probs>redist|undist)\.csv")
U_GROUP = re.compile(r"(?P<lo>\d+)_(?P<hi>\d+)_(?P<metric>brier|acc)")


def _u_groups(table: pd.DataFrame, meta: pd.DataFrame, flops: float, ranked_by: str) -> pd.DataFrame:
    """The per-difficulty-group rows of one u-shaped file; group 1 holds the easiest items."""
    columns = [c for c in table.columns if U_GROUP.fullmatch(c)]
    long = _melt(table, meta, columns)
    parts = long["column"].str.extract(U_GROUP.pattern)
    long["metric"] = parts["metric"]
    lo, hi = parts["lo"].astype(int), parts["hi"].astype(int)
    order = {lo_: i + 1 for i, lo_ in enumerate(sorted(set(lo)))}
    n_groups = len(order)
    rank = lo.map(order)
    # Brier-ranked files list the easiest items first; accuracy-ranked files list the hardest first.
    long["group"] = rank if ranked_by == "brier" else n_groups + 1 - rank
    long["n_groups"] = n_groups
    long["n_items"] = hi - lo
    long["setting"] = (f"items ranked by the mean {ranked_by} of models with FLOPs <= {flops * 1e21:.3g}; "
                       "source columns " + parts["lo"] + "_" + parts["hi"] + "_" + parts["metric"])
    return long.drop(columns="column")


def _u_rows(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The file's model rows: empty rows dropped, and later rows that repeat a model name with its scores."""
    table = table.dropna(subset=["Model"])
    repeated = table["Model"].duplicated()
    scores = [c for c in table.columns if c in ("acc", "brier") or U_GROUP.fullmatch(c)]
    for index in table.index[repeated]:
        first = table.loc[table["Model"] == table.at[index, "Model"], scores].iloc[0]
        if not table.loc[index, scores].equals(first):
            raise ValueError(f"u-shaped {path.name}: model {table.at[index, 'Model']} repeats with other scores")
    return table.loc[~repeated].reset_index(drop=True)


def read_u_shaped(raw: Path) -> pd.DataFrame:
    """Wu & Lo's per-model accuracy and target-class Brier score per task, overall and per difficulty group."""
    files: dict[str, list[tuple[re.Match, Path]]] = {}
    for path in sorted((raw / "data").glob("*/*.csv")):
        match = U_FILE.fullmatch(path.name)
        if match is None or match["task"] != path.parent.name:
            raise ValueError(f"u-shaped: unexpected file {path}")
        files.setdefault(match["task"], []).append((match, path))
    if not files:
        raise ValueError(f"u-shaped: no task files under {raw / 'data'}")
    parts = []
    for task, found in sorted(files.items()):
        main = [m for m, _ in found if not m["acc"] and m["groups"] == "10" and m["probs"] == "redist"]
        if len(main) != 1:
            raise ValueError(f"u-shaped {task}: expected one 10-group renormalised Brier file")
        flops = main[0]["flops"]
        overall, totals, kept = None, set(), []
        for match, path in found:
            table = _u_rows(pd.read_csv(path), path)
            meta = _obs_metadata(table, "Model Family", "Model Size (B)")
            totals |= {int(U_GROUP.fullmatch(c)["hi"]) for c in table.columns if U_GROUP.fullmatch(c)}
            if not match["acc"] and match["probs"] == "redist":
                if overall is None:
                    overall = table[["acc", "brier"]]
                    kept.append(_melt(table, meta, ["acc", "brier"]).rename(columns={"column": "metric"}))
                elif not table[["acc", "brier"]].equals(overall):
                    raise ValueError(f"u-shaped {task}: overall acc/brier differ between files ({path.name})")
            if match["flops"] != flops:
                continue  # the robustness analyses at other thresholds are not kept
            if match["probs"] == "undist":
                unnormalised = _melt(table, meta, ["brier"]).drop(columns="column")
                kept.append(unnormalised.assign(metric="brier_unnormalised"))
            else:
                kept.append(_u_groups(table, meta, float(flops), "acc" if match["acc"] else "brier"))
        total = max(totals)
        for part in kept:
            part["task"] = task
            if "n_items" not in part:
                part["n_items"] = total
        parts.extend(kept)
    table = pd.concat(parts, ignore_index=True)
    table["instruct"] = False
    return table


# --- on-emergence -----------------------------------------------------------------------------------

EMERGENCE_METRICS = ("exact_match_accuracy", "exact_match_f1", "bert_score_accuracy", "bert_score_f1",
                     "edit_distance", "single_bert_score")
NOT_COMPUTED = -100


def read_on_emergence(raw: Path) -> pd.DataFrame:
    """Lu et al.'s evaluation runs: exact match, BERTScore and edit distance of the same generations."""
    table = pd.read_csv(raw / "evaluation_scores.csv")
    table = table.drop_duplicates(ignore_index=True)  # three rows are listed twice, identical in every column
    meta = pd.DataFrame({"model": table["model"], "run": table["run_id"].astype(str),
                         "task": table["filename"].str.removesuffix("/task.json"),
                         "setting": table["prompt_type"], "shots": table["number_of_shots"],
                         "seed": table["seed"].astype("Int64"), "n_items": table["number_of_data"]})
    scores = table[list(EMERGENCE_METRICS)].mask(table[list(EMERGENCE_METRICS)] == NOT_COMPUTED)
    long = _melt(scores, meta, list(EMERGENCE_METRICS))
    return long.rename(columns={"column": "metric"})


# --- open-lm-scaling --------------------------------------------------------------------------------

OPEN_LM_EVAL = re.compile(r"evaluation_(?P<model>.+)_heavy\.json")


def _loss_name(val_data: list[str]) -> str:
    """A short name for one of open_lm's validation sets, from its path ('c4_val', 'paloma_ptb', ...)."""
    (path,) = val_data
    parts = path.split("/")
    name = parts[parts.index("eval_data") + 1]
    return parts[parts.index(name) + 1] if name == "val_tok_mult" else name


def read_open_lm_scaling(raw: Path) -> pd.DataFrame:
    """Gadre et al.'s 104 open_lm models: validation losses and 46 downstream task scores."""
    data = raw / "exp_data"
    tasks = pd.read_csv(data / "eval_metadata.csv").set_index("Eval Task")
    models, rows = {}, []
    for path in sorted((data / "models").glob("*.json")):
        doc = json.loads(path.read_text())
        hyper = doc["hyperparameters"]
        models[doc["name"]] = {"model": doc["name"], "family": "open_lm", "dataset": doc["dataset_name"],
                               "params": float(hyper["params"]), "tokens": float(hyper["tokens"])}
        for result in doc["results"]:
            rows.append({**models[doc["name"]], "task": _loss_name(result["val_data"]), "metric": "loss",
                         "value": result["loss"]})
    evaluated = set()
    for path in sorted((data / "evals").glob("*.json")):
        name = OPEN_LM_EVAL.fullmatch(path.name)["model"]
        if name not in models:
            raise ValueError(f"open-lm-scaling: {path.name} has no model file")
        evaluated.add(name)
        for task, value in json.loads(path.read_text())["eval_metrics"]["icl"].items():
            info = tasks.loc[task]
            rows.append({**models[name], "task": task, "setting": info["Task Type"], "shots": int(info["#shots"]),
                         "metric": "accuracy", "value": value, "n_items": int(info["#datapoints"]),
                         "chance": info["Random baseline"] / 100})
    if evaluated != set(models):
        raise ValueError(f"open-lm-scaling: models without evaluations: {sorted(set(models) - evaluated)}")
    return pd.DataFrame(rows)


# --- sloth ------------------------------------------------------------------------------------------

SLOTH_V2 = ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO")
SLOTH_SUBTASKS = re.compile(r"(bbh|gpqa|math|musr)_.+")
SLOTH_V1 = ("MMLU", "ARC", "HellaSwag", "Winogrande", "TruthfulQA", "GSM8K")


def read_sloth(raw: Path) -> pd.DataFrame:
    """Sloth's models with family, size, tokens and FLOPs, and their Open LLM Leaderboard scores."""
    table = pd.read_csv(raw / "data" / "data_v2.csv")
    if not table["Model"].is_unique:
        raise ValueError("sloth data_v2.csv: model names repeat")
    meta = _obs_metadata(table, "Family", "#Params (B)")
    meta["instruct"] = table["Instruct"].astype(bool)
    columns = [*SLOTH_V2, *[c for c in table.columns if SLOTH_SUBTASKS.fullmatch(c)], *SLOTH_V1]
    long = _melt(table, meta, columns).rename(columns={"column": "task"})
    long["metric"] = "score"
    return long


READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "pythia": read_pythia,
    "obsscaling": read_obsscaling,
    "olmo-ladder": read_olmo_ladder,
    "u-shaped": read_u_shaped,
    "on-emergence": read_on_emergence,
    "open-lm-scaling": read_open_lm_scaling,
    "sloth": read_sloth,
}
