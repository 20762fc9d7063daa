#include "cli/completion.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace cedana::cli {

namespace {

struct Word {
    std::string text;
    std::string description;
};

// Every script identifies a position in the tree by the space-joined canonical names from the
// program down ("cedana job list"); the same key is used by all four shells.
struct Command {
    std::string path;
    std::vector<Word> subcommands;  // canonical names followed by aliases
    std::vector<Word> flags;        // own first, then inherited ones
};

// Typing `word` while at `from` moves to `to`; aliases are what make `to` differ from
// `from + " " + word`.
struct Transition {
    std::string from;
    std::string word;
    std::string to;
};

struct Tree {
    std::string program;
    std::vector<Command> commands;
    std::vector<Transition> transitions;
};

// Help texts may span several lines; completion menus have room for one.
std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

bool hidden(const std::string& group) {
    return group.empty();
}

void add_unique(std::vector<Word>& words, Word word) {
    auto same = [&](const Word& w) { return w.text == word.text; };
    if (std::none_of(words.begin(), words.end(), same)) {
        words.push_back(std::move(word));
    }
}

// CLI11 keeps option groups as nameless subcommands; their options belong to the command
// that owns the group.
void add_own_flags(const CLI::App& app, std::vector<Word>& flags) {
    for (const CLI::Option* opt : app.get_options({})) {
        if (hidden(opt->get_group()) || !opt->nonpositional()) {
            continue;
        }
        const auto description = first_line(opt->get_description());
        for (const auto& name : opt->get_lnames()) {
            add_unique(flags, {"--" + name, description});
        }
        for (const auto& name : opt->get_snames()) {
            add_unique(flags, {"-" + name, description});
        }
    }
    for (const CLI::App* group : app.get_subcommands({})) {
        if (group->get_name().empty()) {
            add_own_flags(*group, flags);
        }
    }
}

void collect(const CLI::App& app, const std::string& path, const std::vector<Word>& inherited,
             Tree& tree) {
    Command command{path, {}, {}};
    add_own_flags(app, command.flags);
    for (const auto& flag : inherited) {
        add_unique(command.flags, flag);
    }

    std::vector<const CLI::App*> children;
    for (const CLI::App* sub : app.get_subcommands({})) {
        if (!sub->get_name().empty() && !hidden(sub->get_group())) {
            children.push_back(sub);
        }
    }
    std::vector<Word> aliases;
    for (const CLI::App* child : children) {
        const auto description = first_line(child->get_description());
        const auto child_path = path + " " + child->get_name();
        add_unique(command.subcommands, {child->get_name(), description});
        tree.transitions.push_back({path, child->get_name(), child_path});
        for (const auto& alias : child->get_aliases()) {
            add_unique(aliases, {alias, description});
            tree.transitions.push_back({path, alias, child_path});
        }
    }
    for (auto& alias : aliases) {
        add_unique(command.subcommands, std::move(alias));
    }

    const auto flags = command.flags;
    tree.commands.push_back(std::move(command));
    for (const CLI::App* child : children) {
        collect(*child, path + " " + child->get_name(), flags, tree);
    }
}

Tree build_tree(const CLI::App& root) {
    Tree tree{root.get_name(), {}, {}};
    collect(root, root.get_name(), {}, tree);
    return tree;
}

// Shell function names allow fewer characters than program names do.
std::string identifier(const std::string& name) {
    std::string out = name;
    std::replace_if(
        out.begin(), out.end(), [](unsigned char c) { return std::isalnum(c) == 0; }, '_');
    return out;
}

// Single-quoted literal for bash and zsh, where nothing but the quote itself is special.
std::string sh_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

// Fish single quotes treat backslash as an escape too.
std::string fish_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

std::string ps_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    return out + "'";
}

// compgen -W expands each word of its list again, so shell metacharacters in a word need a
// second level of escaping on top of the literal that carries the list.
std::string compgen_list(const std::vector<Word>& words) {
    std::string out;
    for (const auto& word : words) {
        if (!out.empty()) {
            out += ' ';
        }
        for (char c : word.text) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0 &&
                std::string_view("-_.,:=+@%/").find(c) == std::string_view::npos) {
                out += '\\';
            }
            out += c;
        }
    }
    return sh_quote(out);
}

template <typename Quote>
std::string joined(const std::vector<Word>& words, Quote quote) {
    std::string out;
    for (const auto& word : words) {
        out += (out.empty() ? "" : " ") + quote(word.text);
    }
    return out;
}

