// Every GuestFilesystemCall operation with its success shape and error texts (spec/protocol.md
// s3.9, spec/peer-behaviour.md s7), including our fixes D10 (dangling symlinks are harmless) and
// D11 (REMOVE_DIR honours recursive), and the filesystem resource limits.
#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using Op = wire::GuestFilesystemOperation;
using wire::GuestRuntimeKind;

constexpr uint32_t kRegularFileMode = 0100644;  // 33188
constexpr uint32_t kDirectoryMode = 040755;     // 16877
constexpr uint32_t kSymlinkMode = 0120777;      // 41471

class FilesystemTest : public SidecarTest {
 protected:
  void SetUp() override {
    client_ = &start_with_session();
    auto vm = client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig);
    ASSERT_TRUE(vm.has_value()) << vm.error().to_string();
    vm_ = *vm;
    ASSERT_OK(client_->mkdir(vm_, "/w", true));
    ASSERT_OK(client_->write_file(vm_, "/w/f.txt", "hello"));
  }

  client::Result<wire::GuestFilesystemResultResponse> call(wire::GuestFilesystemCallRequest request) {
    return client_->guest_filesystem_call(vm_, std::move(request));
  }

  client::Client* client_ = nullptr;
  client::VmHandle vm_;
};

TEST_F(FilesystemTest, WriteFileEchoesOperationAndPathOnly) {
  auto request = client::fs_call(Op::WRITE_FILE, "/w/a.txt");
  request.content = "text";
  const auto result = ASSERT_OK(call(request));
  EXPECT_EQ(result.operation, Op::WRITE_FILE);
  EXPECT_EQ(result.path, "/w/a.txt");
  EXPECT_FALSE(result.content.has_value());
  EXPECT_FALSE(result.encoding.has_value());
  EXPECT_FALSE(result.entries.has_value());
  EXPECT_FALSE(result.stat.has_value());
  EXPECT_FALSE(result.exists.has_value());
  EXPECT_FALSE(result.target.has_value());
}

TEST_F(FilesystemTest, ReadFileReturnsUtf8Text) {
  const auto result = ASSERT_OK(call(client::fs_call(Op::READ_FILE, "/w/f.txt")));
  EXPECT_EQ(result.operation, Op::READ_FILE);
  EXPECT_EQ(result.path, "/w/f.txt");
  EXPECT_EQ(result.content, std::optional<std::string>("hello"));
  EXPECT_EQ(result.encoding, std::optional(wire::RootFilesystemEntryEncoding::UTF8));
}

TEST_F(FilesystemTest, Base64WriteAndBinaryReadBack) {
  auto write = client::fs_call(Op::WRITE_FILE, "/w/bin.dat");
  write.content = "AAH/";
  write.encoding = wire::RootFilesystemEntryEncoding::BASE64;
  ASSERT_OK(call(write));
  auto read = client::fs_call(Op::READ_FILE, "/w/bin.dat");
  read.encoding = wire::RootFilesystemEntryEncoding::UTF8;  // ignored: the content decides
  const auto result = ASSERT_OK(call(read));
  EXPECT_EQ(result.content, std::optional<std::string>("AAH/"));
  EXPECT_EQ(result.encoding, std::optional(wire::RootFilesystemEntryEncoding::BASE64));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/bin.dat")).size, 3u);
}

TEST_F(FilesystemTest, WriteFileCreatesMissingParents) {
  ASSERT_OK(client_->write_file(vm_, "/nodir/deeper/f.txt", "x"));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/nodir/deeper")).mode, kDirectoryMode);
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/nodir/deeper/f.txt")), "x");
}

