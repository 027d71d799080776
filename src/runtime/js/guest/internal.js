'use strict';
// Shared helpers for the guest bootstrap. Every bootstrap file is the body of
// `function (native, internal)`, evaluated once while the startup snapshot is built. Rules that
// keep the natives private: natives live only in closure constants and are called directly;
// objects that hold internal state have null prototypes; all files are strict mode (so V8's
// CallSite API never hands a guest our functions or receivers).

const { apply: ReflectApply } = Reflect;
const { defineProperty: ObjectDefineProperty, freeze: ObjectFreeze } = Object;

// Calls a guest-provided function without consulting Function.prototype.call/apply, which a guest
// may have replaced.
internal.callGuest = (fn, receiver, args) => ReflectApply(fn, receiver, args);

// Defines a non-enumerable, writable, configurable property (how Node defines most of its API).
internal.defineHidden = (target, name, value) => {
  ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, configurable: true, enumerable: false });
};

// Defines an enumerable, writable, configurable property.
internal.definePlain = (target, name, value) => {
  ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, configurable: true, enumerable: true });
};

// Node-style error carrying a string `code`; the code shows in the name like Node's
// `TypeError [ERR_X]: message`.
internal.codedError = (Base, code, message) => {
  const error = new Base(message);
  ObjectDefineProperty(error, 'code', { __proto__: null, value: code, writable: true, configurable: true,
                                         enumerable: true });
  return error;
};

internal.invalidArgType = (name, expected, actual) => {
  let received;
  if (actual === null) received = 'null';
  else if (actual === undefined) received = 'undefined';
  else if (typeof actual === 'function') received = `function ${actual.name}`;
  else if (typeof actual === 'object') received = 'an instance of ' + (actual.constructor?.name ?? 'Object');
  else received = `type ${typeof actual} (${internal.inspect(actual)})`;
  return internal.codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
                             `The "${name}" argument must be ${expected}. Received ${received}`);
};

internal.notImplemented = (what) =>
  internal.codedError(Error, 'ERR_NOT_IMPLEMENTED', `${what} is not implemented in this runtime`);

internal.freeze = ObjectFreeze;

// Builtin modules: name without the `node:` prefix -> a loader returning the module's exports.
// The module loader calls each loader once, on the first require/import, and caches the result.
// Loaders run in a guest process, never while the snapshot is built.
internal.builtinLoaders = { __proto__: null };
internal.defineBuiltin = (name, load) => {
  internal.builtinLoaders[name] = load;
};
