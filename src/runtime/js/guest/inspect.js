'use strict';
// util.inspect and util.format with Node's observable output for the common value kinds: the
// same quoting, nesting depth, circular markers, line breaking (80 columns, the innermost three
// levels joined on one line) and grouping of long arrays into columns.

const { valueKind, promiseState, proxyTarget, previewEntries } = native;

const Kind = {
  __proto__: null,
  other: 0, map: 1, set: 2, weakMap: 3, weakSet: 4, date: 5, regExp: 6, error: 7, promise: 8, arrayBuffer: 9,
  sharedArrayBuffer: 10, typedArray: 11, dataView: 12, numberObject: 13, stringObject: 14, booleanObject: 15,
  bigIntObject: 16, symbolObject: 17, mapIterator: 18, setIterator: 19, generator: 20, moduleNamespace: 21,
  asyncFunction: 22, generatorFunction: 23, arguments: 24,
};

const customInspect = Symbol.for('nodejs.util.inspect.custom');
const ObjectPrototypeToString = Object.prototype.toString;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
const ObjectPrototypePropertyIsEnumerable = Object.prototype.propertyIsEnumerable;
const FunctionPrototypeToString = Function.prototype.toString;
const RegExpPrototypeToString = RegExp.prototype.toString;
const DatePrototypeToISOString = Date.prototype.toISOString;
const DatePrototypeGetTime = Date.prototype.getTime;
const ErrorPrototypeToString = Error.prototype.toString;
const SymbolPrototypeToString = Symbol.prototype.toString;
const NumberPrototypeValueOf = Number.prototype.valueOf;
const StringPrototypeValueOf = String.prototype.valueOf;
const BooleanPrototypeValueOf = Boolean.prototype.valueOf;
const BigIntPrototypeValueOf = BigInt.prototype.valueOf;
const SymbolPrototypeValueOf = Symbol.prototype.valueOf;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const TypedArrayLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'length').get;
const TypedArrayToStringTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get;
const ArrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
const MapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
const SetSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
const call = (fn, receiver, ...args) => internal.callGuest(fn, receiver, args);

const defaultOptions = {
  __proto__: null,
  depth: 2, breakLength: 80, compact: 3, showHidden: false, maxArrayLength: 100, maxStringLength: 10000,
  sorted: false, getters: false, numericSeparator: false,
};

const identifierKey = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const escapeNeeded = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const meta = {
  __proto__: null, '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '\\': '\\\\',
};

function escapeChar(ch, quote) {
  if (ch === quote) return '\\' + ch;
  if (meta[ch] !== undefined) return meta[ch];
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
  return ch;
}

// Quotes like Node: single quotes unless the text contains them (then double, then backtick).
function quoteString(text) {
  let quote = "'";
  if (text.includes("'")) {
    if (!text.includes('"')) quote = '"';
    else if (!text.includes('`') && !text.includes('${')) quote = '`';
  }
  const needsEscape = quote === "'" ? escapeNeeded.test(text) : /[\x00-\x1f\x5c\x7f-\x9f\ud800-\udfff]/.test(text) ||
                                                              text.includes(quote);
  if (!needsEscape) return quote + text + quote;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + text[i + 1];
        i++;
        continue;
      }
    }
    out += escapeChar(text[i], quote);
  }
  return quote + out + quote;
}

function formatNumber(n) {
  return Object.is(n, -0) ? '-0' : `${n}`;
}

