// Tests for src/spec/validate.cpp: every rule, with the exact text of its error or warning.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "spec/validate.hpp"

using namespace crunlite::spec;

namespace {

// A bundle directory under /tmp, removed with everything in it when the test ends:
//   rootfs/ (the root), file (a regular file), src/ (a bind source), hostroot -> /
class TempBundle {
public:
    TempBundle()
    {
        char pattern[] = "/tmp/crun-lite-validate-XXXXXX";
        if (!::mkdtemp(pattern))
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
        std::filesystem::create_directory(path_ + "/rootfs");
        std::filesystem::create_directory(path_ + "/src");
        std::ofstream(path_ + "/file") << "not a directory\n";
        std::filesystem::create_directory_symlink("/", path_ + "/hostroot");
    }
    TempBundle(const TempBundle &) = delete;
    TempBundle &operator=(const TempBundle &) = delete;
    ~TempBundle()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    const std::string &path() const { return path_; }

private:
    std::string path_;
};

// A config that passes every check, for cases to break one thing in.
Config good_config()
{
    Config config;
    config.oci_version = "1.0.2";
    config.root.path = "rootfs";
    config.process = Process{};
    config.process->args = {"sh"};
    config.process->env = {"PATH=/bin", "EMPTY="};
    config.process->cwd = "/";
    config.hostname = "box";
    config.mounts = {
        {"/proc", "proc", "proc", {}},
        {"/data", "bind", "src", {"ro"}},
    };
    config.linux.namespaces = {
        {NamespaceType::pid, ""},   {NamespaceType::network, ""}, {NamespaceType::ipc, ""},
        {NamespaceType::uts, ""},   {NamespaceType::mount, ""},
    };
    return config;
}

// The running kernel is taken to know every capability up to CAP_CHECKPOINT_RESTORE (40), to
// offer 2MB and 1GB huge pages, and the host to run neither AppArmor nor SELinux, so results
// do not depend on the host.
Findings validate(const Config &config, const TempBundle &bundle, bool process_required = true,
                  int last_capability = 40, HostSecurity security = {})
{
    return validate_config(config,
                           ValidateOptions{bundle.path(), process_required, last_capability,
                                           security, std::vector<std::string>{"2MB", "1GB"}});
}

// Findings as one string, one per line, so that a failed CHECK prints them.
std::string lines(const std::vector<std::string> &findings)
{
    std::string text;
    for (const auto &finding : findings)
        text += finding + "\n";
    return text;
}

struct Case {
    std::string name;
    std::function<void(Config &)> change;
    std::vector<std::string> errors;
};

void check_cases(const TempBundle &bundle, const std::vector<Case> &cases)
{
    for (const auto &bad : cases) {
        CAPTURE(bad.name);
        Config config = good_config();
        bad.change(config);
        auto findings = validate(config, bundle);
        CHECK(lines(findings.errors) == lines(bad.errors));
    }
}

} // namespace

TEST_CASE("validate accepts a good config without errors or warnings")
{
    TempBundle bundle;
    auto findings = validate(good_config(), bundle);

    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) == "");
    CHECK(findings.ok());
}

TEST_CASE("validate accepts any 1.x version and refuses others")
{
    TempBundle bundle;
    for (const char *version : {"1.0.0", "1.0.2-dev", "1.2.0"}) {
        CAPTURE(version);
        Config config = good_config();
        config.oci_version = version;
        CHECK(validate(config, bundle).ok());
    }
    check_cases(bundle, {
        {"2.0.0", [](Config &c) { c.oci_version = "2.0.0"; },
         {"ociVersion: unsupported version `2.0.0`, expected 1.x"}},
        {"no minor", [](Config &c) { c.oci_version = "1"; },
         {"ociVersion: unsupported version `1`, expected 1.x"}},
        {"0.x", [](Config &c) { c.oci_version = "0.5.0"; },
         {"ociVersion: unsupported version `0.5.0`, expected 1.x"}},
        {"empty", [](Config &c) { c.oci_version = ""; },
         {"ociVersion: unsupported version ``, expected 1.x"}},
    });
}

TEST_CASE("validate checks root.path against the host")
{
    TempBundle bundle;
    const std::string dir = bundle.path();
    Config absolute = good_config();
    absolute.root.path = dir + "/rootfs";
    CHECK(validate(absolute, bundle).ok());

    check_cases(bundle, {
        {"empty", [](Config &c) { c.root.path = ""; }, {"root.path: must not be empty"}},
        {"missing", [](Config &c) { c.root.path = "missing"; },
         {"root.path: `" + dir + "/missing` does not exist"}},
        {"missing absolute", [](Config &c) { c.root.path = "/nonexistent/rootfs"; },
         {"root.path: `/nonexistent/rootfs` does not exist"}},
        {"a file", [](Config &c) { c.root.path = "file"; },
         {"root.path: `" + dir + "/file` is not a directory"}},
        {"below a file", [](Config &c) { c.root.path = "file/rootfs"; },
         {"root.path: `" + dir + "/file/rootfs` does not exist"}},
        {"host root", [](Config &c) { c.root.path = "/"; },
         {"root.path: must not be the host's root directory"}},
        {"host root by ..", [](Config &c) { c.root.path = "/tmp/.."; },
         {"root.path: must not be the host's root directory"}},
        {"host root by symlink", [](Config &c) { c.root.path = "hostroot"; },
         {"root.path: must not be the host's root directory"}},
    });
}

