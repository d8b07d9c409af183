// run: a container in the foreground, from a loaded bundle to its exit status.
//
// In the foreground the runtime is create and start in one, and stays the container's parent:
// it passes on every signal it receives, and when the process ends removes everything it made.
// Detached, it creates and starts the container and returns.
#pragma once

#include <string>

#include "runtime/container.hpp"
#include "spec/bundle.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

struct RunOptions {
    CreateOptions create;
    std::string pid_file; // written once the process runs; empty for none
    bool detach = false;  // create and start, then return; nothing stays between
};

// The container process's exit status (128+N if signal N killed it); 0 when detached.
Result<int> run_container(const spec::Bundle &bundle, const RunOptions &options);

} // namespace crunlite::runtime
