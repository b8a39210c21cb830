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
