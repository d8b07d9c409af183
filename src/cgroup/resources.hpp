// linux.resources as the files to write in the container's cgroup, for wherever each
// controller lives on this host (a v1 hierarchy of its own or the v2 one).
//
// Pure: the host is described by a function, so tests can ask for v1, v2 or a mix. v1 values
// are converted where v2 counts differently: cpu.shares (2..262144) to cpu.weight (1..10000)
// and blkio weights (10..1000) to io.weight by the linear maps runc documents, memory+swap to
// swap alone for memory.swap.max.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::cgroup {

enum class Version { none, v1, v2 };

// Where `controller` lives; "" is asked for the v2 hierarchy itself (the `unified` keys).
using Locator = std::function<Version(const std::string &controller)>;

struct FileWrite {
    std::string controller; // whose hierarchy holds the file; "" for the v2 hierarchy
    std::string file;
    std::string value;
    std::string field;     // the JSON path it comes from, for messages; "": the runtime's own
    bool optional = false; // a kernel without the file gets a warning, not an error
};

struct WritePlan {
    std::vector<FileWrite> writes;     // in the order they must happen
    std::vector<std::string> warnings; // limits that cannot apply on this host
    // The device rules for an eBPF program on the v2 cgroup (device_program.hpp): deny-all, the
    // config's rules, the defaults. Set where no v1 hierarchy has the devices controller, or
    // with `device_program_too` beside it.
    std::optional<std::vector<spec::DeviceRule>> device_program;
    std::string device_program_field; // "linux.resources.devices" when the config has rules
};

// `device_program_too`: a hybrid host's v2 cgroup gets the device program as well as the v1
// devices controller its rules (the io.crun-lite.cgroup2-device-program annotation).
Result<WritePlan> plan_writes(const spec::Resources &resources, const Locator &locate,
                              bool device_program_too = false);

uint64_t shares_to_weight(uint64_t shares);
uint64_t blkio_weight_to_io_weight(uint64_t weight);

// Every controller a v2 write needs enabled in the parents' cgroup.subtree_control.
std::vector<std::string> v2_controllers_needed(const WritePlan &plan, const Locator &locate);

} // namespace crunlite::cgroup
