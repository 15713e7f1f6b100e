// hello.js: a first GIsle program in JavaScript (GJS).
//
// Creates an isle, shows its output, runs a chunk, calls a Lua function with
// arguments, gives the script a host function, stops a runaway loop with a
// Gio.Cancellable, and closes the isle. hello.c and hello.py are the same
// program in C and Python.
//
// Run: gjs hello.js
//
// SPDX-License-Identifier: LGPL-2.1-or-later

// GIsle's GJS module, installed with the library: every _async method
// returns a promise, and evalJS(), callJS() and addJSFunction() take and
// return plain JavaScript values.
const {GIsle} = imports.gisle;
const {GLib, Gio} = imports.gi;
const System = imports.system;

// print() always ends the line; a script's output brings its own newlines.
// Everything goes through this one stream so that it stays in order.
const stdout = new Gio.DataOutputStream({
    base_stream: new Gio.UnixOutputStream({fd: 1, close_fd: false}),
});
function write(text) {
    stdout.put_string(text, null);
}

async function main() {
    // 1. Create an isle: a Lua state on its own thread.
    const isle = await GIsle.Isle.new_async(null);

    // 2. Capture what scripts print. Output arrives in the main context,
    // in order, before the call that wrote it completes.
    isle.connect('output', (_isle, _jobId, stream, text) => {
        const prefix = stream === GIsle.IsleStream.STDOUT ? '' : '[stderr] ';
        write(prefix + text);
    });

    // 3. Run a chunk; it defines a function and returns a value.
    const answer = await isle.evalJS(`
        print('Hello from ' .. _VERSION)
        function add(a, b) return a + b end
        return 6 * 7`);
    write(`The chunk returned ${answer}\n`);

    // 4. Call a Lua function with arguments.
    const total = await isle.callJS('add', [2, 40]);
    write(`add(2, 40) = ${total}\n`);

    // 5. Give scripts a host function. It runs in the main context while
    // the script waits; an exception it throws is raised in Lua.
    isle.addJSFunction('greet', name => {
        if (typeof name !== 'string')
            throw new TypeError('greet() wants one string');
        return `Hello, ${name}!`;
    });
    await isle.evalJS("print(greet('world'))");

    // 6. Stop a runaway loop with a cancellable. Scripts send events with
    // isle.emit(); this one stands in for a user pressing a Stop button.
    const stop = new Gio.Cancellable();
    isle.connect('event::looping', () => {
        write('The script is looping; pressing Stop.\n');
        stop.cancel();
    });
    try {
        await isle.evalJS("isle.emit('looping') while true do end", {cancellable: stop});
        throw new Error('the loop was not cancelled');
    } catch (e) {
        if (!(e instanceof GLib.Error && e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)))
            throw e;
        write(`Stopped: ${e.message}\n`);
    }

    // 7. Close: the thread ends and the Lua state is freed.
    await isle.close_async(null);
    write('Closed.\n');
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
main().catch(e => {
    logError(e);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
