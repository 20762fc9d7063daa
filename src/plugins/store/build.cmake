# The store plugin's HTTP server is Boost.Beast over Boost.Asio, header-only (Debian's
# libboost1.74-dev): nothing to link but threads, and only http_server.cpp includes it.
find_package(Boost 1.74 REQUIRED)
target_link_libraries(cedana_plugins PRIVATE Boost::headers)