TEST_CASE("validate requires a process only when asked to")
{
    TempBundle bundle;
    Config config = good_config();
    config.process.reset();

    CHECK(lines(validate(config, bundle).errors) == "process: required to run a container\n");
    CHECK(validate(config, bundle, false).ok());
}

TEST_CASE("validate checks the process")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"no args", [](Config &c) { c.process->args.clear(); },
         {"process.args: must not be empty"}},
        {"empty program", [](Config &c) { c.process->args = {"", "x"}; },
         {"process.args[0]: must not be empty"}},
        {"relative cwd", [](Config &c) { c.process->cwd = "x"; },
         {"process.cwd: must be an absolute path, got `x`"}},
        {"empty cwd", [](Config &c) { c.process->cwd = ""; },
         {"process.cwd: must be an absolute path, got ``"}},
        {"env without =", [](Config &c) { c.process->env = {"A=1", "B=", "C=x=y", "FOO"}; },
         {"process.env[3]: expected NAME=VALUE, got `FOO`"}},
        {"env without a name", [](Config &c) { c.process->env = {"A=1", "=x"}; },
         {"process.env[1]: expected NAME=VALUE, got `=x`"}},
        {"umask too large", [](Config &c) { c.process->user.umask = 01000; },
         {"process.user.umask: must be at most 0777"}},
        {"ids that mean `unchanged` to the kernel",
         [](Config &c) {
             c.process->user.uid = UINT32_MAX;
             c.process->user.gid = UINT32_MAX;
             c.process->user.additional_gids = {5, UINT32_MAX};
         },
         {"process.user.uid: 4294967295 is not a valid uid",
          "process.user.gid: 4294967295 is not a valid gid",
          "process.user.additionalGids[1]: 4294967295 is not a valid gid"}},
    });

    Config config = good_config();
    config.process->user.umask = 0777;
    CHECK(validate(config, bundle).ok());
}

TEST_CASE("validate checks capability names")
{
    TempBundle bundle;
    Config config = good_config();
    config.process->capabilities = Capabilities{};
    config.process->capabilities.bounding = {"CAP_KILL", "CAP_CHECKPOINT_RESTORE", "CAP_FOO"};
    config.process->capabilities.permitted = {"cap_kill"};
    config.process->capabilities.ambient = {""};

    CHECK(lines(validate(config, bundle).errors) ==
          lines({
              "process.capabilities.bounding[2]: unknown capability `CAP_FOO`",
              "process.capabilities.permitted[0]: unknown capability `cap_kill`",
              "process.capabilities.ambient[0]: unknown capability ``",
          }));
}

TEST_CASE("validate skips with a warning the capabilities the running kernel lacks")
{
    TempBundle bundle;
    Config config = good_config();
    Capabilities &caps = config.process->capabilities;
    caps.bounding = {"CAP_BPF", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"};
    caps.effective = {"CAP_CHECKPOINT_RESTORE"};
    caps.permitted = {"CAP_CHECKPOINT_RESTORE"};

    auto findings = validate(config, bundle, true, 38);

    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) ==
          lines({
              "process.capabilities.bounding[0]: `CAP_BPF` is unknown to the running kernel; "
              "skipped",
              "process.capabilities.bounding[2]: `CAP_CHECKPOINT_RESTORE` is unknown to the "
              "running kernel; skipped",
              "process.capabilities.effective[0]: `CAP_CHECKPOINT_RESTORE` is unknown to the "
              "running kernel; skipped",
              "process.capabilities.permitted[0]: `CAP_CHECKPOINT_RESTORE` is unknown to the "
              "running kernel; skipped",
          }));
    CHECK(validate(config, bundle, true, 40).warnings.empty());
}

TEST_CASE("validate refuses capability sets that capset would refuse")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"effective not permitted",
         [](Config &c) {
             c.process->capabilities = Capabilities{};
             c.process->capabilities.effective = {"CAP_KILL", "CAP_CHOWN"};
             c.process->capabilities.permitted = {"CAP_KILL"};
         },
         {"process.capabilities.effective[1]: `CAP_CHOWN` is not in the permitted set"}},
        {"inheritable outside the bounding set",
         [](Config &c) {
             c.process->capabilities = Capabilities{};
             c.process->capabilities.bounding = {"CAP_KILL"};
             c.process->capabilities.inheritable = {"CAP_KILL", "CAP_NET_RAW"};
         },
         {"process.capabilities.inheritable[1]: `CAP_NET_RAW` is not in the bounding set"}},
        {"an empty object asks for nothing", [](Config &c) { c.process->capabilities = Capabilities{}; },
         {}},
    });
}

