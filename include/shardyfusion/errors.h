// Error hierarchy, mirroring the Python reference (shardyfusion.errors).
//
// Every failure the library reports is a ShardyfusionError carrying a `retryable()` flag.
// A missing key is not an error (lookups return an empty optional).  Wrapping an error
// (e.g. ShardWriteError around an S3TransientError) keeps the cause's retryability, so a
// transient store failure deep inside a shard write still triggers a shard retry.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace shardyfusion {

class ShardyfusionError : public std::runtime_error {
 public:
  explicit ShardyfusionError(const std::string& message, bool retryable = false)
      : std::runtime_error(message), retryable_(retryable) {}
  bool retryable() const noexcept { return retryable_; }
  // Python-visible class name, e.g. "ManifestParseError".
  virtual const char* name() const noexcept { return "ShardyfusionError"; }

 protected:
  bool retryable_;
};

// True when `e` is a ShardyfusionError whose retryable() is set.
bool IsRetryable(const std::exception& e) noexcept;
bool IsRetryable(const std::exception_ptr& e) noexcept;

#define SHARDY_DEFINE_ERROR(Name, Base, kRetryableDefault)                                \
  class Name : public Base {                                                              \
   public:                                                                                \
    explicit Name(const std::string& message, bool retryable = kRetryableDefault)         \
        : Base(message, retryable) {}                                                     \
    /* Wraps `cause`: its message is appended and its retryability is kept. */           \
    Name(const std::string& message, const std::exception& cause)                         \
        : Base(message + ": " + cause.what(), IsRetryable(cause)) {}                      \
    const char* name() const noexcept override { return #Name; }                          \
  };

SHARDY_DEFINE_ERROR(ConfigValidationError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(KeyEncodingError, ShardyfusionError, false)  // Python: ValueError
SHARDY_DEFINE_ERROR(ShardAssignmentError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(ShardCoverageError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(DbAdapterError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(BridgeTimeoutError, ShardyfusionError, true)
SHARDY_DEFINE_ERROR(ManifestBuildError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(PublishManifestError, ShardyfusionError, true)
SHARDY_DEFINE_ERROR(ManifestParseError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(ReaderStateError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(PoolExhaustedError, ShardyfusionError, true)
SHARDY_DEFINE_ERROR(ManifestStoreError, ShardyfusionError, true)
SHARDY_DEFINE_ERROR(ShardWriteError, ShardyfusionError, true)
SHARDY_DEFINE_ERROR(S3TransientError, ShardyfusionError, true)
SHARDY_DEFINE_ERROR(UnknownRoutingTokenError, ShardyfusionError, false)  // Python: ValueError
SHARDY_DEFINE_ERROR(SqliteAdapterError, DbAdapterError, false)
// A non-retryable object store failure (HTTP 4xx, permission denied, bad path ...).
SHARDY_DEFINE_ERROR(ObjectStoreError, ShardyfusionError, false)
SHARDY_DEFINE_ERROR(ObjectNotFoundError, ObjectStoreError, false)
// A conditional put (If-Match / If-None-Match) lost: somebody else wrote the object.
SHARDY_DEFINE_ERROR(PreconditionFailedError, ObjectStoreError, false)

#undef SHARDY_DEFINE_ERROR

// The manifest was written but `_CURRENT` could not be updated; `manifest_ref()` names the
// orphaned (complete, harmless) manifest so the pointer write can be retried on its own.
class PublishCurrentError : public ShardyfusionError {
 public:
  PublishCurrentError(const std::string& message, std::string manifest_ref, bool retryable = true)
      : ShardyfusionError(message, retryable), manifest_ref_(std::move(manifest_ref)) {}
  const std::string& manifest_ref() const noexcept { return manifest_ref_; }
  const char* name() const noexcept override { return "PublishCurrentError"; }

 private:
  std::string manifest_ref_;
};

}  // namespace shardyfusion
