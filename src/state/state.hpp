// The state root: one directory per container (`<root>/<id>`), holding `state.json`.
//
// A container's directory is made with mkdir(2), so claiming an id is atomic: two commands
// racing for one id cannot both win. state.json is written to a temporary file and renamed over
// the old one, so a reader never sees half of it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "util/error.hpp"

namespace crunlite::state {

inline constexpr const char *default_state_root = "/run/crun-lite";

struct ContainerState {
    std::string oci_version;
    std::string id;
    std::string status; // creating, created, running, stopped
    pid_t pid = 0;
    uint64_t pid_start_time = 0; // field 22 of /proc/<pid>/stat, so a reused pid is not mistaken
    std::string bundle;          // absolute
    std::string rootfs;          // absolute host path the container's root was made from
    std::string created;         // RFC 3339
    uid_t owner = 0;
    std::map<std::string, std::string> annotations;
};

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}

    const std::string &root() const { return root_; }
    std::string container_dir(const std::string &id) const { return root_ + "/" + id; }

    // Creates the container's directory; fails if the id is taken.
    Status claim(const std::string &id);

    Status save(const ContainerState &state);

    // Removes the container's directory and everything in it; quiet if it is already gone.
    void release(const std::string &id);

private:
    std::string root_;
};

} // namespace crunlite::state
