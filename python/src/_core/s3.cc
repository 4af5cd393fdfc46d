// S3 settings dict (built by shardyfusion._s3) -> StoreResolver.
#include <nanobind/stl/string.h>

#include "common.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/s3_options.h"

namespace shardy_py {

std::shared_ptr<shardyfusion::StoreResolver> ResolverFromPy(nb::handle s3_options) {
  using namespace shardyfusion;
  S3Options o;
  if (s3_options.is_valid() && !s3_options.is_none()) {
    nb::dict d = nb::cast<nb::dict>(s3_options);
    auto str = [&](const char* k) -> std::optional<std::string> {
      if (!d.contains(k) || d[k].is_none()) return std::nullopt;
      return nb::cast<std::string>(d[k]);
    };
    auto num = [&](const char* k) -> std::optional<double> {
      if (!d.contains(k) || d[k].is_none()) return std::nullopt;
      return nb::cast<double>(d[k]);
    };
    if (auto v = str("endpoint_url")) o.endpoint_url = *v;
    if (auto v = str("region")) o.region = *v;
    if (auto v = str("addressing_style")) {
      if (*v == "path")
        o.addressing = S3Addressing::kPath;
      else if (*v == "virtual")
        o.addressing = S3Addressing::kVirtual;
      else if (*v == "auto")
        o.addressing = S3Addressing::kAuto;
      else
        throw ConfigValidationError("s3_connection_options.addressing_style='" + *v +
                                    "': allowed values are path, virtual, auto");
    }
    if (d.contains("verify_ssl") && !d["verify_ssl"].is_none())
      o.verify_ssl = nb::cast<bool>(d["verify_ssl"]);
    if (auto v = num("connect_timeout")) o.connect_timeout_s = *v;
    if (auto v = num("read_timeout")) o.read_timeout_s = *v;
    if (auto v = num("max_attempts")) o.max_attempts = static_cast<int>(*v);
    auto key_id = str("access_key_id");
    auto secret = str("secret_access_key");
    if (key_id && secret)
      o.credentials = S3Credentials{*key_id, *secret, str("session_token").value_or("")};
  }
  return std::make_shared<StoreResolver>(S3OptionsWithEnvironment(o));
}

}  // namespace shardy_py
