"""S3 credentials and connection options (features X-01..X-05).

Identity (access key, secret, session token) comes from a :class:`CredentialProvider`;
transport settings from an :class:`S3ConnectionOptions` dict.  Whatever neither sets is
taken from the environment by the C++ core: ``S3_*`` then ``AWS_*`` credentials, the
endpoint from ``S3_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL(_S3)`` / ``SLATEDB_S3_ENDPOINT_URL``,
the region from ``S3_REGION`` / ``AWS_REGION`` / ``AWS_DEFAULT_REGION``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, runtime_checkable

from .errors import ConfigValidationError

__all__ = [
    "CredentialProvider",
    "EnvCredentialProvider",
    "S3ConnectionOptions",
    "S3Credentials",
    "StaticCredentialProvider",
]


class S3ConnectionOptions(TypedDict, total=False):
    """Transport settings for S3-compatible stores (all optional).

    ``endpoint_url`` (``http://`` turns TLS off), ``region_name``, ``addressing_style``
    (``"path"``, ``"virtual"`` or ``"auto"``: path style with a custom endpoint),
    ``signature_version`` (only ``"s3v4"``), ``verify_ssl`` (``False`` accepts invalid
    certificates; a CA bundle path is ignored), ``connect_timeout`` / ``read_timeout``
    (seconds), ``max_attempts`` (total tries, initial + retries).
    """

    endpoint_url: str
    region_name: str
    addressing_style: str
    signature_version: str
    verify_ssl: bool | str
    connect_timeout: float
    read_timeout: float
    max_attempts: int


@dataclass(slots=True, frozen=True)
class S3Credentials:
    """Static S3 credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@runtime_checkable
class CredentialProvider(Protocol):
    """Anything with ``resolve() -> S3Credentials | None``."""

    def resolve(self) -> S3Credentials | None:
        """Current credentials, or None to fall back to the environment."""
        ...


@dataclass(slots=True, frozen=True)
class StaticCredentialProvider:
    """Always returns the same credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def resolve(self) -> S3Credentials:
        """The configured credentials."""
        return S3Credentials(self.access_key_id, self.secret_access_key, self.session_token)


@dataclass(slots=True, frozen=True)
class EnvCredentialProvider:
    """Reads ``S3_*`` first, then ``AWS_*`` (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN)."""

    def resolve(self) -> S3Credentials | None:
        """Credentials from the environment, or None when neither family is complete."""
        for family in ("S3", "AWS"):
            key = os.environ.get(f"{family}_ACCESS_KEY_ID")
            secret = os.environ.get(f"{family}_SECRET_ACCESS_KEY")
            if key and secret:
                return S3Credentials(key, secret, os.environ.get(f"{family}_SESSION_TOKEN") or None)
        return None


_ALLOWED_KEYS = frozenset(S3ConnectionOptions.__annotations__)


def s3_options_for_core(
    connection: S3ConnectionOptions | dict[str, Any] | None,
    provider: CredentialProvider | None,
) -> dict[str, Any] | None:
    """The settings dict the C++ core understands, or None for "environment only"."""
    if connection is None and provider is None:
        return None
    out: dict[str, Any] = {}
    if connection is not None:
        if not isinstance(connection, dict):
            raise ConfigValidationError("s3_connection_options must be a dict")
        unknown = set(connection) - _ALLOWED_KEYS
        if unknown:
            raise ConfigValidationError(
                f"s3_connection_options has unknown keys {sorted(unknown)}; allowed: {sorted(_ALLOWED_KEYS)}"
            )
        sig = connection.get("signature_version")
        if sig not in (None, "s3v4", "v4"):
            raise ConfigValidationError(
                f"s3_connection_options.signature_version={sig!r}: only 's3v4' is supported"
            )
        out["endpoint_url"] = connection.get("endpoint_url")
        out["region"] = connection.get("region_name")
        out["addressing_style"] = connection.get("addressing_style")
        verify = connection.get("verify_ssl")
        out["verify_ssl"] = verify if isinstance(verify, bool) else None
        for src, dst in (("connect_timeout", "connect_timeout"), ("read_timeout", "read_timeout")):
            value: Any = connection.get(src)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
            ):
                raise ConfigValidationError(f"s3_connection_options.{src} must be > 0, got {value!r}")
            out[dst] = value
        attempts: Any = connection.get("max_attempts")
        if attempts is not None and (
            isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1
        ):
            raise ConfigValidationError(
                f"s3_connection_options.max_attempts must be an int >= 1, got {attempts!r}"
            )
        out["max_attempts"] = attempts
    if provider is not None:
        if not hasattr(provider, "resolve"):
            raise ConfigValidationError("credential_provider must have a resolve() method")
        creds = provider.resolve()
        if creds is not None:
            out["access_key_id"] = creds.access_key_id
            out["secret_access_key"] = creds.secret_access_key
            out["session_token"] = creds.session_token
    return out
