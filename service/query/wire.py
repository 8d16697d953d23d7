"""How reads and answers cross the pipe to an evaluator: pickled, except that the values nearly
every read shares (its task function, its format, the union dataset, the anonymous and admin
principals) travel as names behind one global.

pickle writes each module-level function or class as a global, which the reader resolves by
importing its module and walking its attributes: ~1.5 us each way per global, and a read's task
carries four. A point lookup's task took 7 us to pickle and 7 us to unpickle; named here, about
2 us each. The names resolve from a table (constants) or, for a task function, by one import
per process, remembered.
"""

from __future__ import annotations

import importlib
import io
import pickle
from types import FunctionType
from typing import Any

from service.formats import ALL as FORMATS
from service.query.access import ADMIN, ANONYMOUS
from service.store.base import UNION

_CONSTANTS: dict[str, object] = {
    "union": UNION,
    "anonymous": ANONYMOUS,
    "admin": ADMIN,
    **{f"format:{f.media_type}": f for f in FORMATS},
}
_NAME_OF = {id(value): name for name, value in _CONSTANTS.items()}  # they live as long as we do
_FUNCTIONS: dict[str, Any] = {}
_FUNCTION_NAMES: dict[FunctionType, str | None] = {}


def shared(name: str) -> Any:
    """The value a name stands for: a constant, or a task function ``module:qualname``."""
    found = _CONSTANTS.get(name)
    if found is not None:
        return found
    found = _FUNCTIONS.get(name)
    if found is None:
        module, _, qualname = name.partition(":")
        found = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
        _FUNCTIONS[name] = found
    return found


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        """Called only for objects pickle has no fast path for (never for str, bytes, numbers,
        tuples, lists or dicts), so large arguments cost nothing extra."""
        name = _NAME_OF.get(id(obj))
        if name is None and type(obj) is FunctionType and obj is not shared:
            name = _function_name(obj)
        if name is None:
            return NotImplemented  # pickle's own way (and its error, if it has none)
        return shared, (name,)


def _function_name(fn: FunctionType) -> str | None:
    """``module:qualname`` when that name finds this very function (checked once)."""
    if fn not in _FUNCTION_NAMES:
        name = f"{fn.__module__}:{fn.__qualname__}"
        try:
            found = "<" not in fn.__qualname__ and shared(name) is fn
        except (ImportError, AttributeError):
            found = False
        _FUNCTION_NAMES[fn] = name if found else None
    return _FUNCTION_NAMES[fn]


def dumps(value: object) -> bytes:
    """``pickle.dumps(value)``, with the shared values named; ``pickle.loads`` reads it."""
    out = io.BytesIO()
    _Pickler(out, pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()
