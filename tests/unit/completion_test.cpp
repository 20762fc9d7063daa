// The scripts are run by the real shells where they are installed, because a script that
// merely looks right can still be rejected by the shell or complete nothing.

#include "cli/completion.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using cedana::cli::completion_script;

class TempFile {
public:
    explicit TempFile(const std::string& content) {
        std::string pattern = "/tmp/cedana-completion-XXXXXX";
        const int fd = mkstemp(pattern.data());
        if (fd < 0) {
            throw std::runtime_error("mkstemp failed");
        }
        close(fd);
        path_ = pattern;
        std::ofstream(path_) << content;
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() { std::remove(path_.c_str()); }

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

struct Result {
    int status;
    std::string output;
};

// stderr is folded into the output so that a failing assertion shows why the shell failed.
Result run(const std::string& command) {
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("popen failed: " + command);
    }
    std::string output;
    char buffer[4096];
    while (const size_t n = fread(buffer, 1, sizeof buffer, pipe)) {
        output.append(buffer, n);
    }
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

// Mirrors the shape of the real CLI: global options on the root reach every subcommand
// through fallthrough, and aliases and hidden entries exist.
class CompletionTest : public ::testing::Test {
protected:
    CompletionTest() {
        app_.fallthrough();
        app_.add_option("--address", address_, "Daemon address");
        app_.add_flag("--internal", internal_, "Not for users")->group("");
        app_.add_option_group("Logging")->add_flag("--verbose", verbose_, "Log more");

        auto* daemon = app_.add_subcommand("daemon", "Manage the daemon");
        daemon->add_subcommand("start", "Start the daemon")->add_flag("--db", db_, "Use a DB");
        daemon->add_subcommand("check", "Check the host");

        auto* list = app_.add_subcommand("job", "Manage jobs")->add_subcommand("list", "List jobs");
        list->alias("ls");
        list->add_flag("--all", all_, "Include finished jobs");
        app_.add_subcommand("dump", "Checkpoint")->add_subcommand("process", "A process");
        app_.add_subcommand("secret", "Hidden")->group("");
    }

    std::string script(const std::string& shell) const { return completion_script(app_, shell); }

    // Drives the bash function the way readline would for the words typed so far; the last
    // word is the one being completed.
    std::vector<std::string> bash_complete(const std::vector<std::string>& words) const {
        const TempFile completion(script("bash"));
        std::string array;
        for (const auto& word : words) {
            array += fmt::format(" '{}'", word);
        }
        const TempFile driver(fmt::format("source {}\n"
                                          "COMP_WORDS=({})\n"
                                          "COMP_CWORD={}\n"
                                          "_cedana_completion\n"
                                          "printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
                                          completion.path(), array, words.size() - 1));
        const auto result = run("bash " + driver.path());
        EXPECT_EQ(result.status, 0) << result.output;
        return lines(result.output);
    }

    // Outside a completion widget zsh's compadd is unavailable, so it is stubbed to print
    // what the script would have offered.
    std::vector<std::string> zsh_complete(const std::vector<std::string>& words) const {
        const TempFile completion(script("zsh"));
        std::string array;
        for (const auto& word : words) {
            array += fmt::format(" '{}'", word);
        }
        const TempFile driver(fmt::format("compdef() {{ : }}\n"
                                          "compadd() {{ shift; print -l -- \"$@\" }}\n"
                                          "source {}\n"
                                          "words=({})\n"
                                          "CURRENT={}\n"
                                          "_cedana\n",
                                          completion.path(), array, words.size()));
        const auto result = run("zsh -f " + driver.path());
        EXPECT_EQ(result.status, 0) << result.output;
        return lines(result.output);
    }

    // fish prints "candidate<TAB>description"; only the candidates matter here.
    std::vector<std::string> fish_complete(const std::string& commandline) const {
        const TempFile completion(script("fish"));
        const auto result = run(fmt::format("fish --no-config -c 'source {}; complete -C \"{}\"'",
                                            completion.path(), commandline));
        EXPECT_EQ(result.status, 0) << result.output;
        std::vector<std::string> out;
        for (const auto& line : lines(result.output)) {
            out.push_back(line.substr(0, line.find('\t')));
        }
        return out;
    }

    CLI::App app_{"Checkpoint/restore", "cedana"};
    std::string address_;
    bool internal_ = false;
    bool verbose_ = false;
    bool all_ = false;
    bool db_ = false;
};

TEST_F(CompletionTest, RejectsUnknownShellNamingTheSupportedOnes) {
    try {
        (void)script("tcsh");
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        const std::string message = e.what();
        for (const char* shell : {"bash", "zsh", "fish", "powershell"}) {
            EXPECT_NE(message.find(shell), std::string::npos) << message;
        }
    }
}

TEST_F(CompletionTest, LeavesOutHiddenEntries) {
    for (const char* shell : {"bash", "zsh", "fish", "powershell"}) {
        const auto text = script(shell);
        EXPECT_EQ(text.find("secret"), std::string::npos) << shell;
        EXPECT_EQ(text.find("internal"), std::string::npos) << shell;
    }
}

TEST_F(CompletionTest, BashOffersTopLevelCommands) {
    const auto offered = bash_complete({"cedana", ""});
    EXPECT_TRUE(contains(offered, "daemon"));
    EXPECT_TRUE(contains(offered, "job"));
    EXPECT_TRUE(contains(offered, "dump"));
    EXPECT_FALSE(contains(offered, "list"));
    EXPECT_FALSE(contains(offered, "Logging"));
}

TEST_F(CompletionTest, BashOffersSubcommandsWithAliases) {
    const auto offered = bash_complete({"cedana", "job", ""});
    EXPECT_TRUE(contains(offered, "list"));
    EXPECT_TRUE(contains(offered, "ls"));
    EXPECT_FALSE(contains(offered, "daemon"));
}

TEST_F(CompletionTest, BashOffersOwnAndInheritedFlags) {
    const auto offered = bash_complete({"cedana", "daemon", "start", "--"});
    EXPECT_TRUE(contains(offered, "--db"));
    EXPECT_TRUE(contains(offered, "--address"));
    EXPECT_TRUE(contains(offered, "--help"));
    EXPECT_TRUE(contains(offered, "--verbose"));  // from an option group on the root
}

TEST_F(CompletionTest, BashSkipsGlobalFlagsAndFollowsAliases) {
    EXPECT_TRUE(contains(bash_complete({"cedana", "--address", "daemon", ""}), "start"));
    EXPECT_TRUE(contains(bash_complete({"cedana", "job", "ls", "--"}), "--all"));
    EXPECT_EQ(bash_complete({"cedana", "dump", "pr"}), std::vector<std::string>{"process"});
}

TEST_F(CompletionTest, ZshScriptParsesAndCompletes) {
    const TempFile file(script("zsh"));
    const auto check = run("zsh -n " + file.path());
    EXPECT_EQ(check.status, 0) << check.output;

    EXPECT_TRUE(contains(zsh_complete({"cedana", "job", ""}), "ls"));
    const auto flags = zsh_complete({"cedana", "daemon", "start", "--"});
    EXPECT_TRUE(contains(flags, "--db"));
    EXPECT_TRUE(contains(flags, "--address"));
    EXPECT_TRUE(contains(zsh_complete({"cedana", "job", "ls", "--"}), "--all"));
}

TEST_F(CompletionTest, ZshScriptLoadsUnderCompinit) {
    const TempFile file(script("zsh"));
    const auto result = run(fmt::format(
        "zsh -f -c 'autoload -Uz compinit && compinit -u -D && source {} && "
        "[[ $_comps[cedana] == _cedana ]]'",
        file.path()));
    EXPECT_EQ(result.status, 0) << result.output;
}

TEST_F(CompletionTest, FishScriptParsesAndCompletesByDepth) {
    const TempFile file(script("fish"));
    const auto check = run("fish --no-execute " + file.path());
    EXPECT_EQ(check.status, 0) << check.output;

    const auto job = fish_complete("cedana job ");
    EXPECT_TRUE(contains(job, "list"));
    EXPECT_TRUE(contains(job, "ls"));
    EXPECT_FALSE(contains(job, "daemon"));

    const auto flags = fish_complete("cedana daemon start --");
    EXPECT_TRUE(contains(flags, "--db"));
    EXPECT_TRUE(contains(flags, "--address"));
    EXPECT_TRUE(contains(fish_complete("cedana job ls --"), "--all"));

    const auto top = fish_complete("cedana ");
    EXPECT_TRUE(contains(top, "daemon"));
    EXPECT_FALSE(contains(top, "list"));
}

TEST_F(CompletionTest, PowershellScriptRegistersEveryCommand) {
    const auto text = script("powershell");
    EXPECT_NE(text.find("Register-ArgumentCompleter -Native -CommandName 'cedana'"),
              std::string::npos);
    for (const char* name : {"daemon", "start", "check", "job", "list", "ls", "dump", "process",
                             "--db", "--address"}) {
        EXPECT_NE(text.find(fmt::format("'{}'", name)), std::string::npos) << name;
    }
}

}  // namespace
