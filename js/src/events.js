// The `events` builtin: npm's `events` EventEmitter (Node's own implementation, ported) with
// Node 18's unhandled-'error' behaviour, errorMonitor, and the static helpers npm lacks.
// The same class is internal.EventEmitter, which process and its streams extend.
const EventEmitter = require('../node_modules/events/events.js');

const { apply: ReflectApply } = Reflect;
const errorMonitor = Symbol('events.errorMonitor');

// Node: an Error is rethrown as is; anything else is wrapped in ERR_UNHANDLED_ERROR.
function unhandledError(error) {
  if (error instanceof Error) return error;
  let shown;
  try {
    shown = internal.inspect(error);
  } catch {
    shown = error;
  }
  const wrapped = internal.codedError(Error, 'ERR_UNHANDLED_ERROR',
                                      error === undefined ? 'Unhandled error.' : `Unhandled error. (${shown})`);
  wrapped.context = error;
  return wrapped;
}

const baseEmit = EventEmitter.prototype.emit;
internal.defineHidden(EventEmitter.prototype, 'emit', function emit(type) {
  if (type === 'error') {
    const events = this._events;
    if (events !== undefined && events[errorMonitor] !== undefined) {
      const args = [errorMonitor];
      for (let i = 1; i < arguments.length; i++) args.push(arguments[i]);
      ReflectApply(baseEmit, this, args);
    }
    if (events === undefined || events.error === undefined) throw unhandledError(arguments[1]);
  }
  return ReflectApply(baseEmit, this, arguments);
});

function checkEmitter(emitter) {
  if (emitter === null || typeof emitter !== 'object' || typeof emitter.on !== 'function') {
    throw internal.invalidArgType('emitter', 'an instance of EventEmitter', emitter);
  }
}

// events.on(emitter, name[, {signal}]): an async iterator of the argument arrays of each event.
function on(emitter, event, options) {
  checkEmitter(emitter);
  const signal = options?.signal;
  if (signal?.aborted) throw internal.abortError(signal.reason);
  const pending = [];     // unconsumed event argument arrays
  const waiting = [];     // {resolve, reject} of next() calls that found nothing
  let failure = null;
  let done = false;
  const onEvent = (...args) => {
    const next = waiting.shift();
    if (next !== undefined) next.resolve({ value: args, done: false });
    else pending.push(args);
  };
  const onError = (error) => {
    done = true;
    const next = waiting.shift();
    if (next !== undefined) next.reject(error);
    else failure = error;
    iterator.return();
  };
  const onAbort = () => onError(internal.abortError(signal.reason));
  emitter.on(event, onEvent);
  if (event !== 'error') emitter.on('error', onError);
  signal?.addEventListener('abort', onAbort, { once: true });
  const iterator = {
    __proto__: Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype),
    next() {
      if (pending.length > 0) return Promise.resolve({ value: pending.shift(), done: false });
      if (failure !== null) {
        const error = failure;
        failure = null;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      emitter.removeListener(event, onEvent);
      emitter.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
      done = true;
      for (const next of waiting.splice(0)) next.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      onError(error);
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

function getEventListeners(target, type) {
  if (typeof target?.listeners === 'function') return target.listeners(type);
  if (typeof target?.[internal.kEventTargetListeners] === 'function') return target[internal.kEventTargetListeners](type);
  throw internal.invalidArgType('emitter', 'an instance of EventEmitter or EventTarget', target);
}

function setMaxListeners(n = EventEmitter.defaultMaxListeners, ...targets) {
  if (targets.length === 0) EventEmitter.defaultMaxListeners = n;
  for (const target of targets) {
    if (typeof target?.setMaxListeners === 'function') target.setMaxListeners(n);
  }
}

internal.defineHidden(EventEmitter, 'on', on);
internal.defineHidden(EventEmitter, 'errorMonitor', errorMonitor);
internal.defineHidden(EventEmitter, 'getEventListeners', getEventListeners);
internal.defineHidden(EventEmitter, 'setMaxListeners', setMaxListeners);
internal.defineHidden(EventEmitter, 'captureRejectionSymbol', Symbol.for('nodejs.rejection'));
internal.defineHidden(EventEmitter, 'usingDomains', false);

module.exports = EventEmitter;
