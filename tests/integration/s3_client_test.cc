// S3 client behaviour that needs a scripted server (retries, timeouts), an independent
// SigV4 check of what curl sends, option resolution, and the small parsers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/s3_options.h"
#include "storage/s3/s3_config.h"
#include "storage/s3/s3_crypto.h"
#include "storage/s3/s3_object_store.h"
#include "storage/s3/s3_uri.h"
#include "storage/s3/s3_xml.h"
#include "support/fake_http_server.h"
#include "support/sigv4_verifier.h"
#include "support/test_util.h"

namespace shardyfusion {
namespace {

using testing::FakeHttpServer;
using testing::HttpRequest;
using testing::HttpResponse;

constexpr char kSecret[] = "s3cr3t/with+chars=";

S3Options FakeOptions(const std::string& endpoint) {
  S3Options options;
  options.endpoint_url = endpoint;
  options.region = "eu-west-1";
  options.credentials = S3Credentials{"AKIDTEST", kSecret, ""};
  options.initial_backoff_s = 0.001;
  options.max_backoff_s = 0.01;
  options.max_attempts = 3;
  return options;
}

HttpResponse S3Error(int status, const std::string& code, const std::string& message) {
  return {status,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
              message + "</Message></Error>",
          {"Content-Type: application/xml"}};
}

// ---------------------------------------------------------------------------------------
// Retries

TEST(S3RetryTest, ServerErrorsAreRetriedUntilSuccess) {
  FakeHttpServer server([](const HttpRequest&, int i) {
    if (i < 2) return S3Error(503, "SlowDown", "Please reduce your request rate.");
    return HttpResponse{200, "payload", {}};
  });
  auto store = MakeS3ObjectStore("bkt", FakeOptions(server.endpoint()));
  EXPECT_EQ(store->Get("a/b"), "payload");
  EXPECT_EQ(server.request_count(), 3);
}

TEST(S3RetryTest, RetriedPutResendsTheWholeBody) {
  const std::string body(3 << 20, 'z');  // large enough for curl's Expect: 100-continue
  FakeHttpServer server([](const HttpRequest&, int i) {
    if (i == 0) return S3Error(500, "InternalError", "We encountered an internal error.");
    return HttpResponse{200, "", {"ETag: \"abc\""}};
  });
  auto store = MakeS3ObjectStore("bkt", FakeOptions(server.endpoint()));
  EXPECT_EQ(store->Put("k", body).etag, "\"abc\"");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "PUT");
    EXPECT_EQ(request.body.size(), body.size());
    EXPECT_TRUE(request.body == body);
  }
}

TEST(S3RetryTest, ExhaustedRetriesThrowTransientErrorNamingTheRequest) {
  FakeHttpServer server([](const HttpRequest&, int) {
    return S3Error(500, "InternalError", "We encountered an internal error.");
  });
  auto store = MakeS3ObjectStore("bkt", FakeOptions(server.endpoint()));
  try {
    store->Get("dir/key=1");
    FAIL() << "expected S3TransientError";
  } catch (const S3TransientError& e) {
    std::string what = e.what();
    EXPECT_TRUE(e.retryable());
    EXPECT_TRUE(IsRetryable(e));
    for (const char* part : {"GET", "s3://bkt/dir/key=1", "500", "InternalError",
                             "We encountered an internal error.", "3 attempt"}) {
      EXPECT_NE(what.find(part), std::string::npos) << part << " missing in: " << what;
    }
  }
  EXPECT_EQ(server.request_count(), 3);
}

TEST(S3RetryTest, DroppedDownloadStartsTheFileOver) {
  const std::string body(100000, 'd');
  FakeHttpServer server([&](const HttpRequest&, int i) {
    HttpResponse response{200, body, {}};
    if (i == 0) response.truncate_body_at = 60000;
    return response;
  });
  auto store = MakeS3ObjectStore("bkt", FakeOptions(server.endpoint()));
  testing::TempDir tmp;
  ASSERT_TRUE(store->GetToFile("k", tmp.path() + "/out"));
  EXPECT_EQ(server.request_count(), 2);
  EXPECT_TRUE(testing::ReadFileOrDie(tmp.path() + "/out") == body);
}

TEST(S3RetryTest, ThrottlingOnPutIsRetriedToo) {
  FakeHttpServer server(
      [](const HttpRequest&, int) { return S3Error(429, "TooManyRequests", "slow down"); });
  S3Options options = FakeOptions(server.endpoint());
  options.max_attempts = 2;
  auto store = MakeS3ObjectStore("bkt", options);
  EXPECT_THROW(store->Put("k", "v"), S3TransientError);
  EXPECT_EQ(server.request_count(), 2);
}

