// Web platform globals Node has: Event, EventTarget, AbortController, AbortSignal (abort,
// timeout, any). Also what readable-stream imports as `abort-controller`.
const kListeners = Symbol('listeners');
const kTrusted = Symbol('trusted');
let setPhase;
let isStopped;
let abortSignal;

class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #defaultPrevented = false;
  #timeStamp;
  #target = null;
  #currentTarget = null;
  #phase = 0;
  #stop = false;
  #trusted = false;

  constructor(type, options = undefined) {
    if (arguments.length === 0) {
      throw internal.codedError(TypeError, 'ERR_MISSING_ARGS', 'The "type" argument must be specified');
    }
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw internal.invalidArgType('options', 'of type object', options);
    }
    this.#type = `${type}`;
    this.#bubbles = Boolean(options?.bubbles);
    this.#cancelable = Boolean(options?.cancelable);
    this.#composed = Boolean(options?.composed);
    this.#timeStamp = typeof performance === 'object' ? performance.now() : 0;
    if (options?.[kTrusted] === true) this.#trusted = true;
  }

  get type() { return this.#type; }
  get bubbles() { return this.#bubbles; }
  get cancelable() { return this.#cancelable; }
  get composed() { return this.#composed; }
  get defaultPrevented() { return this.#cancelable && this.#defaultPrevented; }
  get timeStamp() { return this.#timeStamp; }
  get target() { return this.#target; }
  get currentTarget() { return this.#currentTarget; }
  get srcElement() { return this.#target; }
  get eventPhase() { return this.#phase; }
  get isTrusted() { return this.#trusted; }
  get returnValue() { return !this.defaultPrevented; }
  get cancelBubble() { return this.#stop; }
  set cancelBubble(value) { if (value) this.#stop = true; }

  composedPath() {
    return this.#phase === 0 ? [] : [this.#currentTarget];
  }

  preventDefault() {
    this.#defaultPrevented = true;
  }

  stopPropagation() {
    this.#stop = true;
  }

  stopImmediatePropagation() {
    this.#stop = true;
  }

  // Dispatch bookkeeping, visible only to this module.
  static {
    setPhase = (event, target, phase) => {
      if (phase === 2) {
        if (event.#phase !== 0) {
          throw new internal.DOMException('The event is already being dispatched.', 'InvalidStateError');
        }
        event.#target = target;
        event.#currentTarget = target;
        event.#stop = false;
      }
      event.#phase = phase;
      if (phase === 0) event.#currentTarget = null;
    };
    isStopped = (event) => event.#stop;
  }
}
for (const [name, value] of [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2], ['BUBBLING_PHASE', 3]]) {
  Object.defineProperty(Event, name, { __proto__: null, value, enumerable: true });
  Object.defineProperty(Event.prototype, name, { __proto__: null, value, enumerable: true });
}

class EventTarget {
  #listeners = new Map();  // type -> [{ listener, once, capture, removed }]

  addEventListener(type, listener, options = undefined) {
    if (arguments.length < 2) {
      throw internal.codedError(TypeError, 'ERR_MISSING_ARGS', 'The "type" and "listener" arguments must be specified');
    }
    if (listener === null || listener === undefined) return;
    if (typeof listener !== 'function' && typeof listener?.handleEvent !== 'function' && typeof listener !== 'object') {
      throw internal.invalidArgType('listener', 'an instance of EventListener', listener);
    }
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const once = Boolean(options?.once);
    const signal = options?.signal;
    if (signal?.aborted) return;
    type = `${type}`;
    let list = this.#listeners.get(type);
    if (list === undefined) {
      list = [];
      this.#listeners.set(type, list);
    }
    if (list.some((entry) => entry.listener === listener && entry.capture === capture)) return;
    const entry = { __proto__: null, listener, once, capture, removed: false };
    list.push(entry);
    signal?.addEventListener('abort', () => this.removeEventListener(type, listener, { capture }), { once: true });
  }

  removeEventListener(type, listener, options = undefined) {
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const list = this.#listeners.get(`${type}`);
    if (list === undefined) return;
    const index = list.findIndex((entry) => entry.listener === listener && entry.capture === capture);
    if (index < 0) return;
    list[index].removed = true;
    list.splice(index, 1);
    if (list.length === 0) this.#listeners.delete(`${type}`);
  }

  dispatchEvent(event) {
    if (!(event instanceof Event)) throw internal.invalidArgType('event', 'an instance of Event', event);
    setPhase(event, this, 2);
    const list = this.#listeners.get(event.type);
    try {
      for (const entry of list === undefined ? [] : list.slice()) {
        if (entry.removed) continue;
        if (entry.once) this.removeEventListener(event.type, entry.listener, { capture: entry.capture });
        try {
          const { listener } = entry;
          const result = typeof listener === 'function'
            ? internal.callGuest(listener, this, [event])
            : internal.callGuest(listener.handleEvent, listener, [event]);
          if (result !== undefined && result !== null && typeof result.then === 'function') {
            result.then(undefined, (error) => internal.nextTick(() => { throw error; }));
          }
        } catch (error) {
          // Node reports a throwing listener as an uncaught exception, after the dispatch.
          internal.nextTick(() => { throw error; });
        }
        if (isStopped(event)) break;
      }
    } finally {
      setPhase(event, this, 0);
    }
    return !event.defaultPrevented;
  }

  [kListeners](type) {
    const list = this.#listeners.get(`${type}`);
    return list === undefined ? [] : list.map((entry) => entry.listener);
  }
}
internal.kEventTargetListeners = kListeners;

class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    super(message, options);
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}
internal.AbortError = AbortError;
internal.abortError = (reason) => new AbortError(undefined, reason === undefined ? undefined : { cause: reason });

let creating = false;

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;

  constructor() {
    if (!creating) throw internal.codedError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    super();
    creating = false;
    this.onabort = null;
  }

  get aborted() {
    return this.#aborted;
  }

  get reason() {
    return this.#reason;
  }

  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }

  static abort(reason = new internal.DOMException('This operation was aborted', 'AbortError')) {
    const signal = newSignal();
    signal.#abort(reason);
    return signal;
  }

  static timeout(delay) {
    if (!Number.isInteger(delay) || delay < 0) throw internal.invalidArgType('delay', 'of type number', delay);
    const signal = newSignal();
    const timer = internal.timers.setTimeout(() => {
      signal.#abort(new internal.DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, delay);
    timer.unref?.();
    return signal;
  }

  static any(signals) {
    const signal = newSignal();
    for (const source of signals) {
      if (!(source instanceof AbortSignal)) throw internal.invalidArgType('signals', 'an instance of AbortSignal', source);
      if (source.aborted) {
        signal.#abort(source.reason);
        return signal;
      }
    }
    for (const source of signals) source.addEventListener('abort', () => signal.#abort(source.reason), { once: true });
    return signal;
  }

  #abort(reason) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const event = new Event('abort', { [kTrusted]: true });
    if (typeof this.onabort === 'function') {
      try {
        internal.callGuest(this.onabort, this, [event]);
      } catch (error) {
        internal.nextTick(() => { throw error; });
      }
    }
    this.dispatchEvent(event);
  }

  static {
    abortSignal = (signal, reason) => signal.#abort(reason);
  }
}

function newSignal() {
  creating = true;
  return new AbortSignal();
}

class AbortController {
  #signal = newSignal();

  get signal() {
    return this.#signal;
  }

  abort(reason = new internal.DOMException('This operation was aborted', 'AbortError')) {
    abortSignal(this.#signal, reason);
  }
}

module.exports = { __proto__: null, Event, EventTarget, AbortController, AbortSignal, AbortError };
module.exports.default = AbortController;