TEST_CASE("validate warns about ambient capabilities the kernel would not keep")
{
    TempBundle bundle;
    Config config = good_config();
    Capabilities &caps = config.process->capabilities;
    caps.bounding = {"CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW"};
    caps.permitted = {"CAP_KILL", "CAP_CHOWN"};
    caps.inheritable = {"CAP_KILL", "CAP_NET_RAW"};
    caps.ambient = {"CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW"};

    auto findings = validate(config, bundle);

    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) ==
          lines({
              "process.capabilities.ambient[1]: `CAP_CHOWN` is not both permitted and "
              "inheritable; not raised",
              "process.capabilities.ambient[2]: `CAP_NET_RAW` is not both permitted and "
              "inheritable; not raised",
          }));
}

TEST_CASE("validate checks rlimits")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"unknown type", [](Config &c) { c.process->rlimits = {{"RLIMIT_FOO", 1, 1}}; },
         {"process.rlimits[0].type: unknown rlimit `RLIMIT_FOO`"}},
        {"lowercase type", [](Config &c) { c.process->rlimits = {{"rlimit_nofile", 1, 1}}; },
         {"process.rlimits[0].type: unknown rlimit `rlimit_nofile`"}},
        {"duplicate type",
         [](Config &c) {
             c.process->rlimits = {{"RLIMIT_NOFILE", 1, 2}, {"RLIMIT_CORE", 0, 0},
                                   {"RLIMIT_NOFILE", 3, 4}};
         },
         {"process.rlimits[2].type: duplicate `RLIMIT_NOFILE`"}},
        {"soft above hard", [](Config &c) { c.process->rlimits = {{"RLIMIT_NPROC", 20, 10}}; },
         {"process.rlimits[0]: soft limit 20 is above hard limit 10"}},
    });

    Config config = good_config();
    const uint64_t infinity = ~uint64_t{0};
    config.process->rlimits = {{"RLIMIT_CPU", 0, 0},      {"RLIMIT_FSIZE", 1, infinity},
                               {"RLIMIT_DATA", infinity, infinity}, {"RLIMIT_STACK", 1, 1},
                               {"RLIMIT_CORE", 1, 1},     {"RLIMIT_RSS", 1, 1},
                               {"RLIMIT_NPROC", 1, 1},    {"RLIMIT_NOFILE", 1, 1},
                               {"RLIMIT_MEMLOCK", 1, 1},  {"RLIMIT_AS", 1, 1},
                               {"RLIMIT_LOCKS", 1, 1},    {"RLIMIT_SIGPENDING", 1, 1},
                               {"RLIMIT_MSGQUEUE", 1, 1}, {"RLIMIT_NICE", 1, 1},
                               {"RLIMIT_RTPRIO", 1, 1},   {"RLIMIT_RTTIME", 1, 1}};
    CHECK(lines(validate(config, bundle).errors) == "");
}

TEST_CASE("validate checks that oomScoreAdj is between -1000 and 1000")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"too low", [](Config &c) { c.process->oom_score_adj = -1001; },
         {"process.oomScoreAdj: must be between -1000 and 1000, got -1001"}},
        {"too high", [](Config &c) { c.process->oom_score_adj = 1001; },
         {"process.oomScoreAdj: must be between -1000 and 1000, got 1001"}},
        {"lowest", [](Config &c) { c.process->oom_score_adj = -1000; }, {}},
        {"highest", [](Config &c) { c.process->oom_score_adj = 1000; }, {}},
    });
}

TEST_CASE("validate_process checks capabilities and rlimits too, for exec")
{
    Config config;
    config.process = Process{};
    config.process->args = {"sh"};
    config.process->cwd = "/";
    config.process->capabilities.ambient = {"CAP_NOPE"};
    config.process->rlimits = {{"RLIMIT_NOFILE", 2, 1}};
    config.process->oom_score_adj = 5000;

    ValidateOptions options{{}, true, 40, HostSecurity{}, {}};
    CHECK(lines(validate_process(config, options).errors) ==
          lines({
              "process.capabilities.ambient[0]: unknown capability `CAP_NOPE`",
              "process.rlimits[0]: soft limit 2 is above hard limit 1",
              "process.oomScoreAdj: must be between -1000 and 1000, got 5000",
          }));
}

TEST_CASE("validate refuses each unsupported field by name, beside its section")
{
    TempBundle bundle;
    Config config = good_config();
    config.unsupported = {"process.scheduler", "process.apparmorProfile", "mounts[1].uidMappings",
                          "linux.intelRdt"};
    config.process->cwd = "relative";

    CHECK(lines(validate(config, bundle).errors) ==
          lines({
              "process.cwd: must be an absolute path, got `relative`",
              "process.scheduler: not supported yet",
              "process.apparmorProfile: not supported yet",
              "mounts[1].uidMappings: not supported yet",
              "linux.intelRdt: not supported yet",
          }));
}

TEST_CASE("validate accepts masked and read-only paths, namespaced sysctls and propagations")
{
    TempBundle bundle;
    Config config = good_config();
    config.linux.masked_paths = {"/proc/kcore", "/proc/acpi/..//x"};
    config.linux.readonly_paths = {"/proc/sys", "/sys/fs"};
    config.linux.sysctl = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "1"},
                           {"kernel.msgmax", "1"},      {"kernel.sem", "1 2 3 4"},
                           {"fs.mqueue.msg_max", "1"},  {"kernel.hostname", "a"},
                           {"kernel.domainname", "b"}};
    CHECK(lines(validate(config, bundle).errors) == "");

    for (const char *propagation : {"shared", "rshared", "slave", "rslave", "private", "rprivate",
                                    "unbindable", "runbindable"}) {
        CAPTURE(propagation);
        config.linux.rootfs_propagation = propagation;
        CHECK(validate(config, bundle).ok());
    }
}

