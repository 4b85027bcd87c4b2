# cmake/toolchains/debian-cross.cmake - shared part of the Debian cross
# toolchain files (armhf.cmake, arm64.cmake, mipsel.cmake, s390x.cmake).
# The including file sets SF_TRIPLET (e.g. arm-linux-gnueabihf) and
# CMAKE_SYSTEM_PROCESSOR, then includes this file.
#
# Needs Debian's cross compiler (gcc-TRIPLET) and the target's multiarch
# -dev packages (libjson-c-dev:ARCH ...): tools/cross.sh deps installs them.
# Headers are shared in /usr/include, libraries live in /usr/lib/TRIPLET,
# pkg-config reads only the target's .pc files. We link against the cross
# libc (libc6-dev-ARCH-cross in /usr/TRIPLET); tests run under qemu-user
# (no binfmt needed) with the target's multiarch runtime, libc6:ARCH, whose
# loader is /lib/ld-*.so (ld64.so.1, ld.so.1, ...). Not with -L /usr/TRIPLET:
# that pairs the cross loader with the multiarch libc.so.6 of another glibc
# build (seen: forks that segfault on armhf, stack-guard aborts on s390x).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${SF_TRIPLET}-gcc)
set(CMAKE_STRIP ${SF_TRIPLET}-strip CACHE FILEPATH "strip of the target")
set(CMAKE_LIBRARY_ARCHITECTURE ${SF_TRIPLET})
# programs (protoc-c) from the build machine; libraries only of the target
set(CMAKE_FIND_ROOT_PATH /usr/${SF_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SF_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
if(NOT SF_QEMU)
  message(FATAL_ERROR "toolchain file must set SF_QEMU before including debian-cross.cmake")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${SF_QEMU})