TEST(S3RetryTest, ConnectionRefusedIsTransient) {
  S3Options options =
      FakeOptions("http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()));
  options.max_attempts = 2;
  auto store = MakeS3ObjectStore("bkt", options);
  try {
    store->Head("k");
    FAIL() << "expected S3TransientError";
  } catch (const S3TransientError& e) {
    EXPECT_NE(std::string(e.what()).find("curl error"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2 attempt"), std::string::npos) << e.what();
  }
}

TEST(S3RetryTest, RetryBudgetEndsRetriesBeforeMaxAttempts) {
  FakeHttpServer server([](const HttpRequest&, int) { return S3Error(503, "SlowDown", "x"); });
  S3Options options = FakeOptions(server.endpoint());
  options.max_attempts = 1000;
  options.initial_backoff_s = 0.02;
  options.max_backoff_s = 0.02;
  options.retry_budget_s = 0.1;
  auto store = MakeS3ObjectStore("bkt", options);
  EXPECT_THROW(store->Get("k"), S3TransientError);
  EXPECT_GE(server.request_count(), 1);
  EXPECT_LT(server.request_count(), 1000);
}

TEST(S3RetryTest, ClientErrorsAreNotRetried) {
  FakeHttpServer server(
      [](const HttpRequest&, int) { return S3Error(403, "AccessDenied", "Access Denied"); });
  auto store = MakeS3ObjectStore("bkt", FakeOptions(server.endpoint()));
  try {
    store->Put("secret/k", "v");
    FAIL() << "expected ObjectStoreError";
  } catch (const S3TransientError& e) {
    FAIL() << "403 must not be transient: " << e.what();
  } catch (const ObjectStoreError& e) {
    EXPECT_FALSE(e.retryable());
    std::string what = e.what();
    EXPECT_NE(what.find("AccessDenied"), std::string::npos) << what;
    EXPECT_NE(what.find("PUT s3://bkt/secret/k"), std::string::npos) << what;
  }
  EXPECT_EQ(server.request_count(), 1);
}

TEST(S3RetryTest, StalledResponseHitsTheReadTimeoutAndIsRetried) {
  FakeHttpServer server([](const HttpRequest&, int i) {
    // The first answer comes after the client gave up waiting.
    if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    return HttpResponse{200, "late but fine", {}};
  });
  S3Options options = FakeOptions(server.endpoint());
  options.read_timeout_s = 1;
  auto store = MakeS3ObjectStore("bkt", options);
  EXPECT_EQ(store->Get("k"), "late but fine");
  EXPECT_EQ(server.request_count(), 2);
}

TEST(S3RetryTest, ErrorInsideA200CompleteMultipartUploadIsRetried) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/f.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string((5 << 20) + 10, 'q');
  }
  int completes = 0;
  FakeHttpServer server([&](const HttpRequest& r, int) -> HttpResponse {
    if (r.method == "POST" && r.target.find("uploads=") != std::string::npos) {
      return {200,
              "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
              "</InitiateMultipartUploadResult>",
              {}};
    }
    if (r.method == "PUT") return {200, "", {"ETag: \"part\""}};
    if (r.method == "POST" && ++completes == 1) {
      return {200,
              "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code>"
              "<Message>try again</Message></Error>",
              {}};
    }
    return {200,
            "<CompleteMultipartUploadResult><ETag>&quot;whole-2&quot;</ETag>"
            "</CompleteMultipartUploadResult>",
            {}};
  });
  S3Options options = FakeOptions(server.endpoint());
  options.multipart_threshold_bytes = 5 << 20;
  options.multipart_part_bytes = 5 << 20;
  auto store = MakeS3ObjectStore("bkt", options);
  EXPECT_EQ(store->PutFile("k", path).etag, "\"whole-2\"");
  EXPECT_EQ(completes, 2);
}

TEST(S3DeletePrefixTest, PagesOfKeysBecomeBatchesOfAtMost1000) {
  // Two list pages (1000 + 10 keys); every DeleteObjects body carries a valid Content-MD5.
  FakeHttpServer server([](const HttpRequest& r, int) -> HttpResponse {
    if (r.method == "GET") {
      bool second = r.target.find("continuation-token=") != std::string::npos;
      std::string xml = "<ListBucketResult>";
      for (int i = 0; i < (second ? 10 : 1000); ++i) {
        xml += "<Contents><Key>d/" + std::to_string(second ? 1000 + i : i) +
               "&amp;x</Key><Size>1</Size></Contents>";
      }
      xml += second ? "<IsTruncated>false</IsTruncated>"
                    : "<IsTruncated>true</IsTruncated><NextContinuationToken>t1"
                      "</NextContinuationToken>";
      return {200, xml + "</ListBucketResult>", {}};
    }
    return {200, "<DeleteResult/>", {}};
  });
  auto store = MakeS3ObjectStore("bkt", FakeOptions(server.endpoint()));
  EXPECT_EQ(store->DeletePrefix("d"), 1010u);
  std::vector<size_t> batch_sizes;
  for (const HttpRequest& r : server.requests()) {
    if (r.method != "POST") continue;
    EXPECT_EQ(r.target, "/bkt?delete=");
    EXPECT_EQ(r.Header("content-md5"), s3::Md5Base64(r.body));
    s3::XmlNode root = s3::ParseXml(r.body);
    EXPECT_EQ(root.ChildText("Quiet"), "true");
    auto objects = root.ChildrenNamed("Object");
    batch_sizes.push_back(objects.size());
    EXPECT_EQ(objects.front()->ChildText("Key").substr(0, 2), "d/");
    EXPECT_EQ(objects.front()->ChildText("Key").back(), 'x');
  }
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{1000, 10}));
}