TEST_CASE("validate checks masked and read-only paths")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"relative masked", [](Config &c) { c.linux.masked_paths = {"/proc/kcore", "/a", "x"}; },
         {"linux.maskedPaths[2]: must be an absolute path, got `x`"}},
        {"empty masked", [](Config &c) { c.linux.masked_paths = {""}; },
         {"linux.maskedPaths[0]: must be an absolute path, got ``"}},
        {"masked root", [](Config &c) { c.linux.masked_paths = {"/proc/.."}; },
         {"linux.maskedPaths[0]: must not be `/`"}},
        {"masked climbs", [](Config &c) { c.linux.masked_paths = {"/../etc"}; },
         {"linux.maskedPaths[0]: `/../etc` climbs out of the container root"}},
        {"relative read-only", [](Config &c) { c.linux.readonly_paths = {"proc/sys"}; },
         {"linux.readonlyPaths[0]: must be an absolute path, got `proc/sys`"}},
        {"read-only root", [](Config &c) { c.linux.readonly_paths = {"/"}; },
         {"linux.readonlyPaths[0]: must not be `/`"}},
    });
}

TEST_CASE("validate allows only sysctls that the container's new namespaces isolate")
{
    TempBundle bundle;
    auto without = [](Config &c, NamespaceType type) {
        std::erase_if(c.linux.namespaces, [type](const Namespace &ns) { return ns.type == type; });
    };
    check_cases(bundle, {
        {"not namespaced", [](Config &c) { c.linux.sysctl = {{"vm.swappiness", "10"}}; },
         {"linux.sysctl.vm.swappiness: not a namespaced sysctl"}},
        {"kernel, not ipc", [](Config &c) { c.linux.sysctl = {{"kernel.pid_max", "10"}}; },
         {"linux.sysctl.kernel.pid_max: not a namespaced sysctl"}},
        {"no network namespace",
         [without](Config &c) {
             without(c, NamespaceType::network);
             c.linux.sysctl = {{"net.ipv4.ip_forward", "1"}};
         },
         {"linux.sysctl.net.ipv4.ip_forward: needs a new network namespace"}},
        {"joined network namespace",
         [](Config &c) {
             c.linux.namespaces[1].path = "/proc/self/ns/net";
             c.linux.sysctl = {{"net.ipv4.ip_forward", "1"}};
         },
         {"linux.sysctl.net.ipv4.ip_forward: needs a new network namespace"}},
        {"no ipc namespace",
         [without](Config &c) {
             without(c, NamespaceType::ipc);
             c.linux.sysctl = {{"fs.mqueue.queues_max", "1"}, {"kernel.shmmni", "1"}};
         },
         {"linux.sysctl.fs.mqueue.queues_max: needs a new ipc namespace",
          "linux.sysctl.kernel.shmmni: needs a new ipc namespace"}},
        {"no uts namespace",
         [without](Config &c) {
             c.hostname.clear();
             without(c, NamespaceType::uts);
             c.linux.sysctl = {{"kernel.hostname", "x"}};
         },
         {"linux.sysctl.kernel.hostname: needs a new uts namespace"}},
        {"slash and dots",
         [](Config &c) {
             c.linux.sysctl = {{"net/ipv4/ip_forward", "1"}, {"net..ip_forward", "1"},
                               {".net", "1"}, {"net.", "1"}, {"", "1"}};
         },
         {"linux.sysctl.: not a valid sysctl name: dot-separated, no empty part, no `/`",
          "linux.sysctl..net: not a valid sysctl name: dot-separated, no empty part, no `/`",
          "linux.sysctl.net.: not a valid sysctl name: dot-separated, no empty part, no `/`",
          "linux.sysctl.net..ip_forward: not a valid sysctl name: dot-separated, no empty part, "
          "no `/`",
          "linux.sysctl.net/ipv4/ip_forward: not a valid sysctl name: dot-separated, no empty "
          "part, no `/`"}},
    });
}

TEST_CASE("validate refuses an unknown rootfsPropagation")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"unknown", [](Config &c) { c.linux.rootfs_propagation = "rshared,private"; },
         {"linux.rootfsPropagation: unknown propagation `rshared,private`, expected shared, "
          "slave, private or unbindable, or the same with an `r`"}},
    });
}

TEST_CASE("sysctl_namespace names the namespace that isolates a key")
{
    CHECK(sysctl_namespace("net.core.somaxconn") == NamespaceType::network);
    CHECK(sysctl_namespace("kernel.shm_rmid_forced") == NamespaceType::ipc);
    CHECK(sysctl_namespace("kernel.msgmnb") == NamespaceType::ipc);
    CHECK(sysctl_namespace("kernel.domainname") == NamespaceType::uts);
    CHECK(sysctl_namespace("kernel.semx") == std::nullopt);
    CHECK(sysctl_namespace("network.x") == std::nullopt);
    CHECK(sysctl_namespace("fs.mqueue") == std::nullopt);
}

