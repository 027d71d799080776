// The pre-bound libnode (tools/elf_prebind.py) next to the engine module must be the original with
// nothing changed but relocations rewritten to R_X86_64_RELATIVE, and those must leave every slot
// with the value the dynamic loader gives the original: the test loads the engine module once with
// each libnode, in separate processes (relocation_probe.cc), and compares every relocated slot.
#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace se::prebind::testing {
namespace {

struct RelocationTables {
  // File ranges [begin, end) of .rela.dyn and .rela.plt, as the dynamic section gives them.
  std::vector<std::pair<size_t, size_t>> ranges;
};

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
T read_at(const std::vector<char>& data, size_t offset) {
  T value{};
  if (offset + sizeof(T) > data.size()) throw std::runtime_error("read beyond the end of the file");
  std::memcpy(&value, data.data() + offset, sizeof(T));
  return value;
}

size_t file_offset(const std::vector<char>& data, uint64_t vaddr) {
  const auto header = read_at<Elf64_Ehdr>(data, 0);
  for (size_t i = 0; i < header.e_phnum; ++i) {
    const auto segment = read_at<Elf64_Phdr>(data, header.e_phoff + i * sizeof(Elf64_Phdr));
    if (segment.p_type == PT_LOAD && segment.p_vaddr <= vaddr && vaddr < segment.p_vaddr + segment.p_filesz) {
      return segment.p_offset + (vaddr - segment.p_vaddr);
    }
  }
  throw std::runtime_error("address outside every file-backed segment");
}

// The dynamic section's entries, in order.
std::vector<Elf64_Dyn> dynamic_entries(const std::vector<char>& data) {
  const auto header = read_at<Elf64_Ehdr>(data, 0);
  std::vector<Elf64_Dyn> entries;
  for (size_t i = 0; i < header.e_phnum; ++i) {
    const auto segment = read_at<Elf64_Phdr>(data, header.e_phoff + i * sizeof(Elf64_Phdr));
    if (segment.p_type != PT_DYNAMIC) continue;
    for (size_t at = segment.p_offset; at < segment.p_offset + segment.p_filesz; at += sizeof(Elf64_Dyn)) {
      const auto entry = read_at<Elf64_Dyn>(data, at);
      if (entry.d_tag == DT_NULL) break;
      entries.push_back(entry);
    }
  }
  return entries;
}

// The DT_NEEDED names of an executable, in order.
std::vector<std::string> needed_libraries(const std::vector<char>& data) {
  uint64_t strtab = 0;
  for (const auto& entry : dynamic_entries(data)) {
    if (entry.d_tag == DT_STRTAB) strtab = file_offset(data, entry.d_un.d_ptr);
  }
  std::vector<std::string> names;
  for (const auto& entry : dynamic_entries(data)) {
    if (entry.d_tag == DT_NEEDED) names.emplace_back(data.data() + strtab + entry.d_un.d_val);
  }
  return names;
}

RelocationTables relocation_tables(const std::vector<char>& data) {
  std::map<int64_t, uint64_t> dynamic;
  for (const auto& entry : dynamic_entries(data)) dynamic[entry.d_tag] = entry.d_un.d_val;
  RelocationTables tables;
  for (auto [address, size] : {std::pair{DT_RELA, DT_RELASZ}, std::pair{DT_JMPREL, DT_PLTRELSZ}}) {
    if (!dynamic.contains(address) || !dynamic.contains(size)) throw std::runtime_error("no relocation table");
    const size_t begin = file_offset(data, dynamic[address]);
    tables.ranges.emplace_back(begin, begin + dynamic[size]);
  }
  return tables;
}

bool is_symbolic(uint32_t type) {
  return type == R_X86_64_64 || type == R_X86_64_GLOB_DAT || type == R_X86_64_JUMP_SLOT;
}

struct Comparison {
  std::vector<uint64_t> converted;  // slots the copy relocates as RELATIVE instead of by symbol
  std::vector<uint64_t> symbolic;   // slots both still relocate by symbol
};

// Checks that `prebound` is `original` with symbolic relocations turned into RELATIVE ones and
// nothing else changed; returns the slots of both kinds.
Comparison compare_files(const std::vector<char>& original, const std::vector<char>& prebound) {
  Comparison result;
  EXPECT_EQ(original.size(), prebound.size());
  if (original.size() != prebound.size()) return result;
  const RelocationTables tables = relocation_tables(original);
  size_t unchanged_from = 0;
  std::vector<std::pair<size_t, size_t>> ranges = tables.ranges;
  std::sort(ranges.begin(), ranges.end());
  for (auto [begin, end] : ranges) {
    EXPECT_TRUE(
        std::equal(original.begin() + unchanged_from, original.begin() + begin, prebound.begin() + unchanged_from))
        << "bytes outside the relocation tables differ before offset " << begin;
    for (size_t at = begin; at < end; at += sizeof(Elf64_Rela)) {
      const auto before = read_at<Elf64_Rela>(original, at);
      const auto after = read_at<Elf64_Rela>(prebound, at);
      const uint32_t type = ELF64_R_TYPE(before.r_info);
      if (std::memcmp(&before, &after, sizeof(before)) == 0) {
        if (is_symbolic(type)) result.symbolic.push_back(before.r_offset);
        continue;
      }
      EXPECT_TRUE(is_symbolic(type)) << "relocation at file offset " << at << " of type " << type << " changed";
      EXPECT_EQ(after.r_offset, before.r_offset) << "relocation at file offset " << at << " moved";
      EXPECT_EQ(after.r_info, static_cast<uint64_t>(R_X86_64_RELATIVE)) << "at file offset " << at;
      result.converted.push_back(before.r_offset);
    }
    unchanged_from = end;
  }
  EXPECT_TRUE(std::equal(original.begin() + unchanged_from, original.end(), prebound.begin() + unchanged_from))
      << "bytes after the relocation tables differ";
  return result;
}

struct ProbeResult {
  std::string libnode_path;
  std::map<uint64_t, std::string> slots;  // offset -> "<object> <offset in it>"
};

// Runs the probe on the engine module, with the sidecar's libraries in the global scope as in the
// sidecar; `library_path` non-empty makes the module's libnode.so.108 come from there
// (LD_LIBRARY_PATH precedes the module's RUNPATH), with the same load order.
ProbeResult probe(const std::string& offsets_file, const std::string& library_path) {
  std::string command;
  if (!library_path.empty()) command = "LD_LIBRARY_PATH=" + library_path + " ";
  command += std::string(RELOCATION_PROBE) + " " + offsets_file + " " + ENGINE_MODULE;
  for (const auto& library : needed_libraries(read_file(SIDECAR))) command += " " + library;
  ProbeResult result;
  FILE* output = popen(command.c_str(), "r");
  if (output == nullptr) throw std::runtime_error("cannot run " + command);
  std::string text;
  std::array<char, 65536> buffer{};
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), output)) > 0;) text.append(buffer.data(), n);
  EXPECT_EQ(pclose(output), 0) << command;
  size_t line_start = text.find('\n');
  if (line_start == std::string::npos) return result;
  result.libnode_path = text.substr(0, line_start);
  for (size_t at = line_start + 1; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    const size_t space = line.find(' ');
    result.slots[std::stoull(line.substr(0, space))] = line.substr(space + 1);
    at = end + 1;
  }
  return result;
}

class PrebindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(PREBOUND_LIBNODE)) << PREBOUND_LIBNODE << " was not generated";
    original_ = read_file(ORIGINAL_LIBNODE);
    prebound_ = read_file(PREBOUND_LIBNODE);
    ASSERT_FALSE(original_.empty());
  }

  std::vector<char> original_;
  std::vector<char> prebound_;
};

TEST_F(PrebindTest, OnlySymbolicRelocationsAreRewrittenAndMostAre) {
  const Comparison comparison = compare_files(original_, prebound_);
  // libnode has ~56,600 symbolic relocations; all but those against symbols defined elsewhere,
  // GNU_UNIQUE ones and the few names another object exports resolve to libnode itself.
  EXPECT_GT(comparison.converted.size(), 50000u);
  EXPECT_GT(comparison.symbolic.size(), 1000u);
}

TEST_F(PrebindTest, TheEngineModuleLoadsTheCopyAndEverySlotGetsTheOriginalsValue) {
  const Comparison comparison = compare_files(original_, prebound_);
  ASSERT_FALSE(comparison.converted.empty());
  char offsets_path[] = "/tmp/prebind-offsets-XXXXXX";
  const int fd = mkstemp(offsets_path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream offsets(offsets_path);
    for (uint64_t offset : comparison.converted) offsets << offset << '\n';
    for (uint64_t offset : comparison.symbolic) offsets << offset << '\n';
  }
  const ProbeResult with_copy = probe(offsets_path, "");
  const ProbeResult with_original = probe(offsets_path, std::filesystem::path(ORIGINAL_LIBNODE).parent_path().string());
  std::filesystem::remove(offsets_path);

  EXPECT_EQ(std::filesystem::canonical(with_copy.libnode_path), std::filesystem::canonical(PREBOUND_LIBNODE));
  EXPECT_EQ(std::filesystem::canonical(with_original.libnode_path), std::filesystem::canonical(ORIGINAL_LIBNODE));
  ASSERT_EQ(with_copy.slots.size(), comparison.converted.size() + comparison.symbolic.size());
  size_t differing = 0;
  for (const auto& [offset, value] : with_original.slots) {
    auto it = with_copy.slots.find(offset);
    if (it != with_copy.slots.end() && it->second == value) continue;
    if (++differing <= 10) {
      ADD_FAILURE() << "slot at libnode+" << offset << ": original " << value << ", pre-bound "
                    << (it != with_copy.slots.end() ? it->second : "missing");
    }
  }
  EXPECT_EQ(differing, 0u);
  // The converted slots point into libnode itself.
  for (uint64_t offset : comparison.converted) {
    ASSERT_TRUE(with_copy.slots.at(offset).starts_with("libnode ")) << offset << ": " << with_copy.slots.at(offset);
  }
}

}  // namespace
}  // namespace se::prebind::testing
