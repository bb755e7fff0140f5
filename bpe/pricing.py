"""The pricing table: dollars per 1M tokens per model, with the date, source and tokenizer of each price.

The table ships as `bpe/data/pricing.json`; user files (JSON, or TOML on Python 3.11+) add models or
override fields of shipped ones, and every field is validated with an error naming the file and field.
Money is `decimal.Decimal` throughout so that hand-computed figures compare exactly.

>>> table = load_pricing()
>>> table.get("GPT-5.4").input
Decimal('2.50')
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

if TYPE_CHECKING:  # pragma: no cover
    from .core import Tokenizer

PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_PRICING = Path(__file__).resolve().parent / "data" / "pricing.json"
MILLION = Decimal(1_000_000)

# Fields a new model must give; an override of a shipped model may give any subset.
REQUIRED = ("input", "output", "tokenizer", "date", "source")
OPTIONAL = ("name", "vendor", "cached_input", "batch_discount", "context_window", "tokenizer_exact")
MONEY = ("input", "output", "cached_input")


class PricingFileError(ValueError):
    """A pricing file is unreadable or one of its fields is invalid; the message names file and field."""


class UnknownModelError(KeyError):
    """A model name is not in the pricing table; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])


@dataclass(frozen=True)
class ModelPrice:
    """Prices (USD per 1M tokens) and facts about one model.

    `cached_input` is None when the vendor lists no prompt-caching price (cached tokens then cost
    `input`); `tokenizer_exact` is False when `tokenizer` is only a proxy for the vendor's own.
    """

    id: str
    name: str
    vendor: str
    input: Decimal
    output: Decimal
    cached_input: Optional[Decimal]
    batch_discount: Decimal
    context_window: Optional[int]
    tokenizer: str
    tokenizer_exact: bool
    date: str
    source: str

    @property
    def is_estimate(self) -> bool:
        """True when token counts for this model come from a proxy tokenizer."""
        return not self.tokenizer_exact

    @property
    def effective_cached_input(self) -> Decimal:
        """The price a cached input token is billed at (the input price when no caching is offered)."""
        return self.input if self.cached_input is None else self.cached_input

    def label(self) -> str:
        """Display name, marked "(estimate)" when the tokenizer is a proxy.

        Example: "Claude Sonnet 4.6 (estimate: cl100k_base proxy)"
        """
        if self.tokenizer_exact:
            return self.name
        return f"{self.name} (estimate: {self.tokenizer} proxy)"

    def cost(self, input_tokens: int = 0, output_tokens: int = 0, cached_input_tokens: int = 0,
             *, batch: bool = False) -> Decimal:
        """Dollars for the given token counts (input excludes cached tokens).

        >>> load_pricing().get("gpt-5.4").cost(input_tokens=1_000_000)
        Decimal('2.50')
        """
        factor = (Decimal(1) - self.batch_discount) if batch else Decimal(1)
        total = (Decimal(input_tokens) * self.input + Decimal(output_tokens) * self.output
                 + Decimal(cached_input_tokens) * self.effective_cached_input) / MILLION
        return total * factor


# Vendors date their snapshots: "-20260101" (Anthropic), "-2026-03-05" (OpenAI), "@20260101" (Vertex AI).
_DATE_SUFFIX = re.compile(r"[-@](?:\d{8}|\d{4}-\d{2}-\d{2})$")
# Anthropic's API ids spell the version with a hyphen ("claude-sonnet-4-6"); the table uses a dot.
_HYPHEN_VERSION = re.compile(r"-(\d{1,2})-(\d{1,2})(?=-|$)")


def normalize_model_name(name: str) -> str:
    """Lower-case, spaces and underscores to hyphens: "GPT-5.4 Mini" -> "gpt-5.4-mini"."""
    return "-".join(name.strip().lower().replace("_", " ").split())


