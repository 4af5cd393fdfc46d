// Storage URL parsing and path helpers: only ConfigValidationError may escape, and a parsed
// s3:// or mem:// URL prints back to a URL that parses to the same parts.
#include "fuzz/fuzz_util.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/url.h"

using namespace shardyfusion;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsView(data, size);
  try {
    StorageUrl u = ParseStorageUrl(text);
    FUZZ_CHECK(u.scheme == "s3" || u.scheme == "mem" || u.scheme == "file");
    if (u.scheme != "file") {
      FUZZ_CHECK(!u.bucket.empty());
      StorageUrl again = ParseStorageUrl(u.ToString());
      FUZZ_CHECK(again.scheme == u.scheme && again.bucket == u.bucket && again.key == u.key);
    }
  } catch (const ConfigValidationError&) {
  }
  try {
    ValidateRootUrl(text, "fuzz");
  } catch (const ConfigValidationError&) {
  }
  try {
    ValidatePathSegment(text, "fuzz");
    FUZZ_CHECK(text.find('/') == std::string_view::npos && !text.empty());
  } catch (const ConfigValidationError&) {
  }
  size_t cut = size / 2;
  std::string joined = JoinUrl(text.substr(0, cut), {text.substr(cut), "x"});
  FUZZ_CHECK(joined.size() <= size + 3);
  return 0;
}
