"""Validation helpers shared by the config modules."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .errors import ConfigValidationError, ShardyfusionError

__all__ = ["ValidatableConfig", "normalize_root", "validate_configs"]


class ValidatableConfig(Protocol):
    """A configuration object that can check its own invariants."""

    def validate(self) -> None: ...


def validate_configs(*configs: ValidatableConfig) -> None:
    """Validate several config objects in order (the first failure raises)."""
    for config in configs:
        config.validate()


def _core_check(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except ConfigValidationError:
        raise
    except ShardyfusionError as exc:  # pragma: no cover - the core raises config errors here
        raise ConfigValidationError(str(exc)) from exc


def _positive_optional(value: float | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigValidationError(f"{name} must be > 0 when set, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigValidationError(f"{name} must be finite, got {value!r}")


def _positive_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigValidationError(f"{name} must be an int > 0, got {value!r}")


def normalize_root(prefix: str) -> str:
    """``s3://`` / ``file://`` URLs unchanged; a plain path made absolute."""
    if not prefix or "://" in prefix:
        return prefix
    return str(Path(prefix).expanduser().resolve())
