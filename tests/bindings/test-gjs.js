// test-gjs.js: GIsle through GJS, as a GNOME JavaScript application uses it.
//
// Run with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing at the build's lib/
// (meson test does this). Prints TAP and exits with status 1 on any failure.
// Every test races a deadline, so a broken library fails instead of hanging;
// nothing sleeps to synchronise: tests wait for signals and callbacks.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.gi.versions.GLib = '2.0';
imports.gi.versions.Gio = '2.0';
imports.gi.versions.GIsle = '1.0';
const {GIsle, GLib, Gio} = imports.gi;
const System = imports.system;
// GIsle's GJS module (lib/bindings/gjs/gisle.js, found through GJS_PATH here and
// in $datadir/gjs-1.0 once installed): every _async method awaitable, and
// JS-valued methods.
const Gisle = imports.gisle;

const TIMEOUT_MS = 10000;
const ISLE_ERROR = GIsle.isle_error_quark();

// ---- A tiny harness ----------------------------------------------------

class AssertionError extends Error {}

function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

function assertEqual(actual, expected, message = '') {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new AssertionError(`${message ? `${message}: ` : ''}expected ${e}, got ${a}`);
}

async function assertRejects(promise, domain, code) {
    try {
        await promise;
    } catch (e) {
        assert(e instanceof GLib.Error, `expected a GLib.Error, got ${e}`);
        assert(e.matches(domain, code),
            `expected ${GLib.quark_to_string(domain)} ${code}, got ${GLib.quark_to_string(e.domain)} ${e.code}: ${e.message}`);
        return e;
    }
    throw new AssertionError(`expected ${GLib.quark_to_string(domain)} ${code}, but it succeeded`);
}

const assertIsleError = (promise, code) => assertRejects(promise, ISLE_ERROR, code);
const assertCancelled = promise => assertRejects(promise, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED);

// Resolves when the predicate holds after one of the given signals.
function untilSignal(object, signal, predicate = () => true) {
    return new Promise(resolve => {
        const id = object.connect(signal, (...args) => {
            if (predicate(...args)) {
                object.disconnect(id);
                resolve(args);
            }
        });
    });
}

const tests = [];
function test(name, fn) {
    tests.push({name, fn});
}

let isles = [];
function track(isle) {
    isles.push(isle);
    return isle;
}
function newIsle(props) {
    // The plain constructor starts the isle lazily, on first use;
    // init() starts it now and reports setup errors here.
    const isle = new GIsle.Isle(props);
    assert(isle.init(null), 'init');
    return track(isle);
}

