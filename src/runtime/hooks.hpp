// hooks: the programs config.json's `hooks` names, run at points of the container's lifecycle
// (runtime.md "Lifecycle"). The caller picks the moment and the namespaces; this file runs one
// list in the calling process's namespaces.
//
// Each hook gets the container's state JSON on stdin, the caller's stderr as its stdout and
// stderr (so a hook's output never mixes into the container's stdout under `run`), its own
// args and env, and no other fd. A timeout kills it with SIGKILL. A hook that fails or times
// out takes along every process it started, double-forked orphans included; one that succeeds
// may leave a process running.
#pragma once

#include <string>
#include <vector>

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// Runs the hooks of `kind` ("createRuntime") in order; the first failure stops the rest and
// names its hook: "hooks.createRuntime[0]: `/usr/bin/x` exited with status 3".
Status run_hooks(const char *kind, const std::vector<spec::Hook> &hooks,
                 const std::string &state_json);

// For poststart and poststop, whose failures the spec makes warnings: every hook runs, each
// failure is logged.
void run_hooks_warning_on_failure(const char *kind, const std::vector<spec::Hook> &hooks,
                                  const std::string &state_json);

} // namespace crunlite::runtime
