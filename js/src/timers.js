// The `timers` and `timers/promises` builtins, on the bootstrap's event-loop timers.

function timers() {
  const t = internal.timers;
  return {
    setTimeout: t.setTimeout, clearTimeout: t.clearTimeout, setInterval: t.setInterval,
    clearInterval: t.clearInterval, setImmediate: t.setImmediate, clearImmediate: t.clearImmediate,
  };
}

function validateOptions(options) {
  if (options === null || typeof options !== 'object') throw internal.invalidArgType('options', 'of type object', options);
  const { signal, ref = true } = options;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw internal.invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  if (typeof ref !== 'boolean') throw internal.invalidArgType('options.ref', 'of type boolean', ref);
  return { signal, ref };
}

// One timer (or immediate) as a promise that an AbortSignal can reject.
function schedule(start, clear, value, options) {
  let signal;
  let ref;
  try {
    ({ signal, ref } = validateOptions(options));
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal?.aborted) return Promise.reject(internal.abortError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clear(handle);
      reject(internal.abortError(signal.reason));
    };
    const handle = start(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    });
    if (!ref) handle.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function promises() {
  const t = internal.timers;
  const setTimeout = (delay, value, options = {}) =>
    schedule((fn) => t.setTimeout(fn, delay), t.clearTimeout, value, options);
  const setImmediate = (value, options = {}) => schedule((fn) => t.setImmediate(fn), t.clearImmediate, value, options);

  // An async iterator yielding `value` every `delay` ms; ticks that come while the consumer is
  // busy are counted and yielded without waiting.
  async function* setInterval(delay, value, options = {}) {
    const { signal, ref } = validateOptions(options);
    if (signal?.aborted) throw internal.abortError(signal.reason);
    let due = 0;
    let wake = null;
    let aborted = false;
    const timer = t.setInterval(() => {
      due++;
      wake?.();
    }, delay);
    if (!ref) timer.unref();
    const onAbort = () => {
      aborted = true;
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (aborted) throw internal.abortError(signal.reason);
        if (due > 0) {
          due--;
          yield value;
          continue;
        }
        await new Promise((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      t.clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  const scheduler = {
    wait: (delay, options) => setTimeout(delay, undefined, options),
    yield: () => setImmediate(),
  };
  return { setTimeout, setImmediate, setInterval, scheduler };
}

module.exports = { timers, promises };