std::string bash_script(const Tree& tree) {
    const auto fn = fmt::format("_{}_completion", identifier(tree.program));
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it,
                   "# bash completion for {0}, generated from its command tree.\n"
                   "{1}() {{\n"
                   "    local cur=\"${{COMP_WORDS[COMP_CWORD]}}\"\n"
                   "    local cmd_path={2} word i\n"
                   "    # Flags and their values are skipped on a best-effort basis: a word that\n"
                   "    # is not a subcommand here simply leaves the path where it is.\n"
                   "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                   "        word=\"${{COMP_WORDS[i]}}\"\n"
                   "        [[ $word == -* ]] && continue\n"
                   "        case \"$cmd_path $word\" in\n",
                   tree.program, fn, sh_quote(tree.program));
    for (const auto& t : tree.transitions) {
        fmt::format_to(it, "            {}) cmd_path={} ;;\n", sh_quote(t.from + " " + t.word),
                       sh_quote(t.to));
    }
    fmt::format_to(it,
                   "        esac\n"
                   "    done\n"
                   "    local commands='' flags=''\n"
                   "    case \"$cmd_path\" in\n");
    for (const auto& c : tree.commands) {
        fmt::format_to(it,
                       "        {})\n"
                       "            commands={}\n"
                       "            flags={}\n"
                       "            ;;\n",
                       sh_quote(c.path), compgen_list(c.subcommands), compgen_list(c.flags));
    }
    fmt::format_to(it,
                   "    esac\n"
                   "    if [[ $cur == -* ]]; then\n"
                   "        mapfile -t COMPREPLY < <(compgen -W \"$flags\" -- \"$cur\")\n"
                   "    elif [[ -n $commands ]]; then\n"
                   "        mapfile -t COMPREPLY < <(compgen -W \"$commands\" -- \"$cur\")\n"
                   "    fi\n"
                   "}}\n"
                   "# -o default: leaf commands take paths, so fall back to file names.\n"
                   "complete -o default -F {} {}\n",
                   fn, sh_quote(tree.program));
    return out;
}

std::string zsh_script(const Tree& tree) {
    const auto fn = "_" + identifier(tree.program);
    std::string out;
    auto it = std::back_inserter(out);
    // `path` is tied to $PATH in zsh, hence cmd_path.
    fmt::format_to(it,
                   "#compdef {0}\n"
                   "# zsh completion for {0}, generated from its command tree.\n"
                   "\n"
                   "{1}() {{\n"
                   "    local cmd_path={2} word i\n"
                   "    for ((i = 2; i < CURRENT; i++)); do\n"
                   "        word=${{words[i]}}\n"
                   "        [[ $word == -* ]] && continue\n"
                   "        case \"$cmd_path $word\" in\n",
                   tree.program, fn, sh_quote(tree.program));
    for (const auto& t : tree.transitions) {
        fmt::format_to(it, "            ({}) cmd_path={} ;;\n", sh_quote(t.from + " " + t.word),
                       sh_quote(t.to));
    }
    fmt::format_to(it,
                   "        esac\n"
                   "    done\n"
                   "    local -a commands flags\n"
                   "    case $cmd_path in\n");
    for (const auto& c : tree.commands) {
        fmt::format_to(it,
                       "        ({})\n"
                       "            commands=({})\n"
                       "            flags=({})\n"
                       "            ;;\n",
                       sh_quote(c.path), joined(c.subcommands, sh_quote),
                       joined(c.flags, sh_quote));
    }
    fmt::format_to(it,
                   "    esac\n"
                   "    if [[ ${{words[CURRENT]}} == -* ]]; then\n"
                   "        compadd -- \"${{flags[@]}}\"\n"
                   "    elif (( ${{#commands}} )); then\n"
                   "        compadd -- \"${{commands[@]}}\"\n"
                   "    else\n"
                   "        _files\n"
                   "    fi\n"
                   "}}\n"
                   "\n"
                   "# Works both autoloaded from $fpath and sourced after compinit.\n"
                   "if [[ ${{zsh_eval_context[-1]}} == loadautofunc ]]; then\n"
                   "    {0} \"$@\"\n"
                   "else\n"
                   "    compdef {0} {1}\n"
                   "fi\n",
                   fn, sh_quote(tree.program));
    return out;
}

