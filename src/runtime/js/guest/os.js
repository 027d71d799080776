'use strict';
// The `os` builtin: the VM's virtual identity, never the host's. The hostname is the VM's
// /etc/hostname when the guest can read it; CPU count and memory are fixed virtual values (the
// defaults spec/execution.md gives the `os` module); uptime is this process's.

const { now } = native;
const kFallbackHostname = 'sandbox';
const kTotalMemory = 1024 * 1024 * 1024;
const kFreeMemory = 512 * 1024 * 1024;
const kCpuCount = 1;

function hostname() {
  try {
    const text = internal.kernel?.readFileUtf8('/etc/hostname').trim();
    if (text) return text;
  } catch {
    // An unreadable /etc/hostname leaves the fixed name.
  }
  return kFallbackHostname;
}

function env(name) {
  const value = internal.process.env[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function homedir() {
  return env('HOME') ?? '/root';
}

function tmpdir() {
  let path = env('TMPDIR') ?? env('TMP') ?? env('TEMP') ?? '/tmp';
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

function userInfo(options) {
  const uid = internal.process.getuid();
  const username = env('USER') ?? (uid === 0 ? 'root' : 'user');
  const info = { uid, gid: internal.process.getgid(), username, homedir: homedir(), shell: env('SHELL') ?? '/bin/bash' };
  if (options?.encoding === 'buffer') {
    for (const key of ['username', 'homedir', 'shell']) info[key] = internal.Buffer.from(info[key]);
  }
  return info;
}

function cpus() {
  const list = [];
  for (let i = 0; i < kCpuCount; i++) {
    list.push({ model: 'Virtual CPU', speed: 2400, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } });
  }
  return list;
}

function load() {
  const constants = internal.freeze({
    signals: internal.freeze({ ...internal.signals }),
    errno: internal.freeze({}),
    priority: internal.freeze({
      PRIORITY_LOW: 19, PRIORITY_BELOW_NORMAL: 10, PRIORITY_NORMAL: 0, PRIORITY_ABOVE_NORMAL: -7,
      PRIORITY_HIGH: -14, PRIORITY_HIGHEST: -20,
    }),
  });
  return {
    EOL: '\n',
    devNull: '/dev/null',
    constants,
    arch: () => 'x64',
    platform: () => 'linux',
    type: () => 'Linux',
    release: () => '5.15.0',
    version: () => '#1 SMP',
    machine: () => 'x86_64',
    endianness: () => 'LE',
    hostname,
    homedir,
    tmpdir,
    userInfo,
    cpus,
    availableParallelism: () => kCpuCount,
    totalmem: () => kTotalMemory,
    freemem: () => kFreeMemory,
    uptime: () => Math.floor(now() / 1000),
    loadavg: () => [0, 0, 0],
    networkInterfaces: () => ({}),
    getPriority: () => 0,
    setPriority: () => {
      throw internal.notImplemented('os.setPriority()');
    },
  };
}

internal.defineBuiltin('os', load);
