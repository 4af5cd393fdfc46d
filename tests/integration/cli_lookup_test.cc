// shardy build / get / multiget / route / info / shards / health and the output formats,
// run as a subprocess against a local directory and against moto S3.
#include <gtest/gtest.h>

#include "cli_harness.h"
#include "shardyfusion/router.h"

namespace shardyfusion {
namespace {

using testing::Base64;
using testing::CliResult;
using testing::CliSnapshot;

class CliLookup : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (testing::CliPath().empty()) GTEST_SKIP() << "shardy was not built";
    snap_ = CliSnapshot::Make(GetParam());
    if (!snap_) GTEST_SKIP() << "no S3 server available";
    summary_ = snap_->Build(snap_->WriteJsonl("rows.jsonl", 50, "name"), 4);
  }

  std::unique_ptr<CliSnapshot> snap_;
  nlohmann::json summary_;
};

TEST_P(CliLookup, BuildSummaryDescribesTheSnapshot) {
  EXPECT_EQ(summary_["op"], "build");
  EXPECT_EQ(summary_["rows"], 50);
  EXPECT_EQ(summary_["num_dbs"], 4);
  EXPECT_EQ(summary_["key_encoding"], "u64be");  // the first key is an integer
  EXPECT_GE(summary_["shards"].get<int>(), 1);
  EXPECT_GT(summary_["bytes"].get<int64_t>(), 0);
  EXPECT_TRUE(summary_.contains("elapsed_seconds"));
  EXPECT_TRUE(summary_.contains("rows_per_second"));
  std::string ref = summary_["manifest_ref"];
  EXPECT_NE(ref.find("/manifests/"), std::string::npos);
  auto current = snap_->Current();
  ASSERT_TRUE(current);
  EXPECT_NE(current->find(ref), std::string::npos);
}

