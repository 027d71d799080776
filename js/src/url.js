// The `url` builtin: WHATWG URL/URLSearchParams from core-js, the legacy parse/format/resolve
// from npm's `url` (Node's own legacy parser), and Node's file-URL helpers.
const CoreURL = require('core-js-pure/web/url');

// Node's parse failure: TypeError [ERR_INVALID_URL] carrying the input.
class URL extends CoreURL {
  constructor(input, base = undefined) {
    try {
      if (base === undefined) super(input);
      else super(input, base);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const invalid = internal.codedError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
      invalid.input = `${input}`;
      throw invalid;
    }
  }
}
const URLSearchParams = require('core-js-pure/web/url-search-params');
const legacy = require('url/url.js');
const punycode = require('punycode/');

function fileURLToPath(input) {
  let url = input;
  if (typeof url === 'string') url = new URL(url);
  else if (!(url instanceof URL)) throw internal.invalidArgType('path', 'of type string or an instance of URL', input);
  if (url.protocol !== 'file:') throw internal.codedError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  if (url.hostname !== '') {
    throw internal.codedError(TypeError, 'ERR_INVALID_FILE_URL_HOST',
                              'File URL host must be "localhost" or empty on linux');
  }
  const pathname = url.pathname;
  if (/%2f/i.test(pathname)) {
    throw internal.codedError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
  }
  return decodeURIComponent(pathname);
}

function pathToFileURL(filepath) {
  const path = require('path-browserify');
  let resolved = path.resolve(filepath);
  if (`${filepath}`.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  const url = new URL('file://');
  // The pathname setter encodes what URLs cannot hold; these it would keep as they are.
  url.pathname = resolved.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D')
    .replace(/\t/g, '%09');
  return url;
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ''}${url.search || ''}`,
    href: url.href,
  };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username || url.password) {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}

function format(object, options) {
  if (object instanceof URL) {
    if (options === undefined) return object.href;
    const copy = new URL(object.href);
    if (options.auth === false) {
      copy.username = '';
      copy.password = '';
    }
    if (options.search === false) copy.search = '';
    if (options.fragment === false) copy.hash = '';
    return copy.href;
  }
  return legacy.format(object);
}

module.exports = {
  URL,
  URLSearchParams,
  parse: legacy.parse,
  resolve: legacy.resolve,
  resolveObject: legacy.resolveObject,
  format,
  Url: legacy.Url,
  fileURLToPath,
  pathToFileURL,
  urlToHttpOptions,
  domainToASCII: (domain) => {
    try {
      return punycode.toASCII(`${domain}`.toLowerCase());
    } catch {
      return '';
    }
  },
  domainToUnicode: (domain) => {
    try {
      return punycode.toUnicode(`${domain}`.toLowerCase());
    } catch {
      return '';
    }
  },
};
