'use strict';
// The VM's /bin/sh: a POSIX-sh subset (`bash` is an alias of it, not bash) run as its own guest
// process (EntryKind::kShell: process_runner calls internal.host.runShell). It is JavaScript in the
// bootstrap rather than C++ so it reuses everything a guest process already has (the kernel
// descriptor calls, spawn/wait/kill of children, signals, exit status) and costs no compile at
// start (it is in the snapshot).
// Supported: `sh -c CMD [arg0 args...]`, `sh FILE args`, `sh` / `sh -s` reading the script from
// stdin; words with '', "" and \ quoting; $VAR ${VAR} ${VAR:-x} ${VAR-x} $? $# $@ $* $$ $0..$9 ~;
// assignments and `VAR=x cmd`; pipelines (kernel pipes between the processes), && || ; newline !;
// redirections > >> < N> N>> N>&M N<&M; builtins cd pwd echo printf true false exit test [ : export
// unset set (-e/+e). Anything else the grammar knows (here-documents, subshells, functions, loops,
// conditionals, command substitution, arithmetic, globbing, background jobs) is refused with
// "sh: LINE: ... not supported" and status 2 before any command runs: never a silent misparse.
// Every external command is a kernel process started with childSpawn; PATH lookup is the kernel
// side's (service/child_processes.cc).

const { childSpawn, childWait, childPipe } = native;

const STDIO_INHERIT = -2;
const O_RDONLY = 0;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;
// Bytes one read of a script from stdin asks for, and the most a script may hold.
const READ_CHUNK = 64 * 1024;
const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;

// strerror(3) texts for the codes a redirection or spawn reports.
const errnoTexts = {
  __proto__: null,
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EEXIST: 'File exists',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EFBIG: 'File too large',
  EAGAIN: 'Resource temporarily unavailable',
  ENOEXEC: 'Exec format error',
  E2BIG: 'Argument list too long',
};

// What a kernel error says: strerror, or the kernel's own text when it names the VM limit hit.
function describe(error) {
  const message = typeof error?.message === 'string' ? error.message : String(error);
  if (message.includes('limit')) return message;
  return errnoTexts[error?.code] ?? message;
}

class ShellSyntaxError extends Error {}
class ShellExit extends Error {
  constructor(status) {
    super('exit');
    this.status = status;
  }
}

// ---- lexer -------------------------------------------------------------------------------------

const reserved = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac',
                          'function', 'select', '{', '}', '[[', ']]']);
