// Run record <-> YAML (format.md §1.7).  Emission is by hand (core/py_yaml) for byte
// parity with PyYAML; parsing uses yaml-cpp and mirrors the reference's pydantic model:
// format_version defaults to 1, the three optional fields may be null or absent, unknown
// keys are ignored.
#include <yaml-cpp/yaml.h>

#include "core/py_yaml.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/run_registry.h"

namespace shardyfusion {
namespace {

PyYamlValue Optional(const std::optional<std::string>& v) {
  if (v) return *v;
  return nullptr;
}

[[noreturn]] void Bad(const std::string& what) {
  throw ManifestParseError("invalid run record: " + what);
}

std::optional<std::string> OptionalString(const YAML::Node& root, const std::string& key) {
  YAML::Node node = root[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) Bad("'" + key + "' must be a string");
  return node.Scalar();
}

std::string RequiredString(const YAML::Node& root, const std::string& key) {
  auto value = OptionalString(root, key);
  if (!value) Bad("missing '" + key + "'");
  return *value;
}

Timestamp RequiredTime(const YAML::Node& root, const std::string& key) {
  std::string text = RequiredString(root, key);
  try {
    return ParseIsoTime(text);
  } catch (const ManifestParseError& e) {
    Bad("'" + key + "': " + e.what());
  }
}

RunStatus ParseStatus(const std::string& text) {
  if (text == "running") return RunStatus::kRunning;
  if (text == "succeeded") return RunStatus::kSucceeded;
  if (text == "failed") return RunStatus::kFailed;
  Bad("unknown status '" + text + "' (expected running, succeeded or failed)");
}

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kSucceeded:
      return "succeeded";
    case RunStatus::kFailed:
      return "failed";
  }
  return "running";
}

std::string EncodeRunRecord(const RunRecord& r) {
  // Timestamps are plain strings here (pydantic's JSON mode); PyYAML quotes them because
  // they would otherwise load back as datetimes.
  return PythonYamlDumpMapping({
      {"db_path_template", r.db_path_template},
      {"error_message", Optional(r.error_message)},
      {"error_type", Optional(r.error_type)},
      {"format_version", int64_t{r.format_version}},
      {"lease_expires_at", FormatIsoTime(r.lease_expires_at)},
      {"manifest_ref", Optional(r.manifest_ref)},
      {"run_id", r.run_id},
      {"s3_prefix", r.s3_prefix},
      {"shard_prefix", r.shard_prefix},
      {"started_at", FormatIsoTime(r.started_at)},
      {"status", std::string(RunStatusName(r.status))},
      {"updated_at", FormatIsoTime(r.updated_at)},
      {"writer_type", r.writer_type},
  });
}

RunRecord ParseRunRecord(std::string_view yaml) {
  YAML::Node loaded;
  try {
    loaded = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    Bad(std::string("not YAML: ") + e.what());
  }
  const YAML::Node& root = loaded;  // const: lookups of missing keys must not insert them
  if (!root.IsMap()) Bad("the document must be a mapping");
  RunRecord r;
  if (YAML::Node v = root["format_version"]; v.IsDefined() && !v.IsNull()) {
    try {
      r.format_version = v.as<int>();
    } catch (const YAML::Exception&) {
      Bad("'format_version' must be an integer");
    }
  }
  r.run_id = RequiredString(root, "run_id");
  r.writer_type = RequiredString(root, "writer_type");
  r.status = ParseStatus(RequiredString(root, "status"));
  r.started_at = RequiredTime(root, "started_at");
  r.updated_at = RequiredTime(root, "updated_at");
  r.lease_expires_at = RequiredTime(root, "lease_expires_at");
  r.s3_prefix = RequiredString(root, "s3_prefix");
  r.shard_prefix = RequiredString(root, "shard_prefix");
  r.db_path_template = RequiredString(root, "db_path_template");
  r.manifest_ref = OptionalString(root, "manifest_ref");
  r.error_type = OptionalString(root, "error_type");
  r.error_message = OptionalString(root, "error_message");
  return r;
}

}  // namespace shardyfusion
