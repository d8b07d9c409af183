// The typed container configuration: the part of an OCI runtime-spec 1.x config.json that
// crun-lite reads. parse.cpp fills it from JSON; validate.cpp checks it; the runtime executes it.
// Field names follow the spec's JSON names so that an error path maps straight onto a member.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crunlite::spec {

// The annotation by which a config declares its root.path to be an image: the read-only lower
// dir of an overlay, with a fresh upper and work dir for every container. "overlay": root.path
// is a root filesystem, the one lower dir; "layers": root.path is a layered image (image.hpp)
// whose layers are the lower dirs. Without it, root.path is used as it is, as runc would.
inline constexpr const char *rootfs_mode_annotation = "io.crun-lite.rootfs";
inline constexpr const char *rootfs_mode_overlay = "overlay";
inline constexpr const char *rootfs_mode_layers = "layers";

// "true": on a host whose devices controller is on cgroup v1, the container's cgroup v2
// directory (a hybrid host's) gets the eBPF device program too, so both enforce the rules.
inline constexpr const char *device_program_annotation = "io.crun-lite.cgroup2-device-program";

inline bool device_program_wanted(const std::map<std::string, std::string> &annotations)
{
    auto wanted = annotations.find(device_program_annotation);
    return wanted != annotations.end() && wanted->second == "true";
}

enum class NamespaceType { pid, network, mount, ipc, uts, user, cgroup, time };

struct Namespace {
    NamespaceType type;
    std::string path; // empty: create a new namespace; otherwise join the one at this path
};

// One line of a user namespace's uid_map or gid_map: `size` ids from `container_id` on are
// `host_id` on. For a mount (an idmapped mount), container_id is the id on the source
// filesystem and host_id the id the mount shows it as, as the kernel reads a map.
struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
};

struct Mount {
    std::string destination;
    std::string type;
    std::string source;
    std::vector<std::string> options;
    std::vector<IdMapping> uid_mappings = {}; // an idmapped bind mount
    std::vector<IdMapping> gid_mappings = {};
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
};

// process.consoleSize: the terminal's initial size in characters.
struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;
};

// process.capabilities: each set as the config names it (`CAP_KILL`). A set left out is empty.
struct Capabilities {
    std::vector<std::string> bounding;
    std::vector<std::string> effective;
    std::vector<std::string> inheritable;
    std::vector<std::string> permitted;
    std::vector<std::string> ambient;
};

// One of process.rlimits: a limit by its name (`RLIMIT_NOFILE`), as setrlimit(2) takes it.
struct Rlimit {
    std::string type;
    uint64_t soft = 0;
    uint64_t hard = 0;
};

// process.scheduler: the sched_setattr(2) policy and its parameters, names as the spec spells
// them (`SCHED_BATCH`, `SCHED_FLAG_RESET_ON_FORK`).
struct Scheduler {
    std::string policy;
    int nice = 0;
    int priority = 0;
    std::vector<std::string> flags;
    uint64_t runtime = 0; // SCHED_DEADLINE only, in nanoseconds, as the three below
    uint64_t deadline = 0;
    uint64_t period = 0;
};

// process.ioPriority: ioprio_set(2) class (`IOPRIO_CLASS_BE`) and level within it, 0-7.
struct IoPriority {
    std::string io_class;
    int priority = 0;
};

// process.execCPUAffinity: CPU lists as in cpuset ("0-1,3"); empty when not given.
struct CpuAffinity {
    std::string initial; // the runtime's child, from clone until it is set up
    std::string final;   // the program, from exec on
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> console_size; // used only with `terminal`
    User user;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;
    // Absent, like `{}`, means no capability at all, as with runc: a config keeps only what
    // it names.
    Capabilities capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::optional<int> oom_score_adj; // absent: inherited from the runtime
    std::optional<Scheduler> scheduler;
    std::optional<IoPriority> io_priority;
    std::optional<CpuAffinity> exec_cpu_affinity;
    std::string apparmor_profile; // empty: none asked for
    std::string selinux_label;    // empty: none asked for
};

// One hook (config.md "POSIX-platform Hooks"): a program the runtime runs at a point of the
// container's lifecycle, with the container's state JSON on its stdin.
struct Hook {
    std::string path;              // absolute
    std::vector<std::string> args; // argv, args[0] included; empty: just `path`
    // Present: exactly the hook's environment; absent: the runtime's own, as runc does.
    std::optional<std::vector<std::string>> env;
    std::optional<int> timeout; // seconds; must be > 0 when present
};

// The lifecycle points, in the order runtime.md's "Lifecycle" runs them.
struct Hooks {
    std::vector<Hook> prestart; // deprecated by the spec, still sent by podman and containerd
    std::vector<Hook> create_runtime;
    std::vector<Hook> create_container;
    std::vector<Hook> start_container;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
};

// A hook list by its JSON name under `hooks`, for the code that walks all of them.
struct HookKind {
    const char *name;
    std::vector<Hook> Hooks::*list;
};
inline constexpr HookKind hook_kinds[] = {
    {"prestart", &Hooks::prestart},
    {"createRuntime", &Hooks::create_runtime},
    {"createContainer", &Hooks::create_container},
    {"startContainer", &Hooks::start_container},
    {"poststart", &Hooks::poststart},
    {"poststop", &Hooks::poststop},
};

struct Root {
    std::string path;
    bool readonly = false;
};

