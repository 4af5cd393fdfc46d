// Regressions found while fuzzing the names around manifests (fuzz/manifest_names_fuzz.cc).
// These inputs come from the store: db_path_template and db_url from a downloaded manifest
// (cleanup formats and parses them), refs from `_CURRENT`, directory names from listings.
#include <gtest/gtest.h>

#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {
namespace {

TEST(FormatDbPathRegression, WidthTooLargeForStoulIsAConfigError) {
  // Used to escape as std::out_of_range("stoul").
  EXPECT_THROW(FormatDbPath("db={db_id:99999999999999999999999d}", 1), ConfigValidationError);
  EXPECT_THROW(FormatDbPath("db={db_id:0999999999999999999999999999}", 1), ConfigValidationError);
}

TEST(FormatDbPathRegression, HugeWidthIsAConfigErrorNotAnAllocation) {
  // Used to try to allocate ~100 GB (ASan: allocator is out of memory).
  try {
    FormatDbPath("db={db_id:99999999999d}", 1);
    FAIL() << "accepted a 99999999999-column width";
  } catch (const ConfigValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("width"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FormatDbPath("{db_id:1025}", 0), ConfigValidationError);
}

TEST(FormatDbPathRegression, ReasonableWidthsStillWork) {
  EXPECT_EQ(FormatDbPath("db={db_id:05d}", 7), "db=00007");
  EXPECT_EQ(FormatDbPath("{db_id:3}", 7), "  7");
  EXPECT_EQ(FormatDbPath("{db_id:1024}", 7).size(), 1024u);
  EXPECT_EQ(FormatDbPath("{db_id:0002d}", 123), "123");
}

// Runs `fn` on a thread with a 256 KiB stack, like a small worker thread: the old
// std::regex parsers recursed once per input character and overflowed it.
template <typename Fn>
void OnSmallStack(Fn fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  auto* task = new Fn(std::move(fn));
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* arg) -> void* {
                  std::unique_ptr<Fn> f(static_cast<Fn*>(arg));
                  (*f)();
                  return nullptr;
                },
                task),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(ManifestNamesRegression, LongDirNameDoesNotOverflowTheStack) {
  std::string run_id(1 << 20, 'a');
  std::optional<ManifestRef> parsed;
  OnSmallStack([&] { parsed = ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id=" + run_id + "/"); });
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->run_id, run_id);
  EXPECT_EQ(parsed->published_at, ParseIsoTime("2026-04-20T15:23:01.123456Z"));
}

TEST(ManifestNamesRegression, LongRefDoesNotOverflowTheStack) {
  std::string id(1 << 20, 'b');
  std::string found, repeated;
  OnSmallStack([&] {
    found = RunIdFromRef("s3://bucket/p/manifests/x_run_id=" + id + "/manifest");
    std::string many;
    for (int i = 0; i < 50000; ++i) many += "run_id=/";
    repeated = RunIdFromRef(many + "run_id=last");
  });
  EXPECT_EQ(found, id);
  EXPECT_EQ(repeated, "last");
}

TEST(ManifestNamesRegression, ScansKeepTheRegexSemantics) {
  EXPECT_FALSE(ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id="));
  EXPECT_FALSE(ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id=/"));
  EXPECT_FALSE(ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id=a//"));
  EXPECT_FALSE(ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id=a/b"));
  EXPECT_FALSE(ParseManifestDirName("2026-04-20T15:23:01.12345Z_run_id=a"));
  EXPECT_FALSE(ParseManifestDirName("2026-13-20T15:23:01.123456Z_run_id=a"));  // month 13
  EXPECT_FALSE(ParseManifestDirName("x2026-04-20T15:23:01.123456Z_run_id=a"));
  ASSERT_TRUE(ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id=a_b=c"));
  EXPECT_EQ(ParseManifestDirName("2026-04-20T15:23:01.123456Z_run_id=a_b=c")->run_id, "a_b=c");
  EXPECT_EQ(RunIdFromRef("s3://b/p/manifests/T_run_id=abc/manifest"), "abc");
  EXPECT_EQ(RunIdFromRef("run_id=/run_id=x/y"), "x");
  EXPECT_EQ(RunIdFromRef("no id here"), "");
  EXPECT_EQ(RunIdFromRef("ends with run_id="), "");
}

}  // namespace
}  // namespace shardyfusion