function withTimeout(promise, name) {
    let id = 0;
    const timeout = new Promise((resolve, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, TIMEOUT_MS, () => {
            id = 0;
            reject(new AssertionError(`timed out after ${TIMEOUT_MS} ms: ${name}`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (id)
            GLib.source_remove(id);
    });
}

async function runAll(filter) {
    const selected = tests.filter(t => filter.length === 0 || filter.some(f => t.name.includes(f)));
    print(`1..${selected.length}`);
    let failed = 0;
    for (const [index, {name, fn}] of selected.entries()) {
        isles = [];
        try {
            await withTimeout(fn(), name);
            print(`ok ${index + 1} - ${name}`);
        } catch (e) {
            failed++;
            print(`not ok ${index + 1} - ${name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.trimEnd().split('\n'))
                print(`# ${line}`);
        } finally {
            for (const isle of isles) {
                isle.cancel_all();
                isle.close(null);
            }
        }
    }
    print(`# ${selected.length - failed} passed, ${failed} failed`);
    return failed;
}

// ---- Creating ----------------------------------------------------------

test('new (blocking)', async () => {
    const isle = track(GIsle.Isle.new(null));
    assert(isle instanceof GIsle.Isle);
    assertEqual(isle.eval('return 1 + 1', null).recursiveUnpack(), [2]);
});

test('new_async', async () => {
    const isle = track(await GIsle.Isle.new_async(null));
    assert(isle instanceof GIsle.Isle);
    assert(!isle.closed);
    assertEqual((await isle.eval_async('return "ready"', null)).recursiveUnpack(), ['ready']);
});

test('new GIsle.Isle() starts on first use', async () => {
    const isle = track(new GIsle.Isle());
    assertEqual((await isle.eval_async('return 7', null)).recursiveUnpack(), [7]);
});

// ---- Values ------------------------------------------------------------

test('eval_async results unpack to JS values', async () => {
    const isle = newIsle();
    const result = await isle.eval_async(`
        return 42, -7, 2.5, 1/0, "héllo", "a\\0b", true,
               {1, 2, 3}, {name = "x", n = 1}, {a = {b = {"deep", 1.5}}}, nil
    `, new Gio.Cancellable());
    assertEqual(result.get_type_string(), '(xxddsaybava{sv}a{sv}mv)');
    const [i, neg, f, inf, s, raw, b, seq, d, nested, nothing] = result.recursiveUnpack();
    assertEqual([i, neg, f, s, b], [42, -7, 2.5, 'héllo', true]);
    assert(inf === Infinity, 'inf');
    assertEqual(seq, [1, 2, 3]);
    // Dictionary order is unspecified: compare fields.
    assertEqual(d.name, 'x');
    assertEqual(d.n, 1);
    assertEqual(nested, {a: {b: ['deep', 1.5]}});
    assert(nothing === null, 'nil is null');
    // A string with NUL bytes is "ay": a Uint8Array with the exact bytes.
    assert(raw instanceof Uint8Array, 'bytes are a Uint8Array');
    assertEqual(Array.from(raw), [0x61, 0, 0x62]);
});

test('integers and floats stay apart', async () => {
    const isle = newIsle();
    const result = await isle.eval_async('return 1 << 40, 2^40', null);
    assertEqual(result.get_type_string(), '(xd)');
    assertEqual(result.recursiveUnpack(), [2 ** 40, 2 ** 40]);
});

// ---- Calling -----------------------------------------------------------

test('call_async with arguments', async () => {
    const isle = newIsle();
    await isle.eval_async(`
        function describe(name, n, x, list, map, raw)
          return string.format("%s:%d:%.1f", name, n, x), #list, map.k, #raw
        end`, null);
    const args = new GLib.Variant('(sxdava{sv}ay)', [
        'abc', 5, 1.5,
        [new GLib.Variant('x', 1), new GLib.Variant('s', 'two')],
        {k: new GLib.Variant('b', true)},
        new Uint8Array([0, 1, 2]),
    ]);
    const result = await isle.call_async('describe', args, new Gio.Cancellable());
    assertEqual(result.recursiveUnpack(), ['abc:5:1.5', 2, true, 3]);
});

test('call a dotted path, blocking', async () => {
    const isle = newIsle();
    const result = isle.call('string.rep', new GLib.Variant('(sx)', ['ab', 3]), null);
    assertEqual(result.recursiveUnpack(), ['ababab']);
});

// ---- Profiling ---------------------------------------------------------

test('the profiler finds the hot function; folded text parses', async () => {
    const isle = newIsle();
    assert(isle.profile_start(0));
    assert(isle.is_profiling());
    await isle.eval_full_async(`
        local function hot(n) local s = 0 for i = 1, n * 10 do local t = {} s = s + i end return s end
        local function cold(n) local s = 0 for i = 1, n do local t = {} s = s + i end return s end
        local deadline = os.clock() + 0.1
        while os.clock() < deadline do hot(200) cold(200) end`, '=prof', 0, null);
    const [profile, folded] = isle.profile_stop();
    assert(!isle.is_profiling());
    const result = profile.recursiveUnpack();
    assertEqual(result.rate, 1000);
    assert(result.samples > 0, 'samples');
    assertEqual(result.folded, folded);
    assertEqual(result.functions[0][0], 'hot@prof:2');
    let counted = 0;
    for (const line of folded.split('\n').filter(l => l.length > 0)) {
        const at = line.lastIndexOf(' ');
        assert(line.slice(0, at).split(';').every(f => f.length > 0), line);
        counted += Number(line.slice(at + 1));
    }
    assertEqual(counted, result.samples);
});

// ---- Debugging ---------------------------------------------------------

test('the debugger pauses at a breakpoint, answers and steps', async () => {
    const isle = newIsle();
    const debugger_ = GIsle.IsleDebugger.new(isle);
    debugger_.add_breakpoint('job', 2, null);
    const paused = untilSignal(debugger_, 'paused');
    const job = isle.eval_full_async('local x = 1\nx = x + 1\nreturn x\n', '=job', 0, null);
    const [, reason, chunk, line] = await paused;
    assertEqual([reason, chunk, line], [GIsle.IslePauseReason.BREAKPOINT, 'job', 2]);
    const frames = (await debugger_.get_stack_async(null)).recursiveUnpack();
    assertEqual(frames.map(f => [f.function, f.line]), [['(main)', 2]]);
    const variables = (await debugger_.get_variables_async(0, null)).recursiveUnpack();
    assertEqual(variables.locals, [['x', 1]]);
    assertEqual((await debugger_.evaluate_async(0, 'x * 10', null)).recursiveUnpack(), 10);
    assert(await debugger_.set_local_async(0, 'x', new GLib.Variant('x', 5), null));
    const stepped = untilSignal(debugger_, 'paused');
    assert(debugger_.step_over());
    const [, stepReason, , stepLine] = await stepped;
    assertEqual([stepReason, stepLine], [GIsle.IslePauseReason.STEP, 3]);
    assert(debugger_.resume());
    assertEqual((await job).recursiveUnpack(), [6]);
    debugger_.detach();
});

// ---- Cancelling --------------------------------------------------------

async function runAndCancel(isle, code) {
    const cancellable = new Gio.Cancellable();
    const id = isle.connect('event::started', () => cancellable.cancel());
    try {
        await assertCancelled(isle.eval_async(code, cancellable));
    } finally {
        isle.disconnect(id);
    }
    assert(cancellable.is_cancelled());
}

test('runaway loop stopped by a cancellable', async () => {
    const isle = newIsle();
    await runAndCancel(isle, 'isle.emit("started") while true do end');
    assertEqual((await isle.eval_async('return "alive"', null)).recursiveUnpack(), ['alive']);
});

test('runaway loop inside pcall', async () => {
    const isle = newIsle();
    await runAndCancel(isle, `
        isle.emit("started")
        while true do pcall(function() while true do end end) end`);
    assertEqual((await isle.eval_async('return 1', null)).recursiveUnpack(), [1]);
});

test('cancel_all', async () => {
    const isle = newIsle();
    isle.connect('event::started', () => isle.cancel_all());
    await assertCancelled(isle.eval_async('isle.emit("started") while true do end', null));
});

test('time limit', async () => {
    const isle = newIsle();
    isle.default_timeout = 50;
    await assertRejects(isle.eval_async('while true do end', null),
        Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT);
});

// ---- Output ------------------------------------------------------------

test('output arrives in order, before the callback', async () => {
    const isle = newIsle();
    const log = [];
    isle.connect('output', (_isle, job, stream, text) => log.push(['output', job, stream, text]));
    let job = 0;
    await new Promise((resolve, reject) => {
        job = isle.eval_full_async(`
            for i = 1, 200 do print("line " .. i) end
            io.stderr:write("oops")
            warn("careful")
            return "end"`, '=printer', 0, null, (source, res) => {
            log.push(['callback']);
            try {
                resolve(source.eval_full_finish(res));
            } catch (e) {
                reject(e);
            }
        });
    }).then(result => assertEqual(result.recursiveUnpack(), ['end']));
    assertEqual(log[log.length - 1], ['callback'], 'all output arrives before the callback');
    const outputs = log.slice(0, -1);
    assert(outputs.every(e => e[1] === job), 'output carries the job id');
    const stdout = outputs.filter(e => e[2] === GIsle.IsleStream.STDOUT).map(e => e[3]).join('');
    assertEqual(stdout, Array.from({length: 200}, (_, i) => `line ${i + 1}\n`).join(''));
    assertEqual(outputs.slice(-2).map(e => [e[2], e[3]]),
        [[GIsle.IsleStream.STDERR, 'oops'], [GIsle.IsleStream.WARNING, 'careful\n']]);
});

// ---- Host functions ----------------------------------------------------

test('a JS host function called from Lua', async () => {
    const isle = newIsle();
    const calls = [];
    isle.add_function('greet', (isle_, args, cancellable) => {
        calls.push([isle_ === isle, args.get_type_string(), cancellable instanceof Gio.Cancellable]);
        const [name] = args.deepUnpack();
        return new GLib.Variant('(s)', [`hello, ${name}`]);
    });
    assertEqual((await isle.eval_async('return greet("bob")', null)).recursiveUnpack(), ['hello, bob']);
    assertEqual(calls, [[true, '(s)', true]]);
});

test('host function arguments and several results', async () => {
    const isle = newIsle();
    isle.add_function('app.echo', (_isle, args) => {
        const [name, items, opts] = args.recursiveUnpack();
        return new GLib.Variant('(sxa{sv}mv)', [
            name.toUpperCase(), items.length,
            {seen: new GLib.Variant('as', Object.keys(opts).sort())}, null]);
    });
    const result = await isle.eval_async(`
        local name, n, info, nothing = app.echo("abc", {1, 2, 3}, {x = 1, y = 2})
        return name, n, info.seen[1], info.seen[2], nothing == nil`, null);
    assertEqual(result.recursiveUnpack(), ['ABC', 3, 'x', 'y', true]);
});

test('host function: single value and no result', async () => {
    const isle = newIsle();
    isle.add_function('one', () => new GLib.Variant('s', 'single'));
    isle.add_function('none', () => null);
    assertEqual((await isle.eval_async('return one(), select("#", none())', null)).recursiveUnpack(),
        ['single', 0]);
});

test('an exception in a host function is raised in Lua', async () => {
    const isle = newIsle();
    isle.add_function('lookup', () => {
        throw new Error('no such user');
    });
    isle.add_function('lookup2', () => {
        throw new GLib.Error(ISLE_ERROR, GIsle.IsleError.FAILED, 'backend down');
    });
    const [ok, message, ok2, message2] = (await isle.eval_async(`
        local ok, e = pcall(lookup, "bob")
        local ok2, e2 = pcall(lookup2)
        return ok, tostring(e), ok2, tostring(e2)`, null)).recursiveUnpack();
    assert(!ok && message.includes('no such user'), message);
    assert(!ok2 && message2.includes('backend down'), message2);
    const error = await assertIsleError(isle.eval_async('lookup("bob")', null), GIsle.IsleError.RUNTIME);
    assert(error.message.includes('no such user'), error.message);
});

test('blocking eval serves a JS host function', async () => {
    const isle = newIsle();
    isle.add_function('twice', (_isle, args) => new GLib.Variant('(x)', [args.deepUnpack()[0] * 2]));
    assertEqual(isle.eval('return twice(21)', null).recursiveUnpack(), [42]);
});

test('async host function answers from a timeout', async () => {
    const isle = newIsle();
    const seen = [];
    isle.add_async_function('fetch', (isle_, args, invocation) => {
        seen.push([invocation.get_name(), invocation.get_arguments().recursiveUnpack(),
            invocation.get_isle() === isle, invocation.get_job_id()]);
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5, () => {
            const [key] = args.deepUnpack();
            invocation.return_value(new GLib.Variant('(ss)', [key, `value of ${key}`]));
            return GLib.SOURCE_REMOVE;
        });
    });
    let job = 0;
    const result = await new Promise((resolve, reject) => {
        job = isle.eval_full_async('return fetch("k")', null, 0, null, (source, res) => {
            try {
                resolve(source.eval_full_finish(res));
            } catch (e) {
                reject(e);
            }
        });
    });
    assertEqual(result.recursiveUnpack(), ['k', 'value of k']);
    assertEqual(seen, [['fetch', ['k'], true, job]]);
});

test('async host function error', async () => {
    const isle = newIsle();
    isle.add_async_function('fetch', (_isle, _args, invocation) => {
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            invocation.return_error_literal(ISLE_ERROR, GIsle.IsleError.FAILED, 'backend down');
            return GLib.SOURCE_REMOVE;
        });
    });
    isle.add_async_function('open', (_isle, _args, invocation) => {
        invocation.return_gerror(new GLib.Error(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND, 'no such file'));
    });
    const [ok, message, ok2, message2] = (await isle.eval_async(`
        local ok, e = pcall(fetch)
        local ok2, e2 = pcall(open)
        return ok, e, ok2, e2`, null)).recursiveUnpack();
    assert(!ok && message.includes('backend down'), message);
    assert(!ok2 && message2.includes('no such file'), message2);
});

test('async host function cancelled with its script', async () => {
    const isle = newIsle();
    const cancellable = new Gio.Cancellable();
    const pending = [];
    isle.add_async_function('never', (_isle, _args, invocation) => {
        pending.push(invocation);
        cancellable.cancel();  // the user presses Stop while the host works
    });
    await assertCancelled(isle.eval_async('return never()', cancellable));
    assertEqual(pending.length, 1);
    assert(pending[0].get_cancellable().is_cancelled(), 'the invocation is cancelled');
    pending[0].return_value(null);  // a late answer is ignored
    assertEqual((await isle.eval_async('return 1', null)).recursiveUnpack(), [1]);
});

// ---- Errors ------------------------------------------------------------

test('error codes', async () => {
    const isle = newIsle();
    const E = GIsle.IsleError;
    await assertIsleError(isle.eval_async('return +', null), E.SYNTAX);
    await assertIsleError(isle.eval_async('for i = 1, 2 do', null), E.INCOMPLETE);
    const runtime = await assertIsleError(isle.eval_async('error("boom")', null), E.RUNTIME);
    assert(runtime.message.includes('boom') && runtime.message.includes('traceback'), runtime.message);
    await assertIsleError(isle.eval_async('return print', null), E.CONVERSION);
    await assertIsleError(isle.call_async('no_such_function', null, null), E.NOT_FOUND);
    let syntax = null;
    try {
        isle.eval('return +', null);
    } catch (e) {
        syntax = e;
    }
    assert(syntax instanceof GLib.Error && syntax.matches(ISLE_ERROR, E.SYNTAX), `${syntax}`);
});

test('memory limit error', async () => {
    const isle = newIsle({memory_limit: 4 << 20});
    await assertIsleError(isle.eval_async('local t = {} for i = 1, 1e8 do t[i] = i end', null),
        GIsle.IsleError.MEMORY);
    assertEqual((await isle.eval_async('return "still here"', null)).recursiveUnpack(), ['still here']);
});

test('closed', async () => {
    const isle = newIsle();
    assert(isle.close(null));
    await assertIsleError(isle.eval_async('return 1', null), GIsle.IsleError.CLOSED);
});

// ---- Properties --------------------------------------------------------

test('memory_limit and defaults', async () => {
    const isle = newIsle({memory_limit: 8 << 20});
    assertEqual(isle.memory_limit, 8 << 20);
    assertEqual(isle.get_memory_limit(), 8 << 20);
    assert(isle.get_memory_in_use() > 0, 'memory in use');
    assertEqual(isle.libraries, GIsle.IsleLibraries.SAFE);
    assertEqual(isle.thread_name, 'gisle');
    assert(!isle.closed && !isle.defunct);
});

test('libraries flags', async () => {
    const flags = GIsle.IsleLibraries.BASE | GIsle.IsleLibraries.MATH;
    const isle = newIsle({libraries: flags});
    assertEqual(isle.libraries, flags);
    assertEqual((await isle.eval_async('return type(math), type(string), type(os)', null)).recursiveUnpack(),
        ['table', 'nil', 'nil']);
    const bare = newIsle({libraries: GIsle.IsleLibraries.NONE});
    assertEqual((await bare.eval_async('return print == nil, isle ~= nil', null)).recursiveUnpack(),
        [true, true]);
});

test('setup_code and thread_name', async () => {
    const isle = newIsle({setup_code: 'greeting = "hi"', thread_name: 'js-isle'});
    assertEqual(isle.thread_name, 'js-isle');
    assertEqual((await isle.eval_async('return greeting', null)).recursiveUnpack(), ['hi']);
});

// ---- Signals -----------------------------------------------------------

test('progress', async () => {
    const isle = newIsle();
    const reports = [];
    isle.connect('progress', (_isle, job, fraction, text) => reports.push([job, fraction, text]));
    let job = 0;
    await new Promise((resolve, reject) => {
        job = isle.eval_full_async('isle.progress(0.25, "loading") isle.progress(2) return 1',
            null, 0, null, (source, res) => {
                try {
                    resolve(source.eval_full_finish(res));
                } catch (e) {
                    reject(e);
                }
            });
    });
    assertEqual(reports, [[job, 0.25, 'loading'], [job, 1, null]]);
});

test('event with a detail', async () => {
    const isle = newIsle();
    const pings = [], everything = [];
    isle.connect('event::ping', (_isle, name, value) => pings.push([name, value.recursiveUnpack()]));
    isle.connect('event', (_isle, name, value) => everything.push([name, value.get_type_string()]));
    await isle.eval_async('isle.emit("ping", {n = 1}) isle.emit("pong") isle.emit("ping", "again")', null);
    assertEqual(pings, [['ping', {n: 1}], ['ping', 'again']]);
    assertEqual(everything, [['ping', 'a{sv}'], ['pong', 'mv'], ['ping', 's']]);
});

test('event waited for with a promise', async () => {
    const isle = newIsle();
    const done = untilSignal(isle, 'event::done');
    isle.eval_async('isle.emit("done", 42)', null);
    const [, name, value] = await done;
    assertEqual([name, value.recursiveUnpack()], ['done', 42]);
});

// ---- Closing -----------------------------------------------------------

test('close', async () => {
    const isle = newIsle();
    const notified = untilSignal(isle, 'notify::closed');
    assert(isle.close(null));
    assert(isle.closed && isle.is_closed());
    assert(isle.close(null), 'closing twice is harmless');
    await notified;
});

test('close_async stops running and queued jobs', async () => {
    const isle = newIsle();
    const closed = untilSignal(isle, 'event::started').then(() => isle.close_async(null));
    const running = isle.eval_async('isle.emit("started") while true do end', null);
    const queued = isle.eval_async('return 1', null);
    await assertCancelled(running);
    await assertIsleError(queued, GIsle.IsleError.CLOSED);
    assert(await closed, 'close_async returns true');
    assert(isle.closed);
});

// ---- The gisle.js module -------------------------------------------------

test('every _async method is awaitable without promisifying', async () => {
    const isle = track(await GIsle.Isle.new_async(null));
    assertEqual((await isle.eval_async('function f(a, b) return a .. b end return 1', null)).recursiveUnpack(), [1]);
    assertEqual((await isle.eval_full_async('return 2', 'chunk', 0, null)).recursiveUnpack(), [2]);
    assertEqual((await isle.call_async('f', new GLib.Variant('(ss)', ['a', 'b']), null)).recursiveUnpack(), ['ab']);
    assertEqual((await isle.call_full_async('f', new GLib.Variant('(ss)', ['c', 'd']), 1000, null)).recursiveUnpack(), ['cd']);
    const lazy = track(new GIsle.Isle());
    assert(await lazy.init_async(GLib.PRIORITY_DEFAULT, null), 'init_async');
    const pool = GIsle.IslePool.new(null, 1, false);
    const pooled = await pool.checkout_async(0, null);
    assertEqual((await pooled.eval_async('return 5', null)).recursiveUnpack(), [5]);
    pool.discard(pooled);
    assert(await isle.close_async(null), 'close_async');
});

test('evalJS and callJS take and return JS values', async () => {
    const isle = newIsle();
    assertEqual(await isle.evalJS('local x = 1'), undefined);
    assertEqual(await isle.evalJS('return 42'), 42);
    assertEqual(await isle.evalJS('return 1, "two", {3, 4}, {k = true}, nil'), [1, 'two', [3, 4], {k: true}, null]);
    const big = await isle.evalJS('return 1 << 62');
    assert(big === 1n << 62n, `big integers are exact BigInts: ${big}`);
    const raw = await isle.evalJS('return "a\\0b"');
    assert(raw instanceof Uint8Array && raw.length === 3 && raw[1] === 0, `${raw}`);
    const pairs = await isle.evalJS('return {[true] = "yes"}');
    assert(pairs instanceof Map && pairs.get(true) === 'yes', `${pairs}`);
    await isle.evalJS('function describe(...) return select("#", ...), ... end');
    const [n, one, str, list, obj, nil] = await isle.callJS('describe', [1, 'x', [1, 2], {k: 2.5}, null]);
    assertEqual([n, one, str, list, obj, nil], [5, 1, 'x', [1, 2], {k: 2.5}, null]);
    assertEqual(await isle.callJS('string.rep', ['ab', 3]), 'ababab');
    let error = null;
    try {
        await isle.callJS('print', [new Date()]);
    } catch (e) {
        error = e;
    }
    assert(error instanceof TypeError && error.message.includes('argument 1: a Date value'), `${error}`);
    error = await assertIsleError(isle.evalJS('error("boom")', {chunkName: 'named'}), GIsle.IsleError.RUNTIME);
    assert(error.message.includes('"named"]:1: boom'), error.message);
});

test('addJSFunction: JS values in and out, throws become Lua errors', async () => {
    const isle = newIsle();
    const born = {ada: 1815};
    isle.addJSFunction('app.born', name => {
        if (!(name in born))
            throw new RangeError(`nobody called ${name}`);
        return born[name];
    });
    isle.addJSFunction('app.split', s => s.split(','));
    isle.addJSFunction('app.nothing', () => undefined);
    isle.addJSFunction('app.date', () => new Date());
    isle.addJSFunction('app.number', () => {
        throw 42;  // eslint-disable-line no-throw-literal
    });
    assertEqual(await isle.evalJS('return app.born("ada")'), 1815);
    assertEqual(await isle.evalJS('return pcall(app.born, "bob")'), [false, 'RangeError: nobody called bob']);
    assertEqual(await isle.evalJS('return app.split("a,b,c")'), ['a', 'b', 'c']);
    assertEqual(await isle.evalJS('return select("#", app.nothing())'), 0);
    const [ok, message] = await isle.evalJS('return pcall(app.date)');
    assert(!ok && message.includes('"app.date" returned a value that cannot enter the isle'), message);
    assertEqual(await isle.evalJS('return pcall(app.number)'), [false, 'uncaught number: 42']);
});

test('addJSAsyncFunction: the script waits for the promise', async () => {
    const isle = newIsle();
    isle.addJSAsyncFunction('later', (x, cancellable) => new Promise(resolve => {
        assert(cancellable instanceof Gio.Cancellable, 'a cancellable comes last');
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            resolve(x * 2);
            return GLib.SOURCE_REMOVE;
        });
    }));
    isle.addJSAsyncFunction('fails', async () => {
        throw new Error('backend down');
    });
    assertEqual(await isle.evalJS('return later(21)'), 42);
    assertEqual(await isle.evalJS('return pcall(fails)'), [false, 'Error: backend down']);
});

