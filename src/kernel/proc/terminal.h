// The data path of one pseudo-terminal, independent of processes and blocking: termios (Linux flag
// values), the n_tty line discipline for master -> slave input (ICRNL/INLCR/IGNCR, ISIG characters,
// canonical editing with ERASE / KILL / WERASE / LNEXT / EOF / EOL, ECHO with ECHOE, ECHOK, ECHOKE,
// ECHONL and ECHOCTL, IUTF8-aware erase), OPOST output processing for slave -> master (ONLCR,
// OCRNL), both 64 KiB buffers and the window size. The kernel's PTY layer adds blocking, signals to
// the foreground process group and descriptor bookkeeping on top.
// Not modelled: IXON flow control, VMIN/VTIME (reads behave as VMIN=1, VTIME=0), VREPRINT,
// VDISCARD, tab-expansion of erase echo, baud rates.
// Thread-safety: none; the owning kernel serialises access.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/proc/byte_queue.h"

namespace se::kernel {

namespace tty {
// c_iflag
inline constexpr uint32_t kBrkint = 0000002;
inline constexpr uint32_t kInlcr = 0000100;
inline constexpr uint32_t kIgncr = 0000200;
inline constexpr uint32_t kIcrnl = 0000400;
inline constexpr uint32_t kIxon = 0002000;
inline constexpr uint32_t kIutf8 = 0040000;
// c_oflag
inline constexpr uint32_t kOpost = 0000001;
inline constexpr uint32_t kOnlcr = 0000004;
inline constexpr uint32_t kOcrnl = 0000010;
// c_cflag
inline constexpr uint32_t kB38400 = 0000017;
inline constexpr uint32_t kCs8 = 0000060;
inline constexpr uint32_t kCread = 0000200;
inline constexpr uint32_t kHupcl = 0002000;
// c_lflag
inline constexpr uint32_t kIsig = 0000001;
inline constexpr uint32_t kIcanon = 0000002;
inline constexpr uint32_t kEcho = 0000010;
inline constexpr uint32_t kEchoe = 0000020;
inline constexpr uint32_t kEchok = 0000040;
inline constexpr uint32_t kEchonl = 0000100;
inline constexpr uint32_t kNoflsh = 0000200;
inline constexpr uint32_t kEchoctl = 0001000;
inline constexpr uint32_t kEchoke = 0004000;
inline constexpr uint32_t kIexten = 0100000;
// c_cc indices
inline constexpr size_t kVintr = 0;
inline constexpr size_t kVquit = 1;
inline constexpr size_t kVerase = 2;
inline constexpr size_t kVkill = 3;
inline constexpr size_t kVeof = 4;
inline constexpr size_t kVtime = 5;
inline constexpr size_t kVmin = 6;
inline constexpr size_t kVstart = 8;
inline constexpr size_t kVstop = 9;
inline constexpr size_t kVsusp = 10;
inline constexpr size_t kVeol = 11;
inline constexpr size_t kVreprint = 12;
inline constexpr size_t kVdiscard = 13;
inline constexpr size_t kVwerase = 14;
inline constexpr size_t kVlnext = 15;
inline constexpr size_t kVeol2 = 16;
inline constexpr size_t kNccs = 32;  // glibc's NCCS
// A control character set to this value is disabled (_POSIX_VDISABLE).
inline constexpr uint8_t kDisabled = 0;
}  // namespace tty

struct Termios {
  uint32_t iflag = 0, oflag = 0, cflag = 0, lflag = 0;
  std::array<uint8_t, tty::kNccs> cc{};

  // What a fresh Linux PTY reports: ICRNL IXON IUTF8 / OPOST ONLCR / CS8 CREAD HUPCL B38400 /
  // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN, ^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z ^R ^O ^W ^V.
  static Termios defaults();
  // cfmakeraw(3) applied to `base`.
  static Termios raw(Termios base);
  bool operator==(const Termios&) const = default;
};

struct WindowSize {
  uint16_t rows = 24, cols = 80, xpixel = 0, ypixel = 0;
  bool operator==(const WindowSize&) const = default;
};

class Terminal {
 public:
  static constexpr size_t kBufferBytes = 65536;  // per direction
  static constexpr size_t kMaxCanon = 4096;      // a canonical line holds kMaxCanon - 1 bytes + its end

  Terminal();

  const Termios& termios() const { return termios_; }
  // Leaving canonical mode makes the line being edited readable as it is.
  void set_termios(const Termios& termios);
  const WindowSize& window_size() const { return window_size_; }
  // Returns whether the size changed (only a change raises SIGWINCH).
  bool set_window_size(const WindowSize& size);

  struct InputResult {
    size_t consumed = 0;       // bytes of the write taken by the line discipline
    std::vector<int> signals;  // SIGINT / SIGQUIT / SIGTSTP raised by ISIG characters, in order
  };
  // Master -> slave. Processes bytes in order; stops early only when the next byte would deliver
  // more than the input buffer has room for (the caller blocks or reports a partial write). Echo
  // that does not fit in the output buffer is dropped, as n_tty drops it.
  InputResult write_input(std::string_view bytes);
  // Slave read. nullopt: nothing to read yet. "": an end-of-file record (VEOF on an empty line).
  // Canonical mode returns at most one line per read.
  std::optional<std::string> read_input(size_t max_bytes);
  bool input_readable() const { return !input_.empty(); }

  // Slave -> master with output processing; returns how many input bytes were consumed (stops when
  // the output buffer is full).
  size_t write_output(std::string_view bytes);
  std::string read_output(size_t max_bytes) { return output_.take(max_bytes); }
  bool output_readable() const { return !output_.empty(); }
  bool output_writable() const { return output_.free_space() > 1; }  // room for an expanded "\r\n"
  size_t input_free() const { return kBufferBytes - input_bytes_; }
  size_t output_free() const { return output_.free_space(); }

 private:
  struct InputRecord {
    std::string bytes;
    bool line = false;  // a completed canonical line (or EOF record): reads never span it
  };

  bool lflag(uint32_t bit) const { return (termios_.lflag & bit) != 0; }
  bool iflag(uint32_t bit) const { return (termios_.iflag & bit) != 0; }
  bool is_char(uint8_t c, size_t index) const;
  void push_line(std::string bytes);
  void push_raw(char c);
  void flush_after_signal();
  void echo_char(uint8_t c);
  void emit_output(std::string_view bytes);
  std::string process_output(uint8_t c) const;
  void erase_last();
  void erase_line(uint8_t kill_char);
  void erase_word(uint8_t werase_char);
  size_t echo_width(std::string_view character) const;

  Termios termios_;
  WindowSize window_size_;
  std::string line_;  // canonical line being edited
  bool literal_next_ = false;
  std::deque<InputRecord> input_;
  size_t input_bytes_ = 0;  // records cost at least one byte, so EOF records are bounded too
  ByteQueue output_{kBufferBytes};
};

}  // namespace se::kernel
