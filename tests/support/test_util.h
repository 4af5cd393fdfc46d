// Small helpers shared by the test suites.
#pragma once

#include <string>
#include <string_view>

namespace shardyfusion::testing {

std::string HexEncode(std::string_view bytes);
std::string HexDecode(std::string_view hex);
std::string ReadFileOrDie(const std::string& path);
// Entries of /proc/self/fd (a leak check: compare before and after, not the absolute).
int OpenFdCount();
// A fresh directory under the system temp dir, removed by the returned guard.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace shardyfusion::testing
