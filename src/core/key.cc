#include "shardyfusion/key.h"

// Inlined so the fixed 8-byte integer case compiles to a few instructions.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <bit>
#include <cstring>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates (Python refuses to encode them) and > U+10FFFF.
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

std::string Hex(std::string_view b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

[[noreturn]] void Reject(const Key& key, KeyEncoding enc, const char* why) {
  throw KeyEncodingError("key " + key.ToString() + " cannot be encoded as " +
                         std::string(KeyEncodingName(enc)) + ": " + why);
}

void AppendBigEndian(uint64_t v, int bytes, std::string& out) {
  char buf[8];
  for (int i = 0; i < bytes; ++i) buf[i] = static_cast<char>((v >> (8 * (bytes - 1 - i))) & 0xFF);
  out.append(buf, bytes);  // one append, not one push_back per byte
}

}  // namespace

Key Key::Str(std::string s) {
  if (!IsValidUtf8(s))
    throw KeyEncodingError("string key is not valid UTF-8: b'" + Hex(s) + "'");
  return Key(Kind::kStr, 0, std::move(s));
}

std::string Key::ToString() const {
  switch (kind_) {
    case Kind::kInt:
      return std::to_string(int_value());
    case Kind::kUInt:
      return std::to_string(int_);
    case Kind::kStr:
      return "\"" + data_ + "\"";
    case Kind::kBytes:
      return "b'" + Hex(data_) + "'";
  }
  return {};
}

bool operator==(const Key& a, const Key& b) { return (a <=> b) == 0; }

std::strong_ordering operator<=>(const Key& a, const Key& b) {
  if (a.is_integer() && b.is_integer()) {
    if (a.is_negative() != b.is_negative()) return a.is_negative() ? std::strong_ordering::less
                                                                   : std::strong_ordering::greater;
    return a.int_ <=> b.int_;  // same sign: unsigned compare of the bit patterns is right
  }
  if (a.is_integer() != b.is_integer()) return a.is_integer() ? std::strong_ordering::less
                                                              : std::strong_ordering::greater;
  if (a.kind_ != b.kind_) return a.kind_ <=> b.kind_;
  int c = a.data_.compare(b.data_);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

std::string_view KeyEncodingName(KeyEncoding encoding) {
  switch (encoding) {
    case KeyEncoding::kU64BE:
      return "u64be";
    case KeyEncoding::kU32BE:
      return "u32be";
    case KeyEncoding::kUtf8:
      return "utf8";
    case KeyEncoding::kRaw:
      return "raw";
  }
  return "?";
}

KeyEncoding ParseKeyEncoding(std::string_view name) {
  for (auto e : {KeyEncoding::kU64BE, KeyEncoding::kU32BE, KeyEncoding::kUtf8, KeyEncoding::kRaw})
    if (KeyEncodingName(e) == name) return e;
  throw ConfigValidationError("key_encoding: unknown value '" + std::string(name) +
                              "' (allowed: u64be, u32be, utf8, raw)");
}

void AppendStorageBytes(const Key& key, KeyEncoding enc, std::string& out) {
  switch (enc) {
    case KeyEncoding::kU64BE:
    case KeyEncoding::kU32BE: {
      if (!key.is_integer()) Reject(key, enc, "an integer key is required");
      if (key.is_negative()) Reject(key, enc, "negative integers are not allowed");
      // Ints must also be routable (signed 64-bit), so u64be accepts [0, 2^63-1] only.
      if (key.uint_value() > static_cast<uint64_t>(INT64_MAX))
        Reject(key, enc, "integers >= 2^63 cannot be routed");
      if (enc == KeyEncoding::kU32BE) {
        if (key.uint_value() > UINT32_MAX) Reject(key, enc, "value does not fit in 32 bits");
        AppendBigEndian(key.uint_value(), 4, out);
      } else {
        AppendBigEndian(key.uint_value(), 8, out);
      }
      return;
    }
    case KeyEncoding::kUtf8:
    case KeyEncoding::kRaw:
      if (key.is_integer()) Reject(key, enc, "a string or bytes key is required");
      out += key.data();
      return;
  }
}

std::string StorageBytes(const Key& key, KeyEncoding encoding) {
  std::string out;
  AppendStorageBytes(key, encoding, out);
  return out;
}

std::string RoutingBytes(const Key& key) {
  if (!key.is_integer()) return key.data();
  if (key.kind() == Key::Kind::kUInt && key.uint_value() > static_cast<uint64_t>(INT64_MAX))
    throw KeyEncodingError("key " + key.ToString() +
                           " cannot be routed: integers must fit in a signed 64-bit value");
  uint64_t v = key.uint_value();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

uint64_t Xxh3_64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

uint64_t RoutingDigest(const Key& key) {
  if (!key.is_integer()) return Xxh3_64(key.data());
  if (key.kind() == Key::Kind::kUInt && key.uint_value() > static_cast<uint64_t>(INT64_MAX))
    return Xxh3_64(RoutingBytes(key));  // throws the routing error
  // Hot path: the value's little-endian bytes, no allocation.
  uint64_t le = key.uint_value();
  if constexpr (std::endian::native == std::endian::big) le = __builtin_bswap64(le);
  return XXH3_64bits(&le, sizeof le);
}

uint32_t HashDbId(const Key& key, uint32_t num_dbs) {
  return static_cast<uint32_t>(RoutingDigest(key) % num_dbs);
}

}  // namespace shardyfusion