const nameStart = /[A-Za-z_]/;
const nameChar = /[A-Za-z0-9_]/;
const specialParams = new Set(['?', '#', '@', '*', '$', '!', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

function unsupported(line, what) {
  return new ShellSyntaxError(`${line}: ${what} not supported by this shell`);
}

// Splits `text` into words (parts: literal text or parameters, each marked quoted or not) and
// operators, with the line each starts on.
function tokenize(text) {
  const tokens = [];
  let i = 0;
  let line = 1;
  let parts = null;
  let wordLine = 1;
  const literal = (value, quoted) => {
    const last = parts[parts.length - 1];
    if (last !== undefined && last.kind === 'lit' && last.quoted === quoted) last.value += value;
    else parts.push({ __proto__: null, kind: 'lit', value, quoted });
  };
  const startWord = () => {
    if (parts === null) {
      parts = [];
      wordLine = line;
    }
  };
  const endWord = () => {
    if (parts === null) return;
    for (const part of parts) {
      if (part.kind === 'lit' && !part.quoted && (/[*?]/.test(part.value) || /\[[^\]]*\]/.test(part.value))) {
        throw unsupported(wordLine, `globbing ('${part.value}') is`);
      }
    }
    tokens.push({ __proto__: null, type: 'word', parts, line: wordLine });
    parts = null;
  };
  const operator = (op) => {
    endWord();
    tokens.push({ __proto__: null, type: 'op', op, line });
  };

  // $... at text[i] (the '$'); returns the index after it.
  const parameter = (quoted) => {
    const next = text[i + 1];
    if (next === '(') {
      throw unsupported(line, text[i + 2] === '(' ? 'arithmetic expansion $((...)) is' : 'command substitution $(...) is');
    }
    if (next === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new ShellSyntaxError(`${line}: Syntax error: Missing '}'`);
      const body = text.slice(i + 2, end);
      const match = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#@*$!-])(?:(:?[-=?+])(.*))?$/s.exec(body);
      if (match === null) throw unsupported(line, `the expansion \${${body}} is`);
      if (match[2] !== undefined && match[2] !== '-' && match[2] !== ':-') {
        throw unsupported(line, `the expansion \${${body}} is`);
      }
      parts.push({ __proto__: null, kind: 'param', name: match[1], op: match[2], word: match[3], quoted });
      return end + 1;
    }
    if (next !== undefined && specialParams.has(next)) {
      parts.push({ __proto__: null, kind: 'param', name: next, quoted });
      return i + 2;
    }
    if (next !== undefined && nameStart.test(next)) {
      let end = i + 2;
      while (end < text.length && nameChar.test(text[end])) end++;
      parts.push({ __proto__: null, kind: 'param', name: text.slice(i + 1, end), quoted });
      return end;
    }
    literal('$', quoted);
    return i + 1;
  };

  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      operator('\n');
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
    } else if (c === '#' && parts === null) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '\\') {
      startWord();
      if (text[i + 1] === '\n') {
        line++;
      } else if (i + 1 < text.length) {
        literal(text[i + 1], true);
      }
      i += 2;
    } else if (c === "'") {
      startWord();
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError(`${line}: Syntax error: Unterminated quoted string`);
      const quoted = text.slice(i + 1, end);
      literal(quoted, true);
      for (const ch of quoted) if (ch === '\n') line++;
      i = end + 1;
    } else if (c === '"') {
      startWord();
      const partsBefore = parts.length;
      i++;
      for (;;) {
        if (i >= text.length) throw new ShellSyntaxError(`${line}: Syntax error: Unterminated quoted string`);
        const d = text[i];
        if (d === '"') {
          // "" is an empty word of its own; "$@" with no positionals is none.
          if (parts.length === partsBefore) literal('', true);
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1])) {
          if (text[i + 1] === '\n') line++;
          else literal(text[i + 1], true);
          i += 2;
        } else if (d === '$') {
          i = parameter(true);
        } else if (d === '`') {
          throw unsupported(line, 'command substitution `...` is');
        } else {
          if (d === '\n') line++;
          literal(d, true);
          i++;
        }
      }
    } else if (c === '$') {
      startWord();
      i = parameter(false);
    } else if (c === '`') {
      throw unsupported(line, 'command substitution `...` is');
    } else if (c === '|' || c === '&' || c === ';') {
      const two = text.slice(i, i + 2);
      if (two === '||' || two === '&&') {
        operator(two);
        i += 2;
      } else if (two === ';;') {
        throw unsupported(line, "'case' (;;) is");
      } else if (c === '&') {
        throw unsupported(line, "background jobs ('&') are");
      } else {
        operator(c);
        i++;
      }
    } else if (c === '(' || c === ')') {
      throw unsupported(line, 'subshells and functions (parentheses) are');
    } else if (c === '<' || c === '>') {
      // A word of digits right before the operator is the descriptor it redirects.
      let fd = null;
      if (parts !== null && parts.length === 1 && parts[0].kind === 'lit' && !parts[0].quoted &&
          /^[0-9]$/.test(parts[0].value)) {
        fd = Number(parts[0].value);
        if (fd > 2) throw unsupported(line, `redirecting descriptor ${fd} is`);
        parts = null;
      }
      endWord();
      let op = c;
      const rest = text[i + 1];
      if (c === '<' && rest === '<') throw unsupported(line, 'here-documents (<<) are');
      if (c === '<' && rest === '>') throw unsupported(line, 'the <> redirection is');
      if (rest === '&' || (c === '>' && (rest === '>' || rest === '|'))) op += rest;
      if (op === '>|') op = '>';
      i += op.length + (c === '>' && rest === '|' ? 1 : 0);
      tokens.push({ __proto__: null, type: 'redirect', op, fd, line });
    } else {
      startWord();
      literal(c, false);
      i++;
    }
  }
  endWord();
  return tokens;
}

// ---- parser ------------------------------------------------------------------------------------