// ---------------------------------------------------------------------------------------
// Signatures

TEST(S3SignatureTest, VerifierReproducesTheAwsDocumentationExample) {
  // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object".
  HttpRequest request;
  request.method = "GET";
  request.target = "/test.txt";
  request.headers = {
      {"host", "examplebucket.s3.amazonaws.com"},
      {"range", "bytes=0-9"},
      {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"x-amz-date", "20130524T000000Z"},
      {"authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  auto verdict = testing::VerifySigV4(request, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  EXPECT_TRUE(verdict.ok) << verdict.problem << "\n" << verdict.canonical_request;
  EXPECT_FALSE(testing::VerifySigV4(request, "wrong").ok);
}

// Answers every S3 call the store makes with something plausible, so each request shape
// gets captured.
HttpResponse PlausibleS3Answer(const HttpRequest& r, int) {
  const std::string& t = r.target;
  if (r.method == "GET" && t.find("list-type=2") != std::string::npos) {
    return {200,
            "<ListBucketResult><IsTruncated>false</IsTruncated>"
            "<Contents><Key>p/a=1</Key><Size>1</Size><ETag>&quot;e&quot;</ETag></Contents>"
            "</ListBucketResult>",
            {}};
  }
  if (r.method == "POST" && t.find("uploads=") != std::string::npos) {
    return {200,
            "<InitiateMultipartUploadResult><UploadId>id/with+odd=chars</UploadId>"
            "</InitiateMultipartUploadResult>",
            {}};
  }
  if (r.method == "POST" && t.find("uploadId=") != std::string::npos) {
    return {200,
            "<CompleteMultipartUploadResult><ETag>\"m-2\"</ETag>"
            "</CompleteMultipartUploadResult>",
            {}};
  }
  if (r.method == "POST" && t.find("delete=") != std::string::npos) {
    return {200, "<DeleteResult></DeleteResult>", {}};
  }
  if (r.method == "DELETE") return {204, "", {}};
  if (r.method == "GET" && !r.Header("range").empty()) {
    return {206, "abc", {"Content-Range: bytes 0-2/3"}};
  }
  return {200, "abc", {"ETag: \"e\""}};
}

void ExpectAllSignaturesVerify(const FakeHttpServer& server, const std::string& secret) {
  for (const HttpRequest& request : server.requests()) {
    auto verdict = testing::VerifySigV4(request, secret);
    EXPECT_TRUE(verdict.ok) << request.method << " " << request.target << ": " << verdict.problem
                            << "\ncanonical request:\n"
                            << verdict.canonical_request;
  }
}

TEST(S3SignatureTest, EveryRequestShapeIsSignedAsS3RecomputesIt) {
  FakeHttpServer server(PlausibleS3Answer);
  testing::TempDir tmp;
  const std::string big = tmp.path() + "/big.bin";
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string((5 << 20) + 1, 'b');
  }
  S3Options options = FakeOptions(server.endpoint());
  options.multipart_threshold_bytes = 5 << 20;
  options.multipart_part_bytes = 5 << 20;
  auto store = MakeS3ObjectStore("bkt", options);

  const std::string key = "prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc/manifest";
  store->Put(key, "body", {.content_type = "application/json; charset=utf-8"});
  store->Put(key, "body", {.if_none_match = true});
  store->Put(key, "body", {.if_match = "\"e\""});
  store->Get("odd/sp ace+plus%percent~tilde/\xc3\xa9");
  store->Head(key);
  store->GetRanges(key, {{0, 2}, {1, 2}});
  store->List("prefix/run_id=a:b/", "/", "token+/with=chars", 7);
  store->Delete(key);
  store->DeletePrefix("p");
  store->PutFile("big/run_id=1", big);
  ASSERT_GE(server.request_count(), 12);

  // The path curl sent is the canonical encoding (nothing left for S3 to re-encode).
  EXPECT_EQ(server.requests()[0].target,
            "/bkt/prefix/manifests/2026-04-20T15%3A23%3A01.123456Z_run_id%3Dabc/manifest");
  ExpectAllSignaturesVerify(server, kSecret);
}

TEST(S3SignatureTest, SessionTokenIsSentAndSigned) {
  FakeHttpServer server(PlausibleS3Answer);
  S3Options options = FakeOptions(server.endpoint());
  options.credentials->session_token = "FwoGZXIvYXdzE//token==";
  auto store = MakeS3ObjectStore("bkt", options);
  store->Put("k", "v");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("x-amz-security-token"), "FwoGZXIvYXdzE//token==");
  EXPECT_NE(requests[0].Header("authorization").find("x-amz-security-token"), std::string::npos);
  ExpectAllSignaturesVerify(server, kSecret);
}

