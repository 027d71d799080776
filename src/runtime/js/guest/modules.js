'use strict';
// The module system, as Node 18 behaves: builtin modules (the `node:` prefix, one cached exports
// object per builtin, `require('module')`), CommonJS `require` resolved over the kernel VFS
// (extensions, directories, node_modules, package.json exports/imports, realpath identity), and
// ES modules, whose records live in the C++ ModuleLoader (module_loader.cc) and are driven here
// through private natives by integer id. Adds the host entries that run the main program, set up
// -e/[stdin] globals and serve import(). Nothing here hands `native` or `internal` to guest code:
// guest-visible objects (Module, require, module records) reach the natives only through closures.

const {
  compileFunction, moduleCompile, moduleSynthetic, moduleLink, moduleInstantiate, moduleEvaluate, moduleNamespace,
  write,
} = native;
const { codedError, defineHidden, definePlain, callGuest } = internal;

const ArrayIsArray = Array.isArray;
const JSONParse = JSON.parse;
const ObjectKeys = Object.keys;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectPrototypeHasOwnProperty = Object.prototype.hasOwnProperty;
const PromisePrototypeThen = Promise.prototype.then;
const SafeMap = Map;
const SafeWeakMap = WeakMap;

const hasOwn = (object, key) => callGuest(ObjectPrototypeHasOwnProperty, object, [key]);

// ---- paths and URLs (POSIX, absolute) ----------------------------------------------------------

function normalizePath(path) {
  const parts = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

function resolvePath(base, path) {
  return normalizePath(path.startsWith('/') ? path : `${base}/${path}`);
}

function dirname(path) {
  const index = path.lastIndexOf('/');
  if (index === -1) return '.';
  return index === 0 ? '/' : path.slice(0, index);
}

function basename(path) {
  return path.slice(path.lastIndexOf('/') + 1);
}

function extname(path) {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot);
}

function currentDir() {
  return typeof internal.cwd === 'string' ? internal.cwd : '/';
}

