# cmake/toolchains/armhf.cmake - Debian's arm-linux-gnueabihf-gcc: ARMv7 hard-float, Thumb-2 by default (-marm for ARM mode).
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armhf.cmake
set(CMAKE_SYSTEM_PROCESSOR arm)
set(SF_TRIPLET arm-linux-gnueabihf)
set(SF_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
