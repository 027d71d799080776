// The `querystring` builtin: querystring-es3 (Node's own algorithm), with Node's null-prototype
// parse result and escape/unescape. Also what the `url` polyfill imports as `qs`.
const es3 = require('querystring-es3');

function parse(text, sep, eq, options) {
  const parsed = es3.parse(text, sep, eq, options);
  const result = Object.create(null);
  for (const key of Object.keys(parsed)) result[key] = parsed[key];
  return result;
}

function stringify(object, sep, eq, options) {
  // The url polyfill passes qs-style options as the second argument.
  if (sep !== null && typeof sep === 'object') return es3.stringify(object);
  return es3.stringify(object, sep, eq, options);
}

function unescape(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return unescape.buffer(text).toString();
  }
}
// Node's unescapeBuffer: %XX sequences become bytes, anything malformed stays as is.
unescape.buffer = (text) => {
  const bytes = [];
  const source = internal.Buffer.from(`${text}`);
  for (let i = 0; i < source.length; i++) {
    const hex = i + 2 < source.length && source[i] === 0x25 ? String.fromCharCode(source[i + 1], source[i + 2]) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(source[i]);
    }
  }
  return internal.Buffer.from(bytes);
};

module.exports = {
  parse,
  decode: parse,
  stringify,
  encode: stringify,
  escape: (text) => encodeURIComponent(`${text}`),
  unescape,
  unescapeBuffer: unescape.buffer,
};
