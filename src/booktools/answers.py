"""Answers as plain JSON, so a grader can check them outside the student's kernel.

``encode`` runs inside the student's kernel (it imports nothing heavy: numpy, pandas, sympy and torch
are looked up in ``sys.modules``, so only what the notebook already imported is recognised). ``decode``
runs in the grader and never evaluates code: no pickle, no ``eval``, no sympify of strings. It rebuilds
numbers, strings, lists, tuples, dicts, numpy arrays (numeric and boolean dtypes from raw bytes),
torch tensors, pandas frames and series, sympy expressions (tree of sympy classes, each built from
already-built arguments) and dataclasses defined in ``helpers`` (e.g. an arithmetic ``Split``).
Anything else raises ``TypeError`` naming the type, and the grader reports the answer as unreadable.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import math
import re
import sys
from typing import Any

MAX_DEPTH = 30
_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _module(name: str) -> Any:
    return sys.modules.get(name)


def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as JSON-compatible data that ``decode`` turns back into an equal object."""
    if _depth > MAX_DEPTH:
        raise TypeError("the answer is nested too deeply")
    d = _depth + 1
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"$int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, complex):
        return {"$complex": [encode(value.real, d), encode(value.imag, d)]}
    np = _module("numpy")
    if np is not None:
        if isinstance(value, np.generic):
            return encode(value.item(), d)
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biufc":
                data = np.ascontiguousarray(value)
                return {"$ndarray": {"dtype": data.dtype.str, "shape": list(data.shape),
                                     "b64": base64.b64encode(data.tobytes()).decode("ascii")}}
            return {"$ndarray": {"dtype": "object", "shape": list(value.shape),
                                 "items": [encode(v, d) for v in value.ravel().tolist()]}}
    torch = _module("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return {"$tensor": encode(value.detach().cpu().numpy(), d)}
    pd = _module("pandas")
    if pd is not None:
        if isinstance(value, pd.DataFrame):
            return {"$dataframe": {"columns": [encode(c, d) for c in value.columns],
                                   "index": encode(value.index.to_numpy(), d),
                                   "data": [encode(value[c].to_numpy(), d) for c in value.columns]}}
        if isinstance(value, pd.Series):
            return {"$series": {"name": encode(value.name, d), "index": encode(value.index.to_numpy(), d),
                                "data": encode(value.to_numpy(), d)}}
    sp = _module("sympy")
    if sp is not None and isinstance(value, sp.Basic):
        return {"$sympy": _encode_sympy(value, sp, d)}
    if isinstance(value, (list, tuple, set, frozenset, range)):
        items = [encode(v, d) for v in (sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value)]
        return items if isinstance(value, (list, range, set, frozenset)) else {"$tuple": items}
    if isinstance(value, dict):
        return {"$dict": [[encode(k, d), encode(v, d)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return {"$dataclass": {"module": cls.__module__, "name": cls.__qualname__,
                               "fields": {f.name: encode(getattr(value, f.name), d)
                                          for f in dataclasses.fields(value) if f.init}}}
    raise TypeError(f"an answer of type {type(value).__module__}.{type(value).__qualname__} cannot be read "
                    "by the grader; give numbers, lists, arrays, tables or sympy expressions")


def _encode_sympy(expr: Any, sp: Any, depth: int) -> list:
    if depth > MAX_DEPTH * 4:
        raise TypeError("the sympy expression is nested too deeply")
    name = type(expr).__name__
    if isinstance(expr, sp.Symbol):
        return ["Symbol", expr.name, {k: v for k, v in expr.assumptions0.items() if isinstance(v, bool)}]
    if isinstance(expr, sp.Integer):
        return ["Integer", str(int(expr))]
    if isinstance(expr, sp.Rational):
        return ["Rational", str(int(expr.p)), str(int(expr.q))]
    if isinstance(expr, sp.Float):
        return ["Float", str(expr), int(expr._prec)]
    if not expr.args:
        return [name]  # a singleton such as pi, E, I, oo, nan
    if isinstance(expr, sp.core.function.AppliedUndef):
        return ["UndefinedFunction", type(expr).__name__, [_encode_sympy(a, sp, depth + 1) for a in expr.args]]
    return [name, [_encode_sympy(a, sp, depth + 1) for a in expr.args]]


# --- decoding: the grader's side ----------------------------------------------------------------------


def _sympy_classes() -> dict[str, type]:
    import sympy as sp

    found, todo = {}, [sp.Basic]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if (sub.__module__ or "").startswith("sympy.") and sub.__name__ not in found:
                found[sub.__name__] = sub
                todo.append(sub)
    for name in dir(sp):  # sympy's own public name wins where two classes share one
        obj = getattr(sp, name)
        if isinstance(obj, type) and issubclass(obj, sp.Basic):
            found[obj.__name__] = obj
    return found


def _decode_sympy(node: Any, classes: dict[str, type]) -> Any:
    import sympy as sp

    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise ValueError(f"not a sympy node: {node!r:.80}")
    kind = node[0]
    if kind == "Symbol":
        name, assumptions = node[1], node[2]
        if not isinstance(name, str) or not all(isinstance(k, str) and isinstance(v, bool)
                                                for k, v in assumptions.items()):
            raise ValueError("a symbol needs a name and true/false assumptions")
        return sp.Symbol(name, **assumptions)
    if kind == "Integer":
        return sp.Integer(int(node[1]))
    if kind == "Rational":
        return sp.Rational(int(node[1]), int(node[2]))
    if kind == "Float":
        if not isinstance(node[1], str) or not (_FLOAT.match(node[1]) or node[1] in ("inf", "-inf", "nan")):
            raise ValueError(f"not a number: {node[1]!r:.40}")
        return sp.Float(node[1], precision=int(node[2]))
    if kind == "UndefinedFunction":
        if not isinstance(node[1], str) or not node[1].isidentifier():
            raise ValueError("a function name must be an identifier")
        return sp.Function(node[1])(*[_decode_sympy(a, classes) for a in node[2]])
    cls = classes.get(kind)
    if cls is None:
        raise ValueError(f"unknown sympy class {kind!r:.40}")
    if len(node) == 1:
        return cls()
    args = [_decode_sympy(a, classes) for a in node[1]]
    if not all(isinstance(a, sp.Basic) for a in args):  # never a string: sympy would parse (evaluate) it
        raise ValueError("sympy arguments must be sympy objects")
    return cls(*args)


def decode(data: Any, _depth: int = 0) -> Any:
    """The object ``encode`` wrote as ``data`` (ValueError for data it could not have written)."""
    if _depth > MAX_DEPTH:
        raise ValueError("the answer is nested too deeply")
    d = _depth + 1
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, d) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError(f"unreadable answer data: {str(data)[:80]}")
    (tag, body), = data.items()
    if tag == "$int":
        return int(body)
    if tag == "$float":
        if body not in ("inf", "-inf", "nan"):
            raise ValueError(f"not a special float: {body!r:.40}")
        return float(body)
    if tag == "$complex":
        return complex(decode(body[0], d), decode(body[1], d))
    if tag == "$tuple":
        return tuple(decode(v, d) for v in body)
    if tag == "$dict":
        return {_hashable(decode(k, d)): decode(v, d) for k, v in body}
    if tag == "$ndarray":
        import numpy as np

        shape = tuple(int(s) for s in body["shape"])
        if body["dtype"] == "object":
            arr = np.empty(len(body["items"]), dtype=object)
            arr[:] = [decode(v, d) for v in body["items"]]
            return arr.reshape(shape)
        dtype = np.dtype(body["dtype"])
        if dtype.kind not in "biufc":
            raise ValueError(f"unsupported array dtype {body['dtype']!r:.40}")
        return np.frombuffer(base64.b64decode(body["b64"]), dtype=dtype).reshape(shape).copy()
    if tag == "$tensor":
        import torch

        return torch.as_tensor(decode(body, d))
    if tag == "$dataframe":
        import pandas as pd

        columns = [_hashable(decode(c, d)) for c in body["columns"]]
        frame = pd.DataFrame({i: decode(v, d) for i, v in enumerate(body["data"])}, index=decode(body["index"], d))
        frame.columns = columns
        return frame
    if tag == "$series":
        import pandas as pd

        return pd.Series(decode(body["data"], d), index=decode(body["index"], d), name=decode(body["name"], d))
    if tag == "$sympy":
        return _decode_sympy(body, _sympy_classes())
    if tag == "$dataclass":
        module, name = body["module"], body["name"]
        if not (module == "helpers" or module.startswith("helpers.")) or not name.isidentifier():
            raise ValueError(f"only dataclasses of the book's helpers can be read; got {module}.{name}")
        cls = getattr(importlib.import_module(module), name, None)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError(f"{module}.{name} is not a dataclass")
        return cls(**{k: decode(v, d) for k, v in body["fields"].items()})
    raise ValueError(f"unreadable answer data tag {tag!r:.40}")


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
