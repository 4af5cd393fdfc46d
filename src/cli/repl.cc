// The interactive shell (feature C-22): `shardy> ` prompt over one reader; `use` pins an
// older manifest for this session only (never writes `_CURRENT`), `refresh` drops the pin.
#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/ops.h"
#include "cli/shell_words.h"

namespace shardyfusion::cli {
namespace {

constexpr const char* kHelp =
    "Commands:\n"
    "  get KEY                look up one key\n"
    "  multiget KEY [KEY...]  look up several keys\n"
    "  route KEY              shard a key routes to\n"
    "  info | shards          snapshot metadata / per-shard details\n"
    "  health [SECONDS]       health, degraded beyond the staleness threshold\n"
    "  history [N]            newest manifests with their offsets\n"
    "  use --offset N | --ref REF | --latest\n"
    "                         pin this session to another manifest (_CURRENT is not touched)\n"
    "  refresh                follow _CURRENT again (drops a pin)\n"
    "  help | quit | exit     (Ctrl-D also exits)";

class Repl {
 public:
  explicit Repl(CliContext& ctx) : ctx_(ctx) {
    format_ = ctx.output().format == "jsonl" ? "json" : ctx.output().format;
    pin_ = ctx.global_pin();
    reader_ = ctx.OpenReader(pin_);
  }

  void Banner() {
    SnapshotInfo info = reader_->GetSnapshotInfo();
    std::cout << "Loaded manifest run_id=" << info.run_id << "  (" << info.num_dbs << " shards, "
              << StrategyName(info.sharding.strategy) << " sharding)"
              << (pin_.active() ? "  [pinned]" : "") << '\n'
              << "Type 'help' for commands, 'quit' to exit.\n";
  }

  void Loop() {
    std::string line;
    while (true) {
      std::cout << "shardy> " << std::flush;
      if (!std::getline(std::cin, line)) {
        std::cout << '\n';
        return;
      }
      std::vector<std::string> words;
      try {
        words = ShellSplit(line);
      } catch (const std::exception& e) {
        ctx_.EmitError("repl", e.what());
        continue;
      }
      if (words.empty()) continue;
      const std::string op = words[0];
      if (op == "quit" || op == "exit") return;
      std::vector<std::string> args(words.begin() + 1, words.end());
      std::optional<std::string> key =
          (op == "get" || op == "route") && !args.empty() ? std::optional(args[0]) : std::nullopt;
      try {
        Dispatch(op, args);
      } catch (const std::exception& e) {
        ctx_.EmitError(op, e.what(), key);
      }
    }
  }

 private:
  void Emit(const Json& result) { ctx_.Emit(result, format_); }

  void Dispatch(const std::string& op, const std::vector<std::string>& args) {
    const OutputConfig& out = ctx_.output();
    auto arity = [&](size_t min, size_t max, const char* usage) {
      if (args.size() < min || args.size() > max) throw UsageError(std::string("usage: ") + usage);
    };
    if (op == "help") {
      std::cout << kHelp << '\n';
    } else if (op == "get") {
      arity(1, 1, "get KEY");
      Emit(GetOp(*reader_, args[0], nullptr, out));
    } else if (op == "multiget") {
      arity(1, SIZE_MAX, "multiget KEY [KEY...]");
      Emit(MultigetOp(*reader_, args, nullptr, out));
    } else if (op == "route") {
      arity(1, 1, "route KEY");
      Emit(RouteOp(*reader_, args[0], nullptr));
    } else if (op == "info") {
      Emit(InfoOp(*reader_));
    } else if (op == "shards") {
      Emit(ShardsOp(*reader_, out));
    } else if (op == "health") {
      arity(0, 1, "health [SECONDS]");
      std::optional<double> threshold;
      if (!args.empty()) threshold = Number(args[0], "health SECONDS");
      Emit(HealthOp(*reader_, threshold));
    } else if (op == "history") {
      arity(0, 1, "history [N]");
      double limit = args.empty() ? 10 : Number(args[0], "history N");
      if (limit < 1) throw UsageError("history N must be >= 1");
      Emit(HistoryOp(ctx_.manifest_store(), static_cast<size_t>(limit)));
    } else if (op == "refresh") {
      Refresh();
    } else if (op == "use") {
      Use(args);
    } else {
      throw UsageError("unknown command '" + op + "' (try 'help')");
    }
  }

  static double Number(const std::string& text, const char* what) {
    size_t used = 0;
    double v = -1;
    try {
      v = std::stod(text, &used);
    } catch (const std::exception&) {
    }
    if (used != text.size() || v < 0)
      throw UsageError(std::string(what) + " must be a number >= 0");
    return v;
  }

  void Refresh() {
    if (!pin_.active()) {
      Emit(RefreshOp(*reader_));
      return;
    }
    std::string before = reader_->manifest_ref();
    Reopen(Pin{});
    Json r;
    r["op"] = "refresh";
    r["changed"] = reader_->manifest_ref() != before;
    Emit(r);
  }

  void Use(const std::vector<std::string>& args) {
    Pin pin;
    if (args.size() == 1 && args[0] == "--latest") {
    } else if (args.size() == 2 && args[0] == "--offset") {
      double n = Number(args[1], "use --offset N");
      pin.offset = static_cast<size_t>(n);
    } else if (args.size() == 2 && args[0] == "--ref") {
      pin.ref = ctx_.NormalizeRef(args[1]);
    } else {
      throw UsageError("usage: use --offset N | --ref REF | --latest");
    }
    Reopen(pin);
    SnapshotInfo info = reader_->GetSnapshotInfo();
    Json r;
    r["op"] = "use";
    r["manifest_ref"] = info.manifest_ref;
    r["run_id"] = info.run_id;
    r["pinned"] = pin.active();
    Emit(r);
  }

  // The new reader is fully open before the old one goes: a failed `use` changes nothing.
  void Reopen(const Pin& pin) {
    auto fresh = ctx_.OpenReader(pin);
    reader_ = std::move(fresh);
    pin_ = pin;
  }

  CliContext& ctx_;
  std::string format_;
  Pin pin_;
  std::unique_ptr<ConcurrentShardedReader> reader_;
};

}  // namespace

int RunRepl(CliContext& ctx) {
  Repl repl(ctx);
  repl.Banner();
  repl.Loop();
  return kExitOk;
}

}  // namespace shardyfusion::cli
