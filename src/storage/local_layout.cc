#include "storage/local_layout.h"

#include <cstdio>

#include "shardyfusion/errors.h"
#include "storage/file_util.h"

namespace shardyfusion::local_layout {
namespace {

const char* SegmentProblem(std::string_view segment) {
  if (segment.empty()) return "empty path segment (leading, trailing or double '/')";
  if (segment == "." || segment == "..") return "'.' or '..' path segment";
  if (IsReservedName(segment)) return "segment uses the reserved prefix '.sf-tmp.'";
  if (segment.find('\0') != std::string_view::npos) return "NUL byte";
  return nullptr;
}

}  // namespace

bool IsReservedName(std::string_view name) { return StartsWith(name, file_util::kReservedPrefix); }

const char* KeyProblem(std::string_view key) {
  if (key.empty()) return "empty key";
  if (key.front() == '/') return "absolute key";
  size_t start = 0;
  for (;;) {
    size_t slash = key.find('/', start);
    if (const char* problem = SegmentProblem(key.substr(start, slash - start))) return problem;
    if (slash == std::string_view::npos) return nullptr;
    start = slash + 1;
  }
}

void ValidateKey(const std::string& key) {
  if (const char* problem = KeyProblem(key)) {
    throw ObjectStoreError("local store: invalid key '" + key + "': " + problem);
  }
}

bool IsValidDirPart(std::string_view dir) {
  return dir.empty() || (dir.back() == '/' && KeyProblem(dir.substr(0, dir.size() - 1)) == nullptr);
}

std::string ETagOf(const struct stat& st) {
  unsigned long long mtime_ns =
      static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL + st.st_mtim.tv_nsec;
  char buf[80];
  std::snprintf(buf, sizeof(buf), "\"%llx-%llx-%llx\"", static_cast<unsigned long long>(st.st_ino),
                static_cast<unsigned long long>(st.st_size), mtime_ns);
  return buf;
}

}  // namespace shardyfusion::local_layout
