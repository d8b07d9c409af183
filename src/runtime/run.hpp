// run: a container in the foreground, from a loaded bundle to its exit status.
//
// The runtime stays the container's parent: it claims the id, prepares the overlay layers,
// clones the first process with the config's namespaces, lets it exec, passes on every signal
// it receives, and when the process ends removes everything it made.
#pragma once

#include <string>

#include "spec/bundle.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

inline constexpr const char *default_data_root = "/var/lib/crun-lite";

struct RunOptions {
    std::string id;
    std::string state_root; // one directory per container, see state/state.hpp
    std::string data_root;  // overlay layers live in <data_root>/<id>/
    std::string pid_file;   // written once the process runs; empty for none
};

// The container process's exit status (128+N if signal N killed it).
Result<int> run_container(const spec::Bundle &bundle, const RunOptions &options);

} // namespace crunlite::runtime