namespace {

std::vector<IdMapping> range(uint32_t container_id, uint32_t host_id, uint32_t size)
{
    return {{container_id, host_id, size}};
}

// good_config() with a new user namespace mapping container 0..65535 to host 100000 on.
void add_user_namespace(Config &config)
{
    config.linux.namespaces.push_back({NamespaceType::user, ""});
    config.linux.uid_mappings = range(0, 100000, 65536);
    config.linux.gid_mappings = range(0, 100000, 65536);
}

} // namespace

TEST_CASE("validate accepts a new user namespace with mappings")
{
    TempBundle bundle;
    Config config = good_config();
    add_user_namespace(config);
    CHECK(lines(validate(config, bundle).errors) == "");
}

TEST_CASE("validate checks user namespace mappings")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"mappings without a user namespace",
         [](Config &c) {
             c.linux.uid_mappings = range(0, 100000, 1);
             c.linux.gid_mappings = range(0, 100000, 1);
         },
         {"linux.uidMappings: requires a `user` namespace in linux.namespaces",
          "linux.gidMappings: requires a `user` namespace in linux.namespaces"}},
        {"joined user namespace with mappings",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.namespaces.back().path = "/proc/1/ns/user";
         },
         {"linux.namespaces[5].path: joining an existing user namespace is not supported yet",
          "linux.uidMappings: must be empty when joining an existing user namespace",
          "linux.gidMappings: must be empty when joining an existing user namespace"}},
        {"size 0",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.uid_mappings.push_back({70000, 0, 0});
         },
         {"linux.uidMappings[1].size: must not be 0"}},
        {"overlapping ranges",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.uid_mappings.push_back({65535, 200000, 2});
             c.linux.gid_mappings.push_back({70000, 100001, 1});
         },
         {"linux.uidMappings[1]: its containerID range overlaps linux.uidMappings[0]'s",
          "linux.gidMappings[1]: its hostID range overlaps linux.gidMappings[0]'s"}},
        {"past 32 bits",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.uid_mappings.push_back({4294967295u, 1, 1});
             c.linux.gid_mappings.push_back({70000, 4294967290u, 6});
         },
         {"linux.uidMappings[1]: containerID + size goes past 32 bits",
          "linux.gidMappings[1]: hostID + size goes past 32 bits"}},
        {"more lines than the kernel takes",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.uid_mappings.clear();
             for (uint32_t i = 0; i < 341; ++i)
                 c.linux.uid_mappings.push_back({i, 100000 + i, 1});
         },
         {"linux.uidMappings: 341 entries, more than the kernel's 340"}},
        {"root not mapped",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.uid_mappings = range(1, 100000, 10);
             c.process->user.uid = 5;
         },
         {"linux.uidMappings: must map container uid 0: the container is set up as it"}},
        {"process user not mapped",
         [](Config &c) {
             add_user_namespace(c);
             c.process->user = {70000, 70001, {}, {3, 70002}};
         },
         {"process.user.uid: 70000 is not in linux.uidMappings",
          "process.user.gid: 70001 is not in linux.gidMappings",
          "process.user.additionalGids[1]: 70002 is not in linux.gidMappings"}},
        {"joining another namespace from a new user namespace",
         [](Config &c) {
             add_user_namespace(c);
             c.linux.namespaces[1].path = "/proc/self/ns/net";
         },
         {"linux.namespaces[1].path: joining a namespace from a new user namespace is not "
          "supported yet"}},
    });
}

TEST_CASE("validate checks idmapped mounts")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"idmap on a filesystem mount",
         [](Config &c) {
             add_user_namespace(c);
             c.mounts[0].options = {"idmap"};
         },
         {"mounts[0]: idmapped mounts are supported for bind mounts only"}},
        {"bare idmap without a user namespace", [](Config &c) { c.mounts[1].options = {"idmap"}; },
         {"mounts[1].options: `idmap` without uidMappings takes the container's mappings, but "
          "it has no user namespace of its own"}},
        {"uid mappings alone",
         [](Config &c) { c.mounts[1].uid_mappings = range(0, 1000, 1); },
         {"mounts[1].gidMappings: required with uidMappings"}},
        {"bad mount mapping",
         [](Config &c) {
             c.mounts[1].uid_mappings = range(0, 1000, 0);
             c.mounts[1].gid_mappings = range(0, 1000, 1);
         },
         {"mounts[1].uidMappings[0].size: must not be 0"}},
    });
}

TEST_CASE("validate takes tmpcopyup on tmpfs mounts only")
{
    TempBundle bundle;
    Config tmpfs = good_config();
    tmpfs.mounts.push_back({"/etc", "tmpfs", "tmpfs", {"ro", "tmpcopyup"}});
    CHECK(validate(tmpfs, bundle).errors.empty());
    check_cases(bundle, {
        {"on a bind", [](Config &c) { c.mounts[1].options.push_back("tmpcopyup"); },
         {"mounts[1].options: `tmpcopyup` is for tmpfs mounts, not `bind`"}},
        {"on proc", [](Config &c) { c.mounts[0].options = {"tmpcopyup"}; },
         {"mounts[0].options: `tmpcopyup` is for tmpfs mounts, not `proc`"}},
    });
}

