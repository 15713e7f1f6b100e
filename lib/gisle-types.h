/* gisle-types.h: enumerations, flags and callback types.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _GIsle GIsle;
typedef struct _GIsleInvocation GIsleInvocation;
typedef struct _GIsleExecutor GIsleExecutor;

/**
 * G_ISLE_ERROR:
 *
 * Error domain for GIsle. Errors in this domain are from the #GIsleError
 * enumeration. Cancellation is reported as %G_IO_ERROR_CANCELLED and a
 * passed deadline as %G_IO_ERROR_TIMED_OUT, as GIO users expect.
 */
#define G_ISLE_ERROR (g_isle_error_quark ())

/**
 * GIsleError:
 * @G_ISLE_ERROR_FAILED: a generic failure with no better code
 * @G_ISLE_ERROR_SYNTAX: the chunk does not compile; the message carries
 *   the chunk name and line number
 * @G_ISLE_ERROR_INCOMPLETE: the chunk is a valid prefix that needs more
 *   input (an unfinished block or string); consoles ask for another line
 * @G_ISLE_ERROR_RUNTIME: the script raised an error; the message is
 *   followed by a Lua traceback
 * @G_ISLE_ERROR_MEMORY: the isle ran out of memory, usually because of
 *   #GIsle:memory-limit; the isle stays usable
 * @G_ISLE_ERROR_CONVERSION: a value could not cross between Lua and
 *   #GVariant; the message names where it sits
 * @G_ISLE_ERROR_CLOSED: the isle was closed
 * @G_ISLE_ERROR_DEFUNCT: a cancelled job did not stop before the hard
 *   deadline (it is stuck where Lua cannot interrupt it); the isle was
 *   abandoned and every later call fails at once with this code
 * @G_ISLE_ERROR_NOT_FOUND: g_isle_call() named a function that does not
 *   exist
 * @G_ISLE_ERROR_WOULD_DEADLOCK: a blocking call was made on the isle's own
 *   thread, where it could never complete
 * @G_ISLE_ERROR_NOT_PAUSED: a #GIsleDebugger call that needs a paused job
 *   was made while none is paused (or the job went on meanwhile)
 *
 * Error codes in the %G_ISLE_ERROR domain.
 */
typedef enum {
  G_ISLE_ERROR_FAILED,
  G_ISLE_ERROR_SYNTAX,
  G_ISLE_ERROR_INCOMPLETE,
  G_ISLE_ERROR_RUNTIME,
  G_ISLE_ERROR_MEMORY,
  G_ISLE_ERROR_CONVERSION,
  G_ISLE_ERROR_CLOSED,
  G_ISLE_ERROR_DEFUNCT,
  G_ISLE_ERROR_NOT_FOUND,
  G_ISLE_ERROR_WOULD_DEADLOCK,
  G_ISLE_ERROR_NOT_PAUSED,
} GIsleError;

GISLE_AVAILABLE_IN_ALL
GQuark g_isle_error_quark (void);

/**
 * GIsleLibraries:
 * @G_ISLE_LIBRARIES_NONE: nothing but GIsle's own `isle` module and output
 * @G_ISLE_LIBRARIES_BASE: the base library, sandboxed: `load` accepts text
 *   only, `dofile` and `loadfile` are absent, `print` is captured
 * @G_ISLE_LIBRARIES_COROUTINE: the `coroutine` library
 * @G_ISLE_LIBRARIES_TABLE: the `table` library
 * @G_ISLE_LIBRARIES_STRING: the `string` library (without `string.dump`)
 * @G_ISLE_LIBRARIES_UTF8: the `utf8` library
 * @G_ISLE_LIBRARIES_MATH: the `math` library
 * @G_ISLE_LIBRARIES_OS: the harmless part of `os`: `clock`, `time`,
 *   `date` and `difftime`
 * @G_ISLE_LIBRARIES_FILES: trusted: file access (`io.open`, `io.lines`
 *   with a file name, `io.input`, `io.output`, `os.remove`, `os.rename`,
 *   `os.tmpname`, `dofile`, `loadfile` for text files)
 * @G_ISLE_LIBRARIES_PROCESS: trusted: `os.execute`, `io.popen` and
 *   `os.getenv`
 * @G_ISLE_LIBRARIES_PACKAGE: trusted: `require` of Lua source modules from
 *   `package.path`
 * @G_ISLE_LIBRARIES_NATIVE: trusted: `require` of C modules and
 *   `package.loadlib` (implies %G_ISLE_LIBRARIES_PACKAGE)
 * @G_ISLE_LIBRARIES_DEBUG: trusted: the `debug` library; `debug.sethook`
 *   cannot disable GIsle's cancellation
 * @G_ISLE_LIBRARIES_SAFE: the default console set: every library that
 *   cannot end, block or escape the host process
 * @G_ISLE_LIBRARIES_ALL: every library above
 *
 * Which Lua libraries an isle opens; see #GIsle:libraries. Output is
 * always captured: `print`, `io.write`, `io.stdout:write`,
 * `io.stderr:write` and `warn` reach the #GIsle::output signal, never the
 * process's own streams. Standard input, `os.exit` and bytecode are never
 * available, whatever the flags.
 */
