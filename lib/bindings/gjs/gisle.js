// gisle.js: GIsle for GJS, installed with the library into
// $datadir/gjs-1.0, where GJS finds it: `const Gisle = imports.gisle;`.
//
// Importing it:
// - makes every _async method of GIsle.Isle and GIsle.IslePool awaitable
//   (Gio._promisify), as the GVariant-based API;
// - adds JavaScript-valued methods: isle.evalJS(), isle.callJS(),
//   isle.addJSFunction() and isle.addJSAsyncFunction(), whose values cross
//   as plain JS values and whose thrown errors become Lua errors;
// - gives GIsle errors an `info` property: where the error was raised;
// - exports toVariant() and fromVariant(), the conversions they use.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

/* exported GIsle, toVariant, fromVariant, toTuple, results */

imports.gi.versions.GIsle = '1.0';
var {GIsle} = imports.gi;
const {GLib, Gio} = imports.gi;

// ---- Errors with their location ------------------------------------------

/**
 * Sets error.info to where the GIsle call that just failed in this thread
 * raised it: {message, chunk, line, frames: [{chunk, line, function}]},
 * frames innermost first; null when the error has no location.
 *
 * @param {GLib.Error} error the error
 * @returns {GLib.Error} the error
 */
function attachInfo(error) {
    if (!(error instanceof GLib.Error) || !error.matches(GIsle.isle_error_quark(), error.code))
        return error;
    const info = GIsle.IsleErrorInfo.get_last();
    if (info === null) {
        error.info = null;
        return error;
    }
    const frames = [];
    for (let i = 0; i < info.get_n_frames(); i++) {
        const frame = info.get_frame(i);
        frames.push({chunk: frame.chunk, line: frame.line, function: frame.function});
    }
    error.info = {message: info.get_message(), chunk: info.get_chunk(), line: info.get_line(), frames};
    return error;
}

for (const name of ['eval', 'eval_full', 'call', 'call_full', 'eval_finish', 'eval_full_finish',
    'call_finish', 'call_full_finish']) {
    const original = GIsle.Isle.prototype[name];
    GIsle.Isle.prototype[name] = function (...args) {
        try {
            return original.apply(this, args);
        } catch (e) {
            throw attachInfo(e);
        }
    };
}

// ---- Awaitable _async methods ---------------------------------------------

Gio._promisify(GIsle.Isle, 'new_async', 'new_finish');
for (const name of ['eval', 'eval_full', 'call', 'call_full', 'close', 'init'])
    Gio._promisify(GIsle.Isle.prototype, `${name}_async`, `${name}_finish`);
Gio._promisify(GIsle.IslePool.prototype, 'checkout_async', 'checkout_finish');
for (const name of ['get_stack', 'get_variables', 'evaluate', 'set_local'])
    Gio._promisify(GIsle.IsleDebugger.prototype, `${name}_async`, `${name}_finish`);

// ---- Values ----------------------------------------------------------------

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n, UINT64_MAX = 2n ** 64n - 1n;

const nothing = () => GLib.Variant.new_maybe(new GLib.VariantType('v'), null);

/**
 * Converts a JS value to the GVariant GIsle turns into that Lua value:
 * null and undefined are nil, booleans booleans, integral numbers and
 * BigInts integers, other numbers floats, strings strings, Uint8Arrays byte
 * strings, arrays sequences, plain objects and Maps tables. A GLib.Variant
 * passes as it is; anything else throws a TypeError naming where it sits.
 *
 * @param {*} value the value
 * @param {string} where where it sits, for error messages
 * @returns {GLib.Variant} the variant
 */
function toVariant(value, where = 'value') {
    if (value instanceof GLib.Variant)
        return value;
    if (value === null || value === undefined)
        return nothing();
    switch (typeof value) {
    case 'boolean':
        return new GLib.Variant('b', value);
    case 'number':
        if (Number.isSafeInteger(value))
            return new GLib.Variant('x', value);
        return new GLib.Variant('d', value);
    case 'bigint':
        if (value >= INT64_MIN && value <= INT64_MAX)
            return new GLib.Variant('x', value);
        if (value >= 0n && value <= UINT64_MAX)
            return new GLib.Variant('t', value);
        throw new RangeError(`${where}: ${value} does not fit in 64 bits`);
    case 'string':
        return new GLib.Variant('s', value);
    }
    if (value instanceof Uint8Array)
        return new GLib.Variant('ay', value);
    if (Array.isArray(value))
        return new GLib.Variant('av', value.map((v, i) => new GLib.Variant('v', toVariant(v, `${where}[${i}]`))));
    if (value instanceof Map) {
        return new GLib.Variant('a(vv)', [...value].map(([k, v]) =>
            [toVariant(k, `${where} key`), toVariant(v, `${where}[${String(k)}]`)]));
    }
    if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
        const dict = {};
        for (const [k, v] of Object.entries(value))
            dict[k] = toVariant(v, `${where}.${k}`);
        return new GLib.Variant('a{sv}', dict);
    }
    const what = typeof value === 'object' ? value.constructor?.name ?? 'object' : typeof value;
    throw new TypeError(`${where}: a ${what} value cannot enter the isle`);
}

