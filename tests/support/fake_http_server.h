// A scripted HTTP/1.1 server on loopback, for tests that need answers no real S3 server
// gives on demand (503s, 500s) or need the raw request as sent (signature checks).
//
// One background thread accepts connections and serves them one at a time; every answer
// closes its connection.  The handler runs on that thread.  Destroying the server stops
// the thread and closes the socket.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shardyfusion::testing {

struct HttpRequest {
  std::string method;
  std::string target;  // raw path and query, exactly as sent: "/bkt/a%3Db?x=1"
  std::vector<std::pair<std::string, std::string>> header_lines;  // as sent
  std::map<std::string, std::string> headers;                     // lower-cased names
  std::string body;

  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::vector<std::string> headers;  // extra "Name: value" lines
  // Announce the whole body but send only this many bytes, then close (a dropped transfer).
  size_t truncate_body_at = std::string::npos;
};

class FakeHttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest& request, int index)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<HttpRequest> requests() const;  // every request so far, in order
  int request_count() const;

 private:
  void Serve();
  void HandleConnection(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<HttpRequest> requests_;
  std::thread thread_;
};

// A loopback port with nothing listening (connections are refused).
int UnusedLoopbackPort();

}  // namespace shardyfusion::testing