TEST_CASE("validate checks namespaces")
{
    TempBundle bundle;
    using enum NamespaceType;
    check_cases(bundle, {
        {"duplicate", [](Config &c) { c.linux.namespaces.push_back({pid, ""}); },
         {"linux.namespaces[5]: duplicate `pid` namespace"}},
        {"user without mappings", [](Config &c) { c.linux.namespaces.push_back({user, ""}); },
         {"linux.uidMappings: required with a new user namespace",
          "linux.gidMappings: required with a new user namespace"}},
        {"no mount namespace", [](Config &c) { c.linux.namespaces.pop_back(); },
         {"linux.namespaces: a mount namespace is required"}},
        {"no namespaces at all",
         [](Config &c) {
             c.hostname.clear();
             c.linux.namespaces.clear();
         },
         {"linux.namespaces: a mount namespace is required"}},
    });
}

TEST_CASE("validate checks the path of a namespace to join")
{
    TempBundle bundle;
    const std::string file = bundle.path() + "/file";
    using enum NamespaceType;
    Config joins = good_config();
    joins.linux.namespaces[1].path = "/proc/self/ns/net";
    joins.linux.namespaces[2].path = "/proc/self/ns/ipc";
    CHECK(lines(validate(joins, bundle).errors) == "");

    check_cases(bundle, {
        {"relative", [](Config &c) { c.linux.namespaces[1].path = "ns/net"; },
         {"linux.namespaces[1].path: must be an absolute path, got `ns/net`"}},
        {"missing", [](Config &c) { c.linux.namespaces[1].path = "/nonexistent/ns"; },
         {"linux.namespaces[1].path: `/nonexistent/ns` does not exist"}},
        {"wrong type", [](Config &c) { c.linux.namespaces[0].path = "/proc/self/ns/net"; },
         {"linux.namespaces[0].path: `/proc/self/ns/net` is not a pid namespace"}},
        {"not a namespace", [file](Config &c) { c.linux.namespaces[1].path = file; },
         {"linux.namespaces[1].path: `" + file + "` is not a network namespace"}},
    });
}

TEST_CASE("validate requires a new uts namespace for hostname and domainname")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"hostname without uts", [](Config &c) { c.linux.namespaces.erase(
                                                       c.linux.namespaces.begin() + 3); },
         {"hostname: requires a new uts namespace"}},
        {"hostname in a joined uts",
         [](Config &c) { c.linux.namespaces[3].path = "/proc/self/ns/uts"; },
         {"hostname: requires a new uts namespace"}},
        {"domainname without uts",
         [](Config &c) {
             c.hostname.clear();
             c.domainname = "example.org";
             c.linux.namespaces.erase(c.linux.namespaces.begin() + 3);
         },
         {"domainname: requires a new uts namespace"}},
    });

    Config config = good_config();
    config.hostname.clear();
    config.linux.namespaces.erase(config.linux.namespaces.begin() + 3);
    CHECK(validate(config, bundle).ok());
}

TEST_CASE("validate checks mount destinations")
{
    TempBundle bundle;
    check_cases(bundle, {
        {"empty", [](Config &c) { c.mounts[0].destination = ""; },
         {"mounts[0].destination: must not be empty"}},
        {"root", [](Config &c) { c.mounts[1].destination = "/"; },
         {"mounts[1].destination: must not be `/`"}},
        {"root after normalising", [](Config &c) { c.mounts[1].destination = "/tmp/..//"; },
         {"mounts[1].destination: must not be `/`"}},
        {"relative root", [](Config &c) { c.mounts[1].destination = "."; },
         {"mounts[1].destination: must not be `/`"}},
        {"climbs out", [](Config &c) { c.mounts[1].destination = "/../etc"; },
         {"mounts[1].destination: `/../etc` climbs out of the container root"}},
        {"relative climbs out", [](Config &c) { c.mounts[1].destination = "a/../../etc"; },
         {"mounts[1].destination: `a/../../etc` climbs out of the container root"}},
    });
}

TEST_CASE("validate accepts a relative mount destination with a warning")
{
    TempBundle bundle;
    Config config = good_config();
    config.mounts[0].destination = "tmp";
    config.mounts[1].destination = "./data//x/";

    auto findings = validate(config, bundle);

    CHECK(findings.ok());
    CHECK(lines(findings.warnings) ==
          lines({"mounts[0].destination: `tmp` is relative; taken as `/tmp`",
                 "mounts[1].destination: `./data//x/` is relative; taken as `/data/x`"}));
}

TEST_CASE("validate checks mount types and bind sources")
{
    TempBundle bundle;
    const std::string dir = bundle.path();
    check_cases(bundle, {
        {"cgroup", [](Config &c) { c.mounts[0].type = "cgroup"; }, {}},
        {"no type, no bind", [](Config &c) { c.mounts[0] = {"/x", "", "none", {"ro"}}; },
         {"mounts[0].type: required unless options include bind or rbind"}},
        {"bind without source", [](Config &c) { c.mounts[1].source = ""; },
         {"mounts[1].source: required for a bind mount"}},
        {"bind option without source", [](Config &c) { c.mounts[1] = {"/x", "", "", {"bind"}}; },
         {"mounts[1].source: required for a bind mount"}},
        {"missing relative source", [](Config &c) { c.mounts[1].source = "nope"; },
         {"mounts[1].source: `" + dir + "/nope` does not exist"}},
        {"missing absolute source",
         [](Config &c) { c.mounts[1] = {"/x", "none", "/nonexistent/src", {"rbind"}}; },
         {"mounts[1].source: `/nonexistent/src` does not exist"}},
    });

    Config config = good_config();
    config.mounts.push_back({"/y", "", dir + "/file", {"rbind", "ro"}});
    config.mounts.push_back({"/z", "tmpfs", "", {}}); // only bind mounts need a source
    CHECK(lines(validate(config, bundle).errors) == "");
}

