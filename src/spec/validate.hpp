// validate: semantic checks over a parsed Config, before anything on the host is changed.
//
// Reports every problem, not only the first, each naming its JSON path. It may look at the host
// (root.path must be a directory, a namespace path must be a namespace of the right type) but
// never changes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/config.hpp"

namespace crunlite::spec {

// The security modules the host runs, which decide what becomes of AppArmor and SELinux fields.
struct HostSecurity {
    bool apparmor = false;
    bool selinux = false;
};

// Asked of /sys.
HostSecurity host_security();

struct ValidateOptions {
    std::string bundle_dir;       // absolute; root.path and relative mount sources resolve here
    bool process_required = true; // `run` and `start` need a process; `create` alone does not
    // The running kernel's highest capability number; unset: asked of the kernel. Capabilities
    // above it are skipped with a warning.
    std::optional<int> last_capability;
    std::optional<HostSecurity> host_security; // unset: host_security()
    // The huge page sizes the kernel offers (`2MB`, `1GB`); unset: kernel_hugepage_sizes().
    std::optional<std::vector<std::string>> hugepage_sizes;
};

struct Findings {
    std::vector<std::string> errors;   // each "<json path>: <what is wrong>"
    std::vector<std::string> warnings; // accepted, but worth telling the user

    bool ok() const { return errors.empty(); }
};

Findings validate_config(const Config &config, const ValidateOptions &options);

// The checks of config.process alone, for `exec`.
Findings validate_process(const Config &config, const ValidateOptions &options = {});

// Lexically normalises an absolute container path: collapses `//` and `.`, resolves `..`.
// Returns false when `..` would climb above `/`.
bool normalize_container_path(const std::string &path, std::string &normalized);

// The namespace that isolates sysctl `key` ("net.ipv4.ip_forward": network), or nothing when
// no namespace does and a write would change the host.
std::optional<NamespaceType> sysctl_namespace(const std::string &key);

} // namespace crunlite::spec