TEST_F(FilesystemTest, WriteFileReplacesContent) {
  ASSERT_OK(client_->write_file(vm_, "/w/f.txt", "hi"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "hi");
}

TEST_F(FilesystemTest, WriteFileErrors) {
  EXPECT_REJECTED(client_->write_file(vm_, "/w", "x"), "kernel_error",
                  "EISDIR: illegal operation on a directory, open '/w'");
  EXPECT_REJECTED(call(client::fs_call(Op::WRITE_FILE, "/w/x")), "invalid_state",
                  "guest filesystem write_file for /w/x requires content");
  auto bad_base64 = client::fs_call(Op::WRITE_FILE, "/w/x");
  bad_base64.content = "!!!";
  bad_base64.encoding = wire::RootFilesystemEntryEncoding::BASE64;
  EXPECT_REJECTED_PREFIX(call(bad_base64), "invalid_state", "invalid base64 guest filesystem content for /w/x: ");
}

TEST_F(FilesystemTest, ReadFileErrors) {
  EXPECT_REJECTED(client_->read_file(vm_, "/w/nope"), "kernel_error", "ENOENT: no such file: /w/nope");
  EXPECT_REJECTED_PREFIX(client_->read_file(vm_, "/w"), "kernel_error", "EISDIR: illegal operation on a directory");
}

TEST_F(FilesystemTest, MkdirIsAlwaysRecursive) {
  ASSERT_OK(client_->mkdir(vm_, "/x/y", false));
  EXPECT_TRUE(ASSERT_OK(client_->exists(vm_, "/x/y")));
  ASSERT_OK(client_->mkdir(vm_, "/w", true));
  EXPECT_REJECTED(client_->mkdir(vm_, "/w", false), "kernel_error", "EEXIST: file exists: /w");
}

TEST_F(FilesystemTest, CreateDir) {
  ASSERT_OK(client_->create_dir(vm_, "/w/cd"));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/cd")).mode, kDirectoryMode);
  EXPECT_REJECTED(client_->create_dir(vm_, "/w/cd"), "kernel_error", "EEXIST: file exists: /w/cd");
}

TEST_F(FilesystemTest, StatOfFileDirectoryAndSymlink) {
  const auto file = ASSERT_OK(client_->stat(vm_, "/w/f.txt"));
  EXPECT_EQ(file.mode, kRegularFileMode);
  EXPECT_EQ(file.size, 5u);
  EXPECT_FALSE(file.is_directory);
  EXPECT_FALSE(file.is_symbolic_link);
  EXPECT_EQ(file.nlink, 1u);
  EXPECT_EQ(file.uid, 1000u);
  EXPECT_EQ(file.gid, 1000u);
  EXPECT_GT(file.mtime_ms, 1700000000000u);
  EXPECT_NE(file.ino, 0u);

  const auto dir = ASSERT_OK(client_->stat(vm_, "/w"));
  EXPECT_EQ(dir.mode, kDirectoryMode);
  EXPECT_EQ(dir.size, 4096u);
  EXPECT_TRUE(dir.is_directory);

  ASSERT_OK(client_->symlink(vm_, "/w/f.txt", "/w/link"));
  const auto link = ASSERT_OK(client_->lstat(vm_, "/w/link"));
  EXPECT_EQ(link.mode, kSymlinkMode);
  EXPECT_TRUE(link.is_symbolic_link);
  const auto followed = ASSERT_OK(client_->stat(vm_, "/w/link"));
  EXPECT_EQ(followed.mode, kRegularFileMode);
  EXPECT_EQ(followed.ino, file.ino);
  EXPECT_FALSE(followed.is_symbolic_link);
}

TEST_F(FilesystemTest, StatErrors) {
  EXPECT_REJECTED(client_->stat(vm_, "/w/nope"), "kernel_error", "ENOENT: no such file: /w/nope");
  EXPECT_REJECTED(client_->lstat(vm_, "/w/nope"), "kernel_error", "ENOENT: no such file: /w/nope");
}

TEST_F(FilesystemTest, Exists) {
  const auto yes = ASSERT_OK(call(client::fs_call(Op::EXISTS, "/w/f.txt")));
  EXPECT_EQ(yes.exists, std::optional(true));
  EXPECT_EQ(yes.operation, Op::EXISTS);
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/w/nope")));
  EXPECT_TRUE(ASSERT_OK(client_->exists(vm_, "/")));
}

TEST_F(FilesystemTest, ReadDirListsSortedNames) {
  ASSERT_OK(client_->write_file(vm_, "/w/b", ""));
  ASSERT_OK(client_->write_file(vm_, "/w/a", ""));
  ASSERT_OK(client_->mkdir(vm_, "/w/C", true));
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm_, "/w")), (std::vector<std::string>{"C", "a", "b", "f.txt"}));
  ASSERT_OK(client_->mkdir(vm_, "/w/empty", true));
  EXPECT_TRUE(ASSERT_OK(client_->read_dir(vm_, "/w/empty")).empty());
}