// list := andOr ((';' | '\n') andOr)* ; andOr := pipeline (('&&' | '||') newline* pipeline)* ;
// pipeline := ['!'] command ('|' newline* command)* ; command := (assignment | word | redirect)+
function parse(tokens) {
  let position = 0;
  const peek = () => tokens[position];
  const isOp = (token, op) => token !== undefined && token.type === 'op' && token.op === op;
  const skipNewlines = () => {
    while (isOp(peek(), '\n')) position++;
  };
  const unexpected = (token) => {
    const shown = token === undefined ? 'end of file' : `"${token.op === '\n' ? 'newline' : token.op}"`;
    return new ShellSyntaxError(`${token?.line ?? lastLine()}: Syntax error: ${shown} unexpected`);
  };
  const lastLine = () => (tokens.length > 0 ? tokens[tokens.length - 1].line : 1);

  const command = () => {
    const node = { __proto__: null, assignments: [], words: [], redirects: [], line: peek()?.line ?? lastLine() };
    for (;;) {
      const token = peek();
      if (token === undefined || token.type === 'op') break;
      position++;
      if (token.type === 'redirect') {
        const target = peek();
        if (target === undefined || target.type !== 'word') throw unexpected(target);
        position++;
        node.redirects.push({ __proto__: null, op: token.op, fd: token.fd, target, line: token.line });
        continue;
      }
      const head = token.parts[0];
      if (node.words.length === 0) {
        const assignment = head.kind === 'lit' && !head.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(head.value) : null;
        if (assignment !== null) {
          const valueParts = [{ __proto__: null, ...head, value: head.value.slice(assignment[0].length) },
                              ...token.parts.slice(1)];
          node.assignments.push({ __proto__: null, name: assignment[1], value: valueParts });
          continue;
        }
        if (token.parts.length === 1 && head.kind === 'lit' && !head.quoted && reserved.has(head.value)) {
          throw unsupported(token.line, `'${head.value}' (compound commands) is`);
        }
        if (token.parts.length === 1 && head.kind === 'lit' && !head.quoted && head.value === '!') {
          throw unexpected({ op: '!', line: token.line });
        }
      }
      node.words.push(token);
    }
    if (node.words.length === 0 && node.assignments.length === 0 && node.redirects.length === 0) {
      throw unexpected(peek());
    }
    return node;
  };

  const pipeline = () => {
    let negated = false;
    const first = peek();
    if (first?.type === 'word' && first.parts.length === 1 && first.parts[0].kind === 'lit' &&
        !first.parts[0].quoted && first.parts[0].value === '!') {
      negated = true;
      position++;
    }
    const commands = [command()];
    while (isOp(peek(), '|')) {
      position++;
      skipNewlines();
      commands.push(command());
    }
    return { __proto__: null, negated, commands };
  };

  const andOr = () => {
    const items = [{ __proto__: null, op: null, pipeline: pipeline() }];
    while (isOp(peek(), '&&') || isOp(peek(), '||')) {
      const op = peek().op;
      position++;
      skipNewlines();
      items.push({ __proto__: null, op, pipeline: pipeline() });
    }
    return items;
  };

  const list = [];
  for (;;) {
    skipNewlines();
    if (peek() === undefined) break;
    list.push(andOr());
    const separator = peek();
    if (separator === undefined) break;
    if (!isOp(separator, ';') && !isOp(separator, '\n')) throw unexpected(separator);
    position++;
  }
  return list;
}

// ---- the shell ---------------------------------------------------------------------------------

class Shell {
  constructor(name, positional) {
    this.name = name;  // $0
    this.positional = positional;
    this.status = 0;
    this.errexit = false;
    this.line = 1;
    this.vars = { __proto__: null };
    this.exported = new Set();
    const env = internal.process.env;
    for (const key of Object.keys(env)) {
      this.vars[key] = String(env[key]);
      this.exported.add(key);
    }
    this.vars.PWD = internal.cwd;
    this.exported.add('PWD');
  }

  error(message) {
    this.write(2, `sh: ${this.line}: ${message}\n`);
  }

  write(fd, text) {
    try {
      internal.kernel.write(fd, text, -1);
    } catch {
      // A closed or broken output: like sh, the builtin's status is unaffected.
    }
  }

  // ---- expansion ----

  param(name) {
    switch (name) {
      case '?': return String(this.status);
      case '#': return String(this.positional.length);
      case '$': return String(internal.process.pid);
      case '0': return this.name;
      case '-': return this.errexit ? 'e' : '';
      case '!': return '';
      case '@':
      case '*': return this.positional.join(' ');
      default:
        if (/^[0-9]+$/.test(name)) return this.positional[Number(name) - 1];
        return this.vars[name];
    }
  }

