// spec::kernel_hugepage_sizes: the page sizes hugepageLimits may name, read as the kernel lists
// them in /sys/kernel/mm/hugepages.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "spec/hugepage_sizes.hpp"

using namespace crunlite::spec;

TEST_CASE("hugepage sizes: named in the largest whole unit, as the hugetlb controller names them")
{
    CHECK(hugepage_size_name(64) == "64KB");
    CHECK(hugepage_size_name(2048) == "2MB");
    CHECK(hugepage_size_name(32768) == "32MB");
    CHECK(hugepage_size_name(1048576) == "1GB");
    CHECK(hugepage_size_name(16777216) == "16GB");
    CHECK(hugepage_size_name(1536) == "1536KB");
}

TEST_CASE("hugepage sizes: one per hugepages-<N>kB entry, nothing else")
{
    char pattern[] = "/tmp/crun-lite-hugepages-XXXXXX";
    REQUIRE(::mkdtemp(pattern));
    std::string dir = pattern;
    for (const char *entry : {"hugepages-2048kB", "hugepages-1048576kB", "hugepages-kB",
                              "hugepages-12x4kB", "other-64kB"})
        std::filesystem::create_directory(dir + "/" + entry);
    auto sizes = kernel_hugepage_sizes(dir);
    std::sort(sizes.begin(), sizes.end());
    CHECK(sizes == std::vector<std::string>{"1GB", "2MB"});
    std::filesystem::remove_all(dir);

    CHECK(kernel_hugepage_sizes(dir).empty());
}