test('memory_in_use is a property', async () => {
    const isle = newIsle();
    const before = isle.memory_in_use;
    assert(typeof before === 'number' && before > 1000, `${before}`);
    await isle.evalJS('big = string.rep("x", 1 << 20)');
    assert(isle.memory_in_use >= before + (1 << 20), `${isle.memory_in_use}`);
    assertEqual(isle.memory_in_use, isle.get_memory_in_use());
});

test('GIsle errors carry their location as data', async () => {
    const isle = newIsle();
    const code = 'local function inner(t)\n  return t.x.y\nend\nfunction outer() return (inner({})) end\nouter()\n';
    let error = await assertIsleError(isle.evalJS(code, {chunkName: '=script.lua'}), GIsle.IsleError.RUNTIME);
    assertEqual([error.info.chunk, error.info.line], ['script.lua', 2]);
    assertEqual(error.info.frames.slice(0, 3), [
        {chunk: 'script.lua', line: 2, function: 'inner'},
        {chunk: 'script.lua', line: 4, function: 'outer'},
        {chunk: 'script.lua', line: 5, function: 'main chunk'}]);
    assert(!error.info.message.includes('traceback'), error.info.message);
    try {
        isle.eval_full('\nx = = 1', '=b.lua', 0, null);
        throw new AssertionError('no syntax error');
    } catch (e) {
        assertEqual([e.info.chunk, e.info.line, e.info.frames], ['b.lua', 2, []]);
    }
    error = await assertIsleError(isle.callJS('nosuch'), GIsle.IsleError.NOT_FOUND);
    assertEqual(error.info, null);
});

// ---- Main --------------------------------------------------------------

const loop = new GLib.MainLoop(null, false);
let failures = 1;
runAll(ARGV).then(n => {
    failures = n;
}).catch(e => {
    print(`Bail out! ${e}`);
    logError(e);
}).finally(() => loop.quit());
loop.run();
if (failures > 0)
    System.exit(1);
