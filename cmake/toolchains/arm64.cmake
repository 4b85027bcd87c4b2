# cmake/toolchains/arm64.cmake - Debian's aarch64-linux-gnu-gcc: AArch64.
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm64.cmake
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SF_TRIPLET aarch64-linux-gnu)
set(SF_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
