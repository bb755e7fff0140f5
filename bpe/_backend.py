"""The one place that chooses between the native twins (bpe._fast) and the pure-Python reference.

`BPE_NO_EXTENSIONS=1` forces the reference; a missing or broken extension falls back to it.
`BPE_REQUIRE_FAST=1` (set by CI) turns that fallback into an error, so a build failure cannot
hide behind a green test run.
"""
from __future__ import annotations

import os

from . import merge as _reference_merge
from . import train as _reference_train

BACKEND: str
_FAST_IMPORT_ERROR: "ImportError | None" = None

def env_flag(name: str) -> bool:
    """Whether an environment switch is on: set to anything but "", "0", "false", "no" or "off"."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


if env_flag("BPE_NO_EXTENSIONS"):
    BACKEND = "reference"
else:
    try:
        from ._fast import core as _fast_core  # noqa: F401
    except ImportError as exc:
        _FAST_IMPORT_ERROR = exc
        BACKEND = "reference"
        if not env_flag("BPE_REQUIRE_FAST"):  # (that case raises below instead)
            import warnings

            # A silent fallback would leave a user wondering why encoding is 30x slower than promised.
            warnings.warn(
                f"bpe: the native extension bpe._fast did not import ({exc}); using the pure-Python reference "
                "(same ids, much slower). Reinstall with a C++ compiler and Cython (`pip install -e .`), "
                "or set BPE_NO_EXTENSIONS=1 to choose the reference and silence this warning.",
                RuntimeWarning, stacklevel=2,
            )
    else:
        BACKEND = "fast"

if BACKEND == "reference" and env_flag("BPE_REQUIRE_FAST") and not env_flag("BPE_NO_EXTENSIONS"):
    raise ImportError(
        f"BPE_REQUIRE_FAST is set but the native extension bpe._fast did not import ({_FAST_IMPORT_ERROR}); "
        "rebuild with `pip install -e .` (needs Cython and a C++ compiler)"
    )


def core_classes() -> dict[str, type]:
    """Encoder-core classes by backend name: always 'reference', plus 'fast' when it is built."""
    classes: dict[str, type] = {"reference": _reference_merge.BytePairCore}
    if BACKEND == "fast":
        classes["fast"] = _fast_core.BytePairCore
    return classes


def get_core_class(backend: "str | None" = None) -> type:
    """The BytePairCore class of the given backend (default: the active one)."""
    name = backend or BACKEND
    classes = core_classes()
    if name not in classes:
        raise ValueError(f"backend {name!r} is not available here; choose one of {sorted(classes)}")
    return classes[name]


def trainers() -> dict[str, object]:
    """Trainer modules by backend name (the native trainer joins when it exists)."""
    found: dict[str, object] = {"reference": _reference_train}
    if BACKEND == "fast":
        try:
            from ._fast import train as fast_train
        except ImportError:
            pass
        else:
            found["fast"] = fast_train
    return found
