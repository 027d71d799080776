// V8 has Number.isNaN.
module.exports = Number.isNaN;
