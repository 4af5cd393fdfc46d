"""Exception hierarchy of shardyfusion.

Every error the C++ core raises arrives as the Python class with the same name as the C++
class (``ShardyfusionError.name()``), carrying the C++ ``retryable`` flag:

* retryable errors (``PublishManifestError``, ``S3TransientError``, ``ShardWriteError`` ...)
  are transient infrastructure failures that may succeed when tried again;
* non-retryable errors (``ConfigValidationError``, ``ManifestParseError`` ...) need a fix.

``KeyEncodingError`` and ``UnknownRoutingTokenError`` are also ``ValueError``\\ s, so code
that validates keys with ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "BridgeTimeoutError",
    "ConfigValidationError",
    "DbAdapterError",
    "KeyEncodingError",
    "ManifestBuildError",
    "ManifestParseError",
    "ManifestStoreError",
    "ObjectNotFoundError",
    "ObjectStoreError",
    "PoolExhaustedError",
    "PreconditionFailedError",
    "PublishCurrentError",
    "PublishManifestError",
    "ReaderStateError",
    "S3TransientError",
    "ShardAssignmentError",
    "ShardCoverageError",
    "ShardWriteError",
    "ShardyfusionError",
    "SqliteAdapterError",
    "UnknownRoutingTokenError",
]


class ShardyfusionError(Exception):
    """Base class of every shardyfusion error.

    Args:
        message: what went wrong (names the field or value at fault).
        retryable: overrides the class default (the C++ core passes its own flag, which
            survives wrapping: a ShardWriteError caused by a permanent store failure is not
            retryable).
    """

    retryable: bool = False

    def __init__(self, message: str = "", *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = bool(retryable)


class ConfigValidationError(ShardyfusionError):
    """A configuration value is invalid (the message names the field and the value)."""


class KeyEncodingError(ShardyfusionError, ValueError):
    """A key cannot be routed or encoded (wrong type for the key encoding, out of range)."""


class ShardAssignmentError(ShardyfusionError):
    """Rows could not be assigned to valid shard ids."""


class ShardCoverageError(ShardyfusionError):
    """Shard results named a db_id outside ``[0, num_dbs)``."""


class DbAdapterError(ShardyfusionError):
    """A shard database failed (open, read, write, close)."""


class SqliteAdapterError(DbAdapterError):
    """The SQLite shard backend failed."""


class BridgeTimeoutError(ShardyfusionError):
    """A backend call timed out."""

    retryable = True


class ManifestBuildError(ShardyfusionError):
    """The manifest could not be built."""


class PublishManifestError(ShardyfusionError):
    """The manifest could not be published (nothing changed; safe to retry)."""

    retryable = True


class PublishCurrentError(ShardyfusionError):
    """The manifest was written but ``_CURRENT`` was not updated.

    ``manifest_ref`` names the complete (orphaned, harmless) manifest so the pointer can be
    set again on its own.
    """

    retryable = True

    def __init__(
        self,
        message: str = "",
        *,
        manifest_ref: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.manifest_ref = manifest_ref


class ManifestParseError(ShardyfusionError):
    """A manifest, ``_CURRENT`` pointer or run record is malformed."""


class ReaderStateError(ShardyfusionError):
    """The reader cannot serve: it is closed, or there is no ``_CURRENT`` snapshot."""


class PoolExhaustedError(ShardyfusionError):
    """Every pooled shard reader stayed checked out past the checkout timeout."""

    retryable = True


class ManifestStoreError(ShardyfusionError):
    """A manifest store failed transiently."""

    retryable = True


class ShardWriteError(ShardyfusionError):
    """A shard write attempt failed (retryable unless its cause is permanent)."""

    retryable = True


class S3TransientError(ShardyfusionError):
    """A transient S3 failure that outlasted the client's own retries."""

    retryable = True


class UnknownRoutingTokenError(ShardyfusionError, ValueError):
    """A categorical CEL routing token is not one of the snapshot's routing values."""


class ObjectStoreError(ShardyfusionError):
    """A permanent object-store failure (HTTP 4xx, permission denied, bad path)."""


class ObjectNotFoundError(ObjectStoreError):
    """The object does not exist."""


class PreconditionFailedError(ObjectStoreError):
    """A conditional write lost: somebody else wrote the object first."""
