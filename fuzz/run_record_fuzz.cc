// ParseRunRecord (yaml-cpp underneath) over arbitrary bytes: only ManifestParseError may
// escape; an accepted record re-encodes (PyYAML style) to YAML that parses to the same
// record (strings byte for byte when they are valid UTF-8).
#include "fuzz/fuzz_util.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/key.h"
#include "shardyfusion/run_registry.h"

using namespace shardyfusion;

namespace {

std::string Show(const std::optional<std::string>& v) {
  if (!v) return "<null>";
  std::string out;
  for (unsigned char c : *v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, (c >= 0x20 && c < 0x7f) ? "%c" : "\\x%02x", c);
    out += buf;
  }
  return out;
}

bool ValidUtf8(const std::optional<std::string>& v) {
  if (!v) return true;
  try {
    (void)Key::Str(*v);
    return true;
  } catch (const KeyEncodingError&) {
    return false;
  }
}

// The emitter writes invalid UTF-8 as U+FFFD (documented in core/py_yaml.h; PyYAML cannot
// be given such text), so only valid UTF-8 must survive byte for byte.
void Same(const std::optional<std::string>& a, const std::optional<std::string>& b, const char* field) {
  if (a == b || !ValidUtf8(a)) return;
  std::fprintf(stderr, "%s differs after a round trip: '%s' -> '%s'\n", field, Show(a).c_str(),
               Show(b).c_str());
  FUZZ_CHECK(false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunRecord r;
  try {
    r = ParseRunRecord(fuzz::AsView(data, size));
  } catch (const ManifestParseError&) {
    return 0;
  }
  std::string yaml = EncodeRunRecord(r);
  RunRecord again;
  try {
    again = ParseRunRecord(yaml);
  } catch (const ManifestParseError& e) {
    std::fprintf(stderr, "re-encoded record does not parse: %s\n---\n%s---\n", e.what(),
                 yaml.c_str());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(again.format_version == r.format_version);
  Same(r.run_id, again.run_id, "run_id");
  Same(r.writer_type, again.writer_type, "writer_type");
  FUZZ_CHECK(again.status == r.status);
  FUZZ_CHECK(again.started_at == r.started_at);
  FUZZ_CHECK(again.updated_at == r.updated_at);
  FUZZ_CHECK(again.lease_expires_at == r.lease_expires_at);
  Same(r.s3_prefix, again.s3_prefix, "s3_prefix");
  Same(r.shard_prefix, again.shard_prefix, "shard_prefix");
  Same(r.db_path_template, again.db_path_template, "db_path_template");
  Same(r.manifest_ref, again.manifest_ref, "manifest_ref");
  Same(r.error_type, again.error_type, "error_type");
  Same(r.error_message, again.error_message, "error_message");
  return 0;
}
