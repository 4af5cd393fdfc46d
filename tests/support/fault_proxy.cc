#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace shardyfusion::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kClientTimeout = std::chrono::seconds(30);
constexpr auto kUpstreamTimeout = std::chrono::seconds(60);
constexpr int kSliceMs = 50;  // every wait re-checks the stop flag this often

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string DefaultErrorCode(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 403: return "AccessDenied";
    case 404: return "NoSuchKey";
    case 429: return "SlowDown";
    case 500: return "InternalError";
    case 503: return "SlowDown";
    default: return status >= 500 ? "InternalError" : "InvalidRequest";
  }
}

// A socket with bounded waits; every wait gives up when `stop` is set.
class Socket {
 public:
  Socket(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}
  ~Socket() { Close(); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }

  // Waits for `events`; false on timeout, stop or error.
  bool Wait(short events, Clock::time_point deadline) const {
    while (!stop_.load() && Clock::now() < deadline) {
      pollfd p{fd_, events, 0};
      int r = ::poll(&p, 1, kSliceMs);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
    return false;
  }
  // Appends what arrives to `buf`: >0 bytes read, 0 EOF, -1 error/timeout/stop.
  ssize_t ReadSome(std::string& buf, Clock::time_point deadline) const {
    if (!Wait(POLLIN, deadline)) return -1;
    char chunk[64 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) buf.append(chunk, static_cast<size_t>(n));
    return n < 0 ? -1 : n;
  }
  bool SendAll(std::string_view data, Clock::time_point deadline) const {
    while (!data.empty()) {
      if (!Wait(POLLOUT, deadline)) return false;
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Closes with a TCP RST instead of a FIN.
  void Reset() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  const std::atomic<bool>& stop_;
};

// One HTTP/1.1 message head plus its body (de-chunked).
struct Message {
  std::string start_line;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::string body;
  bool chunked = false;

  std::string Header(const std::string& lower) const {
    for (const auto& [name, value] : headers)
      if (Lower(name) == lower) return value;
    return "";
  }
  void Drop(const std::string& lower) {
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [&](const auto& h) { return Lower(h.first) == lower; }),
                  headers.end());
  }
  void Set(const std::string& name, const std::string& value) {
    Drop(Lower(name));
    headers.emplace_back(name, value);
  }
  std::string Head() const {
    std::string out = start_line + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    return out + "\r\n";
  }
};

// Reads a message head from `sock` (bytes already received are in `buf`; what follows the
// head stays there).  False on EOF/timeout/garbage.
bool ReadHead(const Socket& sock, std::string& buf, Message& msg, Clock::time_point deadline) {
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > (1 << 20)) return false;
    if (sock.ReadSome(buf, deadline) <= 0) return false;
  }
  std::string head = buf.substr(0, end);
  buf.erase(0, end + 4);
  size_t line_end = head.find("\r\n");
  msg.start_line = head.substr(0, line_end);
  msg.headers.clear();
  while (line_end != std::string::npos) {
    size_t next = head.find("\r\n", line_end + 2);
    std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos
                                                                            : next - line_end - 2);
    if (size_t colon = line.find(':'); colon != std::string::npos)
      msg.headers.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
    line_end = next;
  }
  msg.chunked = Lower(msg.Header("transfer-encoding")).find("chunked") != std::string::npos;
  return true;
}

// Reads exactly `n` more bytes into `out` (consuming `buf` first).
bool ReadExactly(const Socket& sock, std::string& buf, size_t n, std::string& out,
                 Clock::time_point deadline) {
  while (buf.size() < n)
    if (sock.ReadSome(buf, deadline) <= 0) return false;
  out.append(buf, 0, n);
  buf.erase(0, n);
  return true;
}

bool ReadLine(const Socket& sock, std::string& buf, std::string& line, Clock::time_point deadline) {
  size_t end;
  while ((end = buf.find("\r\n")) == std::string::npos)
    if (sock.ReadSome(buf, deadline) <= 0) return false;
  line = buf.substr(0, end);
  buf.erase(0, end + 2);
  return true;
}