TEST_CASE("validate checks the rootfs mode annotation")
{
    TempBundle bundle;
    Config overlay = good_config();
    overlay.annotations[rootfs_mode_annotation] = "overlay";
    overlay.annotations["io.crun-lite.other"] = "anything";
    CHECK(validate(overlay, bundle).ok());

    check_cases(bundle, {
        {"unknown mode", [](Config &c) { c.annotations[rootfs_mode_annotation] = "copy"; },
         {"annotations.io.crun-lite.rootfs: unknown rootfs mode `copy`, expected `overlay` or `layers`"}},
    });

    Config layers = good_config();
    layers.annotations[rootfs_mode_annotation] = "layers";
    auto findings = validate(layers, bundle);
    REQUIRE(findings.errors.size() == 1);
    CHECK(findings.errors[0].ends_with(
        "holds no image.json, so it is not a layered image (annotations.io.crun-lite.rootfs is "
        "`layers`)"));
}

TEST_CASE("validate reports every problem in document order")
{
    TempBundle bundle;
    Config config = good_config();
    config.oci_version = "0.1";
    config.root.path = "missing";
    config.process->args.clear();
    config.process->env = {"NOPE"};
    config.mounts[1].destination = "";
    config.mounts[1].source = "";
    config.linux.namespaces.push_back({NamespaceType::ipc, ""});
    config.linux.masked_paths = {"x"};
    config.linux.sysctl = {{"vm.swappiness", "1"}};
    config.annotations[rootfs_mode_annotation] = "";

    CHECK(lines(validate(config, bundle).errors) ==
          lines({
              "ociVersion: unsupported version `0.1`, expected 1.x",
              "process.args: must not be empty",
              "process.env[0]: expected NAME=VALUE, got `NOPE`",
              "root.path: `" + bundle.path() + "/missing` does not exist",
              "mounts[1].destination: must not be empty",
              "mounts[1].source: required for a bind mount",
              "linux.namespaces[5]: duplicate `ipc` namespace",
              "linux.maskedPaths[0]: must be an absolute path, got `x`",
              "linux.sysctl.vm.swappiness: not a namespaced sysctl",
              "annotations.io.crun-lite.rootfs: unknown rootfs mode ``, expected `overlay` or `layers`",
          }));
}

TEST_CASE("normalize_container_path resolves paths lexically")
{
    struct Example {
        const char *input;
        const char *normalized;
    };
    for (const auto &example : std::vector<Example>{
             {"/", "/"},
             {"", "/"},
             {"/tmp", "/tmp"},
             {"//tmp///x//", "/tmp/x"},
             {"/./a/./b/.", "/a/b"},
             {"/a/b/../c", "/a/c"},
             {"/a/..", "/"},
             {"tmp", "/tmp"},
             {"./a/../b", "/b"},
             {"/a/...", "/a/..."},
         }) {
        CAPTURE(example.input);
        std::string normalized;
        CHECK(normalize_container_path(example.input, normalized));
        CHECK(normalized == example.normalized);
    }
}

TEST_CASE("normalize_container_path refuses to climb above the root")
{
    for (const char *input : {"/..", "/../etc", "..", "/a/../..", "a/../../b"}) {
        CAPTURE(input);
        std::string normalized;
        CHECK_FALSE(normalize_container_path(input, normalized));
    }
}

namespace {

// A seccomp section that passes every check: KILL for one syscall, ERRNO with an argument rule.
Seccomp good_seccomp()
{
    Seccomp seccomp;
    seccomp.default_action = "SCMP_ACT_ALLOW";
    seccomp.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    seccomp.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                     "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
    seccomp.syscalls = {
        {{"kexec_load"}, "SCMP_ACT_KILL", std::nullopt, {}},
        {{"personality"}, "SCMP_ACT_ERRNO", 22, {{0, 0xffffffff, 0, "SCMP_CMP_EQ"}}},
        {{"ptrace"}, "SCMP_ACT_TRACE", 60000, {{1, 0xff, 8, "SCMP_CMP_MASKED_EQ"}}},
    };
    return seccomp;
}

} // namespace

TEST_CASE("validate accepts a seccomp section of known names")
{
    TempBundle bundle;
    Config config = good_config();
    config.linux.seccomp = good_seccomp();
    auto findings = validate(config, bundle);
    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) == "");
}

