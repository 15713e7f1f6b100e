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

imports.gi.versions.GIsle = '1.0';
const {GIsle, GLib, Gio} = imports.gi;
const System = imports.system;

// print() always ends the line; a script's output brings its own newlines.
// Everything goes through this one stream so that it stays in order.
const stdout = new Gio.DataOutputStream({
    base_stream: new Gio.UnixOutputStream({fd: 1, close_fd: false}),
});
function write(text) {
    stdout.put_string(text, null);
}

// Turn the _async/_finish pairs into methods that return promises.
Gio._promisify(GIsle.Isle, 'new_async', 'new_finish');
Gio._promisify(GIsle.Isle.prototype, 'eval_async', 'eval_finish');
Gio._promisify(GIsle.Isle.prototype, 'call_async', 'call_finish');
Gio._promisify(GIsle.Isle.prototype, 'close_async', 'close_finish');

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
    const [answer] = (await isle.eval_async(`
        print('Hello from ' .. _VERSION)
        function add(a, b) return a + b end
        return 6 * 7`, null)).deepUnpack();
    write(`The chunk returned ${answer}\n`);

    // 4. Call a Lua function with arguments (a tuple).
    const [total] = (await isle.call_async('add', new GLib.Variant('(xx)', [2, 40]), null)).deepUnpack();
    write(`add(2, 40) = ${total}\n`);

    // 5. Give scripts a host function. It runs in the main context while
    // the script waits; an exception it throws is raised in Lua.
    isle.add_function('greet', (_isle, args, _cancellable) => {
        if (args.get_type_string() !== '(s)')
            throw new Error('greet() wants one string');
        const [name] = args.deepUnpack();
        return new GLib.Variant('s', `Hello, ${name}!`);
    });
    await isle.eval_async("print(greet('world'))", null);

    // 6. Stop a runaway loop with a cancellable. Scripts send events with
    // isle.emit(); this one stands in for a user pressing a Stop button.
    const stop = new Gio.Cancellable();
    isle.connect('event::looping', () => {
        write('The script is looping; pressing Stop.\n');
        stop.cancel();
    });
    try {
        await isle.eval_async("isle.emit('looping') while true do end", stop);
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