  // A word's fields: parameters expanded, unquoted expansions split on blanks; null parts of
  // "$@" with no positionals leave no field.
  expand(word, split = true) {
    const fields = [];
    let current = '';
    let started = false;
    const breakField = () => {
      if (started) fields.push(current);
      current = '';
      started = false;
    };
    const append = (text, keep) => {
      current += text;
      if (keep) started = true;
    };
    word.parts.forEach((part, index) => {
      if (part.kind === 'lit') {
        let value = part.value;
        if (!part.quoted && index === 0 && (value === '~' || value.startsWith('~/'))) {
          value = (this.vars.HOME ?? '/') + value.slice(1);
        }
        append(value, part.quoted || value.length > 0);
        return;
      }
      if (part.name === '@' && part.quoted && split) {
        this.positional.forEach((value, n) => {
          if (n > 0) breakField();
          append(value, true);
        });
        return;
      }
      let value = this.param(part.name);
      if (part.op !== undefined && (value === undefined || (part.op === ':-' && value === ''))) {
        value = this.expand({ parts: tokenize(part.word).flatMap((t) => t.parts ?? []), line: word.line }, false)
          .join(' ');
      }
      value ??= '';
      if (part.quoted || !split) {
        append(value, true);
        return;
      }
      const pieces = value.split(/[ \t\n]+/);
      pieces.forEach((piece, n) => {
        if (n > 0) breakField();
        append(piece, piece.length > 0);
      });
    });
    breakField();
    return split ? fields : [fields.join('')];
  }

  expandWords(words) {
    const fields = [];
    for (const word of words) fields.push(...this.expand(word));
    return fields;
  }

  // ---- redirections ----

  // Applies `redirects` on top of `io` (descriptor numbers of this process for the command's 0, 1
  // and 2; -1 closed); returns the new map and the descriptors opened, which the caller closes.
  redirect(redirects, io) {
    const map = [...io];
    const opened = [];
    try {
      for (const r of redirects) {
        this.line = r.line;
        const target = this.expand(r.target, false)[0];
        const fd = r.fd ?? (r.op.startsWith('<') ? 0 : 1);
        if (r.op === '>&' || r.op === '<&') {
          if (target === '-') {
            map[fd] = -1;
          } else if (/^[0-2]$/.test(target)) {
            map[fd] = map[Number(target)];
          } else {
            throw new ShellSyntaxError(`${r.line}: the redirection ${r.op}${target} not supported by this shell`);
          }
          continue;
        }
        const path = internal.kernel.resolvePath(internal.cwd, target);
        const flags = r.op === '<' ? O_RDONLY : O_WRONLY | O_CREAT | (r.op === '>>' ? O_APPEND : O_TRUNC);
        let opened_fd;
        try {
          opened_fd = internal.kernel.open(path, flags | O_CLOEXEC, 0o666);
        } catch (error) {
          // dash's wording for a missing file or directory.
          let reason = describe(error);
          if (error?.code === 'ENOENT') reason = r.op === '<' ? 'No such file' : 'Directory nonexistent';
          this.error(`cannot ${r.op === '<' ? 'open' : 'create'} ${target}: ${reason}`);
          throw new RedirectFailed();
        }
        opened.push(opened_fd);
        map[fd] = opened_fd;
      }
    } catch (error) {
      this.closeAll(opened);
      throw error;
    }
    return { map, opened };
  }

  closeAll(fds) {
    for (const fd of fds) {
      try {
        internal.kernel.close(fd);
      } catch {
        // Already closed.
      }
    }
  }

  // ---- execution ----

  run(list) {
    for (const andOr of list) this.runAndOr(andOr);
  }

  runAndOr(items) {
    let ran = null;
    for (const item of items) {
      if ((item.op === '&&' && this.status !== 0) || (item.op === '||' && this.status === 0)) continue;
      this.runPipeline(item.pipeline);
      ran = item;
    }
    // set -e: a failure ends the shell unless a && / || tested it or ! negated it.
    if (this.errexit && this.status !== 0 && ran === items[items.length - 1] && !ran.pipeline.negated) {
      throw new ShellExit(this.status);
    }
  }

  runPipeline(pipeline) {
    const { commands } = pipeline;
    let status;
    if (commands.length === 1) {
      status = this.runCommand(commands[0], [0, 1, 2], true);
    } else {
      status = this.runStages(commands);
    }
    this.status = pipeline.negated ? (status === 0 ? 1 : 0) : status;
  }

