// JSON forms of manifest fields: logical keys (min_key/max_key, routing values), the
// sharding object and writer_info.  Decoders throw ManifestParseError naming the field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "shardyfusion/manifest.h"

namespace shardyfusion {

// Int -> number, str -> string, bytes -> UTF-8-decoded string, or null when the bytes are
// not UTF-8 (the reference crashes there; null is accepted by every reader).
nlohmann::json KeyToJson(const Key& key);
// A JSON scalar back to a key: numbers (integral floats too) -> Int/UInt, strings -> Str,
// null -> nullopt.  Anything else is a ManifestParseError.
std::optional<Key> KeyFromJson(const nlohmann::json& value, const std::string& field);

nlohmann::json ShardingToJson(const ShardingSpec& spec);
ShardingSpec ShardingFromJson(const nlohmann::json& value);

nlohmann::json WriterInfoToJson(const WriterInfo& info);
WriterInfo WriterInfoFromJson(const nlohmann::json& value);

// Parses JSON text; an error names `field`.
nlohmann::json ParseJsonField(std::string_view text, const std::string& field);

}  // namespace shardyfusion
