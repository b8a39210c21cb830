"""Finding one's way between the book and the code, both ways.

- Every public function and class of ``helpers`` ends its docstring with the chapter and section that
  teach it (``Taught in chapter 2, section 'Where exact match rises fastest'.``), that use it (``Used
  in ...``, for the machinery: widgets, workers, sweeps, self-checks), or why no chapter does (``Not
  taught: ...``); the section is a heading of that chapter.
- Every chapter names the helper modules it imports in a "Helpers used here" line near its top, and
  imports them under one table of names (CONTRIBUTING.md, "Import names").
- ``helpers/__init__.py`` (its ``__all__`` and docstring), the ``plotting`` docstring and the README
  layout list every module.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

import helpers
from helpers import plotting

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "src" / "helpers"
CHAPTERS = sorted((ROOT / "book" / "chapters").glob("*.md"))
IMPORT = re.compile(r"^\s*from (helpers(?:\.\w+)*) import \(?([^)\n]+)\)?\s*$", re.M)
FUNCTION_IMPORTS = {"helpers.widgets", "helpers.parallel", "helpers.coursework"}  # functions imported by name


def is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def helper_imports(text: str) -> list[tuple[str, str, str]]:
    """(package, imported name, bound name) of every ``from helpers... import ...`` line of a chapter."""
    out = []
    for m in IMPORT.finditer(text):
        for part in m.group(2).split(","):
            name, _, alias = part.strip().partition(" as ")
            if name:
                out.append((m.group(1), name, alias or name))
    return out


def expected_alias(package: str, module: str, bound: dict[str, str]) -> str:
    """The name CONTRIBUTING.md's table gives ``package.module`` in a chapter (``bound``: names already taken)."""
    if package == "helpers":
        return "tm" if module == "toy_model" else module
    if package == "helpers.plotting":
        return f"{module}_plots"
    return module if module not in bound else f"{package.rpartition('.')[2]}_{module}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_import_helpers_under_the_names_of_the_table(path: Path) -> None:
    text = path.read_text()
    # names a chapter binds itself (variables, functions), which a helper module's own name must not shadow
    own = set(re.findall(r"^(\w+)\s*=", text, re.M)) | set(re.findall(r"^def (\w+)", text, re.M))
    taken = {name: "" for name in own}
    for package, name, alias in helper_imports(text):
        full = f"{package}.{name}"
        if not is_module(full):
            assert package in FUNCTION_IMPORTS, f"{path.name}: import the module, not {full}"
            continue
        if package in ("helpers.arithmetic", "helpers.vision") and alias != name:
            taken.setdefault(name, "")  # an arithmetic/vision module renamed because its name was taken
        assert alias == expected_alias(package, name, taken), f"{path.name}: import {full} as " \
            f"{expected_alias(package, name, taken)}, not {alias} (CONTRIBUTING.md, Import names)"
        taken[alias] = full


# --- chapters name the modules they use ----------------------------------------------------------

USED_LINE = re.compile(r"^\*\*Helpers used here:\*\* (.*?)\.\n\n", re.S | re.M)


def imported_modules(text: str) -> set[str]:
    """The helper modules a chapter imports (a function's module when it imports a function)."""
    return {f"{package}.{name}" if is_module(f"{package}.{name}") else package
            for package, name, _ in helper_imports(text)}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_names_the_helper_modules_it_uses(path: Path) -> None:
    text = path.read_text()
    found = USED_LINE.search(text)
    assert found, f"{path.name}: no '**Helpers used here:** `helpers...`, ...' line"
    assert found.start() < text.index("\n## "), f"{path.name}: the helpers line belongs before the first section"
    named = set(re.findall(r"`(helpers(?:\.\w+)*)`", found.group(1)))
    assert named == imported_modules(text), f"{path.name}: the helpers line names {sorted(named)}; " \
        f"the chapter imports {sorted(imported_modules(text))}"


# --- helpers point to the chapters ---------------------------------------------------------------

POINTER = re.compile(r"^(?:(?:Taught|Used) in chapter (\d+), section '(.+)'|Not taught: .+)\.$")


def hashed_files() -> set[Path]:
    """The files whose names and contents make the committed results' code versions: never edited here."""
    from helpers import sweeps
    from helpers.arithmetic import sweep as arithmetic_sweep
    from helpers.vision import sweep as vision_sweep

    seen: set[Path] = set()
    real = sweeps.source_hash
    try:
        sweeps.source_hash = lambda paths: seen.update(Path(p).resolve() for p in paths) or real(paths)
        arithmetic_sweep.code_version()
        vision_sweep.code_version()
    finally:
        sweeps.source_hash = real
    return seen


def public_definitions() -> list[tuple[Path, ast.FunctionDef | ast.ClassDef]]:
    """Every top-level public function and class of helpers, except the hashed files and ``published/``
    (another team's package)."""
    skip = hashed_files()
    assert len(skip) == 9, sorted(skip)
    out = []
    for path in sorted(HELPERS.rglob("*.py")):
        if path.resolve() in skip or "published" in path.relative_to(HELPERS).parts:
            continue
        tree = ast.parse(path.read_text())
        out += [(path, node) for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]
    return out


def headings(number: int) -> set[str]:
    (path,) = [p for p in CHAPTERS if int(p.name[:2]) == number]
    return {m.group(1).strip() for m in re.finditer(r"^#{2,3} (.+)$", path.read_text(), re.M)}


def test_every_public_helper_points_to_where_the_book_teaches_it() -> None:
    missing, wrong = [], []
    definitions = public_definitions()
    assert len(definitions) > 150
    for path, node in definitions:
        where = f"{path.relative_to(HELPERS)}:{node.name}"
        doc = ast.get_docstring(node) or ""
        last = doc.strip().splitlines()[-1].strip() if doc.strip() else ""
        m = POINTER.match(last)
        if not m:
            missing.append(where)
        elif m.group(1) and m.group(2) not in headings(int(m.group(1))):
            wrong.append(f"{where}: chapter {m.group(1)} has no section {m.group(2)!r}")
    assert not missing, f"docstrings without a last line 'Taught in chapter N, section ...': {missing}"
    assert not wrong, wrong


# --- every module is listed ----------------------------------------------------------------------


def modules_of(folder: Path) -> set[str]:
    """The modules and packages directly in ``folder`` (no private ones)."""
    return {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")} | \
           {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}


def test_helpers_all_its_docstring_and_the_readme_list_every_module() -> None:
    modules = modules_of(HELPERS)
    assert set(helpers.__all__) == modules
    readme = (ROOT / "README.md").read_text()
    for name in modules:
        shown = f"{name}/" if (HELPERS / name).is_dir() else f"{name}.py"
        assert re.search(rf"^\s+{re.escape(shown)}\s", helpers.__doc__, re.M), f"helpers' docstring misses {shown}"
        assert re.search(rf"^\s+{re.escape(shown)}\s|[ ,]{re.escape(shown)}[ ,]", readme, re.M), \
            f"README's layout misses {shown}"
    for name in modules_of(HELPERS / "plotting"):
        assert re.search(rf"^\s+{name}\.py\s", plotting.__doc__, re.M), f"plotting's docstring misses {name}.py"
    for package in ("arithmetic", "vision", "coursework"):
        doc = importlib.import_module(f"helpers.{package}").__doc__
        for name in modules_of(HELPERS / package):
            assert re.search(rf"^\s+{name}\.py\s", doc, re.M), f"helpers.{package}'s docstring misses {name}.py"
