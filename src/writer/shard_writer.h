// The backend seam of the writer: one ShardWriter builds one shard attempt.
//
// Lifecycle: WriteBatch* -> Flush -> Seal -> Close.  Close uploads the shard (backends
// that build locally) and must be called exactly once; after a failed Seal, Close refuses
// to upload and throws (a shard is never silently dropped).  Writing after Seal throws.
// Not thread-safe: one thread drives one ShardWriter.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace shardyfusion {

// (storage key bytes, value bytes).
using KvPair = std::pair<std::string, std::string>;

class ShardWriter {
 public:
  virtual ~ShardWriter() = default;
  virtual void WriteBatch(std::span<const KvPair> rows) = 0;
  virtual void Flush() = 0;
  virtual void Seal() = 0;
  virtual int64_t DbBytes() const = 0;  // valid after Seal
  virtual void Close() = 0;
};

class ShardWriterFactory {
 public:
  virtual ~ShardWriterFactory() = default;
  // `db_url` is the attempt URL (…/attempt=NN, no trailing '/'); `local_dir` a scratch
  // directory owned by this attempt (created by the caller, removed after Close).
  virtual std::unique_ptr<ShardWriter> Open(const std::string& db_url,
                                            const std::string& local_dir) = 0;
  // Library-owned keys merged into the manifest's `custom` object (e.g. sqlite_sidecar),
  // as a JSON object text; "{}" when none.
  virtual std::string ManifestCustomFields() const { return "{}"; }
};

}  // namespace shardyfusion
