"""Compiled twins of the encoder core (Cython + C++); an ImportError here means "not built".

Only `bpe/_backend.py` imports this package; see `bpe/merge.py` for the readable reference twin.
"""
from .core import BytePairCore as BytePairCore
from .core import byte_pair_encode as byte_pair_encode

__all__ = ["BytePairCore", "byte_pair_encode"]
