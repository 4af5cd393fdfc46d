// The shardy REPL driven through a pseudo-terminal (forkpty), with bounded reads.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>

#include <thread>

#include "cli_harness.h"

namespace shardyfusion {
namespace {

using testing::CliSnapshot;

class PtySession {
 public:
  PtySession(const std::vector<std::string>& args, const std::string& cwd,
             const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv_s{testing::CliPath()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s = testing::ChildEnv(env);
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    termios tio{};
    cfmakeraw(&tio);
    tio.c_lflag |= ICANON;  // line input like a terminal, no echo
    tio.c_iflag |= ICRNL;
    tio.c_oflag |= OPOST | ONLCR;
    tio.c_cc[VEOF] = 4;
    tio.c_cc[VMIN] = 1;
    pid_ = forkpty(&master_, nullptr, &tio, nullptr);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) {
      if (chdir(cwd.c_str()) != 0) _exit(126);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }

  ~PtySession() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }

  // Reads until `marker` appears in the new output (or the timeout); returns what came.
  std::string ReadUntil(const std::string& marker,
                        std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(marker) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fd{master_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(master_, buf, sizeof buf);
      if (n <= 0) break;  // EIO once the child is gone
      buffer_.append(buf, static_cast<size_t>(n));
    }
    size_t at = buffer_.find(marker);
    std::string out = at == std::string::npos ? buffer_ : buffer_.substr(0, at + marker.size());
    buffer_ = at == std::string::npos ? "" : buffer_.substr(at + marker.size());
    return out;
  }

  void Send(const std::string& text) {
    ASSERT_EQ(write(master_, text.data(), text.size()), ssize_t(text.size()));
  }

  // Exit status, waiting at most `timeout`.
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      ReadUntil("\x01never", std::chrono::seconds(0));  // drain so the child never blocks
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::string buffer_;
};

class CliRepl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::CliPath().empty()) GTEST_SKIP() << "shardy was not built";
    snap_ = CliSnapshot::Make("local");
    first_ = snap_->Build(snap_->WriteJsonl("v1.jsonl", 10, "old"), 2, {"--run-id", "first"});
    second_ = snap_->Build(snap_->WriteJsonl("v2.jsonl", 10, "new"), 2, {"--run-id", "second"});
  }

  std::unique_ptr<PtySession> Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--current-url",         snap_->current_url(), "--local-root",
                                  snap_->dir() + "/cache", "--value-encoding",   "utf8"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<PtySession>(args, snap_->dir(), snap_->env());
  }

  std::unique_ptr<CliSnapshot> snap_;
  nlohmann::json first_, second_;
};

TEST_F(CliRepl, BannerLookupsPinningAndQuit) {
  auto pty = Start();
  std::string banner = pty->ReadUntil("shardy> ");
  EXPECT_NE(banner.find("run_id=second"), std::string::npos) << banner;
  EXPECT_NE(banner.find("2 shards"), std::string::npos) << banner;
  EXPECT_NE(banner.find("hash sharding"), std::string::npos) << banner;

  pty->Send("get 3\n");
  std::string got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("\"value\": \"new-3\""), std::string::npos) << got;  // pretty json in the REPL

  pty->Send("multiget 1 99\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("new-1"), std::string::npos) << got;
  EXPECT_NE(got.find("\"found\": false"), std::string::npos) << got;

  pty->Send("history\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("\"offset\": 1"), std::string::npos) << got;

  auto before = snap_->Current();
  pty->Send("use --offset 1\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("first"), std::string::npos) << got;
  pty->Send("get 3\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("old-3"), std::string::npos) << got;
  EXPECT_EQ(snap_->Current(), before);  // a session pin never writes _CURRENT

  pty->Send("refresh\n");  // drops the pin
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("\"changed\": true"), std::string::npos) << got;
  pty->Send("get 3\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("new-3"), std::string::npos) << got;

  pty->Send("get abc\n");  // errors are reported and the session goes on
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("\"error\""), std::string::npos) << got;
  pty->Send("nonsense\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("unknown command"), std::string::npos) << got;

  pty->Send("route 3\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("\"db_id\""), std::string::npos) << got;
  pty->Send("health\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("healthy"), std::string::npos) << got;

  pty->Send("quit\n");
  EXPECT_EQ(pty->Wait(), 0);
}

TEST_F(CliRepl, EndOfInputExitsAndPinFlagApplies) {
  auto pty = Start({"--output-format", "text", "--offset", "1"});
  std::string banner = pty->ReadUntil("shardy> ");
  EXPECT_NE(banner.find("run_id=first"), std::string::npos) << banner;
  pty->Send("get 2\n");
  std::string got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("2=old-2"), std::string::npos) << got;
  pty->Send("use --latest\n");
  pty->ReadUntil("shardy> ");
  pty->Send("get 2\n");
  got = pty->ReadUntil("shardy> ");
  EXPECT_NE(got.find("2=new-2"), std::string::npos) << got;
  pty->Send("\x04");  // Ctrl-D
  EXPECT_EQ(pty->Wait(), 0);
}

}  // namespace
}  // namespace shardyfusion
