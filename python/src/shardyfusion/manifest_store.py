"""Manifest stores: where manifests and the ``_CURRENT`` pointer live.

Use :class:`S3ManifestStore` for a snapshot root (``s3://bucket/prefix``, ``file:///dir`` or
a local path) and :class:`InMemoryManifestStore` in tests.  Rollback is
``store.set_current(older_ref)``.
"""

from __future__ import annotations

from typing import Any

from . import _core
from .credentials import CredentialProvider, S3ConnectionOptions, s3_options_for_core
from .manifest import CurrentPointer, ManifestRef, ParsedManifest, datetime_from_micros

__all__ = [
    "InMemoryManifestStore",
    "ManifestStore",
    "S3ManifestStore",
    "parse_current_pointer",
    "parse_manifest",
]


class ManifestStore:
    """A manifest store backed by the C++ core (thread-safe; calls release the GIL)."""

    __slots__ = ("_store",)

    def __init__(self, core_store: Any) -> None:
        self._store = core_store

    @property
    def root_url(self) -> str:
        """The root URL the store publishes under."""
        return self._store.root_url

    def load_current(self) -> ManifestRef | None:
        """The manifest ``_CURRENT`` points at, or None when there is no ``_CURRENT``."""
        raw = self._store.load_current()
        return None if raw is None else ManifestRef._from_core(raw)

    def load_manifest(self, ref: str) -> ParsedManifest:
        """Parse and validate the manifest at ``ref`` (ManifestParseError when invalid)."""
        return ParsedManifest._from_core(self._store.load_manifest(ref))

    def list_manifests(self, limit: int = 10) -> list[ManifestRef]:
        """Published manifests, newest first."""
        return [ManifestRef._from_core(r) for r in self._store.list_manifests(limit)]

    def set_current(self, ref: str) -> None:
        """Point ``_CURRENT`` at ``ref`` (publish or rollback)."""
        self._store.set_current(ref)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root_url!r})"


class S3ManifestStore(ManifestStore):
    """Manifests under ``<s3_prefix>/manifests/`` and the pointer at ``<s3_prefix>/_CURRENT``.

    Works for ``s3://`` roots and local directories alike.
    """

    __slots__ = ()

    def __init__(
        self,
        s3_prefix: str,
        *,
        manifest_name: str = "manifest",
        current_pointer_key: str = "_CURRENT",
        credential_provider: CredentialProvider | None = None,
        s3_connection_options: S3ConnectionOptions | None = None,
    ) -> None:
        super().__init__(
            _core.make_object_manifest_store(
                s3_prefix,
                s3_options_for_core(s3_connection_options, credential_provider),
                manifest_name,
                current_pointer_key,
            )
        )


class InMemoryManifestStore(ManifestStore):
    """Manifests kept in memory by the C++ core (tests)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(_core.make_in_memory_manifest_store())


def parse_manifest(payload: bytes) -> ParsedManifest:
    """Parse and validate a SQLite manifest image (ManifestParseError on any problem)."""
    return ParsedManifest._from_core(_core.parse_manifest(bytes(payload)))


def parse_current_pointer(body: bytes) -> CurrentPointer:
    """Parse a ``_CURRENT`` pointer body (ManifestParseError when malformed)."""
    d = _core.parse_current_pointer(bytes(body))
    return CurrentPointer(
        manifest_ref=d["manifest_ref"],
        run_id=d["run_id"],
        updated_at=datetime_from_micros(d["updated_at"]),
        manifest_content_type=d["manifest_content_type"],
        format_version=d["format_version"],
    )
