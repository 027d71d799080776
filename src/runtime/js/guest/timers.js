'use strict';
// The guest side of the event loop: timers (a binary heap), immediates, the nextTick queue,
// microtask/rejection draining and the wake-up hint the native loop sleeps on.
// Phase order per loop turn (the native loop calls these): external events, immediates, timers.
// After every callback the nextTick queue and the microtask queue are drained, as in Node.

const { now, runMicrotasks, takeRejections, enqueueMicrotask } = native;
const TIMEOUT_MAX = 2 ** 31 - 1;

function checkCallback(callback) {
  if (typeof callback !== 'function') throw internal.invalidArgType('callback', 'of type function', callback);
}

// ---- nextTick ----------------------------------------------------------------------------------

let tickQueue = [];
let tickHead = 0;

function nextTick(callback, ...args) {
  checkCallback(callback);
  tickQueue[tickQueue.length] = { __proto__: null, callback, args };
}

// Runs nextTick callbacks and microtasks until both queues are empty, then reports rejections
// nobody handled. Exceptions propagate to the native loop, which routes them to onUncaught and
// calls drain() again; the queue position survives that.
function drain() {
  for (;;) {
    while (tickHead < tickQueue.length) {
      const tick = tickQueue[tickHead];
      tickQueue[tickHead++] = undefined;
      internal.callGuest(tick.callback, undefined, tick.args);
    }
    tickQueue = [];
    tickHead = 0;
    runMicrotasks();
    if (tickQueue.length > 0) continue;
    const rejections = takeRejections();
    if (rejections === undefined) return;
    for (let i = 0; i < rejections.length; i += 2) internal.onUnhandledRejection(rejections[i + 1], rejections[i]);
  }
}

function queueMicrotask(callback) {
  checkCallback(callback);
  enqueueMicrotask(() => {
    try {
      callback();
    } catch (err) {
      internal.reportUncaught(err);
    }
  });
}

// ---- timers ------------------------------------------------------------------------------------

const heap = [];  // entries { when, seq, timer, token }; an entry is stale once timer.token moved on
let sequence = 0;
let nextTimerId = 1;
let refedTimers = 0;
const timersById = new Map();

function heapLess(a, b) {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq);
}

