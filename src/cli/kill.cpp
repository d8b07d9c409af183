// `crun-lite kill [--all] <id> [SIGNAL]`, also `kill --signal SIGNAL <id>`. SIGTERM by default.
#include <signal.h>

#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"
#include "sys/signals.hpp"

namespace crunlite::cli {

int kill_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite kill [--all] <id> [SIGNAL]",
                             "Send a signal (name, number or SIGRTMIN+N) to a container.");
    options.add_options()
        ("a,all", "signal every process in the container")
        ("s,signal", "the signal, instead of the second argument", cxxopts::value<std::string>());
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "kill", positional, exit_status);
    if (!flags)
        return exit_status;

    std::string signal_text = "SIGTERM";
    if (flags->count("signal"))
        signal_text = (*flags)["signal"].as<std::string>();
    if (positional.size() == 2 && !flags->count("signal")) {
        signal_text = positional[1];
        positional.pop_back();
    }
    auto id = single_id(positional, "kill", exit_status);
    if (!id)
        return exit_status;
    auto signal = sys::parse_signal(signal_text);
    if (!signal)
        return report_failure("kill", *id, Error::message("unknown signal `" + signal_text + "`"));

    state::StateStore store(global.state_root);
    if (auto sent = runtime::kill_container(store, *id, *signal, flags->count("all")); !sent)
        return report_failure("kill", *id, sent.error());
    return 0;
}

} // namespace crunlite::cli
