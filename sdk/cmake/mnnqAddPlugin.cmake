# mnnq_add_plugin(<target> SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY dir]
#                 [INSTALL_DESTINATION dir])
# Builds a loadable mnnq plugin: a MODULE library named libmnnq_<target>.so that links only the
# header-only SDK (mnnq::sdk), with hidden visibility so nothing but the plugin entry is
# exported. The one definition, used by the installed CMake package (find_package(mnnq)) and by
# mnnq's own plugins/ folder. Defaults for the two directories come from the variables
# MNNQ_PLUGIN_OUTPUT_DIRECTORY and MNNQ_PLUGIN_INSTALL_DESTINATION when they are set (mnnq's
# plugins/CMakeLists.txt sets both).
function(mnnq_add_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY AND MNNQ_PLUGIN_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY "${MNNQ_PLUGIN_OUTPUT_DIRECTORY}")
  endif()
  if(NOT ARG_INSTALL_DESTINATION AND MNNQ_PLUGIN_INSTALL_DESTINATION)
    set(ARG_INSTALL_DESTINATION "${MNNQ_PLUGIN_INSTALL_DESTINATION}")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE mnnq::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX "libmnnq_"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  if(ARG_INSTALL_DESTINATION)
    install(TARGETS ${target} LIBRARY DESTINATION "${ARG_INSTALL_DESTINATION}")
  endif()
endfunction()