/**
 * A GVariant tuple of the values, as GIsle takes function arguments.
 *
 * @param {Array} values the values
 * @param {string} where what they are, for error messages
 * @returns {GLib.Variant} a tuple
 */
function toTuple(values, where = 'argument') {
    return GLib.Variant.new_tuple(values.map((v, i) => toVariant(v, `${where} ${i + 1}`)));
}

/**
 * Converts a GVariant from GIsle to JS, the inverse of toVariant(): byte
 * strings become Uint8Arrays, tables with keys other than strings Maps.
 *
 * @param {GLib.Variant} variant the variant
 * @returns {*} the value
 */
function fromVariant(variant) {
    const type = variant.get_type_string();
    if (type === 'v')
        return fromVariant(variant.get_variant());
    if (type === 'ay')
        return variant.deepUnpack();
    if (type.startsWith('m')) {
        const child = variant.get_maybe();
        return child === null ? null : fromVariant(child);
    }
    if (type === 'x' || type === 't') {
        // Integers beyond 2^53 stay exact as BigInts.
        const n = BigInt(variant.print(false));
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    if (type[0] === 'a' || type[0] === '(') {
        const children = [];
        for (let i = 0; i < variant.n_children(); i++)
            children.push(variant.get_child_value(i));
        if (type.startsWith('a{s')) {
            const object = {};
            for (const entry of children)
                object[entry.get_child_value(0).get_string()[0]] = fromVariant(entry.get_child_value(1));
            return object;
        }
        if (type.startsWith('a{') || type === 'a(vv)')
            return new Map(children.map(c => [fromVariant(c.get_child_value(0)), fromVariant(c.get_child_value(1))]));
        return children.map(fromVariant);
    }
    return variant.recursiveUnpack();
}

/**
 * Unpacks a result tuple as a JS function returns: undefined for no
 * result, the value for one, an array for several.
 *
 * @param {GLib.Variant} variant a tuple
 * @returns {*} the results
 */
function results(variant) {
    const values = fromVariant(variant);
    if (values.length === 0)
        return undefined;
    return values.length === 1 ? values[0] : values;
}

function hostError(message) {
    return new GLib.Error(GIsle.isle_error_quark(), GIsle.IsleError.FAILED, message);
}

function describeThrown(e) {
    if (e instanceof GLib.Error)
        return e;
    if (e instanceof Error)
        return hostError(`${e.name}: ${e.message}`);
    return hostError(`uncaught ${typeof e === 'object' ? 'object' : typeof e}: ${String(e)}`);
}

function hostResults(name, value) {
    if (value === undefined || value === null)
        return null;
    try {
        return Array.isArray(value) ? toTuple(value, 'result') : toVariant(value, 'result');
    } catch (e) {
        throw hostError(`host function "${name}" returned a value that cannot enter the isle: ${e.message}`);
    }
}

// ---- JS-valued methods -----------------------------------------------------

/**
 * Runs code and resolves to its results as JS values (undefined for none,
 * the value for one, an array for several).
 *
 * @param {string} code Lua source
 * @param {object} options cancellable, chunkName, timeout (ms)
 * @returns {Promise} the results
 */
GIsle.Isle.prototype.evalJS = async function (code, {cancellable = null, chunkName = null, timeout = 0} = {}) {
    return results(await this.eval_full_async(code, chunkName, timeout, cancellable));
};

/**
 * Calls a global Lua function (a dotted path) with JS arguments.
 *
 * @param {string} name the function
 * @param {Array} args its arguments
 * @param {object} options cancellable, timeout (ms)
 * @returns {Promise} the results, as for evalJS()
 */
GIsle.Isle.prototype.callJS = async function (name, args = [], {cancellable = null, timeout = 0} = {}) {
    return results(await this.call_full_async(name, toTuple(args), timeout, cancellable));
};

/**
 * Makes fn callable from Lua as name. fn takes the Lua arguments as JS
 * values and returns undefined (no result), a value, or an array (several
 * results; return [list] for one array). What it throws is a Lua error
 * "Name: message".
 *
 * @param {string} name the Lua name (dots make nested tables)
 * @param {Function} fn the function
 */
GIsle.Isle.prototype.addJSFunction = function (name, fn) {
    this.add_function(name, (_isle, args) => {
        let value;
        try {
            value = fn(...fromVariant(args));
        } catch (e) {
            throw describeThrown(e);
        }
        return hostResults(name, value);
    });
};

/**
 * Like addJSFunction() for an async function (or one returning a promise):
 * the script waits until it settles. fn receives a Gio.Cancellable as its
 * last argument, cancelled when the script is stopped.
 *
 * @param {string} name the Lua name
 * @param {Function} fn the async function
 */
GIsle.Isle.prototype.addJSAsyncFunction = function (name, fn) {
    this.add_async_function(name, (_isle, args, invocation) => {
        Promise.resolve()
            .then(() => fn(...fromVariant(args), invocation.get_cancellable()))
            .then(value => invocation.return_value(hostResults(name, value)),
                e => invocation.return_gerror(describeThrown(e)))
            .catch(e => invocation.return_gerror(describeThrown(e)));
    });
};
