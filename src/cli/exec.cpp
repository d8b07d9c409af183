// `crun-lite exec [options] <id> [command...]`: another process in a running container.
//
// The process is process.json (--process) or, without it, the container's own config.process
// with the command in place of its args; --cwd, --env and --user then change it. Everything
// after the id is the command, options included (`exec c1 sh -c 'ls -l'`).
#include <algorithm>
#include <cstdlib>

#include "cli/commands.hpp"
#include "runtime/exec.hpp"
#include "spec/parse.hpp"
#include "spec/validate.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"

namespace crunlite::cli {
namespace {

// process.json and config.json are small; anything larger is not one.
constexpr size_t max_process_file = 4 * 1024 * 1024;

// Flags of exec that take a value; needed to find where the id, and so the command, begins.
bool takes_value(const std::string &flag)
{
    for (const char *name : {"--process", "-p", "--pid-file", "--console-socket", "--preserve-fds",
                             "--cwd", "--env", "-e", "--user", "-u", "--cap", "-c",
                             "--additional-gids", "-g", "--apparmor", "--process-label",
                             "--cgroup"})
        if (flag == name)
            return true;
    return false;
}

// Splits `args` (argv[0] first) into exec's own flags and the id with its command.
void split_command(const Arguments &args, Arguments &flags, std::vector<std::string> &rest)
{
    flags.push_back(args[0]);
    size_t i = 1;
    for (; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.empty() || arg[0] != '-')
            break;
        flags.push_back(arg);
        if (takes_value(arg) && i + 1 < args.size())
            flags.push_back(args[++i]);
    }
    rest.assign(args.begin() + static_cast<long>(i), args.end());
}

std::string joined(const std::vector<std::string> &lines, const std::string &prefix)
{
    std::string text;
    for (const auto &line : lines)
        text += (text.empty() ? "" : "\n") + prefix + line;
    return text;
}

// process.json, parsed and validated as config.json's process would be: a field crun-lite does
// not apply yet is refused here too, never dropped.
Result<spec::Process> read_process(const std::string &text, const std::string &file)
{
    auto parsed = spec::parse_process(text);
    if (!parsed.ok())
        return Error::message(joined(parsed.problems, file + ": "));
    auto findings = spec::validate_process(parsed.config);
    if (!findings.ok())
        return Error::message(joined(findings.errors, file + ": "));
    return *parsed.config.process;
}

// The config kept in the container's state directory at create: its process is where exec
// starts from without --process, and its seccomp filter applies to every exec'd process.
Result<spec::Config> container_config(const GlobalOptions &global, const std::string &id)
{
    std::string path = global.state_root + "/" + id + "/config.json";
    auto text = sys::read_file(path, max_process_file);
    if (!text && text.error().errnum() == ENOENT)
        return Error::message("container `" + id + "` does not exist");
    if (!text)
        return std::move(text).error();
    auto parsed = spec::parse_config(*text);
    if (!parsed.ok())
        return Error::message("the container's config no longer parses: " +
                              joined(parsed.problems, ""));
    return std::move(parsed.config);
}

// The container's own process, from its config.
Result<spec::Process> container_process(const spec::Config &config)
{
    if (!config.process)
        return Error::message("the container's config has no process to start from: use --process");
    spec::Process process = *config.process;
    // The container's terminal is its first process's; exec asks for one with --tty.
    process.terminal = false;
    return process;
}

void set_env(std::vector<std::string> &env, const std::string &entry)
{
    std::string name = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string &old) { return old.rfind(name, 0) == 0; });
    env.push_back(entry);
}

Status apply_user(spec::User &user, const std::string &text)
{
    // UID[:GID], numeric: names would need the image's /etc/passwd, read from inside.
    char *end = nullptr;
    unsigned long uid = strtoul(text.c_str(), &end, 10);
    unsigned long gid = user.gid;
    if (end != text.c_str() && *end == ':')
        gid = strtoul(end + 1, &end, 10);
    if (end == text.c_str() || *end != '\0' || uid > UINT32_MAX || gid > UINT32_MAX)
        return Error::message("--user: expected UID or UID:GID, got `" + text + "`");
    user.uid = static_cast<uint32_t>(uid);
    user.gid = static_cast<uint32_t>(gid);
    return Ok{};
}

void add_capability(spec::Process &process, const std::string &name)
{
    for (auto *set : {&process.capabilities.bounding, &process.capabilities.effective,
                      &process.capabilities.permitted})
        if (std::find(set->begin(), set->end(), name) == set->end())
            set->push_back(name);
}

Status add_group(spec::User &user, const std::string &text)
{
    char *end = nullptr;
    unsigned long gid = strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || gid > UINT32_MAX)
        return Error::message("--additional-gids: expected a numeric gid, got `" + text + "`");
    user.additional_gids.push_back(static_cast<uint32_t>(gid));
    return Ok{};
}

// runc's flags that change the process beyond cwd, env and user.
Status apply_process_flags(spec::Process &process, const cxxopts::ParseResult &flags)
{
    if (flags.count("cap"))
        for (const auto &name : flags["cap"].as<std::vector<std::string>>())
            add_capability(process, name);
    if (flags.count("additional-gids"))
        for (const auto &gid : flags["additional-gids"].as<std::vector<std::string>>())
            TRY(add_group(process.user, gid));
    if (flags.count("no-new-privs"))
        process.no_new_privileges = true;
    if (flags.count("apparmor"))
        process.apparmor_profile = flags["apparmor"].as<std::string>();
    if (flags.count("process-label"))
        process.selinux_label = flags["process-label"].as<std::string>();
    return Ok{};
}