function pathToFileURL(path) {
  return 'file://' + encodeURI(path).replace(/[?#]/g, encodeURIComponent);
}

function fileURLToPath(url) {
  const text = `${url}`;
  if (!text.startsWith('file:')) {
    throw codedError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  }
  let path = text.slice(5).replace(/^\/\/[^/]*/, '');
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (/%2f/i.test(path)) {
    throw codedError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
  }
  return decodeURIComponent(path);
}

// ---- the kernel VFS ----------------------------------------------------------------------------
// Lookups tolerate a process without a kernel (embedders that bind none): everything is missing.

function statKind(path) {
  const kernel = internal.kernel;
  return kernel === undefined ? 0 : kernel.statKind(path);
}

function readText(path) {
  return internal.kernel.readFileUtf8(path);
}

function realpath(path) {
  return internal.kernel.realpath(path);
}

function realpathOrSame(path) {
  try {
    return realpath(path);
  } catch {
    return path;
  }
}

function stripBOM(text) {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// package.json files by directory, parsed once per process (like Node): the fields resolution uses.
const packageCache = new SafeMap();

function readPackage(dir) {
  const jsonPath = dir === '/' ? '/package.json' : `${dir}/package.json`;
  const cached = packageCache.get(jsonPath);
  if (cached !== undefined) return cached;
  let result = null;
  if (statKind(jsonPath) === 1) {
    let parsed;
    try {
      parsed = JSONParse(readText(jsonPath));
    } catch (error) {
      const wrapped = codedError(Error, 'ERR_INVALID_PACKAGE_CONFIG',
                                 `Invalid package config ${jsonPath}.${error?.message ? ` ${error.message}` : ''}`);
      wrapped.path = jsonPath;
      throw wrapped;
    }
    const data = parsed !== null && typeof parsed === 'object' ? parsed : {};
    result = {
      __proto__: null,
      path: dir,
      jsonPath,
      name: typeof data.name === 'string' ? data.name : undefined,
      main: typeof data.main === 'string' ? data.main : undefined,
      exports: data.exports,
      imports: data.imports,
      type: data.type === 'module' || data.type === 'commonjs' ? data.type : 'none',
    };
  }
  packageCache.set(jsonPath, result);
  return result;
}

// The package.json governing `filename`: the nearest one above it, not looking past node_modules.
function readPackageScope(filename) {
  let dir = dirname(filename);
  for (;;) {
    if (dir.endsWith('/node_modules')) return null;
    const pkg = readPackage(dir);
    if (pkg !== null) return pkg;
    if (dir === '/') return null;
    dir = dirname(dir);
  }
}

function nodeModulePaths(from) {
  const parts = normalizePath(from).split('/').filter((part) => part !== '');
  const paths = [];
  for (let i = parts.length; i > 0; i--) {
    if (parts[i - 1] === 'node_modules') continue;
    paths.push('/' + parts.slice(0, i).join('/') + '/node_modules');
  }
  paths.push('/node_modules');
  return paths;
}

// Node's global folders: $NODE_PATH, ~/.node_modules, ~/.node_libraries, <prefix>/lib/node.
function globalPaths() {
  const env = internal.process.env ?? {};
  const paths = [];
  if (typeof env.NODE_PATH === 'string') {
    for (const entry of env.NODE_PATH.split(':')) if (entry !== '') paths.push(resolvePath(currentDir(), entry));
  }
  if (typeof env.HOME === 'string' && env.HOME.startsWith('/')) {
    paths.push(resolvePath(env.HOME, '.node_modules'), resolvePath(env.HOME, '.node_libraries'));
  }
  paths.push('/usr/lib/node');
  return paths;
}

// ---- builtin modules ---------------------------------------------------------------------------

// Node 18's builtins reachable without the scheme; `require('node:test')` is scheme-only.
const nodeBuiltins = [
  '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server',
  '_stream_duplex', '_stream_passthrough', '_stream_readable', '_stream_transform', '_stream_wrap',
  '_stream_writable', '_tls_common', '_tls_wrap', 'assert', 'assert/strict', 'async_hooks', 'buffer',
  'child_process', 'cluster', 'console', 'constants', 'crypto', 'dgram', 'diagnostics_channel', 'dns',
  'dns/promises', 'domain', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'inspector', 'module', 'net',
  'os', 'path', 'path/posix', 'path/win32', 'perf_hooks', 'process', 'punycode', 'querystring', 'readline',
  'readline/promises', 'repl', 'stream', 'stream/consumers', 'stream/promises', 'stream/web', 'string_decoder',
  'sys', 'timers', 'timers/promises', 'tls', 'trace_events', 'tty', 'url', 'util', 'util/types', 'v8', 'vm',
  'wasi', 'worker_threads', 'zlib',
];
const schemeOnlyBuiltins = ['test'];
const knownBuiltins = new Set(nodeBuiltins);

const builtinExports = new SafeMap();

function isBuiltinName(name) {
  return knownBuiltins.has(name) || internal.builtinLoaders[name] !== undefined;
}

function isBuiltin(specifier) {
  if (typeof specifier !== 'string') return false;
  if (specifier.startsWith('node:')) {
    const name = specifier.slice(5);
    return isBuiltinName(name) || schemeOnlyBuiltins.includes(name);
  }
  return isBuiltinName(specifier);
}

function builtinList() {
  const names = new Set(nodeBuiltins);
  for (const name of ObjectKeys(internal.builtinLoaders)) if (!schemeOnlyBuiltins.includes(name)) names.add(name);
  return [...names].sort();
}

function unknownBuiltin(specifier) {
  return codedError(Error, 'ERR_UNKNOWN_BUILTIN_MODULE', `No such built-in module: ${specifier}`);
}

// The exports of builtin `name` (no prefix), created on first use and shared by require and import.
function loadBuiltin(name) {
  const cached = builtinExports.get(name);
  if (cached !== undefined) return cached.exports;
  const load = internal.builtinLoaders[name];
  if (load === undefined) {
    if (knownBuiltins.has(name) || schemeOnlyBuiltins.includes(name)) {
      throw internal.notImplemented(`The built-in module '${name}'`);
    }
    throw unknownBuiltin(name);
  }
  const exports = load();
  builtinExports.set(name, { __proto__: null, exports });
  return exports;
}
internal.requireBuiltin = loadBuiltin;

// ---- errors ------------------------------------------------------------------------------------

function moduleNotFound(request, parent) {
  const requireStack = [];
  for (let cursor = parent; cursor; cursor = moduleParents.get(cursor)) {
    requireStack.push(cursor.filename || cursor.id);
  }
  let message = `Cannot find module '${request}'`;
  if (requireStack.length > 0) message += `\nRequire stack:\n- ${requireStack.join('\n- ')}`;
  const error = new Error(message);
  error.code = 'MODULE_NOT_FOUND';
  error.requireStack = requireStack;
  return error;
}

function importedFrom(base) {
  return base ? ` imported from ${base}` : '';
}

function exportsNotFound(subpath, pkg, base) {
  const message = subpath === '.'
    ? `No "exports" main defined in ${pkg.jsonPath}${importedFrom(base)}`
    : `Package subpath '${subpath}' is not defined by "exports" in ${pkg.jsonPath}${importedFrom(base)}`;
  return codedError(Error, 'ERR_PACKAGE_PATH_NOT_EXPORTED', message);
}

function invalidPackageTarget(pkg, key, target, isImport, base) {
  const relError = typeof target === 'string' && !isImport && target.length > 0 && !target.startsWith('./');
  let message;
  if (key === '.') {
    message = `Invalid "exports" main target ${JSON.stringify(target)} defined in the package config ` +
              `${pkg.jsonPath}${importedFrom(base)}${relError ? '; targets must start with "./"' : ''}`;
  } else {
    message = `Invalid "${isImport ? 'imports' : 'exports'}" target ${JSON.stringify(target)} defined for '${key}' ` +
              `in the package config ${pkg.jsonPath}${importedFrom(base)}${relError ? '; targets must start with "./"' : ''}`;
  }
  return codedError(Error, 'ERR_INVALID_PACKAGE_TARGET', message);
}

function invalidSpecifier(request, reason, base) {
  return codedError(TypeError, 'ERR_INVALID_MODULE_SPECIFIER',
                    `Invalid module "${request}" ${reason}${importedFrom(base)}`);
}

function esmNotFound(what, base, isPackage = false) {
  return codedError(Error, 'ERR_MODULE_NOT_FOUND',
                    `Cannot find ${isPackage ? 'package' : 'module'} '${what}'${importedFrom(base)}`);
}

function requireEsmError(filename, parentPath, pkg) {
  let message = `require() of ES Module ${filename}${parentPath ? ` from ${parentPath}` : ''} not supported.`;
  if (pkg === null) {
    message += `\nInstead change the require of ${filename} to a dynamic import() which is available in all ` +
               'CommonJS modules.';
  } else {
    const name = parentPath && basename(filename) === basename(parentPath) ? filename : basename(filename);
    message += `\n${name} is treated as an ES module file as it is a .js file whose nearest parent package.json ` +
               'contains "type": "module" which declares all .js files in that package scope as ES modules.\n' +
               `Instead either rename ${name} to end in .cjs, change the requiring code to use dynamic import() ` +
               'which is available in all CommonJS modules, or change "type": "module" to "type": "commonjs" in ' +
               `${pkg.jsonPath} to treat all .js files as CommonJS (using .mjs for all ES modules instead).\n`;
  }
  return codedError(Error, 'ERR_REQUIRE_ESM', message);
}

// ---- package.json "exports" and "imports" (the ESM resolution algorithm, on paths) ---------------

const cjsConditions = new Set(['require', 'node', 'node-addons']);
const esmConditions = new Set(['import', 'node', 'node-addons']);

function hasInvalidSegment(path) {
  for (const segment of path.split(/[/\\]/)) {
    const lower = segment.toLowerCase().replace(/%2e/g, '.');
    if (lower === '.' || lower === '..' || lower === 'node_modules') return true;
  }
  return false;
}

function resolveTargetString(pkg, target, subpath, key, base, pattern, isImport, conditions) {
  if (subpath !== '' && !pattern && !target.endsWith('/')) throw invalidPackageTarget(pkg, key, target, isImport, base);
  if (!target.startsWith('./')) {
    if (isImport && !target.startsWith('../') && !target.startsWith('/') && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target)) {
      const request = pattern ? target.replace(/\*/g, subpath) : target + subpath;
      return packageResolve(request, pkg.jsonPath, conditions);
    }
    throw invalidPackageTarget(pkg, key, target, isImport, base);
  }
  if (hasInvalidSegment(target.slice(2))) throw invalidPackageTarget(pkg, key, target, isImport, base);
  const resolved = resolvePath(pkg.path, target);
  if (!resolved.startsWith(pkg.path === '/' ? '/' : `${pkg.path}/`)) {
    throw invalidPackageTarget(pkg, key, target, isImport, base);
  }
  if (subpath === '') return resolved;
  if (hasInvalidSegment(subpath)) {
    const request = pattern ? key.replace('*', subpath) : key + subpath;
    throw invalidSpecifier(request, `request is not a valid match in pattern "${key}" for the "${
      isImport ? 'imports' : 'exports'}" resolution of ${pkg.jsonPath}`, base);
  }
  if (pattern) return resolvePath(pkg.path, target.replace(/\*/g, subpath));
  return resolved + (target.endsWith('/') ? '/' : '') + subpath;
}

function isArrayIndex(key) {
  const number = Number(key);
  return `${number}` === key && number >= 0 && number < 0xffffffff;
}

// A resolved path, null (explicitly excluded) or undefined (no condition matched).
function resolveTarget(pkg, target, subpath, key, base, pattern, isImport, conditions) {
  if (typeof target === 'string') {
    return resolveTargetString(pkg, target, subpath, key, base, pattern, isImport, conditions);
  }
  if (ArrayIsArray(target)) {
    if (target.length === 0) return null;
    let lastError;
    for (const candidate of target) {
      let resolved;
      try {
        resolved = resolveTarget(pkg, candidate, subpath, key, base, pattern, isImport, conditions);
      } catch (error) {
        lastError = error;
        if (error?.code === 'ERR_INVALID_PACKAGE_TARGET') continue;
        throw error;
      }
      if (resolved === undefined) continue;
      if (resolved === null) {
        lastError = null;
        continue;
      }
      return resolved;
    }
    if (lastError === undefined || lastError === null) return lastError;
    throw lastError;
  }
  if (target !== null && typeof target === 'object') {
    const keys = ObjectGetOwnPropertyNames(target);
    for (const name of keys) {
      if (isArrayIndex(name)) {
        throw codedError(Error, 'ERR_INVALID_PACKAGE_CONFIG',
                         `Invalid package config ${pkg.jsonPath}${importedFrom(base)}. ` +
                         '"exports" cannot contain numeric property keys.');
      }
    }
    for (const name of keys) {
      if (name === 'default' || conditions.has(name)) {
        const resolved = resolveTarget(pkg, target[name], subpath, key, base, pattern, isImport, conditions);
        if (resolved === undefined) continue;
        return resolved;
      }
    }
    return undefined;
  }
  if (target === null) return null;
  throw invalidPackageTarget(pkg, key, target, isImport, base);
}

function patternKeyCompare(a, b) {
  const aStar = a.indexOf('*');
  const bStar = b.indexOf('*');
  const aBase = aStar === -1 ? a.length : aStar + 1;
  const bBase = bStar === -1 ? b.length : bStar + 1;
  if (aBase > bBase) return -1;
  if (bBase > aBase) return 1;
  if (aStar === -1) return 1;
  if (bStar === -1) return -1;
  if (a.length > b.length) return -1;
  if (b.length > a.length) return 1;
  return 0;
}

// The best key of an exports/imports map for `request`: [key, subpath matched by * or a folder].
function matchMapKey(map, request, allowFolders) {
  let best = '';
  let bestSubpath;
  for (const key of ObjectGetOwnPropertyNames(map)) {
    const star = key.indexOf('*');
    if (star !== -1 && request.startsWith(key.slice(0, star))) {
      const trailer = key.slice(star + 1);
      if (request.length >= key.length && request.endsWith(trailer) && patternKeyCompare(best, key) === 1 &&
          key.lastIndexOf('*') === star) {
        best = key;
        bestSubpath = request.slice(star, request.length - trailer.length);
      }
    } else if (allowFolders && key.endsWith('/') && request.startsWith(key) && patternKeyCompare(best, key) === 1) {
      best = key;
      bestSubpath = request.slice(key.length);
    }
  }
  return best === '' ? null : [best, bestSubpath];
}

function isConditionalSugar(exports, pkg, base) {
  if (typeof exports === 'string' || ArrayIsArray(exports)) return true;
  if (exports === null || typeof exports !== 'object') return false;
  let sawDot = false;
  let sawOther = false;
  for (const key of ObjectGetOwnPropertyNames(exports)) {
    if (key === '' || key[0] !== '.') sawOther = true;
    else sawDot = true;
  }
  if (sawDot && sawOther) {
    throw codedError(Error, 'ERR_INVALID_PACKAGE_CONFIG',
                     `Invalid package config ${pkg.jsonPath}${importedFrom(base)}. "exports" cannot contain some ` +
                     'keys starting with \'.\' and some not. The exports object must either be an object of package ' +
                     'subpath keys or an object of main entry condition name keys only.');
  }
  return sawOther;
}

function packageExportsResolve(pkg, subpath, base, conditions) {
  let exports = pkg.exports;
  if (isConditionalSugar(exports, pkg, base)) exports = { '.': exports };
  if (exports === null || typeof exports !== 'object') throw exportsNotFound(subpath, pkg, base);
  if (hasOwn(exports, subpath) && !subpath.includes('*') && !subpath.endsWith('/')) {
    const resolved = resolveTarget(pkg, exports[subpath], '', subpath, base, false, false, conditions);
    if (resolved === null || resolved === undefined) throw exportsNotFound(subpath, pkg, base);
    return resolved;
  }
  const match = matchMapKey(exports, subpath, true);
  if (match !== null) {
    const [key, rest] = match;
    const resolved = resolveTarget(pkg, exports[key], rest, key, base, key.includes('*'), false, conditions);
    if (resolved === null || resolved === undefined) throw exportsNotFound(subpath, pkg, base);
    return resolved;
  }
  throw exportsNotFound(subpath, pkg, base);
}

function packageImportsResolve(name, parentPath, conditions) {
  if (name === '#' || name.startsWith('#/') || name.endsWith('/')) {
    throw invalidSpecifier(name, 'is not a valid internal imports specifier name', parentPath);
  }
  const pkg = parentPath ? readPackageScope(parentPath) : null;
  const imports = pkg?.imports;
  if (imports !== null && typeof imports === 'object') {
    let resolved;
    if (hasOwn(imports, name) && !name.includes('*')) {
      resolved = resolveTarget(pkg, imports[name], '', name, parentPath, false, true, conditions);
    } else {
      const match = matchMapKey(imports, name, false);
      if (match !== null) {
        resolved = resolveTarget(pkg, imports[match[0]], match[1], match[0], parentPath, true, true, conditions);
      }
    }
    if (resolved !== null && resolved !== undefined) return resolved;
  }
  throw codedError(TypeError, 'ERR_PACKAGE_IMPORT_NOT_DEFINED',
                   `Package import specifier "${name}" is not defined${pkg ? ` in package ${pkg.jsonPath}` : ''}` +
                   importedFrom(parentPath));
}

function parsePackageName(specifier, base) {
  let separator = specifier.indexOf('/');
  let valid = true;
  if (specifier[0] === '@') {
    if (separator === -1 || specifier.length === 0) valid = false;
    else separator = specifier.indexOf('/', separator + 1);
  }
  const name = separator === -1 ? specifier : specifier.slice(0, separator);
  if (name === '' || name.startsWith('.') || name.includes('\\') || name.includes('%')) valid = false;
  if (!valid) throw invalidSpecifier(specifier, 'is not a valid package name', base);
  return [name, '.' + (separator === -1 ? '' : specifier.slice(separator))];
}

// Node's legacy "main" lookup for ES imports of a package without "exports".
function legacyMainResolve(pkg, base) {
  const candidates = [];
  if (pkg.main !== undefined) {
    for (const suffix of ['', '.js', '.json', '.node', '/index.js', '/index.json', '/index.node']) {
      candidates.push(pkg.main + suffix);
    }
  }
  candidates.push('./index.js', './index.json', './index.node');
  for (const candidate of candidates) {
    const path = resolvePath(pkg.path, candidate);
    if (statKind(path) === 1) return path;
  }
  throw esmNotFound(pkg.path, base, true);
}

// A bare specifier imported from `base`: the package's own name, then node_modules upwards.
function packageResolve(specifier, base, conditions) {
  const [name, subpath] = parsePackageName(specifier, base);
  const scope = readPackageScope(base);
  if (scope !== null && scope.name === name && scope.exports !== undefined && scope.exports !== null) {
    return packageExportsResolve(scope, subpath, base, conditions);
  }
  for (const modulesDir of nodeModulePaths(dirname(base))) {
    const pkgPath = `${modulesDir}/${name}`;
    if (statKind(pkgPath) !== 2) continue;
    const pkg = readPackage(pkgPath) ?? { __proto__: null, path: pkgPath, jsonPath: `${pkgPath}/package.json` };
    if (pkg.exports !== undefined && pkg.exports !== null) return packageExportsResolve(pkg, subpath, base, conditions);
    if (subpath === '.') return legacyMainResolve(pkg, base);
    return resolvePath(pkgPath, subpath);
  }
  throw esmNotFound(name, base, true);
}

// ---- CommonJS ----------------------------------------------------------------------------------

const moduleParents = new SafeWeakMap();
let mainModule;

function Module(id = '', parent) {
  this.id = id;
  this.path = dirname(id);
  definePlain(this, 'exports', {});
  moduleParents.set(this, parent);
  updateChildren(parent, this, false);
  this.filename = null;
  this.loaded = false;
  this.children = [];
}

function updateChildren(parent, child, scan) {
  const children = parent?.children;
  if (ArrayIsArray(children) && (!scan || !children.includes(child))) children.push(child);
}

const moduleCache = { __proto__: null };
const extensionHandlers = { __proto__: null };

function tryFile(path) {
  return statKind(path) === 1 ? realpath(path) : false;
}

function tryExtensions(basePath, extensions) {
  for (const extension of extensions) {
    const found = tryFile(basePath + extension);
    if (found) return found;
  }
  return false;
}

function registeredExtensions() {
  return ObjectKeys(Module._extensions);
}

function tryPackage(requestPath, extensions, originalRequest) {
  const pkg = readPackage(requestPath);
  if (pkg === null || pkg.main === undefined) return tryExtensions(resolvePath(requestPath, 'index'), extensions);
  const filename = resolvePath(requestPath, pkg.main);
  const found = tryFile(filename) || tryExtensions(filename, extensions) ||
                tryExtensions(resolvePath(filename, 'index'), extensions) ||
                tryExtensions(resolvePath(requestPath, 'index'), extensions);
  if (found) return found;
  const error = new Error(`Cannot find module '${filename}'. Please verify that the package.json has a valid ` +
                          '"main" entry');
  error.code = 'MODULE_NOT_FOUND';
  error.path = pkg.jsonPath;
  error.requestPath = originalRequest;
  throw error;
}

// A path from package exports or imports must exist; CommonJS then uses its realpath.
function finalizeResolution(resolved, pkg) {
  if (/%2f|%5c/i.test(resolved)) {
    throw invalidSpecifier(resolved, 'must not include encoded "/" or "\\" characters', undefined);
  }
  const found = tryFile(resolved);
  if (found) return found;
  const error = new Error(`Cannot find module '${resolved}'`);
  error.code = 'MODULE_NOT_FOUND';
  error.path = pkg.jsonPath;
  throw error;
}

// A package that cannot be found while resolving exports is reported the CommonJS way.
function asCjsNotFound(error, request, pkg) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') return error;
  const notFound = new Error(`Cannot find module '${request}'`);
  notFound.code = 'MODULE_NOT_FOUND';
  notFound.path = pkg.jsonPath;
  return notFound;
}

function resolveExports(modulesDir, request) {
  const match = /^((?:@[^/\\%]+\/)?[^./\\%][^/\\%]*)(\/.*)?$/.exec(request);
  if (match === null) return false;
  const pkg = readPackage(`${modulesDir}/${match[1]}`);
  if (pkg === null || pkg.exports === undefined || pkg.exports === null) return false;
  try {
    return finalizeResolution(packageExportsResolve(pkg, '.' + (match[2] ?? ''), undefined, cjsConditions), pkg);
  } catch (error) {
    throw asCjsNotFound(error, request, pkg);
  }
}

function findPath(request, paths) {
  const absolute = request.startsWith('/');
  if (absolute) paths = [''];
  const trailingSlash = request.endsWith('/') || request.endsWith('/.') || request.endsWith('/..') ||
                        request === '.' || request === '..';
  const extensions = registeredExtensions();
  for (const dir of paths) {
    if (dir !== '' && statKind(dir) !== 2) continue;
    if (!absolute) {
      const exported = resolveExports(dir, request);
      if (exported) return exported;
    }
    const basePath = absolute ? normalizePath(request) : resolvePath(dir, request);
    const kind = statKind(basePath);
    let filename = false;
    if (!trailingSlash) {
      if (kind === 1) filename = realpath(basePath);
      if (!filename) filename = tryExtensions(basePath, extensions);
    }
    if (!filename && kind === 2) filename = tryPackage(basePath, extensions, request);
    if (filename) return filename;
  }
  return false;
}

function isRelative(request) {
  return request === '.' || request === '..' || request.startsWith('./') || request.startsWith('../');
}

function lookupPaths(request, parent) {
  if (isRelative(request)) return [parent?.filename ? dirname(parent.filename) : currentDir()];
  const own = ArrayIsArray(parent?.paths) ? parent.paths : nodeModulePaths(currentDir());
  return [...own, ...globalPaths()];
}

// The module a `require` from `parent` is relative to when it has no file (-e, createRequire(dir/)).
function parentPath(parent) {
  if (!parent) return undefined;
  if (parent.filename) return parent.filename;
  return `${currentDir()}/${parent.id || '[eval]'}`;
}

function trySelf(parent, request) {
  const from = parentPath(parent);
  if (from === undefined) return false;
  const pkg = readPackageScope(from);
  if (pkg === null || pkg.exports === undefined || pkg.exports === null || pkg.name === undefined) return false;
  let subpath;
  if (request === pkg.name) subpath = '.';
  else if (request.startsWith(`${pkg.name}/`)) subpath = '.' + request.slice(pkg.name.length);
  else return false;
  try {
    return finalizeResolution(packageExportsResolve(pkg, subpath, from, cjsConditions), pkg);
  } catch (error) {
    throw asCjsNotFound(error, request, pkg);
  }
}

function validateString(value, name) {
  if (typeof value !== 'string') throw internal.invalidArgType(name, 'of type string', value);
}

function resolveFilename(request, parent, isMain, options) {
  if (request.startsWith('node:')) {
    if (!isBuiltin(request)) throw unknownBuiltin(request);
    return request;
  }
  if (isBuiltinName(request)) return request;
  let paths;
  if (options !== null && typeof options === 'object' && options.paths !== undefined) {
    if (!ArrayIsArray(options.paths)) throw internal.invalidArgType('options.paths', 'an Array', options.paths);
    paths = [];
    for (const entry of options.paths) {
      const base = resolvePath(currentDir(), `${entry}`);
      const candidates = isRelative(request) ? [base] : [...nodeModulePaths(base), ...globalPaths()];
      for (const candidate of candidates) if (!paths.includes(candidate)) paths.push(candidate);
    }
  } else {
    paths = lookupPaths(request, parent);
  }
  if (request[0] === '#') {
    const from = parentPath(parent);
    const pkg = from === undefined ? null : readPackageScope(from);
    if (pkg !== null && pkg.imports !== undefined && pkg.imports !== null) {
      return finalizeResolution(packageImportsResolve(request, from, cjsConditions), pkg);
    }
  }
  const self = trySelf(parent, request);
  if (self) return self;
  const filename = findPath(request, paths);
  if (filename) return filename;
  throw moduleNotFound(request, parent);
}

function makeRequire(mod) {
  const require = function require(path) {
    return mod.require(path);
  };
  function resolve(request, options) {
    validateString(request, 'request');
    return Module._resolveFilename(request, mod, false, options);
  }
  function paths(request) {
    validateString(request, 'request');
    if (isBuiltin(request)) return null;
    return lookupPaths(request, mod);
  }
  resolve.paths = paths;
  require.resolve = resolve;
  require.main = mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

function wrapSafe(filename, content) {
  // A leading "#!" line is not JavaScript in a function body; blank it and keep the numbering.
  const source = content.startsWith('#!') ? '//' + content.slice(2) : content;
  return compileFunction(source, filename, ['exports', 'require', 'module', '__filename', '__dirname']);
}

// (parent directory, request) -> filename of modules already loaded, so a repeated require skips
// resolution (Node keeps the same cache; a module deleted from require.cache is resolved again).
const relativeResolveCache = new SafeMap();

function load(request, parent, isMain) {
  if (request.startsWith('node:')) {
    if (!isBuiltin(request)) throw unknownBuiltin(request);
    return loadBuiltin(request.slice(5));
  }
  let cacheKey;
  if (parent) {
    cacheKey = `${parent.path}\x00${request}`;
    const known = relativeResolveCache.get(cacheKey);
    if (known !== undefined) {
      const cached = Module._cache[known];
      if (cached !== undefined) {
        updateChildren(parent, cached, true);
        return cached.exports;
      }
      relativeResolveCache.delete(cacheKey);
    }
  }
  const filename = Module._resolveFilename(request, parent, isMain);
  if (cacheKey !== undefined) relativeResolveCache.set(cacheKey, filename);
  const cached = Module._cache[filename];
  if (cached !== undefined) {
    updateChildren(parent, cached, true);
    return cached.exports;
  }
  if (isBuiltinName(filename)) return loadBuiltin(filename);
  const module = new Module(filename, parent);
  if (isMain) setMain(module);
  Module._cache[filename] = module;
  let threw = true;
  try {
    module.load(filename);
    threw = false;
  } finally {
    if (threw) {
      delete Module._cache[filename];
      const children = parent?.children;
      if (ArrayIsArray(children)) {
        const index = children.indexOf(module);
        if (index !== -1) children.splice(index, 1);
      }
    }
  }
  return module.exports;
}

function setMain(module) {
  module.id = '.';
  mainModule = module;
  definePlain(internal.process, 'mainModule', module);
}

const moduleMethods = {
  __proto__: null,
  require(id) {
    validateString(id, 'id');
    if (id === '') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'id' must be a non-empty string. Received ''");
    }
    return Module._load(id, this, false);
  },
  load(filename) {
    this.filename = filename;
    this.paths = nodeModulePaths(dirname(filename));
    if (filename.endsWith('.mjs') && Module._extensions['.mjs'] === undefined) {
      throw requireEsmError(filename, moduleParents.get(this)?.filename, null);
    }
    let extension = '.js';
    const name = basename(filename);
    for (let dot = name.indexOf('.', 1); dot !== -1; dot = name.indexOf('.', dot + 1)) {
      const candidate = name.slice(dot);
      if (Module._extensions[candidate] !== undefined) {
        extension = candidate;
        break;
      }
    }
    Module._extensions[extension](this, filename);
    this.loaded = true;
  },
  _compile(content, filename) {
    validateString(content, 'content');
    const fn = wrapSafe(filename, content);
    const require = makeRequire(this);
    return callGuest(fn, this.exports, [this.exports, require, this, filename, dirname(filename)]);
  },
};
for (const name of ObjectKeys(moduleMethods)) defineHidden(Module.prototype, name, moduleMethods[name]);
Object.defineProperty(Module.prototype, 'parent', {
  __proto__: null,
  configurable: true,
  enumerable: false,
  get() {
    return moduleParents.get(this);
  },
});

extensionHandlers['.js'] = function(module, filename) {
  if (filename.endsWith('.js')) {
    const pkg = readPackageScope(filename);
    if (pkg !== null && pkg.type === 'module') {
      throw requireEsmError(filename, moduleParents.get(module)?.filename, pkg);
    }
  }
  module._compile(readText(filename), filename);
};
extensionHandlers['.json'] = function(module, filename) {
  const content = readText(filename);
  try {
    definePlain(module, 'exports', JSONParse(stripBOM(content)));
  } catch (error) {
    if (error instanceof Error) error.message = `${filename}: ${error.message}`;
    throw error;
  }
};
extensionHandlers['.node'] = function(module, filename) {
  throw codedError(Error, 'ERR_DLOPEN_FAILED', `Cannot load native addon ${filename}: native addons are not ` +
                   'supported in this runtime');
};

function createRequire(filename) {
  let path = filename;
  if (typeof filename === 'object' && filename !== null && typeof filename.href === 'string') path = filename.href;
  if (typeof path === 'string' && path.startsWith('file:')) {
    path = fileURLToPath(path) + (path.endsWith('/') ? '/' : '');
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
                     'The argument \'filename\' must be a file URL object, file URL string, or absolute path ' +
                     `string. Received ${internal.inspect(filename)}`);
  }
  const proxyPath = path.endsWith('/') ? `${normalizePath(path)}/noop.js` : normalizePath(path);
  const module = new Module(proxyPath);
  module.filename = proxyPath;
  module.paths = nodeModulePaths(module.path);
  return makeRequire(module);
}

