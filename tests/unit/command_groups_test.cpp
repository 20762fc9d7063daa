// The CLI builds only the command group its first word names, so the table of which group
// defines which words must match what each group really adds.

#include "cli/command_groups.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using cedana::cli::add_commands;
using cedana::cli::add_global_flags;
using cedana::cli::command_groups;
using cedana::cli::command_word;
using cedana::cli::Globals;

std::set<std::string> top_level_words(const CLI::App& root) {
    std::set<std::string> words;
    for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
        words.insert(sub->get_name());
        for (const auto& alias : sub->get_aliases()) words.insert(alias);
    }
    return words;
}

std::string word_of(std::vector<const char*> args) {
    CLI::App root;
    Globals globals;
    add_global_flags(root, globals);
    args.insert(args.begin(), "cedana");
    return command_word(root, static_cast<int>(args.size()), args.data());
}

TEST(CommandGroups, EachGroupDefinesExactlyTheWordsListedForIt) {
    std::set<std::string> all;
    for (const auto& group : command_groups()) {
        CLI::App root;
        Globals globals;
        group.add(root, globals);
        const std::set<std::string> listed(group.words.begin(), group.words.end());
        EXPECT_EQ(top_level_words(root), listed);
        for (const auto& word : listed) EXPECT_TRUE(all.insert(word).second) << word << " is listed for two groups";
    }
}

TEST(CommandGroups, CommandWordSkipsGlobalFlagsAndTheirValues) {
    EXPECT_EQ(word_of({"dump", "job", "x"}), "dump");
    EXPECT_EQ(word_of({"--address", "ps", "restore", "job"}), "restore");
    EXPECT_EQ(word_of({"--address=/run/c.sock", "--profiling", "ps"}), "ps");
    EXPECT_EQ(word_of({"--profiling", "--config-dir", "/etc", "--protocol", "unix", "job", "list"}), "job");
    EXPECT_EQ(word_of({"--help"}), "");
    EXPECT_EQ(word_of({}), "");
    EXPECT_EQ(word_of({"--", "ps"}), "");
}

TEST(CommandGroups, AKnownWordBuildsItsGroupAloneAndAnythingElseTheWholeTree) {
    std::size_t every = 0;
    for (const auto& group : command_groups()) every += group.words.size();

    const auto built = [](const std::string& word) {
        CLI::App root;
        Globals globals;
        add_global_flags(root, globals);
        add_commands(root, globals, word);
        return top_level_words(root);
    };
    EXPECT_EQ(built("restore"), std::set<std::string>{"restore"});
    EXPECT_EQ(built("ps"), built("job"));
    EXPECT_TRUE(built("ps").contains("checkpoints"));
    EXPECT_EQ(built("").size(), every);
    EXPECT_EQ(built("no-such-command").size(), every);
    EXPECT_EQ(built("completion").size(), every);
}

}  // namespace
