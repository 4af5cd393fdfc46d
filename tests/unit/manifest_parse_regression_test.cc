// Regressions found while fuzzing ParseSqliteManifest (fuzz/manifest_fuzz.cc, fuzz/key_fuzz.cc
// for the JSON columns): a manifest is downloaded, so its schema and contents are untrusted.
// Each case used to hang, burn seconds and gigabytes, or overflow the stack; now each is a
// prompt ManifestParseError naming the reason.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstring>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {
namespace {

std::string ValidImage() {
  RequiredBuildMeta b;
  b.run_id = "r";
  b.created_at = ParseIsoTime("2026-04-20T15:23:01Z");
  b.num_dbs = 2;
  b.s3_prefix = "s3://bucket/prefix";
  RequiredShardMeta s;
  s.db_id = 1;
  s.db_url = "s3://bucket/prefix/shards/run_id=r/db=00001/attempt=00";
  s.row_count = 1;
  return BuildSqliteManifest(b, {s});
}

// A valid manifest image changed by `sql`.
std::string Rewrite(const std::string& sql) {
  std::string image = ValidImage();
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  std::memcpy(buf, image.data(), image.size());
  sqlite3_deserialize(db, "main", buf, image.size(), image.size(),
                      SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_int64 size = 0;
  unsigned char* out = sqlite3_serialize(db, "main", &size, 0);
  std::string result(reinterpret_cast<char*>(out), size);
  sqlite3_free(out);
  sqlite3_close(db);
  return result;
}

// Parses `image`, expecting a ManifestParseError containing `reason` within 2 seconds.
void ExpectPromptRejection(const std::string& image, const std::string& reason) {
  auto start = std::chrono::steady_clock::now();
  try {
    ParseSqliteManifest(image);
    ADD_FAILURE() << "accepted a manifest that should fail with: " << reason;
  } catch (const ManifestParseError& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ManifestParseRegression, ShardsViewOverAnInfiniteRecursiveCteIsRejected) {
  // Used to hang forever (ORDER BY db_id over an endless row source, memory growing).
  ExpectPromptRejection(Rewrite(R"sql(
    ALTER TABLE shards RENAME TO shards_real;
    CREATE VIEW shards AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n)
      SELECT i AS db_id, NULL AS db_url, 0 AS attempt, 0 AS row_count, 0 AS db_bytes,
             NULL AS min_key, NULL AS max_key, NULL AS checkpoint_id, '{}' AS writer_info FROM n;
  )sql"),
                        "shards must be a table, not a view");
}

TEST(ManifestParseRegression, BuildMetaViewAllocatingHugeValuesIsRejected) {
  // Used to take ~12 s and 800 MB (randomblob in a view column).
  ExpectPromptRejection(Rewrite(R"sql(
    ALTER TABLE build_meta RENAME TO bm;
    CREATE VIEW build_meta AS SELECT *, randomblob(800000000) AS y FROM bm;
  )sql"),
                        "build_meta must be a table, not a view");
}

TEST(ManifestParseRegression, GeneratedColumnIsRejected) {
  // Used to take ~13 s: printf's repeat runs inside one VM step, out of the budget's reach.
  ExpectPromptRejection(
      Rewrite("ALTER TABLE build_meta ADD COLUMN x TEXT AS (printf('%.*c', 900000000, 'x'));"),
      "build_meta.x is a generated column");
  ExpectPromptRejection(Rewrite("ALTER TABLE shards ADD COLUMN g INTEGER AS (db_id * 2);"),
                        "shards.g is a generated column");
}

TEST(ManifestParseRegression, TableNamesMatchCaseInsensitively) {
  // SQLite resolves "shards" to "SHARDS" too, so the schema check must as well.
  ExpectPromptRejection(Rewrite(R"sql(
    DROP TABLE shards;
    CREATE VIEW SHARDS AS SELECT 0 AS db_id;
  )sql"),
                        "shards must be a table, not a view");
}

TEST(ManifestParseRegression, DeeplyNestedJsonColumnsAreRejected) {
  // Parsing was fine (nlohmann parses iteratively) but dump(), used in error messages and
  // for `custom`, recursed once per level and overflowed the stack.
  const int depth = 1'000'000;
  std::string array = std::string(depth, '[') + std::string(depth, ']');
  ExpectPromptRejection(Rewrite("UPDATE shards SET min_key = '" + array + "';"),
                        "shards.min_key is nested more than 512 levels deep");
  std::string object;
  for (int i = 0; i < depth; ++i) object += "{\"a\": ";
  object += "1" + std::string(depth, '}');
  ExpectPromptRejection(Rewrite("UPDATE build_meta SET custom = '" + object + "';"),
                        "build_meta.custom is nested more than 512 levels deep");
  // Moderate nesting (anything Python's json can write) is still fine.
  std::string nested = "{\"n\": " + std::string(400, '[') + std::string(400, ']') + "}";
  ParsedManifest m = ParseSqliteManifest(Rewrite("UPDATE build_meta SET custom = '" + nested + "';"));
  EXPECT_EQ(m.custom_json.size(), nested.size() - 1);  // compact: no space after ':'
}

TEST(ManifestParseRegression, PlainManifestsStillParse) {
  ParsedManifest m = ParseSqliteManifest(ValidImage());
  EXPECT_EQ(m.shards.size(), 1u);
  // Extra ordinary columns (a newer writer) remain allowed.
  m = ParseSqliteManifest(Rewrite("ALTER TABLE shards ADD COLUMN note TEXT;"));
  EXPECT_EQ(m.build.num_dbs, 2u);
}

}  // namespace
}  // namespace shardyfusion
