// The checks of the fields that tune the process and what it finds in the container, beyond
// the basics in validate.cpp: process.scheduler, ioPriority, execCPUAffinity and the security
// labels; linux.devices, personality, timeOffsets, memoryPolicy, mountLabel and netDevices.
//
// Each function adds to `findings` what is wrong with its field, naming the JSON path; none
// changes anything. Part of validate_config, split out by topic.
#pragma once

#include "spec/config.hpp"
#include "spec/validate.hpp"

namespace crunlite::spec {

// The highest CPU number execCPUAffinity may name, plus one (glibc's cpu_set_t holds 1024).
inline constexpr unsigned cpu_list_limit = 1024;
// The same for the nodes of linux.memoryPolicy (the kernel's largest MAX_NUMNODES).
inline constexpr unsigned node_list_limit = 1024;

void check_process_tuning(const Process &process, const HostSecurity &security,
                          Findings &findings);
void check_linux_tuning(const Config &config, const HostSecurity &security, Findings &findings);

} // namespace crunlite::spec
