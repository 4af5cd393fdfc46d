// A fault-injecting HTTP/1.1 proxy on loopback, for tests only: it sits between our S3
// client and a real S3 server (moto) and, per request, either forwards it untouched or
// applies the first matching rule:
//
//   kDelay         wait delay_ms, then forward normally
//   kStatus        answer `status` (500/503/429/403 ...) with an S3 XML error body; the
//                  request never reaches the server
//   kReset         reset the connection (TCP RST) without forwarding
//   kTruncateBody  forward; send the real headers (full Content-Length) but only the first
//                  truncate_at body bytes, then close: the client sees a short transfer
//   kShortBody     forward; send only the first truncate_at body bytes with a matching
//                  Content-Length: a silently short "200 OK"
//   kDropResponse  forward and read the server's answer (so a PUT *is* applied), then reset
//                  the client connection: the client sees a failure
//
// A rule matches on method ("" = any) and a substring of the percent-decoded request
// target ("" = any); it lets `skip` matches through, then fires `times` times (-1: always).
//
// Threads: one accepts; each client connection gets its own (at most max_connections at
// once; further clients wait in the listen backlog).  Every answer closes its connection
// (the client reconnects), and every socket wait is bounded, so the destructor returns
// promptly even with requests in flight.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace shardyfusion::testing {

enum class FaultAction { kDelay, kStatus, kReset, kTruncateBody, kShortBody, kDropResponse };

const char* FaultActionName(FaultAction action);

struct FaultRule {
  std::string method;         // "GET", "PUT", "HEAD", ...; empty: any
  std::string key_substring;  // matched against the decoded target (path + query); empty: any
  FaultAction action = FaultAction::kStatus;
  int times = 1;  // how many matching requests it fires on; -1: every one
  int skip = 0;   // matching requests let through before it starts firing
  int delay_ms = 0;
  int status = 503;
  std::string error_code;  // empty: InternalError/SlowDown/AccessDenied/... by status
  size_t truncate_at = 0;
};

// What the proxy did with one request, in arrival order.
struct ProxiedRequest {
  std::string method;
  std::string target;  // percent-decoded path + query
  std::optional<FaultAction> fault;
  int rule_id = -1;
  int status = 0;  // status the client was sent (0: none, the connection was reset/cut)
};

class FaultProxy {
 public:
  // `upstream_endpoint`: "http://127.0.0.1:<port>" (e.g. MotoServer::endpoint()).
  explicit FaultProxy(const std::string& upstream_endpoint, int max_connections = 32);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  int AddRule(FaultRule rule);  // returns the rule id (for Fired)
  void ClearRules();            // later requests are forwarded untouched
  int Fired(int rule_id) const;

  std::vector<ProxiedRequest> Log() const;
  // Requests seen whose method matches ("" = any) and whose target contains `substring`.
  int Count(const std::string& method, const std::string& substring) const;

 private:
  struct Rule {
    int id;
    FaultRule spec;
    int matched = 0;
  };
  struct Connection {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void AcceptLoop();
  void Serve(int client_fd);
  std::optional<Rule> Match(const std::string& method, const std::string& target);
  size_t Record(ProxiedRequest entry);
  void SetStatus(size_t index, int status);

  std::string upstream_host_;
  int upstream_port_ = 0;
  int max_connections_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::condition_variable slot_free_;
  std::vector<Rule> rules_;
  std::map<int, int> fired_;  // rule id -> times fired (kept across ClearRules)
  int next_rule_id_ = 0;
  std::vector<ProxiedRequest> log_;
  std::list<Connection> connections_;
  int active_ = 0;
  std::thread acceptor_;
};

}  // namespace shardyfusion::testing