TEST_P(CliLookup, GetFoundMissingAndStrict) {
  CliResult found = snap_->Run({"get", "7"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  auto j = found.Json();
  EXPECT_EQ(j["op"], "get");
  EXPECT_EQ(j["key"], "7");
  EXPECT_EQ(j["found"], true);
  EXPECT_EQ(j["value"], Base64("name-7"));

  CliResult missing = snap_->Run({"get", "999"});
  ASSERT_EQ(missing.exit_code, 0) << missing.err;
  EXPECT_EQ(missing.Json()["found"], false);
  EXPECT_EQ(missing.Json()["value"], "null");

  CliResult strict = snap_->Run({"get", "999", "--strict"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_EQ(strict.Json()["found"], false);
  EXPECT_EQ(snap_->Run({"get", "7", "--strict"}).exit_code, 0);
}

TEST_P(CliLookup, MultigetArgsAndStdin) {
  CliResult r = snap_->Run({"multiget", "1", "2", "999"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto results = r.Json()["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["key"], "1");
  EXPECT_EQ(results[0]["value"], Base64("name-1"));
  EXPECT_EQ(results[1]["value"], Base64("name-2"));
  EXPECT_EQ(results[2]["found"], false);

  CliResult piped = snap_->Run({"multiget", "-"}, "3\n\n  4 \n1000\n");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  auto items = piped.Json()["results"];
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["value"], Base64("name-3"));
  EXPECT_EQ(items[1]["key"], "4");
  EXPECT_EQ(items[1]["value"], Base64("name-4"));
  EXPECT_EQ(items[2]["found"], false);
}

TEST_P(CliLookup, RouteAgreesWithTheLibraryRouter) {
  auto router = SnapshotRouter::Hash(4, KeyEncoding::kU64BE);
  for (int k : {0, 1, 7, 42, 1000, 123456789}) {
    CliResult r = snap_->Run({"route", std::to_string(k)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.Json()["db_id"].get<uint32_t>(), router.Route(Key::Int(k))) << k;
    EXPECT_EQ(r.Json()["op"], "route");
  }
}

TEST_P(CliLookup, InfoShardsHealth) {
  CliResult info = snap_->Run({"info"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  auto i = info.Json();
  EXPECT_EQ(i["op"], "info");
  EXPECT_EQ(i["run_id"], summary_["run_id"]);
  EXPECT_EQ(i["num_dbs"], 4);
  EXPECT_EQ(i["row_count"], 50);
  EXPECT_EQ(i["sharding"], "hash");
  EXPECT_EQ(i["key_encoding"], "u64be");
  EXPECT_EQ(i["manifest_ref"], summary_["manifest_ref"]);

  CliResult shards = snap_->Run({"shards"});
  ASSERT_EQ(shards.exit_code, 0) << shards.err;
  auto list = shards.Json()["shards"];
  ASSERT_EQ(list.size(), 4u);
  int64_t rows = 0;
  for (size_t db = 0; db < list.size(); ++db) {
    EXPECT_EQ(list[db]["db_id"], db);
    rows += list[db]["row_count"].get<int64_t>();
  }
  EXPECT_EQ(rows, 50);

  CliResult healthy = snap_->Run({"health"});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.err;
  EXPECT_EQ(healthy.Json()["status"], "healthy");
  EXPECT_EQ(healthy.Json()["num_shards"], 4);
  CliResult degraded = snap_->Run({"health", "--staleness-threshold", "0"});
  EXPECT_EQ(degraded.exit_code, 1);
  EXPECT_EQ(degraded.Json()["status"], "degraded");
}

TEST_P(CliLookup, EveryOutputFormat) {
  CliResult json = snap_->Run({"--output-format", "json", "get", "7"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_GT(json.OutLines().size(), 1u);  // indented
  EXPECT_EQ(json.Json()["found"], true);

  CliResult jsonl = snap_->Run({"--output-format", "jsonl", "multiget", "1", "2"});
  ASSERT_EQ(jsonl.OutLines().size(), 1u);
  EXPECT_EQ(jsonl.Json()["results"].size(), 2u);

  CliResult text = snap_->Run({"--output-format", "text", "get", "7"});
  EXPECT_EQ(text.out, "7=" + Base64("name-7") + "\n");
  CliResult text_multi =
      snap_->Run({"--output-format", "text", "--value-encoding", "utf8", "multiget", "1", "999"});
  EXPECT_EQ(text_multi.out, "1=name-1\n999=null\n");
  CliResult route_text = snap_->Run({"--output-format", "text", "route", "7"});
  EXPECT_NE(route_text.out.find("7 -> shard "), std::string::npos);

  CliResult table =
      snap_->Run({"--output-format", "table", "--value-encoding", "utf8", "multiget", "1", "2"});
  auto lines = table.OutLines();
  ASSERT_EQ(lines.size(), 4u) << table.out;
  EXPECT_EQ(lines[0].rfind("KEY", 0), 0u);
  EXPECT_NE(lines[0].find("VALUE"), std::string::npos);
  EXPECT_NE(lines[2].find("name-1"), std::string::npos);
  CliResult shards_table = snap_->Run({"--output-format", "table", "shards"});
  EXPECT_EQ(shards_table.OutLines().size(), 6u);  // header, rule, 4 shards
  CliResult info_table = snap_->Run({"--output-format", "table", "info"});  // falls back to json
  EXPECT_EQ(nlohmann::json::parse(info_table.out)["op"], "info");
  CliResult health_text = snap_->Run({"--output-format", "text", "health"});
  EXPECT_EQ(health_text.out.rfind("status=healthy", 0), 0u);

  CliResult hex = snap_->Run({"--value-encoding", "hex", "get", "1"});
  EXPECT_EQ(hex.Json()["value"], "6e616d652d31");  // "name-1"
}

TEST_P(CliLookup, ConfigFileSuppliesUrlAndOutput) {
  std::string config = snap_->dir() + "/reader.toml";
  testing::WriteFile(config, "[reader]\ncurrent_url = \"" + snap_->current_url() +
                                 "\"\n\n[output]\nformat = \"text\"\nvalue_encoding = \"utf8\"\n");
  // Found as ./reader.toml in the working directory.
  CliResult r = snap_->Run({"get", "3"}, "", /*with_current=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3=name-3\n");
  // And through $SHARDY_CURRENT / --config from elsewhere.
  snap_->env()["SHARDY_CONFIG"] = config;
  CliResult env = snap_->Run({"--output-format", "jsonl", "get", "4"}, "", false);
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.Json()["value"], "name-4");
}

TEST_P(CliLookup, SqliteModesServeTheSameValues) {
  for (const char* mode : {"download", "range", "auto"}) {
    CliResult r = snap_->Run({"--sqlite-mode", mode, "--value-encoding", "utf8", "get", "9"});
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
    EXPECT_EQ(r.Json()["value"], "name-9") << mode;
  }
  CliResult forced = snap_->Run({"--sqlite-mode", "auto", "--sqlite-auto-per-shard-bytes", "1",
                                 "--value-encoding", "utf8", "get", "9"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.Json()["value"], "name-9");
}

TEST_P(CliLookup, CredentialsProfileAndLocalPaths) {
  if (snap_->kind == "local") {
    // The directory itself names the snapshot; --ref accepts a plain path.
    std::string ref = summary_["manifest_ref"];
    std::string path = ref.substr(std::string("file://").size());
    CliResult r = snap_->RunRaw(
        {"--current-url", snap_->root, "--ref", path, "--value-encoding", "utf8", "get", "8"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.Json()["value"], "name-8");
    return;
  }
  // Endpoint and keys from a credentials.toml profile instead of flags and environment.
  snap_->env().erase("AWS_ACCESS_KEY_ID");
  snap_->env().erase("AWS_SECRET_ACCESS_KEY");
  std::string creds = snap_->dir() + "/creds.toml";
  testing::WriteFile(creds, "[moto]\nendpoint_url = \"" + snap_->endpoint +
                                "\"\nregion = \"us-east-1\"\naccess_key_id = \"testing\"\n"
                                "secret_access_key = \"testing\"\naddressing_style = \"path\"\n"
                                "max_attempts = 2\n");
  CliResult r = snap_->RunRaw({"--credentials", creds, "--profile", "moto", "--current-url",
                               snap_->current_url(), "--value-encoding", "utf8", "get", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_EQ(r.Json()["value"], "name-8");
  // No credentials anywhere: a one-line failure, not a crash.
  CliResult none = snap_->RunRaw({"--s3-option", "endpoint_url=" + snap_->endpoint, "--current-url",
                                  snap_->current_url(), "get", "8"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.ErrLines().size(), 1u) << none.err;
}

INSTANTIATE_TEST_SUITE_P(Stores, CliLookup, ::testing::ValuesIn(testing::SnapshotKinds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shardyfusion