  // Every stage of `a | b | c` at once, connected by kernel pipes; the status is the last stage's.
  runStages(commands) {
    const stages = commands.map((node) => ({
      __proto__: null, node, builtin: this.isBuiltin(node), pid: 0, status: 0,
    }));
    const pipes = [];
    let failure = null;
    try {
      for (let i = 0; i + 1 < stages.length; i++) {
        // A builtin never reads its input: output meant for it is discarded without a pipe.
        pipes.push(stages[i + 1].builtin ? null : childPipe(false));
      }
    } catch (error) {
      for (const pipe of pipes) if (pipe !== null) this.closeAll(pipe);
      this.line = commands[0].line;
      this.error(`cannot create a pipe: ${describe(error)}`);
      return 2;
    }
    const stdinOf = (i) => (i === 0 ? 0 : (pipes[i - 1]?.[0] ?? -1));
    const stdoutOf = (i) => (i === stages.length - 1 ? 1 : (pipes[i]?.[1] ?? -1));
    const release = (i) => {
      if (i > 0 && pipes[i - 1] !== null) this.closeAll([pipes[i - 1][0]]);
      if (i < pipes.length && pipes[i] !== null) this.closeAll([pipes[i][1]]);
    };
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i];
      if (stage.builtin) continue;
      // After a failure to fork the rest only give up their pipe ends (so the started ones end).
      if (failure === null) {
        try {
          stage.pid = this.startExternal(stage.node, [stdinOf(i), stdoutOf(i), 2]);
        } catch (error) {
          if (!(error instanceof CommandFailed)) throw error;
          stage.status = error.status;
          if (error.fatal) failure = error;
        }
      }
      release(i);
    }
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i];
      if (!stage.builtin) continue;
      // A pipeline stage is a subshell: its `exit` ends only the stage.
      try {
        stage.status = failure === null ? this.runCommand(stage.node, [-1, stdoutOf(i), 2], false) : 1;
      } catch (error) {
        if (!(error instanceof ShellExit)) throw error;
        stage.status = error.status;
      }
      release(i);
    }
    for (const stage of stages) if (stage.pid > 0) stage.status = this.waitFor(stage.pid);
    if (failure !== null) return failure.status;
    return stages[stages.length - 1].status;
  }

  isBuiltin(node) {
    if (node.words.length === 0) return true;
    const head = node.words[0].parts;
    return head.length === 1 && head[0].kind === 'lit' && builtins[head[0].value] !== undefined;
  }

  // One command in the foreground: a builtin, assignments only, or an external command waited for.
  runCommand(node, io, inShell) {
    this.line = node.line;
    const fields = this.expandWords(node.words);
    if (fields.length === 0) {
      const values = node.assignments.map((a) => [a.name, this.expand({ parts: a.value, line: node.line }, false)[0]]);
      try {
        const { opened } = this.redirect(node.redirects, io);
        this.closeAll(opened);
      } catch (error) {
        if (error instanceof RedirectFailed) return 2;
        throw error;
      }
      if (inShell) for (const [name, value] of values) this.vars[name] = value;
      return 0;
    }
    const builtin = builtins[fields[0]];
    if (builtin === undefined) {
      try {
        const pid = this.startExternal(node, io, fields);
        return this.waitFor(pid);
      } catch (error) {
        if (error instanceof CommandFailed) return error.status;
        throw error;
      }
    }
    let redirected;
    try {
      redirected = this.redirect(node.redirects, io);
    } catch (error) {
      if (error instanceof RedirectFailed) return 2;
      throw error;
    }
    try {
      return builtin.call(this, fields.slice(1), redirected.map, inShell);
    } finally {
      this.closeAll(redirected.opened);
    }
  }

  // Starts an external command with descriptors `io` (after its redirections); returns its pid.
  // Throws CommandFailed with sh's status when it cannot start.
  startExternal(node, io, fields = this.expandWords(node.words)) {
    this.line = node.line;
    const env = { __proto__: null };
    for (const name of this.exported) if (this.vars[name] !== undefined) env[name] = this.vars[name];
    for (const a of node.assignments) env[a.name] = this.expand({ parts: a.value, line: node.line }, false)[0];
    let redirected;
    try {
      redirected = this.redirect(node.redirects, io);
    } catch (error) {
      if (error instanceof RedirectFailed) throw new CommandFailed(2, false);
      throw error;
    }
    const envPairs = [];
    for (const name of Object.keys(env)) envPairs.push(name, env[name]);
    const codes = new Int32Array(3);
    for (let fd = 0; fd < 3; fd++) codes[fd] = redirected.map[fd] < 0 ? -3 : redirected.map[fd];
    // The shell's own 0/1/2 pass on as they are (a descriptor it lacks stays closed).
    for (let fd = 0; fd < 3; fd++) if (codes[fd] === fd) codes[fd] = STDIO_INHERIT;
    try {
      return childSpawn(fields[0], fields.slice(1), internal.cwd, envPairs, codes)[0];
    } catch (error) {
      throw this.spawnFailure(fields[0], error);
    } finally {
      this.closeAll(redirected.opened);
    }
  }

  spawnFailure(command, error) {
    switch (error?.code) {
      case 'ENOENT':
        this.error(`${command}: not found`);
        return new CommandFailed(127, false);
      case 'EACCES':
        this.error(`${command}: Permission denied`);
        return new CommandFailed(126, false);
      case 'ENOEXEC':
        this.error(`${command}: Exec format error`);
        return new CommandFailed(126, false);
      case 'EAGAIN':
        this.error(`cannot fork ${command}: ${describe(error)} (EAGAIN)`);
        return new CommandFailed(2, true);
      default:
        if (typeof error?.code !== 'string') throw error;
        this.error(`${command}: ${describe(error)} (${error.code})`);
        return new CommandFailed(126, false);
    }
  }

  // waitpid; a child killed by signal N is status 128 + N.
  waitFor(pid) {
    const result = childWait(pid, false, -1);
    return result[2] !== 0 ? 128 + result[2] : result[1];
  }
}

