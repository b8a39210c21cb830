"""Build tools of the Mirage book: not ideas of the book, but what turns its sources into a tested book.

Kept apart from ``helpers`` (the library the chapters teach with), so a reader of ``helpers`` never
steps over them.

    chapters.py      chapter sources as notebooks; snapshots of checked cells; the form JupyterLab saves
    execute.py       executing chapters in parallel, cached by chapter source and code version
    nbval_plugin.py  pytest plugin: nbval keeps what it executed, so tests and book share one execution
    build.py         the HTML book built from executed notebooks (Jupyter Book with execution off)
    student.py       student notebooks: solutions removed, references written out, answer cells per exercise
    grade.py         grading a folder of submissions with the self-checks (make grade)
    sandbox.py       running one untrusted notebook for grade.py: a worker process within limits, its kernel
    grade_kernel.py  the part of grading that runs in the student's kernel (records self-check calls)
    answers.py       answers as plain JSON between the kernel and the grader (no pickle, no eval)
    labview.py       a notebook opened in real JupyterLab in headless Chromium (checks and screenshots)
"""
