// A real moto S3 server on loopback for integration tests.
//
// MotoServer starts `moto_server -H 127.0.0.1 -p <free port>` as a child process, waits
// (bounded) until it answers HTTP, and stops it (SIGTERM, then SIGKILL) when destroyed.
// The child also dies with the test process (PR_SET_PDEATHSIG), so no server outlives a
// crashed test run.  (PDEATHSIG follows the creating *thread*: create it from a thread
// that lives as long as the server, e.g. the test main thread.)  Not thread-safe to
// construct/destroy; endpoint() may be read anywhere.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "shardyfusion/object_store.h"
#include "shardyfusion/s3_options.h"

namespace shardyfusion::testing {

class MotoServer {
 public:
  // Throws std::runtime_error (with the log's tail) if moto_server is missing, exits, or
  // does not answer within ~30 s.
  MotoServer();
  ~MotoServer();
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:<port>"
  const std::string& log_path() const { return log_path_; }

  // A server someone else started and stops (scripts/test.sh shares one across all test
  // processes through SHARDY_TEST_MOTO_ENDPOINT instead of one per process).
  static std::unique_ptr<MotoServer> External(std::string endpoint);

 private:
  struct ExternalTag {};
  MotoServer(ExternalTag, std::string endpoint) : endpoint_(std::move(endpoint)) {}
  void Stop();

  pid_t pid_ = -1;
  pid_t owner_pid_ = -1;  // a forked child of the test must not stop its parent's server
  std::string endpoint_;
  std::string log_path_;
};

// True when SHARDY_TEST_MOTO_ENDPOINT is set or `moto_server` is on PATH.
bool MotoServerAvailable();

// The server at SHARDY_TEST_MOTO_ENDPOINT when that is set; otherwise one server per test
// process, started on first use and stopped at exit.
MotoServer& SharedMotoServer();

// Options for `server`: its endpoint, fake credentials, and quick retries.
S3Options MotoS3Options(const MotoServer& server);

// Creates a new, uniquely named bucket on `server` with a plain signed PUT and returns its
// name ("sf-<tag>-<pid>-<n>-<random>": unique even when a shared server outlives a pid).
std::string CreateBucket(const MotoServer& server, const std::string& tag = "test");

// An S3 store over a fresh bucket of the shared server; nullptr when moto is unavailable
// (the conformance factory contract).
std::shared_ptr<ObjectStore> MakeS3StoreOnFreshBucket();

}  // namespace shardyfusion::testing
