# cmake/toolchains/mipsel.cmake - Debian's mipsel-linux-gnu-gcc: little-endian MIPS32 (o32).
#   cmake -S . -B build-mipsel -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mipsel.cmake
set(CMAKE_SYSTEM_PROCESSOR mipsel)
set(SF_TRIPLET mipsel-linux-gnu)
set(SF_QEMU qemu-mipsel)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
