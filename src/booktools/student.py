"""Student notebooks: every chapter as an ``.ipynb`` with the solutions taken out.

    python -m booktools.student [OUTDIR]      # writes OUTDIR/<chapter>.ipynb (default OUTDIR: student/)

Each chapter (a jupytext MyST notebook in ``book/chapters``) is read with jupytext. Everything
between a ````{solution-start}```` marker and its ````{solution-end}```` marker is dropped, markdown
and code alike. What JupyterLab's MyST renderer (jupyterlab-myst) cannot resolve without the whole
book is written out: ``{cite:t}`` and ``{cite:p}`` become "Wei et al. (2022)" and "(Wei et al.,
2022)" (from ``book/references.bib``), ``{numref}`` and ``{ref}`` become "Figure 5.3", "Exercise 1.2"
or the section's title, ``{doc}`` becomes "Chapter 2", and each figure's caption (hidden in its code
cell's ``mystnb.figure`` metadata) becomes a markdown line under the figure, "**Figure 4.1.** ...".

Each ``{exercise}`` becomes three cells, each carrying ``metadata["mirage"] = {"exercise": label,
"part": ...}`` so that grading (``booktools.grade``) finds them whatever the student types:

- ``question``: the exercise as plain markdown under a heading "Exercise 2.3 (`ex-toy-width`)";
- ``written``: a markdown cell for the written answer (a prediction is written here *before* running);
- ``code``: the placeholder, ending with the self-check call as the exercise text writes it::

      # Exercise 2.3 (ex-toy-width): your answer here.
      # Delete the `raise` line and compute your answer (here or in cells you add above).
      # Keep the self-check call as the last line: it is how your answer is graded.
      raise NotImplementedError("Exercise ex-toy-width")
      check_toy_width(width)

Executed top to bottom, a student notebook fails only at its placeholders, each with a
NotImplementedError naming its exercise. No notebook is ever written next to a chapter's ``.md``.

Student work is never overwritten: each notebook records a hash of the cells it was written with
(``metadata["mirage"]["content_sha256"]``). On a later export a notebook whose cells still match its
hash is replaced by the fresh one; one that changed (the student's work) is left alone, and the fresh
notebook is written beside it as ``<chapter>.new.ipynb``; both paths are printed.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat

from helpers import coursework
from helpers.cache import atomic_write


__all__ = ["Exercise", "References", "book_references", "placeholder_source", "student_notebook",
           "content_hash", "Exported", "export", "main", "DEFAULT_OUTDIR", "fold_paragraphs"]

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "book" / "chapters"
BIBLIOGRAPHY = ROOT / "book" / "references.bib"
DEFAULT_OUTDIR = ROOT / "student"
META = "mirage"  # the notebook- and cell-metadata key of everything this module and the grader write

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_OPEN = {
    name: re.compile(rf"^\s*{_FENCE}\{{{name}\}}\s*(?P<arg>\S*)\s*$")
    for name in ("exercise", "solution-start", "solution-end", "solution")
}
_LABEL = re.compile(r"^\s*:label:\s*(?P<label>\S+)\s*$")
_OPTION = re.compile(r"^\s*:[\w-]+:")
_ROLE = re.compile(r"\{(?P<role>[a-z]+(?::[a-z]+)?)\}`(?P<content>[^`]+)`")
_TARGET = re.compile(r"^\s*\((?P<label>[\w-]+)\)=\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")


def fold_paragraphs(text: str) -> str:
    """Markdown text with the line breaks inside each paragraph turned into spaces (blank lines kept)."""
    paragraphs = re.split(r"\n[ \t]*\n", text.strip())
    return "\n\n".join(" ".join(line.strip() for line in para.splitlines() if line.strip()) for para in paragraphs)


@dataclass(frozen=True)
class Exercise:
    """An exercise of a chapter: its label and its number, as in 'Exercise 2.3'."""

    label: str
    number: str


@dataclass
class References:
    """What the book's cross-references and citations resolve to, book-wide."""

    figures: dict[str, str] = field(default_factory=dict)     # fig-label -> "Figure 4.1"
    exercises: dict[str, str] = field(default_factory=dict)   # ex-label -> "Exercise 4.1"
    sections: dict[str, str] = field(default_factory=dict)    # (label)= above a heading -> its title
    chapters: dict[str, str] = field(default_factory=dict)    # "04_resolution" -> "Chapter 4"
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> ("Wei et al.", "2022")


