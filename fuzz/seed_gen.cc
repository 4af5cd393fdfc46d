// Writes the binary seeds of fuzz/corpus/ (manifest images, sidecars) with the library's own
// producers, plus a few broken variants of each.  Text seeds are checked in by hand.
//   seed_gen <corpus-dir>     (scripts/fuzz.sh --regen-seeds)
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "core/sqlite_handle.h"
#include "shardyfusion/manifest.h"
#include "sqlite/shard_db_file.h"
#include "sqlite/sidecar.h"

using namespace shardyfusion;
namespace fs = std::filesystem;

namespace {

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << bytes;
}

RequiredBuildMeta HashBuild(uint32_t num_dbs) {
  RequiredBuildMeta b;
  b.run_id = "seedrun";
  b.created_at = ParseIsoTime("2026-04-20T15:23:01.123456Z");
  b.num_dbs = num_dbs;
  b.s3_prefix = "s3://bucket/prefix";
  return b;
}

RequiredShardMeta Shard(uint32_t db_id, std::optional<Key> lo, std::optional<Key> hi) {
  RequiredShardMeta s;
  s.db_id = db_id;
  s.db_url = "s3://bucket/prefix/shards/run_id=seedrun/db=" + std::to_string(db_id) + "/attempt=00";
  s.row_count = 3;
  s.db_bytes = 4096;
  s.min_key = std::move(lo);
  s.max_key = std::move(hi);
  s.checkpoint_id = "5b2f1c0a4d3a4e6f9b8c7a6d5e4f3210";
  s.writer_info = {0, 12, 3, 17};
  return s;
}

