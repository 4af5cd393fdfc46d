// SQLite manifest codec: round trip of every field, the reference's exact example values,
// and every rejection of format.md §2.7.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>

#include "core/py_json.h"
#include "manifest/manifest_json.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {
namespace {

RequiredBuildMeta SampleBuild() {
  RequiredBuildMeta b;
  b.run_id = "abc123";
  b.created_at = ParseIsoTime("2026-04-20T15:23:01.123456Z");
  b.num_dbs = 4;
  b.s3_prefix = "s3://bucket/prefix/";
  b.key_encoding = KeyEncoding::kU64BE;
  return b;
}

std::vector<RequiredShardMeta> SampleShards() {
  RequiredShardMeta a;
  a.db_id = 0;
  a.db_url = "s3://bucket/prefix/shards/run_id=abc123/db=00000/attempt=00";
  a.row_count = 10;
  a.db_bytes = 8192;
  a.min_key = Key::Int(1);
  a.max_key = Key::Int(99);
  a.checkpoint_id = "5b2f1c0a4d3a4e6f9b8c7a6d5e4f3210";
  a.writer_info = {0, 12, 3, 17};
  RequiredShardMeta b;
  b.db_id = 2;
  b.db_url = "s3://bucket/prefix/shards/run_id=abc123/db=00002/attempt=01";
  b.attempt = 1;
  b.row_count = 3;
  b.db_bytes = 4096;
  b.min_key = Key::Str("a");
  b.max_key = Key::Str("zz");
  return {a, b};
}

// Runs SQL against a valid manifest image and returns the modified image.
std::string Mutate(const std::string& sql) {
  std::string image = BuildSqliteManifest(SampleBuild(), SampleShards(), "{\"team\": \"x\"}");
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  memcpy(buf, image.data(), image.size());
  sqlite3_deserialize(db, "main", buf, image.size(), image.size(),
                      SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_int64 size = 0;
  unsigned char* out = sqlite3_serialize(db, "main", &size, 0);
  std::string result(reinterpret_cast<char*>(out), size);
  sqlite3_free(out);
  sqlite3_close(db);
  return result;
}

void ExpectParseError(const std::string& image, const std::string& fragment) {
  try {
    ParseSqliteManifest(image);
    ADD_FAILURE() << "expected ManifestParseError containing '" << fragment << "'";
  } catch (const ManifestParseError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_FALSE(e.retryable());
  }
}

TEST(ManifestCodec, RoundTripsEveryField) {
  auto image = BuildSqliteManifest(SampleBuild(), SampleShards(), "{\"team\": \"x\"}");
  ASSERT_EQ(image.substr(0, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(image[18], 1);  // rollback journal, not WAL
  EXPECT_EQ(image[19], 1);
  ParsedManifest m = ParseSqliteManifest(image);
  EXPECT_EQ(m.build.run_id, "abc123");
  EXPECT_EQ(FormatIsoTime(m.build.created_at), "2026-04-20T15:23:01.123456Z");
  EXPECT_EQ(m.build.num_dbs, 4u);
  EXPECT_EQ(m.build.s3_prefix, "s3://bucket/prefix/");
  EXPECT_EQ(m.build.key_col, "_key");
  EXPECT_EQ(m.build.db_path_template, "db={db_id:05d}");
  EXPECT_EQ(m.build.shard_prefix, "shards");
  EXPECT_EQ(m.build.format_version, 4);
  EXPECT_EQ(m.build.key_encoding, KeyEncoding::kU64BE);
  EXPECT_EQ(m.build.sharding.strategy, ShardingStrategy::kHash);
  EXPECT_EQ(m.custom_json, "{\"team\":\"x\"}");
  ASSERT_EQ(m.shards.size(), 2u);
  const auto& a = m.shards[0];
  EXPECT_EQ(a.db_url, SampleShards()[0].db_url);
  EXPECT_EQ(a.row_count, 10);
  EXPECT_EQ(a.db_bytes, 8192);
  EXPECT_EQ(*a.min_key, Key::Int(1));
  EXPECT_EQ(*a.max_key, Key::Int(99));
  EXPECT_EQ(a.checkpoint_id, "5b2f1c0a4d3a4e6f9b8c7a6d5e4f3210");
  EXPECT_EQ(a.writer_info.duration_ms, 12);
  EXPECT_EQ(a.writer_info.stage_id, 3);
  EXPECT_EQ(a.writer_info.task_attempt_id, 17);
  const auto& b = m.shards[1];
  EXPECT_EQ(b.db_id, 2u);
  EXPECT_EQ(b.attempt, 1);
  EXPECT_EQ(*b.min_key, Key::Str("a"));
  EXPECT_FALSE(b.checkpoint_id.has_value());
  EXPECT_FALSE(b.writer_info.stage_id.has_value());
  auto padded = m.PaddedShards();
  ASSERT_EQ(padded.size(), 4u);
  EXPECT_FALSE(padded[1].db_url.has_value());
  EXPECT_EQ(padded[1].row_count, 0);
  EXPECT_EQ(padded[3].db_id, 3u);
}

TEST(ManifestCodec, WritesTheReferenceJsonStyle) {
  ShardingSpec hash;
  EXPECT_EQ(PythonJsonDumps(ShardingToJson(hash)),
            R"({"cel_columns": null, "cel_expr": null, "hash_algorithm": "xxh3_64", "routing_values": null, "strategy": "hash"})");
  ShardingSpec cel;
  cel.strategy = ShardingStrategy::kCel;
  cel.cel_expr = "region";
  cel.cel_columns = std::map<std::string, std::string>{{"region", "string"}};
  cel.routing_values = std::vector<Key>{Key::Str("ap"), Key::Str("eu"), Key::Str("us")};
  EXPECT_EQ(PythonJsonDumps(ShardingToJson(cel)),
            R"({"cel_columns": {"region": "string"}, "cel_expr": "region", "hash_algorithm": "xxh3_64", "routing_values": ["ap", "eu", "us"], "strategy": "cel"})");
  EXPECT_EQ(PythonJsonDumps(WriterInfoToJson({0, 0, std::nullopt, std::nullopt})),
            R"({"attempt": 0, "duration_ms": 0, "stage_id": null, "task_attempt_id": null})");
  EXPECT_EQ(PythonJsonDumps(nlohmann::json("h\u00e9llo \U0001F600")),
            R"("h\u00e9llo \ud83d\ude00")");
}

TEST(ManifestCodec, ParsesAHandBuiltManifestWithTheSpecExampleValues) {
  // Built with raw SQL exactly as format.md §2.3-2.6 shows, not with our builder.
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  const char* sql = R"sql(
    CREATE TABLE build_meta (run_id TEXT NOT NULL, created_at TEXT NOT NULL, num_dbs INTEGER NOT NULL,
      s3_prefix TEXT NOT NULL, key_col TEXT NOT NULL, sharding TEXT NOT NULL, db_path_template TEXT NOT NULL,
      shard_prefix TEXT NOT NULL, format_version INTEGER NOT NULL, key_encoding TEXT NOT NULL,
      custom TEXT NOT NULL DEFAULT '{}', extra_column TEXT);
    CREATE TABLE shards (writer_info TEXT NOT NULL DEFAULT '{}', db_id INTEGER NOT NULL PRIMARY KEY, db_url TEXT,
      attempt INTEGER NOT NULL, row_count INTEGER NOT NULL, db_bytes INTEGER NOT NULL, min_key TEXT,
      max_key TEXT, checkpoint_id TEXT);
    CREATE TABLE unrelated (x);
    INSERT INTO build_meta VALUES ('abc123', '2026-04-20T15:23:01+00:00', 3, 's3://bucket/prefix', 'id',
      '{"cel_columns": null, "cel_expr": null, "hash_algorithm": "xxh3_64", "routing_values": null, "strategy": "hash"}',
      'db={db_id:05d}', 'shards', 4, 'utf8', '', 'ignored');
    INSERT INTO shards VALUES ('{"attempt": 0, "duration_ms": 12, "stage_id": 3, "task_attempt_id": 17, "future": 1}', 0,
      's3://bucket/prefix/shards/run_id=abc123/db=00000/attempt=00', 0, 10, 8192, '1', '99.0',
      '5b2f1c0a4d3a4e6f9b8c7a6d5e4f3210');
    INSERT INTO shards VALUES ('{"attempt": 0, "duration_ms": 0, "stage_id": null, "task_attempt_id": null}', 2,
      's3://bucket/prefix/shards/run_id=abc123/db=00002/attempt=01', 1, 3, 4096, '"a"', '"zz"', NULL);
  )sql";
  // Column order differs from ours, there are extra columns and tables, and writer_info has
  // an unknown key: readers go by column name and ignore the rest.
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_int64 size = 0;
  unsigned char* out = sqlite3_serialize(db, "main", &size, 0);
  std::string image(reinterpret_cast<char*>(out), size);
  sqlite3_free(out);
  sqlite3_close(db);
  ParsedManifest m = ParseSqliteManifest(image);
  EXPECT_EQ(m.build.key_col, "id");
  EXPECT_EQ(m.build.key_encoding, KeyEncoding::kUtf8);
  EXPECT_EQ(m.custom_json, "{}");  // an empty custom string reads as {}
  EXPECT_EQ(FormatIsoTime(m.build.created_at), "2026-04-20T15:23:01Z");
  ASSERT_EQ(m.shards.size(), 2u);
  EXPECT_EQ(*m.shards[0].max_key, Key::Int(99));  // integral float coerced to int
  EXPECT_EQ(m.shards[0].writer_info.task_attempt_id, 17);
  EXPECT_EQ(*m.shards[1].max_key, Key::Str("zz"));
  EXPECT_EQ(m.shards[1].attempt, 1);
}

TEST(ManifestCodec, RejectsNonSqlitePayloads) {
  ExpectParseError("", "not a SQLite database");
  ExpectParseError("{\"json\": true}", "not a SQLite database");
  ExpectParseError(std::string("\x00\x01\x02garbage", 10), "not a SQLite database");
  std::string corrupt = BuildSqliteManifest(SampleBuild(), SampleShards());
  corrupt.resize(200);  // header intact, pages gone
  EXPECT_THROW(ParseSqliteManifest(corrupt), ManifestParseError);
  std::string scrambled = BuildSqliteManifest(SampleBuild(), SampleShards());
  for (size_t i = 100; i < scrambled.size(); i += 7) scrambled[i] ^= 0x5a;
  EXPECT_THROW(ParseSqliteManifest(scrambled), ManifestParseError);
}

struct BadCase {
  const char* name;
  const char* sql;
  const char* fragment;
};

class ManifestRejection : public ::testing::TestWithParam<BadCase> {};

TEST_P(ManifestRejection, IsAParseErrorNamingTheReason) {
  ExpectParseError(Mutate(GetParam().sql), GetParam().fragment);
}

const char* kShardingBase = R"("hash_algorithm": "xxh3_64", "strategy": "hash")";

INSTANTIATE_TEST_SUITE_P(
    Section2_7, ManifestRejection,
    ::testing::Values(
        BadCase{"NoBuildMetaRow", "DELETE FROM build_meta", "no row"},
        BadCase{"NoBuildMetaTable", "DROP TABLE build_meta", "build_meta"},
        BadCase{"NoShardsTable", "DROP TABLE shards", "shards"},
        BadCase{"MissingColumn", "ALTER TABLE build_meta DROP COLUMN key_encoding", "key_encoding"},
        BadCase{"FormatVersion3", "UPDATE build_meta SET format_version = 3", "format_version 3"},
        BadCase{"NumDbsZero", "UPDATE build_meta SET num_dbs = 0", "num_dbs must be > 0"},
        BadCase{"NumDbsText", "UPDATE build_meta SET num_dbs = 'four'", "num_dbs must be an INTEGER"},
        BadCase{"BadKeyEncoding", "UPDATE build_meta SET key_encoding = 'u16'", "key_encoding"},
        BadCase{"ShardingNotJson", "UPDATE build_meta SET sharding = '{not json'", "sharding is not valid JSON"},
        BadCase{"ShardingNotObject", "UPDATE build_meta SET sharding = '[1]'", "sharding must be a JSON object"},
        BadCase{"NoHashAlgorithm", "UPDATE build_meta SET sharding = '{\"strategy\": \"hash\"}'", "hash_algorithm is missing"},
        BadCase{"NullHashAlgorithm", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": null}'", "hash_algorithm is missing"},
        BadCase{"UnknownHashAlgorithm", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"murmur3\"}'", "unsupported sharding.hash_algorithm"},
        BadCase{"UnknownStrategy", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"range\"}'", "strategy"},
        BadCase{"ExtraShardingKey", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"xxh3_64\", \"max_keys_per_shard\": 5}'", "unknown key 'max_keys_per_shard'"},
        BadCase{"HashWithCelExpr", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"xxh3_64\", \"cel_expr\": \"key\"}'", "HASH sharding must not set"},
        BadCase{"CelWithoutExpr", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_columns\": {\"key\": \"int\"}}'", "non-empty cel_expr"},
        BadCase{"CelWithoutColumns", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"key\"}'", "non-empty cel_columns"},
        BadCase{"RoutingValueNull", "UPDATE build_meta SET num_dbs = 2, sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"r\", \"cel_columns\": {\"r\": \"string\"}, \"routing_values\": [\"a\", null]}'", "only integers or strings"},
        BadCase{"RoutingValueBool", "UPDATE build_meta SET num_dbs = 1, sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"r\", \"cel_columns\": {\"r\": \"string\"}, \"routing_values\": [true]}'", "only integers or strings"},
        BadCase{"RoutingValueFloat", "UPDATE build_meta SET num_dbs = 1, sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"r\", \"cel_columns\": {\"r\": \"string\"}, \"routing_values\": [1.5]}'", "only integers or strings"},
        BadCase{"RoutingValuesMixed", "UPDATE build_meta SET num_dbs = 2, sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"r\", \"cel_columns\": {\"r\": \"string\"}, \"routing_values\": [1, \"a\"]}'", "mixes"},
        BadCase{"RoutingValuesDuplicate", "UPDATE build_meta SET num_dbs = 2, sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"r\", \"cel_columns\": {\"r\": \"string\"}, \"routing_values\": [\"a\", \"a\"]}'", "duplicate"},
        BadCase{"RoutingValuesCountMismatch", "UPDATE build_meta SET sharding = '{\"hash_algorithm\": \"xxh3_64\", \"strategy\": \"cel\", \"cel_expr\": \"r\", \"cel_columns\": {\"r\": \"string\"}, \"routing_values\": [\"a\", \"b\"]}'", "does not match 2 routing_values"},
        BadCase{"CustomNotObject", "UPDATE build_meta SET custom = '[1, 2]'", "custom must be a JSON object"},
        BadCase{"CustomNotJson", "UPDATE build_meta SET custom = 'nope'", "custom is not valid JSON"},
        BadCase{"BadCreatedAt", "UPDATE build_meta SET created_at = 'yesterday'", "datetime"},
        BadCase{"TooManyShards", "UPDATE build_meta SET num_dbs = 1", "lists 2 shards but num_dbs is 1"},
        BadCase{"ShardIdOutOfRange", "UPDATE shards SET db_id = 7 WHERE db_id = 2", "outside [0, 4)"},
        BadCase{"NegativeDbId", "UPDATE shards SET db_id = -1 WHERE db_id = 2", "db_id must be >= 0"},
        BadCase{"NegativeAttempt", "UPDATE shards SET attempt = -1", "attempt must be >= 0"},
        BadCase{"NegativeRowCount", "UPDATE shards SET row_count = -5", "row_count must be >= 0"},
        BadCase{"NegativeDbBytes", "UPDATE shards SET db_bytes = -5", "db_bytes must be >= 0"},
        BadCase{"DuplicateDbIds", "CREATE TABLE s2 AS SELECT * FROM shards; DROP TABLE shards; CREATE TABLE shards AS SELECT * FROM s2 UNION ALL SELECT * FROM s2", "duplicate shard db_id"},
        BadCase{"WriterInfoNull", "CREATE TABLE s2 AS SELECT * FROM shards; DROP TABLE shards; CREATE TABLE shards AS SELECT * FROM s2; UPDATE shards SET writer_info = NULL", "writer_info must not be NULL"},
        BadCase{"WriterInfoNotJson", "UPDATE shards SET writer_info = '{'", "writer_info is not valid JSON"},
        BadCase{"WriterInfoNotObject", "UPDATE shards SET writer_info = '3'", "writer_info must be a JSON object"},
        BadCase{"MinKeyNotJson", "UPDATE shards SET min_key = 'abc'", "min_key is not valid JSON"},
        BadCase{"MinKeyObject", "UPDATE shards SET min_key = '{}'", "min_key must be an integer, a string or null"},
        BadCase{"DbUrlNotText", "UPDATE shards SET db_url = X'41'", "db_url must be TEXT"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CurrentPointer, EncodesTheExactReferenceBytes) {
  CurrentPointer p;
  p.manifest_ref = "s3://bucket/prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc123/manifest";
  p.run_id = "abc123";
  p.updated_at = ParseIsoTime("2026-04-20T15:23:01.234567Z");
  EXPECT_EQ(EncodeCurrentPointer(p),
            R"({"format_version":1,"manifest_content_type":"application/x-sqlite3","manifest_ref":"s3://bucket/prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc123/manifest","run_id":"abc123","updated_at":"2026-04-20T15:23:01.234567Z"})");
  CurrentPointer back = ParseCurrentPointer(EncodeCurrentPointer(p));
  EXPECT_EQ(back.manifest_ref, p.manifest_ref);
  EXPECT_EQ(back.updated_at, p.updated_at);
}

TEST(CurrentPointer, RejectsMalformedPointers) {
  for (const char* body : {"", "{", "[]", R"({"manifest_ref": "x"})",
                           R"({"manifest_content_type": "a", "run_id": "r", "updated_at": "2026-01-01T00:00:00Z"})",
                           R"({"manifest_content_type": "a", "manifest_ref": 5, "run_id": "r", "updated_at": "2026-01-01T00:00:00Z"})",
                           R"({"manifest_content_type": "a", "manifest_ref": "m", "run_id": "r", "updated_at": "soon"})",
                           R"({"format_version": "1", "manifest_content_type": "a", "manifest_ref": "m", "run_id": "r", "updated_at": "2026-01-01T00:00:00Z"})"}) {
    EXPECT_THROW(ParseCurrentPointer(body), ManifestParseError) << body;
  }
  // Unknown keys are ignored; any integer format_version is accepted; naive times are UTC.
  auto p = ParseCurrentPointer(
      R"({"format_version": 7, "x": 1, "manifest_content_type": "a", "manifest_ref": "m", "run_id": "r", "updated_at": "2026-01-01T00:00:00"})");
  EXPECT_EQ(p.format_version, 7);
  EXPECT_EQ(FormatIsoTime(p.updated_at), "2026-01-01T00:00:00Z");
}

TEST(ManifestNames, DirectoryNamesRoundTripAndForeignNamesAreIgnored) {
  auto t = ParseIsoTime("2026-04-20T15:23:01Z");
  EXPECT_EQ(ManifestDirName(t, "abc"), "2026-04-20T15:23:01.000000Z_run_id=abc");
  auto parsed = ParseManifestDirName("2026-04-20T15:23:01.000000Z_run_id=abc/");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->run_id, "abc");
  EXPECT_EQ(parsed->published_at, t);
  EXPECT_FALSE(ParseManifestDirName("2026-04-20T15:23:01Z_run_id=abc"));
  EXPECT_FALSE(ParseManifestDirName("latest"));
  EXPECT_FALSE(ParseManifestDirName("2026-13-20T15:23:01.000000Z_run_id=abc"));
  EXPECT_EQ(RunIdFromRef("s3://b/p/manifests/2026-04-20T15:23:01.000000Z_run_id=abc/manifest"), "abc");
  EXPECT_EQ(RunIdFromRef("s3://b/p/manifests/x/manifest"), "");
}

TEST(IsoTime, FormatsLikePydanticAndParsesOffsets) {
  EXPECT_EQ(FormatIsoTime(ParseIsoTime("2026-01-01T00:00:00.000000Z")), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime(ParseIsoTime("2026-01-01T02:00:00.5+02:00")), "2026-01-01T00:00:00.500000Z");
  EXPECT_EQ(FormatDirTime(ParseIsoTime("2026-01-01 00:00:00")), "2026-01-01T00:00:00.000000Z");
  EXPECT_THROW(ParseIsoTime("2026-02-30T00:00:00Z"), ManifestParseError);
  EXPECT_THROW(ParseIsoTime("2026-01-01T00:00:00Zjunk"), ManifestParseError);
}

TEST(DbPathTemplate, SupportsPythonFormatSubset) {
  EXPECT_EQ(FormatDbPath("db={db_id:05d}", 7), "db=00007");
  EXPECT_EQ(FormatDbPath("db={db_id:05d}", 123456), "db=123456");
  EXPECT_EQ(FormatDbPath("part/{db_id}", 3), "part/3");
  EXPECT_EQ(FormatDbPath("{{x}}-{db_id:3}", 3), "{x}-  3");
  EXPECT_THROW(FormatDbPath("db={shard}", 1), ConfigValidationError);
  EXPECT_THROW(FormatDbPath("db={db_id:x}", 1), ConfigValidationError);
  EXPECT_THROW(FormatDbPath("db={db_id", 1), ConfigValidationError);
}

}  // namespace
}  // namespace shardyfusion
