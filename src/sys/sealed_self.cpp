#include "sys/sealed_self.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/log.hpp"
#include "util/unique_fd.hpp"

extern char **environ;

namespace crunlite::sys {
namespace {

constexpr unsigned required_seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

bool sealed(int self_fd)
{
    int seals = ::fcntl(self_fd, F_GET_SEALS);
    return seals >= 0 && (static_cast<unsigned>(seals) & required_seals) == required_seals;
}

// Nobody writes through a read-only mount, whoever opens the file through /proc/<pid>/exe.
bool on_read_only_mount(int self_fd)
{
    struct statvfs info {};
    return ::fstatvfs(self_fd, &info) == 0 && (info.f_flag & ST_RDONLY) != 0;
}

// A read-only bind mount of the binary itself, made detached and never attached anywhere: no
// copy, and nothing left behind whatever happens to this process. Once the exec has closed the
// fd the mount belongs to no mount namespace, so nobody can make it writable again.
Result<UniqueFd> read_only_view(int self_fd)
{
    UniqueFd view(::open_tree(self_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!view)
        return Error::from_errno("bind the crun-lite binary");
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(view.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
        return Error::from_errno("make the bind of the crun-lite binary read-only");
    return view;
}

Status copy_all(int from, int to)
{
    struct stat info {};
    if (::fstat(from, &info) != 0)
        return Error::from_errno("stat the crun-lite binary");
    off_t offset = 0;
    while (offset < info.st_size) {
        ssize_t sent = ::sendfile(to, from, &offset, static_cast<size_t>(info.st_size - offset));
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return Error::from_errno("copy the crun-lite binary into memory");
    }
    return Ok{};
}

Result<UniqueFd> sealed_copy(int self_fd)
{
    UniqueFd copy(::memfd_create("crun-lite", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!copy)
        return Error::from_errno("create a memfd for the crun-lite binary");
    TRY(copy_all(self_fd, copy.get()));
    if (::fcntl(copy.get(), F_ADD_SEALS, required_seals) != 0)
        return Error::from_errno("seal the in-memory crun-lite binary");
    return copy;
}

} // namespace

Status reexec_from_protected_binary(char **argv)
{
    UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self)
        return Error::from_errno("open /proc/self/exe");
    if (sealed(self.get()) || on_read_only_mount(self.get()))
        return Ok{};

    auto protected_binary = read_only_view(self.get());
    if (!protected_binary) {
        // Without CAP_SYS_ADMIN (rootless) no mount can be made: a copy it is.
        log::debug(protected_binary.error().render() + "; running from a sealed copy instead");
        protected_binary = TRY(sealed_copy(self.get()));
    }
    // Close-on-exec is fine here: the kernel has the file open for the new image by then.
    ::fexecve(protected_binary->get(), argv, environ);
    return Error::from_errno("execute the protected crun-lite binary");
}

} // namespace crunlite::sys
