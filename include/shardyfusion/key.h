// Logical keys, key encodings and the canonical routing bytes (format.md §3).
//
// A logical key is an integer (signed or unsigned 64-bit), a UTF-8 string or bytes.  It
// has two unrelated byte forms: routing bytes (hashed to pick a shard; depend only on the
// key's type) and storage bytes (stored in the shard; depend on the key encoding).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace shardyfusion {

class Key {
 public:
  enum class Kind : uint8_t { kInt, kUInt, kStr, kBytes };

  Key() = default;  // the integer 0
  static Key Int(int64_t v) { return Key(Kind::kInt, static_cast<uint64_t>(v), {}); }
  static Key UInt(uint64_t v) { return Key(Kind::kUInt, v, {}); }
  // Throws KeyEncodingError when `s` is not valid UTF-8 (so no later step has to check).
  static Key Str(std::string s);
  static Key Bytes(std::string b) { return Key(Kind::kBytes, 0, std::move(b)); }

  Kind kind() const { return kind_; }
  bool is_integer() const { return kind_ == Kind::kInt || kind_ == Kind::kUInt; }
  int64_t int_value() const { return static_cast<int64_t>(int_); }
  uint64_t uint_value() const { return int_; }
  // True when the integer is negative (only possible for kInt).
  bool is_negative() const { return kind_ == Kind::kInt && static_cast<int64_t>(int_) < 0; }
  const std::string& data() const { return data_; }  // text or bytes

  // Human-readable form for messages: 42, "abc", b'00ff'.
  std::string ToString() const;

  // Natural order used for per-shard min/max: integers numerically (signed and unsigned
  // compare by value), strings and bytes bytewise.  Comparing an integer with a string or
  // bytes is meaningless; callers check is_integer() first (see MinMaxTracker).
  friend bool operator==(const Key& a, const Key& b);
  friend std::strong_ordering operator<=>(const Key& a, const Key& b);

 private:
  Key(Kind kind, uint64_t i, std::string data) : kind_(kind), int_(i), data_(std::move(data)) {}
  Kind kind_ = Kind::kInt;
  uint64_t int_ = 0;
  std::string data_;
};

enum class KeyEncoding : uint8_t { kU64BE, kU32BE, kUtf8, kRaw };

// "u64be", "u32be", "utf8", "raw".
std::string_view KeyEncodingName(KeyEncoding encoding);
// Throws ConfigValidationError listing the allowed values.
KeyEncoding ParseKeyEncoding(std::string_view name);

// Storage bytes of `key` under `encoding`, appended to `out`.  Throws KeyEncodingError
// naming the key and the encoding for what the reference rejects (e.g. a string under
// u64be, a negative int, an int >= 2^32 under u32be, an int under utf8/raw).
void AppendStorageBytes(const Key& key, KeyEncoding encoding, std::string& out);
std::string StorageBytes(const Key& key, KeyEncoding encoding);

// Routing bytes: int -> 8-byte little-endian two's complement (must fit in int64; an
// unsigned key >= 2^63 is rejected), str -> UTF-8, bytes -> unchanged.
std::string RoutingBytes(const Key& key);

// XXH3-64, seed 0, of the routing bytes.  Throws like RoutingBytes.
uint64_t RoutingDigest(const Key& key);
uint64_t Xxh3_64(std::string_view data);

// HASH routing: RoutingDigest(key) % num_dbs.
uint32_t HashDbId(const Key& key, uint32_t num_dbs);

}  // namespace shardyfusion
