// The S3 implementation of ObjectStore (internal; made by MakeS3ObjectStore).
#pragma once

#include <string>
#include <vector>

#include "shardyfusion/object_store.h"
#include "storage/s3/s3_client.h"

namespace shardyfusion::s3 {

// Ranges merged into one GET: `offset`/`length` of the request, and which caller ranges
// (by index) it serves.
struct RangeGroup {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::vector<size_t> members;
};

// Sorts non-empty ranges and merges overlapping or adjacent ones (S3 answers one range
// per request).  Empty ranges are left out: they need no request.
std::vector<RangeGroup> CoalesceRanges(const std::vector<ByteRange>& ranges);

class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Config config);

  std::string UrlFor(std::string_view key) const override;
  PutResult Put(const std::string& key, std::string_view body,
                const PutOptions& options = {}) override;
  PutResult PutFile(const std::string& key, const std::string& local_path,
                    const PutOptions& options = {}) override;
  std::optional<std::string> Get(const std::string& key) override;
  bool GetToFile(const std::string& key, const std::string& local_path) override;
  std::vector<std::string> GetRanges(const std::string& key,
                                     const std::vector<ByteRange>& ranges) override;
  std::optional<ObjectInfo> Head(const std::string& key) override;
  ListPage List(const std::string& prefix, const std::string& delimiter = "",
                const std::string& continuation_token = "", size_t max_keys = 1000) override;
  void Delete(const std::string& key) override;
  size_t DeletePrefix(const std::string& prefix) override;
  bool SupportsConditionalPut() const override { return true; }

 private:
  static constexpr size_t kMaxParallelRequests = 8;

  // Headers shared by Put, PutFile and CompleteMultipartUpload.
  static void AddConditionHeaders(const PutOptions& options, std::vector<std::string>* headers);
  PutResult PutMultipart(const std::string& key, int fd, uint64_t size, const PutOptions& options);
  void DeleteBatch(const std::vector<std::string>& keys);

  S3Client client_;
};

}  // namespace shardyfusion::s3
