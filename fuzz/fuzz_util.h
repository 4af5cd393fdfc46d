// Helpers shared by the libFuzzer targets.
//
// Contract every target checks: a parser either returns a value or throws the library error
// type its header documents.  Any other exception escapes LLVMFuzzerTestOneInput, reaches
// std::terminate and is reported by libFuzzer as a crash, like ASan/UBSan findings.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace shardyfusion::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the parser must keep (round trips etc.); aborts so libFuzzer saves the input.
#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, \
                   #cond);                                                         \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

}  // namespace shardyfusion::fuzz
