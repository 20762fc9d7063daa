#pragma once
// A plain text table: a header row, then rows, columns padded to their widest cell and
// separated by two spaces. Columns marked numeric are right-aligned.

#include <cstddef>
#include <string>
#include <vector>

namespace cedana::images::inspect {

struct Column {
    std::string header;
    bool numeric = false;
};

class Table {
public:
    explicit Table(std::vector<Column> columns);

    // A row with one cell per column (missing cells are empty, extra ones an error).
    void add(std::vector<std::string> cells);
    [[nodiscard]] std::size_t size() const { return rows_.size(); }
    // The table, each line ending in a newline; trailing spaces trimmed.
    [[nodiscard]] std::string render() const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

// "4.0 KiB", "1.5 MiB": a byte count for people.
std::string human_bytes(unsigned long long bytes);

}  // namespace cedana::images::inspect