const moduleStatics = {
  __proto__: null,
  _cache: moduleCache,
  _pathCache: { __proto__: null },
  _extensions: extensionHandlers,
  _load: load,
  _resolveFilename(request, parent, isMain, options) {
    validateString(request, 'request');
    return resolveFilename(request, parent, isMain, options);
  },
  _nodeModulePaths(from) {
    return nodeModulePaths(resolvePath(currentDir(), `${from}`));
  },
  _findPath(request, paths) {
    return findPath(`${request}`, ArrayIsArray(paths) ? paths : []);
  },
  createRequire,
  isBuiltin,
  wrap(script) {
    return Module.wrapper[0] + script + Module.wrapper[1];
  },
  wrapper: ['(function (exports, require, module, __filename, __dirname) { ', '\n});'],
  syncBuiltinESMExports() {},
  findSourceMap() {
    return undefined;
  },
  Module,
};
for (const name of ObjectKeys(moduleStatics)) defineHidden(Module, name, moduleStatics[name]);

// Builtins that are bootstrap objects already, unless a bootstrap file provides its own.
if (internal.builtinLoaders.process === undefined) internal.defineBuiltin('process', () => internal.process);
if (internal.builtinLoaders.console === undefined) internal.defineBuiltin('console', () => internal.console);

internal.defineBuiltin('module', () => {
  definePlain(Module, 'builtinModules', builtinList());
  definePlain(Module, 'globalPaths', globalPaths());
  return Module;
});

