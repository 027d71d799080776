// Bundles the npm polyfills and our entry (src/index.js) for the guest runtime.
//   usage: node build.mjs OUTPUT_DIR CHUNK_NAME...
// Writes OUTPUT_DIR/polyfills.js, the core bundle evaluated into the startup snapshot, and one
// OUTPUT_DIR/chunk-NAME.js per chunk: the large, rarely used builtins (stream, assert, url, ...),
// embedded in the binary and compiled only when a guest first needs them, so no process pays for
// them in its snapshot-restored heap. The chunk names must be exactly those of `chunks` below
// (the build system lists the files it expects).
//
// The core bundle is the body of `function (native, internal)` like every guest/*.js file: an
// IIFE in strict mode whose free identifiers `native` and `internal` are that function's
// parameters (esbuild never renames a bundle symbol to a name that is referenced unbound).
// A chunk is the body of `function (internal)` returning its exports. A chunk never carries its
// own copy of a module another bundle owns (one Buffer, one EventEmitter, one util, one
// AbortSignal): such imports become `internal.sharedModule(NAME)` (the core's) or
// `internal.loadChunk(NAME)` (another chunk's).
// Package names the polyfills import are redirected to our shims so the bundles share the
// guest's own process/nextTick and AbortController, and no polyfill of a language feature V8
// 10.2 already has.
import { analyzeMetafile, build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = path.join(here, 'src');
const source = (file) => path.join(sourceDir, file);

// Chunk name -> its entry (CommonJS, resolved from src/) and the import paths (exact) that mean it.
const chunks = new Map([
  ['stream', {
    entry: "module.exports = { stream: require('readable-stream/lib/stream.js'), " +
           "promises: require('readable-stream/lib/stream/promises.js') };",
    importedAs: [],
  }],
  ['assert', {
    entry: "module.exports = { assert: require('assert/'), " +
           "isDeepStrictEqual: require('../node_modules/assert/build/internal/util/comparisons.js').isDeepStrictEqual };",
    importedAs: [],
  }],
  ['url', { entry: "module.exports = require('./url.js');", importedAs: [] }],
  ['querystring', { entry: "module.exports = require('./querystring.js');", importedAs: ['qs'] }],
  ['string_decoder', {
    entry: "module.exports = require('string_decoder/');",
    importedAs: ['string_decoder', 'string_decoder/'],
  }],
]);

// Import path (exact) -> the core module chunks share (index.js's sharedModule table).
const coreModules = new Map([
  ['buffer', 'buffer'],
  ['buffer/', 'buffer'],
  ['events', 'events'],
  ['util', 'util'],
  ['util/', 'util'],
  ['abort-controller', 'web'],
  ['path-browserify', 'path'],
]);

// Import path (exact) -> our module. esbuild's `alias` cannot name paths like 'util/'.
const redirects = new Map([
  ['events', 'events.js'],
  ['util', 'util.js'],
  ['util/', 'util.js'],
  ['process', 'shims/process.js'],
  ['process/', 'shims/process.js'],
  ['abort-controller', 'web.js'],
  ['qs', 'querystring.js'],
  ['object.assign/polyfill', 'shims/object-assign-polyfill.js'],
  ['object-is/polyfill', 'shims/object-is-polyfill.js'],
  ['object-is', 'shims/object-is.js'],
  ['is-nan', 'shims/is-nan.js'],
  ['call-bind/callBound', 'shims/call-bound.js'],
]);

const args = process.argv.slice(2);
const outputDir = args[0];
const expected = args.slice(1);
if (!outputDir) {
  console.error('usage: node build.mjs OUTPUT_DIR CHUNK_NAME...');
  process.exit(2);
}
if ([...chunks.keys()].sort().join(' ') !== [...expected].sort().join(' ')) {
  console.error(`build.mjs: the build lists chunks [${expected.join(', ')}] but the bundler makes ` +
                `[${[...chunks.keys()].join(', ')}]`);
  process.exit(2);
}

const redirect = {
  name: 'redirect',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[a-z][\w./-]*$/ }, (args) => {
      const file = redirects.get(args.path);
      return file === undefined ? undefined : { path: source(file) };
    });
    esbuild.onResolve({ filter: /\/internals\/shared-store$/ }, (args) =>
      args.importer.includes('core-js-pure') ? { path: source('shims/core-js-shared-store.js') } : undefined);
  },
};

// For the chunk `self`: imports of what the core or another chunk owns become lookups at run time.
function linkTo(self) {
  const links = new Map();
  for (const [importPath, name] of coreModules) links.set(importPath, `internal.sharedModule('${name}')`);
  for (const [name, chunk] of chunks) {
    if (name === self) continue;
    for (const importPath of chunk.importedAs) links.set(importPath, `internal.loadChunk('${name}')`);
  }
  return {
    name: 'link',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^[a-z][\w./-]*$/ }, (args) =>
        links.has(args.path) ? { path: args.path, namespace: 'se-link' } : undefined);
      esbuild.onLoad({ filter: /.*/, namespace: 'se-link' }, (args) =>
        ({ contents: `module.exports = ${links.get(args.path)};`, loader: 'js' }));
    },
  };
}

const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome102',  // V8 10.2
  banner: { js: "'use strict';" },
  // ASCII output, so each bundle can be a one-byte V8 string over the embedded bytes.
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: Boolean(process.env.SE_BUNDLE_ANALYZE),
};

const builds = [build({
  ...common,
  entryPoints: [source('index.js')],
  outfile: path.join(outputDir, 'polyfills.js'),
  plugins: [redirect],
})];
for (const [name, chunk] of chunks) {
  builds.push(build({
    ...common,
    stdin: { contents: chunk.entry, resolveDir: sourceDir, sourcefile: `chunk-${name}.js` },
    outfile: path.join(outputDir, `chunk-${name}.js`),
    globalName: 'chunkExports',
    footer: { js: 'return chunkExports;' },
    plugins: [linkTo(name), redirect],
  }));
}
for (const result of await Promise.all(builds)) {
  if (result.metafile) console.log(await analyzeMetafile(result.metafile));
}
