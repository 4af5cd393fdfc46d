// `_CURRENT` pointer JSON (format.md §2.9) and manifest directory names (§1.5, §7.3).
#include <nlohmann/json.hpp>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {

std::string EncodeCurrentPointer(const CurrentPointer& p) {
  nlohmann::json j = {{"format_version", p.format_version},
                      {"manifest_content_type", p.manifest_content_type},
                      {"manifest_ref", p.manifest_ref},
                      {"run_id", p.run_id},
                      {"updated_at", FormatIsoTime(p.updated_at)}};
  return j.dump();  // compact, keys sorted (std::map), UTF-8
}

CurrentPointer ParseCurrentPointer(std::string_view body) {
  auto bad = [](const std::string& why) -> ManifestParseError {
    return ManifestParseError("CURRENT pointer validation failed: " + why);
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) throw bad("not a JSON object");
  auto text = [&](const char* name) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) throw bad(std::string("'") + name + "' must be a string");
    return it->get<std::string>();
  };
  CurrentPointer p;
  if (auto it = j.find("format_version"); it != j.end()) {
    if (!it->is_number_integer()) throw bad("'format_version' must be an integer");
    p.format_version = it->get<int64_t>();
  }
  p.manifest_content_type = text("manifest_content_type");
  p.manifest_ref = text("manifest_ref");
  if (p.manifest_ref.empty()) throw bad("'manifest_ref' is empty");
  p.run_id = text("run_id");
  try {
    p.updated_at = ParseIsoTime(text("updated_at"));
  } catch (const ManifestParseError& e) {
    throw bad(std::string("'updated_at': ") + e.what());
  }
  return p;
}

std::string ManifestDirName(Timestamp t, std::string_view run_id) {
  return FormatDirTime(t) + "_run_id=" + std::string(run_id);
}

// Both parsers below are plain scans, not std::regex: libstdc++'s regex executor recurses
// once per character, so a long hostile name (a ref from `_CURRENT`, a db_url from a
// manifest) overflowed the stack.

std::optional<ManifestRef> ParseManifestDirName(std::string_view dir_name) {
  // <YYYY-MM-DDTHH:MM:SS.ffffffZ>_run_id=<one or more chars but '/'>, then an optional '/'.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  static constexpr std::string_view kSep = "_run_id=";
  if (dir_name.size() < kShape.size() + kSep.size()) return std::nullopt;
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool ok = kShape[i] == 'd' ? (dir_name[i] >= '0' && dir_name[i] <= '9') : dir_name[i] == kShape[i];
    if (!ok) return std::nullopt;
  }
  if (dir_name.substr(kShape.size(), kSep.size()) != kSep) return std::nullopt;
  std::string_view run_id = dir_name.substr(kShape.size() + kSep.size());
  if (!run_id.empty() && run_id.back() == '/') run_id.remove_suffix(1);
  if (run_id.empty() || run_id.find('/') != std::string_view::npos) return std::nullopt;
  ManifestRef ref;
  try {
    ref.published_at = ParseIsoTime(dir_name.substr(0, kShape.size()));
  } catch (const ManifestParseError&) {
    return std::nullopt;  // e.g. month 13: not one of ours
  }
  ref.run_id = std::string(run_id);
  return ref;
}

std::string RunIdFromRef(std::string_view ref) {
  // The first "run_id=" followed by at least one char but '/'; the id runs to the next '/'.
  static constexpr std::string_view kKey = "run_id=";
  for (size_t at = ref.find(kKey); at != std::string_view::npos; at = ref.find(kKey, at + 1)) {
    std::string_view rest = ref.substr(at + kKey.size());
    std::string_view id = rest.substr(0, rest.find('/'));
    if (!id.empty()) return std::string(id);
  }
  return {};
}

std::string FormatDbPath(std::string_view tpl, uint32_t db_id) {
  auto bad = [&](const std::string& why) {
    return ConfigValidationError("db_path_template '" + std::string(tpl) + "': " + why);
  };
  std::string out;
  for (size_t i = 0; i < tpl.size(); ++i) {
    char c = tpl[i];
    if (c == '}') {
      if (i + 1 < tpl.size() && tpl[i + 1] == '}') { out += '}'; ++i; continue; }
      throw bad("single '}' is not allowed");
    }
    if (c != '{') { out += c; continue; }
    if (i + 1 < tpl.size() && tpl[i + 1] == '{') { out += '{'; ++i; continue; }
    size_t close = tpl.find('}', i);
    if (close == std::string_view::npos) throw bad("unclosed '{'");
    std::string_view field = tpl.substr(i + 1, close - i - 1);
    std::string_view spec;
    if (auto colon = field.find(':'); colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (field != "db_id") throw bad("only the {db_id} field is available, got {" + std::string(field) + "}");
    // Supported specs: "", "d", "Nd", "0Nd".
    bool zero = !spec.empty() && spec[0] == '0';
    std::string_view width = spec.substr(zero ? 1 : 0);
    if (!width.empty() && width.back() == 'd') width.remove_suffix(1);
    // A width is bounded (the template may come from a downloaded manifest): no object key
    // can be longer than 1024 bytes anyway.
    constexpr size_t kMaxWidth = 1024;
    size_t pad = 0;
    for (char w : width) {
      if (w < '0' || w > '9') throw bad("unsupported format spec '" + std::string(spec) + "'");
      pad = pad * 10 + static_cast<size_t>(w - '0');
      if (pad > kMaxWidth) throw bad("format width is larger than " + std::to_string(kMaxWidth));
    }
    std::string digits = std::to_string(db_id);
    if (digits.size() < pad) out.append(pad - digits.size(), zero ? '0' : ' ');
    out += digits;
    i = close;
  }
  return out;
}

}  // namespace shardyfusion
