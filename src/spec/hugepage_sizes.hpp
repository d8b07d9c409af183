// The huge page sizes the running kernel offers, named as the hugetlb cgroup controller names
// its files (`hugetlb.2MB.max`) and linux.resources.hugepageLimits[].pageSize spells them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crunlite::spec {

inline constexpr const char *kernel_hugepages_dir = "/sys/kernel/mm/hugepages";

// `64KB`, `2MB`, `1GB` for 64, 2048 and 1048576 KiB: the largest unit the size is a whole
// number of, as the kernel's hugetlb controller names it.
std::string hugepage_size_name(uint64_t kibibytes);

// One name per `hugepages-<N>kB` entry of `dir`; none when the kernel has no huge pages.
std::vector<std::string> kernel_hugepage_sizes(const std::string &dir = kernel_hugepages_dir);

} // namespace crunlite::spec
