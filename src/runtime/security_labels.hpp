// security_labels: process.apparmorProfile and process.selinuxLabel, for the program the
// process execs next. Validation has already dealt with a host that lacks the module (the
// profile skipped with a warning, the label refused); here only what the host has is applied.
#pragma once

#include "spec/config.hpp"
#include "spec/validate.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// Writes the exec attributes through the process's /proc, so call it after the container's
// /proc is in place and before the identity switch, while the process may still write them.
Status set_exec_labels(const spec::Process &process, const spec::HostSecurity &host);

} // namespace crunlite::runtime
