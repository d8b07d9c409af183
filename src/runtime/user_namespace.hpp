// User namespaces: the id maps of a container's new one, written by the runtime from outside
// while the child waits for `proceed`; user namespaces made only to carry a mapping for an
// idmapped mount; and the child's step into its namespace's root.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "spec/config.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

// The text of a uid_map or gid_map: one `containerID hostID size` line per mapping.
std::string format_id_map(const std::vector<spec::IdMapping> &mappings);

// The host id that container id `id` maps to; nullopt when it is not mapped.
std::optional<uint32_t> host_id_of(const std::vector<spec::IdMapping> &mappings, uint32_t id);

// Whether host id `id` is seen inside, under some mapping.
bool maps_host_id(const std::vector<spec::IdMapping> &mappings, uint32_t id);

// How the maps of a new user namespace get written, by who runs the runtime.
enum class MapWriter {
    kernel,   // root, or a single mapping of the caller's own id: written to /proc directly
    setuid_tool, // anything else unprivileged: newuidmap / newgidmap, per /etc/subuid, subgid
};
MapWriter map_writer_for(const std::vector<spec::IdMapping> &mappings, uid_t euid,
                         uint32_t own_id);

// Writes uid_map, setgroups (`deny` only where the kernel requires it: an unprivileged single
// gid mapping) and gid_map of process `pid`.
Status write_id_maps(pid_t pid, const spec::Linux &linux_config);

// A user namespace with these maps, held by the fd alone: what mount_setattr(MOUNT_ATTR_IDMAP)
// reads a mount's idmapping from.
Result<UniqueFd> make_mapping_namespace(const std::vector<spec::IdMapping> &uid_mappings,
                                        const std::vector<spec::IdMapping> &gid_mappings);

// A detached copy of the tree at `source` whose files show the owners that `userns_fd`'s
// mapping gives them. Attached with move_mount; gone with the fd if never attached.
Result<UniqueFd> make_idmapped_tree(const std::string &source, int userns_fd, bool copy_submounts,
                                    bool map_submounts);

// In the child, right after its maps were written: uid and gid 0 of the new namespace (the
// process still has the host's ids, which it cannot see), without the host's extra groups.
Status become_namespace_root();

// Whether setgroups(2) is denied in this process's user namespace (a rootless single mapping).
bool setgroups_denied();

} // namespace crunlite::runtime