// Reads the body framed by the head: chunked, Content-Length, or (responses) up to EOF.
bool ReadBody(const Socket& sock, std::string& buf, Message& msg, bool until_eof,
              Clock::time_point deadline) {
  msg.body.clear();
  if (msg.chunked) {
    std::string line;
    for (;;) {
      if (!ReadLine(sock, buf, line, deadline)) return false;
      size_t size = std::strtoul(line.c_str(), nullptr, 16);
      if (size == 0) break;
      if (!ReadExactly(sock, buf, size, msg.body, deadline)) return false;
      if (!ReadLine(sock, buf, line, deadline)) return false;
    }
    do {  // trailers, up to the empty line
      if (!ReadLine(sock, buf, line, deadline)) return false;
    } while (!line.empty());
    return true;
  }
  std::string length = msg.Header("content-length");
  if (!length.empty()) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(length.c_str(), &end, 10);
    if (end == length.c_str() || *end != '\0' || n > (1ull << 34)) return false;
    return ReadExactly(sock, buf, static_cast<size_t>(n), msg.body, deadline);
  }
  if (!until_eof) return true;
  for (;;) {
    ssize_t n = sock.ReadSome(buf, deadline);
    if (n == 0) break;
    if (n < 0) return false;
  }
  msg.body = std::move(buf);
  buf.clear();
  return true;
}

int ConnectLoopback(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

const char* FaultActionName(FaultAction action) {
  switch (action) {
    case FaultAction::kDelay: return "delay";
    case FaultAction::kStatus: return "status";
    case FaultAction::kReset: return "reset";
    case FaultAction::kTruncateBody: return "truncate-body";
    case FaultAction::kShortBody: return "short-body";
    case FaultAction::kDropResponse: return "drop-response";
  }
  return "?";
}

FaultProxy::FaultProxy(const std::string& upstream_endpoint, int max_connections)
    : max_connections_(std::max(1, max_connections)) {
  // "http://127.0.0.1:1234"
  const std::string scheme = "http://";
  std::string rest = upstream_endpoint.rfind(scheme, 0) == 0 ? upstream_endpoint.substr(scheme.size())
                                                             : upstream_endpoint;
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("FaultProxy: no port in " + upstream_endpoint);
  upstream_host_ = rest.substr(0, colon);
  upstream_port_ = std::stoi(rest.substr(colon + 1));

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("FaultProxy: socket() failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("FaultProxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  slot_free_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  // Connection threads see stop_ within one wait slice.
  for (auto& c : connections_)
    if (c.thread.joinable()) c.thread.join();
  ::close(listen_fd_);
}

int FaultProxy::AddRule(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  int id = next_rule_id_++;
  rules_.push_back(Rule{id, std::move(rule)});
  fired_[id] = 0;
  return id;
}

void FaultProxy::ClearRules() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

int FaultProxy::Fired(int rule_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = fired_.find(rule_id);
  return it == fired_.end() ? 0 : it->second;
}

std::vector<ProxiedRequest> FaultProxy::Log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

int FaultProxy::Count(const std::string& method, const std::string& substring) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count_if(log_.begin(), log_.end(), [&](const ProxiedRequest& r) {
    return (method.empty() || r.method == method) && r.target.find(substring) != std::string::npos;
  }));
}

std::optional<FaultProxy::Rule> FaultProxy::Match(const std::string& method,
                                                  const std::string& target) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Rule& rule : rules_) {
    const FaultRule& s = rule.spec;
    if (!s.method.empty() && s.method != method) continue;
    if (target.find(s.key_substring) == std::string::npos) continue;
    int index = rule.matched++;
    if (index < s.skip) continue;
    if (s.times >= 0 && fired_[rule.id] >= s.times) continue;
    ++fired_[rule.id];
    return rule;
  }
  return std::nullopt;
}

size_t FaultProxy::Record(ProxiedRequest entry) {
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back(std::move(entry));
  return log_.size() - 1;
}

void FaultProxy::SetStatus(size_t index, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  log_[index].status = status;
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Reap finished connections, then wait for a free slot.
      for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->done) {
          it->thread.join();
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
      slot_free_.wait_for(lock, std::chrono::milliseconds(kSliceMs),
                          [&] { return stop_ || active_ < max_connections_; });
      if (stop_) break;
      if (active_ >= max_connections_) continue;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kSliceMs) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    ++active_;
    Connection& c = connections_.emplace_back();
    c.thread = std::thread([this, fd, &c] {
      Serve(fd);
      std::lock_guard<std::mutex> inner(mu_);
      --active_;
      c.done = true;
      slot_free_.notify_all();
    });
  }
}

