#include "cli/script.h"

#include <filesystem>

#include "cli/cli_error.h"
#include "cli/key_coercion.h"
#include "cli/ops.h"

namespace shardyfusion::cli {
namespace {

std::string Scalar(const YAML::Node& cmd, const char* field, const std::string& op) {
  YAML::Node node = cmd[field];
  if (!node || node.IsNull()) throw UsageError("'" + op + "' needs a '" + field + "' field");
  if (!node.IsScalar()) throw UsageError("'" + op + "': '" + field + "' must be a scalar");
  return node.Scalar();
}

RoutingContext Context(const YAML::Node& cmd) {
  RoutingContext rc;
  YAML::Node node = cmd["routing_context"];
  if (!node || node.IsNull()) return rc;
  if (!node.IsMap()) throw UsageError("routing_context must be a mapping of names to values");
  for (const auto& item : node) {
    if (!item.second.IsScalar()) throw UsageError("routing_context values must be scalars");
    rc[item.first.as<std::string>()] = Key::Str(item.second.Scalar());
  }
  return rc;
}

Json Execute(const YAML::Node& cmd, const std::string& op, CliContext& ctx,
             ConcurrentShardedReader& reader) {
  const OutputConfig& out = ctx.output();
  if (op == "get" || op == "route" || op == "multiget") {
    RoutingContext rc = Context(cmd);
    const RoutingContext* context = rc.empty() ? nullptr : &rc;
    if (op == "get") return GetOp(reader, Scalar(cmd, "key", op), context, out);
    if (op == "route") return RouteOp(reader, Scalar(cmd, "key", op), context);
    YAML::Node keys = cmd["keys"];
    if (!keys || !keys.IsSequence() || keys.size() == 0)
      throw UsageError("'multiget' needs a non-empty 'keys' list");
    std::vector<std::string> texts;
    for (const auto& k : keys) {
      if (!k.IsScalar()) throw UsageError("'multiget' keys must be scalars");
      texts.push_back(k.Scalar());
    }
    return MultigetOp(reader, texts, context, out);
  }
  if (op == "refresh") return RefreshOp(reader);
  if (op == "info") return InfoOp(reader);
  if (op == "shards") return ShardsOp(reader, out);
  if (op == "health") {
    std::optional<double> threshold;
    if (YAML::Node t = cmd["staleness_threshold"]; t && !t.IsNull()) threshold = t.as<double>();
    return HealthOp(reader, threshold);
  }
  if (op == "history") {
    int64_t limit = 10;
    if (YAML::Node l = cmd["limit"]; l && !l.IsNull()) limit = l.as<int64_t>();
    if (limit < 1) throw UsageError("'history' limit must be >= 1");
    return HistoryOp(ctx.manifest_store(), static_cast<size_t>(limit));
  }
  throw UsageError("unknown op '" + op +
                   "' (supported: get, multiget, route, refresh, info, shards, health, history)");
}

}  // namespace

Script LoadScript(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UsageError("script file not found: " + path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  const std::string shape =
      " (expected a mapping {commands: [{op: get, key: ...}, ...], on_error: stop|continue})";
  if (root.IsSequence())
    throw UsageError(path + ": the script is a list; wrap it as 'commands:'" + shape);
  if (!root.IsMap()) throw UsageError(path + ": the script must be a YAML mapping" + shape);
  YAML::Node commands = root["commands"];
  if (!commands || !commands.IsSequence())
    throw UsageError(path + ": 'commands' must be a list" + shape);
  Script script;
  for (const auto& cmd : commands) script.commands.push_back(cmd);
  if (YAML::Node on_error = root["on_error"]; on_error && !on_error.IsNull()) {
    std::string value = on_error.IsScalar() ? on_error.Scalar() : "";
    if (value != "stop" && value != "continue")
      throw UsageError(path + ": on_error must be stop or continue (got '" + value + "')");
    script.stop_on_error = value == "stop";
  }
  return script;
}

size_t RunScript(const Script& script, CliContext& ctx, ConcurrentShardedReader& reader,
                 const std::string& format) {
  size_t failures = 0;
  for (size_t i = 0; i < script.commands.size(); ++i) {
    const YAML::Node& cmd = script.commands[i];
    std::string op = "unknown";
    std::optional<std::string> key;
    Json result;
    try {
      if (!cmd.IsMap()) throw UsageError("command #" + std::to_string(i) + " is not a mapping");
      YAML::Node op_node = cmd["op"];
      if (!op_node || !op_node.IsScalar())
        throw UsageError("command #" + std::to_string(i) + " has no 'op'");
      op = op_node.Scalar();
      if (YAML::Node k = cmd["key"]; k && k.IsScalar()) key = k.Scalar();
      result = Execute(cmd, op, ctx, reader);
    } catch (const std::exception& e) {
      ++failures;
      result = Json();
      result["op"] = op;
      result["error"] = e.what();
      if (key) result["key"] = *key;
      ctx.Emit(result, format);
      if (script.stop_on_error) break;
      continue;
    }
    ctx.Emit(result, format);
  }
  return failures;
}

}  // namespace shardyfusion::cli
