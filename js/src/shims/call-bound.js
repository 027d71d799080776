// call-bind/callBound('A.prototype.m') -> (self, ...args) => A.prototype.m.apply(self, args), with the
// method captured when the bundle is evaluated (before any guest code can replace it).
const { apply } = Reflect;
module.exports = (name) => {
  let method = globalThis;
  for (const part of name.replace(/^%|%$/g, '').split('.')) method = method[part];
  if (typeof method !== 'function') throw new TypeError(`callBound: ${name} is not a function`);
  return (self, ...args) => apply(method, self, args);
};
