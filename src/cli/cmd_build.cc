// build: write a snapshot from a JSONL / CSV / TSV file with the library's hash writer.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>

#include "cli/build_records.h"
#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/record_input.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/url.h"
#include "shardyfusion/writer.h"

namespace shardyfusion::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BuildArgs {
  std::string input;
  std::string format;
  std::string key_field;
  std::optional<std::string> value_field;
  std::optional<int64_t> num_dbs;
  std::optional<int64_t> max_keys_per_shard;
  std::string prefix;
  std::string key_encoding;
  int threads = 0;
  int64_t batch_size = 50'000;
  std::string run_id;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// "\rbuild: N rows (R rows/s)" at most twice a second, only on a terminal.
class ProgressLine {
 public:
  ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}
  void Tick(uint64_t rows) {
    if (!tty_ || (rows & 1023) != 0) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    shown_ = true;
    std::cerr << "\rbuild: " << rows << " rows ("
              << static_cast<uint64_t>(rows / std::max(1e-9, Seconds(now - start_))) << " rows/s)"
              << std::flush;
  }
  void Done() {
    if (shown_) std::cerr << '\n';
    shown_ = false;
  }
  ~ProgressLine() { Done(); }

 private:
  bool tty_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

std::string NormalizePrefix(const std::string& prefix) {
  try {
    std::string url =
        prefix.find("://") == std::string::npos ? ParseStorageUrl(prefix).ToString() : prefix;
    ValidateRootUrl(url, "--prefix");
    return url;
  } catch (const ConfigValidationError& e) {
    throw UsageError(e.what());
  }
}

// A reused run id would write into the attempt=00 paths a published manifest points at.
void CheckRunIdIsNew(CliContext& ctx, const std::string& prefix, const std::string& run_id) {
  try {
    ValidatePathSegment(run_id, "--run-id");
  } catch (const ConfigValidationError& e) {
    throw UsageError(e.what());
  }
  auto store = MakeObjectManifestStore(*ctx.resolver(), prefix);
  for (const auto& ref : store->ListManifests(std::numeric_limits<size_t>::max()))
    if (ref.run_id == run_id)
      throw UsageError("run id '" + run_id + "' already has a published manifest (" + ref.ref +
                       "); reusing it would overwrite that snapshot's shards");
}

int RunBuild(CliContext& ctx, const BuildArgs& a) {
  if (a.num_dbs.has_value() == a.max_keys_per_shard.has_value())
    throw UsageError("build needs exactly one of --num-dbs and --max-keys-per-shard");
  if ((a.num_dbs && (*a.num_dbs < 1 || *a.num_dbs > UINT32_MAX)) ||
      (a.max_keys_per_shard && *a.max_keys_per_shard < 1))
    throw UsageError("--num-dbs / --max-keys-per-shard must be >= 1");
  if (a.batch_size < 1) throw UsageError("--batch-size must be >= 1");
  if (a.threads < 0) throw UsageError("--threads must be >= 0");
  const bool from_stdin = a.input == "-";
  if (from_stdin && a.format.empty())
    throw UsageError("reading stdin needs --format jsonl|csv|tsv");
  const InputFormat format = ResolveInputFormat(a.format, a.input);
  const std::string prefix = NormalizePrefix(a.prefix);
  if (!a.run_id.empty()) CheckRunIdIsNew(ctx, prefix, a.run_id);
  std::optional<KeyEncoding> encoding;
  if (!a.key_encoding.empty()) {
    try {
      encoding = ParseKeyEncoding(a.key_encoding);
    } catch (const ConfigValidationError& e) {
      throw UsageError(std::string("--key-encoding: ") + e.what());
    }
  }

  HashShardedWriteConfig config;
  config.storage.s3_prefix = prefix;
  config.storage.resolver = ctx.resolver();
  config.output.run_id = a.run_id;
  config.output.local_root = ctx.reader_config().local_root;
  config.kv.batch_size = static_cast<size_t>(a.batch_size);
  config.kv.backend = ctx.reader_config().backend;
  config.writer_type = "cpp-cli";
  WriteOptions options;
  options.num_threads = a.threads;
  if (a.num_dbs) {
    config.sharding.num_dbs = static_cast<uint32_t>(*a.num_dbs);
  } else {
    if (from_stdin)
      throw UsageError(
          "--max-keys-per-shard needs the row count first, and stdin can be read only once: "
          "pass --input FILE or use --num-dbs");
    config.sharding.max_keys_per_shard = static_cast<uint64_t>(*a.max_keys_per_shard);
    options.total_rows = CountRecords(format, a.input);  // a second pass over the file
  }

  std::ifstream file;
  if (!from_stdin) {
    file.open(a.input, std::ios::binary);
    if (!file) throw UsageError("cannot open input file " + a.input);
  }
  std::istream& in = from_stdin ? std::cin : file;
  auto reader = MakeRecordReader(format, in);

  // The first record decides the key encoding, so it is read before the writer starts.
  InputRecord first;
  bool have_first = reader->Next(first);
  RecordMapping mapping{a.key_field, a.value_field, KeyEncoding::kU64BE};
  mapping.key_encoding = encoding     ? *encoding
                         : have_first ? InferKeyEncoding(first, a.key_field, format)
                                      : KeyEncoding::kU64BE;
  config.kv.key_encoding = mapping.key_encoding;
  try {
    config.Validate();
  } catch (const ConfigValidationError& e) {
    throw UsageError(e.what());
  }

  ProgressLine progress;
  uint64_t rows = 0;
  const auto start = Clock::now();
  InputRecord next;
  BuildResult result = WriteHashSharded(
      [&](Record& out) {
        if (have_first) {
          out = ToRecord(first, mapping);
          have_first = false;
        } else {
          if (!reader->Next(next)) return false;
          out = ToRecord(next, mapping);
        }
        progress.Tick(++rows);
        return true;
      },
      config, options);
  progress.Done();
  const double elapsed = Seconds(Clock::now() - start);

  int64_t bytes = 0;
  for (const auto& w : result.winners) bytes += w.db_bytes;
  Json r;
  r["op"] = "build";
  r["run_id"] = result.run_id;
  r["manifest_ref"] = result.manifest_ref;
  r["rows"] = result.stats.rows_written;
  r["num_dbs"] = config.sharding.num_dbs
                     ? *config.sharding.num_dbs
                     : NumDbsForMaxKeys(*options.total_rows, *config.sharding.max_keys_per_shard);
  r["shards"] = result.winners.size();
  r["bytes"] = bytes;
  r["key_encoding"] = KeyEncodingName(mapping.key_encoding);
  r["elapsed_seconds"] = std::round(elapsed * 1000) / 1000;
  r["rows_per_second"] =
      std::round(static_cast<double>(result.stats.rows_written) / std::max(elapsed, 1e-9));
  ctx.Emit(r);
  return kExitOk;
}

}  // namespace