std::string fish_script(const Tree& tree) {
    const auto prefix = "__" + identifier(tree.program);
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it,
                   "# fish completion for {0}, generated from its command tree.\n"
                   "\n"
                   "function {1}_command_path\n"
                   "    set -l cmd_path {2}\n"
                   "    set -l tokens (commandline -opc)\n"
                   "    set -e tokens[1]\n"
                   "    for word in $tokens\n"
                   "        string match -q -- '-*' $word; and continue\n"
                   "        switch \"$cmd_path $word\"\n",
                   tree.program, prefix, fish_quote(tree.program));
    for (const auto& t : tree.transitions) {
        // switch patterns glob even when quoted; plain command names contain no glob chars.
        fmt::format_to(it, "            case {}\n                set cmd_path {}\n",
                       fish_quote(t.from + " " + t.word), fish_quote(t.to));
    }
    fmt::format_to(it,
                   "        end\n"
                   "    end\n"
                   "    echo $cmd_path\n"
                   "end\n"
                   "\n"
                   "function {0}_at\n"
                   "    test ({0}_command_path) = \"$argv[1]\"\n"
                   "end\n"
                   "\n",
                   prefix);
    for (const auto& c : tree.commands) {
        // The condition is fish code itself, so the path is quoted once for that code and
        // once more for the -n argument.
        const auto condition = fish_quote(prefix + "_at " + fish_quote(c.path));
        for (const auto& sub : c.subcommands) {
            // -f: a command that has subcommands takes no file arguments at this position.
            fmt::format_to(it, "complete -c {} -n {} -f -a {} -d {}\n", fish_quote(tree.program),
                           condition, fish_quote(sub.text), fish_quote(sub.description));
        }
        for (const auto& flag : c.flags) {
            const bool is_long = flag.text.starts_with("--");
            fmt::format_to(it, "complete -c {} -n {} {} {} -d {}\n", fish_quote(tree.program),
                           condition, is_long ? "-l" : "-s",
                           fish_quote(flag.text.substr(is_long ? 2 : 1)),
                           fish_quote(flag.description));
        }
    }
    return out;
}

std::string powershell_script(const Tree& tree) {
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it,
                   "# PowerShell completion for {0}, generated from its command tree.\n"
                   "Register-ArgumentCompleter -Native -CommandName {1} -ScriptBlock {{\n"
                   "    param($wordToComplete, $commandAst, $cursorPosition)\n"
                   "    $word = \"$wordToComplete\"\n"
                   "    $cmdPath = {1}\n"
                   "    $elements = $commandAst.CommandElements | Select-Object -Skip 1\n"
                   "    foreach ($element in $elements) {{\n"
                   "        # Only words ending before the cursor are complete; the one under\n"
                   "        # it is what is being completed.\n"
                   "        if ($element.Extent.EndOffset -ge $cursorPosition) {{ break }}\n"
                   "        $text = $element.ToString()\n"
                   "        if ($text.StartsWith('-')) {{ continue }}\n"
                   "        switch -Exact -CaseSensitive (\"$cmdPath $text\") {{\n",
                   tree.program, ps_quote(tree.program));
    for (const auto& t : tree.transitions) {
        fmt::format_to(it, "            {} {{ $cmdPath = {} }}\n",
                       ps_quote(t.from + " " + t.word), ps_quote(t.to));
    }
    fmt::format_to(it,
                   "        }}\n"
                   "    }}\n"
                   "    $commands = @()\n"
                   "    $flags = @()\n"
                   "    switch -Exact -CaseSensitive ($cmdPath) {{\n");
    // Entries are hashtables rather than two-element arrays because @(@('a', 'b')) flattens
    // into two strings. CompletionResult rejects an empty tooltip, so the text stands in for a
    // missing description.
    auto entries = [](const std::vector<Word>& words) {
        std::string list;
        for (const auto& w : words) {
            list += fmt::format("{}@{{ Text = {}; Tip = {} }}", list.empty() ? "" : ", ",
                                ps_quote(w.text),
                                ps_quote(w.description.empty() ? w.text : w.description));
        }
        return list;
    };
    for (const auto& c : tree.commands) {
        fmt::format_to(it,
                       "        {} {{\n"
                       "            $commands = @({})\n"
                       "            $flags = @({})\n"
                       "        }}\n",
                       ps_quote(c.path), entries(c.subcommands), entries(c.flags));
    }
    fmt::format_to(it,
                   "    }}\n"
                   "    # Plain assignment keeps a one-entry list a list; an if-expression\n"
                   "    # would unroll it.\n"
                   "    $pool = $commands\n"
                   "    if ($word.StartsWith('-')) {{ $pool = $flags }}\n"
                   "    foreach ($entry in $pool) {{\n"
                   "        $text = $entry.Text\n"
                   "        if ($text.StartsWith($word, [System.StringComparison]::Ordinal)) {{\n"
                   "            $kind = 'ParameterValue'\n"
                   "            if ($text.StartsWith('-')) {{ $kind = 'ParameterName' }}\n"
                   "            [System.Management.Automation.CompletionResult]::new(\n"
                   "                $text, $text, $kind, $entry.Tip)\n"
                   "        }}\n"
                   "    }}\n"
                   "}}\n");
    return out;
}

}  // namespace

std::string completion_script(const CLI::App& root, const std::string& shell) {
    if (shell == "bash") {
        return bash_script(build_tree(root));
    }
    if (shell == "zsh") {
        return zsh_script(build_tree(root));
    }
    if (shell == "fish") {
        return fish_script(build_tree(root));
    }
    if (shell == "powershell") {
        return powershell_script(build_tree(root));
    }
    throw std::invalid_argument(fmt::format(
        "unsupported shell '{}': supported shells are bash, zsh, fish and powershell", shell));
}

}  // namespace cedana::cli
