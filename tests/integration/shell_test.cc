// The VM's /bin/sh (src/runtime/js/guest/sh.js), run by Execute of `sh -c SCRIPT` against the real
// sidecar binary: pipelines of guest processes over kernel pipes, lists, redirections into VM
// files, expansions and quoting, builtins, exit statuses, and the syntax it refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using wire::GuestRuntimeKind;

// Reads stdin and writes it back upper-cased.
constexpr const char* kUpper =
    "let s = ''; process.stdin.on('data', (d) => { s += d; }).on('end', () => "
    "process.stdout.write(s.toUpperCase()));\n";
// Reads stdin and writes it back in brackets.
constexpr const char* kWrap =
    "let s = ''; process.stdin.on('data', (d) => { s += d; }).on('end', () => process.stdout.write(`[${s}]`));\n";

class ShellTest : public GuestVmTest {
 protected:
  static wire::ExecuteRequest sh(std::string process_id, std::string script, std::vector<std::string> extra = {}) {
    wire::ExecuteRequest request;
    request.process_id = std::move(process_id);
    request.command = "sh";
    request.args = {"-c", std::move(script)};
    request.args.insert(request.args.end(), extra.begin(), extra.end());
    return request;
  }

  client::ProcessResult shell(const std::string& script, std::vector<std::string> extra = {}) {
    return run(sh("sh-" + std::to_string(++runs_), script, std::move(extra)));
  }

  void SetUp() override {
    GuestVmTest::SetUp();
    write("/workspace/upper.js", kUpper);
    write("/workspace/wrap.js", kWrap);
  }

  int runs_ = 0;
};

TEST_F(ShellTest, PipelinesConnectNodeProcessesAndReportTheLastStatus) {
  auto two = shell("node -e 'console.log(\"a\"); console.log(\"b\")' | node upper.js");
  EXPECT_EQ(two.stdout_bytes, "A\nB\n") << two.stderr_bytes;
  EXPECT_EQ(two.exit_code, 0);

  auto three = shell("echo hi | node upper.js | node wrap.js; echo \" status $?\"");
  EXPECT_EQ(three.stdout_bytes, "[HI\n] status 0\n") << three.stderr_bytes;

  auto statuses = shell(
      "node -e 'process.exit(3)' | node -e 'process.exit(5)'; echo $?\n"
      "node -e 'process.exit(3)' | node -e ''; echo $?\n"
      "! node -e 'process.exit(4)'; echo $?\n"
      "exit 4 | node -e ''; echo \"exit in a stage $?\"");
  EXPECT_EQ(statuses.stdout_bytes, "5\n0\n0\nexit in a stage 0\n") << statuses.stderr_bytes;

  auto last = shell("echo x | node -e 'process.exit(9)'");
  EXPECT_EQ(last.exit_code, 9);
}

TEST_F(ShellTest, AndOrAndSequenceLists) {
  auto result = shell("false && echo no1; true || echo no2; false || echo yes1; true && echo yes2\necho end");
  EXPECT_EQ(result.stdout_bytes, "yes1\nyes2\nend\n");
  auto chained = shell("node -e 'process.exit(1)' && echo skipped || echo recovered $?");
  EXPECT_EQ(chained.stdout_bytes, "recovered 1\n");
}

TEST_F(ShellTest, RedirectionsWriteVmFilesThatCanBeReadBack) {
  auto result = shell(
      "echo one > /tmp/out; echo two >> /tmp/out\n"
      "node -e 'console.log(\"to out\"); console.error(\"to err\")' > /tmp/both 2>&1\n"
      "node -e 'console.error(\"only err\")' 2> /tmp/err\n"
      "echo warn >&2\n"
      "node upper.js < /tmp/out");
  EXPECT_EQ(result.stdout_bytes, "ONE\nTWO\n") << result.stderr_bytes;
  EXPECT_EQ(result.stderr_bytes, "warn\n");
  EXPECT_EQ(ASSERT_OK(client().read_file(vm_, "/tmp/both")), "to out\nto err\n");
  EXPECT_EQ(ASSERT_OK(client().read_file(vm_, "/tmp/err")), "only err\n");
}

TEST_F(ShellTest, ARedirectionThatCannotOpenFailsLikeSh) {
  auto result = shell("echo x > /tmp; echo $?; node upper.js < /missing; echo $?; echo y > /no/dir/f");
  EXPECT_EQ(result.stdout_bytes, "2\n2\n");
  EXPECT_EQ(result.stderr_bytes,
            "sh: 1: cannot create /tmp: Is a directory\n"
            "sh: 1: cannot open /missing: No such file\n"
            "sh: 1: cannot create /no/dir/f: Directory nonexistent\n");
  EXPECT_EQ(result.exit_code, 2);
}

TEST_F(ShellTest, ParametersAndQuoting) {
  auto result = shell(
      "A='x  y'; echo \"$A\" $A '$A' \"\\$A\" a\\ b \"it's\" 'say \"hi\"'\n"
      "echo \"\" \"a\"\"b\"'c' ${A} ${UNSET:-default} \"${UNSET-}\"end\n"
      "echo $0 $# $1 $2 \"$@\"\n"
      "node -e 'console.log(JSON.stringify(process.argv.slice(1)))' \"$@\"\n"
      "export E=exported; L=local; node -e 'console.log(process.env.E, process.env.L, process.env.P)'\n"
      "P=prefix node -e 'console.log(process.env.P)'; echo \"[$P]\"",
      {"zero", "one", "two words"});
  EXPECT_EQ(result.stdout_bytes,
            "x  y x y $A $A a b it's say \"hi\"\n"
            " abc x y default end\n"
            "zero 2 one two words one two words\n"
            "[\"one\",\"two words\"]\n"
            "exported undefined undefined\n"
            "prefix\n"
            "[]\n")
      << result.stderr_bytes;
}

