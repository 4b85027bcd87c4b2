# cmake/toolchains/s390x.cmake - Debian's s390x-linux-gnu-gcc: 64-bit big-endian (Debian 12 has no big-endian MIPS).
#   cmake -S . -B build-s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x.cmake
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(SF_TRIPLET s390x-linux-gnu)
set(SF_QEMU qemu-s390x)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
