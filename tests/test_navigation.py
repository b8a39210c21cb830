"""Finding one's way between the book and the code: chapters import helpers under one table of names
(CONTRIBUTING.md, "Import names")."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