def _chapter_number(path: Path) -> str:
    """'02_toy_model.md' -> '2' (the number the file name starts with), else the file stem."""
    m = re.match(r"(\d+)", path.stem)
    return str(int(m.group(1))) if m else path.stem


def _plain_name(name: str) -> str:
    """A BibTeX name part as plain text: LaTeX accents decoded, braces removed."""
    import codecs

    import latexcodec  # noqa: F401  (registers the 'ulatex' codec; a dependency of sphinxcontrib-bibtex)

    return codecs.decode(name, "ulatex").replace("{", "").replace("}", "")


def citations(bib: Path = BIBLIOGRAPHY) -> dict[str, tuple[str, str]]:
    """Every entry of a BibTeX file as (authors, year): 'Wei et al.', 'Clopper and Pearson', 'Gompertz'."""
    from pybtex.database import parse_file  # a dependency of sphinxcontrib-bibtex

    out = {}
    for key, entry in parse_file(str(bib)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_plain_name(" ".join(p.prelast_names + p.last_names)) for p in people]
        if not names:
            authors = _plain_name(entry.fields.get("title", key))
        elif len(names) >= 3 or names[-1] == "others":
            authors = f"{names[0]} et al."
        elif len(names) == 2:
            authors = f"{names[0]} and {names[1]}"
        else:
            authors = names[0]
        out[key] = (authors, entry.fields.get("year", "n.d."))
    return out


def _exercise_labels(text: str) -> list[str]:
    """The labels of a chapter's ``{exercise}`` blocks, in order."""
    lines, labels, i = text.splitlines(), [], 0
    while i < len(lines):
        m = _OPEN["exercise"].match(lines[i])
        if m:
            end = _block_end(lines, i, m["fence"])
            found = [lm["label"] for lm in map(_LABEL.match, lines[i:end]) if lm]
            labels.append(found[0] if found else "")
            i = end
        i += 1
    return labels


@lru_cache(maxsize=8)
def _book_references(chapters: Path, bib: Path, stamp: tuple) -> References:
    import jupytext

    refs = References(citations=citations(bib) if bib.exists() else {})
    for path in sorted(chapters.glob("*.md")):
        chapter = _chapter_number(path)
        refs.chapters[path.stem] = f"Chapter {chapter}"
        text = path.read_text(encoding="utf-8")
        for k, label in enumerate(_exercise_labels(text), start=1):
            refs.exercises[label] = f"Exercise {chapter}.{k}"
        lines = text.splitlines()
        for i, line in enumerate(lines):
            m = _TARGET.match(line)
            if m:
                heading = next((h["title"] for h in map(_HEADING.match, lines[i + 1:i + 4]) if h), m["label"])
                refs.sections[m["label"]] = heading
        figures = [c.metadata.get("mystnb", {}).get("figure", {}).get("name") for c in jupytext.read(path).cells]
        for k, name in enumerate([f for f in figures if f], start=1):
            refs.figures[name] = f"Figure {chapter}.{k}"
    return refs


def book_references(chapters: Path = CHAPTERS, bib: Path = BIBLIOGRAPHY) -> References:
    """Figure, exercise, section and chapter numbers of every chapter in ``chapters``, and the citations."""
    chapters, bib = Path(chapters).resolve(), Path(bib).resolve()
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(chapters.glob("*.md")))
    stamp += ((bib.stat().st_mtime_ns,) if bib.exists() else ())
    return _book_references(chapters, bib, stamp)


def _split_target(content: str) -> tuple[str | None, str]:
    """A role's content 'text <target>' -> ('text', 'target'); 'target' -> (None, 'target')."""
    m = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", content.strip(), re.S)
    return (m["text"], m["target"].strip()) if m else (None, content.strip())


