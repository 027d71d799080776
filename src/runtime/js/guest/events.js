'use strict';
// A compact EventEmitter with Node's semantics for the methods process and its streams expose:
// 'newListener' before adding, 'removeListener' after removing, once-wrappers, and an 'error'
// event without listeners thrown.

const kEvents = Symbol('events');
const kMaxListeners = Symbol('maxListeners');

function listenersOf(emitter) {
  let events = emitter[kEvents];
  if (events === undefined) {
    events = new Map();
    internal.defineHidden(emitter, kEvents, events);
  }
  return events;
}

function checkListener(listener) {
  if (typeof listener !== 'function') throw internal.invalidArgType('listener', 'of type function', listener);
}

class EventEmitter {
  constructor() {
    listenersOf(this);
  }

  setMaxListeners(n) {
    internal.defineHidden(this, kMaxListeners, n);
    return this;
  }

  getMaxListeners() {
    return this[kMaxListeners] ?? EventEmitter.defaultMaxListeners;
  }

  emit(type, ...args) {
    const list = listenersOf(this).get(type);
    if (list === undefined || list.length === 0) {
      if (type === 'error') {
        const err = args[0];
        if (err instanceof Error) throw err;
        const wrapped = internal.codedError(Error, 'ERR_UNHANDLED_ERROR',
                                           `Unhandled error. (${internal.inspect(err)})`);
        wrapped.context = err;
        throw wrapped;
      }
      return false;
    }
    const snapshot = list.slice();
    for (let i = 0; i < snapshot.length; i++) internal.callGuest(snapshot[i], this, args);
    return true;
  }

  addListener(type, listener) {
    return addListener(this, type, listener, false);
  }

  on(type, listener) {
    return addListener(this, type, listener, false);
  }

  prependListener(type, listener) {
    return addListener(this, type, listener, true);
  }

  once(type, listener) {
    checkListener(listener);
    return addListener(this, type, onceWrapper(this, type, listener), false);
  }

  prependOnceListener(type, listener) {
    checkListener(listener);
    return addListener(this, type, onceWrapper(this, type, listener), true);
  }

  removeListener(type, listener) {
    checkListener(listener);
    const events = listenersOf(this);
    const list = events.get(type);
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        const removed = list[i];
        list.splice(i, 1);
        if (list.length === 0) events.delete(type);
        if (events.has('removeListener')) this.emit('removeListener', type, removed.listener ?? removed);
        break;
      }
    }
    return this;
  }

  off(type, listener) {
    return this.removeListener(type, listener);
  }

  removeAllListeners(type) {
    const events = listenersOf(this);
    const types = type === undefined ? [...events.keys()] : [type];
    for (const name of types) {
      if (name === 'removeListener' && type === undefined) continue;
      const list = events.get(name);
      if (list === undefined) continue;
      for (let i = list.length - 1; i >= 0; i--) this.removeListener(name, list[i]);
    }
    if (type === undefined) events.delete('removeListener');
    return this;
  }

  listeners(type) {
    const list = listenersOf(this).get(type);
    return list === undefined ? [] : list.map((l) => l.listener ?? l);
  }

  rawListeners(type) {
    const list = listenersOf(this).get(type);
    return list === undefined ? [] : list.slice();
  }

  listenerCount(type) {
    const list = listenersOf(this).get(type);
    return list === undefined ? 0 : list.length;
  }

  eventNames() {
    return [...listenersOf(this).keys()];
  }
}
EventEmitter.defaultMaxListeners = 10;
EventEmitter.EventEmitter = EventEmitter;

function addListener(emitter, type, listener, prepend) {
  checkListener(listener);
  const events = listenersOf(emitter);
  if (events.has('newListener')) emitter.emit('newListener', type, listener.listener ?? listener);
  let list = events.get(type);
  if (list === undefined) {
    list = [];
    events.set(type, list);
  }
  if (prepend) list.unshift(listener);
  else list.push(listener);
  return emitter;
}

function onceWrapper(emitter, type, listener) {
  let fired = false;
  const wrapper = function (...args) {
    if (fired) return undefined;
    fired = true;
    emitter.removeListener(type, wrapper);
    return internal.callGuest(listener, this, args);
  };
  wrapper.listener = listener;
  return wrapper;
}

internal.EventEmitter = EventEmitter;
