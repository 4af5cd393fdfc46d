// Bad input to shardy: every failure is one line on stderr (JSON in json/jsonl output,
// "error: ..." otherwise), a non-zero exit code (1 command failure, 2 usage), and never a
// crash or a stack trace.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli_harness.h"

namespace shardyfusion {
namespace {

using testing::CliResult;
using testing::CliSnapshot;

class CliErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::CliPath().empty()) GTEST_SKIP() << "shardy was not built";
    snap_ = CliSnapshot::Make("local");
  }

  void BuildSmall() { snap_->Build(snap_->WriteJsonl("rows.jsonl", 10, "v"), 2); }

  // Exactly one error line; JSON with "op" and "error" unless `text`.
  static void ExpectOneErrorLine(const CliResult& r, int code, bool text = false) {
    EXPECT_EQ(r.exit_code, code) << r.err;
    auto lines = r.ErrorLines();
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos);
    if (text) {
      EXPECT_EQ(lines[0].rfind("error: ", 0), 0u) << lines[0];
    } else {
      auto j = nlohmann::json::parse(lines[0]);
      EXPECT_TRUE(j.contains("op")) << lines[0];
      EXPECT_TRUE(j.contains("error")) << lines[0];
    }
  }

  // A loopback port nobody listens on.
  static int ClosedPort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    close(fd);
    return port;
  }

  std::unique_ptr<CliSnapshot> snap_;
};