typedef enum /*< flags >*/ {
  G_ISLE_LIBRARIES_NONE      = 0,
  G_ISLE_LIBRARIES_BASE      = 1 << 0,
  G_ISLE_LIBRARIES_COROUTINE = 1 << 1,
  G_ISLE_LIBRARIES_TABLE     = 1 << 2,
  G_ISLE_LIBRARIES_STRING    = 1 << 3,
  G_ISLE_LIBRARIES_UTF8      = 1 << 4,
  G_ISLE_LIBRARIES_MATH      = 1 << 5,
  G_ISLE_LIBRARIES_OS        = 1 << 6,
  G_ISLE_LIBRARIES_FILES     = 1 << 7,
  G_ISLE_LIBRARIES_PROCESS   = 1 << 8,
  G_ISLE_LIBRARIES_PACKAGE   = 1 << 9,
  G_ISLE_LIBRARIES_NATIVE    = 1 << 10,
  G_ISLE_LIBRARIES_DEBUG     = 1 << 11,
  G_ISLE_LIBRARIES_SAFE      = 0x7f,
  G_ISLE_LIBRARIES_ALL       = 0xfff,
} GIsleLibraries;

/**
 * GIsleExposeFlags:
 * @G_ISLE_EXPOSE_NONE: nothing: the proxy exists, but every use fails
 * @G_ISLE_EXPOSE_READ: scripts may read properties (`obj.prop`)
 * @G_ISLE_EXPOSE_WRITE: scripts may write properties (`obj.prop = v`)
 * @G_ISLE_EXPOSE_CALL: scripts may call methods through the object's
 *   typelib (`obj:method(...)`), except the forbidden ones
 * @G_ISLE_EXPOSE_CONNECT: scripts may connect handlers to signals
 *   (`obj:connect()`, `obj:disconnect()`)
 * @G_ISLE_EXPOSE_REACH: scripts may reach other objects through it:
 *   object-valued properties, return values and out arguments become
 *   proxies (without it they are an error), and so do object-valued signal
 *   arguments (without it `nil`)
 * @G_ISLE_EXPOSE_ALL: all of the above
 *
 * What a script may do with an object given to g_isle_expose_object_full().
 * Objects a script reaches through it get the same flags: never more than
 * the object they were reached from.
 *
 * Leave out %G_ISLE_EXPOSE_REACH, and expose only what scripts need, when
 * an object leads to others the application holds without a reference: a
 * widget leads to its parent and its window, whose children a script with
 * %G_ISLE_EXPOSE_WRITE or %G_ISLE_EXPOSE_CALL could remove (`window.child =
 * nil`) while C code still points at them.
 */
typedef enum /*< flags >*/ {
  G_ISLE_EXPOSE_NONE    = 0,
  G_ISLE_EXPOSE_READ    = 1 << 0,
  G_ISLE_EXPOSE_WRITE   = 1 << 1,
  G_ISLE_EXPOSE_CALL    = 1 << 2,
  G_ISLE_EXPOSE_CONNECT = 1 << 3,
  G_ISLE_EXPOSE_REACH   = 1 << 4,
  G_ISLE_EXPOSE_ALL     = 0x1f,
} GIsleExposeFlags;

/**
 * GIsleStream:
 * @G_ISLE_STREAM_STDOUT: `print`, `io.write` and `io.stdout:write`
 * @G_ISLE_STREAM_STDERR: `io.stderr:write`
 * @G_ISLE_STREAM_WARNING: Lua warnings from `warn`
 *
 * Where a piece of captured output came from; see #GIsle::output.
 */
typedef enum {
  G_ISLE_STREAM_STDOUT,
  G_ISLE_STREAM_STDERR,
  G_ISLE_STREAM_WARNING,
} GIsleStream;

/**
 * GIsleHostFunc:
 * @isle: the isle whose script called the function
 * @args: (not nullable): the Lua arguments, as a tuple
 * @cancellable: (not nullable): cancelled, in the isle's main context, when
 *   the calling job is cancelled (for example by a Stop button), also after
 *   this function returned while the job still runs: pass it to GIO work
 *   the function starts and leaves running
 * @user_data: (closure): data given to g_isle_add_function()
 * @error: return location for an error, raised in Lua with its message
 *
 * A host function that a script calls by name. It runs in the isle's main
 * context (see #GIsle:main-context) while the script waits, so it may touch
 * widgets and other main-thread-only state.
 *
 * Returns: (transfer full) (nullable): the results: a tuple, a single
 *   value (one result), or %NULL for none (or on error). Every #GVariant a
 *   GIsle callback returns follows one rule: a new reference or a floating
 *   one (as g_variant_new() makes), which GIsle takes over.
 */