class PricingTable:
    """Models by id, with lookups tolerant of display names, vendor ids and dated snapshots ("gpt-5.4-2026-03-05")."""

    def __init__(self, models: Mapping[str, ModelPrice], sources: Sequence[str] = ()) -> None:
        """Wrap already-validated prices; use `load_pricing` to read files."""
        self.models: dict[str, ModelPrice] = dict(models)
        self.sources = list(sources)
        self._by_name = {normalize_model_name(m.name): m.id for m in self.models.values()}

    def __contains__(self, model: object) -> bool:
        return isinstance(model, str) and self.resolve(model) is not None

    def __iter__(self) -> Iterator[ModelPrice]:
        return iter(self.models.values())

    def __len__(self) -> int:
        return len(self.models)

    def resolve(self, model: str) -> Optional[str]:
        """The table id for a model name, display name, vendor id or dated snapshot, or None.

        Example: "claude-sonnet-4-6-20260101", "claude-sonnet-4-6" and "Claude Sonnet 4.6" -> "claude-sonnet-4.6"
        """
        key = normalize_model_name(model)
        keys = list(dict.fromkeys((key, _HYPHEN_VERSION.sub(r"-\1.\2", _DATE_SUFFIX.sub("", key)))))
        for k in keys:
            if k in self.models:
                return k
            if k in self._by_name:
                return self._by_name[k]
        # Other suffixes ("claude-sonnet-4.6-latest"): take the longest known prefix.
        best = None
        for k in keys:
            for mid in self.models:
                if k.startswith(mid + "-") and (best is None or len(mid) > len(best)):
                    best = mid
        return best

    def get(self, model: str) -> ModelPrice:
        """The price of a model, or UnknownModelError listing the known ones and the fix."""
        mid = self.resolve(model)
        if mid is None:
            raise UnknownModelError(
                f"unknown model {model!r}; known models: {', '.join(sorted(self.models))}. "
                "Fix: use one of these names, or add the model in a pricing file (--pricing FILE)."
            )
        return self.models[mid]

    def cheapest(self, exclude: Iterable[str] = ()) -> ModelPrice:
        """The model with the lowest input + output price (ties by id)."""
        skip = {self.resolve(m) for m in exclude}
        return min((m for m in self.models.values() if m.id not in skip),
                   key=lambda m: (m.input + m.output, m.id))


# ====================
# Loading and validation
# ====================


