// Byte-order helpers private to the sidecar codec.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shardyfusion::sqlite {

inline uint16_t ReadU16BE(std::string_view b, size_t at) {
  return static_cast<uint16_t>((static_cast<unsigned char>(b[at]) << 8) |
                               static_cast<unsigned char>(b[at + 1]));
}

inline uint32_t ReadU32BE(std::string_view b, size_t at) {
  return (uint32_t{static_cast<unsigned char>(b[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(b[at + 3])};
}

inline uint64_t ReadLE(std::string_view b, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

inline void AppendLE(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void AppendU32(std::string& out, uint32_t v) { AppendLE(out, v, 4); }
inline void AppendU64(std::string& out, uint64_t v) { AppendLE(out, v, 8); }

}  // namespace shardyfusion::sqlite