typedef GVariant *(*GIsleHostFunc) (GIsle        *isle,
                                    GVariant     *args,
                                    GCancellable *cancellable,
                                    gpointer      user_data,
                                    GError      **error);

/**
 * GIsleAsyncHostFunc:
 * @isle: the isle whose script called the function
 * @args: (not nullable): the Lua arguments, as a tuple
 * @invocation: (transfer full): complete it exactly once, now or later,
 *   with g_isle_invocation_return_value() or
 *   g_isle_invocation_return_gerror()
 * @user_data: (closure): data given to g_isle_add_async_function()
 *
 * An asynchronous host function. It starts in the isle's main context and
 * may start GIO asynchronous work; pass
 * g_isle_invocation_get_cancellable() to that work so that cancelling the
 * script cancels it too. The script waits until the invocation completes.
 */
typedef void (*GIsleAsyncHostFunc) (GIsle           *isle,
                                    GVariant        *args,
                                    GIsleInvocation *invocation,
                                    gpointer         user_data);

/* The C-only part of the API: these callbacks see the lua_State or run on
 * the isle's worker thread, so they are annotated (skip): they appear in
 * the reference but not in the bindings. */
#ifndef __GI_SCANNER__
typedef struct lua_State lua_State;
#else
/* The scanner only needs to parse the (skip) declarations that use it. */
# define lua_State void
#endif

/**
 * GIsleSetupFunc: (skip)
 * @isle: the isle being set up
 * @L: the isle's Lua state, on the isle's worker thread
 * @user_data: data given to g_isle_set_setup_func()
 * @error: return location for an error, which fails construction
 *
 * Runs on the isle's worker thread after the libraries are opened and before
 * #GIsle:setup-code and the first job. Use it to register C functions with
 * the Lua C API. Never call blocking #GIsle functions from it.
 *
 * Returns: %TRUE on success
 */
typedef gboolean (*GIsleSetupFunc) (GIsle      *isle,
                                    lua_State  *L,
                                    gpointer    user_data,
                                    GError    **error);

/**
 * GIsleExecFunc: (skip)
 * @isle: the isle
 * @L: the isle's Lua state, on the isle's worker thread
 * @user_data: data given to g_isle_exec()
 * @error: return location for an error
 *
 * A C callback run as a job on the isle's worker thread, with the Lua state.
 * Lua errors raised inside it are caught and reported as
 * %G_ISLE_ERROR_RUNTIME.
 *
 * Returns: (transfer full) (nullable): a result for the caller, or %NULL:
 *   a new reference or a floating one, which GIsle takes over
 */
typedef GVariant *(*GIsleExecFunc) (GIsle      *isle,
                                    lua_State  *L,
                                    gpointer    user_data,
                                    GError    **error);

/**
 * GIsleWorkerFunc: (skip)
 * @args: the Lua arguments, as a tuple
 * @user_data: data given to g_isle_add_worker_function()
 * @error: return location for an error, raised in Lua with its message
 *
 * A host function that runs on the isle's worker thread, with no Lua state
 * and no main-loop round trip: for fast, pure computations. It must not
 * touch anything that belongs to another thread.
 *
 * Returns: (transfer full) (nullable): the results, as for #GIsleHostFunc
 */
typedef GVariant *(*GIsleWorkerFunc) (GVariant  *args,
                                      gpointer   user_data,
                                      GError   **error);

/**
 * GIslePauseReason:
 * @G_ISLE_PAUSE_REASON_REQUEST: g_isle_debugger_pause() was called
 * @G_ISLE_PAUSE_REASON_BREAKPOINT: a breakpoint was reached (and its
 *   condition, if any, was true)
 * @G_ISLE_PAUSE_REASON_STEP: a step ended
 * @G_ISLE_PAUSE_REASON_ERROR: the job raised an error that nothing caught,
 *   and #GIsleDebugger:pause-on-error is set; the stack is the one where
 *   the error was raised
 * @G_ISLE_PAUSE_REASON_CONDITION_ERROR: a breakpoint's condition raised an
 *   error (or did not compile); the job pauses at the breakpoint so the
 *   error can be seen and fixed, and goes on normally when resumed
 *
 * Why a #GIsleDebugger paused its isle's job, as #GIsleDebugger::paused
 * reports it.
 */
typedef enum {
  G_ISLE_PAUSE_REASON_REQUEST,
  G_ISLE_PAUSE_REASON_BREAKPOINT,
  G_ISLE_PAUSE_REASON_STEP,
  G_ISLE_PAUSE_REASON_ERROR,
  G_ISLE_PAUSE_REASON_CONDITION_ERROR,
} GIslePauseReason;

G_END_DECLS
