#include "spec/validate_fields.hpp"

#include <sys/stat.h>

#include <limits>
#include <set>

#include "spec/linux_names.hpp"
#include "sys/paths.hpp"

namespace crunlite::spec {
namespace {

std::string backticked(const std::string &text)
{
    return "`" + text + "`";
}

std::string indexed(const std::string &path, size_t index)
{
    return path + "[" + std::to_string(index) + "]";
}

class Reporter {
public:
    explicit Reporter(Findings &findings) : findings_(findings) {}
    void error(const std::string &path, const std::string &what)
    {
        findings_.errors.push_back(path + ": " + what);
    }
    void warning(const std::string &path, const std::string &what)
    {
        findings_.warnings.push_back(path + ": " + what);
    }

private:
    Findings &findings_;
};

// Reports each name of `names` that `lookup` does not know, as an unknown `what`.
template <typename Lookup>
void check_names(Reporter &report, const std::string &path, const std::vector<std::string> &names,
                 Lookup lookup, const char *what)
{
    for (size_t i = 0; i < names.size(); ++i)
        if (!lookup(names[i]))
            report.error(indexed(path, i), std::string("unknown ") + what + " " +
                                               backticked(names[i]));
}

void check_range(Reporter &report, const std::string &path, int value, int low, int high)
{
    if (value < low || value > high)
        report.error(path, "must be between " + std::to_string(low) + " and " +
                               std::to_string(high) + ", got " + std::to_string(value));
}

void check_deadline_parameters(Reporter &report, const Scheduler &scheduler, bool deadline)
{
    const std::string path = "process.scheduler";
    if (!deadline) {
        const std::pair<const char *, uint64_t> durations[] = {
            {"runtime", scheduler.runtime},
            {"deadline", scheduler.deadline},
            {"period", scheduler.period},
        };
        for (const auto &[key, value] : durations)
            if (value != 0)
                report.error(path + "." + key, "only SCHED_DEADLINE takes it");
        return;
    }
    // The kernel's own rule (sched_setattr(2)); said here by field rather than as EINVAL.
    if (scheduler.runtime == 0 || scheduler.runtime > scheduler.deadline)
        report.error(path + ".runtime", "must be above 0 and at most the deadline");
    if (scheduler.period != 0 && scheduler.deadline > scheduler.period)
        report.error(path + ".deadline", "must be at most the period");
}

void check_scheduler(Reporter &report, const Scheduler &scheduler)
{
    const std::string path = "process.scheduler";
    auto policy = scheduler_policy_from_name(scheduler.policy);
    if (!policy)
        report.error(path + ".policy", "unknown policy " + backticked(scheduler.policy));
    check_range(report, path + ".nice", scheduler.nice, -20, 19);
    bool realtime = scheduler.policy == "SCHED_FIFO" || scheduler.policy == "SCHED_RR";
    if (realtime)
        check_range(report, path + ".priority", scheduler.priority, 1, 99);
    else if (policy && scheduler.priority != 0)
        report.error(path + ".priority", "must be 0 for " + scheduler.policy);
    check_names(report, path + ".flags", scheduler.flags, scheduler_flag_from_name, "flag");
    if (policy)
        check_deadline_parameters(report, scheduler, scheduler.policy == "SCHED_DEADLINE");
}

void check_io_priority(Reporter &report, const IoPriority &io_priority)
{
    if (!io_priority_class_from_name(io_priority.io_class))
        report.error("process.ioPriority.class",
                     "unknown class " + backticked(io_priority.io_class) +
                         ", expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE");
    check_range(report, "process.ioPriority.priority", io_priority.priority, 0, 7);
}

void check_number_list(Reporter &report, const std::string &path, const std::string &list,
                       unsigned limit, const char *what)
{
    if (!list.empty() && !parse_number_list(list, limit))
        report.error(path, "not a " + std::string(what) + " list: " + backticked(list) +
                               ", expected numbers and ranges below " + std::to_string(limit) +
                               " such as `0-1,3`");
}

void check_security_labels(Reporter &report, const Process &process, const HostSecurity &host)
{
    if (!process.apparmor_profile.empty() && !host.apparmor)
        report.warning("process.apparmorProfile",
                       "AppArmor is not enabled on this host; the profile is not applied");
    // Unlike a profile, a label is refused: runc does so too, since the process would run
    // without the confinement its config names.
    if (!process.selinux_label.empty() && !host.selinux)
        report.error("process.selinuxLabel", "SELinux is not enabled on this host");
}

bool is_bind(const Mount &mount)
{
    for (const auto &option : mount.options)
        if (option == "bind" || option == "rbind")
            return true;
    return mount.type == "bind" || mount.type == "rbind";
}

// Whether the config binds something over /dev: then no device is made there, as with runc,
// since it would be made on the host.
bool dev_is_bind_mount(const Config &config)
{
    for (const auto &mount : config.mounts) {
        std::string normalized;
        if (normalize_container_path(mount.destination, normalized) && normalized == "/dev" &&
            is_bind(mount))
            return true;
    }
    return false;
}

// Device numbers as the kernel encodes them (MAJOR 12 bits, MINOR 20).
constexpr int64_t major_limit = int64_t{1} << 12;
constexpr int64_t minor_limit = int64_t{1} << 20;

void check_device_number(Reporter &report, const std::string &path,
                         const std::optional<int64_t> &number, int64_t limit, bool fifo)
{
    if (fifo && number)
        report.error(path, "a FIFO (type p) has no device number");
    else if (!fifo && !number)
        report.error(path, "required unless type is p");
    else if (number && (*number < 0 || *number >= limit))
        report.error(path, "must be between 0 and " + std::to_string(limit - 1) + ", got " +
                               std::to_string(*number));
}

void check_device(Reporter &report, const Device &device, const std::string &path,
                  std::set<std::string> &seen)
{
    std::string normalized;
    if (device.path.empty() || device.path.front() != '/')
        report.error(path + ".path", "must be an absolute path, got " + backticked(device.path));
    else if (!normalize_container_path(device.path, normalized))
        report.error(path + ".path", backticked(device.path) + " climbs out of the container root");
    else if (normalized == "/" || normalized == "/dev")
        report.error(path + ".path", "must name a file, got " + backticked(device.path));
    else if (!seen.insert(normalized).second)
        report.error(path + ".path", "duplicate " + backticked(normalized));

    static const std::set<std::string> types = {"c", "b", "u", "p"};
    if (!types.count(device.type)) {
        report.error(path + ".type",
                     "unknown device type " + backticked(device.type) + ", expected c, b, u or p");
        return;
    }
    bool fifo = device.type == "p";
    check_device_number(report, path + ".major", device.major, major_limit, fifo);
    check_device_number(report, path + ".minor", device.minor, minor_limit, fifo);
}

void check_devices(Reporter &report, const Config &config)
{
    std::set<std::string> seen;
    bool dev_bound = dev_is_bind_mount(config);
    for (size_t i = 0; i < config.linux.devices.size(); ++i) {
        const Device &device = config.linux.devices[i];
        std::string path = indexed("linux.devices", i);
        check_device(report, device, path, seen);
        std::string normalized;
        if (dev_bound && normalize_container_path(device.path, normalized) &&
            normalized.starts_with("/dev/"))
            report.warning(path, "/dev is a bind mount; " + backticked(normalized) +
                                     " is not created in it");
    }
}

void check_personality(Reporter &report, const Personality &personality)
{
    if (!personality_domain_from_name(personality.domain))
        report.error("linux.personality.domain", "unknown domain " +
                                                     backticked(personality.domain) +
                                                     ", expected LINUX or LINUX32");
    for (size_t i = 0; i < personality.flags.size(); ++i)
        report.error(indexed("linux.personality.flags", i),
                     "unknown flag " + backticked(personality.flags[i]) +
                         ": the spec defines none yet");
}

void check_time_offsets(Reporter &report, const Config &config)
{
    if (config.linux.time_offsets.empty())
        return;
    // Offsets can be written only into a namespace no process has entered yet.
    if (!config.creates_namespace(NamespaceType::time))
        report.error("linux.timeOffsets", "requires a new time namespace");
    for (const auto &[clock, offset] : config.linux.time_offsets) {
        std::string path = "linux.timeOffsets." + clock;
        if (clock != "monotonic" && clock != "boottime")
            report.error(path, "unknown clock " + backticked(clock) +
                                   ", expected monotonic or boottime");
        if (offset.nanosecs >= 1000000000)
            report.error(path + ".nanosecs", "must be below 1000000000");
    }
}

void check_memory_policy(Reporter &report, const MemoryPolicy &policy)
{
    const std::string path = "linux.memoryPolicy";
    if (!memory_policy_mode_from_name(policy.mode))
        report.error(path + ".mode", "unknown mode " + backticked(policy.mode));
    check_names(report, path + ".flags", policy.flags, memory_policy_flag_from_name, "flag");
    check_number_list(report, path + ".nodes", policy.nodes, node_list_limit, "node");

    bool takes_no_nodes = policy.mode == "MPOL_DEFAULT" || policy.mode == "MPOL_LOCAL";
    // MPOL_PREFERRED without nodes means local allocation; the others need at least one.
    bool needs_nodes = !takes_no_nodes && policy.mode != "MPOL_PREFERRED";
    if (takes_no_nodes && !policy.nodes.empty())
        report.error(path + ".nodes", "must be empty for " + policy.mode);
    else if (needs_nodes && policy.nodes.empty() && memory_policy_mode_from_name(policy.mode))
        report.error(path + ".nodes", "required for " + policy.mode);
}

// A name the kernel takes for an interface: 1 to 15 bytes, no `/`, `:` or blank, not . or ..
bool is_interface_name(const std::string &name)
{
    if (name.empty() || name.size() > 15 || name == "." || name == "..")
        return false;
    return name.find_first_of("/: \t\n") == std::string::npos;
}

void check_net_devices(Reporter &report, const Config &config)
{
    if (config.linux.net_devices.empty())
        return;
    // Moved into a namespace that others share, it would leave the host for theirs.
    if (!config.creates_namespace(NamespaceType::network))
        report.error("linux.netDevices", "requires a new network namespace");
    std::set<std::string> names;
    for (const auto &[host_name, name] : config.linux.net_devices) {
        std::string path = "linux.netDevices." + host_name;
        if (!is_interface_name(host_name))
            report.error(path, "not an interface name: 1 to 15 characters, no `/`, `:` or space");
        if (!name.empty() && !is_interface_name(name))
            report.error(path + ".name",
                         "not an interface name: 1 to 15 characters, no `/`, `:` or space");
        if (!names.insert(name.empty() ? host_name : name).second)
            report.error(path, "two devices would be named " +
                                   backticked(name.empty() ? host_name : name));
    }
}

void check_mount_label(Reporter &report, const Config &config, const HostSecurity &host)
{
    if (config.linux.mount_label.empty())
        return;
    if (!host.selinux)
        report.warning("linux.mountLabel",
                       "SELinux is not enabled on this host; the label is not applied");
    else
        // TODO: pass the label as each mount's context= option; refused until then, so that
        // no mount goes unlabelled on a host that enforces labels.
        report.error("linux.mountLabel", "not supported yet on a host with SELinux");
}

bool exists(const char *path)
{
    struct stat info {};
    return ::stat(path, &info) == 0;
}

bool apparmor_enabled()
{
    if (exists("/sys/kernel/security/apparmor"))
        return true;
    // securityfs may be unmounted while AppArmor runs; the module parameter tells either way.
    auto enabled = sys::read_file("/sys/module/apparmor/parameters/enabled", 16);
    return enabled && enabled->starts_with("Y");
}

} // namespace

HostSecurity host_security()
{
    HostSecurity host;
    host.apparmor = apparmor_enabled();
    host.selinux = exists("/sys/fs/selinux/enforce");
    return host;
}

void check_process_tuning(const Process &process, const HostSecurity &security,
                          Findings &findings)
{
    Reporter report(findings);
    if (process.scheduler)
        check_scheduler(report, *process.scheduler);
    if (process.io_priority)
        check_io_priority(report, *process.io_priority);
    if (process.exec_cpu_affinity) {
        check_number_list(report, "process.execCPUAffinity.initial",
                          process.exec_cpu_affinity->initial, cpu_list_limit, "CPU");
        check_number_list(report, "process.execCPUAffinity.final",
                          process.exec_cpu_affinity->final, cpu_list_limit, "CPU");
    }
    check_security_labels(report, process, security);
}

void check_linux_tuning(const Config &config, const HostSecurity &security, Findings &findings)
{
    Reporter report(findings);
    check_devices(report, config);
    if (config.linux.personality)
        check_personality(report, *config.linux.personality);
    check_time_offsets(report, config);
    if (config.linux.memory_policy)
        check_memory_policy(report, *config.linux.memory_policy);
    check_mount_label(report, config, security);
    check_net_devices(report, config);
}

} // namespace crunlite::spec