TEST(S3SignatureTest, VirtualHostedAddressingPutsTheBucketInTheHost) {
  FakeHttpServer server(PlausibleS3Answer);
  // curl resolves *.localhost to loopback itself, so no DNS is needed.
  std::string endpoint = server.endpoint();
  endpoint.replace(endpoint.find("127.0.0.1"), 9, "localhost");
  S3Options options = FakeOptions(endpoint);
  options.addressing = S3Addressing::kVirtual;
  auto store = MakeS3ObjectStore("bkt", options);
  EXPECT_EQ(store->Get("a=b/c"), "abc");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/a%3Db/c");
  EXPECT_EQ(requests[0].Header("host").rfind("bkt.localhost:", 0), 0u)
      << requests[0].Header("host");
  ExpectAllSignaturesVerify(server, kSecret);
}

// ---------------------------------------------------------------------------------------
// Options

// Sets (or, with nullptr, unsets) environment variables and restores them on exit.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, const char*>& values) {
    for (const char* name :
         {"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_REGION", "AWS_REGION",
          "AWS_DEFAULT_REGION", "S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
          "SLATEDB_S3_ENDPOINT_URL"}) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      unsetenv(name);
    }
    for (const auto& [name, value] : values) {
      if (value) setenv(name.c_str(), value, 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(S3OptionsTest, EnvironmentS3VariablesWinOverAws) {
  ScopedEnv env({{"S3_ACCESS_KEY_ID", "s3-key"},
                 {"S3_SECRET_ACCESS_KEY", "s3-secret"},
                 {"S3_SESSION_TOKEN", "s3-token"},
                 {"AWS_ACCESS_KEY_ID", "aws-key"},
                 {"AWS_SECRET_ACCESS_KEY", "aws-secret"},
                 {"AWS_SESSION_TOKEN", "aws-token"},
                 {"S3_REGION", "eu-central-1"},
                 {"AWS_REGION", "us-west-2"},
                 {"AWS_DEFAULT_REGION", "ap-south-1"},
                 {"S3_ENDPOINT_URL", "http://s3-endpoint:9000"},
                 {"AWS_ENDPOINT_URL", "http://aws-endpoint:9000"},
                 {"SLATEDB_S3_ENDPOINT_URL", "http://slatedb:9000"}});
  S3Options o = S3OptionsWithEnvironment();
  ASSERT_TRUE(o.credentials.has_value());
  EXPECT_EQ(o.credentials->access_key_id, "s3-key");
  EXPECT_EQ(o.credentials->secret_access_key, "s3-secret");
  EXPECT_EQ(o.credentials->session_token, "s3-token");
  EXPECT_EQ(o.region, "eu-central-1");
  EXPECT_EQ(o.endpoint_url, "http://s3-endpoint:9000");
}

TEST(S3OptionsTest, EnvironmentFallsBackInOrder) {
  {
    // Half an S3_* pair is ignored rather than mixed with AWS_*.
    ScopedEnv env({{"S3_ACCESS_KEY_ID", "s3-key"},
                   {"AWS_ACCESS_KEY_ID", "aws-key"},
                   {"AWS_SECRET_ACCESS_KEY", "aws-secret"},
                   {"AWS_DEFAULT_REGION", "ap-south-1"},
                   {"SLATEDB_S3_ENDPOINT_URL", "http://slatedb:9000"}});
    S3Options o = S3OptionsWithEnvironment();
    ASSERT_TRUE(o.credentials.has_value());
    EXPECT_EQ(o.credentials->access_key_id, "aws-key");
    EXPECT_EQ(o.credentials->session_token, "");
    EXPECT_EQ(o.region, "ap-south-1");
    EXPECT_EQ(o.endpoint_url, "http://slatedb:9000");
  }
  {
    ScopedEnv env({{"AWS_REGION", "us-west-2"},
                   {"AWS_DEFAULT_REGION", "ap-south-1"},
                   {"AWS_ENDPOINT_URL", "http://aws:1"},
                   {"SLATEDB_S3_ENDPOINT_URL", "http://s:1"}});
    S3Options o = S3OptionsWithEnvironment();
    EXPECT_EQ(o.region, "us-west-2");
    EXPECT_EQ(o.endpoint_url, "http://aws:1");
    EXPECT_FALSE(o.credentials.has_value());
  }
  {
    ScopedEnv env({});
    EXPECT_EQ(S3OptionsWithEnvironment().region, "us-east-1");
  }
}

TEST(S3OptionsTest, ExplicitFieldsBeatTheEnvironment) {
  ScopedEnv env({{"S3_ACCESS_KEY_ID", "env-key"},
                 {"S3_SECRET_ACCESS_KEY", "env-secret"},
                 {"S3_REGION", "eu-central-1"},
                 {"S3_ENDPOINT_URL", "http://env:1"}});
  S3Options base;
  base.region = "us-west-1";
  base.endpoint_url = "http://explicit:2";
  base.credentials = S3Credentials{"k", "s", ""};
  S3Options o = S3OptionsWithEnvironment(base);
  EXPECT_EQ(o.region, "us-west-1");
  EXPECT_EQ(o.endpoint_url, "http://explicit:2");
  EXPECT_EQ(o.credentials->access_key_id, "k");
}

TEST(S3OptionsTest, AddressingAndEndpointResolution) {
  ScopedEnv env({});
  S3Options o;
  o.region = "eu-west-1";
  o.credentials = S3Credentials{"k", "s", ""};
  EXPECT_EQ(s3::ResolveS3Config("bkt", o).bucket_url, "https://bkt.s3.eu-west-1.amazonaws.com");
  // Dotted names would break the TLS wildcard certificate.
  EXPECT_EQ(s3::ResolveS3Config("my.bkt", o).bucket_url,
            "https://s3.eu-west-1.amazonaws.com/my.bkt");
  o.addressing = S3Addressing::kPath;
  EXPECT_EQ(s3::ResolveS3Config("bkt", o).bucket_url, "https://s3.eu-west-1.amazonaws.com/bkt");
  o.addressing = S3Addressing::kAuto;
  o.endpoint_url = "http://minio:9000/";
  EXPECT_EQ(s3::ResolveS3Config("bkt", o).bucket_url, "http://minio:9000/bkt");
  o.addressing = S3Addressing::kVirtual;
  EXPECT_EQ(s3::ResolveS3Config("bkt", o).bucket_url, "http://bkt.minio:9000");
}

TEST(S3OptionsTest, BadOptionsNameTheFieldAndValue) {
  ScopedEnv env({});
  S3Options good;
  good.credentials = S3Credentials{"k", "s", ""};
  auto expect_invalid = [](const std::string& bucket, const S3Options& o, const std::string& part) {
    try {
      MakeS3ObjectStore(bucket, o);
      ADD_FAILURE() << "accepted: " << part;
    } catch (const ConfigValidationError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_invalid("", good, "bucket");
  expect_invalid("a/b", good, "a/b");
  S3Options o = good;
  o.endpoint_url = "ftp://host";
  expect_invalid("bkt", o, "ftp://host");
  o = good;
  o.multipart_part_bytes = 1 << 20;
  expect_invalid("bkt", o, "multipart_part_bytes");
  o = good;
  o.max_attempts = 0;
  expect_invalid("bkt", o, "max_attempts");
  o = good;
  o.credentials.reset();
  expect_invalid("bkt", o, "S3_ACCESS_KEY_ID");
}

// ---------------------------------------------------------------------------------------
// Encoding, XML, range coalescing

TEST(S3InternalsTest, UriEncodingFollowsSigV4) {
  EXPECT_EQ(s3::UriEncode("a-b_c.d~e/f", true), "a-b_c.d~e/f");
  EXPECT_EQ(s3::UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(s3::UriEncode("T15:23:01Z_run_id=abc", true), "T15%3A23%3A01Z_run_id%3Dabc");
  EXPECT_EQ(s3::UriEncode(" +%*\xc3\xa9", true), "%20%2B%25%2A%C3%A9");
  EXPECT_EQ(s3::UriDecode("%20%2b%C3%A9+x%zz"), " +\xc3\xa9+x%zz");
  EXPECT_EQ(s3::EncodeKeyPath(""), "");
  EXPECT_EQ(s3::EncodeKeyPath("a b/c"), "/a%20b/c");
  EXPECT_EQ(s3::CanonicalQuery({{"prefix", "a/b"}, {"list-type", "2"}, {"delete", ""}}),
            "?delete=&list-type=2&prefix=a%2Fb");
  EXPECT_EQ(s3::CanonicalQuery({}), "");
}

TEST(S3InternalsTest, DigestsMatchKnownValues) {
  EXPECT_EQ(s3::Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s3::Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(s3::Md5Base64("hello"), "XUFAKrxLKna5cZ2REBfFkg==");
}

TEST(S3InternalsTest, XmlParserHandlesWhatS3Sends) {
  s3::XmlNode root = s3::ParseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- comment -->\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><IsTruncated>true</IsTruncated>"
      "<Contents><Key>a&amp;b&lt;c&gt;&quot;d&apos;&#233;&#x20AC;</Key><Size>12</Size>"
      "<ETag>&quot;abc&quot;</ETag></Contents>"
      "<Contents><Key><![CDATA[x<y]]></Key><Size>0</Size><Owner/></Contents>"
      "<s3:CommonPrefixes><Prefix>p/</Prefix></s3:CommonPrefixes>"
      "<NextContinuationToken>t+/=</NextContinuationToken>"
      "</ListBucketResult>");
  EXPECT_EQ(root.name, "ListBucketResult");
  auto contents = root.ChildrenNamed("Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0]->ChildText("Key"), "a&b<c>\"d'\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(contents[0]->ChildText("ETag"), "\"abc\"");
  EXPECT_EQ(contents[1]->ChildText("Key"), "x<y");
  EXPECT_NE(contents[1]->Child("Owner"), nullptr);
  EXPECT_EQ(root.ChildrenNamed("CommonPrefixes")[0]->ChildText("Prefix"), "p/");
  EXPECT_EQ(root.ChildText("NextContinuationToken"), "t+/=");
  EXPECT_EQ(root.ChildText("Missing"), "");

  for (const char* bad : {"", "<a>", "<a></b>", "<a>&bogus;</a>", "<a></a><b/>", "<a><b></a>"}) {
    EXPECT_THROW(s3::ParseXml(bad), ObjectStoreError) << bad;
  }
  EXPECT_EQ(s3::XmlEscape("a&<>\"'"), "a&amp;&lt;&gt;&quot;&apos;");
}

TEST(S3InternalsTest, RangesCoalesceWhenTheyTouch) {
  auto groups = s3::CoalesceRanges({{100, 10}, {0, 10}, {10, 5}, {50, 0}, {105, 100}, {300, 1}});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].offset, 0u);
  EXPECT_EQ(groups[0].length, 15u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(groups[1].offset, 100u);
  EXPECT_EQ(groups[1].length, 105u);
  EXPECT_EQ(groups[1].members, (std::vector<size_t>{0, 4}));
  EXPECT_EQ(groups[2].offset, 300u);
  EXPECT_TRUE(s3::CoalesceRanges({{5, 0}}).empty());
  auto huge = s3::CoalesceRanges({{10, UINT64_MAX}});
  ASSERT_EQ(huge.size(), 1u);
  EXPECT_EQ(huge[0].offset + huge[0].length, UINT64_MAX);
}

}  // namespace
}  // namespace shardyfusion