// linux.seccomp, with every name kept as the config spells it (`SCMP_ACT_ERRNO`,
// `SCMP_ARCH_X86_64`); validate checks the names, runtime/seccomp.cpp turns them into a filter.
struct SeccompArg {
    uint32_t index = 0; // the syscall's argument, 0 to 5
    uint64_t value = 0;
    uint64_t value_two = 0; // SCMP_CMP_MASKED_EQ: `value` is the mask, this the expected value
    std::string op;
};

struct SeccompRule {
    std::vector<std::string> names;
    std::string action;
    std::optional<uint32_t> errno_ret; // absent: EPERM, for the actions that return one
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listener_path;
    std::string listener_metadata;
    std::vector<SeccompRule> syscalls;
};

// One of linux.devices: a node made in the container's root. `type` is c, b, u (both
// character devices) or p (a FIFO, which has no numbers).
struct Device {
    std::string path;
    std::string type;
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<uint32_t> file_mode; // permission bits; absent: 0666
    std::optional<uint32_t> uid;       // absent: root
    std::optional<uint32_t> gid;
};

// linux.personality: the execution domain (`LINUX`, `LINUX32`); the spec defines no flags yet.
struct Personality {
    std::string domain;
    std::vector<std::string> flags;
};

// One clock's entry of linux.timeOffsets: how far the container's clock is ahead of the host's.
struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
};

// linux.memoryPolicy: set_mempolicy(2) mode (`MPOL_BIND`), node list ("0-1") and mode flags.
struct MemoryPolicy {
    std::string mode;
    std::string nodes;
    std::vector<std::string> flags;
};

// linux.resources: each limit as the config gives it; unset members leave the kernel's default.
// Negative memory and pids values mean "no limit", as in the spec.
struct MemoryResources {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap; // memory plus swap, as cgroup v1's memsw counts it
    std::optional<int64_t> kernel;
    std::optional<int64_t> kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer;
};

struct CpuResources {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtime_runtime;
    std::optional<uint64_t> realtime_period;
    std::string cpus; // cpuset list, "0-2,4"
    std::string mems;
    std::optional<int64_t> idle;
};

struct WeightDevice {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leaf_weight;
};

struct ThrottleDevice {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;
};

struct BlockIoResources {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leaf_weight;
    std::vector<WeightDevice> weight_devices;
    std::vector<ThrottleDevice> throttle_read_bps;
    std::vector<ThrottleDevice> throttle_write_bps;
    std::vector<ThrottleDevice> throttle_read_iops;
    std::vector<ThrottleDevice> throttle_write_iops;
};

struct HugepageLimit {
    std::string page_size; // "2MB", "1GB"
    uint64_t limit = 0;
};

// One rule of the device controller's list; a missing major or minor matches any.
struct DeviceRule {
    bool allow = false;
    std::string type = "a"; // a, b or c
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::string access = "rwm";
};

struct NetworkResources {
    std::optional<uint32_t> class_id;
    std::vector<std::pair<std::string, uint32_t>> priorities; // interface, priority
};

struct Resources {
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<int64_t> pids_limit;
    std::optional<BlockIoResources> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::vector<DeviceRule> devices;
    std::optional<NetworkResources> network;
    std::map<std::string, std::string> unified; // cgroup v2 file name -> value
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings;       // for a new user namespace
    std::vector<IdMapping> gid_mappings;
    std::vector<std::string> masked_paths;     // hidden: an empty tmpfs or /dev/null on top
    std::vector<std::string> readonly_paths;   // bound onto themselves, read-only, recursively
    std::map<std::string, std::string> sysctl; // key as written ("net.ipv4.ip_forward")
    std::string rootfs_propagation;            // "" (leave as is), "private", "rshared", ...
    std::optional<Seccomp> seccomp;
    std::vector<Device> devices;
    std::optional<Personality> personality;
    std::map<std::string, TimeOffset> time_offsets; // by clock: "monotonic", "boottime"
    std::optional<MemoryPolicy> memory_policy;
    std::string mount_label; // SELinux context for the container's mounts; empty: none
    // linux.netDevices: host interface name -> its name in the container ("": unchanged).
    std::map<std::string, std::string> net_devices;
    std::string cgroups_path;                  // "": crun-lite's default (runtime/cgroups)
    std::optional<Resources> resources;
};

struct Config {
    std::string oci_version;
    Root root;
    std::optional<Process> process; // the spec allows a config without one (create, not start)
    std::string hostname;
    std::string domainname;
    std::vector<Mount> mounts;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    Linux linux;

    // JSON paths of spec fields that are present and ask for something crun-lite does not do
    // yet (`linux.seccomp`, `process.scheduler`); validation refuses each by name.
    std::vector<std::string> unsupported;

    bool wants_overlay() const
    {
        auto mode = annotations.find(rootfs_mode_annotation);
        return mode != annotations.end() &&
               (mode->second == rootfs_mode_overlay || mode->second == rootfs_mode_layers);
    }

    bool wants_layers() const
    {
        auto mode = annotations.find(rootfs_mode_annotation);
        return mode != annotations.end() && mode->second == rootfs_mode_layers;
    }

    bool wants_device_program_too() const { return device_program_wanted(annotations); }

    bool has_namespace(NamespaceType type) const
    {
        for (const auto &ns : linux.namespaces)
            if (ns.type == type)
                return true;
        return false;
    }

    // A namespace of this type made for the container, not one joined by path.
    bool creates_namespace(NamespaceType type) const
    {
        for (const auto &ns : linux.namespaces)
            if (ns.type == type && ns.path.empty())
                return true;
        return false;
    }
};

// The spec's name of a namespace type ("network" for NamespaceType::network).
const char *namespace_type_name(NamespaceType type);
std::optional<NamespaceType> namespace_type_from_name(const std::string &name);

} // namespace crunlite::spec
