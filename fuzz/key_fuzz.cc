// Key decoding: Key::Str's UTF-8 check (differentially, against a table-driven validator
// written from RFC 3629 §4), storage/routing bytes of every key kind under every encoding,
// and the manifest's JSON key/sharding/writer_info decoders.  Only KeyEncodingError (keys)
// and ManifestParseError (JSON decoders) may escape.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.h"
#include "manifest/manifest_json.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/key.h"

using namespace shardyfusion;

namespace {

// RFC 3629 §4 well-formed UTF-8 byte sequences (no surrogates, max U+10FFFF).
bool ReferenceUtf8(std::string_view s) {
  auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  size_t i = 0;
  while (i < s.size()) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    size_t left = s.size() - i;
    unsigned char c = b(0);
    if (c <= 0x7F) { i += 1; continue; }
    if (in(c, 0xC2, 0xDF)) {
      if (left < 2 || !in(b(1), 0x80, 0xBF)) return false;
      i += 2; continue;
    }
    if (in(c, 0xE0, 0xEF)) {
      if (left < 3) return false;
      unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      if (!in(b(1), lo, hi) || !in(b(2), 0x80, 0xBF)) return false;
      i += 3; continue;
    }
    if (in(c, 0xF0, 0xF4)) {
      if (left < 4) return false;
      unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      if (!in(b(1), lo, hi) || !in(b(2), 0x80, 0xBF) || !in(b(3), 0x80, 0xBF)) return false;
      i += 4; continue;
    }
    return false;
  }
  return true;
}

void EveryEncoding(const Key& key) {
  for (auto enc : {KeyEncoding::kU64BE, KeyEncoding::kU32BE, KeyEncoding::kUtf8, KeyEncoding::kRaw}) {
    try {
      std::string bytes = StorageBytes(key, enc);
      if (enc == KeyEncoding::kU64BE) FUZZ_CHECK(bytes.size() == 8);
      if (enc == KeyEncoding::kU32BE) FUZZ_CHECK(bytes.size() == 4);
      if (enc == KeyEncoding::kUtf8 || enc == KeyEncoding::kRaw) FUZZ_CHECK(bytes == key.data());
    } catch (const KeyEncodingError&) {
    }
  }
  try {
    std::string routing = RoutingBytes(key);
    FUZZ_CHECK(RoutingDigest(key) == Xxh3_64(routing));
    FUZZ_CHECK(HashDbId(key, 7) < 7);
  } catch (const KeyEncodingError&) {
  }
  (void)key.ToString();
  FUZZ_CHECK(key == key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsView(data, size);

  bool valid = ReferenceUtf8(text);
  try {
    Key k = Key::Str(std::string(text));
    FUZZ_CHECK(valid);
    FUZZ_CHECK(k.data() == text);
    EveryEncoding(k);
    // What the manifest writes for a key must decode back to the same key.
    auto back = KeyFromJson(nlohmann::json::parse(KeyToJson(k).dump()), "fuzz");
    FUZZ_CHECK(back && *back == k);
  } catch (const KeyEncodingError&) {
    FUZZ_CHECK(!valid);
  }
  Key bytes = Key::Bytes(std::string(text));
  EveryEncoding(bytes);
  (void)KeyToJson(bytes).dump();  // bytes that are not UTF-8 become null, never a throw
  if (size >= 8) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | data[i];
    EveryEncoding(Key::UInt(v));
    EveryEncoding(Key::Int(static_cast<int64_t>(v)));
    FUZZ_CHECK((Key::Int(static_cast<int64_t>(v)) <=> Key::UInt(v)) != 0 ||
               static_cast<int64_t>(v) >= 0);
  }
  try {
    (void)ParseKeyEncoding(text);
  } catch (const ConfigValidationError&) {
  }

  // JSON decoders of manifest fields (min_key/max_key, sharding, writer_info).
  nlohmann::json j;
  try {
    j = ParseJsonField(text, "fuzz");
  } catch (const ManifestParseError&) {
    return 0;
  }
  try {
    (void)KeyFromJson(j, "fuzz");
  } catch (const ManifestParseError&) {
  }
  try {
    ShardingSpec spec = ShardingFromJson(j);
    ShardingSpec again = ShardingFromJson(nlohmann::json::parse(ShardingToJson(spec).dump()));
    FUZZ_CHECK(again.strategy == spec.strategy && again.cel_expr == spec.cel_expr &&
               again.cel_columns == spec.cel_columns && again.routing_values == spec.routing_values);
  } catch (const ManifestParseError&) {
  }
  try {
    (void)WriterInfoFromJson(j);
  } catch (const ManifestParseError&) {
  }
  return 0;
}