class RedirectFailed extends Error {}
class CommandFailed extends Error {
  constructor(status, fatal) {
    super('command failed');
    this.status = status;
    this.fatal = fatal;
  }
}

// ---- builtins ----------------------------------------------------------------------------------

function echoEscapes(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case 'c': return { text: out, stop: true };
      case '0': {
        const digits = /^[0-7]{0,3}/.exec(text.slice(i + 1))[0];
        out += String.fromCharCode(parseInt(digits || '0', 8));
        i += digits.length;
        break;
      }
      default: out += `\\${n}`;
    }
  }
  return { text: out, stop: false };
}

// printf FORMAT [ARGS]: %s %b %d %i %u %x %X %o %c %%, widths and '-' flags; the format repeats
// while arguments remain.
function formatPrintf(format, args) {
  let out = '';
  let index = 0;
  let consumed;
  do {
    consumed = false;
    const escaped = echoEscapes(format);
    const text = escaped.text;
    for (let i = 0; i < text.length; i++) {
      if (text[i] !== '%') {
        out += text[i];
        continue;
      }
      const spec = /^%([-0 +#]*)([0-9]*)(?:\.([0-9]*))?([sbdiuxXoc%])/.exec(text.slice(i));
      if (spec === null) {
        out += '%';
        continue;
      }
      i += spec[0].length - 1;
      const [, flags, width, precision, conversion] = spec;
      if (conversion === '%') {
        out += '%';
        continue;
      }
      const arg = index < args.length ? args[index] : undefined;
      if (arg !== undefined) consumed = true;
      index++;
      let value;
      if (conversion === 's') {
        value = arg ?? '';
        if (precision !== undefined) value = value.slice(0, Number(precision));
      } else if (conversion === 'b') {
        value = echoEscapes(arg ?? '').text;
      } else if (conversion === 'c') {
        value = (arg ?? '').slice(0, 1);
      } else {
        const number = Math.trunc(Number(arg ?? 0)) || 0;
        const radix = conversion === 'x' || conversion === 'X' ? 16 : conversion === 'o' ? 8 : 10;
        value = Math.abs(number).toString(radix);
        if (conversion === 'X') value = value.toUpperCase();
        if (number < 0) value = `-${value}`;
        else if (flags.includes('+')) value = `+${value}`;
      }
      const pad = Number(width || 0) - value.length;
      if (pad > 0) {
        if (flags.includes('-')) value += ' '.repeat(pad);
        else if (flags.includes('0') && conversion !== 's') value = value.replace(/^([+-]?)/, `$1${'0'.repeat(pad)}`);
        else value = ' '.repeat(pad) + value;
      }
      out += value;
    }
    if (escaped.stop) break;
  } while (consumed && index < args.length);
  return out;
}

function statOrNull(path, follow) {
  try {
    return follow ? internal.kernel.stat(path) : internal.kernel.lstat(path);
  } catch {
    return null;
  }
}

function accessible(path, mode) {
  try {
    internal.kernel.access(path, mode);
    return true;
  } catch {
    return false;
  }
}

const S_IFMT = 0o170000;
const fileTests = {
  __proto__: null,
  '-e': (s) => s !== null,
  '-f': (s) => s !== null && (s.mode & S_IFMT) === 0o100000,
  '-d': (s) => s !== null && (s.mode & S_IFMT) === 0o040000,
  '-p': (s) => s !== null && (s.mode & S_IFMT) === 0o010000,
  '-c': (s) => s !== null && (s.mode & S_IFMT) === 0o020000,
  '-s': (s) => s !== null && s.size > 0,
};
const integerTests = {
  __proto__: null,
  '-eq': (a, b) => a === b, '-ne': (a, b) => a !== b, '-lt': (a, b) => a < b,
  '-le': (a, b) => a <= b, '-gt': (a, b) => a > b, '-ge': (a, b) => a >= b,
};

class TestError extends Error {}

// test EXPR: 0 true, 1 false; throws TestError for what it cannot evaluate.
function evaluateTest(args) {
  if (args.length === 0) return false;
  if (args[0] === '!') return !evaluateTest(args.slice(1));
  if (args.length === 1) return args[0].length > 0;
  if (args.length === 2) {
    const [op, operand] = args;
    if (op === '-n') return operand.length > 0;
    if (op === '-z') return operand.length === 0;
    const path = internal.kernel.resolvePath(internal.cwd, operand);
    if (fileTests[op] !== undefined) return fileTests[op](statOrNull(path, true));
    if (op === '-L' || op === '-h') {
      const s = statOrNull(path, false);
      return s !== null && (s.mode & S_IFMT) === 0o120000;
    }
    if (op === '-r') return accessible(path, 4);
    if (op === '-w') return accessible(path, 2);
    if (op === '-x') return accessible(path, 1);
    throw new TestError(`${op}: unexpected operator`);
  }
  if (args.length === 3) {
    const [left, op, right] = args;
    if (op === '=' || op === '==') return left === right;
    if (op === '!=') return left !== right;
    if (integerTests[op] !== undefined) {
      const integer = (value) => {
        if (!/^\s*[-+]?[0-9]+\s*$/.test(value)) throw new TestError(`Illegal number: ${value}`);
        return Number(value);
      };
      return integerTests[op](integer(left), integer(right));
    }
    throw new TestError(`${op}: unexpected operator`);
  }
  throw new TestError('only one to three arguments (and !) are supported');
}

const builtins = {
  __proto__: null,
  ':': () => 0,
  true: () => 0,
  false: () => 1,
  echo(args, io) {
    let newline = true;
    if (args[0] === '-n') {
      newline = false;
      args = args.slice(1);
    }
    const escaped = echoEscapes(args.join(' '));
    if (io[1] >= 0) this.write(io[1], escaped.text + (newline && !escaped.stop ? '\n' : ''));
    return 0;
  },
  printf(args, io) {
    if (args.length === 0) {
      this.write(io[2], 'printf: usage: printf format [arg ...]\n');
      return 2;
    }
    if (io[1] >= 0) this.write(io[1], formatPrintf(args[0], args.slice(1)));
    return 0;
  },
  pwd(args, io) {
    if (io[1] >= 0) this.write(io[1], `${internal.cwd}\n`);
    return 0;
  },
  cd(args, io, inShell) {
    const target = args[0] === '-' ? this.vars.OLDPWD : (args[0] ?? this.vars.HOME);
    if (target === undefined) {
      this.error('cd: HOME not set');
      return 2;
    }
    if (!inShell) return 0;
    const previous = internal.cwd;
    try {
      internal.process.chdir(target);
    } catch (error) {
      this.error(`cd: can't cd to ${target}`);
      return 2;
    }
    this.vars.OLDPWD = previous;
    this.vars.PWD = internal.cwd;
    if (args[0] === '-' && io[1] >= 0) this.write(io[1], `${internal.cwd}\n`);
    return 0;
  },
  exit(args) {
    let status = this.status;
    if (args.length > 0) {
      if (!/^[0-9]+$/.test(args[0])) {
        this.error(`exit: Illegal number: ${args[0]}`);
        throw new ShellExit(2);
      }
      status = Number(args[0]) & 0xff;
    }
    throw new ShellExit(status);
  },
  export(args, io, inShell) {
    if (!inShell) return 0;
    for (const arg of args) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        this.error(`export: ${arg}: bad variable name`);
        return 2;
      }
      if (eq >= 0) this.vars[name] = arg.slice(eq + 1);
      this.exported.add(name);
    }
    return 0;
  },
  unset(args, io, inShell) {
    if (!inShell) return 0;
    for (const name of args) {
      if (name === '-v') continue;
      delete this.vars[name];
      this.exported.delete(name);
    }
    return 0;
  },
  set(args, io, inShell) {
    for (const arg of args) {
      if (arg === '-e' || arg === '+e') {
        if (inShell) this.errexit = arg === '-e';
      } else {
        this.error(`set: ${arg}: not supported by this shell (only -e and +e)`);
        return 2;
      }
    }
    return 0;
  },
  test(args, io) {
    try {
      return evaluateTest(args) ? 0 : 1;
    } catch (error) {
      if (!(error instanceof TestError)) throw error;
      this.write(io[2], `sh: ${this.line}: test: ${error.message}\n`);
      return 2;
    }
  },
  '['(args, io) {
    if (args[args.length - 1] !== ']') {
      this.write(io[2], `sh: ${this.line}: [: missing ]\n`);
      return 2;
    }
    return builtins.test.call(this, args.slice(0, -1), io);
  },
};

