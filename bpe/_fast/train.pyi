"""Stubs for the native trainer (same signature as bpe.train.train_from_counts)."""
from collections import Counter
from typing import Iterable, Mapping, Optional

from ..train import TrainResult

PROGRESS_EVERY: int

def train_from_counts(
    counts: Mapping[bytes, int],
    num_merges: int,
    *,
    min_frequency: int = 1,
    max_token_length: Optional[int] = None,
    progress: bool = False,
) -> TrainResult: ...
def count_chunks(
    documents: Iterable[str], pat_str: str, progress: bool = False, *, workers: Optional[int] = None,
    max_chunk_chars: int = ...,
) -> Counter: ...
