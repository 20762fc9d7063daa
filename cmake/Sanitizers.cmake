# The instrumented builds (make test-asan, make fuzz): AddressSanitizer and
# UndefinedBehaviorSanitizer over every target, any undefined behaviour fatal, and
# libstdc++'s own bounds checks on; with CEDANA_FUZZ also libFuzzer's coverage
# instrumentation (clang only), so that tests/fuzz builds one fuzzer per harness.
#
# The sanitizers need the shared libraries (CEDANA_STATIC=OFF): ASan replaces malloc and
# operator new from its own shared runtime, which a libstdc++ linked into the binary would
# shadow.

if(CEDANA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CEDANA_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++ (make fuzz does)")
  endif()
  set(CEDANA_SANITIZE ON)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(CEDANA_SANITIZE)
  if(CEDANA_STATIC)
    message(FATAL_ERROR "CEDANA_SANITIZE needs -DCEDANA_STATIC=OFF: the sanitizers' runtime must see the shared C++ library")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
endif()
