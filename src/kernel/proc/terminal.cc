#include "kernel/proc/terminal.h"

#include <algorithm>
#include <cctype>

#include "kernel/proc/signals.h"

namespace se::kernel {
namespace {

constexpr uint8_t control(char letter) {
  return static_cast<uint8_t>(letter & 0x1f);
}
constexpr uint8_t kDelete = 0x7f;

bool is_utf8_continuation(char c) {
  return (static_cast<uint8_t>(c) & 0xc0) == 0x80;
}

bool is_control(uint8_t c) {
  return c < 0x20 || c == kDelete;
}

}  // namespace

Termios Termios::defaults() {
  using namespace tty;
  Termios t;
  t.iflag = kIcrnl | kIxon | kIutf8;
  t.oflag = kOpost | kOnlcr;
  t.cflag = kB38400 | kCs8 | kCread | kHupcl;
  t.lflag = kIsig | kIcanon | kEcho | kEchoe | kEchok | kEchoctl | kEchoke | kIexten;
  t.cc[kVintr] = control('C');
  t.cc[kVquit] = 0x1c;
  t.cc[kVerase] = kDelete;
  t.cc[kVkill] = control('U');
  t.cc[kVeof] = control('D');
  t.cc[kVtime] = 0;
  t.cc[kVmin] = 1;
  t.cc[kVstart] = control('Q');
  t.cc[kVstop] = control('S');
  t.cc[kVsusp] = control('Z');
  t.cc[kVreprint] = control('R');
  t.cc[kVdiscard] = control('O');
  t.cc[kVwerase] = control('W');
  t.cc[kVlnext] = control('V');
  return t;
}

Termios Termios::raw(Termios base) {
  using namespace tty;
  // cfmakeraw: IGNBRK BRKINT PARMRK ISTRIP INLCR IGNCR ICRNL IXON off; OPOST off;
  // ECHO ECHONL ICANON ISIG IEXTEN off; CSIZE PARENB off, CS8 on.
  base.iflag &= ~(0000001u | kBrkint | 0000010u | 0000040u | kInlcr | kIgncr | kIcrnl | kIxon);
  base.oflag &= ~kOpost;
  base.lflag &= ~(kEcho | kEchonl | kIcanon | kIsig | kIexten);
  base.cflag = (base.cflag & ~(0000060u | 0000400u)) | kCs8;
  base.cc[kVmin] = 1;
  base.cc[kVtime] = 0;
  return base;
}

Terminal::Terminal() : termios_(Termios::defaults()) {}

void Terminal::set_termios(const Termios& termios) {
  bool leaving_canonical = lflag(tty::kIcanon) && (termios.lflag & tty::kIcanon) == 0;
  termios_ = termios;
  if (leaving_canonical) {
    for (char c : line_) {
      if (input_free() == 0) break;
      push_raw(c);
    }
    line_.clear();
  }
  if (!lflag(tty::kIexten)) literal_next_ = false;
}

bool Terminal::set_window_size(const WindowSize& size) {
  if (size == window_size_) return false;
  window_size_ = size;
  return true;
}

bool Terminal::is_char(uint8_t c, size_t index) const {
  uint8_t configured = termios_.cc[index];
  return configured != tty::kDisabled && configured == c;
}

Terminal::InputResult Terminal::write_input(std::string_view bytes) {
  InputResult result;
  for (; result.consumed < bytes.size(); ++result.consumed) {
    auto c = static_cast<uint8_t>(bytes[result.consumed]);
    bool literal = literal_next_;
    literal_next_ = false;

    if (!literal && lflag(tty::kIsig)) {
      int signal = is_char(c, tty::kVintr)   ? kSigInt
                   : is_char(c, tty::kVquit) ? kSigQuit
                   : is_char(c, tty::kVsusp) ? kSigTstp
                                             : 0;
      if (signal != 0) {
        if (!lflag(tty::kNoflsh)) flush_after_signal();
        if (lflag(tty::kEcho)) echo_char(c);
        result.signals.push_back(signal);
        continue;
      }
    }

    if (!literal) {
      if (c == '\r') {
        if (iflag(tty::kIgncr)) continue;
        if (iflag(tty::kIcrnl)) c = '\n';
      } else if (c == '\n' && iflag(tty::kInlcr)) {
        c = '\r';
      }
    }

    if (!lflag(tty::kIcanon)) {
      if (input_free() == 0) return result;
      if (lflag(tty::kEcho)) echo_char(c);
      push_raw(static_cast<char>(c));
      continue;
    }

    if (!literal) {
      bool extended = lflag(tty::kIexten);
      if (is_char(c, tty::kVerase)) {
        erase_last();
        continue;
      }
      if (is_char(c, tty::kVkill)) {
        erase_line(c);
        continue;
      }
      if (extended && is_char(c, tty::kVwerase)) {
        erase_word(c);
        continue;
      }
      if (extended && is_char(c, tty::kVlnext)) {
        literal_next_ = true;
        if (lflag(tty::kEcho) && lflag(tty::kEchoctl)) emit_output("^\b");
        continue;
      }
      if (c == '\n' || is_char(c, tty::kVeol) || (extended && is_char(c, tty::kVeol2))) {
        if (input_free() < line_.size() + 1) return result;
        if (lflag(tty::kEcho) || (c == '\n' && lflag(tty::kEchonl))) echo_char(c);
        push_line(line_ + static_cast<char>(c));
        line_.clear();
        continue;
      }
      if (is_char(c, tty::kVeof)) {
        if (input_free() < std::max<size_t>(line_.size(), 1)) return result;
        push_line(line_);
        line_.clear();
        continue;
      }
    }

    if (line_.size() >= kMaxCanon - 1) continue;  // a full line drops further bytes, as n_tty does
    if (lflag(tty::kEcho)) echo_char(c);
    line_.push_back(static_cast<char>(c));
  }
  return result;
}

std::optional<std::string> Terminal::read_input(size_t max_bytes) {
  bool canonical = lflag(tty::kIcanon);
  std::string out;
  while (!input_.empty() && out.size() < max_bytes) {
    InputRecord& front = input_.front();
    if (!canonical && front.bytes.empty()) {  // an EOF record means nothing outside canonical mode
      input_bytes_ -= 1;
      input_.pop_front();
      continue;
    }
    size_t take = std::min(max_bytes - out.size(), front.bytes.size());
    out.append(front.bytes, 0, take);
    if (take == front.bytes.size()) {
      input_bytes_ -= std::max<size_t>(take, 1);
      input_.pop_front();
    } else {
      front.bytes.erase(0, take);
      input_bytes_ -= take;
    }
    if (canonical) return out;  // one line (or the unread part of one) per read
  }
  if (out.empty()) return std::nullopt;
  return out;
}

size_t Terminal::write_output(std::string_view bytes) {
  size_t consumed = 0;
  for (; consumed < bytes.size(); ++consumed) {
    std::string processed = process_output(static_cast<uint8_t>(bytes[consumed]));
    if (output_.free_space() < processed.size()) break;
    output_.append(processed);
  }
  return consumed;
}

void Terminal::push_line(std::string bytes) {
  input_bytes_ += std::max<size_t>(bytes.size(), 1);
  input_.push_back(InputRecord{std::move(bytes), true});
}

void Terminal::push_raw(char c) {
  if (input_.empty() || input_.back().line) input_.push_back(InputRecord{});
  input_.back().bytes.push_back(c);
  input_bytes_ += 1;
}

void Terminal::flush_after_signal() {
  line_.clear();
  input_.clear();
  input_bytes_ = 0;
  output_.clear();
}

std::string Terminal::process_output(uint8_t c) const {
  if ((termios_.oflag & tty::kOpost) != 0) {
    if (c == '\n' && (termios_.oflag & tty::kOnlcr) != 0) return "\r\n";
    if (c == '\r' && (termios_.oflag & tty::kOcrnl) != 0) return "\n";
  }
  return std::string(1, static_cast<char>(c));
}

void Terminal::emit_output(std::string_view bytes) {
  for (char c : bytes) {
    std::string processed = process_output(static_cast<uint8_t>(c));
    if (output_.free_space() < processed.size()) return;
    output_.append(processed);
  }
}

void Terminal::echo_char(uint8_t c) {
  if (lflag(tty::kEchoctl) && is_control(c) && c != '\t' && c != '\n') {
    char shown[2] = {'^', static_cast<char>(c ^ 0x40)};
    emit_output(std::string_view(shown, 2));
    return;
  }
  char byte = static_cast<char>(c);
  emit_output(std::string_view(&byte, 1));
}

size_t Terminal::echo_width(std::string_view character) const {
  auto c = static_cast<uint8_t>(character.front());
  return lflag(tty::kEchoctl) && is_control(c) && c != '\t' ? 2 : 1;
}

void Terminal::erase_last() {
  if (line_.empty()) return;
  size_t start = line_.size() - 1;
  if (iflag(tty::kIutf8)) {
    while (start > 0 && is_utf8_continuation(line_[start])) --start;
  }
  size_t width = echo_width(std::string_view(line_).substr(start));
  line_.erase(start);
  if (!lflag(tty::kEcho)) return;
  if (lflag(tty::kEchoe)) {
    for (size_t i = 0; i < width; ++i) emit_output("\b \b");
  } else {
    echo_char(termios_.cc[tty::kVerase]);
  }
}

void Terminal::erase_line(uint8_t kill_char) {
  bool visual = lflag(tty::kEcho) && lflag(tty::kEchoe) && lflag(tty::kEchok) && lflag(tty::kEchoke);
  if (!visual) {
    line_.clear();
    if (lflag(tty::kEcho)) {
      echo_char(kill_char);
      if (lflag(tty::kEchok)) emit_output("\n");
    }
    return;
  }
  while (!line_.empty()) erase_last();
}

void Terminal::erase_word(uint8_t werase_char) {
  // n_tty's word erase: the trailing non-word bytes, then the word before them.
  size_t keep = line_.size();
  bool seen_word = false;
  while (keep > 0) {
    auto c = static_cast<unsigned char>(line_[keep - 1]);
    bool word = std::isalnum(c) || c == '_';
    if (!word && seen_word) break;
    seen_word = seen_word || word;
    --keep;
  }
  if (lflag(tty::kEcho) && lflag(tty::kEchoe)) {
    while (line_.size() > keep) erase_last();
    return;
  }
  line_.erase(keep);
  if (lflag(tty::kEcho)) echo_char(werase_char);
}

}  // namespace se::kernel