TEST_F(CliErrors, HelpAndVersion) {
  CliResult help = snap_->RunRaw({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"get", "multiget", "route", "info", "shards", "health", "history",
                          "rollback", "cleanup", "exec", "build"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
    CliResult sub = snap_->RunRaw({cmd, "--help"});
    EXPECT_EQ(sub.exit_code, 0) << cmd;
    EXPECT_NE(sub.out.find("Example"), std::string::npos) << cmd;
  }
  CliResult version = snap_->RunRaw({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("shardy ", 0), 0u);
}

TEST_F(CliErrors, UnknownCommandAndFlag) {
  ExpectOneErrorLine(snap_->RunRaw({"frobnicate"}), 2);
  ExpectOneErrorLine(snap_->RunRaw({"get", "1", "--bogus"}), 2);
  ExpectOneErrorLine(snap_->RunRaw({"--output-format", "xml", "info"}), 2);
  ExpectOneErrorLine(snap_->RunRaw({"--output-format", "text", "frobnicate"}), 2, /*text=*/true);
  ExpectOneErrorLine(snap_->RunRaw({"get"}), 2);  // missing KEY
}

TEST_F(CliErrors, NoCommandWithoutTerminalPrintsHelp) {
  CliResult r = snap_->RunRaw({"--current-url", snap_->current_url()}, "get 1\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Usage"), std::string::npos);
}

TEST_F(CliErrors, BadKeyForTheEncoding) {
  BuildSmall();
  CliResult r = snap_->Run({"get", "abc"});
  ExpectOneErrorLine(r, 1);
  auto j = nlohmann::json::parse(r.ErrorLines()[0]);
  EXPECT_EQ(j["op"], "get");
  EXPECT_EQ(j["key"], "abc");
  EXPECT_NE(j["error"].get<std::string>().find("u64be"), std::string::npos);
  ExpectOneErrorLine(snap_->Run({"--output-format", "text", "route", "--", "-1"}), 1, true);
  ExpectOneErrorLine(snap_->Run({"multiget", "1", "x"}), 1);
  ExpectOneErrorLine(snap_->Run({"get", "1", "--routing-context", "novalue"}), 2);
}

TEST_F(CliErrors, MissingSnapshotConfigAndCredentials) {
  ExpectOneErrorLine(snap_->Run({"info"}), 1);     // no _CURRENT yet
  ExpectOneErrorLine(snap_->RunRaw({"info"}), 2);  // no URL anywhere
  ExpectOneErrorLine(snap_->Run({"--config", snap_->dir() + "/missing.toml", "info"}), 2);
  snap_->env()["SHARDY_CONFIG"] = snap_->dir() + "/also-missing.toml";
  ExpectOneErrorLine(snap_->Run({"info"}), 2);
  snap_->env().erase("SHARDY_CONFIG");

  std::string bad_toml = snap_->dir() + "/bad.toml";
  testing::WriteFile(bad_toml, "[reader\ncurrent_url = 1\n");
  ExpectOneErrorLine(snap_->Run({"--config", bad_toml, "info"}), 2);
  std::string wrong_type = snap_->dir() + "/wrong.toml";
  testing::WriteFile(wrong_type, "[reader]\nmax_workers = \"four\"\n");
  ExpectOneErrorLine(snap_->Run({"--config", wrong_type, "info"}), 2);

  BuildSmall();
  std::string creds = snap_->dir() + "/credentials.toml";
  testing::WriteFile(creds, "[default]\nregion = \"us-east-1\"\n", 0644);
  CliResult warned = snap_->Run({"--credentials", creds, "info"});
  EXPECT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_NE(warned.err.find("warning: credentials file"), std::string::npos);
  testing::WriteFile(creds, "[default]\nregion = \"us-east-1\"\n", 0600);
  CliResult quiet = snap_->Run({"--credentials", creds, "info"});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
  ExpectOneErrorLine(snap_->Run({"--credentials", creds, "--profile", "prod", "info"}), 2);
  ExpectOneErrorLine(snap_->Run({"--s3-option", "colour=blue", "info"}), 2);
  ExpectOneErrorLine(snap_->Run({"--s3-option", "max_attempts=lots", "info"}), 2);
}

// toml++ 3.3.0 has undefined behaviour on some non-ASCII input (upstream #295): the loader
// checks the text first.  Invalid UTF-8 and non-ASCII outside strings are a usage error
// naming the file and the byte offset; non-ASCII inside strings and comments is fine.
TEST_F(CliErrors, NonAsciiConfigBytesAreCheckedBeforeTheTomlParser) {
  BuildSmall();
  std::string path = snap_->dir() + "/reader.toml";
  testing::WriteFile(path, "[reader]\nlocal_root = \"\xff\"\n");
  CliResult bad_utf8 = snap_->Run({"--config", path, "info"});
  ExpectOneErrorLine(bad_utf8, 2);
  EXPECT_NE(bad_utf8.err.find("byte offset 23"), std::string::npos) << bad_utf8.err;
  EXPECT_NE(bad_utf8.err.find("not valid UTF-8"), std::string::npos) << bad_utf8.err;
  EXPECT_NE(bad_utf8.err.find("reader.toml"), std::string::npos) << bad_utf8.err;

  testing::WriteFile(path, "[reader\xc7\xbc]\n");  // the fuzzer's reproducer, shortened
  CliResult key = snap_->Run({"--config", path, "info"});
  ExpectOneErrorLine(key, 2);
  EXPECT_NE(key.err.find("byte offset 7"), std::string::npos) << key.err;

  // toml++ asserted on this in Debug builds (the CLI aborted): now the parser's error.
  testing::WriteFile(path, "[{\n");
  CliResult header = snap_->Run({"--config", path, "info"});
  ExpectOneErrorLine(header, 2);
  EXPECT_NE(header.err.find("invalid TOML"), std::string::npos) << header.err;

  testing::WriteFile(path, "# caf\xc3\xa9 \xe2\x80\x94 Z\xc3\xbcrich\n[reader]\nmax_workers = 2 # \xc7\xbc\n");
  CliResult fine = snap_->Run({"--config", path, "info"});
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
}

TEST_F(CliErrors, UnreachableEndpoint) {
  std::string endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort());
  snap_->env()["AWS_ACCESS_KEY_ID"] = "testing";
  snap_->env()["AWS_SECRET_ACCESS_KEY"] = "testing";
  auto start = std::chrono::steady_clock::now();
  CliResult r =
      snap_->RunRaw({"--current-url", "s3://nowhere/snap/_CURRENT", "--s3-option",
                     "endpoint_url=" + endpoint, "--s3-option", "max_attempts=1", "--s3-option",
                     "connect_timeout=1", "--s3-option", "read_timeout=1", "info"});
  ExpectOneErrorLine(r, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  CliResult health =
      snap_->RunRaw({"--current-url", "s3://nowhere/snap/_CURRENT", "--s3-option",
                     "endpoint_url=" + endpoint, "--s3-option", "max_attempts=1", "health"});
  ExpectOneErrorLine(health, 2);  // unhealthy
}

TEST_F(CliErrors, BadBuildInput) {
  std::string rows = snap_->dir() + "/rows.jsonl";
  testing::WriteFile(rows, "{\"id\": 1, \"v\": \"a\"}\n{\"id\": \"two\", \"v\": \"b\"}\n");
  CliResult r = snap_->Run(
      {"build", "--input", rows, "--key-field", "id", "--num-dbs", "2", "--prefix", snap_->root},
      "", false);
  ExpectOneErrorLine(r, 1);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_FALSE(snap_->Current());  // nothing published

  ExpectOneErrorLine(snap_->Run({"build", "--input", "-", "--format", "jsonl", "--key-field", "id",
                                 "--max-keys-per-shard", "5", "--prefix", snap_->root},
                                "{\"id\": 1}\n", false),
                     2);
  ExpectOneErrorLine(
      snap_->Run({"build", "--input", rows, "--key-field", "id", "--prefix", snap_->root}, "",
                 false),
      2);
  ExpectOneErrorLine(snap_->Run({"build", "--input", snap_->dir() + "/none.jsonl", "--key-field",
                                 "id", "--num-dbs", "1", "--prefix", snap_->root},
                                "", false),
                     2);
  ExpectOneErrorLine(snap_->Run({"build", "--input", rows, "--key-field", "nope", "--num-dbs", "1",
                                 "--prefix", snap_->root},
                                "", false),
                     1);
}

TEST_F(CliErrors, BuildFromCsvStdinAndMaxKeys) {
  std::string csv = snap_->dir() + "/rows.csv";
  testing::WriteFile(
      csv, "user,name,note\n1,alice,\"hello, world\"\n2,bob,\"multi\nline\"\n3,carol,plain\n");
  CliResult built = snap_->Run({"--output-format", "json", "build", "--input", csv, "--key-field",
                                "user", "--max-keys-per-shard", "2", "--prefix", snap_->root},
                               "", false);
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(built.Json()["num_dbs"], 2);  // ceil(3 / 2)
  EXPECT_EQ(built.Json()["rows"], 3);
  EXPECT_EQ(built.Json()["key_encoding"], "u64be");
  CliResult whole = snap_->Run({"--value-encoding", "utf8", "get", "2"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(whole.Json()["value"], "{\"name\":\"bob\",\"note\":\"multi\\nline\",\"user\":\"2\"}");

  CliResult tsv = snap_->Run({"build", "--input", "-", "--format", "tsv", "--key-field", "k",
                              "--value-field", "v", "--num-dbs", "3", "--prefix", snap_->root},
                             "k\tv\nalpha\tA\nbeta\tB\n", false);
  ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
  EXPECT_EQ(tsv.Json()["key_encoding"], "utf8");
  CliResult get =
      snap_->Run({"--output-format", "text", "--value-encoding", "utf8", "get", "beta"});
  EXPECT_EQ(get.out, "beta=B\n");
}

}  // namespace
}  // namespace shardyfusion
