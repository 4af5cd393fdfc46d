// Structured log lines on stderr: text `<ts> <LEVEL> shardyfusion <event> k=v ...` or one
// JSON object per line.  Each line is formatted first and written with one write() under
// a mutex, so lines from concurrent threads never interleave.
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "shardyfusion/observability.h"
#include "shardyfusion/time.h"

namespace shardyfusion {
namespace {

struct LogState {
  std::atomic<int> level;
  std::atomic<bool> json;
};

std::string Lower(const char* s) {
  std::string out(s ? s : "");
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Defaults from SHARDY_LOG_LEVEL / SHARDY_LOG_JSON, read once; ConfigureLogging overrides.
LogState& State() {
  static LogState state = [] {
    LogConfig config;
    std::string level = Lower(std::getenv("SHARDY_LOG_LEVEL"));
    if (level == "debug") config.level = LogLevel::kDebug;
    if (level == "info") config.level = LogLevel::kInfo;
    if (level == "warning" || level == "warn") config.level = LogLevel::kWarning;
    if (level == "error") config.level = LogLevel::kError;
    if (level == "critical") config.level = LogLevel::kCritical;
    std::string json = Lower(std::getenv("SHARDY_LOG_JSON"));
    config.json = json == "1" || json == "true" || json == "yes";
    return LogState{static_cast<int>(config.level), config.json};
  }();
  return state;
}

thread_local LogFields t_context;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kCritical:
      return "CRITICAL";
  }
  return "INFO";
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

// Text values stay bare unless that would be ambiguous; then they are JSON-quoted.
void AppendTextValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v)
    quote = quote || c == ' ' || c == '"' || c == '=' || c == '\\' ||
            static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  if (quote) {
    AppendJsonString(out, v);
  } else {
    out += v;
  }
}

void WriteStderr(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing stderr
    done += static_cast<size_t>(n);
  }
}

}  // namespace

void ConfigureLogging(const LogConfig& config) {
  LogState& state = State();
  state.level.store(static_cast<int>(config.level));
  state.json.store(config.json);
}

void LogEvent(LogLevel level, std::string_view event, const LogFields& fields) {
  LogState& state = State();
  if (static_cast<int>(level) < state.level.load(std::memory_order_relaxed)) return;
  LogFields merged = t_context;  // the event's own fields win over the context's
  for (const auto& [k, v] : fields) merged.insert_or_assign(k, v);

  std::string ts = FormatDirTime(Now());
  std::string line;
  if (state.json.load(std::memory_order_relaxed)) {
    line = "{\"ts\":\"" + ts + "\",\"level\":\"" + LevelName(level) +
           "\",\"logger\":\"shardyfusion\",\"event\":";
    AppendJsonString(line, event);
    for (const auto& [k, v] : merged) {
      line += ',';
      // Never emit a duplicate JSON key: a field named like a standard key is prefixed.
      bool reserved = k == "ts" || k == "level" || k == "logger" || k == "event";
      AppendJsonString(line, reserved ? "field_" + k : k);
      line += ':';
      AppendJsonString(line, v);
    }
    line += "}\n";
  } else {
    line = ts + " " + LevelName(level) + " shardyfusion " + std::string(event);
    for (const auto& [k, v] : merged) {
      line += ' ';
      line += k;
      line += '=';
      AppendTextValue(line, v);
    }
    line += '\n';
  }
  WriteStderr(line);
}

ScopedLogContext::ScopedLogContext(LogFields fields) : saved_(t_context) {
  for (auto& [k, v] : fields) t_context.insert_or_assign(k, std::move(v));
}

ScopedLogContext::~ScopedLogContext() { t_context = std::move(saved_); }

LogFields ScopedLogContext::Current() { return t_context; }

}  // namespace shardyfusion
