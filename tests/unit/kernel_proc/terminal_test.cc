// The line discipline on its own: canonical editing, echo, ISIG characters, EOF, translation,
// raw mode and buffer limits.
#include "kernel/proc/terminal.h"

#include <gtest/gtest.h>

#include "kernel/proc/signals.h"

namespace se::kernel {
namespace {

std::string read_all_output(Terminal& terminal) {
  return terminal.read_output(Terminal::kBufferBytes);
}

TEST(TerminalTest, DefaultsMatchAFreshLinuxPty) {
  Termios t = Termios::defaults();
  EXPECT_EQ(t.iflag, tty::kIcrnl | tty::kIxon | tty::kIutf8);
  EXPECT_EQ(t.oflag, tty::kOpost | tty::kOnlcr);
  EXPECT_NE(t.lflag & tty::kIcanon, 0u);
  EXPECT_NE(t.lflag & tty::kEcho, 0u);
  EXPECT_NE(t.lflag & tty::kIsig, 0u);
  EXPECT_EQ(t.cc[tty::kVintr], 0x03);
  EXPECT_EQ(t.cc[tty::kVquit], 0x1c);
  EXPECT_EQ(t.cc[tty::kVerase], 0x7f);
  EXPECT_EQ(t.cc[tty::kVkill], 0x15);
  EXPECT_EQ(t.cc[tty::kVeof], 0x04);
  EXPECT_EQ(t.cc[tty::kVsusp], 0x1a);
  EXPECT_EQ(t.cc[tty::kVmin], 1);
  Terminal terminal;
  EXPECT_EQ(terminal.window_size(), (WindowSize{24, 80, 0, 0}));
}

TEST(TerminalTest, CanonicalModeEditsAndEchoesLikeTheReference) {
  Terminal terminal;
  auto result = terminal.write_input("echo helo\x7flo\n");
  EXPECT_EQ(result.consumed, 13u);
  EXPECT_TRUE(result.signals.empty());
  EXPECT_EQ(terminal.read_input(100), "echo hello\n");
  EXPECT_EQ(read_all_output(terminal), "echo helo\b \blo\r\n");
}

TEST(TerminalTest, CanonicalReadsWaitForTheLineAndReturnOneLineAtATime) {
  Terminal terminal;
  terminal.write_input("first");
  EXPECT_FALSE(terminal.input_readable());
  EXPECT_EQ(terminal.read_input(100), std::nullopt);
  terminal.write_input("\rsecond\n");  // ICRNL turns the CR into a newline
  EXPECT_EQ(terminal.read_input(3), "fir");
  EXPECT_EQ(terminal.read_input(100), "st\n");
  EXPECT_EQ(terminal.read_input(100), "second\n");
  EXPECT_EQ(terminal.read_input(100), std::nullopt);
}

TEST(TerminalTest, KillAndWordEraseEditTheLine) {
  Terminal terminal;
  terminal.write_input("abc\x15");
  EXPECT_EQ(read_all_output(terminal), "abc\b \b\b \b\b \b");
  terminal.write_input(
      "foo bar\x17"
      "baz\n");
  EXPECT_EQ(terminal.read_input(100), "foo baz\n");
  Termios no_echoke = Termios::defaults();
  no_echoke.lflag &= ~tty::kEchoke;
  terminal.set_termios(no_echoke);
  read_all_output(terminal);
  terminal.write_input("xy\x15z\n");
  EXPECT_EQ(read_all_output(terminal), "xy^U\r\nz\r\n");  // ECHOK: the kill character, then a newline
  EXPECT_EQ(terminal.read_input(100), "z\n");
}

TEST(TerminalTest, EraseRemovesWholeUtf8CharactersAndControlEchoes) {
  Terminal terminal;
  terminal.write_input("a\xc3\xa9\x7f\n");
  EXPECT_EQ(terminal.read_input(100), "a\n");
  EXPECT_EQ(read_all_output(terminal), "a\xc3\xa9\b \b\r\n");
  terminal.write_input("\x01\x7f\n");  // ^A echoes as two columns and erases as two
  EXPECT_EQ(read_all_output(terminal), "^A\b \b\b \b\r\n");
  EXPECT_EQ(terminal.read_input(100), "\n");
}

TEST(TerminalTest, EndOfFileCharacter) {
  Terminal terminal;
  terminal.write_input("\x04");
  EXPECT_EQ(terminal.read_input(100), "");  // an empty line: end of file, not "nothing yet"
  terminal.write_input("ab\x04");
  EXPECT_EQ(terminal.read_input(100), "ab");   // delivered without a newline
  EXPECT_EQ(read_all_output(terminal), "ab");  // VEOF is not echoed
  EXPECT_EQ(terminal.read_input(100), std::nullopt);
}

TEST(TerminalTest, IsigCharactersRaiseSignalsAndFlushTheLine) {
  Terminal terminal;
  auto result = terminal.write_input(
      "partial\x03"
      "x\x1a\x1c");
  EXPECT_EQ(result.signals, (std::vector<int>{kSigInt, kSigTstp, kSigQuit}));
  EXPECT_EQ(result.consumed, 11u);
  EXPECT_EQ(read_all_output(terminal), "^\\");  // each signal flushes output; the last echo remains
  terminal.write_input("\n");
  EXPECT_EQ(terminal.read_input(100), "\n");  // "partial" and "x" were discarded

  Termios no_isig = Termios::defaults();
  no_isig.lflag &= ~tty::kIsig;
  terminal.set_termios(no_isig);
  result = terminal.write_input("\x03\n");
  EXPECT_TRUE(result.signals.empty());
  EXPECT_EQ(terminal.read_input(100), "\x03\n");
}

TEST(TerminalTest, LiteralNextQuotesASpecialCharacter) {
  Terminal terminal;
  auto result = terminal.write_input("\x16\x03\n");
  EXPECT_TRUE(result.signals.empty());
  EXPECT_EQ(terminal.read_input(100), "\x03\n");
}

TEST(TerminalTest, RawModeDeliversBytesAtOnceWithoutEchoOrSignals) {
  Terminal terminal;
  terminal.set_termios(Termios::raw(Termios::defaults()));
  auto result = terminal.write_input("a\x03\r");
  EXPECT_TRUE(result.signals.empty());
  EXPECT_EQ(terminal.read_input(100), "a\x03\r");  // no ICRNL either
  EXPECT_FALSE(terminal.output_readable());
  terminal.write_output("x\ny");
  EXPECT_EQ(read_all_output(terminal), "x\ny");  // OPOST off
}

TEST(TerminalTest, OutputProcessingTranslatesNewlines) {
  Terminal terminal;
  EXPECT_EQ(terminal.write_output("a\nb\r\n"), 5u);
  EXPECT_EQ(read_all_output(terminal), "a\r\nb\r\r\n");
  Termios ocrnl = Termios::defaults();
  ocrnl.oflag = tty::kOpost | tty::kOcrnl;
  terminal.set_termios(ocrnl);
  terminal.write_output("a\rb");
  EXPECT_EQ(read_all_output(terminal), "a\nb");
}

TEST(TerminalTest, LeavingCanonicalModeMakesThePartialLineReadable) {
  Terminal terminal;
  terminal.write_input("half");
  EXPECT_FALSE(terminal.input_readable());
  Termios raw = Termios::defaults();
  raw.lflag &= ~tty::kIcanon;
  terminal.set_termios(raw);
  EXPECT_EQ(terminal.read_input(100), "half");
}

TEST(TerminalTest, CanonicalLinesAreLimitedToMaxCanon) {
  Terminal terminal;
  terminal.set_termios([] {
    Termios t = Termios::defaults();
    t.lflag &= ~tty::kEcho;
    return t;
  }());
  std::string long_line(5000, 'x');
  EXPECT_EQ(terminal.write_input(long_line + "\n").consumed, 5001u);
  EXPECT_EQ(terminal.read_input(10000), std::string(Terminal::kMaxCanon - 1, 'x') + "\n");
}

TEST(TerminalTest, InputStopsWhenTheBufferIsFull) {
  Terminal terminal;
  terminal.set_termios(Termios::raw(Termios::defaults()));
  std::string big(Terminal::kBufferBytes + 10, 'a');
  EXPECT_EQ(terminal.write_input(big).consumed, Terminal::kBufferBytes);
  EXPECT_EQ(terminal.input_free(), 0u);
  EXPECT_EQ(terminal.read_input(10)->size(), 10u);
  EXPECT_EQ(terminal.input_free(), 10u);

  Terminal canonical;
  std::string lines;
  for (int i = 0; i < 70000; ++i) lines += "\x04";  // EOF records cost a byte each, so they are bounded
  EXPECT_EQ(canonical.write_input(lines).consumed, Terminal::kBufferBytes);
}

TEST(TerminalTest, OutputStopsWhenTheBufferIsFull) {
  Terminal terminal;
  std::string newlines(Terminal::kBufferBytes, '\n');
  EXPECT_EQ(terminal.write_output(newlines), Terminal::kBufferBytes / 2);  // each expands to "\r\n"
  EXPECT_FALSE(terminal.output_writable());
}

TEST(TerminalTest, WindowSizeReportsChanges) {
  Terminal terminal;
  EXPECT_FALSE(terminal.set_window_size({24, 80, 0, 0}));
  EXPECT_TRUE(terminal.set_window_size({50, 132, 0, 0}));
  EXPECT_EQ(terminal.window_size().cols, 132);
}

}  // namespace
}  // namespace se::kernel