function heapPush(entry) {
  let i = heap.length;
  heap[i] = entry;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!heapLess(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function heapPop() {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heapLess(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && heapLess(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
  return top;
}

// The earliest live heap entry, dropping stale ones.
function heapPeek() {
  while (heap.length > 0 && !heap[0].timer.isCurrent(heap[0].token)) heapPop();
  return heap.length > 0 ? heap[0] : undefined;
}

class Timeout {
  #callback;
  #args;
  #delay;
  #repeat;
  #id = nextTimerId++;
  #refed = true;
  #active = false;
  #token = 0;  // bumped on every (re)schedule and cancel; older heap entries are stale

  constructor(callback, delay, args, repeat) {
    delay = Number(delay);
    // Node's rule: anything outside [1, 2^31-1] (NaN included) becomes 1 ms.
    if (!(delay >= 1 && delay <= TIMEOUT_MAX)) delay = 1;
    this.#callback = callback;
    this.#args = args;
    this.#delay = delay;
    this.#repeat = repeat;
  }

  isCurrent(token) {
    return token === this.#token;
  }

  start() {
    this.schedule(now() + this.#delay);
    return this;
  }

  schedule(at) {
    if (!this.#active) {
      this.#active = true;
      if (this.#refed) refedTimers++;
      timersById.set(this.#id, this);
    }
    this.#token++;
    heapPush({ __proto__: null, when: at, seq: sequence++, timer: this, token: this.#token });
  }

  cancel() {
    if (!this.#active) return;
    this.#active = false;
    this.#token++;
    if (this.#refed) refedTimers--;
    timersById.delete(this.#id);
  }

  // Runs the callback of a due timer; repeating timers are rescheduled after it returns (or throws).
  fire(nowMs) {
    const token = this.#token;
    if (!this.#repeat) this.cancel();
    try {
      internal.callGuest(this.#callback, this, this.#args);
    } finally {
      if (this.#repeat && this.#active && this.#token === token) this.schedule(nowMs + this.#delay);
    }
  }

  ref() {
    if (!this.#refed) {
      this.#refed = true;
      if (this.#active) refedTimers++;
    }
    return this;
  }

  unref() {
    if (this.#refed) {
      this.#refed = false;
      if (this.#active) refedTimers--;
    }
    return this;
  }

  hasRef() {
    return this.#refed;
  }

  refresh() {
    if (this.#active) this.start();
    return this;
  }

  close() {
    this.cancel();
    return this;
  }

  [Symbol.toPrimitive]() {
    return this.#id;
  }
}

function setTimeout(callback, delay, ...args) {
  checkCallback(callback);
  return new Timeout(callback, delay, args, false).start();
}

function setInterval(callback, delay, ...args) {
  checkCallback(callback);
  return new Timeout(callback, delay, args, true).start();
}

function clearTimer(timer) {
  if (timer instanceof Timeout) {
    timer.cancel();
    return;
  }
  if (typeof timer === 'number' || typeof timer === 'string') timersById.get(Number(timer))?.cancel();
}

function runTimers(nowMs) {
  for (;;) {
    const top = heapPeek();
    if (top === undefined || top.when > nowMs) return;
    heapPop();
    top.timer.fire(nowMs);
    drain();
  }
}

// ---- immediates --------------------------------------------------------------------------------

let immediateQueue = [];
let pendingImmediates = 0;
let refedImmediates = 0;

class Immediate {
  #callback;
  #args;
  #refed = true;
  #pending = true;

  constructor(callback, args) {
    this.#callback = callback;
    this.#args = args;
    pendingImmediates++;
    refedImmediates++;
  }

  cancel() {
    if (!this.#pending) return false;
    this.#pending = false;
    pendingImmediates--;
    if (this.#refed) refedImmediates--;
    return true;
  }

  run() {
    if (this.cancel()) internal.callGuest(this.#callback, this, this.#args);
  }

  ref() {
    if (!this.#refed) {
      this.#refed = true;
      if (this.#pending) refedImmediates++;
    }
    return this;
  }

  unref() {
    if (this.#refed) {
      this.#refed = false;
      if (this.#pending) refedImmediates--;
    }
    return this;
  }

  hasRef() {
    return this.#refed;
  }
}

function setImmediate(callback, ...args) {
  checkCallback(callback);
  const immediate = new Immediate(callback, args);
  immediateQueue[immediateQueue.length] = immediate;
  return immediate;
}

function clearImmediate(immediate) {
  if (immediate instanceof Immediate) immediate.cancel();
}

// Runs the immediates queued before this phase started; ones queued meanwhile wait a turn.
function runImmediates() {
  if (pendingImmediates === 0) {
    immediateQueue = [];
    return;
  }
  const batch = immediateQueue;
  immediateQueue = [];
  let i = 0;
  try {
    for (; i < batch.length; i++) {
      batch[i].run();
      drain();
    }
  } finally {
    if (i + 1 < batch.length) immediateQueue = batch.slice(i + 1).concat(immediateQueue);
  }
}

// ---- loop bookkeeping --------------------------------------------------------------------------

// Handles such as a flowing stdin keep the loop alive while referenced.
let refedHandles = 0;
internal.refHandle = () => {
  refedHandles++;
};
internal.unrefHandle = () => {
  refedHandles--;
};

// What the native loop should do next: -1 nothing keeps the process alive; 0 run again now;
// otherwise sleep until this uptime in milliseconds (Infinity: until an external event).
function alive() {
  return refedTimers > 0 || refedImmediates > 0 || refedHandles > 0;
}

function nextWake() {
  if (!alive()) return -1;
  if (pendingImmediates > 0) return 0;
  const top = heapPeek();
  return top === undefined ? Infinity : top.when;
}

// Unreferenced immediates and timers run only while something else keeps the loop going.
function tick() {
  if (alive()) runImmediates();
  if (alive()) runTimers(now());
  return nextWake();
}

internal.nextTick = nextTick;
internal.drain = drain;
internal.tick = tick;
internal.nextWake = nextWake;
internal.timers = {
  __proto__: null, setTimeout, setInterval, setImmediate, clearTimeout: clearTimer, clearInterval: clearTimer,
  clearImmediate, queueMicrotask,
};
