// Default implementations shared by every ObjectStore.
#include <fstream>
#include <sstream>

#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"

namespace shardyfusion {

PutResult ObjectStore::PutFile(const std::string& key, const std::string& local_path,
                               const PutOptions& options) {
  std::ifstream in(local_path, std::ios::binary);
  if (!in) throw ObjectStoreError("cannot open local file for upload: " + local_path);
  std::ostringstream body;
  body << in.rdbuf();
  return Put(key, body.str(), options);
}

bool ObjectStore::GetToFile(const std::string& key, const std::string& local_path) {
  auto body = Get(key);
  if (!body) return false;
  std::ofstream out(local_path, std::ios::binary | std::ios::trunc);
  out.write(body->data(), static_cast<std::streamsize>(body->size()));
  out.flush();
  if (!out) throw ObjectStoreError("cannot write local file: " + local_path);
  return true;
}

size_t ObjectStore::DeletePrefix(const std::string& prefix) {
  std::string dir = prefix;
  if (dir.empty() || dir.back() != '/') dir += '/';
  size_t count = 0;
  for (const auto& obj : ListAllObjects(*this, dir)) {
    Delete(obj.key);
    ++count;
  }
  return count;
}

std::vector<ObjectInfo> ListAllObjects(ObjectStore& store, const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    ListPage page = store.List(prefix, "", token);
    for (auto& obj : page.objects) out.push_back(std::move(obj));
    token = page.next_token.value_or("");
  } while (!token.empty());
  return out;
}

std::vector<std::string> ListAllCommonPrefixes(ObjectStore& store, const std::string& prefix,
                                               const std::string& delimiter) {
  std::vector<std::string> out;
  std::string token;
  do {
    ListPage page = store.List(prefix, delimiter, token);
    for (auto& p : page.common_prefixes) out.push_back(std::move(p));
    token = page.next_token.value_or("");
  } while (!token.empty());
  return out;
}

}  // namespace shardyfusion
