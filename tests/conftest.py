"""Shared fixtures: both backends, vendor encodings per backend, the corpora, and --runslow."""
from __future__ import annotations

import functools
import os

import pytest
from hypothesis import HealthCheck, settings

import bpe
from bpe import _backend, corpora

settings.register_profile(
    "default", deadline=None, max_examples=int(os.environ.get("BPE_MAX_EXAMPLES", "100")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")

BACKENDS = ["reference", "fast"]


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow") or os.environ.get("BPE_RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (CI sets BPE_RUN_SLOW=1)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def require_backend(name: str) -> None:
    """Skip when the fast backend is not built (CI's BPE_REQUIRE_FAST makes that an import error)."""
    if name not in _backend.core_classes():
        pytest.skip(f"backend {name!r} not built here ({_backend._FAST_IMPORT_ERROR})")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    require_backend(request.param)
    return request.param


@functools.lru_cache(maxsize=None)
def vendor(name: str, backend: str) -> bpe.Tokenizer:
    """A vendor encoding on the given backend (ranks loaded once per name)."""
    base = bpe.get_encoding(name)
    if base.backend == backend:
        return base
    return bpe.Tokenizer(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                         special_tokens=base.special_tokens, backend=backend)


@functools.lru_cache(maxsize=None)
def oracle(name: str):
    """tiktoken's own Encoding for a vendor vocabulary, built offline from the verified ranks."""
    tiktoken = pytest.importorskip("tiktoken")
    base = bpe.get_encoding(name)
    return tiktoken.Encoding(name, pat_str=base.pat_str, mergeable_ranks=base._mergeable_ranks,
                             special_tokens=base.special_tokens)


@pytest.fixture(scope="session")
def corpora_root():
    root = corpora.find_corpora()
    if root is None:
        pytest.skip("no corpora folder: set BPE_CORPORA (see corpora/README.md)")
    return root