def resolve_roles(text: str, refs: References, where: str = "chapter") -> str:
    """``text`` with the MyST roles jupyterlab-myst cannot resolve written out as plain text."""

    def cite(keys: str, textual: bool) -> str:
        found = []
        for key in (k.strip() for k in keys.split(",")):
            if key not in refs.citations:
                raise ValueError(f"{where}: citation key {key!r} is not in the bibliography")
            found.append(refs.citations[key])
        if textual:
            return ", ".join(f"{a} ({y})" for a, y in found)
        return "(" + "; ".join(f"{a}, {y}" for a, y in found) + ")"

    def reference(content: str, role: str) -> str:
        text, target = _split_target(content)
        target = target.removeprefix("../").removeprefix("chapters/")
        if role == "doc":
            name = refs.chapters.get(target) or refs.chapters.get(Path(target).stem)
            if name is None and text is None:
                raise ValueError(f"{where}: {{doc}} to {target!r}, which is no chapter")
            return text or name
        for table in (refs.figures, refs.exercises):
            if target in table:
                number = table[target]
                if text and "%s" in text:
                    return text.replace("%s", number.split()[-1])
                return text or number
        if target in refs.sections:
            return text or f"the section “{refs.sections[target]}”"
        raise ValueError(f"{where}: {{{role}}} to {target!r}, which is no figure, exercise or section label")

    def replace(m: re.Match) -> str:
        role, content = m["role"], m["content"]
        if role in ("cite:t", "cite:ts"):
            return cite(content, textual=True)
        if role in ("cite", "cite:p", "cite:ps"):
            return cite(content, textual=False)
        if role in ("numref", "ref", "doc"):
            return reference(content, role)
        if role.startswith("glue"):  # a value glued while the chapter runs: name it, it is not known here
            return f"`{content.split(':')[0]}`"
        return m.group(0)  # roles that jupyterlab-myst renders itself (math, sub, sup, abbr, ...)

    return _ROLE.sub(replace, text)


def _split_args(args: str) -> list[str]:
    """'a, f(b, c), [d, e]' -> ['a', 'f(b, c)', '[d, e]'] (commas at the top level only)."""
    out, depth, current = [], 0, ""
    for ch in args:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        out.append(current.strip())
    return out


def check_call(label: str, text: str = "") -> str | None:
    """The self-check call the placeholder ends with, e.g. 'check_toy_width(width)'; None without a check.

    The arguments are those of the call the exercise ``text`` writes (the names the student reads there,
    which may be variables of the chapter such as ``held_out``), checked against the self-check's
    signature; without such a call, the signature's required parameter names."""
    name = coursework.check_name(label)
    check = getattr(coursework, name, None)
    if check is None:
        return None
    signature = inspect.signature(check)
    m = re.search(rf"`{re.escape(name)}\((?P<args>[^`]*)\)`", text)
    if m:
        args = _split_args(m["args"])
        try:
            signature.bind(*[a for a in args if not re.match(r"^\w+\s*=", a)],
                           **{a.split("=")[0].strip(): a for a in args if re.match(r"^\w+\s*=", a)})
        except TypeError as err:
            raise ValueError(f"{label}: the exercise text calls {name}({m['args']}), which does not fit "
                             f"the self-check's signature {name}{signature}: {err}") from None
    else:
        args = [p.name for p in signature.parameters.values() if p.default is inspect.Parameter.empty]
    return f"{name}({', '.join(args)})"


def placeholder_source(exercise: Exercise, text: str = "") -> str:
    """Source of the code cell a student fills in for ``exercise`` (``text``: the exercise's wording)."""
    call = check_call(exercise.label, text)
    lines = [f"# Exercise {exercise.number} ({exercise.label}): your answer here.",
             "# Delete the `raise` line and compute your answer (here or in cells you add above)."]
    if call:
        lines.append("# Keep the self-check call as the last line: it is how your answer is graded.")
    lines.append(f'raise NotImplementedError("Exercise {exercise.label}")')
    if call:
        lines.append(call)
    return "\n".join(lines)


