// history / rollback (features C-17, C-18; format.md §7.3-7.4).
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/ops.h"

namespace shardyfusion::cli {
namespace {

struct RollbackArgs {
  std::optional<std::string> ref;
  std::optional<std::string> run_id;
  std::optional<int64_t> offset;
};

std::string ResolveRollbackTarget(CliContext& ctx, const RollbackArgs& args) {
  ManifestStore& store = ctx.manifest_store();
  if (args.ref) return ctx.NormalizeRef(*args.ref);
  if (args.offset) {
    if (*args.offset < 0) throw UsageError("--offset must be >= 0");
    auto history = store.ListManifests(static_cast<size_t>(*args.offset) + 1);
    if (history.size() <= static_cast<size_t>(*args.offset))
      throw CommandError("offset " + std::to_string(*args.offset) + " is out of range (" +
                         std::to_string(history.size()) + " manifests in history)");
    return history[static_cast<size_t>(*args.offset)].ref;
  }
  for (const auto& ref : store.ListManifests(100))
    if (ref.run_id == *args.run_id) return ref.ref;
  throw CommandError("no manifest with run_id=" + *args.run_id + " among the 100 newest");
}

}  // namespace

void AddHistoryCommands(CLI::App& app, CommandTable& table) {
  auto limit = std::make_shared<int64_t>(10);
  CLI::App* history = app.add_subcommand(
      "history", "List published manifests, newest first; each shows its --offset");
  history->add_option("--limit", *limit, "How many manifests to list")->capture_default_str();
  history->footer("Example: shardy --current-url ./snap --output-format table history --limit 5");
  table.emplace_back(history, [limit](CliContext& ctx) {
    if (*limit < 1) throw UsageError("--limit must be >= 1");
    ctx.Emit(HistoryOp(ctx.manifest_store(), static_cast<size_t>(*limit)));
    return kExitOk;
  });

  auto args = std::make_shared<RollbackArgs>();
  CLI::App* rollback = app.add_subcommand(
      "rollback",
      "Point _CURRENT at an earlier manifest (exactly one of --ref, --run-id, --offset)");
  rollback->add_option("--ref", args->ref,
                       "Manifest ref: a full URL, or manifests/<dir>/manifest under the root");
  rollback->add_option("--run-id", args->run_id,
                       "The newest manifest of this run (searched in the 100 newest)");
  rollback->add_option("--offset", args->offset,
                       "The N-th newest manifest in history (0 = newest)");
  rollback->footer("Example: shardy --current-url s3://bucket/prefix/_CURRENT rollback --offset 1");
  table.emplace_back(rollback, [args](CliContext& ctx) {
    int given = args->ref.has_value() + args->run_id.has_value() + args->offset.has_value();
    if (given != 1) throw UsageError("rollback needs exactly one of --ref, --run-id or --offset");
    if (ctx.flags().ref || ctx.flags().offset)
      throw UsageError(
          "rollback takes its own --ref/--offset after the command name, not the global pin");
    ManifestStore& store = ctx.manifest_store();
    std::string target = ResolveRollbackTarget(ctx, *args);
    // Unlike the reference, refuse a target that does not exist or does not parse: readers
    // would fail on it (cold-start fallback may even move them elsewhere).
    ParsedManifest manifest = store.LoadManifest(target);
    std::optional<std::string> previous;
    try {
      if (auto current = store.LoadCurrent()) previous = current->ref;
    } catch (const std::exception&) {
      // A malformed pointer is exactly what a rollback may be repairing.
    }
    store.SetCurrent(target);
    Json r;
    r["op"] = "rollback";
    r["ref"] = target;
    r["run_id"] = manifest.build.run_id;
    r["previous_ref"] = previous ? Json(*previous) : Json(nullptr);
    r["changed"] = previous != target;
    ctx.Emit(r);
    return kExitOk;
  });
}

}  // namespace shardyfusion::cli
