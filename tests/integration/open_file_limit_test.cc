// A reader in download mode keeps one SQLite file open per shard, and a refresh holds two
// snapshots at once: 300 shards need more than a soft limit of 256 open files.  Each case
// runs in a forked child (a death test) because it changes the process's RLIMIT_NOFILE.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/fd_limit.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

constexpr uint32_t kShards = 300;
constexpr int kRows = 8 * kShards;

class OpenFileLimit : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = testing::MakeSnapshotEnv("local");
    testing::PublishIntRows(*env_, kRows, "v", kShards, "", WriteOptions{1, 16 << 20, std::nullopt});
  }

  ReaderOptions DownloadOptions() const {
    ReaderOptions options;
    options.s3_prefix = env_->root_url;
    options.resolver = env_->resolver;
    options.local_root = env_->scratch->path() + "/cache";
    options.sqlite_mode = SqliteReadMode::kDownload;
    return options;
  }

  std::unique_ptr<testing::SnapshotEnv> env_;
};

// Sets RLIMIT_NOFILE in this (child) process or exits with a message.
void SetLimit(rlim_t soft, rlim_t hard) {
  rlimit lim{soft, hard};
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    std::fprintf(stderr, "setrlimit failed: %s\n", std::strerror(errno));
    std::_Exit(2);
  }
}

TEST_F(OpenFileLimit, ReaderRaisesTheSoftLimitTowardTheHardOne) {
  const rlim_t hard = fd_limit::Current().hard;
  if (hard < 4 * kShards) GTEST_SKIP() << "hard open-file limit " << hard << " is below the test's need";
  const ReaderOptions options = DownloadOptions();
  EXPECT_EXIT(
      {
        SetLimit(256, hard);
        ConcurrentShardedReader reader(options);
        reader.Refresh();
        bool ok = reader.Get(Key::Int(kRows - 1)) == "v" + std::to_string(kRows - 1);
        std::fprintf(stderr, "soft limit now %llu\n", static_cast<unsigned long long>(fd_limit::Current().soft));
        std::_Exit(ok && fd_limit::Current().soft >= 2 * kShards ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "soft limit now");
}

TEST_F(OpenFileLimit, TooLowAHardLimitGivesAnErrorThatSaysWhatToRaise) {
  const ReaderOptions options = DownloadOptions();
  EXPECT_EXIT(
      {
        SetLimit(64, 64);
        try {
          ConcurrentShardedReader reader(options);
          std::fprintf(stderr, "opened 300 shards with 64 files\n");
          std::_Exit(1);
        } catch (const ShardyfusionError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::_Exit(0);
        }
      },
      ::testing::ExitedWithCode(0), "Too many open files.*ulimit -n");
}

}  // namespace
}  // namespace shardyfusion
