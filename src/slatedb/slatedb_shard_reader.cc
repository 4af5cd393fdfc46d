#include "slatedb/slatedb_shard_reader.h"

#include <filesystem>

#include "shardyfusion/errors.h"
#include "slatedb/slatedb_bridge.h"

namespace shardyfusion {
namespace {

// Frees a list the bridge filled, whatever happens while it is being copied out.
struct ListGuard {
  sfs_list list{};
  ~ListGuard() { sfs_list_free(&list); }
};

}  // namespace

SlateDbShardReader::SlateDbShardReader(sfs_reader* handle, std::string db_url)
    : handle_(handle), db_url_(std::move(db_url)) {}

SlateDbShardReader::~SlateDbShardReader() { sfs_reader_free(handle_); }

std::optional<std::string> SlateDbShardReader::Get(std::string_view key) {
  if (!handle_) throw ReaderStateError("slatedb shard " + db_url_ + " is closed");
  sfs_bytes value{};
  int32_t found = 0;
  char* err = nullptr;
  int32_t rc = sfs_reader_get(handle_, slatedb::Slice(key), &value, &found, &err);
  slatedb::Check(rc, err, "get from slatedb shard " + db_url_);
  if (!found) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(value.data), value.len);
  sfs_bytes_free(&value);
  return out;
}

std::vector<std::optional<std::string>> SlateDbShardReader::MultiGet(
    std::span<const std::string> keys) {
  if (!handle_) throw ReaderStateError("slatedb shard " + db_url_ + " is closed");
  std::vector<sfs_slice> slices;
  slices.reserve(keys.size());
  for (const auto& k : keys) slices.push_back(slatedb::Slice(k));
  ListGuard values;
  char* err = nullptr;
  int32_t rc = sfs_reader_get_many(handle_, slices.data(), slices.size(), &values.list, &err);
  slatedb::Check(rc, err, "multi_get from slatedb shard " + db_url_);
  std::vector<std::optional<std::string>> out(keys.size());
  const char* data = reinterpret_cast<const char*>(values.list.data.data);
  for (size_t i = 0, pos = 0; i < values.list.count; ++i) {
    size_t len = values.list.lens[i];
    if (len == SFS_MISSING) continue;
    out[i].emplace(data + pos, len);
    pos += len;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SlateDbShardReader::ScanChunk(
    const std::optional<std::string>& start, const std::optional<std::string>& end, size_t limit) {
  if (!handle_) throw ReaderStateError("slatedb shard " + db_url_ + " is closed");
  if (limit == 0) return {};
  ListGuard keys, values;
  sfs_slice lower = start ? slatedb::Slice(*start) : sfs_slice{nullptr, 0};
  sfs_slice upper = end ? slatedb::Slice(*end) : sfs_slice{nullptr, 0};
  char* err = nullptr;
  int32_t rc = sfs_reader_scan(handle_, lower, upper, limit, &keys.list, &values.list, &err);
  slatedb::Check(rc, err, "scan slatedb shard " + db_url_);
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(keys.list.count);
  const char* kd = reinterpret_cast<const char*>(keys.list.data.data);
  const char* vd = reinterpret_cast<const char*>(values.list.data.data);
  for (size_t i = 0, kp = 0, vp = 0; i < keys.list.count; ++i) {
    rows.emplace_back(std::string(kd + kp, keys.list.lens[i]), std::string(vd + vp, values.list.lens[i]));
    kp += keys.list.lens[i];
    vp += values.list.lens[i];
  }
  return rows;
}

std::vector<std::pair<std::string, std::string>> SlateDbShardReader::Scan(
    const std::optional<std::string>& start, const std::optional<std::string>& end, size_t chunk) {
  if (chunk == 0) throw ConfigValidationError("scan chunk size must be > 0");
  std::vector<std::pair<std::string, std::string>> rows;
  std::optional<std::string> from = start;
  for (;;) {
    auto part = ScanChunk(from, end, chunk);
    const bool last = part.size() < chunk;
    for (auto& row : part) rows.push_back(std::move(row));
    if (last) return rows;
    from = rows.back().first + std::string(1, '\0');  // the smallest key after the last one
  }
}

void SlateDbShardReader::Close() {
  if (!handle_) return;
  char* err = nullptr;
  int32_t rc = sfs_reader_close(handle_, &err);
  sfs_reader_free(handle_);
  handle_ = nullptr;
  slatedb::Check(rc, err, "close slatedb shard " + db_url_);
}

SlateDbShardReaderFactory::SlateDbShardReaderFactory(SlateDbReadOptions options,
                                                     std::shared_ptr<StoreResolver> resolver)
    : options_(options), resolver_(resolver ? std::move(resolver) : DefaultStoreResolver()) {
  if (options_.part_size_bytes % 1024 != 0)
    throw ConfigValidationError(
        "slatedb part_size_bytes=" + std::to_string(options_.part_size_bytes) +
        " must be a multiple of 1024");
  if (options_.block_cache_bytes > 0) cache_ = sfs_cache_new(options_.block_cache_bytes);
}

SlateDbShardReaderFactory::~SlateDbShardReaderFactory() { sfs_cache_free(cache_); }

std::unique_ptr<ShardReader> SlateDbShardReaderFactory::Open(const std::string& db_url,
                                                             const std::string& local_dir,
                                                             const std::optional<std::string>&,
                                                             const ParsedManifest&) {
  return OpenShard(db_url, local_dir);
}

std::unique_ptr<SlateDbShardReader> SlateDbShardReaderFactory::OpenShard(
    const std::string& db_url, const std::string& local_dir) {
  slatedb::BridgeTarget target;
  slatedb::ResolveTarget(*resolver_, db_url, target);
  std::string disk_dir;
  if (options_.disk_cache_bytes > 0 && !local_dir.empty())
    disk_dir = (std::filesystem::path(local_dir) / "slatedb_cache").string();
  sfs_reader_options ro{cache_, disk_dir.c_str(), options_.disk_cache_bytes,
                        options_.part_size_bytes};
  sfs_reader* handle = nullptr;
  char* err = nullptr;
  int32_t rc = sfs_reader_open(target.url.c_str(), &target.options, &ro, &handle, &err);
  slatedb::Check(rc, err, "open slatedb shard " + db_url);
  return std::make_unique<SlateDbShardReader>(handle, db_url);
}

}  // namespace shardyfusion