TEST_F(FilesystemTest, ReadDirErrors) {
  EXPECT_REJECTED_PREFIX(client_->read_dir(vm_, "/w/nope"), "kernel_error", "ENOENT: ");
  EXPECT_REJECTED(client_->read_dir(vm_, "/w/f.txt"), "kernel_error", "ENOTDIR: not a directory, scandir '/w/f.txt'");
}

TEST_F(FilesystemTest, SymlinkEchoesTargetAndReadLinkReturnsIt) {
  auto request = client::fs_call(Op::SYMLINK, "/w/link");
  request.target = "/w/f.txt";
  const auto result = ASSERT_OK(call(request));
  EXPECT_EQ(result.target, std::optional<std::string>("/w/f.txt"));
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, "/w/link")), "/w/f.txt");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/link")), "hello");
  // Stays absolute after reads of other files (the reference rewrites it relative after a sync).
  ASSERT_OK(client_->stat(vm_, "/w/f.txt"));
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, "/w/link")), "/w/f.txt");
  ASSERT_OK(client_->symlink(vm_, "f.txt", "/w/relative"));
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, "/w/relative")), "f.txt");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/relative")), "hello");
}

TEST_F(FilesystemTest, SymlinkErrors) {
  ASSERT_OK(client_->symlink(vm_, "/w/f.txt", "/w/link"));
  EXPECT_REJECTED(client_->symlink(vm_, "/w/other", "/w/link"), "kernel_error",
                  "EEXIST: file already exists, symlink '/w/link'");
  EXPECT_REJECTED(call(client::fs_call(Op::SYMLINK, "/w/l2")), "invalid_state",
                  "guest filesystem symlink requires a target");
  EXPECT_REJECTED(client_->read_link(vm_, "/w/f.txt"), "kernel_error", "EINVAL: invalid argument, readlink '/w/f.txt'");
  EXPECT_REJECTED_PREFIX(client_->read_link(vm_, "/w/nope"), "kernel_error", "ENOENT: ");
}

TEST_F(FilesystemTest, RealpathResolvesSymlinksAndDots) {
  ASSERT_OK(client_->mkdir(vm_, "/w/d", true));
  ASSERT_OK(client_->symlink(vm_, "/w/d", "/w/dl"));
  const auto result = ASSERT_OK(call(client::fs_call(Op::REALPATH, "/w/dl/../f.txt")));
  EXPECT_EQ(result.operation, Op::REALPATH);
  EXPECT_EQ(result.target, std::optional<std::string>("/w/f.txt"));
  ASSERT_OK(client_->write_file(vm_, "/w/d/inner", "i"));
  EXPECT_EQ(ASSERT_OK(client_->realpath(vm_, "/w/dl/inner")), "/w/d/inner");
  EXPECT_REJECTED_PREFIX(client_->realpath(vm_, "/w/nope"), "kernel_error", "ENOENT: ");
}

TEST_F(FilesystemTest, LinkSharesTheFile) {
  auto request = client::fs_call(Op::LINK, "/w/f.txt");
  request.destination_path = "/w/hard";
  const auto result = ASSERT_OK(call(request));
  EXPECT_EQ(result.target, std::optional<std::string>("/w/hard"));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/f.txt")).nlink, 2u);
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/hard")).ino, ASSERT_OK(client_->stat(vm_, "/w/f.txt")).ino);
  ASSERT_OK(client_->write_file(vm_, "/w/hard", "changed"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "changed");
  ASSERT_OK(client_->remove_file(vm_, "/w/f.txt"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/hard")), "changed");
}

TEST_F(FilesystemTest, LinkErrors) {
  EXPECT_REJECTED(call(client::fs_call(Op::LINK, "/w/f.txt")), "invalid_state",
                  "guest filesystem link requires a destination_path");
  EXPECT_REJECTED_PREFIX(client_->link(vm_, "/w/nope", "/w/hard"), "kernel_error", "ENOENT: ");
}

TEST_F(FilesystemTest, ChmodChownUtimesTruncate) {
  ASSERT_OK(client_->chmod(vm_, "/w/f.txt", 0600));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/f.txt")).mode, 0100600u);
  ASSERT_OK(client_->chown(vm_, "/w/f.txt", 0, 42));
  auto stat = ASSERT_OK(client_->stat(vm_, "/w/f.txt"));
  EXPECT_EQ(stat.uid, 0u);
  EXPECT_EQ(stat.gid, 42u);
  ASSERT_OK(client_->utimes(vm_, "/w/f.txt", 1000000000000, 1100000000000));
  stat = ASSERT_OK(client_->stat(vm_, "/w/f.txt"));
  EXPECT_EQ(stat.atime_ms, 1000000000000u);
  EXPECT_EQ(stat.mtime_ms, 1100000000000u);
  ASSERT_OK(client_->truncate(vm_, "/w/f.txt", 2));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "he");
  ASSERT_OK(client_->truncate(vm_, "/w/f.txt", 4));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), std::string("he\0\0", 4));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/f.txt")).size, 4u);
}

