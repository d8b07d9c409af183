// linux.resources.devices on cgroup v2: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE,
// written instruction by instruction (no libbpf), loaded with bpf(2) and attached to the
// container's cgroup2 directory. The kernel runs it on every open and mknod of a device node by
// a process in that cgroup.
//
// The rules are read as the v1 devices controller reads them: the last rule that matches
// decides. Each access a request asks for (m, r, w) is judged on its own: a request is allowed
// when, for every access it needs, the last rule matching its type, major and minor and naming
// that access is an allow rule. A request no rule matches is denied; the runtime's list starts
// with deny-all anyway, as runc's does.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::cgroup {

std::vector<bpf_insn> build_device_program(const std::vector<spec::DeviceRule> &rules);

// Loads the program for `rules` and attaches it to the cgroup2 directory `dir`, beside any other
// program there (BPF_F_ALLOW_MULTI: every attached program must allow). With `replace`, the
// programs attached to `dir` before are detached once the new one is in place (update).
Status attach_device_program(const std::string &dir, const std::vector<spec::DeviceRule> &rules,
                             bool replace = false);

// The ids of the device programs attached to `dir` itself.
Result<std::vector<uint32_t>> attached_device_programs(const std::string &dir);

} // namespace crunlite::cgroup
