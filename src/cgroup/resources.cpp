#include "cgroup/resources.hpp"

#include <algorithm>

namespace crunlite::cgroup {
namespace {

// The devices every container gets besides its own rules, as runc allows them: mknod of any
// node (using one still needs a rule), and the nodes crun-lite puts in /dev.
const std::vector<spec::DeviceRule> &default_device_rules()
{
    auto allow = [](const char *type, std::optional<int64_t> major, std::optional<int64_t> minor,
                    const char *access) { return spec::DeviceRule{true, type, major, minor, access}; };
    static const std::vector<spec::DeviceRule> rules = {
        allow("c", {}, {}, "m"),     allow("b", {}, {}, "m"),     allow("c", 1, 3, "rwm"),
        allow("c", 1, 5, "rwm"),     allow("c", 1, 7, "rwm"),     allow("c", 1, 8, "rwm"),
        allow("c", 1, 9, "rwm"),     allow("c", 5, 0, "rwm"),     allow("c", 5, 1, "rwm"),
        allow("c", 5, 2, "rwm"),     allow("c", 136, {}, "rwm"),  allow("c", 10, 200, "rwm"),
    };
    return rules;
}

// A rule as the v1 devices.allow and devices.deny files take it: "c 1:3 rwm", "b *:* m", "a".
std::string v1_device_line(const spec::DeviceRule &rule)
{
    if (rule.type == "a")
        return "a";
    auto number = [](const std::optional<int64_t> &value) {
        return value && *value >= 0 ? std::to_string(*value) : std::string("*");
    };
    return rule.type + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

std::string limit_or_max(int64_t value)
{
    return value < 0 ? "max" : std::to_string(value);
}

std::string device_number(int64_t major, int64_t minor)
{
    return std::to_string(major) + ":" + std::to_string(minor);
}

class Planner {
public:
    Planner(const Locator &locate, bool device_program_too)
        : locate_(locate), device_program_too_(device_program_too)
    {
    }

    Result<WritePlan> run(const spec::Resources &resources)
    {
        if (resources.memory)
            TRY(memory(*resources.memory));
        if (resources.cpu)
            cpu(*resources.cpu);
        if (resources.pids_limit)
            pids(*resources.pids_limit);
        if (resources.block_io)
            block_io(*resources.block_io);
        for (size_t i = 0; i < resources.hugepage_limits.size(); ++i)
            hugepages(resources.hugepage_limits[i], i);
        devices(resources.devices);
        if (resources.network)
            network(*resources.network);
        TRY(unified(resources.unified));
        return std::move(plan_);
    }

private:
    Version version(const std::string &controller) { return locate_(controller); }

    void add(const std::string &controller, const std::string &file, const std::string &value,
             const std::string &field, bool optional = false)
    {
        if (version(controller) == Version::none) {
            plan_.warnings.push_back(field + ": no `" + controller +
                                     "` cgroup controller on this host; not applied");
            return;
        }
        plan_.writes.push_back({controller, file, value, field, optional});
    }

    void skip(const std::string &field, const std::string &why)
    {
        plan_.warnings.push_back(field + ": " + why + "; not applied");
    }

    Status memory(const spec::MemoryResources &memory)
    {
        const std::string path = "linux.resources.memory";
        if (version("memory") == Version::v2)
            return memory_v2(memory);
        if (memory.limit)
            add("memory", "memory.limit_in_bytes", std::to_string(*memory.limit), path + ".limit");
        if (memory.reservation)
            add("memory", "memory.soft_limit_in_bytes", std::to_string(*memory.reservation),
                path + ".reservation");
        if (memory.swap)
            add("memory", "memory.memsw.limit_in_bytes", std::to_string(*memory.swap),
                path + ".swap", true);
        if (memory.kernel)
            add("memory", "memory.kmem.limit_in_bytes", std::to_string(*memory.kernel),
                path + ".kernel", true);
        if (memory.kernel_tcp)
            add("memory", "memory.kmem.tcp.limit_in_bytes", std::to_string(*memory.kernel_tcp),
                path + ".kernelTCP", true);
        if (memory.swappiness)
            add("memory", "memory.swappiness", std::to_string(*memory.swappiness),
                path + ".swappiness");
        if (memory.disable_oom_killer && *memory.disable_oom_killer)
            add("memory", "memory.oom_control", "1", path + ".disableOOMKiller");
        return Ok{};
    }

    Status memory_v2(const spec::MemoryResources &memory)
    {
        const std::string path = "linux.resources.memory";
        if (memory.limit)
            add("memory", "memory.max", limit_or_max(*memory.limit), path + ".limit");
        if (memory.reservation)
            add("memory", "memory.low", limit_or_max(*memory.reservation), path + ".reservation");
        if (memory.swap) {
            // v1 counts memory plus swap; v2's memory.swap.max counts swap alone.
            if (*memory.swap < 0)
                add("memory", "memory.swap.max", "max", path + ".swap", true);
            else if (!memory.limit || *memory.limit < 0)
                return Error::message(path + ".swap: a swap limit needs a memory limit on "
                                             "cgroup v2");
            else
                add("memory", "memory.swap.max", std::to_string(*memory.swap - *memory.limit),
                    path + ".swap", true);
        }
        if (memory.kernel || memory.kernel_tcp)
            skip(path + (memory.kernel ? ".kernel" : ".kernelTCP"), "cgroup v2 has no kernel "
                                                                     "memory limit");
        if (memory.swappiness)
            skip(path + ".swappiness", "cgroup v2 has no per-cgroup swappiness");
        if (memory.disable_oom_killer && *memory.disable_oom_killer)
            skip(path + ".disableOOMKiller", "cgroup v2 cannot disable the OOM killer");
        return Ok{};
    }

    void cpu(const spec::CpuResources &cpu)
    {
        const std::string path = "linux.resources.cpu";
        bool v2 = version("cpu") == Version::v2;
        if (cpu.shares)
            add("cpu", v2 ? "cpu.weight" : "cpu.shares",
                std::to_string(v2 ? shares_to_weight(*cpu.shares) : *cpu.shares),
                path + ".shares");
        if (v2 && (cpu.quota || cpu.period)) {
            std::string quota = cpu.quota ? limit_or_max(*cpu.quota) : "max";
            add("cpu", "cpu.max", quota + " " + std::to_string(cpu.period.value_or(100000)),
                path + (cpu.quota ? ".quota" : ".period"));
        }
        // The period first: a quota is judged against the period in force.
        if (!v2 && cpu.period)
            add("cpu", "cpu.cfs_period_us", std::to_string(*cpu.period), path + ".period");
        if (!v2 && cpu.quota)
            add("cpu", "cpu.cfs_quota_us", std::to_string(*cpu.quota), path + ".quota");
        realtime(cpu, v2);
        if (cpu.idle)
            add("cpu", "cpu.idle", std::to_string(*cpu.idle), path + ".idle", true);
        if (!cpu.cpus.empty())
            add("cpuset", "cpuset.cpus", cpu.cpus, path + ".cpus");
        if (!cpu.mems.empty())
            add("cpuset", "cpuset.mems", cpu.mems, path + ".mems");
    }

    void realtime(const spec::CpuResources &cpu, bool v2)
    {
        const std::string path = "linux.resources.cpu";
        if (v2 && (cpu.realtime_period || cpu.realtime_runtime)) {
            skip(path + ".realtimeRuntime", "cgroup v2 has no real-time budget");
            return;
        }
        if (cpu.realtime_period)
            add("cpu", "cpu.rt_period_us", std::to_string(*cpu.realtime_period),
                path + ".realtimePeriod");
        if (cpu.realtime_runtime)
            add("cpu", "cpu.rt_runtime_us", std::to_string(*cpu.realtime_runtime),
                path + ".realtimeRuntime");
    }

    void pids(int64_t limit)
    {
        add("pids", "pids.max", limit > 0 ? std::to_string(limit) : "max",
            "linux.resources.pids.limit");
    }

    void block_io(const spec::BlockIoResources &io)
    {
        const std::string path = "linux.resources.blockIO";
        bool v2 = version(v2_or_v1_io()) == Version::v2;
        const std::string controller = v2_or_v1_io();
        if (io.weight)
            add(controller, v2 ? "io.weight" : "blkio.weight",
                std::to_string(v2 ? blkio_weight_to_io_weight(*io.weight) : *io.weight),
                path + ".weight", true);
        if (io.leaf_weight) {
            if (v2)
                skip(path + ".leafWeight", "cgroup v2 has no leaf weight");
            else
                add(controller, "blkio.leaf_weight", std::to_string(*io.leaf_weight),
                    path + ".leafWeight", true);
        }
        for (size_t i = 0; i < io.weight_devices.size(); ++i)
            weight_device(io.weight_devices[i], v2, path + ".weightDevice[" +
                                                        std::to_string(i) + "]");
        throttle(io.throttle_read_bps, "read_bps_device", "rbps", path + ".throttleReadBpsDevice");
        throttle(io.throttle_write_bps, "write_bps_device", "wbps",
                 path + ".throttleWriteBpsDevice");
        throttle(io.throttle_read_iops, "read_iops_device", "riops",
                 path + ".throttleReadIOPSDevice");
        throttle(io.throttle_write_iops, "write_iops_device", "wiops",
                 path + ".throttleWriteIOPSDevice");
    }

    // v1 calls the controller blkio, v2 io.
    std::string v2_or_v1_io() { return version("blkio") != Version::none ? "blkio" : "io"; }

    void weight_device(const spec::WeightDevice &device, bool v2, const std::string &field)
    {
        std::string number = device_number(device.major, device.minor);
        const std::string controller = v2_or_v1_io();
        if (device.weight)
            add(controller, v2 ? "io.weight" : "blkio.weight_device",
                number + " " +
                    std::to_string(v2 ? blkio_weight_to_io_weight(*device.weight)
                                      : *device.weight),
                field + ".weight", true);
        if (device.leaf_weight && !v2)
            add(controller, "blkio.leaf_weight_device",
                number + " " + std::to_string(*device.leaf_weight), field + ".leafWeight", true);
    }

    void throttle(const std::vector<spec::ThrottleDevice> &devices, const std::string &v1_file,
                  const std::string &v2_key, const std::string &field)
    {
        const std::string controller = v2_or_v1_io();
        bool v2 = version(controller) == Version::v2;
        for (size_t i = 0; i < devices.size(); ++i) {
            std::string number = device_number(devices[i].major, devices[i].minor);
            std::string rate = std::to_string(devices[i].rate);
            std::string element = field + "[" + std::to_string(i) + "]";
            if (v2)
                add(controller, "io.max", number + " " + v2_key + "=" + rate, element);
            else
                add(controller, "blkio.throttle." + v1_file, number + " " + rate, element);
        }
    }

    void hugepages(const spec::HugepageLimit &limit, size_t index)
    {
        bool v2 = version("hugetlb") == Version::v2;
        add("hugetlb",
            "hugetlb." + limit.page_size + (v2 ? ".max" : ".limit_in_bytes"),
            std::to_string(limit.limit), "linux.resources.hugepageLimits[" +
                                             std::to_string(index) + "]");
    }

    void devices(const std::vector<spec::DeviceRule> &rules)
    {
        const spec::DeviceRule deny_all{false, "a", {}, {}, "rwm"};
        bool on_v1 = version("devices") == Version::v1;
        if ((!on_v1 || device_program_too_) && version("") == Version::v2) {
            std::vector<spec::DeviceRule> program{deny_all};
            program.insert(program.end(), rules.begin(), rules.end());
            program.insert(program.end(), default_device_rules().begin(),
                           default_device_rules().end());
            plan_.device_program = std::move(program);
            plan_.device_program_field = rules.empty() ? "" : "linux.resources.devices";
        }
        if (!on_v1) {
            if (!plan_.device_program && !rules.empty())
                skip("linux.resources.devices", "no devices controller and no cgroup v2 "
                                                "hierarchy on this host");
            return;
        }
        // The deny-all and the default list are the runtime's own unless the config has rules:
        // a field name only where a missing devices cgroup would drop something asked for.
        std::string field = rules.empty() ? "" : "linux.resources.devices";
        add("devices", "devices.deny", v1_device_line(deny_all), field);
        for (size_t i = 0; i < rules.size(); ++i)
            add("devices", rules[i].allow ? "devices.allow" : "devices.deny",
                v1_device_line(rules[i]), "linux.resources.devices[" + std::to_string(i) + "]");
        for (const auto &rule : default_device_rules())
            add("devices", "devices.allow", v1_device_line(rule), field);
    }

    void network(const spec::NetworkResources &network)
    {
        const std::string path = "linux.resources.network";
        if (network.class_id)
            add("net_cls", "net_cls.classid", std::to_string(*network.class_id),
                path + ".classID", true);
        for (size_t i = 0; i < network.priorities.size(); ++i) {
            const auto &[name, priority] = network.priorities[i];
            add("net_prio", "net_prio.ifpriomap", name + " " + std::to_string(priority),
                path + ".priorities[" + std::to_string(i) + "]", true);
        }
    }

    Status unified(const std::map<std::string, std::string> &keys)
    {
        if (keys.empty())
            return Ok{};
        if (version("") != Version::v2)
            return Error::message("linux.resources.unified: this host has no cgroup v2 hierarchy");
        for (const auto &[key, value] : keys)
            plan_.writes.push_back({"", key, value, "linux.resources.unified." + key, false});
        return Ok{};
    }

    const Locator &locate_;
    bool device_program_too_;
    WritePlan plan_;
};

} // namespace

uint64_t shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + (weight - 10) * 9999 / 990;
}

Result<WritePlan> plan_writes(const spec::Resources &resources, const Locator &locate,
                              bool device_program_too)
{
    return Planner(locate, device_program_too).run(resources);
}

std::vector<std::string> v2_controllers_needed(const WritePlan &plan, const Locator &locate)
{
    std::vector<std::string> needed;
    auto need = [&needed](const std::string &name) {
        if (!name.empty() && std::find(needed.begin(), needed.end(), name) == needed.end())
            needed.push_back(name);
    };
    for (const auto &write : plan.writes) {
        if (write.controller.empty()) {
            // A `unified` key names its controller before the first dot: "memory.high".
            std::string prefix = write.file.substr(0, write.file.find('.'));
            if (prefix != "cgroup" && locate(prefix) == Version::v2)
                need(prefix);
        } else if (locate(write.controller) == Version::v2) {
            need(write.controller);
        }
    }
    return needed;
}

} // namespace crunlite::cgroup
