// Random identifiers in the reference's format (Python uuid4().hex).
#pragma once

#include <string>

namespace shardyfusion {

// 32 lowercase hex chars of a random version-4 UUID (RFC 4122 version and variant bits
// set).  Thread-safe and fork-safe: bytes come from the kernel CSPRNG like os.urandom.
std::string Uuid4Hex();

}  // namespace shardyfusion
