// ParseCurrentPointer over arbitrary bytes: only ManifestParseError may escape, and a
// pointer that parses re-encodes to a body that parses to the same pointer.
#include "fuzz/fuzz_util.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

using namespace shardyfusion;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CurrentPointer p;
  try {
    p = ParseCurrentPointer(fuzz::AsView(data, size));
  } catch (const ManifestParseError&) {
    return 0;
  }
  FUZZ_CHECK(!p.manifest_ref.empty());
  CurrentPointer q = ParseCurrentPointer(EncodeCurrentPointer(p));
  FUZZ_CHECK(q.format_version == p.format_version);
  FUZZ_CHECK(q.manifest_content_type == p.manifest_content_type);
  FUZZ_CHECK(q.manifest_ref == p.manifest_ref);
  FUZZ_CHECK(q.run_id == p.run_id);
  FUZZ_CHECK(q.updated_at == p.updated_at);
  return 0;
}
