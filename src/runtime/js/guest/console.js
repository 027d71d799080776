'use strict';
// The global console: util.format semantics, stdout for log/info/debug/dir, stderr for
// error/warn/trace/assert, plus counters, timers and group indentation. Output goes through
// process.stdout/stderr.write so programs that replace those see console output too.

const { now } = native;
const { format, formatWithOptions, inspect } = internal;

const counts = new Map();
const timers = new Map();
let groupIndent = '';

function emit(streamName, text) {
  if (groupIndent !== '') text = groupIndent + text.split('\n').join(`\n${groupIndent}`);
  internal.process[streamName].write(`${text}\n`);
}

function formatDuration(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
  return `${ms.toFixed(3)}ms`;
}

function timeLabel(label) {
  return label === undefined ? 'default' : `${label}`;
}

const console = {
  log(...args) {
    emit('stdout', format(...args));
  },
  info(...args) {
    emit('stdout', format(...args));
  },
  debug(...args) {
    emit('stdout', format(...args));
  },
  dirxml(...args) {
    emit('stdout', format(...args));
  },
  error(...args) {
    emit('stderr', format(...args));
  },
  warn(...args) {
    emit('stderr', format(...args));
  },
  dir(value, options) {
    emit('stdout', inspect(value, { customInspect: false, ...options }));
  },
  trace(...args) {
    const error = { name: 'Trace', message: formatWithOptions(undefined, ...args) };
    Error.captureStackTrace(error, console.trace);
    emit('stderr', error.stack);
  },
  assert(condition, ...args) {
    if (condition) return;
    if (args.length > 0 && typeof args[0] === 'string') {
      args[0] = `Assertion failed: ${args[0]}`;
      emit('stderr', format(...args));
    } else {
      emit('stderr', args.length > 0 ? format('Assertion failed:', ...args) : 'Assertion failed');
    }
  },
  count(label) {
    const key = timeLabel(label);
    const value = (counts.get(key) ?? 0) + 1;
    counts.set(key, value);
    emit('stdout', `${key}: ${value}`);
  },
  countReset(label) {
    const key = timeLabel(label);
    if (!counts.has(key)) {
      internal.process.emitWarning(`Count for '${key}' does not exist`);
      return;
    }
    counts.set(key, 0);
  },
  time(label) {
    const key = timeLabel(label);
    if (timers.has(key)) {
      internal.process.emitWarning(`Label '${key}' already exists for console.time()`);
      return;
    }
    timers.set(key, now());
  },
  timeEnd(label) {
    const key = timeLabel(label);
    const started = timers.get(key);
    if (started === undefined) {
      internal.process.emitWarning(`No such label '${key}' for console.timeEnd()`);
      return;
    }
    timers.delete(key);
    emit('stdout', `${key}: ${formatDuration(now() - started)}`);
  },
  timeLog(label, ...data) {
    const key = timeLabel(label);
    const started = timers.get(key);
    if (started === undefined) {
      internal.process.emitWarning(`No such label '${key}' for console.timeLog()`);
      return;
    }
    emit('stdout', format(`${key}: ${formatDuration(now() - started)}`, ...data));
  },
  group(...label) {
    if (label.length > 0) this.log(...label);
    groupIndent += '  ';
  },
  groupCollapsed(...label) {
    if (label.length > 0) this.log(...label);
    groupIndent += '  ';
  },
  groupEnd() {
    groupIndent = groupIndent.slice(0, Math.max(0, groupIndent.length - 2));
  },
  table(data, properties) {
    if (data === null || typeof data !== 'object') {
      emit('stdout', format(data));
      return;
    }
    emit('stdout', renderTable(data, properties));
  },
};

function tableCell(value) {
  const compactDepth = value !== null && typeof value === 'object' && !Array.isArray(value) &&
                       Object.keys(value).length > 2 ? -1 : 0;
  return inspect(value, { depth: compactDepth, maxArrayLength: 3, breakLength: Infinity });
}

// Box-drawn table with left-aligned cells, laid out like Node's console.table.
function renderTable(data, properties) {
  const columns = [];
  let hasValues = false;
  const rows = [];
  for (const index of Object.keys(data)) {
    const row = data[index];
    const cells = new Map();
    if (row !== null && typeof row === 'object') {
      for (const key of Object.keys(row)) {
        if (!columns.includes(key)) columns.push(key);
        cells.set(key, tableCell(row[key]));
      }
    } else {
      hasValues = true;
      cells.set(undefined, tableCell(row));
    }
    rows.push([index, cells]);
  }
  const shown = Array.isArray(properties) ? properties.map(String) : columns;
  const header = ['(index)', ...shown, ...(hasValues ? ['Values'] : [])];
  const body = rows.map(([index, cells]) => [index, ...shown.map((key) => cells.get(key) ?? ''),
                                             ...(hasValues ? [cells.get(undefined) ?? ''] : [])]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((row) => row[i].length)) + 2);
  const rule = (left, middle, right) => left + widths.map((width) => '─'.repeat(width)).join(middle) + right;
  const line = (cells) => '│' + cells.map((cell, i) => ` ${cell}${' '.repeat(widths[i] - cell.length - 1)}`).join('│') + '│';
  return [rule('┌', '┬', '┐'), line(header), rule('├', '┼', '┤'), ...body.map(line), rule('└', '┴', '┘')].join('\n');
}

internal.console = console;
