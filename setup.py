"""Build script: the optional Cython fast path (bpe._fast); everything else is in pyproject.toml."""
import os
import sys
import warnings

from setuptools import setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """Build the extension if possible; a failed compile leaves a working pure-Python install."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure means "fall back"
            warnings.warn(f"bpe: native extension not built ({exc}); using the pure-Python reference")

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            warnings.warn(f"bpe: {ext.name} not built ({exc}); using the pure-Python reference")


def extensions() -> list:
    """The Cython modules of bpe._fast, or none when BPE_NO_EXTENSIONS is set or Cython is missing."""
    # The same rule as bpe._backend.env_flag: "0", "false", "no", "off" and "" leave the switch off.
    no_extensions = os.environ.get("BPE_NO_EXTENSIONS", "").strip().lower() not in ("", "0", "false", "no", "off")
    if no_extensions or sys.implementation.name != "cpython":
        return []
    fast_dir = os.path.join("bpe", "_fast")
    # bpe/_fast may be absent (a checkout without the native sources): then build pure Python.
    sources = [os.path.join(fast_dir, f) for f in sorted(os.listdir(fast_dir))] if os.path.isdir(fast_dir) else []
    pyx = [s for s in sources if s.endswith(".pyx")]
    if not pyx:
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        warnings.warn("bpe: Cython is not installed; building without the native fast path")
        return []
    from setuptools import Extension

    # The C++ headers and .pxd hold the algorithm; list them so editing one triggers a rebuild.
    headers = [s for s in sources if s.endswith((".hpp", ".h", ".pxd"))]
    exts = [
        Extension(
            "bpe._fast." + os.path.splitext(os.path.basename(p))[0],
            [p],
            depends=headers,
            language="c++",
            extra_compile_args=["-O3", "-std=c++17"],
        )
        for p in pyx
    ]
    try:
        return cythonize(exts, compiler_directives={"language_level": "3", "embedsignature": True})
    except Exception as exc:  # noqa: BLE001 - a .pyx that does not translate must not break the install
        warnings.warn(f"bpe: Cython could not translate bpe/_fast ({exc}); building without the native fast path")
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
