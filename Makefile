# Mirage: the two commands a reader needs are `make book` and `make test`.
# Both do all set-up themselves on a fresh machine with Python 3.11, make and npm.

PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
VENDOR  := book/_vendor
ASSETS  := book/assets
NBDIR   := build/notebooks
EXECUTED := build/executed
PYTEST_ARGS ?=# extra pytest options for `make test`, e.g. PYTEST_ARGS=-x
export MPLBACKEND := Agg
# Tiny models and arrays: one thread each avoids oversubscribing the 2 cores (two spinning threads
# per process were measured many times slower when another process is busy).
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup assets book test notebooks lab snapshots benchmark sweep sweep-resolution sweep-vision student grade normalise clean

help:
	@echo "make book       build the HTML book (executes every chapter) -> book/_build/html/index.html"
	@echo "make test       run the whole test suite (unit tests, every chapter under nbval, book build)"
	@echo "make lab        open JupyterLab; chapters (.md) open as notebooks"
	@echo "make snapshots  re-record the reference outputs that nbval checks (after a deliberate change)"
	@echo "make benchmark  time every chapter on this machine"
	@echo "make student    write student notebooks (solutions removed, exercise placeholders) -> student/ (or DIR=...)"
	@echo "make grade SUBMISSIONS=DIR  grade a folder of student folders -> DIR/gradebook.csv, DIR/feedback/"
	@echo "make normalise  rewrite the chapters in the exact form JupyterLab saves them (after editing by hand)"
	@echo "make sweep      retrain the arithmetic model family and rewrite results/ (cached by configuration)"
	@echo "make sweep-resolution  retrain the small add_4x4 models and score them on 100,000 held-out sums"
	@echo "make sweep-vision  retrain the vision model families of chapter 8 and rewrite results/vision_*"

setup: $(STAMP) assets

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Offline JavaScript for the rendered book, from the npm registry at set-up time (never committed).
assets: $(VENDOR)/.copied

$(VENDOR)/.copied: $(ASSETS)/package.json $(ASSETS)/package-lock.json
	cd $(ASSETS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp -r $(ASSETS)/node_modules/mathjax/es5 $(VENDOR)/mathjax
	touch $@

# Chapters are executed side by side, one kernel per core, into build/executed (a chapter already
# executed from the same source and code, e.g. by `make test`, is not executed again); then Jupyter
# Book builds the HTML from those notebooks with its own execution off.
book: setup
	$(BIN)/python -m booktools.execute $(EXECUTED)
	$(BIN)/python -m booktools.build --executed $(EXECUTED)
	@echo
	@echo "The book is built. Open it in a browser: file://$(CURDIR)/book/_build/html/index.html"

# Chapters converted to notebooks in a scratch folder (never next to the .md), with the reference
# outputs of the checked cells (tag nbval-check-output, named by :snapshot:) put in from tests/snapshots.
notebooks: setup
	$(BIN)/python -m booktools.chapters prepare $(NBDIR)

# One execution per chapter: nbval executes and checks each chapter, and its plugin keeps what it
# executed in build/executed, from which tests/test_book.py builds the book. Unit tests, chapters and
# student notebooks run side by side on every core (pytest-xdist; a chapter's cells stay together).
test: setup notebooks
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder --executed-dir $(EXECUTED) \
	  --nbval-lax -p no:cacheprovider $(PYTEST_ARGS) tests $(NBDIR) --ignore=tests/test_book.py
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/test_book.py

snapshots: setup
	$(BIN)/python -m booktools.execute $(EXECUTED)
	$(BIN)/python -m booktools.chapters record --from $(EXECUTED)

# Chapters (.md) open as notebooks by default: JupyterLab reads overrides.json from the venv.
lab: setup
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp $(ASSETS)/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab --notebook-dir=book/chapters $(if $(filter 0,$(shell id -u)),--allow-root)

benchmark: setup
	$(BIN)/python benchmarks/chapter_times.py

# Student notebooks: solutions stripped, each exercise followed by a written-answer cell and a placeholder
# ending with its self-check. Written to student/ (or DIR=...), which `make clean` never removes; a notebook
# a student has changed is never overwritten (the fresh one is written beside it).
DIR ?= student
student: setup
	$(BIN)/python -m booktools.student $(DIR)

# Grade a folder with one folder per student: each notebook executed in a scratch copy, time and memory
# limits, every core; writes SUBMISSIONS/gradebook.csv and SUBMISSIONS/feedback/. GRADE_ARGS: e.g. --timeout 600
GRADE_ARGS ?=
grade: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/folder (one folder per student)"; exit 2; }
	$(BIN)/python -m booktools.grade $(SUBMISSIONS) $(GRADE_ARGS)

# Chapters in the exact text jupytext writes when JupyterLab saves them (so a save changes nothing).
normalise: setup
	$(BIN)/python -m booktools.chapters normalise

# The arithmetic sweeps behind chapter 5: every size x seed, cached by configuration and code version.
sweep: setup
	$(BIN)/python -m helpers.arithmetic.sweep

# Prediction (b) at the paper's resolution: the small add_4x4 models scored on 100,000 held-out sums.
sweep-resolution: setup
	$(BIN)/python -m helpers.arithmetic.sweep --resolution

# The vision sweeps behind chapter 8 (classifier, autoencoder, sequence model), cached the same way.
sweep-vision: setup
	$(BIN)/python -m helpers.vision.sweep

# Never removes student/ (students' notebooks) or .venv.
clean:
	rm -rf book/_build build $(VENDOR) $(ASSETS)/node_modules