// `image` changed by `sql` (for schemas BuildSqliteManifest never writes).
std::string Rewrite(const std::string& image, const std::string& sql) {
  SqliteDb db(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
              [](const std::string& m) { throw std::runtime_error(m); });
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  std::memcpy(buf, image.data(), image.size());
  if (sqlite3_deserialize(db.get(), "main", buf, image.size(), image.size(),
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
    throw std::runtime_error("cannot load the seed manifest");
  db.Exec(sql);
  sqlite3_int64 size = 0;
  unsigned char* out = sqlite3_serialize(db.get(), "main", &size, 0);
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(size));
  sqlite3_free(out);
  return result;
}

void ManifestSeeds(const fs::path& dir) {
  std::string hash = BuildSqliteManifest(
      HashBuild(4), {Shard(0, Key::Int(1), Key::Int(99)), Shard(2, Key::Str("a"), Key::Str("zz"))},
      R"({"team": "x", "n": [1, 2]})");
  Write(dir, "valid_hash", hash);
  Write(dir, "valid_one_empty_shard", BuildSqliteManifest(HashBuild(1), {}));

  RequiredBuildMeta cel = HashBuild(3);
  cel.sharding.strategy = ShardingStrategy::kCel;
  cel.sharding.cel_expr = "region";
  cel.sharding.cel_columns = std::map<std::string, std::string>{{"region", "string"}};
  cel.sharding.routing_values = std::vector<Key>{Key::Str("eu"), Key::Str("us"), Key::Str("ap")};
  cel.key_encoding = KeyEncoding::kUtf8;
  RequiredShardMeta s = Shard(1, std::nullopt, std::nullopt);
  s.db_url.reset();
  Write(dir, "valid_cel", BuildSqliteManifest(cel, {Shard(0, Key::Str("a"), Key::Str("b")), s}));

  RequiredBuildMeta old = HashBuild(2);
  old.format_version = 3;
  Write(dir, "broken_format_version", BuildSqliteManifest(old, {}));
  Write(dir, "broken_truncated", hash.substr(0, hash.size() / 2));
  std::string magic = hash;
  magic[0] = 'X';
  Write(dir, "broken_magic", magic);
  Write(dir, "broken_short", std::string("SQLite format 3\0", 16));
  // Hostile schemas (tests/unit/manifest_parse_regression_test.cc): used to hang or take
  // seconds and gigabytes.
  Write(dir, "broken_view_infinite_cte", Rewrite(hash, R"sql(
    ALTER TABLE shards RENAME TO shards_real;
    CREATE VIEW shards AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n)
      SELECT i AS db_id, NULL AS db_url, 0 AS attempt, 0 AS row_count, 0 AS db_bytes,
             NULL AS min_key, NULL AS max_key, NULL AS checkpoint_id, '{}' AS writer_info FROM n;
  )sql"));
  Write(dir, "broken_generated_column",
        Rewrite(hash, "ALTER TABLE build_meta ADD COLUMN x TEXT AS (printf('%.*c', 900000000, 'x'));"));
  Write(dir, "valid_extra_column", Rewrite(hash, "ALTER TABLE shards ADD COLUMN note TEXT;"));
}

std::string SmallDb(const fs::path& dir, int rows, size_t value_bytes) {
  std::string path = (dir / "shard.db").string();
  SqliteDb db = sqlite::CreateShardDb(path, 512, -2000);
  {
    SqliteStatement ins(db, "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
    for (int i = 0; i < rows; ++i) {
      std::string key = "k" + std::to_string(i);
      std::string value(value_bytes, static_cast<char>('a' + i % 26));
      ins.BindBlob(1, key);
      ins.BindBlob(2, value);
      ins.Step();
      ins.Reset();
    }
  }
  db.Exec("COMMIT");
  db.Close();
  return path;
}

void SidecarSeeds(const fs::path& dir) {
  fs::path tmp = fs::temp_directory_path() / ("shardy_seed_gen_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  // 512-byte pages: 40 rows need interior pages; 700-byte values spill into overflow chains.
  std::string bound = sqlite::AssembleSidecar(
      sqlite::BuildSidecarFrame(SmallDb(tmp, 40, 700)), "\"0123456789abcdef\"");
  Write(dir, "valid_bound", bound);
  Write(dir, "valid_unbound",
        sqlite::AssembleSidecar(sqlite::BuildSidecarFrame(SmallDb(tmp, 30, 20)), ""));
  Write(dir, "valid_empty_body",
        sqlite::AssembleSidecar(sqlite::CompressSidecarBody(512, sqlite::EncodeSidecarBody({}, {}, {})),
                                "t"));
  Write(dir, "broken_truncated", bound.substr(0, bound.size() - 7));
  std::string version = bound;
  version[4] = 7;
  Write(dir, "broken_version", version);
  std::string size = bound;
  size[5] ^= 1;  // body_size off by one
  Write(dir, "broken_body_size", size);
  Write(dir, "broken_prefix_only", bound.substr(0, sqlite::kSidecarPrefixSize));

  // Raw bodies (sidecar_fuzz frames inputs without the magic itself; first byte 0: 512).
  auto parsed = sqlite::ParseSidecar(bound);
  if (!parsed) throw std::runtime_error("seed sidecar does not parse: " + parsed.rejection);
  std::vector<uint32_t> pagenos;
  std::vector<std::string> stored;
  for (const auto& [pageno, page] : parsed.value->pages) {
    pagenos.push_back(pageno);
    stored.push_back(sqlite::StripPageGap(page, pageno));
  }
  std::string body = sqlite::EncodeSidecarBody(pagenos, stored, parsed.value->overflow_chains);
  Write(dir, "body_valid", std::string(1, '\0') + body);
  Write(dir, "body_no_chains", std::string(1, '\0') + sqlite::EncodeSidecarBody(pagenos, stored, {}));
  Write(dir, "body_broken_chain_head",
        std::string(1, '\0') + sqlite::EncodeSidecarBody({}, {}, {{7, 8}, {3}}));
  Write(dir, "body_broken_offsets", std::string(1, '\0') + body.substr(0, body.size() - 3));
  std::cout << "sidecar seed: " << pagenos.size() << " pages, "
            << parsed.value->overflow_chains.size() << " overflow chains\n";
  fs::remove_all(tmp);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: seed_gen <corpus-dir>\n";
    return 2;
  }
  fs::path root = argv[1];
  ManifestSeeds(root / "manifest");
  SidecarSeeds(root / "sidecar");
  std::cout << "wrote seeds under " << root << "\n";
  return 0;
}
