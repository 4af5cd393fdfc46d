// ManifestStore: where manifests and the `_CURRENT` pointer live (format.md §1.5-1.6, §7).
//
// Thread-safe.  Publishing is two-phase: the immutable manifest object first, then the
// `_CURRENT` pointer, so a reader that sees a pointer can read everything it names.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shardyfusion/manifest.h"
#include "shardyfusion/object_store.h"

namespace shardyfusion {

class StoreResolver;

class ManifestStore {
 public:
  virtual ~ManifestStore() = default;

  // Writes the manifest under manifests/<TS>_run_id=<id>/manifest, then `_CURRENT`.
  // Returns the manifest ref.  Throws PublishManifestError when the manifest could not be
  // written (nothing changed) and PublishCurrentError (carrying the ref) when only the
  // pointer write failed: the old `_CURRENT` is intact and SetCurrent(ref) may be retried.
  // With `expected_current` the pointer write is conditional as in SetCurrent; losing that
  // race is a PublishCurrentError that is not retryable and names both refs.
  virtual std::string Publish(const RequiredBuildMeta& build,
                              const std::vector<RequiredShardMeta>& shards,
                              std::string_view custom_json,
                              const std::optional<std::string>& expected_current = std::nullopt) = 0;

  // The pointer's target; nullopt when there is no `_CURRENT`.  ManifestParseError when
  // the pointer is malformed.
  virtual std::optional<ManifestRef> LoadCurrent() = 0;
  // ObjectNotFoundError when `ref` does not exist; ManifestParseError when it is invalid.
  virtual ParsedManifest LoadManifest(const std::string& ref) = 0;
  // Newest first by the publish time in the directory name.
  virtual std::vector<ManifestRef> ListManifests(size_t limit = 10) = 0;
  // Points `_CURRENT` at `ref` (publish and rollback).  With `expected_current`, the write
  // is a compare-and-swap (If-Match on the pointer's ETag; If-None-Match when
  // `expected_current` is "", meaning "no pointer yet"): it happens only while the pointer
  // still names that ref, else PreconditionFailedError naming the expected, the actual and
  // the new ref.  A pointer that already names `ref` counts as done (an earlier attempt
  // whose answer was lost), so retrying a conditional SetCurrent is safe.
  virtual void SetCurrent(const std::string& ref,
                          const std::optional<std::string>& expected_current = std::nullopt) = 0;
  // False when conditional SetCurrent cannot be enforced (the object store ignores
  // If-Match / If-None-Match).
  virtual bool SupportsConditionalCurrent() const { return true; }
  // The root URL this store publishes under.
  virtual std::string root_url() const = 0;
};

struct ManifestStoreOptions {
  std::string manifest_name = "manifest";
  std::string current_pointer_key = "_CURRENT";
};

// A store over an ObjectStore at `root_url` (s3://bucket/prefix, file:///dir, a path, or a
// registered mem:// URL).  Refs are full URLs in the same store.
std::shared_ptr<ManifestStore> MakeObjectManifestStore(StoreResolver& resolver,
                                                       const std::string& root_url,
                                                       ManifestStoreOptions options = {});
// Everything in memory (tests): a private memory object store under mem://manifests/.
std::shared_ptr<ManifestStore> MakeInMemoryManifestStore();

}  // namespace shardyfusion
