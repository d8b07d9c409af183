// crun-lite's entry point: global options, then one subcommand.
//
// Global options come before the subcommand, as with runc and crun:
//   crun-lite [--root DIR] [--log FILE] [--log-format text|json] [--debug] <command> [args]
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "cli/commands.hpp"
#include "runtime/run.hpp"
#include "state/default_roots.hpp"
#include "state/state.hpp"
#include "sys/process.hpp"
#include "sys/sealed_self.hpp"
#include "util/log.hpp"

namespace {

using crunlite::cli::Arguments;
using crunlite::cli::GlobalOptions;

struct Command {
    std::string_view name;
    int (*run)(const GlobalOptions &, const Arguments &);
    std::string_view summary;
};

constexpr Command commands[] = {
    {"create", crunlite::cli::create_command, "create a container; start runs its program"},
    {"start", crunlite::cli::start_command, "start a created container"},
    {"run", crunlite::cli::run_command, "create and start a container (foreground by default)"},
    {"container", crunlite::cli::container_command, "run a command in an image, no config needed"},
    {"state", crunlite::cli::state_command, "print a container's state as JSON"},
    {"kill", crunlite::cli::kill_command, "send a signal to a container"},
    {"delete", crunlite::cli::delete_command, "delete a container"},
    {"list", crunlite::cli::list_command, "list containers"},
    {"ps", crunlite::cli::ps_command, "list a container's processes"},
    {"pause", crunlite::cli::pause_command, "freeze every process of a container"},
    {"resume", crunlite::cli::resume_command, "thaw a paused container"},
    {"update", crunlite::cli::update_command, "change a container's cgroup limits"},
    {"events", crunlite::cli::events_command, "a container's cgroup statistics (--stats)"},
    {"exec", crunlite::cli::exec_command, "run another process in a running container"},
    {"spec", crunlite::cli::spec_command, "write a default config.json"},
    {"features", crunlite::cli::features_command, "print what this runtime supports, as JSON"},
};

void print_help()
{
    std::cout << "Usage: crun-lite [global options] <command> [options]\n\n"
                 "crun-lite runs OCI containers.\n\nCommands:\n";
    for (const auto &command : commands)
        std::cout << "  " << command.name << std::string(11 - command.name.size(), ' ')
                  << command.summary << "\n";
    std::cout << "\nGlobal options:\n"
                 "  --root DIR              state directory (default: /run/crun-lite; not\n"
                 "                          root: $XDG_RUNTIME_DIR/crun-lite or /tmp/crun-lite-UID)\n"
                 "  --data-root DIR         overlay layers of containers (default:\n"
                 "                          /var/lib/crun-lite; not root: $XDG_DATA_HOME/crun-lite\n"
                 "                          or ~/.local/share/crun-lite)\n"
                 "  --log FILE              write the log to FILE instead of stderr\n"
                 "  --log-format text|json  log line format (default: text)\n"
                 "  --debug                 log every step\n"
                 "  --systemd-cgroup        linux.cgroupsPath is slice:prefix:name, placed as "
                 "systemd would\n"
                 "  --rootless auto|true|false  runc's; must match who runs crun-lite\n"
                 "  --criu PATH             runc's; taken and unused (no checkpoint here)\n"
                 "  --version               print the version\n"
                 "  -h, --help              show this help\n\n"
                 "`crun-lite <command> --help` describes a command.\n";
}

// The value of `--name VALUE` or `--name=VALUE` at argv[index]; advances index past it.
bool take_value(int argc, char **argv, int &index, std::string_view name, std::string &value)
{
    std::string_view arg = argv[index];
    if (arg == name) {
        if (index + 1 >= argc)
            return false;
        value = argv[++index];
        return true;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        value = std::string(arg.substr(name.size() + 1));
        return true;
    }
    return false;
}

// The roots not given on the command line, by who runs crun-lite (state/default_roots.hpp).
// Returns what went wrong, or "".
std::string fill_default_roots(GlobalOptions &global)
{
    uid_t euid = ::geteuid();
    if (global.state_root.empty()) {
        auto root = crunlite::state::state_root_for(euid, std::getenv("XDG_RUNTIME_DIR"));
        if (!root)
            return root.error().render();
        global.state_root = *root;
    }
    if (global.data_root.empty()) {
        auto root = crunlite::state::data_root_for(euid, std::getenv("XDG_DATA_HOME"),
                                                       std::getenv("HOME"));
        if (!root)
            return root.error().render();
        global.data_root = *root;
    }
    return "";
}

// runc's --rootless says whether to treat cgroup permission errors as a rootless runtime would;
// crun-lite decides that by who runs it, so `auto` and the value that matches are taken, and the
// other is refused rather than ignored. --criu names the checkpoint tool, which only
// checkpoint and restore would run; crun-lite has neither, so the path goes unused.
std::string check_runc_only_options(const std::string &rootless)
{
    bool is_rootless = ::geteuid() != 0;
    if (rootless == "auto" || rootless == (is_rootless ? "true" : "false"))
        return "";
    if (rootless != "true" && rootless != "false")
        return "--rootless: expected `true`, `false` or `auto`, got `" + rootless + "`";
    return "--rootless " + rootless + ": crun-lite runs " +
           (is_rootless ? "rootless" : "as root") + " because of who runs it (uid " +
           std::to_string(::geteuid()) + "); use `auto`";
}

} // namespace

