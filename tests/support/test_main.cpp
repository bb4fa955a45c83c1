// Catch2 main for every test executable. See fixtures.hpp for how fixture tests are skipped.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
