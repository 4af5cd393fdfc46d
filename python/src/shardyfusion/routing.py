"""Routing helpers (the same C++ routing the writers and readers use)."""

from __future__ import annotations

from ._core import hash_db_id, routing_bytes, routing_digest, storage_bytes

__all__ = ["hash_db_id", "routing_bytes", "routing_digest", "storage_bytes"]
