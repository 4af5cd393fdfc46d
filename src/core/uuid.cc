#include "core/uuid.h"

#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

namespace shardyfusion {
namespace {

// Fallback when getrandom() is unavailable (old kernels, seccomp): a per-thread PRNG
// seeded from random_device, the clock, the thread and the pid, reseeded after fork() so
// parent and child never produce the same ids.
void FallbackBytes(std::array<uint8_t, 16>& out) {
  thread_local std::mt19937_64 gen;
  thread_local pid_t seeded_pid = 0;
  if (seeded_pid != ::getpid()) {
    std::random_device rd;
    std::seed_seq seq{
        rd(),
        rd(),
        rd(),
        rd(),
        static_cast<unsigned>(::getpid()),
        static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())),
        static_cast<unsigned>(
            std::chrono::high_resolution_clock::now().time_since_epoch().count())};
    gen.seed(seq);
    seeded_pid = ::getpid();
  }
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t v = gen();
    for (size_t j = 0; j < 8; ++j) out[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
}

void RandomBytes(std::array<uint8_t, 16>& out) {
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::getrandom(out.data() + got, out.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      FallbackBytes(out);
      return;
    }
    got += static_cast<size_t>(n);
  }
}

}  // namespace

std::string Uuid4Hex() {
  std::array<uint8_t, 16> b;
  RandomBytes(b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (size_t i = 0; i < b.size(); ++i) {
    out[2 * i] = kHex[b[i] >> 4];
    out[2 * i + 1] = kHex[b[i] & 0x0F];
  }
  return out;
}

}  // namespace shardyfusion
