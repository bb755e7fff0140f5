"""The public surface: __all__ resolves, twins share names and signatures, import hygiene."""
from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import bpe
from bpe import _backend
from conftest import require_backend


def test_all_resolves():
    for name in bpe.__all__:
        assert getattr(bpe, name) is not None
    assert bpe.BACKEND in ("fast", "reference")


def test_twins_share_interface():
    classes = _backend.core_classes()
    for name, cls in classes.items():
        for method in ("encode_ordinary", "count_ordinary", "encode_piece", "decode_bytes"):
            assert callable(getattr(cls, method)), (name, method)
    if "fast" in classes:
        from bpe import merge
        from bpe._fast import core

        assert callable(core.byte_pair_encode)
        ref_params = list(inspect.signature(merge.BytePairCore.__init__).parameters)
        assert ref_params == ["self", "mergeable_ranks", "special_tokens", "pat_str"]


def test_tokenizer_has_tiktoken_surface():
    import tiktoken

    names = ("encode", "encode_ordinary", "encode_batch", "encode_ordinary_batch", "encode_single_token",
             "decode", "decode_bytes", "decode_single_token_bytes", "decode_tokens_bytes",
             "decode_with_offsets", "decode_batch", "n_vocab", "eot_token", "special_tokens_set")
    assert all(hasattr(tiktoken.Encoding, n) for n in names)
    missing = [n for n in names if not hasattr(bpe.Tokenizer, n)]
    assert missing == []


def test_import_is_light():
    code = "import sys, bpe; print(sorted(m for m in ('tiktoken', 'numpy', 'tqdm', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_extensions_env_forces_reference():
    code = "import bpe; print(bpe.BACKEND)"
    env = {"BPE_NO_EXTENSIONS": "1", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "reference"


@pytest.mark.parametrize("value, expected", [("0", "fast"), ("false", "fast"), ("", "fast"), ("yes", "reference")])
def test_no_extensions_switch_values(value, expected):
    require_backend("fast")
    code = "import bpe; print(bpe.BACKEND)"
    env = {"BPE_NO_EXTENSIONS": value, "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == expected


def test_missing_extension_falls_back_with_a_warning():
    # A broken or unbuilt bpe._fast must not fail the import, nor leave the user guessing why it is slow.
    code = "import sys; sys.modules['bpe._fast.core'] = None; import bpe; print(bpe.BACKEND)"
    run = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True,
                         env={"PATH": ""}, check=True)
    assert run.stdout.strip() == "reference"
    assert "RuntimeWarning: bpe: the native extension bpe._fast did not import" in run.stderr
    assert "BPE_NO_EXTENSIONS=1" in run.stderr
    strict = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PATH": "", "BPE_REQUIRE_FAST": "1"})
    assert strict.returncode != 0 and "BPE_REQUIRE_FAST is set" in strict.stderr


def test_public_functions_documented():
    for name in bpe.__all__:
        obj = getattr(bpe, name)
        if callable(obj):
            assert inspect.getdoc(obj), name
    for name, member in inspect.getmembers(bpe.Tokenizer):
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
            assert inspect.getdoc(member), name


ISSUE_MODULES = ("core", "registry", "vocab_io", "cli", "train", "merge", "merge_priority", "pretokenize",
                 "streaming", "hf_json", "vendors", "pipeline", "demo")


def _public_functions():
    """(qualified name, function) of every public function and method defined in the toolkit's modules."""
    import importlib

    for module_name in ISSUE_MODULES:
        module = importlib.import_module(f"bpe.{module_name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj
            elif inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    func = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    if inspect.isfunction(func) and (attr == "__init__" or not attr.startswith("_")):
                        yield f"{module_name}.{name}.{attr}", func


def test_public_functions_typed_and_documented():
    undocumented, untyped = [], []
    for qualname, func in _public_functions():
        if not func.__name__ == "__init__" and not inspect.getdoc(func):
            undocumented.append(qualname)
        sig = inspect.signature(func)
        params = [p for n, p in sig.parameters.items() if n not in ("self", "cls")]
        if any(p.annotation is inspect.Parameter.empty for p in params) or sig.return_annotation is inspect.Signature.empty:
            untyped.append(qualname)
    assert undocumented == [] and untyped == []