function formatPrimitive(ctx, value) {
  switch (typeof value) {
    case 'string': {
      let text = value;
      let trailer = '';
      if (text.length > ctx.maxStringLength) {
        const remaining = text.length - ctx.maxStringLength;
        text = text.slice(0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
      }
      // Long multi-line strings below the top level are split at line ends, joined with " +".
      if (ctx.compact !== true && text.length > 16 && text.length > ctx.breakLength - ctx.indentationLvl - 4) {
        const lines = text.split(/(?<=\n)/);
        if (lines.length > 1) {
          const indent = ' '.repeat(ctx.indentationLvl);
          return lines.map(quoteString).join(` +\n${indent}  `) + trailer;
        }
      }
      return quoteString(text) + trailer;
    }
    case 'number': return formatNumber(value);
    case 'bigint': return `${value}n`;
    case 'boolean': return `${value}`;
    case 'undefined': return 'undefined';
    case 'symbol': return call(SymbolPrototypeToString, value);
    default: return String(value);
  }
}

// The constructor name Node shows before braces, found on the prototype chain.
function constructorName(obj) {
  let proto = obj;
  let depth = 0;
  while (proto !== null && depth < 1000) {
    const descriptor = ObjectGetOwnPropertyDescriptor(proto, 'constructor');
    if (descriptor !== undefined && typeof descriptor.value === 'function' && descriptor.value.name !== '' &&
        isInstanceOf(obj, descriptor.value)) {
      return String(descriptor.value.name);
    }
    proto = Object.getPrototypeOf(proto);
    depth++;
  }
  return null;
}

function isInstanceOf(obj, ctor) {
  try {
    return obj instanceof ctor;
  } catch {
    return false;
  }
}

function prefixFor(constructor, tag, fallback, size) {
  const sizeText = size === undefined ? '' : `(${size})`;
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) return `[${fallback}${sizeText}: null prototype] [${tag}] `;
    return `[${fallback}${sizeText}: null prototype] `;
  }
  if (tag !== '' && constructor !== tag) return `${constructor}${sizeText} [${tag}] `;
  return `${constructor}${sizeText} `;
}

function formatKey(key, enumerable) {
  if (typeof key === 'symbol') return `[${call(SymbolPrototypeToString, key)}]`;
  if (!enumerable) return `[${key}]`;
  if (identifierKey.test(key)) return key;
  return quoteString(key);
}

function formatProperty(ctx, value, recurseTimes, key, arrayLike) {
  const descriptor = ObjectGetOwnPropertyDescriptor(value, key) ?? { value: value[key], enumerable: true };
  let text;
  if (descriptor.value !== undefined || !('get' in descriptor || 'set' in descriptor)) {
    ctx.indentationLvl += 2;
    text = formatValue(ctx, descriptor.value, recurseTimes);
    ctx.indentationLvl -= 2;
  } else if (descriptor.get !== undefined) {
    text = descriptor.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else {
    text = descriptor.set !== undefined ? '[Setter]' : 'undefined';
  }
  if (arrayLike) return text;
  return `${formatKey(key, descriptor.enumerable !== false)}: ${text}`;
}

function visibleKeys(value, ctx) {
  let keys;
  if (ctx.showHidden) {
    keys = ObjectGetOwnPropertyNames(value);
  } else {
    keys = [];
    const names = ObjectGetOwnPropertyNames(value);
    for (let i = 0; i < names.length; i++) {
      if (call(ObjectPrototypePropertyIsEnumerable, value, names[i])) keys.push(names[i]);
    }
  }
  const symbols = ObjectGetOwnPropertySymbols(value);
  for (let i = 0; i < symbols.length; i++) {
    if (ctx.showHidden || call(ObjectPrototypePropertyIsEnumerable, value, symbols[i])) keys.push(symbols[i]);
  }
  if (ctx.sorted) keys.sort();
  return keys;
}

function isIndexKey(key) {
  return typeof key === 'string' && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}

function formatArrayEntries(ctx, value, length, recurseTimes, output) {
  const limit = Math.min(length, ctx.maxArrayLength);
  let holes = 0;
  let shown = 0;
  for (let i = 0; i < length && shown < limit; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) {
      holes++;
      continue;
    }
    if (holes > 0) {
      output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
      shown++;
      holes = 0;
      if (shown >= limit) break;
    }
    output.push(formatProperty(ctx, value, recurseTimes, String(i), true));
    shown++;
  }
  if (holes > 0 && shown < limit) {
    output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
    shown++;
  }
  const remaining = length - countConsumed(value, length, shown);
  if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
}

