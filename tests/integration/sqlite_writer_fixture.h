// Shared fixture of the SQLite shard writer tests: one scenario body per test, run against
// the in-memory store and a local directory (file://) store.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/sqlite_handle.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/store_resolver.h"
#include "sqlite/sqlite_shard_writer.h"
#include "support/test_util.h"

namespace shardyfusion::sqlite_test {

inline SqliteErrorFactory ThrowRuntime() {
  return [](const std::string& m) { throw std::runtime_error(m); };
}

// Distinct value per row (catches cross-key overwrites), `size` bytes long.
inline std::string ValueFor(int i, size_t size) {
  std::string v(size, static_cast<char>('A' + i % 26));
  std::string tag = "row-" + std::to_string(i) + ";";
  v.replace(0, std::min(tag.size(), size), tag.substr(0, size));
  return v;
}

inline std::vector<KvPair> Rows(int n, size_t value_size) {
  std::vector<KvPair> rows;
  for (int i = 0; i < n; ++i) {
    std::string key(8, '\0');
    for (int b = 0; b < 8; ++b) key[7 - b] = static_cast<char>((uint64_t(i) >> (8 * b)) & 0xff);
    rows.emplace_back(key, ValueFor(i, value_size));
  }
  return rows;
}

inline uint32_t HeaderPageSize(const std::string& db) {
  uint32_t raw =
      (uint32_t{static_cast<unsigned char>(db[16])} << 8) | static_cast<unsigned char>(db[17]);
  return raw == 1 ? 65536 : raw;
}

// pagenos from dbstat on a local file.
inline std::set<uint32_t> DbstatPages(const std::string& path, const std::string& where) {
  SqliteDb db(path, SQLITE_OPEN_READONLY, ThrowRuntime());
  SqliteStatement st(db, "SELECT pageno FROM dbstat WHERE " + where);
  std::set<uint32_t> out;
  while (st.Step()) out.insert(static_cast<uint32_t>(st.ColumnInt(0)));
  return out;
}

class SqliteWriterTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    resolver_ = std::make_shared<StoreResolver>();
    if (GetParam() == "memory") {
      resolver_->Register("mem", "bucket", MakeMemoryObjectStore("bucket"));
      root_ = "mem://bucket/prefix";
    } else {
      root_ = "file://" + store_dir_.path() + "/prefix";
    }
  }

  std::string DbUrl(int db_id = 0, int attempt = 0) const {
    char tail[64];
    std::snprintf(tail, sizeof tail, "db=%05d/attempt=%02d", db_id, attempt);
    return root_ + "/shards/run_id=r/" + tail;
  }

  SqliteShardWriterFactory Factory(SqliteWriterOptions options = {}) {
    options.resolver = resolver_;
    return SqliteShardWriterFactory(std::move(options));
  }

  std::unique_ptr<ShardWriter> Open(SqliteShardWriterFactory& factory, const std::string& db_url) {
    local_dir_ = scratch_.path() + "/w" + std::to_string(next_dir_++);
    return factory.Open(db_url, local_dir_);
  }

  std::optional<std::string> Get(const std::string& url) {
    auto r = resolver_->Resolve(url);
    return r.store->Get(r.key);
  }
  std::optional<ObjectInfo> Head(const std::string& url) {
    auto r = resolver_->Resolve(url);
    return r.store->Head(r.key);
  }
  std::vector<ObjectInfo> ListUnder(const std::string& url) {
    auto r = resolver_->Resolve(url);
    return ListAllObjects(*r.store, r.key + "/");
  }

  // Downloads `<db_url>/shard.db` to a local file and returns its path ("" if missing).
  std::string Download(const std::string& db_url) {
    auto body = Get(db_url + "/shard.db");
    if (!body) return "";
    std::string path = scratch_.path() + "/dl" + std::to_string(next_dir_++) + ".db";
    std::ofstream(path, std::ios::binary) << *body;
    return path;
  }

  // Writes `rows` in batches of 100, then seals and closes.
  void WriteShard(SqliteShardWriterFactory& factory, const std::string& db_url,
                  const std::vector<KvPair>& rows, int64_t* db_bytes = nullptr) {
    auto w = Open(factory, db_url);
    for (size_t i = 0; i < rows.size(); i += 100)
      w->WriteBatch(std::span(rows).subspan(i, std::min<size_t>(100, rows.size() - i)));
    w->Flush();
    w->Seal();
    if (db_bytes) *db_bytes = w->DbBytes();
    w->Close();
  }

  shardyfusion::testing::TempDir store_dir_;
  shardyfusion::testing::TempDir scratch_;
  std::shared_ptr<StoreResolver> resolver_;
  std::string root_;
  std::string local_dir_;
  int next_dir_ = 0;
};

inline std::string StoreName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace shardyfusion::sqlite_test
