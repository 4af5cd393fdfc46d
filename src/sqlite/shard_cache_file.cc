#include "sqlite/shard_cache_file.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/py_json.h"
#include "sqlite/page_size.h"

namespace shardyfusion::sqlite {
namespace {

constexpr std::string_view kSqliteMagic{"SQLite format 3\0", 16};

uint32_t BigEndian32(std::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

}  // namespace

std::string EncodeCacheIdentity(const ShardCacheIdentity& identity) {
  nlohmann::json j = nlohmann::json::object();
  j["checkpoint_id"] =
      identity.checkpoint_id ? nlohmann::json(*identity.checkpoint_id) : nlohmann::json(nullptr);
  j["db_url"] = identity.db_url;
  return PythonJsonDumps(j);
}

std::optional<ShardCacheIdentity> DecodeCacheIdentity(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto url = j.find("db_url");
  auto checkpoint = j.find("checkpoint_id");
  if (url == j.end() || !url->is_string() || checkpoint == j.end()) return std::nullopt;
  ShardCacheIdentity identity{url->get<std::string>(), std::nullopt};
  if (checkpoint->is_string()) {
    identity.checkpoint_id = checkpoint->get<std::string>();
  } else if (!checkpoint->is_null()) {
    return std::nullopt;
  }
  return identity;
}

std::string CheckShardDbFile(const std::string& path) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return "cannot stat: " + ec.message();
  std::ifstream in(path, std::ios::binary);
  std::string header(100, '\0');
  if (size < header.size() || !in.read(header.data(), header.size()))
    return "only " + std::to_string(size) + " bytes, shorter than a SQLite header";
  if (std::string_view(header).substr(0, kSqliteMagic.size()) != kSqliteMagic)
    return "not a SQLite database (bad header magic)";
  auto page_size = PageSizeFromHeader(header);
  if (!page_size) return "invalid page size in the SQLite header";
  // The in-header page count is trusted only when its "version-valid-for" matches the
  // change counter (always so for files written by SQLite >= 3.7.0).
  uint64_t pages = BigEndian32(header, 28);
  if (pages != 0 && BigEndian32(header, 24) == BigEndian32(header, 92)) {
    if (pages * *page_size != size)
      return "size " + std::to_string(size) + " but the header says " + std::to_string(pages) +
             " pages of " + std::to_string(*page_size) + " bytes (truncated?)";
  } else if (size % *page_size != 0) {
    return "size " + std::to_string(size) + " is not a multiple of the page size " +
           std::to_string(*page_size);
  }
  return "";
}

}  // namespace shardyfusion::sqlite
