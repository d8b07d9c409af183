#include "runtime/scheduling.hpp"

#include <linux/ioprio.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "spec/linux_names.hpp"
#include "spec/validate_fields.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

// The first version of the kernel's struct sched_attr (48 bytes): its header clashes with
// glibc's <sched.h>, and glibc has no wrapper for sched_setattr.
struct SchedulerAttributes {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};
static_assert(sizeof(SchedulerAttributes) == 48);

SchedulerAttributes scheduler_attributes(const spec::Scheduler &scheduler)
{
    SchedulerAttributes attributes{};
    attributes.size = sizeof attributes;
    attributes.sched_policy = static_cast<uint32_t>(*spec::scheduler_policy_from_name(scheduler.policy));
    for (const auto &flag : scheduler.flags)
        attributes.sched_flags |= static_cast<uint64_t>(*spec::scheduler_flag_from_name(flag));
    attributes.sched_nice = scheduler.nice;
    attributes.sched_priority = static_cast<uint32_t>(scheduler.priority);
    attributes.sched_runtime = scheduler.runtime;
    attributes.sched_deadline = scheduler.deadline;
    attributes.sched_period = scheduler.period;
    return attributes;
}

Status apply_scheduler(const spec::Scheduler &scheduler)
{
    SchedulerAttributes attributes = scheduler_attributes(scheduler);
    if (::syscall(SYS_sched_setattr, 0, &attributes, 0) != 0) {
        // Real-time policies need CAP_SYS_NICE and real-time runtime in the process's cgroup.
        const char *hint = errno == EPERM ? " (real-time and negative nice need CAP_SYS_NICE and "
                                            "real-time runtime in the cgroup)"
                                          : "";
        return Error::from_errno("process.scheduler: set policy `" + scheduler.policy + "`" +
                                 hint);
    }
    log::debug("process.scheduler: policy " + scheduler.policy + ", nice " +
               std::to_string(scheduler.nice) + ", priority " +
               std::to_string(scheduler.priority));
    return Ok{};
}

Status apply_io_priority(const spec::IoPriority &io_priority)
{
    int io_class = *spec::io_priority_class_from_name(io_priority.io_class);
    int value = IOPRIO_PRIO_VALUE(io_class, io_priority.priority);
    if (::syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) != 0)
        return Error::from_errno("process.ioPriority: set class `" + io_priority.io_class +
                                 "`, priority " + std::to_string(io_priority.priority));
    return Ok{};
}

// Validation checked the list; every CPU in it is below CPU_SETSIZE.
cpu_set_t cpu_set_of(const std::string &list)
{
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    for (unsigned cpu : spec::parse_number_list(list, spec::cpu_list_limit).value_or(std::vector<unsigned>{}))
        CPU_SET(cpu, &cpus);
    return cpus;
}

Status set_cpu_affinity(pid_t pid, const cpu_set_t &cpus, const std::string &field,
                        const std::string &list)
{
    if (::sched_setaffinity(pid, sizeof cpus, &cpus) != 0)
        return Error::from_errno(field + ": run on CPUs `" + list + "`");
    return Ok{};
}

} // namespace

Status apply_scheduling(const spec::Process &process)
{
    if (process.scheduler)
        TRY(apply_scheduler(*process.scheduler));
    if (process.io_priority)
        TRY(apply_io_priority(*process.io_priority));
    return Ok{};
}

Status apply_initial_cpu_affinity(const spec::Process &process, pid_t pid)
{
    if (!process.exec_cpu_affinity || process.exec_cpu_affinity->initial.empty())
        return Ok{};
    const std::string &list = process.exec_cpu_affinity->initial;
    return set_cpu_affinity(pid, cpu_set_of(list), "process.execCPUAffinity.initial", list);
}

Status apply_final_cpu_affinity(const spec::Process &process)
{
    if (!process.exec_cpu_affinity)
        return Ok{};
    const auto &affinity = *process.exec_cpu_affinity;
    if (!affinity.final.empty())
        return set_cpu_affinity(0, cpu_set_of(affinity.final), "process.execCPUAffinity.final",
                                affinity.final);
    if (affinity.initial.empty())
        return Ok{};
    // The kernel narrows a mask to the CPUs of the process's cpuset, so "all" means those.
    cpu_set_t every_cpu;
    CPU_ZERO(&every_cpu);
    for (unsigned cpu = 0; cpu < spec::cpu_list_limit; ++cpu)
        CPU_SET(cpu, &every_cpu);
    return set_cpu_affinity(0, every_cpu, "process.execCPUAffinity", "all");
}

Status apply_memory_policy(const spec::Linux &linux_config)
{
    if (!linux_config.memory_policy)
        return Ok{};
    const spec::MemoryPolicy &policy = *linux_config.memory_policy;
    int mode = *spec::memory_policy_mode_from_name(policy.mode);
    for (const auto &flag : policy.flags)
        mode |= *spec::memory_policy_flag_from_name(flag);

    constexpr size_t bits_per_word = 8 * sizeof(unsigned long);
    std::vector<unsigned long> nodes(spec::node_list_limit / bits_per_word, 0);
    for (unsigned node : spec::parse_number_list(policy.nodes, spec::node_list_limit)
                             .value_or(std::vector<unsigned>{}))
        nodes[node / bits_per_word] |= 1UL << (node % bits_per_word);
    // maxnode counts bits; the kernel reads maxnode - 1 of them (set_mempolicy(2), BUGS).
    unsigned long max_node = policy.nodes.empty() ? 0 : spec::node_list_limit + 1;
    if (::syscall(SYS_set_mempolicy, mode, policy.nodes.empty() ? nullptr : nodes.data(),
                  max_node) != 0)
        return Error::from_errno("linux.memoryPolicy: set mode `" + policy.mode + "` on nodes `" +
                                 policy.nodes + "`");
    return Ok{};
}

} // namespace crunlite::runtime
