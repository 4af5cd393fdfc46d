// Human renderers: `text` (KEY=VALUE style, easy to grep) and `table` (columns).
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cli/output.h"

namespace shardyfusion::cli {
namespace {

std::string Field(const Json& j, const char* key, const std::string& fallback = "") {
  auto it = j.find(key);
  return it == j.end() ? fallback : PyStr(*it);
}

std::string Join(const std::vector<std::string>& lines, const std::string& sep = "\n") {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? sep : "") + lines[i];
  return out;
}

std::string Pad(const std::string& s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

std::string MultigetValue(const Json& item) {
  return item.value("found", false) ? Field(item, "value") : "null";
}

std::string HealthText(const Json& r) {
  std::vector<std::string> parts{"status=" + Field(r, "status", "?"),
                                 "manifest_age=" + Field(r, "manifest_age_seconds", "0") + "s",
                                 "shards=" + Field(r, "num_shards", "0")};
  if (r.value("is_closed", false)) parts.push_back("CLOSED");
  return Join(parts, "  ");
}

std::string CleanupText(const Json& r) {
  std::vector<std::string> lines{std::string(r.value("dry_run", false) ? "[DRY RUN] " : "") +
                                 "Cleanup for run_id=" + Field(r, "run_id", "?")};
  for (const auto& s : r.value("stale_attempts", Json::array()))
    lines.push_back("  stale attempt  db_id=" + PyStr(s["db_id"]) +
                    "  objects=" + PyStr(s["objects_deleted"]) + "  " + PyStr(s["prefix_url"]));
  for (const auto& o : r.value("old_runs", Json::array()))
    lines.push_back("  old run  run_id=" + PyStr(o["run_id"]) +
                    "  objects=" + PyStr(o["objects_deleted"]) + "  " + PyStr(o["prefix_url"]));
  for (const auto& id : r.value("live_runs_kept", Json::array()))
    lines.push_back("  kept live run  run_id=" + PyStr(id));
  for (const auto& s : r.value("skipped", Json::array()))
    lines.push_back("  skipped  run_id=" + PyStr(s["run_id"]) + "  " + PyStr(s["reason"]));
  lines.push_back("Total: " + Field(r, "total_prefixes_removed", "0") + " prefixes, " +
                  Field(r, "total_objects_deleted", "0") + " objects");
  return Join(lines);
}

}  // namespace

std::optional<std::string> FormatText(const Json& r) {
  const std::string op = r.value("op", "?");
  if (r.contains("error")) return "error: " + Field(r, "error");
  if (op == "get")
    return Field(r, "key") + "=" + Field(r, "value", "null");  // null_repr if missing
  if (op == "multiget") {
    std::vector<std::string> lines;
    for (const auto& item : r.value("results", Json::array()))
      lines.push_back(Field(item, "key") + "=" + MultigetValue(item));
    return Join(lines);
  }
  if (op == "refresh") return "changed=" + Field(r, "changed", "False");
  if (op == "rollback") return "Rolled back _CURRENT to: " + Field(r, "ref");
  if (op == "info" || op == "build") {
    std::vector<std::string> lines;
    for (const auto& [k, v] : r.items())
      if (k != "op") lines.push_back(k + "=" + PyStr(v));
    return Join(lines);
  }
  if (op == "shards") {
    std::vector<std::string> lines;
    for (const auto& s : r.value("shards", Json::array())) {
      std::vector<std::string> parts{"db_id=" + PyStr(s["db_id"]), "rows=" + PyStr(s["row_count"])};
      if (!s["min_key"].is_null()) parts.push_back("min=" + PyStr(s["min_key"]));
      if (!s["max_key"].is_null()) parts.push_back("max=" + PyStr(s["max_key"]));
      lines.push_back(Join(parts, "  "));
    }
    return Join(lines);
  }
  if (op == "history") {
    std::vector<std::string> lines;
    for (const auto& m : r.value("manifests", Json::array()))
      lines.push_back("[" + PyStr(m["offset"]) + "] " + PyStr(m["published_at"]) + "  run_id=" +
                      PyStr(m["run_id"]) + (m.value("current", false) ? "  (current)" : ""));
    return lines.empty() ? "(no manifests)" : Join(lines);
  }
  if (op == "route") return Field(r, "key") + " -> shard " + Field(r, "db_id", "?");
  if (op == "health") return HealthText(r);
  if (op == "cleanup") return CleanupText(r);
  return std::nullopt;
}

std::optional<std::string> FormatTable(const Json& r) {
  const std::string op = r.value("op", "?");
  if (r.contains("error")) return std::nullopt;
  if (op == "multiget") {
    const Json rows = r.value("results", Json::array());
    size_t kw = 3, vw = 5;
    for (const auto& row : rows) {
      kw = std::max(kw, Field(row, "key").size());
      vw = std::max(vw, MultigetValue(row).size());
    }
    std::string header = Pad("KEY", kw) + "  " + Pad("VALUE", vw);
    std::vector<std::string> lines{header, std::string(header.size(), '-')};
    for (const auto& row : rows)
      lines.push_back(Pad(Field(row, "key"), kw) + "  " + Pad(MultigetValue(row), vw));
    return Join(lines);
  }
  if (op == "shards") {
    std::string header = Pad("DB_ID", 5, true) + "  " + Pad("ROWS", 8, true) + "  " +
                         Pad("MIN_KEY", 10, true) + "  " + Pad("MAX_KEY", 10, true) + "  URL";
    std::vector<std::string> lines{header, std::string(header.size(), '-')};
    for (const auto& s : r.value("shards", Json::array())) {
      auto key_text = [](const Json& k) { return k.is_null() ? std::string() : PyStr(k); };
      lines.push_back(Pad(PyStr(s["db_id"]), 5, true) + "  " + Pad(PyStr(s["row_count"]), 8, true) +
                      "  " + Pad(key_text(s["min_key"]), 10, true) + "  " +
                      Pad(key_text(s["max_key"]), 10, true) + "  " +
                      (s["db_url"].is_null() ? "-" : PyStr(s["db_url"])));
    }
    return Join(lines);
  }
  if (op == "history") {
    std::string header = Pad("#", 3, true) + "  " + Pad("PUBLISHED_AT", 27) + "  " + "RUN_ID";
    std::vector<std::string> lines{header, std::string(header.size(), '-')};
    for (const auto& m : r.value("manifests", Json::array()))
      lines.push_back(Pad(PyStr(m["offset"]), 3, true) + "  " + Pad(PyStr(m["published_at"]), 27) +
                      "  " + PyStr(m["run_id"]) + (m.value("current", false) ? "  *" : ""));
    return Join(lines);
  }
  if (op == "health" || op == "cleanup") return FormatText(r);
  return std::nullopt;
}

}  // namespace shardyfusion::cli