void AddBuildCommand(CLI::App& app, CommandTable& table) {
  auto a = std::make_shared<BuildArgs>();
  CLI::App* build =
      app.add_subcommand("build", "Write a snapshot from a JSONL / CSV / TSV file and publish it");
  build->add_option("--input", a->input, "Input file, or '-' for stdin")
      ->required()
      ->type_name("FILE");
  build->add_option("--format", a->format, "jsonl | csv | tsv (default: from the file extension)");
  build->add_option("--key-field", a->key_field, "Field holding the key")->required();
  build->add_option(
      "--value-field", a->value_field,
      "Field holding the value (default: the whole record as compact JSON with sorted keys)");
  build->add_option("--num-dbs", a->num_dbs, "Number of shards")->type_name("N");
  build
      ->add_option("--max-keys-per-shard", a->max_keys_per_shard,
                   "Shards = ceil(rows / M); counts the file first (not with stdin)")
      ->type_name("M");
  build->add_option("--prefix", a->prefix, "Snapshot root: s3://bucket/prefix or a local directory")
      ->required();
  build->add_option(
      "--key-encoding", a->key_encoding,
      "u64be | u32be | utf8 | raw (default: u64be when the first key is an integer, else utf8)");
  build->add_option("--threads", a->threads, "Shard writer threads (0: one per core)")
      ->capture_default_str();
  build->add_option("--batch-size", a->batch_size, "Rows per shard write batch")
      ->capture_default_str();
  build->add_option("--run-id", a->run_id, "Run id (default: a random uuid4 hex)");
  build->footer(
      "Example: shardy build --input users.jsonl --key-field id --value-field name --num-dbs 4 "
      "--prefix ./snap");
  table.emplace_back(build, [a](CliContext& ctx) { return RunBuild(ctx, *a); });
}

}  // namespace shardyfusion::cli
