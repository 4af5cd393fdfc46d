#include "storage/local_list.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "storage/file_util.h"
#include "storage/local_layout.h"

namespace shardyfusion::local_layout {
namespace {

struct DirEntry {
  std::string name;
  bool is_dir;
  std::string sort_key;  // dirs sort as "name/" so a depth-first walk yields key order
};

// Entries of `dir` minus ours: regular files (or symlinks to them) and real directories
// (symlinked directories are skipped: they could form cycles).  Missing dir: none.
std::vector<DirEntry> ReadDir(const std::string& dir) {
  std::vector<DirEntry> entries;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (IsMissing(errno)) return entries;
    file_util::ThrowErrno("list directory", dir, errno);
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || IsReservedName(name)) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISLNK(st.st_mode)) {
        if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
      }
      is_dir = S_ISDIR(st.st_mode);
      if (!is_dir && !S_ISREG(st.st_mode)) continue;
    } else if (e->d_type != DT_DIR && e->d_type != DT_REG) {
      continue;
    }
    std::string n(name);
    entries.push_back({n, is_dir, is_dir ? n + "/" : n});
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.sort_key < b.sort_key; });
  return entries;
}

// One List call: a depth-first walk in key order that stops after max_keys entries.
class Lister {
 public:
  Lister(const std::string& root_dir, const std::string& prefix, const std::string& delimiter,
         const std::string& token, size_t max_keys, ListPage* page)
      : root_(root_dir == "/" ? "" : root_dir),
        prefix_(prefix),
        delimiter_(delimiter),
        token_(token),
        max_keys_(max_keys),
        page_(page) {}

  // `rel_dir` is "" or "a/b/".  Returns false once the page is full.
  bool Walk(const std::string& rel_dir) {
    for (const DirEntry& e : ReadDir(PathOf(rel_dir))) {
      if (!(e.is_dir ? VisitDir(rel_dir + e.name + "/") : VisitFile(rel_dir + e.name))) {
        return false;
      }
    }
    return true;
  }

 private:
  std::string PathOf(const std::string& rel) const {
    return rel.empty() ? (root_.empty() ? "/" : root_) : root_ + "/" + rel;
  }
  bool AfterToken(const std::string& s) const { return token_.empty() || s > token_; }

  bool VisitDir(const std::string& d) {
    if (!StartsWith(d, prefix_) && !StartsWith(prefix_, d)) return true;
    // Every key under d sorts before the token: nothing to resume there.
    if (!token_.empty() && d < token_ && !StartsWith(token_, d)) return true;
    if (delimiter_ == "/" && StartsWith(d, prefix_) && d.size() > prefix_.size()) {
      // The whole subtree rolls up into one common prefix: no need to walk it.
      std::string cp = d.substr(0, d.find('/', prefix_.size()) + 1);
      if (!AfterToken(cp) || cp == last_prefix_ || !HasObject(d)) return true;
      return EmitPrefix(cp);
    }
    return Walk(d);
  }

  bool VisitFile(const std::string& key) {
    if (!StartsWith(key, prefix_) || !AfterToken(key)) return true;
    if (!delimiter_.empty()) {
      size_t pos = key.find(delimiter_, prefix_.size());
      if (pos != std::string::npos) {
        // Keys sharing a common prefix are adjacent in key order.
        std::string cp = key.substr(0, pos + delimiter_.size());
        if (!AfterToken(cp) || cp == last_prefix_) return true;
        return EmitPrefix(cp);
      }
    }
    struct stat st;
    if (::stat(PathOf(key).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return true;  // deleted while we listed
    }
    if (!MakeRoom(key)) return false;
    page_->objects.push_back({key, static_cast<uint64_t>(st.st_size), ETagOf(st)});
    return true;
  }

  bool EmitPrefix(const std::string& cp) {
    if (!MakeRoom(cp)) return false;
    page_->common_prefixes.push_back(cp);
    last_prefix_ = cp;
    return true;
  }

  // False (and a continuation token) when the page is already full.
  bool MakeRoom(const std::string& next) {
    if (emitted_ == max_keys_) {
      page_->next_token = last_emitted_;
      return false;
    }
    ++emitted_;
    last_emitted_ = next;
    return true;
  }

  // Whether the subtree at `rel_dir` holds at least one object.
  bool HasObject(const std::string& rel_dir) const {
    for (const DirEntry& e : ReadDir(PathOf(rel_dir))) {
      if (!e.is_dir || HasObject(rel_dir + e.name + "/")) return true;
    }
    return false;
  }

  const std::string root_;  // "" for the file system root
  const std::string& prefix_;
  const std::string& delimiter_;
  const std::string& token_;
  const size_t max_keys_;
  ListPage* page_;
  size_t emitted_ = 0;
  std::string last_emitted_;
  std::string last_prefix_;
};

}  // namespace

ListPage ListTree(const std::string& root_dir, const std::string& prefix,
                  const std::string& delimiter, const std::string& token, size_t max_keys) {
  ListPage page;
  if (max_keys == 0) return page;
  // Start at the deepest directory the prefix names; no valid key lies under a bad one.
  size_t slash = prefix.rfind('/');
  std::string dir = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
  if (!IsValidDirPart(dir)) return page;
  Lister(root_dir, prefix, delimiter, token, max_keys, &page).Walk(dir);
  return page;
}

}  // namespace shardyfusion::local_layout
