// libFuzzer target over parse and validate: the bytes are a config.json, then a process.json
// for `exec --process`, and each goes through parse and validate as the commands take them.
// Any input must come back as problems or a config: a crash, a leak, an uncaught exception or
// undefined behaviour (the build adds AddressSanitizer and UBSan) is a finding.
// README's "Fuzzing" section has the command; tools/fuzz runs it.
#include <grp.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "spec/parse.hpp"
#include "spec/validate.hpp"

namespace {

using namespace crunlite;

// The bundle directory root.path and relative mount sources resolve in: made once, with the
// `rootfs` directory most seeds name, so that validation gets past root.path.
std::string bundle_dir;

void remove_bundle_dir() { std::filesystem::remove_all(bundle_dir); }

void make_bundle_dir()
{
    std::string pattern = std::filesystem::temp_directory_path() / "crun-lite-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        std::abort();
    bundle_dir = pattern;
    std::filesystem::create_directory(bundle_dir + "/rootfs");
    std::atexit(remove_bundle_dir);
}

// Validation opens the namespace paths a config names (O_RDONLY | O_NONBLOCK) and stat()s its
// paths. As root, a fuzzed path could open any device node of the host, and some act on open;
// so while validating, files are checked as nobody. setfsuid is per thread and gives root back
// its file capabilities on the way back, so libFuzzer still writes its corpus and artifacts.
class HostAsNobody {
public:
    HostAsNobody() : was_root_(::geteuid() == 0)
    {
        if (!was_root_)
            return;
        ::setfsgid(nobody);
        ::setfsuid(nobody);
    }
    ~HostAsNobody()
    {
        if (!was_root_)
            return;
        ::setfsuid(0);
        ::setfsgid(0);
    }
    HostAsNobody(const HostAsNobody &) = delete;
    HostAsNobody &operator=(const HostAsNobody &) = delete;

private:
    static constexpr uid_t nobody = 65534;
    bool was_root_;
};

spec::ValidateOptions validate_options()
{
    spec::ValidateOptions options;
    options.bundle_dir = bundle_dir;
    // Fixed, not asked of this host, so that a finding reproduces on any machine.
    options.last_capability = 40;
    options.host_security = spec::HostSecurity{};
    return options;
}

// Parse, then validate what parses, as the command reading this kind of file does.
void check(std::string_view text, spec::ParseResult (*parse)(std::string_view),
           spec::Findings (*validate)(const spec::Config &, const spec::ValidateOptions &))
{
    auto parsed = parse(text);
    if (!parsed.ok())
        return;
    HostAsNobody as_nobody;
    validate(parsed.config, validate_options());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    make_bundle_dir();
    // Root's supplementary groups would still open group-0 files while checking as nobody.
    if (::geteuid() == 0 && ::setgroups(0, nullptr) != 0)
        std::abort();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    check(text, spec::parse_config, spec::validate_config);
    check(text, spec::parse_process, spec::validate_process);
    return 0;
}
