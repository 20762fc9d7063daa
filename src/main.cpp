#include "cli/app.hpp"

int main(int argc, char** argv) { return cedana::cli::run(argc, argv); }