TEST_F(FilesystemTest, MetadataCallsOnMissingPaths) {
  EXPECT_REJECTED_PREFIX(client_->chmod(vm_, "/w/nope", 0600), "kernel_error", "ENOENT: ");
  EXPECT_REJECTED_PREFIX(client_->chown(vm_, "/w/nope", 1, 1), "kernel_error", "ENOENT: ");
  EXPECT_REJECTED_PREFIX(client_->utimes(vm_, "/w/nope", 1, 1), "kernel_error", "ENOENT: ");
  EXPECT_REJECTED_PREFIX(client_->truncate(vm_, "/w/nope", 1), "kernel_error", "ENOENT: ");
}

TEST_F(FilesystemTest, MissingRequiredFields) {
  EXPECT_REJECTED(call(client::fs_call(Op::CHMOD, "/w/f.txt")), "invalid_state",
                  "guest filesystem chmod requires a mode");
  auto chown = client::fs_call(Op::CHOWN, "/w/f.txt");
  EXPECT_REJECTED(call(chown), "invalid_state", "guest filesystem chown requires a uid");
  chown.uid = 1;
  EXPECT_REJECTED(call(chown), "invalid_state", "guest filesystem chown requires a gid");
  auto utimes = client::fs_call(Op::UTIMES, "/w/f.txt");
  EXPECT_REJECTED(call(utimes), "invalid_state", "guest filesystem utimes requires atime_ms");
  utimes.atime_ms = 1;
  EXPECT_REJECTED(call(utimes), "invalid_state", "guest filesystem utimes requires mtime_ms");
  EXPECT_REJECTED(call(client::fs_call(Op::TRUNCATE, "/w/f.txt")), "invalid_state",
                  "guest filesystem truncate requires len");
  auto pread = client::fs_call(Op::PREAD, "/w/f.txt");
  EXPECT_REJECTED(call(pread), "invalid_state", "guest filesystem pread requires offset");
  pread.offset = 0;
  EXPECT_REJECTED(call(pread), "invalid_state", "guest filesystem pread requires len");
  // None of these changed anything.
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "hello");
}

TEST_F(FilesystemTest, Pread) {
  EXPECT_EQ(ASSERT_OK(client_->pread(vm_, "/w/f.txt", 1, 3)), "ell");
  EXPECT_EQ(ASSERT_OK(client_->pread(vm_, "/w/f.txt", 3, 100)), "lo");
  auto past_end = client::fs_call(Op::PREAD, "/w/f.txt");
  past_end.offset = 10;
  past_end.len = 2;
  const auto result = ASSERT_OK(call(past_end));
  EXPECT_EQ(result.content, std::optional<std::string>(""));
  EXPECT_EQ(result.operation, Op::PREAD);
  EXPECT_REJECTED_PREFIX(client_->pread(vm_, "/w/nope", 0, 1), "kernel_error", "ENOENT: ");
}