void FaultProxy::Serve(int client_fd) {
  Socket client(client_fd, stop_);
  auto deadline = Clock::now() + kClientTimeout;
  std::string buf;
  Message request;
  if (!ReadHead(client, buf, request, deadline)) return;
  std::string method = request.start_line.substr(0, request.start_line.find(' '));
  size_t target_start = request.start_line.find(' ');
  size_t target_end = request.start_line.rfind(' ');
  std::string raw_target = target_start == std::string::npos || target_end <= target_start
                               ? "/"
                               : request.start_line.substr(target_start + 1, target_end - target_start - 1);
  std::string target = PercentDecode(raw_target);

  // The whole request is read before anything is decided, so an injected answer never
  // races the client still sending its body.
  if (Lower(request.Header("expect")) == "100-continue" &&
      !client.SendAll("HTTP/1.1 100 Continue\r\n\r\n", deadline))
    return;
  if (!ReadBody(client, buf, request, /*until_eof=*/false, deadline)) return;

  std::optional<Rule> rule = Match(method, target);
  ProxiedRequest entry{method, target, std::nullopt, -1, 0};
  if (rule) {
    entry.fault = rule->spec.action;
    entry.rule_id = rule->id;
  }
  size_t log_index = Record(entry);
  const FaultRule* fault = rule ? &rule->spec : nullptr;

  if (fault && fault->action == FaultAction::kDelay) {
    auto until = Clock::now() + std::chrono::milliseconds(fault->delay_ms);
    while (!stop_ && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    fault = nullptr;  // then forwarded normally
  }
  if (fault && fault->action == FaultAction::kReset) {
    client.Reset();
    return;
  }
  if (fault && fault->action == FaultAction::kStatus) {
    // Path style: /<bucket>/<key>?query
    std::string path = target.substr(0, target.find('?'));
    size_t key_start = path.find('/', 1);
    std::string key = key_start == std::string::npos ? "" : path.substr(key_start + 1);
    std::string code = fault->error_code.empty() ? DefaultErrorCode(fault->status) : fault->error_code;
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code +
                       "</Code><Message>injected by FaultProxy</Message><Key>" + key +
                       "</Key><RequestId>faultproxy-" + std::to_string(log_index) +
                       "</RequestId></Error>";
    if (method == "HEAD") body.clear();
    std::string head = "HTTP/1.1 " + std::to_string(fault->status) + " " + Reason(fault->status) +
                       "\r\nContent-Type: application/xml\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nx-amz-request-id: faultproxy-" +
                       std::to_string(log_index) + "\r\nConnection: close\r\n\r\n";
    SetStatus(log_index, fault->status);
    client.SendAll(head + body, deadline);
    return;
  }

  // Forward: one upstream connection per request, closed by the server after its answer.
  Socket upstream(ConnectLoopback(upstream_host_, upstream_port_), stop_);
  auto up_deadline = Clock::now() + kUpstreamTimeout;
  if (upstream.fd() < 0) {
    client.Reset();
    return;
  }
  request.Drop("expect");  // the body is already here; curl does not sign Expect
  request.Drop("proxy-connection");
  request.Drop("keep-alive");
  request.Set("Connection", "close");
  if (request.chunked) {
    request.Drop("transfer-encoding");
    request.Set("Content-Length", std::to_string(request.body.size()));
  }
  if (!upstream.SendAll(request.Head() + request.body, up_deadline)) {
    client.Reset();
    return;
  }
  std::string up_buf;
  Message response;
  int status = 0;
  do {  // skip interim 1xx answers
    if (!ReadHead(upstream, up_buf, response, up_deadline)) {
      client.Reset();
      return;
    }
    size_t sp = response.start_line.find(' ');
    status = sp == std::string::npos ? 0 : std::atoi(response.start_line.c_str() + sp + 1);
  } while (status >= 100 && status < 200);
  bool no_body = method == "HEAD" || status == 204 || status == 304;
  if (!no_body && !ReadBody(upstream, up_buf, response, /*until_eof=*/true, up_deadline)) {
    client.Reset();
    return;
  }
  upstream.Close();

  if (fault && fault->action == FaultAction::kDropResponse) {
    client.Reset();  // the server applied the request; the client never hears of it
    return;
  }
  response.Set("Connection", "close");
  if (!no_body) {
    response.Drop("transfer-encoding");
    response.Set("Content-Length", std::to_string(response.body.size()));
  }
  std::string_view body = response.body;
  if (fault && fault->action == FaultAction::kShortBody && !no_body) {
    body = body.substr(0, std::min(body.size(), fault->truncate_at));
    response.Set("Content-Length", std::to_string(body.size()));
  }
  if (fault && fault->action == FaultAction::kTruncateBody && !no_body) {
    body = body.substr(0, std::min(body.size(), fault->truncate_at));
  }
  SetStatus(log_index, status);
  if (!client.SendAll(response.Head(), deadline) || !client.SendAll(body, deadline)) return;
  if (fault && fault->action == FaultAction::kTruncateBody) {
    // Cut the transfer mid-body: the client was promised more bytes.
    ::shutdown(client.fd(), SHUT_WR);
  }
}

}  // namespace shardyfusion::testing
