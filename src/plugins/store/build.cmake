# The store plugin's HTTP server is Boost.Beast over Boost.Asio, header-only (Debian's
# libboost1.74-dev): only http_server.cpp includes it.
find_package(Boost 1.74 REQUIRED)
target_link_libraries(cedana_plugins PRIVATE Boost::headers)
# Boost.Asio's TLS (store serve --tls-cert) is OpenSSL: linked statically with the rest
# (cmake/StaticLinking.cmake), else the shared library.
if(NOT CEDANA_STATIC)
  find_package(OpenSSL REQUIRED)
  target_link_libraries(cedana_plugins PRIVATE OpenSSL::SSL)
endif()
