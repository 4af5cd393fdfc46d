// Rendering result dicts (features C-24, C-25): json (indent 2), jsonl, text (one renderer
// per op) and table (multiget / shards / history; health and cleanup reuse text; other ops
// fall back to json).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace shardyfusion::cli {

// Insertion-ordered, so every op prints its fields in a fixed order.
using Json = nlohmann::ordered_json;

// base64 | hex | utf8 (invalid UTF-8 replaced with U+FFFD).
std::string EncodeValue(std::string_view bytes, std::string_view encoding);
std::string Base64Encode(std::string_view bytes);
std::string HexEncode(std::string_view bytes);
std::string Utf8Replace(std::string_view bytes);

// `result` rendered in `format`, without a trailing newline.
std::string FormatResult(const Json& result, std::string_view format);

// The one stderr line of a failed op: compact JSON {"op", "error", "key"?} in json/jsonl,
// "error: <message>" otherwise.  Newlines in the message are flattened.
std::string FormatError(std::string_view op, std::string_view message,
                        const std::optional<std::string>& key, std::string_view format);

// JSON text that never throws on invalid UTF-8 (replaced).
std::string DumpJson(const Json& value, int indent = -1);

// Text / table renderers; nullopt when the op has none (the caller falls back to json).
std::optional<std::string> FormatText(const Json& result);
std::optional<std::string> FormatTable(const Json& result);

// Python-like str() of a scalar: strings raw, True/False, None, numbers; others as JSON.
std::string PyStr(const Json& value);

}  // namespace shardyfusion::cli
