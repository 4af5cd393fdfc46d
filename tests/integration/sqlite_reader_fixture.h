// Shared helpers of the SQLite shard reader tests: shards built with the real writer on
// the in-memory store, a local directory (file://) or moto S3, and a fake manifest.
#pragma once

#include <algorithm>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "integration/sqlite_writer_fixture.h"
#include "reader/shard_reader.h"
#include "shardyfusion/manifest.h"
#include "support/moto_server.h"

namespace shardyfusion::sqlite_test {

// One storage backend for a test: its resolver and a root URL to write under.
struct ReaderStore {
  std::shared_ptr<StoreResolver> resolver;
  std::string root;

  // kind: "memory", "local" (under `dir`) or "s3" (moto; resolver null when unavailable).
  static ReaderStore Make(const std::string& kind, const std::string& dir) {
    ReaderStore s;
    if (kind == "memory") {
      s.resolver = std::make_shared<StoreResolver>();
      s.resolver->Register("mem", "bucket", MakeMemoryObjectStore("bucket"));
      s.root = "mem://bucket/prefix";
    } else if (kind == "local") {
      s.resolver = std::make_shared<StoreResolver>();
      s.root = "file://" + dir + "/store/prefix";
    } else if (shardyfusion::testing::MotoServerAvailable()) {
      auto& server = shardyfusion::testing::SharedMotoServer();
      s.resolver = std::make_shared<StoreResolver>(shardyfusion::testing::MotoS3Options(server));
      s.root = "s3://" + shardyfusion::testing::CreateBucket(server, "reader") + "/prefix";
    }
    return s;
  }

  std::string DbUrl(const std::string& run_id, int db_id = 0, int attempt = 0) const {
    char tail[64];
    std::snprintf(tail, sizeof tail, "db=%05d/attempt=%02d", db_id, attempt);
    return root + "/shards/run_id=" + run_id + "/" + tail;
  }

  void Put(const std::string& url, std::string_view body) const {
    auto r = resolver->Resolve(url);
    r.store->Put(r.key, body);
  }
  std::optional<std::string> Get(const std::string& url) const {
    auto r = resolver->Resolve(url);
    return r.store->Get(r.key);
  }
  void Delete(const std::string& url) const {
    auto r = resolver->Resolve(url);
    r.store->Delete(r.key);
  }
};

// Builds and uploads one shard with the SQLite writer (rows sorted first, as the
// pipeline delivers them; keys must be distinct); returns its db_bytes.
inline int64_t BuildShard(const ReaderStore& store, const std::string& db_url,
                          std::vector<KvPair> rows, const std::string& scratch_dir,
                          int page_size = 4096, bool sidecar = true) {
  std::sort(rows.begin(), rows.end());
  SqliteWriterOptions options;
  options.page_size = page_size;
  options.emit_sidecar = sidecar;
  options.resolver = store.resolver;
  SqliteShardWriterFactory factory(options);
  auto writer = factory.Open(db_url, scratch_dir);
  for (size_t i = 0; i < rows.size(); i += 500)
    writer->WriteBatch(std::span(rows).subspan(i, std::min<size_t>(500, rows.size() - i)));
  writer->Flush();
  writer->Seal();
  int64_t bytes = writer->DbBytes();
  writer->Close();
  return bytes;
}

inline ParsedManifest FakeManifest(const std::string& run_id, std::vector<int64_t> db_bytes) {
  ParsedManifest m;
  m.build.run_id = run_id;
  m.build.num_dbs = static_cast<uint32_t>(db_bytes.size());
  for (size_t i = 0; i < db_bytes.size(); ++i) {
    RequiredShardMeta shard;
    shard.db_id = static_cast<uint32_t>(i);
    shard.db_url = "mem://bucket/db" + std::to_string(i);
    shard.db_bytes = db_bytes[i];
    m.shards.push_back(shard);
  }
  return m;
}

// Key i of Rows(): 8-byte big-endian.
inline std::string KeyFor(uint64_t i) {
  std::string key(8, '\0');
  for (int b = 0; b < 8; ++b) key[7 - b] = static_cast<char>((i >> (8 * b)) & 0xff);
  return key;
}

}  // namespace shardyfusion::sqlite_test
