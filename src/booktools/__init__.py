"""Build tools of the Mirage book: not ideas of the book, but what turns its sources into a tested book.

Kept apart from ``helpers`` (the library the chapters teach with), so a reader of ``helpers`` never
steps over them.

    chapters.py      chapter sources as notebooks; the reference outputs (snapshots) of checked cells
    execute.py       executing chapters in parallel, cached by chapter source and code version
    nbval_plugin.py  pytest plugin: nbval keeps what it executed, so tests and book share one execution
    build.py         the HTML book built from executed notebooks (Jupyter Book with execution off)
    student.py       student notebooks: solutions removed, one placeholder per exercise
"""
