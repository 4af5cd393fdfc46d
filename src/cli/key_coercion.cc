#include "cli/key_coercion.h"

#include <charconv>

#include "cli/cli_error.h"
#include "shardyfusion/errors.h"

namespace shardyfusion::cli {

std::optional<Key> ParseIntegerKey(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string_view digits = text.front() == '+' ? text.substr(1) : text;
  if (digits.empty()) return std::nullopt;
  if (digits.front() == '-') {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return Key::Int(v);
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return v <= static_cast<uint64_t>(INT64_MAX) ? Key::Int(static_cast<int64_t>(v)) : Key::UInt(v);
}

Key CoerceCliKey(std::string_view text, KeyEncoding encoding) {
  switch (encoding) {
    case KeyEncoding::kU64BE:
    case KeyEncoding::kU32BE: {
      auto key = ParseIntegerKey(text);
      const uint64_t max = encoding == KeyEncoding::kU32BE ? 0xFFFFFFFFull : UINT64_MAX;
      if (!key || key->is_negative() || key->uint_value() > max)
        throw KeyEncodingError("key '" + std::string(text) +
                               "' is not a valid integer for the snapshot's " +
                               std::string(KeyEncodingName(encoding)) + " key encoding (0.." +
                               std::to_string(max) + ")");
      return *key;
    }
    case KeyEncoding::kUtf8:
      return Key::Str(std::string(text));
    case KeyEncoding::kRaw:
      return Key::Bytes(std::string(text));
  }
  return Key::Str(std::string(text));
}

RoutingContext ParseRoutingContext(const std::vector<std::string>& pairs) {
  RoutingContext context;
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--routing-context must be KEY=VALUE, got '" + pair + "'");
    context[pair.substr(0, eq)] = Key::Str(pair.substr(eq + 1));
  }
  return context;
}

}  // namespace shardyfusion::cli
