"""The tests of the book and its helpers; what several test modules share is defined here."""

# A chapter's jupytext header as a writer would type it, which is not the form JupyterLab saves (no
# jupytext_version, the kernelspec's display name first): the start of the small chapters tests write.
JUPYTEXT_HEADER = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
'''

# A small chapter with two exercises, one solution gated by solution-start/-end and one ungated: what the
# student exporter and the nbval placeholders are tested on (tests/test_student.py, tests/test_booktools.py).
SYNTHETIC_CHAPTER = JUPYTEXT_HEADER + '''
# A chapter

```{code-cell} ipython3
x = 1
```

## Exercises

```{exercise}
:label: ex-toy-width

Find the width.
```

````{solution-start} ex-toy-width
:class: dropdown
````

SECRET PROSE one.

```{code-cell} ipython3
secret_code = 2
```

More SECRET PROSE.

````{solution-end}
````

:::{exercise}
:label: ex-made-up
Something without a self-check.
:::

```{solution} ex-made-up
SECRET ungated solution.
```

Closing words.
'''
