#include "support/moto_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "shardyfusion/errors.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_config.h"

namespace shardyfusion::testing {
namespace {

// Binding port 0 lets the kernel pick a free port; moto binds it right after.  The race
// with other processes is theoretical on a test machine.
int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot pick a free port");
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// One raw HTTP exchange; true when the server answered with a status line.
bool AnswersHttp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const char request[] = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, request, sizeof request - 1, MSG_NOSIGNAL) == sizeof request - 1) {
      char buffer[16] = {0};
      ok = recv(fd, buffer, sizeof buffer - 1, 0) > 5 && std::string(buffer).rfind("HTTP/", 0) == 0;
    }
  }
  close(fd);
  return ok;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

MotoServer::MotoServer() : owner_pid_(getpid()) {
  int port = PickFreePort();
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
  log_path_ = "/tmp/shardy-moto-" + std::to_string(getpid()) + "-" + std::to_string(port) + ".log";
  std::string port_text = std::to_string(port);
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork() failed starting moto_server");
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    execlp("moto_server", "moto_server", "-H", "127.0.0.1", "-p", port_text.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!AnswersHttp(port)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("moto_server exited before answering; log " + log_path_ + ":\n" +
                               Tail(log_path_));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Stop();
      throw std::runtime_error("moto_server did not answer on " + endpoint_ + " within 30 s; log " +
                               log_path_ + ":\n" + Tail(log_path_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::unique_ptr<MotoServer> MotoServer::External(std::string endpoint) {
  return std::unique_ptr<MotoServer>(new MotoServer(ExternalTag{}, std::move(endpoint)));
}

MotoServer::~MotoServer() {
  if (pid_ <= 0 || getpid() != owner_pid_) return;  // external, or a forked child's statics
  Stop();
  unlink(log_path_.c_str());  // a clean run's log is noise; failed starts report theirs
}

void MotoServer::Stop() {
  if (pid_ <= 0 || getpid() != owner_pid_) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {  // up to 5 s of grace
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

namespace {
const char* ExternalEndpoint() {
  const char* endpoint = std::getenv("SHARDY_TEST_MOTO_ENDPOINT");
  return endpoint && *endpoint ? endpoint : nullptr;
}
}  // namespace

bool MotoServerAvailable() {
  if (ExternalEndpoint()) return true;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/moto_server").c_str(), X_OK) == 0) return true;
  }
  return false;
}

MotoServer& SharedMotoServer() {
  // Intentionally a function-local static: started lazily, stopped by its destructor at
  // exit.  A failed start is remembered so later tests fail fast with the same message.
  static std::once_flag once;
  static std::unique_ptr<MotoServer> server;
  static std::string failure;
  std::call_once(once, [] {
    try {
      server = ExternalEndpoint() ? MotoServer::External(ExternalEndpoint()) : std::make_unique<MotoServer>();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  if (!server) throw std::runtime_error("shared moto server unavailable: " + failure);
  return *server;
}

S3Options MotoS3Options(const MotoServer& server) {
  S3Options options;
  options.endpoint_url = server.endpoint();
  options.region = "us-east-1";
  options.credentials = S3Credentials{"testing", "testing", ""};
  options.initial_backoff_s = 0.01;
  options.max_backoff_s = 0.1;
  // moto answers 500 now and then under concurrent writes to one key: give it headroom.
  options.max_attempts = 6;
  return options;
}

std::string CreateBucket(const MotoServer& server, const std::string& tag) {
  static std::atomic<int> counter{0};
  static const std::string salt = [] {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", std::random_device{}());
    return std::string(hex);
  }();
  std::string name = "sf-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + "-" + salt;
  s3::S3Client client(s3::ResolveS3Config(name, MotoS3Options(server)));
  s3::S3Request request;
  request.method = "PUT";  // an empty key addresses the bucket itself
  s3::S3Response response = client.Send(request);
  if (!response.ok()) {
    throw std::runtime_error("CreateBucket " + name + ": HTTP " + std::to_string(response.status) +
                             " " + response.body);
  }
  return name;
}

std::shared_ptr<ObjectStore> MakeS3StoreOnFreshBucket() {
  if (!MotoServerAvailable()) return nullptr;
  MotoServer& server = SharedMotoServer();
  return MakeS3ObjectStore(CreateBucket(server, "conf"), MotoS3Options(server));
}

}  // namespace shardyfusion::testing
