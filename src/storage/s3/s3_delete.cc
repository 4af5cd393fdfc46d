// DeletePrefix: list everything under the prefix, then DeleteObjects in batches of 1000.
#include "shardyfusion/errors.h"
#include "storage/s3/s3_crypto.h"
#include "storage/s3/s3_errors.h"
#include "storage/s3/s3_object_store.h"
#include "storage/s3/s3_parallel.h"
#include "storage/s3/s3_xml.h"

namespace shardyfusion::s3 {
namespace {

constexpr size_t kDeleteBatch = 1000;  // S3's DeleteObjects limit

}  // namespace

void S3ObjectStore::DeleteBatch(const std::vector<std::string>& keys) {
  std::string body = "<Delete><Quiet>true</Quiet>";
  for (const std::string& key : keys) body += "<Object><Key>" + XmlEscape(key) + "</Key></Object>";
  body += "</Delete>";
  S3Request request;
  request.method = "POST";
  request.query = {{"delete", ""}};
  request.body = body;
  request.headers.push_back("Content-Type: application/xml");
  request.headers.push_back("Content-MD5: " + Md5Base64(body));  // required by S3
  S3Response response = client_.Send(request);
  if (!response.ok()) ThrowForResponse(client_, request, response);
  // Quiet mode lists only failures; retry those one by one (Delete has its own retries).
  std::vector<std::string> failed;
  for (const XmlNode* error : ParseXml(response.body).ChildrenNamed("Error")) {
    failed.push_back(error->ChildText("Key"));
  }
  ParallelFor(failed.size(), kMaxParallelRequests, [&](size_t i) { Delete(failed[i]); });
}

size_t S3ObjectStore::DeletePrefix(const std::string& prefix) {
  // Always a directory: "attempt=0" must not take "attempt=01/..." with it.
  // An empty prefix becomes "/", which matches nothing, as in every other store.
  std::string dir = !prefix.empty() && prefix.back() == '/' ? prefix : prefix + "/";
  size_t deleted = 0;
  std::string token;
  do {
    ListPage page = List(dir, "", token, kDeleteBatch);
    std::vector<std::string> keys;
    for (const ObjectInfo& object : page.objects) keys.push_back(object.key);
    if (!keys.empty()) DeleteBatch(keys);
    deleted += keys.size();
    token = page.next_token.value_or("");
    // Listing continues from the token: S3 tokens stay valid while keys are deleted.
  } while (!token.empty());
  return deleted;
}

}  // namespace shardyfusion::s3