// How many array slots the first `shown` output entries covered (holes collapse into one entry).
function countConsumed(value, length, shown) {
  let slots = 0;
  let entries = 0;
  while (slots < length && entries < shown) {
    if (Object.prototype.hasOwnProperty.call(value, slots)) {
      slots++;
    } else {
      while (slots < length && !Object.prototype.hasOwnProperty.call(value, slots)) slots++;
    }
    entries++;
  }
  return slots;
}

function formatTypedEntries(ctx, value, length, output) {
  const limit = Math.min(length, ctx.maxArrayLength);
  for (let i = 0; i < limit; i++) {
    const element = value[i];
    output.push(typeof element === 'bigint' ? `${element}n` : formatNumber(element));
  }
  if (length > limit) output.push(`... ${length - limit} more item${length - limit > 1 ? 's' : ''}`);
}

function hexBytes(buffer, max) {
  const bytes = new Uint8Array(buffer, 0, Math.min(max, call(ArrayBufferByteLength, buffer)));
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += (i === 0 ? '' : ' ') + bytes[i].toString(16).padStart(2, '0');
  const remaining = call(ArrayBufferByteLength, buffer) - bytes.length;
  if (remaining > 0) text += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return `<${text}>`;
}

function functionBase(value, constructor, tag, kind) {
  let source = '';
  try {
    source = call(FunctionPrototypeToString, value);
  } catch {
    source = '';
  }
  if (source.startsWith('class') && /^class\s*[{\s\w$]/.test(source)) {
    const name = value.name ? `class ${value.name}` : 'class (anonymous)';
    const heritage = /^class\s+[\w$]*\s*extends\s+([\w$.]+)/.exec(source);
    let base = `[${name}${heritage ? ` extends ${heritage[1]}` : ''}]`;
    if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
    if (constructor === null) base += ' [null prototype]';
    return base;
  }
  let type = 'Function';
  if (kind === Kind.generatorFunction) type = 'GeneratorFunction';
  if (kind === Kind.asyncFunction) type = 'AsyncFunction';
  if (source.startsWith('async function*') || source.startsWith('async *')) type = 'AsyncGeneratorFunction';
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  base += value.name === '' || typeof value.name !== 'string' ? ' (anonymous)' : `: ${value.name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function formatErrorBase(ctx, err, constructor, tag, keys) {
  let stack;
  try {
    stack = err.stack;
  } catch {
    stack = undefined;
  }
  let text;
  if (typeof stack === 'string' && stack !== '') {
    text = stack;
  } else {
    try {
      text = `[${call(ErrorPrototypeToString, err)}]`;
    } catch {
      text = '[Error]';
    }
  }
  const name = err.name != null ? String(err.name) : 'Error';
  // Node notes a constructor name or tag the stack does not already show.
  if (constructor === null) {
    text = `[${name}: null prototype]` + (text.startsWith('[') ? ` ${text}` : text.slice(name.length));
  } else if (constructor !== name && !text.startsWith(constructor) && text.startsWith(name)) {
    text = `${constructor} [${name}]${text.slice(name.length)}`;
  }
  if (tag !== '' && tag !== constructor && !text.includes(tag)) text = text.replace(/^([^:\n\[]*)/, `$1 [${tag}]`);
  // 'message' and 'stack' are already part of the text.
  for (let i = keys.length - 1; i >= 0; i--) {
    if (keys[i] === 'stack' || keys[i] === 'message') keys.splice(i, 1);
  }
  if ('cause' in err && !keys.includes('cause') && Object.prototype.hasOwnProperty.call(err, 'cause')) {
    keys.push('cause');
  }
  if (ctx.indentationLvl !== 0) {
    const indentation = ' '.repeat(ctx.indentationLvl);
    text = text.split('\n').join(`\n${indentation}`);
  }
  return text;
}

function formatValue(ctx, value, recurseTimes, typedArray) {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx, value);
  if (value === null) return 'null';

  const target = proxyTarget(value);
  if (target !== undefined) value = target;

  if (ctx.customInspect) {
    let custom;
    try {
      custom = value[customInspect];
    } catch {
      custom = undefined;
    }
    if (typeof custom === 'function' && custom !== inspect) {
      const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
      const options = { __proto__: null, ...ctx.userOptions, depth, indentationLvl: ctx.indentationLvl };
      const result = call(custom, value, depth, options, inspect);
      if (result !== value) {
        if (typeof result !== 'string') return formatValue(ctx, result, recurseTimes);
        return result.split('\n').join(`\n${' '.repeat(ctx.indentationLvl)}`);
      }
    }
  }

  if (ctx.seen.includes(value)) {
    let index = ctx.circular.get(value);
    if (index === undefined) {
      index = ctx.circular.size + 1;
      ctx.circular.set(value, index);
    }
    return `[Circular *${index}]`;
  }
  return formatRaw(ctx, value, recurseTimes, typedArray);
}

function formatRaw(ctx, value, recurseTimes, typedArray) {
  const kind = valueKind(value);
  const constructor = constructorName(value);
  let tag = '';
  try {
    const rawTag = value[Symbol.toStringTag];
    // A tag stored as an own enumerable property already shows among the keys.
    if (typeof rawTag === 'string' && rawTag !== '' &&
        !call(ObjectPrototypePropertyIsEnumerable, value, Symbol.toStringTag)) {
      tag = rawTag;
    }
  } catch {
    tag = '';
  }
  if (tag !== '' && constructor !== null && tag === constructor) tag = '';
  let keys = visibleKeys(value, ctx);
  let base = '';
  let braces;
  let arrayLike = false;
  let extrasArray = false;
  let formatEntries = null;
  const noPrototypeFallback = (fallback) => prefixFor(constructor, tag, fallback);

  if (Array.isArray(value)) {
    keys = keys.filter((key) => !isIndexKey(key));
    const prefix = constructor !== 'Array' || tag !== '' ? prefixFor(constructor, tag, 'Array', value.length) : '';
    braces = [`${prefix}[`, ']'];
    if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
    extrasArray = true;
    arrayLike = true;
    formatEntries = (output) => formatArrayEntries(ctx, value, value.length, recurseTimes, output);
  } else if (kind === Kind.set) {
    const size = call(SetSize, value);
    const prefix = prefixFor(constructor, tag, 'Set', size);
    if (size === 0 && keys.length === 0) return `${prefix}{}`;
    braces = [`${prefix}{`, '}'];
    formatEntries = (output) => {
      ctx.indentationLvl += 2;
      for (const entry of previewEntries(value)[0]) output.push(formatValue(ctx, entry, recurseTimes));
      ctx.indentationLvl -= 2;
    };
  } else if (kind === Kind.map) {
    const size = call(MapSize, value);
    const prefix = prefixFor(constructor, tag, 'Map', size);
    if (size === 0 && keys.length === 0) return `${prefix}{}`;
    braces = [`${prefix}{`, '}'];
    formatEntries = (output) => {
      const entries = previewEntries(value)[0];
      ctx.indentationLvl += 2;
      for (let i = 0; i < entries.length; i += 2) {
        output.push(`${formatValue(ctx, entries[i], recurseTimes)} => ${formatValue(ctx, entries[i + 1], recurseTimes)}`);
      }
      ctx.indentationLvl -= 2;
    };
  } else if (kind === Kind.typedArray) {
    keys = keys.filter((key) => !isIndexKey(key));
    const length = call(TypedArrayLength, value);
    const typeName = call(TypedArrayToStringTag, value);
    const prefix = prefixFor(constructor, tag === typeName ? '' : tag, typeName, length);
    braces = [`${prefix}[`, ']'];
    if (length === 0 && keys.length === 0) return `${braces[0]}]`;
    extrasArray = true;
    arrayLike = true;
    formatEntries = (output) => formatTypedEntries(ctx, value, length, output);
  } else if (kind === Kind.mapIterator || kind === Kind.setIterator) {
    const label = kind === Kind.mapIterator ? 'Map' : 'Set';
    const [entries, isKeyValue] = previewEntries(value);
    braces = [`[${label} ${isKeyValue ? 'Entries' : 'Iterator'}] {`, '}'];
    formatEntries = (output) => {
      ctx.indentationLvl += 2;
      if (isKeyValue) {
        for (let i = 0; i < entries.length; i += 2) {
          output.push(`[ ${formatValue(ctx, entries[i], recurseTimes)}, ${formatValue(ctx, entries[i + 1], recurseTimes)} ]`);
        }
      } else {
        for (const entry of entries) output.push(formatValue(ctx, entry, recurseTimes));
      }
      ctx.indentationLvl -= 2;
    };
  } else {
    braces = ['{', '}'];
    if (typeof value === 'function') {
      base = functionBase(value, constructor, tag, kind);
      keys = keys.filter((key) => key !== 'prototype' || ctx.showHidden);
      if (keys.length === 0) return base;
    } else if (kind === Kind.arguments) {
      keys = keys.filter((key) => !isIndexKey(key));
      braces = ['[Arguments] [', ']'];
      if (value.length === 0 && keys.length === 0) return '[Arguments] []';
      extrasArray = true;
      arrayLike = true;
      formatEntries = (output) => formatArrayEntries(ctx, value, value.length, recurseTimes, output);
    } else if (kind === Kind.regExp) {
      base = call(RegExpPrototypeToString, value);
      const prefix = constructor === 'RegExp' && tag === '' ? '' : prefixFor(constructor, tag, 'RegExp');
      base = prefix + base;
      keys = keys.filter((key) => key !== 'lastIndex');
      if (keys.length === 0) return base;
    } else if (kind === Kind.date) {
      const time = call(DatePrototypeGetTime, value);
      base = Number.isNaN(time) ? 'Invalid Date' : call(DatePrototypeToISOString, value);
      if (constructor !== 'Date' || tag !== '') base = prefixFor(constructor, tag, 'Date') + base;
      if (keys.length === 0) return base;
    } else if (kind === Kind.error) {
      base = formatErrorBase(ctx, value, constructor, tag, keys);
      if (keys.length === 0) return base;
    } else if (kind === Kind.promise) {
      braces[0] = `${noPrototypeFallback('Promise')}{`;
      const [state, result] = promiseState(value);
      formatEntries = (output) => {
        if (state === 0) {
          output.push('<pending>');
        } else {
          ctx.indentationLvl += 2;
          const text = formatValue(ctx, result, recurseTimes);
          ctx.indentationLvl -= 2;
          output.push(state === 2 ? `<rejected> ${text}` : text);
        }
      };
    } else if (kind === Kind.weakMap || kind === Kind.weakSet) {
      braces[0] = `${noPrototypeFallback(kind === Kind.weakMap ? 'WeakMap' : 'WeakSet')}{`;
      formatEntries = (output) => output.push('<items unknown>');
    } else if (kind === Kind.arrayBuffer || kind === Kind.sharedArrayBuffer) {
      const label = kind === Kind.arrayBuffer ? 'ArrayBuffer' : 'SharedArrayBuffer';
      braces[0] = `${noPrototypeFallback(label)}{`;
      formatEntries = (output) => {
        output.push(`[Uint8Contents]: ${hexBytes(value, ctx.maxArrayLength)}`);
        output.push(`byteLength: ${formatValue(ctx, value.byteLength, recurseTimes)}`);
      };
    } else if (kind === Kind.dataView) {
      braces[0] = `${noPrototypeFallback('DataView')}{`;
      formatEntries = (output) => {
        output.push(`byteLength: ${formatNumber(value.byteLength)}`);
        output.push(`byteOffset: ${formatNumber(value.byteOffset)}`);
        ctx.indentationLvl += 2;
        output.push(`buffer: ${formatValue(ctx, value.buffer, recurseTimes)}`);
        ctx.indentationLvl -= 2;
      };
    } else if (kind >= Kind.numberObject && kind <= Kind.symbolObject) {
      let type;
      let primitive;
      if (kind === Kind.numberObject) [type, primitive] = ['Number', call(NumberPrototypeValueOf, value)];
      if (kind === Kind.stringObject) {
        [type, primitive] = ['String', call(StringPrototypeValueOf, value)];
        keys = keys.filter((key) => !isIndexKey(key) && key !== 'length');
      }
      if (kind === Kind.booleanObject) [type, primitive] = ['Boolean', call(BooleanPrototypeValueOf, value)];
      if (kind === Kind.bigIntObject) [type, primitive] = ['BigInt', call(BigIntPrototypeValueOf, value)];
      if (kind === Kind.symbolObject) [type, primitive] = ['Symbol', call(SymbolPrototypeValueOf, value)];
      base = `[${type}`;
      if (type !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
      base += `: ${formatPrimitive({ ...ctx, compact: true }, primitive)}]`;
      if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
      if (keys.length === 0) return base;
    } else if (kind === Kind.moduleNamespace) {
      braces[0] = '[Module: null prototype] {';
    } else if (kind === Kind.generator) {
      braces[0] = `Object [${tag || 'Generator'}] {`;
    } else {
      if (constructor === 'Object') {
        if (tag !== '') braces[0] = `${prefixFor(constructor, tag, 'Object')}{`;
      } else {
        braces[0] = `${prefixFor(constructor, tag, 'Object')}{`;
      }
      if (keys.length === 0) return `${braces[0]}}`;
    }
  }

  if (ctx.depth !== null && recurseTimes > ctx.depth) {
    const name = constructor === null ? 'Object: null prototype' : (constructor ?? 'Object');
    return Array.isArray(value) ? '[Array]' : `[${name}]`;
  }
  recurseTimes++;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  const output = [];
  try {
    if (formatEntries !== null) formatEntries(output);
    for (const key of keys) output.push(formatProperty(ctx, value, recurseTimes, key, false));
  } finally {
    ctx.seen.pop();
  }

  let result = reduceToSingleString(ctx, output, base, braces, extrasArray, recurseTimes, value);
  const index = ctx.circular.get(value);
  if (index !== undefined) {
    const reference = `<ref *${index}>`;
    result = `${reference} ${result}`;
  }
  return result;
}

// Arrays with more than six short entries are laid out in aligned columns.
function groupArrayElements(ctx, output, value) {
  let totalLength = 0;
  let maxLength = 0;
  let entryCount = output.length;
  if (ctx.maxArrayLength < output.length) entryCount--;  // the "... more items" entry stays alone
  const separatorSpace = 2;
  const lengths = new Array(entryCount);
  for (let i = 0; i < entryCount; i++) {
    const length = output[i].length;
    lengths[i] = length;
    totalLength += length + separatorSpace;
    if (maxLength < length) maxLength = length;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
      (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * entryCount) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const columnWidths = [];
    for (let column = 0; column < columns; column++) {
      let width = 0;
      for (let j = column; j < output.length; j += columns) {
        if (lengths[j] > width) width = lengths[j];
      }
      columnWidths.push(width + separatorSpace);
    }
    let padNumbers = value !== undefined;
    if (padNumbers) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          padNumbers = false;
          break;
        }
      }
    }
    const grouped = [];
    for (let i = 0; i < entryCount; i += columns) {
      const end = Math.min(i + columns, entryCount);
      let line = '';
      let j = i;
      for (; j < end - 1; j++) {
        const cell = `${output[j]}, `;
        line += padNumbers ? cell.padStart(columnWidths[j - i], ' ') : cell.padEnd(columnWidths[j - i], ' ');
      }
      line += padNumbers ? output[j].padStart(columnWidths[j - i] - separatorSpace, ' ') : output[j];
      grouped.push(line);
    }
    if (ctx.maxArrayLength < output.length) grouped.push(output[entryCount]);
    return grouped;
  }
  return output;
}

function fitsOnOneLine(ctx, output, start, base) {
  let total = output.length + start;
  if (total + output.length > ctx.breakLength) return false;
  for (let i = 0; i < output.length; i++) {
    total += output[i].length;
    if (total > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

function reduceToSingleString(ctx, output, base, braces, extrasArray, recurseTimes, value) {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
      const entries = output.length;
      if (extrasArray && entries > 6) output = groupArrayElements(ctx, output, value);
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (fitsOnOneLine(ctx, output, start, base)) {
          const joined = output.join(', ');
          if (!joined.includes('\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
    const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }
  if (fitsOnOneLine(ctx, output, 0, base)) {
    return `${braces[0]}${base ? ` ${base}` : ''} ${output.join(', ')} ${braces[1]}`;
  }
  const indentation = ' '.repeat(ctx.indentationLvl);
  const separator = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `;
  return `${braces[0]}${separator}${output.join(`,\n${indentation}  `)} ${braces[1]}`;
}

function makeContext(options) {
  const ctx = {
    __proto__: null,
    ...defaultOptions,
    seen: [],
    circular: new Map(),
    indentationLvl: 0,
    currentDepth: 0,
    customInspect: true,
    userOptions: undefined,
  };
  if (options !== undefined && options !== null && typeof options === 'object') {
    for (const key of Object.keys(defaultOptions)) {
      if (options[key] !== undefined) ctx[key] = options[key];
    }
    if (options.customInspect === false) ctx.customInspect = false;
    if (ctx.depth === Infinity) ctx.depth = null;
    ctx.userOptions = options;
  }
  return ctx;
}

function inspect(value, options) {
  // Legacy signature: inspect(value, showHidden, depth).
  if (typeof options === 'boolean') options = { showHidden: options, depth: arguments[2] };
  return formatValue(makeContext(options), value, 0);
}
inspect.custom = customInspect;
inspect.defaultOptions = defaultOptions;

function hasBuiltInToString(value) {
  let toString;
  try {
    toString = value.toString;
  } catch {
    return true;
  }
  return toString === ObjectPrototypeToString || toString === ErrorPrototypeToString ||
         toString === Array.prototype.toString || toString === Date.prototype.toString ||
         toString === RegExpPrototypeToString || typeof toString !== 'function';
}

function jsonStringify(value) {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof TypeError && /circular/i.test(String(err.message))) return '[Circular]';
    throw err;
  }
}

function formatWithOptions(options, ...args) {
  const first = args[0];
  let out = '';
  let next = 0;
  if (typeof first === 'string') {
    next = 1;
    if (args.length === 1) return first;
    let last = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue;  // '%'
      const spec = first[i + 1];
      if (spec === '%') {
        out += first.slice(last, i) + '%';
        last = i + 2;
        i++;
        continue;
      }
      if (next >= args.length) continue;
      let text;
      const arg = args[next];
      switch (spec) {
        case 's':
          if (typeof arg === 'number') text = formatNumber(arg);
          else if (typeof arg === 'bigint') text = `${arg}n`;
          else if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) text = String(arg);
          else text = inspect(arg, { ...options, depth: 0, compact: 3 });
          break;
        case 'j': text = jsonStringify(arg); break;
        case 'd':
          if (typeof arg === 'bigint') text = `${arg}n`;
          else if (typeof arg === 'symbol') text = 'NaN';
          else text = formatNumber(Number(arg));
          break;
        case 'i':
          if (typeof arg === 'bigint') text = `${arg}n`;
          else if (typeof arg === 'symbol') text = 'NaN';
          else text = formatNumber(Number.parseInt(arg));
          break;
        case 'f': text = typeof arg === 'symbol' ? 'NaN' : formatNumber(Number.parseFloat(arg)); break;
        case 'o': text = inspect(arg, { ...options, showHidden: true, depth: 4 }); break;
        case 'O': text = inspect(arg, options); break;
        case 'c': text = ''; break;
        default: continue;
      }
      out += first.slice(last, i) + text;
      last = i + 2;
      i++;
      next++;
    }
    out += first.slice(last);
  }
  for (; next < args.length; next++) {
    const arg = args[next];
    if (out !== '' || next > 0) out += ' ';
    out += typeof arg === 'string' ? arg : inspect(arg, options);
  }
  return out;
}

internal.inspect = inspect;
internal.format = (...args) => formatWithOptions(undefined, ...args);
internal.formatWithOptions = formatWithOptions;
