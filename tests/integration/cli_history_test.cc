// shardy history / rollback / pinned reads (--ref, --offset) and exec scripts, against a
// local directory and moto S3.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_harness.h"

namespace shardyfusion {
namespace {

using testing::CliResult;
using testing::CliSnapshot;

class CliHistory : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (testing::CliPath().empty()) GTEST_SKIP() << "shardy was not built";
    snap_ = CliSnapshot::Make(GetParam());
    if (!snap_) GTEST_SKIP() << "no S3 server available";
    for (const char* version : {"v1", "v2", "v3"})
      builds_.push_back(
          snap_->Build(snap_->WriteJsonl(std::string(version) + ".jsonl", 20, version), 2,
                       {"--run-id", std::string("run-") + version}));
  }

  std::string Value(const std::vector<std::string>& pin, const std::string& key) {
    std::vector<std::string> args = pin;
    for (const char* a : {"--value-encoding", "utf8", "get"}) args.push_back(a);
    args.push_back(key);
    CliResult r = snap_->Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? r.Json()["value"].get<std::string>() : "";
  }

  std::unique_ptr<CliSnapshot> snap_;
  std::vector<nlohmann::json> builds_;
};

TEST_P(CliHistory, HistoryListsNewestFirstWithOffsets) {
  CliResult r = snap_->Run({"history"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = r.Json()["manifests"];
  ASSERT_EQ(m.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(m[i]["offset"], i);
    EXPECT_EQ(m[i]["ref"], builds_[2 - i]["manifest_ref"]);
    EXPECT_EQ(m[i]["run_id"], builds_[2 - i]["run_id"]);
  }
  EXPECT_EQ(m[0]["current"], true);
  EXPECT_EQ(m[1]["current"], false);
  CliResult limited = snap_->Run({"history", "--limit", "2"});
  EXPECT_EQ(limited.Json()["manifests"].size(), 2u);
  CliResult text = snap_->Run({"--output-format", "text", "history"});
  EXPECT_EQ(text.OutLines().size(), 3u);
  EXPECT_EQ(text.OutLines()[2].rfind("[2] ", 0), 0u);
  CliResult table = snap_->Run({"--output-format", "table", "history"});
  EXPECT_EQ(table.OutLines().size(), 5u);
}

TEST_P(CliHistory, PinnedReadsLeaveCurrentUntouched) {
  auto before = snap_->Current();
  ASSERT_TRUE(before);
  EXPECT_EQ(Value({}, "5"), "v3-5");
  EXPECT_EQ(Value({"--offset", "2"}, "5"), "v1-5");
  EXPECT_EQ(Value({"--offset", "1"}, "5"), "v2-5");
  EXPECT_EQ(Value({"--ref", builds_[0]["manifest_ref"].get<std::string>()}, "5"), "v1-5");
  CliResult info = snap_->Run({"--offset", "1", "info"});
  EXPECT_EQ(info.Json()["run_id"], "run-v2");
  EXPECT_EQ(snap_->Current(), before);  // byte for byte: never rewritten

  CliResult both = snap_->Run({"--ref", "x", "--offset", "1", "get", "5"});
  EXPECT_EQ(both.exit_code, 2);
  CliResult out_of_range = snap_->Run({"--offset", "9", "get", "5"});
  EXPECT_EQ(out_of_range.exit_code, 1);
  EXPECT_EQ(out_of_range.ErrLines().size(), 1u) << out_of_range.err;
}

TEST_P(CliHistory, RollbackByOffsetRunIdAndRef) {
  CliResult r = snap_->Run({"rollback", "--offset", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.Json()["ref"], builds_[0]["manifest_ref"]);
  EXPECT_EQ(r.Json()["previous_ref"], builds_[2]["manifest_ref"]);
  EXPECT_NE(snap_->Current()->find(builds_[0]["manifest_ref"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(Value({}, "5"), "v1-5");

  CliResult by_run = snap_->Run({"rollback", "--run-id", "run-v2"});
  ASSERT_EQ(by_run.exit_code, 0) << by_run.err;
  EXPECT_EQ(Value({}, "5"), "v2-5");

  // A ref relative to the root is completed (the reference wrote it verbatim: §9.11).
  std::string full = builds_[2]["manifest_ref"];
  std::string relative = full.substr(full.find("manifests/"));
  CliResult by_ref = snap_->Run({"--output-format", "text", "rollback", "--ref", relative});
  ASSERT_EQ(by_ref.exit_code, 0) << by_ref.err;
  EXPECT_EQ(by_ref.out, "Rolled back _CURRENT to: " + full + "\n");
  EXPECT_EQ(Value({}, "5"), "v3-5");

  EXPECT_EQ(snap_->Run({"rollback"}).exit_code, 2);
  EXPECT_EQ(snap_->Run({"rollback", "--offset", "1", "--run-id", "run-v1"}).exit_code, 2);
  CliResult unknown = snap_->Run({"rollback", "--run-id", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.ErrLines().size(), 1u);
  CliResult missing =
      snap_->Run({"rollback", "--ref", "manifests/2020-01-01T00:00:00.000000Z_run_id=x/manifest"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(Value({}, "5"), "v3-5");  // failed rollbacks change nothing
}

TEST_P(CliHistory, ExecStopAndContinue) {
  std::string stop = snap_->dir() + "/stop.yaml";
  testing::WriteFile(stop,
                     "on_error: stop\n"
                     "commands:\n"
                     "  - {op: get, key: 1}\n"
                     "  - {op: get, key: not-a-number}\n"
                     "  - {op: multiget, keys: [2, 3]}\n");
  CliResult r = snap_->Run({"--output-format", "json", "exec", "--script", stop});
  EXPECT_EQ(r.exit_code, 1);
  auto lines = r.OutLines();
  ASSERT_EQ(lines.size(), 2u) << r.out;  // json becomes jsonl in exec
  EXPECT_EQ(nlohmann::json::parse(lines[0])["found"], true);
  auto error = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(error["op"], "get");
  EXPECT_EQ(error["key"], "not-a-number");
  EXPECT_TRUE(error.contains("error"));

  std::string cont = snap_->dir() + "/continue.yaml";
  testing::WriteFile(cont,
                     "on_error: continue\n"
                     "commands:\n"
                     "  - {op: get, key: 1}\n"
                     "  - {op: bogus}\n"
                     "  - {op: multiget, keys: [2, 999]}\n"
                     "  - {op: route, key: 4}\n"
                     "  - {op: info}\n"
                     "  - {op: shards}\n"
                     "  - {op: health, staleness_threshold: 100000}\n"
                     "  - {op: history, limit: 2}\n"
                     "  - {op: refresh}\n");
  CliResult c = snap_->Run({"exec", "--script", cont});
  EXPECT_EQ(c.exit_code, 1);
  auto all = c.OutLines();
  ASSERT_EQ(all.size(), 9u) << c.out;
  EXPECT_EQ(nlohmann::json::parse(all[1])["op"], "bogus");
  EXPECT_EQ(nlohmann::json::parse(all[2])["results"][1]["found"], false);
  EXPECT_EQ(nlohmann::json::parse(all[7])["manifests"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(all[8])["changed"], false);

  std::string ok = snap_->dir() + "/ok.yaml";
  testing::WriteFile(ok, "commands:\n  - op: get\n    key: 2\n  - op: route\n    key: 2\n");
  std::string out_file = snap_->dir() + "/results.jsonl";
  CliResult good = snap_->Run({"exec", "--script", ok, "--output", out_file});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(good.out.empty());
  std::ifstream in(out_file);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(nlohmann::json::parse(first)["op"], "get");
  EXPECT_EQ(nlohmann::json::parse(second)["op"], "route");
}

TEST_P(CliHistory, MalformedScriptsAreRejectedUpFront) {
  const std::vector<std::pair<std::string, std::string>> scripts{
      {"list.yaml", "- {op: get, key: 1}\n"},     // the reference docs' shape
      {"nocmds.yaml", "on_error: stop\n"},        // no commands list
      {"badyaml.yaml", "commands: [unclosed\n"},  // not YAML
      {"badmode.yaml", "on_error: maybe\ncommands: []\n"}};
  for (const auto& [name, body] : scripts) {
    std::string path = snap_->dir() + "/" + name;
    testing::WriteFile(path, body);
    CliResult r = snap_->Run({"exec", "--script", path});
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_EQ(r.ErrLines().size(), 1u) << name << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << name;
  }
  CliResult missing = snap_->Run({"exec", "--script", snap_->dir() + "/none.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_P(CliHistory, ReusedRunIdIsRefused) {
  std::string input = snap_->WriteJsonl("again.jsonl", 5, "again");
  for (const char* run_id : {"run-v1", "bad/run"}) {
    CliResult r = snap_->Run({"build", "--input", input, "--key-field", "id", "--num-dbs", "2",
                              "--prefix", snap_->root, "--run-id", run_id},
                             "", false);
    EXPECT_EQ(r.exit_code, 2) << run_id;
    EXPECT_EQ(r.ErrLines().size(), 1u) << r.err;
  }
  EXPECT_EQ(Value({}, "5"), "v3-5");  // the snapshot of run-v1 was not touched either
  EXPECT_EQ(Value({"--offset", "2"}, "5"), "v1-5");
}

INSTANTIATE_TEST_SUITE_P(Stores, CliHistory, ::testing::ValuesIn(testing::SnapshotKinds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shardyfusion
