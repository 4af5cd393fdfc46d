#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "shardyfusion/observability.h"

namespace shardyfusion {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { ConfigureLogging({}); }

  // Runs `body` with stderr captured and returns what it printed.
  template <typename F>
  static std::string Captured(F&& body) {
    ::testing::internal::CaptureStderr();
    body();
    return ::testing::internal::GetCapturedStderr();
  }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
};

TEST_F(LoggingTest, TextLineHasTimestampLevelLoggerEventAndFields) {
  ConfigureLogging({LogLevel::kInfo, false});
  std::string out = Captured([] {
    LogEvent(LogLevel::kInfo, "write_started", {{"run_id", "abc"}, {"note", "two words"}});
  });
  std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z INFO shardyfusion write_started )"
                  R"(note="two words" run_id=abc\n)");
  EXPECT_TRUE(std::regex_match(out, line)) << out;
}

TEST_F(LoggingTest, LevelFiltering) {
  ConfigureLogging({LogLevel::kWarning, false});
  std::string out = Captured([] {
    LogEvent(LogLevel::kDebug, "hidden_debug");
    LogEvent(LogLevel::kInfo, "hidden_info");
    LogEvent(LogLevel::kWarning, "shown_warning");
    LogEvent(LogLevel::kCritical, "shown_critical");
  });
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_NE(lines[0].find(" WARNING shardyfusion shown_warning"), std::string::npos);
  EXPECT_NE(lines[1].find(" CRITICAL shardyfusion shown_critical"), std::string::npos);
}

TEST_F(LoggingTest, JsonLinesAreFlatObjects) {
  ConfigureLogging({LogLevel::kDebug, true});
  std::string out = Captured([] {
    LogEvent(LogLevel::kError, "shard_write_failed",
             {{"db_id", "3"}, {"error", "line1\n\"quoted\""}, {"event", "clash"}});
  });
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["level"], "ERROR");
  EXPECT_EQ(j["logger"], "shardyfusion");
  EXPECT_EQ(j["event"], "shard_write_failed");
  EXPECT_EQ(j["db_id"], "3");
  EXPECT_EQ(j["error"], "line1\n\"quoted\"");
  EXPECT_EQ(j["field_event"], "clash");  // a field never replaces a standard key
  EXPECT_TRUE(std::regex_match(j["ts"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
}

TEST_F(LoggingTest, ScopedContextsNestOverrideAndRestore) {
  ConfigureLogging({LogLevel::kInfo, true});
  std::string out = Captured([] {
    ScopedLogContext outer({{"run_id", "r1"}, {"writer_type", "cpp"}});
    {
      ScopedLogContext inner({{"run_id", "r2"}, {"db_id", "7"}});
      EXPECT_EQ(ScopedLogContext::Current(),
                (LogFields{{"run_id", "r2"}, {"writer_type", "cpp"}, {"db_id", "7"}}));
      LogEvent(LogLevel::kInfo, "inner");
      LogEvent(LogLevel::kInfo, "explicit", {{"run_id", "r3"}});  // call fields win
    }
    LogEvent(LogLevel::kInfo, "outer");
    // Contexts are per thread: a new thread starts empty unless handed Current().
    std::thread([] { EXPECT_TRUE(ScopedLogContext::Current().empty()); }).join();
    LogFields handed = ScopedLogContext::Current();
    std::thread([handed] {
      ScopedLogContext inherited(handed);
      EXPECT_EQ(ScopedLogContext::Current().at("run_id"), "r1");
    }).join();
  });
  EXPECT_TRUE(ScopedLogContext::Current().empty());
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  auto inner = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(inner["run_id"], "r2");
  EXPECT_EQ(inner["db_id"], "7");
  EXPECT_EQ(inner["writer_type"], "cpp");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["run_id"], "r3");
  auto outer = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(outer["run_id"], "r1");
  EXPECT_FALSE(outer.contains("db_id"));
}

TEST_F(LoggingTest, ConcurrentLinesNeverInterleave) {
  ConfigureLogging({LogLevel::kInfo, true});
  std::string out = Captured([] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([t] {
        for (int i = 0; i < 200; ++i)
          LogEvent(LogLevel::kInfo, "tick",
                   {{"thread", std::to_string(t)}, {"pad", std::string(200, 'x')}});
      });
    for (auto& t : threads) t.join();
  });
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 800u);
  for (const auto& line : lines) ASSERT_EQ(nlohmann::json::parse(line)["event"], "tick") << line;
}

// Environment defaults apply only when ConfigureLogging was never called, so this runs in
// a freshly exec'd process (death-test machinery) where logging is still unconfigured.
TEST(LoggingEnvTest, EnvironmentSetsDefaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("SHARDY_LOG_LEVEL", "debug", 1);
        ::setenv("SHARDY_LOG_JSON", "1", 1);
        LogEvent(LogLevel::kDebug, "env_probe", {{"k", "v"}});
        std::exit(0);
      },
      ::testing::ExitedWithCode(0),
      R"(\{"ts":"[^"]+","level":"DEBUG","logger":"shardyfusion","event":"env_probe","k":"v"\})");
}

}  // namespace
}  // namespace shardyfusion
