// core-js keeps its shared state on a global (`__core-js_shared__`); ours stays private to the
// bundle so guests can neither see nor tamper with the URL implementation's internals.
module.exports = {};
