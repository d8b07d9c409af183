// Mount options as config.json spells them (`ro`, `nosuid`, `rbind`, `rprivate`, `size=64k`)
// turned into what mount(2) takes: flags, propagation and the filesystem's data string.
#pragma once

#include <string>
#include <vector>

namespace crunlite::runtime {

struct MountOptions {
    unsigned long flags = 0;       // MS_RDONLY, MS_NOSUID, ... for the mount call itself
    unsigned long propagation = 0; // MS_PRIVATE, MS_SLAVE, ... (| MS_REC), applied afterwards
    bool bind = false;             // `bind` or `rbind`
    bool recursive = false;        // `rbind`
    bool idmap = false;            // `idmap` or `ridmap`: an idmapped mount
    bool recursive_idmap = false;  // `ridmap`: its submounts too
    bool copy_up = false;          // `tmpcopyup`: a tmpfs starts with what it covers (runc's)
    std::string data;              // everything else, comma-joined, for the filesystem
};

MountOptions parse_mount_options(const std::vector<std::string> &options);

// Every option word crun-lite gives a meaning of its own (flags, propagation, bind), for
// `crun-lite features`; anything else passes to the filesystem.
std::vector<std::string> known_mount_options();

} // namespace crunlite::runtime