// ---- entry -------------------------------------------------------------------------------------

// The whole of descriptor 0 (a script piped to `sh` or `sh -s`), bounded.
function readStdinScript() {
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(READ_CHUNK);
    let count;
    try {
      count = internal.kernel.read(0, chunk, -1);
    } catch (error) {
      if (error?.code === 'EBADF') return '';
      throw error;
    }
    if (count === 0) break;
    total += count;
    if (total > MAX_SCRIPT_BYTES) throw new ShellSyntaxError(`0: the script exceeds ${MAX_SCRIPT_BYTES} bytes`);
    chunks.push(chunk.subarray(0, count));
  }
  return internal.Buffer.concat(chunks, total).toString('utf8');
}

// `sh [-e] [-c CMD [arg0 args...] | -s [args...] | FILE [args...]]`; returns the exit status.
function main(argv) {
  let errexit = false;
  let i = 0;
  let mode = 'file';
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (const flag of arg.slice(1)) {
      if (flag === 'c') mode = 'command';
      else if (flag === 's' && mode !== 'command') mode = 'stdin';
      else if (flag === 'e') errexit = true;
      else {
        internal.kernel.write(2, `sh: 0: Illegal option -${flag}\n`, -1);
        return 2;
      }
    }
  }
  let source;
  let name = 'sh';
  let positional;
  if (mode === 'command') {
    if (i >= argv.length) {
      internal.kernel.write(2, 'sh: 0: -c requires an argument\n', -1);
      return 2;
    }
    source = argv[i];
    name = argv[i + 1] ?? 'sh';
    positional = argv.slice(i + 2);
  } else if (mode === 'file' && i < argv.length && argv[i] !== '-') {
    name = argv[i];
    positional = argv.slice(i + 1);
    try {
      source = internal.kernel.readFileUtf8(internal.kernel.resolvePath(internal.cwd, name));
    } catch (error) {
      internal.kernel.write(2, `sh: 0: cannot open ${name}: ${describe(error)}\n`, -1);
      return 2;
    }
    if (source.startsWith('#!')) source = source.slice(source.indexOf('\n') + 1 || source.length);
  } else {
    positional = argv.slice(i);
    source = null;
  }
  const shell = new Shell(name, positional);
  shell.errexit = errexit;
  try {
    const program = parse(tokenize(source ?? readStdinScript()));
    shell.run(program);
  } catch (error) {
    if (error instanceof ShellExit) return error.status;
    if (error instanceof ShellSyntaxError) {
      shell.write(2, `${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return shell.status;
}

internal.host.runShell = () => {
  const status = main(internal.process.argv.slice(1));
  internal.process.exit(status);
};
