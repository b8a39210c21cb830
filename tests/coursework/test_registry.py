"""The registry ``helpers.coursework``: every check registered once, with a right answer, an exercise in a
chapter (named in its text, called by its executed solution) and a row on the instructor page; one
checks module and one test module per topic."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import helpers
from helpers import coursework as cw
from tests.coursework import all_right, topic_name

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "book" / "chapters").glob("*.md"))


def test_every_check_has_an_independent_right_answer() -> None:
    assert set(all_right()) == set(cw.CHECKS)


@pytest.mark.parametrize("label", sorted(cw.CHECKS))
def test_check_accepts_the_right_answer(label: str) -> None:
    result = cw.CHECKS[label](*all_right()[label]())
    assert isinstance(result, cw.CheckPassed) and result.startswith(f"✓ {label}")
    assert repr(result) == str(result)  # shown without quotes in a notebook


def test_check_name() -> None:
    assert cw.check_name("ex-toy-steepest") == "check_toy_steepest"
    assert all(cw.check_name(label) == fn.__name__ for label, fn in cw.CHECKS.items())
    assert issubclass(cw.SelfCheckError, AssertionError)


@pytest.mark.parametrize(("call", "name"), [(lambda: cw.check_name("toy-width"), "label")])
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_one_checks_module_and_one_test_module_per_topic() -> None:
    package = Path(cw.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "checking"}
    assert modules == {topic_name(t) for t in cw.TOPICS}, "every topic module is imported by the registry (TOPICS)"
    assert not list(Path(helpers.__file__).parent.glob("coursework_*.py")), \
        "self-checks live in helpers/coursework/<topic>.py, registered in helpers.coursework.TOPICS"
    for topic in cw.TOPICS:
        assert (Path(__file__).parent / f"test_{topic_name(topic)}.py").exists(), f"no test module for {topic.__name__}"
        assert all(fn.__module__ == topic.__name__ for fn in topic.CHECKS.values()), "a topic module holds its checks"
        assert set(topic.__all__) == {"CHECKS", *(fn.__name__ for fn in topic.CHECKS.values())}, \
            f"{topic.__name__} holds only checks"
        for fn in topic.CHECKS.values():
            assert getattr(cw, fn.__name__) is fn, f"helpers.coursework does not re-export {fn.__name__}"


# --- the chapters use the checks ---------------------------------------------------------------

EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}.*?$(.*?)^\1\s*$", re.S | re.M)
SOLUTION = re.compile(r"^(`{3,})\{solution-start\}\s*(\S+).*?^\1\s*$(.*?)^(`{3,})\{solution-end\}", re.S | re.M)


def exercises(text: str) -> dict[str, str]:
    """Exercise label -> the exercise's text."""
    out = {}
    for m in EXERCISE.finditer(text):
        label = re.search(r":label:\s*(\S+)", m.group(2)).group(1)
        out[label] = m.group(2)
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_exercises_name_and_pass_their_checks(path: Path) -> None:
    text = path.read_text()
    found = exercises(text)
    assert len(found) >= 3, "fewer than 3 exercises"
    solutions = {m.group(2): m.group(3) for m in SOLUTION.finditer(text)}
    assert set(solutions) == set(found), "every exercise needs exactly one gated solution"
    imports = re.search(r"^```\{code-cell\}[^\n]*\n(from helpers\.coursework import .*?)^```", text, re.S | re.M)
    assert imports, "no code cell imports the self-checks before the exercises"
    for label, body in found.items():
        assert label in cw.CHECKS, f"{label}: no self-check in helpers.coursework"
        name = cw.check_name(label)
        assert f"`{name}(" in body, f"{label}: the exercise does not tell the student to call {name}"
        assert f"\n{name}(" in solutions[label], f"{label}: the executed solution does not call {name}"
        assert re.search(rf"\b{name}\b", imports.group(1)), f"{name} is not imported before the exercises"
        assert imports.start() < text.index(body), f"{name} is imported after its exercise"


def test_every_check_belongs_to_an_exercise_and_the_instructor_page() -> None:
    labels = set().union(*(exercises(p.read_text()) for p in CHAPTERS))
    assert set(cw.CHECKS) == labels
    instructor = (ROOT / "book" / "instructor.md").read_text()
    for label in labels:
        assert label in instructor and cw.check_name(label) in instructor, f"instructor page misses {label}"
