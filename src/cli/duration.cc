#include "cli/duration.h"

#include <charconv>

#include "cli/cli_error.h"

namespace shardyfusion::cli {

std::chrono::seconds ParseDuration(const std::string& text) {
  auto bad = [&] {
    return UsageError("invalid duration '" + text + "' (expected e.g. 7d, 24h, 30m, 90s)");
  };
  if (text.size() < 2) throw bad();
  int64_t amount = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || amount < 0) throw bad();
  switch (text.back()) {
    case 'd':
    case 'D':
      return std::chrono::seconds(amount * 86400);
    case 'h':
    case 'H':
      return std::chrono::seconds(amount * 3600);
    case 'm':
    case 'M':
      return std::chrono::seconds(amount * 60);
    case 's':
    case 'S':
      return std::chrono::seconds(amount);
    default:
      throw bad();
  }
}

}  // namespace shardyfusion::cli
