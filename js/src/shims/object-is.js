// V8 has Object.is.
module.exports = Object.is;
