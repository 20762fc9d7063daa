#include <cstring>

#include "cli/app.hpp"
#include "proc/session_holder.hpp"

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], cedana::proc::kSessionHolderCommand) == 0) cedana::proc::run_session_holder(argc, argv);
    cedana::cli::run(argc, argv);
}
