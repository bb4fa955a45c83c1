# The Debian package (scripts/package.sh): `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr writes mnnq_<version>_amd64.deb holding everything
# `cmake --install` installs: the host, the plugins, the SDK (headers + CMake package) and, when
# built with -DMNNQ_BUILD_PYTHON=ON, the Python package and `mnnquant`.
#
# Depends: the shared libraries the ELF files need, from dpkg-shlibdeps (SHLIBDEPS), plus what
# no ELF file shows: the Python package's interpreter and numpy. The SDK (plugin ABI 2) needs
# only the C++17 standard library, so no header package is a dependency.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "mnnq")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "mnnq developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "post-training int8 quantization of MNN models, with plugin SDK and Python module")
set(CPACK_PACKAGE_DESCRIPTION
    "mnnq turns a float MNN model into an int8 model from calibration samples and a config,
reading MNN's quantized.out keys. Calibration methods, weight quantizers and input types are
plugins; the package holds the mnnq command, the shipped plugins, the plugin SDK (headers and
CMake package) and the Python module mnnq with the mnnquant command.")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")  # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "mnnq developers <mnnq@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(mnnq_deb_depends "")
if(TARGET mnnq_python)
  # python/CMakeLists.txt found the interpreter in its own scope; ask again here (cached).
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  math(EXPR mnnq_py_next "${Python3_VERSION_MINOR} + 1")
  string(APPEND mnnq_deb_depends
         "python3 (>= ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR})"
         ", python3 (<< ${Python3_VERSION_MAJOR}.${mnnq_py_next}), python3-numpy")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${mnnq_deb_depends}")
# Install with DESTDIR into the staging folder so paths computed at install time (the Python
# package's _paths.py) name /usr, not the staging folder.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_OUTPUT_FILE_PREFIX "${CMAKE_BINARY_DIR}")
include(CPack)
