"""bpe: train, encode and compare byte-pair-encoding tokenizers, bit-identical to tiktoken."""
# This is the public API of bpe.
from typing import TYPE_CHECKING, Any

from ._backend import BACKEND as BACKEND
from .core import Tokenizer as Tokenizer
from .pretokenize import CL100K as CL100K
from .pretokenize import O200K as O200K
from .pretokenize import R50K as R50K
from .registry import EncodingNotFoundError as EncodingNotFoundError
from .registry import encoding_for_model as encoding_for_model
from .registry import get_encoding as get_encoding
from .registry import get_tokenizer as get_tokenizer
from .registry import list_encodings as list_encodings
from .streaming import StreamDecoder as StreamDecoder
from .vocab_io import VocabFileError as VocabFileError
from .vocab_io import dump_tiktoken_bpe as dump_tiktoken_bpe
from .vocab_io import load_tiktoken_bpe as load_tiktoken_bpe
from .vocab_io import load_tokenizer as load

if TYPE_CHECKING:  # pragma: no cover
    from .budget import check_fits as check_fits
    from .routing import Router as Router
    from .selection import select_context as select_context

__version__ = "0.1.0"

# Loaded on first use: they bring in decimal and the pricing code, ~15 ms that `import bpe` need not pay.
_LAZY = {"check_fits": "budget", "select_context": "selection", "Router": "routing"}


def __getattr__(name: str) -> Any:
    """The budgeting helpers (check_fits, select_context, Router), imported on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bpe' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BACKEND",
    "CL100K",
    "O200K",
    "R50K",
    "EncodingNotFoundError",
    "Router",
    "StreamDecoder",
    "Tokenizer",
    "VocabFileError",
    "check_fits",
    "dump_tiktoken_bpe",
    "encoding_for_model",
    "get_encoding",
    "get_tokenizer",
    "list_encodings",
    "load",
    "load_tiktoken_bpe",
    "select_context",
]
