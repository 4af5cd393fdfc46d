// Helpers for the CLI tests: run the real `shardy` binary as a subprocess (bounded time,
// isolated cwd/HOME/config), and a snapshot root on a local directory or on moto S3.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "shardyfusion/object_store.h"
#include "shardyfusion/s3_options.h"
#include "shardyfusion/store_resolver.h"
#include "support/moto_server.h"
#include "support/test_util.h"

#ifndef SHARDY_CLI_PATH
#define SHARDY_CLI_PATH ""
#endif

extern char** environ;

namespace shardyfusion::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;

  std::vector<std::string> ErrLines() const { return Lines(err); }
  std::vector<std::string> OutLines() const { return Lines(out); }
  nlohmann::json Json() const { return nlohmann::json::parse(out); }
  // stderr without warning lines (e.g. the credentials permission warning).
  std::vector<std::string> ErrorLines() const {
    std::vector<std::string> out;
    for (auto& l : Lines(err))
      if (l.rfind("warning:", 0) != 0) out.push_back(l);
    return out;
  }
  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }
};

inline std::string CliPath() { return SHARDY_CLI_PATH; }

// Environment of the child: ours minus SHARDY_*/AWS_*/S3_* variables, plus `env`.
inline std::vector<std::string> ChildEnv(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("SHARDY_", 0) == 0 || kv.rfind("AWS_", 0) == 0 || kv.rfind("S3_", 0) == 0)
      continue;
    std::string name = kv.substr(0, kv.find('='));
    if (env.count(name)) continue;
    out.push_back(kv);
  }
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Runs shardy with `args` in `cwd`, feeding `stdin_data`; kills it after `timeout`.
inline CliResult RunShardy(const std::vector<std::string>& args, const std::string& cwd,
                           const std::map<std::string, std::string>& env,
                           const std::string& stdin_data = "",
                           std::chrono::seconds timeout = std::chrono::seconds(120)) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<std::string> argv_s{CliPath()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = ChildEnv(env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      close(fd);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  if (stdin_data.empty()) {
    close(in_pipe[1]);
    in_pipe[1] = -1;
  } else {
    fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  }
  CliResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {out_pipe[0], POLLIN, 0};
    if (err_open) fds[n++] = {err_pipe[0], POLLIN, 0};
    if (in_pipe[1] >= 0) fds[n++] = {in_pipe[1], POLLOUT, 0};
    if (poll(fds, n, static_cast<int>(std::min<int64_t>(left.count(), 1000))) < 0) continue;
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in_pipe[1]) {
        ssize_t w = write(in_pipe[1], stdin_data.data() + written, stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == stdin_data.size()) {
          close(in_pipe[1]);
          in_pipe[1] = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      std::string& sink = fds[i].fd == out_pipe[0] ? result.out : result.err;
      if (r > 0) {
        sink.append(buf, static_cast<size_t>(r));
      } else {
        (fds[i].fd == out_pipe[0] ? out_open : err_open) = false;
      }
    }
  }
  if (in_pipe[1] >= 0) close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

inline void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  chmod(path.c_str(), mode);
}

inline std::string Base64(const std::string& s) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    for (int sh : {18, 12, 6, 0}) out += k[(n >> sh) & 63];
  }
  if (i < s.size()) {
    uint32_t n = uint8_t(s[i]) << 16;
    if (i + 1 < s.size()) n |= uint8_t(s[i + 1]) << 8;
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += i + 1 < s.size() ? k[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// A snapshot root for the CLI: a local directory or a fresh moto bucket.
class CliSnapshot {
 public:
  // nullptr when the kind cannot run here (no moto_server).
  static std::unique_ptr<CliSnapshot> Make(const std::string& kind) {
    auto s = std::unique_ptr<CliSnapshot>(new CliSnapshot());
    s->kind = kind;
    s->env_["HOME"] = s->work_.path() + "/home";
    std::filesystem::create_directories(s->work_.path() + "/home");
    std::filesystem::create_directories(s->work_.path() + "/cache");
    if (kind == "local") {
      s->root = s->work_.path() + "/snap";
      s->resolver = std::make_shared<StoreResolver>();
    } else {
      if (!MotoServerAvailable()) return nullptr;
      MotoServer& server = SharedMotoServer();
      S3Options options = MotoS3Options(server);
      s->root = "s3://" + CreateBucket(server, "cli") + "/snap";
      s->resolver = std::make_shared<StoreResolver>(options);
      s->endpoint = server.endpoint();
      s->s3_args_ = {"--s3-option", "endpoint_url=" + server.endpoint(),
                     "--s3-option", "region=us-east-1",
                     "--s3-option", "max_attempts=3"};
      s->env_["AWS_ACCESS_KEY_ID"] = "testing";
      s->env_["AWS_SECRET_ACCESS_KEY"] = "testing";
    }
    return s;
  }

  std::string kind;
  std::string root;  // snapshot root as given to the CLI
  std::string endpoint;
  std::shared_ptr<StoreResolver> resolver;  // library-side view of the same storage

  const std::string& dir() const { return work_.path(); }
  std::string current_url() const { return root + "/_CURRENT"; }
  std::map<std::string, std::string>& env() { return env_; }

  // shardy <S3 flags> --local-root <cache> <args>; `with_current` adds --current-url.
  CliResult Run(const std::vector<std::string>& args, const std::string& stdin_data = "",
                bool with_current = true) {
    std::vector<std::string> full = s3_args_;
    full.push_back("--local-root");
    full.push_back(work_.path() + "/cache");
    if (with_current) {
      full.push_back("--current-url");
      full.push_back(current_url());
    }
    full.insert(full.end(), args.begin(), args.end());
    return RunShardy(full, work_.path(), env_, stdin_data);
  }
  CliResult RunRaw(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    return RunShardy(args, work_.path(), env_, stdin_data);
  }
  const std::vector<std::string>& s3_args() const { return s3_args_; }

  // Writes rows {"id": i, "name": "<prefix>-i", "group": "g<i%3>"} for i in [0, n).
  std::string WriteJsonl(const std::string& name, int n, const std::string& prefix) {
    std::string path = work_.path() + "/" + name;
    std::ofstream out(path);
    for (int i = 0; i < n; ++i)
      out << "{\"id\": " << i << ", \"name\": \"" << prefix << "-" << i << "\", \"group\": \"g"
          << i % 3 << "\"}\n";
    return path;
  }

  // Builds a snapshot with the CLI; returns the parsed summary.
  nlohmann::json Build(const std::string& input, int num_dbs,
                       const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--output-format",
                                  "json",
                                  "build",
                                  "--input",
                                  input,
                                  "--key-field",
                                  "id",
                                  "--value-field",
                                  "name",
                                  "--num-dbs",
                                  std::to_string(num_dbs),
                                  "--prefix",
                                  root};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = Run(args, "", false);
    if (r.exit_code != 0) throw std::runtime_error("build failed: " + r.err);
    return r.Json();
  }

  // The object store and key of `url`.
  StoreResolver::Resolved Resolve(const std::string& url) { return resolver->Resolve(url); }
  std::optional<std::string> Current() {
    auto r = Resolve(current_url());
    return r.store->Get(r.key);
  }

 private:
  CliSnapshot() = default;
  TempDir work_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> s3_args_;
};

inline std::vector<std::string> SnapshotKinds() { return {"local", "s3"}; }

}  // namespace shardyfusion::testing
