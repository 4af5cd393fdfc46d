// ObjectStore: the one I/O seam of the library.  Every reader, writer and manifest store
// talks to storage through it, so each test can run against the in-memory store and the
// same scenario body again against a local directory or a real S3 server.
//
// Keys are '/'-separated object keys inside one store (an S3 bucket, a local directory
// tree, a named in-memory map).  `UrlFor(key)` gives the full URL written into manifests
// (s3://bucket/key, file:///abs/path, mem://name/key).
//
// Thread-safety: every implementation is safe for concurrent use from many threads.
// Failures: retryable faults throw S3TransientError (after the store's own retries);
// everything else throws ObjectStoreError (or a subclass).  A missing object is reported
// by an empty optional from Get/Head, never by an exception, except in GetRanges.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shardyfusion {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // opaque text, as the store returns it (S3: with the quotes)
};

struct PutOptions {
  std::string content_type = "application/octet-stream";
  bool if_none_match = false;         // create only: fail if the object exists
  std::optional<std::string> if_match;  // replace only if the current ETag equals this
};

struct PutResult {
  std::string etag;
};

struct ListPage {
  std::vector<ObjectInfo> objects;           // keys directly matching (sorted)
  std::vector<std::string> common_prefixes;  // with delimiter: "a/b/" style, sorted
  std::optional<std::string> next_token;     // set when more results follow
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Full URL of `key` in this store.
  virtual std::string UrlFor(std::string_view key) const = 0;

  // Writes the whole object atomically: readers see the old object or the new one.
  // Throws PreconditionFailedError when a condition in `options` does not hold.
  virtual PutResult Put(const std::string& key, std::string_view body,
                        const PutOptions& options = {}) = 0;
  // Uploads a local file (large files: streamed / multipart where the store has it).
  virtual PutResult PutFile(const std::string& key, const std::string& local_path,
                            const PutOptions& options = {});

  virtual std::optional<std::string> Get(const std::string& key) = 0;
  // Downloads to `local_path` (overwritten).  False if the object does not exist.
  virtual bool GetToFile(const std::string& key, const std::string& local_path);

  // Returns one buffer per range, in order; ranges past the end are clipped (possibly to
  // empty).  Implementations may coalesce ranges into fewer requests.
  // Throws ObjectNotFoundError if the object does not exist.
  virtual std::vector<std::string> GetRanges(const std::string& key,
                                             const std::vector<ByteRange>& ranges) = 0;

  virtual std::optional<ObjectInfo> Head(const std::string& key) = 0;

  // One page of keys starting with `prefix`.  With a non-empty delimiter, keys containing
  // the delimiter after the prefix are rolled up into common_prefixes.
  virtual ListPage List(const std::string& prefix, const std::string& delimiter = "",
                        const std::string& continuation_token = "",
                        size_t max_keys = 1000) = 0;

  virtual void Delete(const std::string& key) = 0;  // deleting a missing key is fine

  // Deletes every object under `prefix`, which is always treated as a directory: a '/' is
  // appended when missing, so "attempt=0" never matches "attempt=01".  Returns the count.
  virtual size_t DeletePrefix(const std::string& prefix);

  // False for stores that ignore If-Match/If-None-Match.
  virtual bool SupportsConditionalPut() const { return true; }
};

// Convenience loops over List pages.
std::vector<ObjectInfo> ListAllObjects(ObjectStore& store, const std::string& prefix);
std::vector<std::string> ListAllCommonPrefixes(ObjectStore& store, const std::string& prefix,
                                               const std::string& delimiter = "/");

// In-memory store for unit tests.  `name` becomes the URL host: mem://<name>/<key>.
std::shared_ptr<ObjectStore> MakeMemoryObjectStore(std::string name = "memory");

// Local directory store rooted at `root_dir` (created if missing).  Keys map to files
// under the root; writes go to a temp file, fsync, rename, so concurrent processes see
// whole objects only.  URLs are file://<root_dir>/<key>.
std::shared_ptr<ObjectStore> MakeLocalObjectStore(const std::string& root_dir);

}  // namespace shardyfusion