Result<spec::Process> build_process(const spec::Config &container, const cxxopts::ParseResult &flags,
                                    const std::string &id, const std::vector<std::string> &command)
{
    spec::Process process;
    if (flags.count("process")) {
        std::string file = flags["process"].as<std::string>();
        auto text = TRY(sys::read_file(file, max_process_file));
        process = TRY(read_process(text, file));
        if (!command.empty())
            return Error::message("give the command in --process or after the id, not both");
    } else {
        if (command.empty())
            return Error::message("expected a command after the id, or --process");
        process = TRY(container_process(container));
        process.args = command;
    }

    if (flags.count("cwd"))
        process.cwd = flags["cwd"].as<std::string>();
    if (flags.count("env"))
        for (const auto &entry : flags["env"].as<std::vector<std::string>>()) {
            if (entry.find('=') == std::string::npos || entry.front() == '=')
                return Error::message("--env: expected NAME=VALUE, got `" + entry + "`");
            set_env(process.env, entry);
        }
    if (flags.count("user"))
        TRY(apply_user(process.user, flags["user"].as<std::string>()));
    TRY(apply_process_flags(process, flags));
    if (flags.count("tty"))
        process.terminal = true;
    // The pty master needs a holder: the console socket's owner, or exec in the foreground.
    bool socket = flags.count("console-socket") > 0;
    if (socket && !process.terminal)
        return Error::message("--console-socket: needs --tty or process.terminal");
    if (process.terminal && !socket && flags.count("detach"))
        return Error::message("--tty: needs --console-socket with --detach");

    spec::Config wrapper;
    wrapper.process = process;
    auto findings = spec::validate_process(wrapper);
    if (!findings.ok())
        return Error::message(joined(findings.errors, ""));
    for (const auto &warning : findings.warnings)
        log::warning("exec `" + id + "`: " + warning);
    return process;
}

} // namespace

int exec_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite exec [options] <id> [command...]",
                             "Run another process in a running container.");
    options.add_options()
        ("p,process", "process.json to run, instead of a command", cxxopts::value<std::string>())
        ("d,detach", "return once the process runs; do not wait for it")
        ("pid-file", "write the process's pid to FILE", cxxopts::value<std::string>())
        ("t,tty", "give the process a terminal")
        ("console-socket", "unix socket to receive the terminal's master fd", cxxopts::value<std::string>())
        ("preserve-fds", "pass N more fds after stdio", cxxopts::value<int>()->default_value("0"))
        ("cwd", "working directory inside the container", cxxopts::value<std::string>())
        ("e,env", "set NAME=VALUE (repeatable)", cxxopts::value<std::vector<std::string>>())
        ("u,user", "UID[:GID] to run as", cxxopts::value<std::string>())
        ("g,additional-gids", "another group of the process (repeatable)", cxxopts::value<std::vector<std::string>>())
        ("c,cap", "add a capability, CAP_NAME (repeatable)", cxxopts::value<std::vector<std::string>>())
        ("no-new-privs", "set no_new_privs: exec'd programs gain no privileges")
        ("apparmor", "the AppArmor profile to run under", cxxopts::value<std::string>())
        ("process-label", "the SELinux label to run under", cxxopts::value<std::string>())
        ("cgroup", "run in a sub-cgroup of the container's, [CONTROLLERS:]PATH (repeatable)",
         cxxopts::value<std::vector<std::string>>())
        ("ignore-paused", "exec into a paused container too (the process waits for resume)");

    Arguments flag_args;
    std::vector<std::string> rest;
    split_command(args, flag_args, rest);
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, flag_args, "exec", positional, exit_status);
    if (!flags)
        return exit_status;
    if (rest.empty())
        return report_usage("exec", "expected a container id");
    std::vector<std::string> id_only = {rest[0]};
    auto id = single_id(id_only, "exec", exit_status);
    if (!id)
        return exit_status;
    std::vector<std::string> command(rest.begin() + 1, rest.end());

    auto container = container_config(global, *id);
    if (!container)
        return report_failure("exec", *id, container.error());
    auto process = build_process(*container, *flags, *id, command);
    if (!process)
        return report_failure("exec", *id, process.error());

    runtime::ExecOptions exec;
    exec.seccomp = container->linux.seccomp;
    exec.detach = flags->count("detach") > 0;
    exec.passed_fds = (*flags)["preserve-fds"].as<int>();
    if (exec.passed_fds < 0)
        return report_usage("exec", "--preserve-fds: must not be negative");
    if (flags->count("pid-file"))
        exec.pid_file = (*flags)["pid-file"].as<std::string>();
    if (flags->count("console-socket"))
        exec.console_socket = (*flags)["console-socket"].as<std::string>();
    if (flags->count("cgroup"))
        exec.sub_cgroups = (*flags)["cgroup"].as<std::vector<std::string>>();
    exec.ignore_paused = flags->count("ignore-paused") > 0;

    state::StateStore store(global.state_root);
    auto status = runtime::exec_in_container(store, *id, *process, exec);
    if (!status)
        return report_failure("exec", *id, status.error());
    return *status;
}

} // namespace crunlite::cli
