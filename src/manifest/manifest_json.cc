#include "manifest/manifest_json.h"

#include <cmath>
#include <set>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(const std::string& msg) { throw ManifestParseError(msg); }

std::optional<int64_t> OptionalInt(const json& obj, const char* name, const std::string& field) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) Bad(field + "." + name + " must be an integer");
  return it->get<int64_t>();
}

}  // namespace

json KeyToJson(const Key& key) {
  switch (key.kind()) {
    case Key::Kind::kInt:
      return key.int_value();
    case Key::Kind::kUInt:
      return key.uint_value();
    case Key::Kind::kStr:
      return key.data();
    case Key::Kind::kBytes:
      try {
        return Key::Str(key.data()).data();
      } catch (const KeyEncodingError&) {
        return nullptr;
      }
  }
  return nullptr;
}

std::optional<Key> KeyFromJson(const json& v, const std::string& field) {
  if (v.is_null()) return std::nullopt;
  if (v.is_number_unsigned()) return Key::UInt(v.get<uint64_t>());
  if (v.is_number_integer()) return Key::Int(v.get<int64_t>());
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
      return Key::Int(static_cast<int64_t>(d));
    Bad(field + " must be an integer, a string or null, got " + v.dump());
  }
  if (v.is_string()) return Key::Str(v.get<std::string>());
  Bad(field + " must be an integer, a string or null, got " + v.dump());
}

json ShardingToJson(const ShardingSpec& s) {
  json out = json::object();
  out["strategy"] = s.strategy == ShardingStrategy::kHash ? "hash" : "cel";
  out["hash_algorithm"] = s.hash_algorithm;
  out["cel_expr"] = s.cel_expr ? json(*s.cel_expr) : json(nullptr);
  out["cel_columns"] = s.cel_columns ? json(*s.cel_columns) : json(nullptr);
  if (s.routing_values) {
    json values = json::array();
    for (const auto& k : *s.routing_values) values.push_back(KeyToJson(k));
    out["routing_values"] = values;
  } else {
    out["routing_values"] = nullptr;
  }
  return out;
}

ShardingSpec ShardingFromJson(const json& v) {
  if (!v.is_object()) Bad("sharding must be a JSON object");
  static const std::set<std::string> kAllowed = {"strategy", "hash_algorithm", "cel_expr",
                                                 "cel_columns", "routing_values"};
  for (const auto& [k, _] : v.items())
    if (!kAllowed.count(k)) Bad("sharding has an unknown key '" + k + "'");
  ShardingSpec s;
  if (auto it = v.find("strategy"); it != v.end() && !it->is_null()) {
    if (*it == "hash") s.strategy = ShardingStrategy::kHash;
    else if (*it == "cel") s.strategy = ShardingStrategy::kCel;
    else Bad("sharding.strategy must be 'hash' or 'cel', got " + it->dump());
  }
  auto alg = v.find("hash_algorithm");
  if (alg == v.end() || alg->is_null()) Bad("sharding.hash_algorithm is missing");
  if (*alg != "xxh3_64") Bad("unsupported sharding.hash_algorithm " + alg->dump() + " (expected xxh3_64)");
  auto present = [&](const char* k) { auto it = v.find(k); return it != v.end() && !it->is_null(); };
  if (present("cel_expr")) {
    if (!v["cel_expr"].is_string()) Bad("sharding.cel_expr must be a string");
    s.cel_expr = v["cel_expr"].get<std::string>();
  }
  if (present("cel_columns")) {
    if (!v["cel_columns"].is_object()) Bad("sharding.cel_columns must be an object");
    std::map<std::string, std::string> cols;
    for (const auto& [k, t] : v["cel_columns"].items()) {
      if (!t.is_string()) Bad("sharding.cel_columns['" + k + "'] must be a type name");
      cols[k] = t.get<std::string>();
    }
    s.cel_columns = cols;
  }
  if (present("routing_values")) {
    const json& rv = v["routing_values"];
    if (!rv.is_array()) Bad("sharding.routing_values must be an array");
    std::vector<Key> values;
    for (const auto& item : rv) {
      if (!(item.is_number_integer() || item.is_string()))
        Bad("sharding.routing_values may hold only integers or strings, got " + item.dump());
      auto key = KeyFromJson(item, "sharding.routing_values");
      if (!values.empty() && values.front().is_integer() != key->is_integer())
        Bad("sharding.routing_values mixes integers and strings");
      for (const auto& seen : values)
        if (seen == *key) Bad("sharding.routing_values has a duplicate " + key->ToString());
      values.push_back(*key);
    }
    s.routing_values = values;
  }
  if (s.strategy == ShardingStrategy::kCel) {
    if (!s.cel_expr || s.cel_expr->empty()) Bad("CEL sharding requires a non-empty cel_expr");
    if (!s.cel_columns || s.cel_columns->empty()) Bad("CEL sharding requires non-empty cel_columns");
  } else if (s.cel_expr || s.cel_columns || s.routing_values) {
    Bad("HASH sharding must not set cel_expr, cel_columns or routing_values");
  }
  return s;
}

json WriterInfoToJson(const WriterInfo& w) {
  json out = json::object();
  out["attempt"] = w.attempt;
  out["duration_ms"] = w.duration_ms;
  out["stage_id"] = w.stage_id ? json(*w.stage_id) : json(nullptr);
  out["task_attempt_id"] = w.task_attempt_id ? json(*w.task_attempt_id) : json(nullptr);
  return out;
}

WriterInfo WriterInfoFromJson(const json& v) {
  if (!v.is_object()) Bad("writer_info must be a JSON object");
  WriterInfo w;
  w.attempt = OptionalInt(v, "attempt", "writer_info").value_or(0);
  w.duration_ms = OptionalInt(v, "duration_ms", "writer_info").value_or(0);
  w.stage_id = OptionalInt(v, "stage_id", "writer_info");
  w.task_attempt_id = OptionalInt(v, "task_attempt_id", "writer_info");
  return w;
}

json ParseJsonField(std::string_view text, const std::string& field) {
  // Parsing is iterative but dump() and the decoders recurse, so a hostile manifest nesting
  // a column 100k levels deep overflowed the stack.  Python's json cannot write more than
  // ~1000 levels either.
  constexpr int kMaxDepth = 512;
  auto limit_depth = [&](int depth, json::parse_event_t event, json&) {
    if (depth > kMaxDepth &&
        (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start))
      Bad(field + " is nested more than " + std::to_string(kMaxDepth) + " levels deep");
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const json::exception& e) {
    Bad(field + " is not valid JSON: " + e.what());
  }
}

}  // namespace shardyfusion