int main(int argc, char **argv)
{
    // Before anything is opened: which fds are the caller's to pass (--preserve-fds).
    crunlite::sys::record_inherited_fds();
    GlobalOptions global;
    crunlite::log::Options log_options;
    std::string log_format = "text";
    // runc's flags that clients may pass; see check_runc_only_options().
    std::string rootless = "auto", criu;

    int index = 1;
    for (; index < argc && argv[index][0] == '-'; ++index) {
        std::string_view arg = argv[index];
        if (arg == "--help" || arg == "-h") {
            print_help();
            return 0;
        }
        if (arg == "--version" || arg == "-v") {
            std::cout << "crun-lite version " << CRUN_LITE_VERSION << "\n"
                      << "spec: 1.2.0\n";
            return 0;
        }
        if (arg == "--debug") {
            log_options.level = crunlite::log::Level::debug;
            continue;
        }
        // No systemd runs on these hosts: the flag only changes where the cgroup goes
        // (cgroup/path.hpp).
        if (arg == "--systemd-cgroup") {
            global.systemd_cgroup = true;
            continue;
        }
        if (take_value(argc, argv, index, "--root", global.state_root) ||
            take_value(argc, argv, index, "--data-root", global.data_root) ||
            take_value(argc, argv, index, "--log", log_options.file) ||
            take_value(argc, argv, index, "--log-format", log_format) ||
            take_value(argc, argv, index, "--rootless", rootless) ||
            take_value(argc, argv, index, "--criu", criu))
            continue;
        std::cerr << "crun-lite: unknown global option `" << arg << "` (see `crun-lite --help`)\n";
        return 1;
    }

    if (auto failed = fill_default_roots(global); !failed.empty()) {
        std::cerr << "crun-lite: " << failed << "\n";
        return 1;
    }
    // Later commands may run from another directory; the roots must name the same place.
    std::error_code ignored;
    global.state_root = std::filesystem::absolute(global.state_root, ignored);
    global.data_root = std::filesystem::absolute(global.data_root, ignored);

    if (log_format != "text" && log_format != "json") {
        std::cerr << "crun-lite: --log-format: expected `text` or `json`, got `" << log_format
                  << "`\n";
        return 1;
    }
    log_options.format =
        log_format == "json" ? crunlite::log::Format::json : crunlite::log::Format::text;
    std::string problem;
    if (!crunlite::log::configure(log_options, problem)) {
        std::cerr << "crun-lite: " << problem << "\n";
        return 1;
    }

    if (auto problem = check_runc_only_options(rootless); !problem.empty()) {
        crunlite::log::error(problem);
        return 1;
    }

    if (index >= argc) {
        print_help();
        return 1;
    }
    std::string_view name = argv[index];
    for (const auto &command : commands) {
        if (command.name != name)
            continue;
        // exec joins a running container, and create and container make one whose first
        // process is a clone of crun-lite until start, while `exec` may add processes to it:
        // crun-lite must then be a binary nobody in the container can write to through
        // /proc/<pid>/exe (sys/sealed_self.hpp). run decides once it has read the config
        // (commands.cpp).
        if (name == "exec" || name == "create" || name == "container") {
            if (auto sealed = crunlite::sys::reexec_from_protected_binary(argv); !sealed) {
                crunlite::log::error(std::string(name) + ": " + sealed.error().render());
                return 1;
            }
        }
        global.argv = argv;
        Arguments args{"crun-lite " + std::string(name)};
        args.insert(args.end(), argv + index + 1, argv + argc);
        return command.run(global, args);
    }
    crunlite::log::error("unknown command `" + std::string(name) + "` (see `crun-lite --help`)");
    return 1;
}
