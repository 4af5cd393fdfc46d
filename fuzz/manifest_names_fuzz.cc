// Names around manifests: ParseManifestDirName and RunIdFromRef (listing entries, refs from
// `_CURRENT`, db_urls from manifests) and FormatDbPath (db_path_template comes from a
// downloaded manifest).  Dir names never throw; FormatDbPath throws only
// ConfigValidationError.  The name parsers used to be std::regex (a stack overflow on long
// input); short inputs are still checked against those regexes, differentially.
#include <regex>

#include "fuzz/fuzz_util.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

using namespace shardyfusion;

namespace {

// The former implementations: the specification of what the scans must accept.
std::optional<std::pair<std::string, std::string>> RegexDirName(std::string_view name) {
  static const std::regex kPattern(
      R"(^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_run_id=([^/]+)/?$)");
  std::cmatch m;
  if (!std::regex_match(name.begin(), name.end(), m, kPattern)) return std::nullopt;
  return std::make_pair(m[1].str(), m[2].str());
}

std::string RegexRunId(std::string_view ref) {
  static const std::regex kRunId("run_id=([^/]+)");
  std::cmatch m;
  if (!std::regex_search(ref.begin(), ref.end(), m, kRunId)) return {};
  return m[1].str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsView(data, size);
  if (auto ref = ParseManifestDirName(text)) {
    FUZZ_CHECK(!ref->run_id.empty());
    // Well-formed names round trip.
    std::string name = ManifestDirName(ref->published_at, ref->run_id);
    auto again = ParseManifestDirName(name);
    FUZZ_CHECK(again && again->run_id == ref->run_id && again->published_at == ref->published_at);
  }
  std::string run_id = RunIdFromRef(text);
  FUZZ_CHECK(run_id.find('/') == std::string::npos);
  if (size <= 2048) {
    FUZZ_CHECK(run_id == RegexRunId(text));
    auto expected = RegexDirName(text);
    auto got = ParseManifestDirName(text);
    if (got) {
      FUZZ_CHECK(expected && expected->second == got->run_id);
      FUZZ_CHECK(FormatDirTime(got->published_at) == expected->first ||
                 ParseIsoTime(expected->first) == got->published_at);
    } else if (expected) {
      // Only a well-shaped but impossible time (month 13 ...) may be refused.
      bool bad_time = false;
      try {
        ParseIsoTime(expected->first);
      } catch (const ManifestParseError&) {
        bad_time = true;
      }
      FUZZ_CHECK(bad_time);
    }
  }
  for (uint32_t db_id : {0u, 7u, 4294967295u}) {
    try {
      std::string path = FormatDbPath(text, db_id);
      // Each field is at least 7 bytes and expands to at most 1024 (the width cap).
      FUZZ_CHECK(path.size() <= 160 * text.size());
    } catch (const ConfigValidationError&) {
    }
  }
  return 0;
}