def _written_prompt(body: str, exercise: Exercise) -> str:
    """The markdown cell for an exercise's written answer; what it asks depends on the exercise's kind."""
    lowered = body.lower()
    if "predict" in lowered:
        ask = ("Write your **prediction** here *before* you run any code, with your reasoning. "
               "Then add what you found and why it differs, if it does.")
    elif "interpret a plot" in lowered or "read the figure" in lowered:
        ask = "Write what you read in the figure, and why it matters, here."
    elif "derive" in lowered:
        ask = "Write the steps of your derivation and what the result means here."
    else:
        ask = "Write your explanation here."
    return f"**Your written answer to Exercise {exercise.number}.** {ask}\n\n*…*"


def _block_end(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes the directive opened at ``start`` with ``fence``."""
    for i in range(start + 1, len(lines)):
        if lines[i].strip() == fence:
            return i
    raise ValueError(f"directive opened with {fence!r} at line {start + 1} is never closed")


def _exercise_markdown(block: list[str], exercise: Exercise) -> list[str]:
    """An ``{exercise}`` directive's lines as plain markdown: a heading, then the body without options."""
    body = block[1:-1]
    while body and (_OPTION.match(body[0]) or not body[0].strip()):
        body = body[1:]
    return [f"### Exercise {exercise.number} (`{exercise.label}`)", "", *body]


def _meta(label: str, part: str) -> dict:
    return {META: {"exercise": label, "part": part}}


def student_notebook(path: Path, refs: References | None = None) -> tuple[nbformat.NotebookNode, list[Exercise]]:
    """The chapter at ``path`` as a student notebook, and its exercises in order."""
    import jupytext  # a book dependency, not one of the helper package's own

    path = Path(path)
    refs = refs or book_references(path.parent)
    nb = jupytext.read(path)
    chapter = _chapter_number(path)
    cells: list[nbformat.NotebookNode] = []
    exercises: list[Exercise] = []
    in_solution = False

    def markdown(text: str, metadata: dict | None = None) -> None:
        text = text.strip("\n")
        if text.strip():
            cell = nbformat.v4.new_markdown_cell(resolve_roles(text, refs, path.name))
            cell.metadata.update(metadata or {})
            cells.append(cell)

    for cell in nb.cells:
        if cell.cell_type != "markdown":
            if in_solution:
                continue
            cells.append(cell)
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            if figure.get("caption"):
                number = refs.figures.get(figure.get("name"), "Figure")
                caption = fold_paragraphs(figure["caption"])
                markdown(f"**{number}.** {caption}", {META: {"figure": figure.get("name")}})
            continue
        lines = cell.source.splitlines()
        buffer: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if in_solution:
                m = _OPEN["solution-end"].match(line)
                if m:
                    i = _block_end(lines, i, m["fence"])
                    in_solution = False
                i += 1
                continue
            m = _OPEN["solution-start"].match(line)
            if m:
                i = _block_end(lines, i, m["fence"]) + 1
                in_solution = True
                continue
            m = _OPEN["solution"].match(line)
            if m:  # an ungated solution: drop the whole block
                i = _block_end(lines, i, m["fence"]) + 1
                continue
            m = _OPEN["exercise"].match(line)
            if m:
                end = _block_end(lines, i, m["fence"])
                block = lines[i:end + 1]
                labels = [lm["label"] for lm in map(_LABEL.match, block) if lm]
                if not labels:
                    raise ValueError(f"{path.name}: an exercise has no :label:")
                exercise = Exercise(labels[0], f"{chapter}.{len(exercises) + 1}")
                exercises.append(exercise)
                markdown("\n".join(buffer))
                buffer.clear()
                body = "\n".join(block[1:-1])
                markdown("\n".join(_exercise_markdown(block, exercise)), _meta(exercise.label, "question"))
                markdown(_written_prompt(body, exercise), _meta(exercise.label, "written"))
                code = nbformat.v4.new_code_cell(placeholder_source(exercise, body))
                code.metadata.update(_meta(exercise.label, "code"))
                code.metadata[META]["source_sha256"] = hashlib.sha256(code.source.encode()).hexdigest()
                cells.append(code)
                i = end + 1
                continue
            buffer.append(line)
            i += 1
        markdown("\n".join(buffer))
    if in_solution:
        raise ValueError(f"{path.name}: a solution-start has no solution-end")

    student = nbformat.v4.new_notebook(cells=cells)
    student.metadata = {k: v for k, v in nb.metadata.items() if k != "jupytext"}
    for cell in student.cells:
        cell.id = nbformat.corpus.words.generate_corpus_id()  # fresh and unique, so the notebook validates
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    student.metadata[META] = {"chapter": path.stem, "exercises": [e.label for e in exercises]}
    student.metadata[META]["content_sha256"] = content_hash(student)
    return student, exercises


def content_hash(nb: nbformat.NotebookNode) -> str:
    """A hash of what a student can change: every cell's type, source and outputs (not metadata)."""
    cells = [[c.cell_type, c.source, c.get("outputs", [])] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def untouched(path: Path) -> bool:
    """Whether the notebook at ``path`` still holds exactly the cells it was exported with."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, json.JSONDecodeError, nbformat.reader.NotJSONError):
        return False
    return nb.metadata.get(META, {}).get("content_sha256") == content_hash(nb)


@dataclass(frozen=True)
class Exported:
    """What happened to one chapter's student notebook: written to ``path``; ``kept`` the student's own."""

    chapter: str
    path: Path
    kept: Path | None = None

    def describe(self) -> str:
        if self.kept is None:
            return f"written: {self.path}"
        return (f"kept {self.kept} (changed since it was exported: the student's work); "
                f"the fresh notebook is {self.path}")


def _target(outdir: Path, stem: str) -> tuple[Path, Path | None]:
    """Where a chapter's fresh notebook goes, and the student's notebook that must be kept (if any)."""
    target = outdir / f"{stem}.ipynb"
    if not target.exists() or untouched(target):
        return target, None
    for n in range(1, 1000):
        beside = outdir / (f"{stem}.new.ipynb" if n == 1 else f"{stem}.new-{n}.ipynb")
        if not beside.exists() or untouched(beside):
            return beside, target
    raise RuntimeError(f"{outdir}: 999 kept copies of {stem}; tidy the folder")  # pragma: no cover


def export(outdir: Path = DEFAULT_OUTDIR, chapters: Path = CHAPTERS) -> list[Exported]:
    """Write one student notebook per chapter in ``chapters`` to ``outdir``, never over a student's work."""
    outdir, chapters = Path(outdir).resolve(), Path(chapters).resolve()
    if not chapters.is_dir():
        raise ValueError(f"chapters must be a folder of chapter .md files; got {str(chapters)!r}")
    sources = sorted(chapters.glob("*.md"))
    if not sources:
        raise ValueError(f"chapters holds no .md chapters: {str(chapters)!r}")
    if outdir == chapters or outdir.is_relative_to(chapters.parent):
        raise ValueError(f"outdir must be outside the book sources (no .ipynb next to a .md); got {str(outdir)!r}")
    if outdir.exists() and not outdir.is_dir():
        raise ValueError(f"outdir must be a folder; got the file {str(outdir)!r}")
    refs = book_references(chapters)
    notebooks = [(src.stem, student_notebook(src, refs)[0]) for src in sources]  # all parsed before any write
    outdir.mkdir(parents=True, exist_ok=True)
    done = []
    for stem, nb in notebooks:
        target, kept = _target(outdir, stem)
        atomic_write(target, nbformat.writes(nb).encode("utf-8"))
        done.append(Exported(stem, target, kept))
    return done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, nargs="?", default=DEFAULT_OUTDIR,
                        help="folder for the student notebooks (default: student/ at the top of the project)")
    parser.add_argument("--chapters", type=Path, default=CHAPTERS, help="folder of chapter .md files")
    args = parser.parse_args(argv)
    try:
        done = export(args.outdir, args.chapters)
    except ValueError as err:
        parser.error(str(err))
    for item in done:
        print(item.describe())
    kept = [d for d in done if d.kept]
    print(f"{len(done)} student notebooks in {args.outdir}"
          + (f"; {len(kept)} changed by a student were kept, the fresh ones written beside them" if kept else ""))


if __name__ == "__main__":
    main()
