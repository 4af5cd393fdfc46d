// The CLI's TOML config loading (reader.toml, credentials.toml; src/cli/config_toml.cc):
// the input is written to a file and loaded as both.  Only cli::UsageError may escape.
//
// toml++ 3.3.0 (Debian's libtomlplusplus-dev) reaches TOML_UNREACHABLE (undefined
// behaviour) in is_non_ascii_horizontal_whitespace for many non-ASCII code points, e.g.
// "[reader\xc7\xbc]" (upstream marzer/tomlplusplus#295, fixed after 3.3.0).  The loader
// runs CheckTomlText (src/core/toml_text_check.h) first, which rejects invalid UTF-8 and
// every non-ASCII character in a spot where toml++ would classify it, so any bytes may be
// fed here; fuzz/corpus/config/known_toml_unreachable_ub is the original reproducer.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "cli/cli_error.h"
#include "cli/config.h"
#include "fuzz/fuzz_util.h"

using namespace shardyfusion;

namespace {

const std::string& ConfigPath() {
  static const std::string path = [] {
    char dir[] = "/tmp/shardy_config_fuzz_XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    return std::string(dir) + "/config.toml";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = ConfigPath();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ::chmod(path.c_str(), 0600);  // no permission warning on every run
  try {
    cli::ReaderToml r = cli::LoadReaderToml(path);
    FUZZ_CHECK(r.reader.max_workers >= 1);
    FUZZ_CHECK(r.reader.pool_checkout_timeout_s > 0);
  } catch (const cli::UsageError&) {
  }
  for (const char* profile : {"default", "prod"}) {
    try {
      cli::CredentialsProfile p = cli::LoadCredentialsProfile(path, profile);
      FUZZ_CHECK(p.found);
      FUZZ_CHECK(p.options.max_attempts >= 1);
    } catch (const cli::UsageError&) {
    }
  }
  return 0;
}