// The main program as CommonJS: the source the host read, compiled under the file's realpath.
function runMainCommonJs(filename, source) {
  const module = new Module(filename, undefined);
  setMain(module);
  Module._cache[filename] = module;
  module.filename = filename;
  module.paths = nodeModulePaths(dirname(filename));
  module._compile(source, filename);
  module.loaded = true;
}

// ---- ES modules --------------------------------------------------------------------------------

// url -> { id, url }: every record the ModuleLoader holds for this process, by identity.
const esmRecords = new SafeMap();

function esmFormat(path) {
  const extension = extname(path);
  if (extension === '.mjs') return 'module';
  if (extension === '.cjs') return 'commonjs';
  if (extension === '.json') return 'json';
  const type = readPackageScope(path)?.type;
  if (extension === '.js') return type === 'module' ? 'module' : 'commonjs';
  if (extension === '' && type !== 'module') return 'commonjs';
  throw codedError(TypeError, 'ERR_UNKNOWN_FILE_EXTENSION', `Unknown file extension "${extension}" for ${path}`);
}

// Resolves an import specifier from the module at `base` (a path) to { url, path, format }.
function esmResolve(specifier, base) {
  if (specifier.startsWith('node:') || isBuiltinName(specifier)) {
    const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (!isBuiltin(`node:${name}`)) throw unknownBuiltin(specifier);
    return { __proto__: null, url: `node:${name}`, name, format: 'builtin' };
  }
  let path;
  if (specifier.startsWith('file:')) {
    path = normalizePath(fileURLToPath(specifier));
  } else if (specifier.startsWith('/') || isRelative(specifier)) {
    path = resolvePath(dirname(base), decodeURIComponent(specifier.replace(/[?#].*$/, '')));
  } else if (specifier[0] === '#') {
    path = packageImportsResolve(specifier, base, esmConditions);
  } else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier)) {
    const scheme = specifier.slice(0, specifier.indexOf(':') + 1);
    throw codedError(Error, 'ERR_UNSUPPORTED_ESM_URL_SCHEME',
                     'Only URLs with a scheme in: file and node are supported by the default ESM loader. ' +
                     `Received protocol '${scheme}'`);
  } else {
    path = packageResolve(specifier, base, esmConditions);
  }
  const kind = statKind(path);
  if (kind === 2 || path.endsWith('/')) {
    throw codedError(Error, 'ERR_UNSUPPORTED_DIR_IMPORT',
                     `Directory import '${path}' is not supported resolving ES modules${importedFrom(base)}`);
  }
  if (kind !== 1) throw esmNotFound(path, base);
  const real = realpath(path);
  return { __proto__: null, url: pathToFileURL(real), path: real, format: esmFormat(real) };
}

function syntheticRecord(url, exports, names) {
  const values = { __proto__: null, default: exports };
  const exportNames = ['default'];
  for (const name of names) {
    if (name === 'default') continue;
    exportNames.push(name);
    values[name] = exports[name];
  }
  return { __proto__: null, id: moduleSynthetic(url, exportNames, values), url };
}

function exportedKeys(value) {
  return (value !== null && (typeof value === 'object' || typeof value === 'function')) ? ObjectKeys(value) : [];
}

// The record for a resolved module, compiling and linking its static imports on first use.
// `created` collects new URLs so a failed load can forget them.
function esmRecord(resolved, created, source) {
  const existing = esmRecords.get(resolved.url);
  if (existing !== undefined) return existing;
  let record;
  if (resolved.format === 'builtin') {
    const exports = loadBuiltin(resolved.name);
    record = syntheticRecord(resolved.url, exports, exportedKeys(exports));
  } else if (resolved.format === 'commonjs') {
    // Node runs a CommonJS dependency when the graph evaluates; here it runs while linking, which
    // lets its export names be exact.
    const exports = Module._load(resolved.path, undefined, false);
    record = syntheticRecord(resolved.url, exports, exportedKeys(exports));
  } else if (resolved.format === 'json') {
    let value;
    try {
      value = JSONParse(stripBOM(readText(resolved.path)));
    } catch (error) {
      if (error instanceof Error) error.message = `${resolved.path}: ${error.message}`;
      throw error;
    }
    record = syntheticRecord(resolved.url, value, []);
  } else {
    const [id, ...requests] = moduleCompile(source ?? readText(resolved.path), resolved.url);
    record = { __proto__: null, id, url: resolved.url };
    esmRecords.set(resolved.url, record);
    created.push(resolved.url);
    for (const specifier of requests) {
      const dependency = esmRecord(esmResolve(specifier, resolved.path), created);
      moduleLink(id, specifier, dependency.id);
    }
    return record;
  }
  esmRecords.set(resolved.url, record);
  created.push(resolved.url);
  return record;
}

// Loads and instantiates the graph rooted at `resolved`; returns its record.
function esmLink(resolved, source) {
  const created = [];
  let linked = false;
  try {
    const record = esmRecord(resolved, created, source);
    moduleInstantiate(record.id);
    linked = true;
    return record;
  } finally {
    if (!linked) for (const url of created) esmRecords.delete(url);
  }
}

function referrerPath(referrer) {
  if (typeof referrer === 'string') {
    if (referrer.startsWith('file:')) return fileURLToPath(referrer);
    if (referrer.startsWith('/')) return referrer;
  }
  return `${currentDir()}/[eval]`;
}

// import(): loading starts after the importer's synchronous code, as in Node.
async function importDynamic(specifier, referrer) {
  await undefined;
  const record = esmLink(esmResolve(`${specifier}`, referrerPath(referrer)));
  await moduleEvaluate(record.id);
  return moduleNamespace(record.id);
}

let mainEvaluation = null;  // the ES main module's URL while its evaluation is unsettled

function runMainModule(path, source) {
  const resolved = { __proto__: null, url: pathToFileURL(path), path, format: 'module' };
  const record = esmLink(resolved, source);
  const evaluation = moduleEvaluate(record.id);
  mainEvaluation = resolved.url;
  callGuest(PromisePrototypeThen, evaluation, [
    () => {
      mainEvaluation = null;
    },
    (error) => {
      mainEvaluation = null;
      internal.reportUncaught(error);
    },
  ]);
}

function isModuleEntry(path) {
  if (path.endsWith('.mjs')) return true;
  return path.endsWith('.js') && readPackageScope(path)?.type === 'module';
}

// ---- host entries ------------------------------------------------------------------------------

// `node file`: ESM for .mjs and .js in a "type": "module" package, else CommonJS.
function runMain(filename, source) {
  const path = realpathOrSame(filename);
  if (isModuleEntry(path)) runMainModule(path, source);
  else runMainCommonJs(path, source);
}

// -e, -p and [stdin] scripts see require, module, exports, __filename and __dirname as globals.
function prepareEval(name) {
  const cwd = currentDir();
  const module = new Module(name);
  module.filename = resolvePath(cwd, name);
  module.paths = nodeModulePaths(cwd);
  definePlain(globalThis, 'module', module);
  definePlain(globalThis, 'exports', module.exports);
  definePlain(globalThis, 'require', makeRequire(module));
  definePlain(globalThis, '__filename', name);
  definePlain(globalThis, '__dirname', '.');
}

// A main module still awaiting at the natural end leaves like Node: a warning and exit code 13.
const emitExit = internal.host.emitExit;
function emitExitAfterMain() {
  if (mainEvaluation !== null && internal.process.exitCode === undefined) {
    write(2, `Warning: Detected unsettled top-level await at ${mainEvaluation}\n`);
    internal.process.exitCode = 13;
  }
  return emitExit();
}

internal.host.runMain = runMain;
internal.host.prepareEval = prepareEval;
internal.host.importDynamic = importDynamic;
internal.host.emitExit = emitExitAfterMain;
