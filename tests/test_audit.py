"""Tests of the bring-your-own-results audit (function and command line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import audit

ROOT = Path(__file__).resolve().parents[1]

GOOD = """task,scale,metric,value,seed
arith,1e8,exact_match,0.00,0
arith,1e9,exact_match,0.01,0
arith,1e10,exact_match,0.02,0
arith,1e11,exact_match,0.60,0
arith,1e8,exact_match,0.00,1
arith,1e9,exact_match,0.01,1
arith,1e10,exact_match,0.04,1
arith,1e11,exact_match,0.62,1
arith,1e8,edit_distance,2.0,0
arith,1e9,edit_distance,1.6,0
arith,1e10,edit_distance,1.2,0
arith,1e11,edit_distance,0.7,0
"""


def _write(tmp_path: Path, text: str, name: str = "results.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "helpers.audit", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_audit_csv_writes_scores_and_plots(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, GOOD), tmp_path / "out")
    for name in audit.OUTPUT_FILES:
        assert (tmp_path / "out" / name).stat().st_size > 0
    back = pd.read_csv(tmp_path / "out" / "emergence_scores.csv").set_index("metric")
    assert bool(back.loc["exact_match", "emergent"]) and not bool(back.loc["edit_distance", "emergent"])
    assert back.loc["exact_match", "n_runs"] == 2
    # seeds averaged: 0, 0.01, 0.03, 0.61; steps .01 .02 .58 -> median .02 -> 0.61 / 0.02
    assert back.loc["exact_match", "score"] == pytest.approx(30.5)
    assert len(scores) == 2


def test_threshold_changes_the_flags(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, GOOD), tmp_path / "out", threshold=50)
    assert not scores["emergent"].any()


def test_cli_prints_summary_and_writes_files(tmp_path) -> None:
    out = tmp_path / "audit out"
    done = _cli(str(_write(tmp_path, GOOD)), "--out", str(out), "--threshold", "3")
    assert done.returncode == 0, done.stderr
    assert "1 of 2 curves look emergent" in done.stdout and "exact_match" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(audit.OUTPUT_FILES)


BAD = {
    "empty": ("", "empty"),
    "header only": ("task,scale,metric,value\n", "no data rows"),
    "missing column": ("task,scale,value\nt,1,0.1\nt,2,0.2\nt,3,0.3\n", "metric"),
    "no scale": ("task,size_name,metric,value\nt,a,em,0.1\nt,b,em,0.2\nt,c,em,0.3\n", "scale column"),
    "text scale": ("task,scale,metric,value\nt,small,em,0.1\nt,2,em,0.2\nt,3,em,0.3\n", "numeric"),
    "one size": ("task,scale,metric,value\nt,1e9,em,0.1\nt,1e9,em,0.2\n", "at least 3 distinct"),
    "two sizes only": ("task,scale,metric,value\nt,1,em,0.1\nt,2,em,0.2\nu,1,em,0.1\nu,2,em,0.3\n",
                       "at least 3 distinct"),
    "nan value": ("task,scale,metric,value\nt,1,em,0.1\nt,2,em,\nt,3,em,0.3\n", "missing value"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_csv_raises_value_error_naming_the_problem(tmp_path, name) -> None:
    text, message = BAD[name]
    with pytest.raises(ValueError, match=message):
        audit.audit_csv(_write(tmp_path, text), tmp_path / "out")


@pytest.mark.parametrize("name", ["empty", "text scale", "one size", "nan value"])
def test_cli_exits_2_with_a_message_and_no_traceback(tmp_path, name) -> None:
    text, message = BAD[name]
    done = _cli(str(_write(tmp_path, text)), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_cli_missing_file(tmp_path) -> None:
    done = _cli(str(tmp_path / "nope.csv"))
    assert done.returncode == 2 and "no results file" in done.stderr


LOG_LOSS = """task,scale,metric,value
trivia,1e8,log_loss,2.00
trivia,1e9,log_loss,1.99
trivia,1e10,log_loss,1.98
trivia,1e11,log_loss,1.97
trivia,1e12,log_loss,0.50
"""


def test_lower_is_better_option_flips_a_readers_metric(tmp_path) -> None:
    """A falling log_loss is a worsening curve unless it is named lower-is-better; then it is flagged."""
    path = _write(tmp_path, LOG_LOSS)
    plain = audit.audit_csv(path, tmp_path / "a")
    flipped = audit.audit_csv(path, tmp_path / "b", lower_is_better=["log_loss"])
    assert plain["oriented"].item() < 0 and not plain["emergent"].item()
    assert flipped["oriented"].item() == pytest.approx(-plain["oriented"].item())
    assert flipped["emergent"].item()
    with pytest.raises(ValueError, match="lower_is_better"):
        audit.audit_csv(path, tmp_path / "c", lower_is_better="log_loss")


def test_cli_lower_is_better_option(tmp_path) -> None:
    path = str(_write(tmp_path, LOG_LOSS))
    plain = _cli(path, "--out", str(tmp_path / "a"))
    flipped = _cli(path, "--out", str(tmp_path / "b"), "--lower-is-better", "log_loss", "wer")
    assert plain.returncode == 0 and flipped.returncode == 0, flipped.stderr
    assert "0 of 1 curves look emergent" in plain.stdout
    assert "1 of 1 curves look emergent" in flipped.stdout and "log_loss, wer" in flipped.stdout
    assert "--lower-is-better" in _cli("--help").stdout


# --- real leaderboards: curves with too few scales are skipped, flat curves explained --------------

MIXED = """task,scale,metric,value,family
t,1,em,0.1,a
t,2,em,0.2,a
u,1,em,0.1,a
u,2,em,0.3,a
u,3,em,0.4,a
floor,1,em,0.0,b
floor,2,em,0.0,b
floor,3,em,0.0,b
floor,4,em,0.3,b
flat,1,em,0.2,b
flat,2,em,0.2,b
flat,3,em,0.2,b
loss,1,ce,3.0,b
loss,2,ce,3.0,b
loss,3,ce,3.0,b
loss,4,ce,2.0,b
"""


def test_short_curves_are_skipped_and_the_rest_scored(tmp_path) -> None:
    """Formerly the whole file was refused when one curve had 2 scales; now that curve is reported."""
    scores = audit.audit_csv(_write(tmp_path, MIXED), tmp_path / "out", lower_is_better=["ce"])
    assert sorted(scores["task"]) == ["flat", "floor", "loss", "u"]
    skipped = scores.attrs["skipped"]
    assert skipped[["task", "family", "n_scales"]].values.tolist() == [["t", "a", 2]]
    assert "only 2 distinct scales" in skipped["reason"].item()
    back = pd.read_csv(tmp_path / "out" / audit.SKIPPED_FILE)
    assert back["task"].tolist() == ["t"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(audit.OUTPUT_FILES + (audit.SKIPPED_FILE,))


def test_flat_curves_get_a_note_not_a_bare_inf(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, MIXED), tmp_path / "out", lower_is_better=["ce"]).set_index("task")
    assert scores.loc["floor", "score"] == float("inf") and scores.loc["floor", "note"] == "floor"
    # a loss stuck at its worst (highest) value, then falling: also a floor once oriented
    assert scores.loc["loss", "oriented"] == float("inf") and scores.loc["loss", "note"] == "floor"
    assert scores.loc["flat", "score"] == 0.0 and scores.loc["flat", "note"] == "constant"
    assert scores.loc["u", "note"] == ""
    text = audit.summary(scores.reset_index())
    assert "note 'floor' (2 curves)" in text and "median step is 0" in text
    assert "skipped 1 curve that Eq. 1 cannot score" in text and "task=t, metric=em, family=a" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_summary_without_notes_or_skips_is_unchanged(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, GOOD), tmp_path / "out")
    text = audit.summary(scores)
    assert "note" not in text and "skipped" not in text
    assert not (tmp_path / "out" / audit.SKIPPED_FILE).exists()


def test_summary_max_rows(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, MIXED), tmp_path / "out", lower_is_better=["ce"])
    text = audit.summary(scores, max_rows=1)
    assert "the 1 highest relative scores (all 4 are in emergence_scores.csv)" in text
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["task", "metric"])
    assert lines[header + 1].split()[0] in ("floor", "loss") and lines[header + 2].startswith("note")
    assert lines[header].split() == ["task", "metric", "family", "n", "R", "jump_at", "flag", "note"]
    assert "Eq. 1 is in the CSV" in text
    for bad in (0, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="max_rows"):
            audit.summary(scores, max_rows=bad)


def test_cli_scores_what_it_can_and_lists_the_rest(tmp_path) -> None:
    out = tmp_path / "out"
    done = _cli(str(_write(tmp_path, MIXED)), "--out", str(out), "--lower-is-better", "ce", "--max-rows", "2")
    assert done.returncode == 0, done.stderr
    assert "2 of 4 curves look emergent" in done.stdout
    assert "skipped 1 curve" in done.stdout and "only 2 distinct scales" in done.stdout
    assert "note 'floor'" in done.stdout and audit.SKIPPED_FILE in done.stdout
    bad = _cli(str(_write(tmp_path, MIXED)), "--out", str(out), "--max-rows", "0")
    assert bad.returncode == 2 and "--max-rows" in bad.stderr and "Traceback" not in bad.stderr


def test_file_with_no_scoreable_curve_is_still_refused(tmp_path) -> None:
    text, _ = BAD["two sizes only"]
    done = _cli(str(_write(tmp_path, text)), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "at least 3 distinct model scales" in done.stderr


RULES = """task,scale,metric,value
t,1e3,exact_match,0
t,1e4,exact_match,0
t,1e5,exact_match,0
t,1e6,exact_match,0
t,1e7,exact_match,0.01
t,1e8,exact_match,0.3
t,1e9,exact_match,0.9
t,1e3,exact_match_first_1,0.1
t,1e4,exact_match_first_1,0.9
t,1e5,exact_match_first_1,0.95
t,1e6,exact_match_first_1,0.96
t,1e7,exact_match_first_1,0.96
t,1e8,exact_match_first_1,0.96
t,1e9,exact_match_first_1,0.96
"""


def test_csv_always_holds_the_rule_columns_and_the_plain_summary_does_not(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, RULES), tmp_path / "out")
    back = pd.read_csv(tmp_path / "out" / "emergence_scores.csv", keep_default_na=False).set_index("metric")
    assert back.loc["exact_match_first_1", "dropped_by"] == "early jump"
    assert str(back.loc["exact_match", "late_rising"]) == "True"
    plain = audit.summary(scores)
    assert "late rise" not in plain and "dropped_by" not in plain and "rise" not in plain.split("\n")[1]


def test_summary_with_rules_prints_verdicts_and_counts(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, RULES), tmp_path / "out")
    text = audit.summary(scores, rules=True)
    rows = {line.split()[1]: line for line in text.splitlines() if line.strip().startswith("t ")}
    assert rows["exact_match"].endswith("late rise") and rows["exact_match_first_1"].endswith("early jump")
    assert "early jump (jump_at < 0.5)" in text and "late-rising and distinct" in text
    assert max(len(line) for line in text.splitlines()) <= 88
    with pytest.raises(ValueError, match="rules"):
        audit.summary(scores, rules="yes")
    with pytest.raises(ValueError, match="rule columns"):
        audit.summary(scores.drop(columns=["late_rising"]), rules=True)


def test_cli_rules_and_items(tmp_path) -> None:
    path = str(_write(tmp_path, RULES))
    done = _cli(path, "--out", str(tmp_path / "a"), "--rules", "--items", "30")
    assert done.returncode == 0, done.stderr
    assert "late rise" in done.stdout and "late-rising and distinct" in done.stdout
    assert "with 30 test items" in done.stdout and "7 sizes: mid-range" in done.stdout
    strict = _cli(path, "--out", str(tmp_path / "b"), "--rules", "--late-from", "0")
    assert strict.returncode == 0 and "early jump" not in strict.stdout.split("the book's rules")[0]
    bad = _cli(path, "--out", str(tmp_path / "c"), "--items", "0")
    assert bad.returncode == 2 and "--items" in bad.stderr
    bad_rise = _cli(path, "--out", str(tmp_path / "d"), "--min-rise", "3")
    assert bad_rise.returncode == 2 and "min_rise" in bad_rise.stderr


def test_chance_report_near_floor_and_mid_range(tmp_path) -> None:
    scores = audit.audit_csv(_write(tmp_path, GOOD), tmp_path / "out")
    text = audit.chance_report(scores, 30, num_tasks=4000)
    line = next(line for line in text.splitlines() if line.strip().startswith("4 sizes"))
    mid, floor = (float(part.split()[-2]) for part in line.split(":")[1].split(","))
    assert floor > 30 > 6 > mid  # a third near the floor, about 5 % mid-range (chapter 6)
    with pytest.raises(ValueError, match="scores"):
        audit.chance_report(pd.DataFrame(), 30)
