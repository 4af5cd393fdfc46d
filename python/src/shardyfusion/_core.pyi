"""Type stubs of the C++ extension ``shardyfusion._core`` (private; use the package API)."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

Key = int | str | bytes

# ---- errors ---------------------------------------------------------------------------
def _raise_cpp_error(name: str, message: str) -> None:
    """Throw the named C++ error (tests of the error mapping)."""

# ---- keys and routing -----------------------------------------------------------------
def storage_bytes(key: Key, key_encoding: str = "u64be") -> bytes:
    """Storage bytes of ``key`` under ``key_encoding``."""

def routing_bytes(key: Key) -> bytes:
    """Canonical routing bytes of ``key``."""

def routing_digest(key: Key) -> int:
    """XXH3-64 (seed 0) of the routing bytes."""

def hash_db_id(key: Key, num_dbs: int) -> int:
    """HASH routing: routing_digest(key) % num_dbs."""

def normalize_key_encoding(name: str) -> str:
    """Canonical key-encoding name."""

def validate_root_url(url: str, field: str) -> None:
    """ConfigValidationError unless ``url`` is a usable snapshot root."""

def validate_path_segment(value: str, field: str) -> None:
    """ConfigValidationError unless ``value`` is one safe path segment."""

def format_db_path(template: str, db_id: int) -> str:
    """Expand a db_path_template for ``db_id``."""

def num_dbs_for_max_keys(total_rows: int, max_keys_per_shard: int) -> int:
    """max(1, ceil(total_rows / max_keys_per_shard))."""

# ---- metrics, rate limiting, logging ------------------------------------------------
class TokenBucket:
    """Token bucket: ``rate`` tokens per second, capacity = rate, starts full. Thread-safe."""

    def __init__(
        self, rate: float, limiter_type: str = "ops", metrics_collector: Any | None = None
    ) -> None: ...
    def acquire(self, n: float = 1.0) -> None:
        """Take ``n`` tokens, sleeping (without the GIL) as long as needed."""
    def try_acquire(self, n: float = 1.0) -> tuple[bool, float]:
        """Take ``n`` tokens only if available now: (acquired, deficit_seconds)."""
    @property
    def rate(self) -> float:
        """Tokens per second."""

def configure_logging(level: str = "warning", json: bool = False) -> None:
    """Configure the C++ core's structured log (stderr)."""

# ---- manifests ------------------------------------------------------------------------
class ManifestStore:
    """A C++ manifest store (thread-safe)."""

    def load_current(self) -> tuple[str, str, int] | None:
        """(ref, run_id, published_at_us) of _CURRENT, or None."""
    def load_manifest(self, ref: str) -> dict[str, Any]:
        """The parsed manifest at ``ref`` as a dict."""
    def list_manifests(self, limit: int = 10) -> list[tuple[str, str, int]]:
        """Newest first."""
    def set_current(self, ref: str, expected_current: str | None = None) -> None:
        """Point _CURRENT at ``ref``."""
    @property
    def root_url(self) -> str:
        """The root URL this store publishes under."""

def make_object_manifest_store(
    root_url: str,
    s3_options: dict[str, Any] | None = None,
    manifest_name: str = "manifest",
    current_pointer_key: str = "_CURRENT",
) -> ManifestStore:
    """A manifest store over the object store at ``root_url``."""

def make_in_memory_manifest_store() -> ManifestStore:
    """A manifest store held in memory."""

def parse_manifest(payload: bytes) -> dict[str, Any]:
    """Parse and validate a SQLite manifest image."""

def parse_current_pointer(body: bytes) -> dict[str, Any]:
    """Parse a _CURRENT pointer body."""

# ---- writer ---------------------------------------------------------------------------
def write_hash_sharded(
    records: Iterable[Any],
    key_fn: Callable[[Any], Key],
    value_fn: Callable[[Any], bytes | str],
    config: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """Build and publish a HASH-sharded snapshot from a Python iterable."""

def write_single_db(
    records: Iterable[Any],
    key_fn: Callable[[Any], Key],
    value_fn: Callable[[Any], bytes | str],
    config: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """Build and publish a one-shard snapshot from a Python iterable."""

# ---- readers --------------------------------------------------------------------------
class ShardReaderHandle:
    """A borrowed view of one shard of one snapshot; lookups take storage key bytes."""

    @property
    def db_id(self) -> int:
        """The shard id."""
    @property
    def closed(self) -> bool:
        """True after close()."""
    def get(self, key: bytes) -> bytes | None:
        """Value for raw storage key bytes, or None."""
    def multi_get(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Values for raw storage keys, in order."""
    def scan_iter(
        self, start: bytes | None = None, end: bytes | None = None, chunk_size: int = 1024
    ) -> ShardScanIterator:
        """(key, value) pairs of [start, end) in storage-key order; SlateDB shards only."""
    def close(self) -> None:
        """Release the borrow (idempotent)."""
    def __enter__(self) -> ShardReaderHandle: ...
    def __exit__(self, *args: object) -> None: ...

class ShardScanIterator:
    """Iterator returned by ShardReaderHandle.scan_iter."""

    def __iter__(self) -> ShardScanIterator: ...
    def __next__(self) -> tuple[bytes, bytes]: ...

class ReaderCore:
    """The C++ sharded reader; use shardyfusion.ShardedReader / ConcurrentShardedReader."""

    def __init__(self, options: dict[str, Any], single: bool = False) -> None: ...
    def get(self, key: Key, *, routing_context: dict[str, Key] | None = None) -> bytes | None:
        """Value bytes for ``key``, or None when absent."""
    def multi_get(
        self, keys: Iterable[Key], *, routing_context: dict[str, Key] | None = None
    ) -> dict[Any, bytes | None]:
        """{key: value or None} in input order."""
    def refresh(self) -> bool:
        """Load the snapshot _CURRENT names now; True when it changed."""
    def close(self) -> None:
        """Close the reader (idempotent)."""
    def route_key(self, key: Key, *, routing_context: dict[str, Key] | None = None) -> int:
        """Shard id of ``key``."""
    def shard_for_key(self, key: Key, *, routing_context: dict[str, Key] | None = None) -> Any: ...
    def reader_for_key(self, key: Key, *, routing_context: dict[str, Key] | None = None) -> ShardReaderHandle:
        """A borrowed handle for the shard ``key`` routes to."""
    def encode_key(self, key: Key) -> bytes:
        """Storage bytes of ``key`` under this snapshot's key encoding."""
    def snapshot_info(self) -> Any: ...
    def shard_details(self) -> Any: ...
    def health(self, staleness_threshold_s: float | None = None) -> Any: ...
    @property
    def key_encoding(self) -> Any: ...
    @property
    def manifest_ref(self) -> str:
        """Ref of the served manifest."""
