#include "sys/sealed_self.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.hpp"

extern char **environ;

namespace crunlite::sys {
namespace {

constexpr unsigned required_seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

bool running_sealed(int self_fd)
{
    int seals = ::fcntl(self_fd, F_GET_SEALS);
    return seals >= 0 && (static_cast<unsigned>(seals) & required_seals) == required_seals;
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

} // namespace

Status reexec_from_sealed_copy(char **argv)
{
    UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self)
        return Error::from_errno("open /proc/self/exe");
    if (running_sealed(self.get()))
        return Ok{};

    UniqueFd copy(::memfd_create("crun-lite", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!copy)
        return Error::from_errno("create a memfd for the crun-lite binary");
    TRY(copy_all(self.get(), copy.get()));
    if (::fcntl(copy.get(), F_ADD_SEALS, required_seals) != 0)
        return Error::from_errno("seal the in-memory crun-lite binary");

    // Close-on-exec is fine here: the kernel has the file open for the new image by then.
    ::fexecve(copy.get(), argv, environ);
    return Error::from_errno("execute the sealed crun-lite binary");
}

} // namespace crunlite::sys