def _read_file(path: Path) -> dict:
    """Parse a JSON or TOML pricing file; errors name the file and the line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PricingFileError(f"{path}: cannot read pricing file ({exc.strerror}); check the path") from None
    if path.suffix.lower() == ".toml":
        try:
            import tomllib  # type: ignore[import-not-found]
        except ImportError:  # Python < 3.11
            try:
                import tomli as tomllib  # type: ignore[import-not-found,no-redef]
            except ImportError:
                raise PricingFileError(f"{path}: TOML needs Python 3.11+ or `pip install tomli`; "
                                       "or write the file as JSON") from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PricingFileError(f"{path}: invalid TOML: {exc}") from None
    else:
        try:
            # Floats as Decimal: 0.075 must stay 0.075, not 0.07499999999999999722.
            data = json.loads(raw.decode("utf-8"), parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise PricingFileError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except UnicodeDecodeError as exc:
            raise PricingFileError(f"{path}: not UTF-8 at byte {exc.start}; save it as UTF-8") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise PricingFileError(f'{path}: expected a top-level "models" table mapping model ids to prices, '
                               'e.g. {"models": {"my-model": {"input": 1.0, ...}}}')
    return data


def _money(path: Path, field: str, value: Any, allow_null: bool) -> Optional[Decimal]:
    if value is None and allow_null:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PricingFileError(f"{path}: {field}: expected a number of dollars per 1M tokens, got {value!r}")
    try:
        # str() first so that a TOML float 0.075 becomes Decimal('0.075'), not its binary expansion.
        d = Decimal(str(value))
    except InvalidOperation:
        raise PricingFileError(f"{path}: {field}: {value!r} is not a number") from None
    if not d.is_finite() or d < 0:
        raise PricingFileError(f"{path}: {field}: price must be a number >= 0, got {value!r}")
    return d


def _check_tokenizer(path: Path, field: str, name: str) -> None:
    """Reject a tokenizer that is neither a known encoding nor an existing file, without loading it."""
    from .registry import ENCODINGS, VENDOR_ALIASES

    if name in ENCODINGS or name in VENDOR_ALIASES or os.path.exists(name):
        return
    raise PricingFileError(f"{path}: {field}: unknown tokenizer {name!r}; use an encoding name "
                           f"({', '.join(sorted(ENCODINGS))}) or the path of a saved tokenizer file")


def _validate_entry(path: Path, mid: str, entry: Any, base: Optional[ModelPrice]) -> ModelPrice:
    """One model entry, merged over `base` when it overrides a known model."""
    where = f"models.{mid}"
    if not isinstance(entry, dict):
        raise PricingFileError(f"{path}: {where}: expected a table of fields, got {entry!r}")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise PricingFileError(f"{path}: {where}.{unknown[0]}: unknown field; allowed fields: "
                               f"{', '.join(REQUIRED + OPTIONAL)}")
    if base is None:
        missing = [f for f in REQUIRED if f not in entry]
        if missing:
            raise PricingFileError(
                f"{path}: {where}.{missing[0]}: missing field for unknown model {mid!r} "
                f"(a new model needs {', '.join(REQUIRED)}; to override a shipped model use its id)")
    values: dict[str, Any] = {}
    for f in MONEY:
        if f in entry:
            values[f] = _money(path, f"{where}.{f}", entry[f], allow_null=(f == "cached_input"))
    if "batch_discount" in entry:
        d = _money(path, f"{where}.batch_discount", entry["batch_discount"], allow_null=False)
        if d is not None and d >= 1:
            raise PricingFileError(f"{path}: {where}.batch_discount: a fraction in [0, 1) "
                                   f"(0.5 = 50% off), got {entry['batch_discount']!r}")
        values["batch_discount"] = d
    if "context_window" in entry:
        cw = entry["context_window"]
        if cw is not None and (isinstance(cw, bool) or not isinstance(cw, int) or cw <= 0):
            raise PricingFileError(f"{path}: {where}.context_window: a positive integer number of tokens "
                                   f"or null, got {cw!r}")
        values["context_window"] = cw
    for f in ("tokenizer", "date", "source", "name", "vendor"):
        if f in entry:
            if not isinstance(entry[f], str) or not entry[f].strip():
                raise PricingFileError(f"{path}: {where}.{f}: expected a non-empty string, got {entry[f]!r}")
            values[f] = entry[f].strip()
    if "tokenizer" in values:
        _check_tokenizer(path, f"{where}.tokenizer", values["tokenizer"])
    if "tokenizer_exact" in entry:
        if not isinstance(entry["tokenizer_exact"], bool):
            raise PricingFileError(f"{path}: {where}.tokenizer_exact: expected true or false, "
                                   f"got {entry['tokenizer_exact']!r}")
        values["tokenizer_exact"] = entry["tokenizer_exact"]
    if base is not None:
        if values.get("tokenizer", base.tokenizer) != base.tokenizer and "tokenizer_exact" not in values:
            # The shipped flag vouched for the shipped tokenizer only; another one counts as a proxy.
            values["tokenizer_exact"] = False
        return replace(base, **values)
    return ModelPrice(
        id=mid,
        name=values.get("name", mid),
        vendor=values.get("vendor", "unknown"),
        input=values["input"],
        output=values["output"],
        cached_input=values.get("cached_input"),
        batch_discount=values.get("batch_discount", Decimal(0)),
        context_window=values.get("context_window"),
        tokenizer=values["tokenizer"],
        # A user-added model is exact only if the user says so.
        tokenizer_exact=values.get("tokenizer_exact", False),
        date=values["date"],
        source=values["source"],
    )


def load_pricing(paths: Iterable[PathLike] = (), *, include_default: bool = True,
                 use_env: bool = True) -> PricingTable:
    """The shipped table, then `$BPE_PRICING` files, then `paths`, later files adding or overriding models.

    >>> load_pricing().get("claude-sonnet-4.6").is_estimate
    True
    """
    files: list[Path] = [DEFAULT_PRICING] if include_default else []
    if use_env and os.environ.get("BPE_PRICING"):
        files += [Path(p) for p in os.environ["BPE_PRICING"].split(os.pathsep) if p]
    files += [Path(p) for p in paths]
    models: dict[str, ModelPrice] = {}
    for path in files:
        data = _read_file(path)
        for raw_id, entry in data["models"].items():
            mid = normalize_model_name(str(raw_id))
            if not mid:
                raise PricingFileError(f"{path}: models: empty model id")
            models[mid] = _validate_entry(path, mid, entry, models.get(mid))
    return PricingTable(models, [str(p) for p in files])


_default_table: Optional[PricingTable] = None


def default_pricing() -> PricingTable:
    """The shipped table plus `$BPE_PRICING`, loaded once."""
    global _default_table
    if _default_table is None:
        _default_table = load_pricing()
    return _default_table


def tokenizer_for(model: Union[str, ModelPrice], pricing: Optional[PricingTable] = None) -> "Tokenizer":
    """The (cached) tokenizer that counts tokens for a model: exact or its named proxy."""
    from .registry import get_tokenizer

    price = model if isinstance(model, ModelPrice) else (pricing or default_pricing()).get(model)
    return get_tokenizer(price.tokenizer)


def price_fields() -> list[str]:
    """Names of the ModelPrice fields, in order (for table and JSON output)."""
    return [f.name for f in fields(ModelPrice)]


if __name__ == "__main__":  # pragma: no cover
    for m in load_pricing(sys.argv[1:]):
        print(m)