TEST_CASE("validate refuses unknown seccomp names and values out of range, by path")
{
    TempBundle bundle;
    auto change_seccomp = [](std::function<void(Seccomp &)> change) {
        return [change](Config &config) {
            config.linux.seccomp = good_seccomp();
            change(*config.linux.seccomp);
        };
    };
    check_cases(
        bundle,
        {
            {"unknown action",
             change_seccomp([](Seccomp &s) { s.syscalls[1].action = "SCMP_ACT_FOO"; }),
             {"linux.seccomp.syscalls[1].action: unknown action `SCMP_ACT_FOO`"}},
            {"empty default action", change_seccomp([](Seccomp &s) { s.default_action = ""; }),
             {"linux.seccomp.defaultAction: must not be empty"}},
            {"notify", change_seccomp([](Seccomp &s) { s.default_action = "SCMP_ACT_NOTIFY"; }),
             {"linux.seccomp.defaultAction: `SCMP_ACT_NOTIFY` is not supported by crun-lite"}},
            {"listener", change_seccomp([](Seccomp &s) { s.listener_path = "/run/agent.sock"; }),
             {"linux.seccomp.listenerPath: a seccomp listener is not supported by crun-lite"}},
            {"metadata alone", change_seccomp([](Seccomp &s) { s.listener_metadata = "x"; }),
             {"linux.seccomp.listenerMetadata: only allowed with listenerPath"}},
            {"unknown architecture",
             change_seccomp([](Seccomp &s) { s.architectures[1] = "SCMP_ARCH_Z80"; }),
             {"linux.seccomp.architectures[1]: unknown architecture `SCMP_ARCH_Z80`"}},
            {"unknown flag", change_seccomp([](Seccomp &s) { s.flags.push_back("SECCOMP_X"); }),
             {"linux.seccomp.flags[3]: unknown flag `SECCOMP_X`"}},
            {"notify-only flag",
             change_seccomp([](Seccomp &s) {
                 s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
             }),
             {"linux.seccomp.flags[0]: `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` is not supported "
              "by crun-lite"}},
            {"errno for an action without one",
             change_seccomp([](Seccomp &s) {
                 s.default_errno_ret = 1;
                 s.syscalls[0].errno_ret = 1;
             }),
             {"linux.seccomp.defaultErrnoRet: `SCMP_ACT_ALLOW` returns no value; only "
              "SCMP_ACT_ERRNO and SCMP_ACT_TRACE do",
              "linux.seccomp.syscalls[0].errnoRet: `SCMP_ACT_KILL` returns no value; only "
              "SCMP_ACT_ERRNO and SCMP_ACT_TRACE do"}},
            {"errno too large", change_seccomp([](Seccomp &s) { s.syscalls[1].errno_ret = 4096; }),
             {"linux.seccomp.syscalls[1].errnoRet: must be at most 4095 for `SCMP_ACT_ERRNO`, "
              "got 4096"}},
            {"no names", change_seccomp([](Seccomp &s) { s.syscalls[0].names = {}; }),
             {"linux.seccomp.syscalls[0].names: must not be empty"}},
            {"argument index and operator",
             change_seccomp([](Seccomp &s) { s.syscalls[1].args[0] = {6, 0, 0, "SCMP_CMP_FOO"}; }),
             {"linux.seccomp.syscalls[1].args[0].index: must be 0 to 5, got 6",
              "linux.seccomp.syscalls[1].args[0].op: unknown operator `SCMP_CMP_FOO`"}},
        });
}

TEST_CASE("validate refuses hooks with a relative path, a timeout below one or a bad env")
{
    TempBundle bundle;
    Config config = good_config();
    config.hooks.prestart = {Hook{"/bin/true", {}, std::nullopt, 1}};
    config.hooks.poststart = {Hook{"/bin/true", {}, {}, {}}, Hook{"hook", {}, {}, {}}};
    config.hooks.create_runtime = {Hook{"/x", {}, {}, 0}, Hook{"/y", {}, {}, -3}};
    config.hooks.start_container = {Hook{"/z", {}, std::vector<std::string>{"NOEQUALS"}, {}}};

    CHECK(lines(validate(config, bundle).errors) ==
          lines({
              "hooks.createRuntime[0].timeout: must be greater than zero, got 0",
              "hooks.createRuntime[1].timeout: must be greater than zero, got -3",
              "hooks.startContainer[0].env[0]: expected NAME=VALUE, got `NOEQUALS`",
              "hooks.poststart[1].path: must be absolute, got `hook`",
          }));
}

TEST_CASE("validate refuses a huge page size the kernel does not offer, naming the field")
{
    TempBundle bundle;
    Config config = good_config();
    config.linux.resources = Resources{};
    config.linux.resources->hugepage_limits = {{"2MB", 4096}, {"3MB", 4096}, {"1GB", 0}};
    CHECK(lines(validate(config, bundle).errors) ==
          "linux.resources.hugepageLimits[1].pageSize: the kernel offers no `3MB` huge pages "
          "(it offers `2MB`, `1GB`)\n");

    auto none = validate_config(config, ValidateOptions{bundle.path(), true, 40, HostSecurity{},
                                                        std::vector<std::string>{}});
    CHECK(none.errors.size() == 3);
    CHECK(none.errors[0] == "linux.resources.hugepageLimits[0].pageSize: the kernel offers no "
                            "`2MB` huge pages (it has none)");
}
