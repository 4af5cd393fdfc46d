"""Enums shared by writers, readers and manifests."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from .errors import ConfigValidationError

E = TypeVar("E", bound="_LenientEnum")

__all__ = ["KeyEncoding", "ShardHashAlgorithm", "ShardingStrategy"]


class _LenientEnum(str, Enum):
    @classmethod
    def from_value(cls: type[E], value: object) -> E:
        """Parse a member, its value or its name (case-insensitive)."""
        if isinstance(value, cls):
            return value
        text = str(getattr(value, "value", value)).strip().lower()
        for member in cls:
            if member.value == text or member.name.lower() == text:
                return member
        allowed = ", ".join(m.value for m in cls)
        raise ConfigValidationError(f"invalid {cls.__name__} {value!r}; allowed values: {allowed}")

    def __str__(self) -> str:
        return str(self.value)


class KeyEncoding(_LenientEnum):
    """How logical keys are stored in shard databases.

    ``U64BE`` (default): int 0..2**64-1 as 8 bytes big-endian. ``U32BE``: 4 bytes.
    ``UTF8``: str as UTF-8 (bytes pass through). ``RAW``: bytes (str as UTF-8).
    """

    U64BE = "u64be"
    U32BE = "u32be"
    UTF8 = "utf8"
    RAW = "raw"


class ShardingStrategy(_LenientEnum):
    """How keys are routed to shards."""

    HASH = "hash"
    CEL = "cel"


class ShardHashAlgorithm(_LenientEnum):
    """Hash used by HASH routing."""

    XXH3_64 = "xxh3_64"
