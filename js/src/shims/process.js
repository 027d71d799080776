// What readable-stream takes from `process`: the guest's own nextTick and stdio, looked up on
// each use because the bundle is evaluated before the process object exists.
module.exports = {
  __proto__: null,
  nextTick: (callback, ...args) => internal.nextTick(callback, ...args),
  get env() {
    return internal.process.env;
  },
  get stdout() {
    return internal.process.stdout;
  },
  get stderr() {
    return internal.process.stderr;
  },
};
