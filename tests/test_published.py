"""Tests of the published-evaluations extract (data/published) and its loader, helpers.published."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from helpers import published as pub
from helpers.published import build, extract
from helpers.published.load import DATA_DIR, HIGHER_IS_BETTER, SCHEMA

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "published"
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason=f"the raw sources are not on this machine ({RAW})")
GFLOPS_190M_1XC_FINAL = "7256911925.269758"  # throughput/total_training_Gflops at step 7272 of 190M-1xC.csv
FOLDER_FILES = ("extract.csv.gz", "LICENSE", "COMMIT", "SOURCE.md")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pub.load()


def rows(table: pd.DataFrame, **where: object) -> pd.DataFrame:
    """The rows whose columns equal the given values (None matches a missing value)."""
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column].isna() if value is None else (table[column] == value).fillna(False).astype(bool)
    return table[mask]


def one(table: pd.DataFrame, **where: object) -> pd.Series:
    """The single row matching ``where``."""
    found = rows(table, **where)
    assert len(found) == 1, f"{len(found)} rows match {where}"
    return found.iloc[0]


# --- schema ---------------------------------------------------------------------------------------

def test_schema_and_dtypes(table):
    assert tuple(table.columns) == SCHEMA
    for column in ("source", "family", "model", "dataset", "run", "params_source", "tokens_source", "flops_source",
                   "task", "setting", "metric"):
        assert pd.api.types.is_string_dtype(table[column]), column
    for column in ("step", "shots", "seed", "n_groups", "group", "n_items"):
        assert str(table[column].dtype) == "Int64", column
    for column in ("params", "tokens", "flops", "value", "chance"):
        assert table[column].dtype == "float64", column
    assert str(table["instruct"].dtype) == "boolean"
    assert table["higher_is_better"].dtype == bool
    assert table["value"].notna().all()
    assert table[["source", "model", "task", "metric"]].notna().all().all()


def test_every_source_present(table):
    assert list(table["source"].unique()) == list(pub.SOURCES)
    counts = table["source"].value_counts()
    assert (counts > 1000).all(), counts


def test_sources_argument_selects(table):
    part = pub.load("on-emergence")
    assert set(part["source"]) == {"on-emergence"}
    assert len(part) == (table["source"] == "on-emergence").sum()
    assert set(pub.load(["sloth", "pythia"])["source"]) == {"sloth", "pythia"}


def test_scale_columns(table):
    known = table["params"].notna()
    assert (table.loc[known, "params"] > 1e6).all()
    assert (table.loc[table["tokens"].notna(), "tokens"] >= 0).all()
    derived = table["flops_source"] == "6ND"
    assert (table.loc[derived, "flops"] == 6 * table.loc[derived, "params"] * table.loc[derived, "tokens"]).all()
    for column in ("params", "tokens", "flops"):
        assert (table[column].isna() == table[f"{column}_source"].isna()).all(), column
    assert set(table["flops_source"].dropna()) == {"source", "model_facts", "6ND"}
    final_only = table["source"].isin(["obsscaling", "u-shaped", "on-emergence", "open-lm-scaling", "sloth"])
    assert table.loc[final_only, "step"].isna().all()


def test_higher_is_better(table):
    lower = {"ppl", "bpb", "ce_loss", "loss", "edit_distance", "brier", "brier_unnormalised"}
    higher = {"acc", "acc_norm", "accuracy", "exact_match", "exact_match_accuracy", "bleu", "bert_score_accuracy"}
    assert lower <= set(table["metric"]) and higher <= set(table["metric"])
    direction = table.groupby("metric")["higher_is_better"].agg(["min", "max"])
    assert (direction["min"] == direction["max"]).all()
    assert not direction.loc[sorted(lower), "max"].any()
    assert direction.loc[sorted(higher), "min"].all()
    assert set(table["metric"]) == set(HIGHER_IS_BETTER)


# --- values traced to the raw files --------------------------------------------------------------

def test_pythia_values(table):
    final = dict(source="pythia", model="pythia-70m", step=143000, shots=0)
    assert one(table, **final, task="lambada_openai", metric="ppl")["value"] == 142.42891015470678
    assert one(table, **final, task="lambada_openai", metric="acc")["value"] == 0.18455268775470599
    arc = one(table, **final, task="arc_challenge", metric="acc")
    assert arc["value"] == 0.18088737201365188 and arc["n_items"] == 1172
    assert one(table, **final, task="mmlu", metric="acc")["n_items"] == 14042
    assert arc["params"] == 70426624 and arc["tokens"] == 299892736000 and arc["dataset"] == "pile"
    early = one(table, source="pythia", model="pythia-12b-deduped", step=1000, shots=0, task="piqa", metric="acc")
    assert early["tokens"] == 1000 * 2097152 and early["tokens_source"] == "model_facts"
    assert rows(table, source="pythia")["step"].nunique() == 27


def test_obsscaling_values(table):
    llama = dict(source="obsscaling", model="meta-llama/Llama-2-7b-hf")
    assert one(table, **llama, task="ipa_transliterate", metric="exact_match")["value"] == 0.0717846460618145
    bleu = one(table, **llama, task="ipa_transliterate", metric="bleu")
    assert bleu["value"] == 27.23879164406593 and bleu["shots"] == 2
    mmlu = one(table, **llama, task="MMLU", metric="score")
    assert mmlu["value"] == 0.4379609636092418
    assert (mmlu["params"], mmlu["tokens"], mmlu["flops"], mmlu["flops_source"]) == (7e9, 2e12, 84e21, "source")


def test_olmo_ladder_values(table):
    final = dict(source="olmo-ladder", run="190M-1xC", step=7272)
    loss = one(table, **final, task="c4_en", metric="ce_loss")
    assert loss["value"] == 3.600973129272461
    assert loss["tokens"] == 3812622336 and loss["params"] == 190354176 and loss["model"] == "190M"
    assert loss["flops"] == float(Decimal(GFLOPS_190M_1XC_FINAL).scaleb(9)) and loss["flops_source"] == "source"
    hellaswag = dict(final, task="hellaswag_val", setting="rc")
    assert one(table, **hellaswag, metric="acc_len_norm")["value"] == 0.30521807074546814
    assert one(table, **hellaswag, metric="bpb")["value"] == 0.9800465703010559
    mc = one(table, source="olmo-ladder", run="peteish13", step=596057, task="mmlu_stem_test", setting="mc",
             metric="acc_len_norm")
    assert mc["value"] == 0.5238568782806396 and mc["tokens"] == 596057 * 8388608
    assert mc["flops"] == 91335915520 * mc["tokens"] and mc["flops_source"] == "model_facts"
    anneal = one(table, source="olmo-ladder", run="peteish7-anneal", task="arc_challenge_test", setting="mc",
                 metric="acc")
    assert anneal["value"] == 0.7636518478393555 and anneal["tokens"] == 3945065873408 and pd.isna(anneal["step"])


def test_u_shaped_values(table):
    llama = dict(source="u-shaped", model="meta-llama/Llama-2-7b-hf", task="arithmetic")
    assert one(table, **llama, metric="acc", group=None)["value"] == 0.5304533049324369
    overall = one(table, **llama, metric="brier", group=None)
    assert overall["value"] == 0.4012387986242451 and overall["n_items"] == 15023
    assert one(table, **llama, metric="brier_unnormalised")["value"] == 0.4853081367711107
    easiest = one(table, **llama, metric="brier", n_groups=10, group=1)
    assert easiest["value"] == 0.07089269940243977 and easiest["n_items"] == 1502
    # accuracy-ranked groups: the source lists the hardest items first (0_1502_acc)
    assert one(table, **llama, metric="acc", n_groups=10, group=10)["value"] == 0.08322237017310254
    assert one(table, **llama, metric="acc", n_groups=10, group=1)["value"] == 0.9600798403193613
    gpt2 = rows(table, source="u-shaped", model="openai-community/gpt2", task="arithmetic", metric="acc", group=None)
    assert len(gpt2) == 1 and gpt2.iloc[0]["params"] == 0.124e9


def test_on_emergence_values(table):
    run = rows(table, source="on-emergence", run="20230524_123238").set_index("metric")
    assert run.loc["exact_match_accuracy", "value"] == 0.1651006711
    assert run.loc["bert_score_accuracy", "value"] == 0.3288590604
    assert run.loc["edit_distance", "value"] == 36.10469799
    assert run.loc["single_bert_score", "value"] == 0.8593975306
    first = run.iloc[0]
    assert (first["model"], first["task"], first["setting"], first["shots"], first["seed"], first["n_items"]) == (
        "gpt2", "tracking_shuffled_objects", "closed", 0, 2266, 745)
    assert first["params"] == 124439808 and first["params_source"] == "model_facts"
    # -100 marks a score that was not computed: no row for it
    adv = rows(table, source="on-emergence", run="20230524_123338")
    assert set(adv["metric"]) == {"exact_match_accuracy", "exact_match_f1", "edit_distance"}
    assert (rows(table, source="on-emergence")["value"] != -100).all()


def test_open_lm_values(table):
    model = dict(source="open-lm-scaling", model="rw_original-d=96_l=8_h=4-0.25")
    arc = one(table, **model, task="arc_easy")
    assert arc["value"] == 0.2638888955116272 and arc["chance"] == 0.25
    assert arc["n_items"] == 2376 and arc["shots"] == 10
    assert (arc["params"], arc["tokens"], arc["dataset"]) == (10569312, 52846560, "rw_original")
    assert arc["flops"] == 6 * 10569312 * 52846560 and arc["flops_source"] == "6ND"
    assert one(table, **model, task="openlm", metric="loss")["value"] == 6.941783161958059
    assert rows(table, source="open-lm-scaling", metric="accuracy").groupby("model").size().eq(46).all()
    assert rows(table, source="open-lm-scaling")["model"].nunique() == 104


def test_sloth_values(table):
    yi = one(table, source="sloth", model="yi-1.5-34b", task="bbh_boolean_expressions")
    assert yi["value"] == 0.892 and yi["params"] == 34e9 and yi["flops"] == 714e21 and not yi["instruct"]
    assert one(table, source="sloth", model="yi-1.5-34b", task="BBH")["value"] == 0.6


# --- model facts ----------------------------------------------------------------------------------

def test_model_facts(table):
    facts = pub.model_facts()
    assert not facts.duplicated(["source", "model"]).any()
    assert facts.loc[facts["params"].notna(), "reference"].notna().all()
    used = set(map(tuple, table[["source", "model"]].drop_duplicates().to_numpy()))
    assert set(map(tuple, facts[["source", "model"]].to_numpy())) <= used
    emergence = set(rows(table, source="on-emergence")["model"])
    assert emergence == set(facts.loc[facts["source"] == "on-emergence", "model"])
    unknown = set(facts.loc[(facts["source"] == "on-emergence") & facts["params"].isna(), "model"])
    assert unknown == {"text-davinci-001", "text-davinci-003", "code", "gpt-4"}
    assert one(facts, model="davinci")["params"] == 175e9
    bib = (DATA_DIR / "references.bib").read_text()
    for key in set(facts["reference"].dropna()):
        assert f"{{{key}," in bib, key


# --- files ----------------------------------------------------------------------------------------

def test_folders_are_attributed():
    total = 0
    for name in pub.SOURCES:
        folder = DATA_DIR / name
        for file in FOLDER_FILES:
            assert (folder / file).is_file(), folder / file
        commit = (folder / "COMMIT").read_text().strip()
        assert commit in (folder / "SOURCE.md").read_text(), f"{name}/SOURCE.md does not name commit {commit}"
        total += (folder / "extract.csv.gz").stat().st_size
    assert total < 4e6
    assert "Attribution-ShareAlike 4.0" in (DATA_DIR / "on-emergence" / "LICENSE").read_text()
    assert "CC BY-SA 4.0" in (DATA_DIR / "on-emergence" / "SOURCE.md").read_text()


def test_extract_is_deterministic_text():
    with gzip.open(DATA_DIR / "sloth" / extract.FILENAME, "rt") as f:
        header = f.readline().strip().split(",")
    assert tuple(header) == extract.COLUMNS
    raw = (DATA_DIR / "sloth" / extract.FILENAME).read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0


@needs_raw
def test_build_reproduces_the_committed_extract(tmp_path):
    counts = build.build(RAW, tmp_path)
    assert list(counts) == list(pub.SOURCES)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    expected = (f"{name}/{file}" for name in pub.SOURCES for file in ("extract.csv.gz", "LICENSE", "COMMIT"))
    assert written == sorted(expected)
    for path in written:
        assert (tmp_path / path).read_bytes() == (DATA_DIR / path).read_bytes(), path
    loaded = pub.load(data_dir=DATA_DIR)
    assert loaded.groupby("source", sort=False).size().to_dict() == counts


@needs_raw
def test_olmo_keeps_the_final_step_of_every_run(table):
    olmo = rows(table, source="olmo-ladder")
    for path in sorted((RAW / "olmo-ladder" / "src/scripts/paper/data/ladder-runs").glob("*-*xC*.csv")):
        final = pd.read_csv(path, usecols=["_step"])["_step"].max()
        assert olmo.loc[olmo["run"] == path.stem, "step"].max() == final, path.name


@needs_raw
def test_pythia_mmlu_is_the_mean_of_the_subjects(table):
    import json

    doc = json.loads((RAW / "pythia/evals/pythia-v1/pythia-1.4b/five-shot/1.4b-5shot_step143000.json").read_text())
    subjects = [v["acc"] for k, v in doc["results"].items() if k.startswith("hendrycksTest-")]
    got = one(table, source="pythia", model="pythia-1.4b", step=143000, shots=5, task="mmlu", metric="acc")["value"]
    assert got == pytest.approx(sum(subjects) / len(subjects), rel=1e-15)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sources", ["pythia-v2", ["sloth", "bogus"], [], 3])
def test_load_rejects_unknown_sources(sources):
    with pytest.raises(ValueError, match="sources") as err:
        pub.load(sources)
    if sources:
        assert "on-emergence" in str(err.value)


def test_build_rejects_missing_raw_dir(tmp_path):
    with pytest.raises(ValueError, match="raw_dir"):
        build.build(tmp_path / "nowhere", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_build_rejects_missing_source_folder(tmp_path):
    for name in pub.SOURCES[:-1]:
        (tmp_path / "raw" / name).mkdir(parents=True)
    with pytest.raises(ValueError, match=r"raw_dir .*'sloth'"):
        build.build(tmp_path / "raw", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_build_writes_nothing_when_a_source_is_broken(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    for name in pub.SOURCES:
        (raw / name).mkdir(parents=True)
        (raw / name / "COMMIT").write_text("0" * 40 + "\n")
        (raw / name / "LICENSE").write_text("licence\n")

    def fine(folder: Path) -> pd.DataFrame:
        return pd.DataFrame({"model": ["m"], "task": ["t"], "metric": ["acc"], "value": [0.5]})

    def broken(folder: Path) -> pd.DataFrame:
        raise FileNotFoundError(folder / "data_v2.csv")

    monkeypatch.setattr(build, "READERS", {**{name: fine for name in pub.SOURCES}, "sloth": broken})
    with pytest.raises(ValueError, match="sloth"):
        build.build(raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(build, "READERS", {name: fine for name in pub.SOURCES})
    assert build.build(raw, tmp_path / "out") == {name: 1 for name in pub.SOURCES}
    assert (tmp_path / "out" / "sloth" / "LICENSE").read_text() == "licence\n"


def test_build_rejects_a_file_as_out(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    for name in pub.SOURCES:
        (tmp_path / "raw" / name).mkdir(parents=True)
    with pytest.raises(ValueError, match="out"):
        build.build(tmp_path / "raw", target)


def test_command_line_names_the_bad_argument(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        build.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert "RAW_DIR" in capsys.readouterr().err


def test_writer_rejects_duplicate_keys():
    table = pd.DataFrame({"model": ["m", "m"], "task": ["t", "t"], "metric": ["acc", "acc"], "value": [0.1, 0.2]})
    with pytest.raises(ValueError, match="share a key"):
        extract.to_bytes(table)