TEST_F(FilesystemTest, Rename) {
  auto request = client::fs_call(Op::RENAME, "/w/f.txt");
  request.destination_path = "/w/g.txt";
  const auto result = ASSERT_OK(call(request));
  EXPECT_EQ(result.target, std::optional<std::string>("/w/g.txt"));
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/w/f.txt")));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/g.txt")), "hello");
  ASSERT_OK(client_->mkdir(vm_, "/w/sub/inner", true));
  ASSERT_OK(client_->write_file(vm_, "/w/sub/inner/x", "x"));
  ASSERT_OK(client_->rename(vm_, "/w/sub", "/w/moved"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/moved/inner/x")), "x");
}

TEST_F(FilesystemTest, RenameErrors) {
  EXPECT_REJECTED_PREFIX(client_->rename(vm_, "/w/nope", "/w/x"), "kernel_error", "ENOENT: ");
  EXPECT_REJECTED_PREFIX(client_->rename(vm_, "/w/f.txt", "/newdir/g.txt"), "kernel_error", "ENOENT: ");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "hello");
  EXPECT_REJECTED(call(client::fs_call(Op::RENAME, "/w/f.txt")), "invalid_state",
                  "guest filesystem rename requires a destination_path");
}

TEST_F(FilesystemTest, RemoveFile) {
  ASSERT_OK(client_->remove_file(vm_, "/w/f.txt"));
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/w/f.txt")));
  EXPECT_REJECTED_PREFIX(client_->remove_file(vm_, "/w/f.txt"), "kernel_error", "ENOENT: ");
  ASSERT_OK(client_->mkdir(vm_, "/w/a2", true));
  EXPECT_REJECTED(client_->remove_file(vm_, "/w/a2"), "kernel_error",
                  "EISDIR: illegal operation on a directory, unlink '/w/a2'");
}

TEST_F(FilesystemTest, RemoveDir) {
  ASSERT_OK(client_->mkdir(vm_, "/w/empty", true));
  ASSERT_OK(client_->remove_dir(vm_, "/w/empty"));
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/w/empty")));
  ASSERT_OK(client_->write_file(vm_, "/w/a2/x", "x"));
  EXPECT_REJECTED(client_->remove_dir(vm_, "/w/a2"), "kernel_error", "ENOTEMPTY: directory not empty, rmdir '/w/a2'");
  EXPECT_REJECTED(client_->remove_dir(vm_, "/w/f.txt"), "kernel_error", "ENOTDIR: not a directory: /w/f.txt");
  EXPECT_REJECTED_PREFIX(client_->remove_dir(vm_, "/w/nope"), "kernel_error", "ENOENT: ");
}

TEST_F(FilesystemTest, RemoveDirRecursiveIsHonoured) {  // D11
  ASSERT_OK(client_->write_file(vm_, "/w/tree/a/b/c.txt", "deep"));
  ASSERT_OK(client_->symlink(vm_, "/w/f.txt", "/w/tree/a/link"));
  ASSERT_OK(client_->remove_dir(vm_, "/w/tree", true));
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/w/tree")));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "hello");  // the link target survives
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm_, "/w")), std::vector<std::string>{"f.txt"});
}

TEST_F(FilesystemTest, DanglingSymlinkIsHarmless) {  // D10
  ASSERT_OK(client_->symlink(vm_, "/nowhere", "/w/dangle"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/f.txt")), "hello");
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/f.txt")).size, 5u);
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/w/dangle")));
  EXPECT_TRUE(ASSERT_OK(client_->lstat(vm_, "/w/dangle")).is_symbolic_link);
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, "/w/dangle")), "/nowhere");
  EXPECT_REJECTED_PREFIX(client_->read_file(vm_, "/w/dangle"), "kernel_error", "ENOENT: ");
  EXPECT_REJECTED_PREFIX(client_->stat(vm_, "/w/dangle"), "kernel_error", "ENOENT: ");
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm_, "/w")), (std::vector<std::string>{"dangle", "f.txt"}));
  ASSERT_OK(client_->remove_file(vm_, "/w/dangle"));
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm_, "/w")), std::vector<std::string>{"f.txt"});
}

TEST_F(FilesystemTest, PathsAreNormalisedAndNeverEscapeTheRoot) {
  ASSERT_OK(client_->write_file(vm_, "/w/bin.dat", "data"));
  const auto relative = ASSERT_OK(call(client::fs_call(Op::READ_FILE, "w/bin.dat")));
  EXPECT_EQ(relative.content, std::optional<std::string>("data"));
  EXPECT_EQ(relative.path, "w/bin.dat");  // the request's path is echoed as sent
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/w/../w/f.txt")), "hello");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/../../etc/hostname")), "secure-exec\n");
  const auto root = ASSERT_OK(client_->read_dir(vm_, ""));
  EXPECT_NE(std::find(root.begin(), root.end(), "w"), root.end());
  EXPECT_NE(std::find(root.begin(), root.end(), "etc"), root.end());
}