TEST_F(ShellTest, BuiltinsAndStatuses) {
  auto result = shell(
      "node -e 'process.exit(7)'; echo \"status $?\"\n"
      "cd /tmp && pwd; echo -n no-newline; echo\n"
      "printf '%s=%d|%-3s|%03d\\n' a 42 b 7\n"
      "test -d /tmp && echo dir; [ -f /tmp ] || echo not-file; [ 3 -lt 10 ] && echo lt; [ abc != abc ]; echo $?\n"
      "unset HOME; echo \"[$HOME]\"; : ; true; echo before; exit 3; echo after");
  EXPECT_EQ(result.stdout_bytes, "status 7\n/tmp\nno-newline\na=42|b  |007\ndir\nnot-file\nlt\n1\n[]\nbefore\n")
      << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 3);
}

TEST_F(ShellTest, AnUnknownCommandIs127) {
  auto result = shell("no-such-command arg; echo $?");
  EXPECT_EQ(result.stdout_bytes, "127\n");
  EXPECT_EQ(result.stderr_bytes, "sh: 1: no-such-command: not found\n");
  EXPECT_EQ(shell("no-such-command").exit_code, 127);
}

TEST_F(ShellTest, AKilledCommandIs128PlusTheSignal) {
  auto result = shell("node -e 'process.kill(process.pid, \"SIGTERM\")'; echo $?");
  EXPECT_EQ(result.stdout_bytes, "143\n");
}

TEST_F(ShellTest, UnsupportedSyntaxFailsBeforeRunningAnything) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"echo a; if true; then echo b; fi", "'if' (compound commands) is"},
      {"echo a; cat <<EOF\nx\nEOF", "here-documents (<<) are"},
      {"echo a; (echo b)", "subshells and functions (parentheses) are"},
      {"echo a; for x in 1 2; do echo $x; done", "'for' (compound commands) is"},
      {"echo a; echo *.js", "globbing ('*.js') is"},
      {"echo a; echo $(pwd)", "command substitution $(...) is"},
      {"echo a; node -e 1 &", "background jobs ('&') are"},
  };
  for (const auto& [script, what] : cases) {
    auto result = shell(script);
    EXPECT_EQ(result.stdout_bytes, "") << script;
    EXPECT_EQ(result.stderr_bytes, "sh: 1: " + what + " not supported by this shell\n") << script;
    EXPECT_EQ(result.exit_code, 2) << script;
  }
  auto syntax = shell("echo a |");
  EXPECT_EQ(syntax.stderr_bytes, "sh: 1: Syntax error: end of file unexpected\n");
  EXPECT_EQ(syntax.exit_code, 2);
}

TEST_F(ShellTest, ScriptsRunFromFilesAndFromStdin) {
  write("/workspace/script.sh", "#!/bin/sh\necho \"script $1\"\nexit 4\n");
  auto by_file = run(sh("by-file",
                        "node -e \"require('fs').chmodSync('/workspace/script.sh', 0o755)\"; "
                        "/workspace/script.sh arg; echo $?; sh script.sh other"));
  EXPECT_EQ(by_file.stdout_bytes, "script arg\n4\nscript other\n") << by_file.stderr_bytes;
  EXPECT_EQ(by_file.exit_code, 4);

  wire::ExecuteRequest from_stdin;
  from_stdin.process_id = "from-stdin";
  from_stdin.command = "sh";
  ASSERT_OK(client().execute(vm_, from_stdin));
  const std::string script = "echo from stdin | node upper.js\n";
  ASSERT_OK(client().write_stdin(vm_, "from-stdin", wire::Bytes(script.begin(), script.end())));
  ASSERT_OK(client().close_stdin(vm_, "from-stdin"));
  auto result = ASSERT_OK(client().wait_process(vm_, "from-stdin", 30s));
  EXPECT_EQ(result.stdout_bytes, "FROM STDIN\n") << result.stderr_bytes;
}

TEST_F(ShellTest, APipelineBeyondMaxProcessesFailsWithEagainAndTheVmKeepsWorking) {
  auto vm = ASSERT_OK(client().create_vm(
      GuestRuntimeKind::JAVA_SCRIPT,
      R"({"permissions":{"fs":"allow","childProcess":"allow"},"limits":{"resources":{"maxProcesses":4}}})"));
  const std::string stage = " | node -e 'process.stdin.resume()'";
  std::string pipeline = "node -e 1";
  for (int i = 0; i < 6; ++i) pipeline += stage;
  auto result = run(vm, sh("bomb", pipeline + "; echo \"after $?\""));
  EXPECT_EQ(result.stdout_bytes, "after 2\n");
  EXPECT_NE(result.stderr_bytes.find("sh: 1: cannot fork node: "), std::string::npos) << result.stderr_bytes;
  EXPECT_NE(result.stderr_bytes.find("(EAGAIN)"), std::string::npos) << result.stderr_bytes;
  EXPECT_EQ(run(vm, sh("after", "echo still | node -e 'process.stdin.pipe(process.stdout)'")).stdout_bytes, "still\n");
}

}  // namespace
}  // namespace se::integration