TEST_F(FilesystemTest, BaseFilesystemIsPresent) {
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/etc/hostname")), "secure-exec\n");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/etc/alpine-release")), "3.22.4\n");
  const auto workspace = ASSERT_OK(client_->stat(vm_, "/workspace"));
  EXPECT_TRUE(workspace.is_directory);
  EXPECT_EQ(workspace.uid, 1000u);
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/tmp")).mode, 041777u);
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, "/etc/os-release")), "../usr/lib/os-release");
  EXPECT_TRUE(ASSERT_OK(client_->exists(vm_, "/usr/lib/os-release")));
}

TEST_F(FilesystemTest, LargeFileRoundTrips) {
  std::string big(3 * 1024 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  ASSERT_OK(client_->write_file(vm_, "/w/big.bin", big));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm_, "/w/big.bin")).size, big.size());
  EXPECT_TRUE(ASSERT_OK(client_->read_file(vm_, "/w/big.bin")) == big);
}

class FilesystemLimitsTest : public SidecarTest {};

TEST_F(FilesystemLimitsTest, MaxFilesystemBytesGivesEnospcAndTheVmKeepsWorking) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({
    "permissions":{"fs":"allow"},"limits":{"resources":{"maxFilesystemBytes":262144}}})"));
  ASSERT_OK(client.write_file(vm, "/workspace/small.txt", std::string(4096, 's')));
  EXPECT_REJECTED(client.write_file(vm, "/workspace/huge.bin", std::string(300000, 'h')), "kernel_error",
                  "ENOSPC: maximum filesystem size limit reached");
  EXPECT_FALSE(ASSERT_OK(client.exists(vm, "/workspace/huge.bin")));
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/workspace/small.txt")), std::string(4096, 's'));
  ASSERT_OK(client.write_file(vm, "/workspace/another.txt", "still fine"));
  EXPECT_REJECTED(client.truncate(vm, "/workspace/small.txt", 300000), "kernel_error",
                  "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(ASSERT_OK(client.stat(vm, "/workspace/small.txt")).size, 4096u);
}

TEST_F(FilesystemLimitsTest, MaxInodeCountGivesEnospcAndTheVmKeepsWorking) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({
    "permissions":{"fs":"allow"},"limits":{"resources":{"maxInodeCount":200}}})"));
  int created = 0;
  client::Result<void> last;
  while (created < 300) {
    last = client.write_file(vm, "/workspace/f" + std::to_string(created), "x");
    if (!last) break;
    ++created;
  }
  ASSERT_FALSE(last.has_value()) << "wrote 300 files under maxInodeCount 200";
  EXPECT_EQ(last.error().code, "kernel_error");
  EXPECT_EQ(last.error().message, "ENOSPC: maximum inode count limit reached");
  EXPECT_GT(created, 50);
  EXPECT_REJECTED(client.mkdir(vm, "/workspace/newdir", true), "kernel_error",
                  "ENOSPC: maximum inode count limit reached");
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/workspace/f0")), "x");
  ASSERT_OK(client.write_file(vm, "/workspace/f0", "overwriting needs no new inode"));
  ASSERT_OK(client.remove_file(vm, "/workspace/f1"));
  ASSERT_OK(client.write_file(vm, "/workspace/replacement", "fits again"));
}

TEST_F(FilesystemLimitsTest, RootImportOverTheInodeLimitFailsCreateVm) {
  auto& client = start_with_session();
  auto created = client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"limits":{"resources":{"maxInodeCount":10}}})");
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, "invalid_state");
  EXPECT_TRUE(created.error().message.starts_with("root filesystem: root filesystem descriptor contains "))
      << created.error().message;
  EXPECT_TRUE(created.error().message.ends_with(" entries, exceeding limit 10")) << created.error().message;
}

}  // namespace
}  // namespace se::integration
