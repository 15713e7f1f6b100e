/* test-debugger.c: GIsleDebugger: breakpoints, pausing, steps, the stack,
 * variables, evaluation, and how a pause meets cancel, close, time limits
 * and executors.
 *
 * Every job runs asynchronously; the test waits in the main context for
 * the debugger's ::paused signal, asks its questions (from the main
 * thread, as an application does), then lets the job go on. In the
 * 'threads' suite, run under ThreadSanitizer: loops that must be paused or
 * cancelled allocate (`{}`), since under TSan a signal reaches a thread
 * only at an intercepted libc call.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-test-utils.h"

#include <string.h>

#define WAIT_MS 10000

typedef struct
{
  GIslePauseReason reason;
  char *chunk;
  int line;
  char *message;
} Pause;

typedef struct
{
  GIsle *isle;
  GIsleDebugger *debugger;
  GQueue pauses;                 /* Pause */
  guint resumed;
  GisleTestAsync job;
  GCancellable *cancellable;
} Fixture;

static void
pause_free (Pause *pause)
{
  g_free (pause->chunk);
  g_free (pause->message);
  g_free (pause);
}

static void
on_paused (GIsleDebugger    *debugger,
           GIslePauseReason  reason,
           const char       *chunk,
           int               line,
           const char       *message,
           gpointer          user_data)
{
  Fixture *f = user_data;
  Pause *pause = g_new0 (Pause, 1);

  /* Delivered in the isle's main context, never on the worker. */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  pause->reason = reason;
  pause->chunk = g_strdup (chunk);
  pause->line = line;
  pause->message = g_strdup (message);
  g_queue_push_tail (&f->pauses, pause);
}

static void
on_resumed (GIsleDebugger *debugger,
            gpointer       user_data)
{
  Fixture *f = user_data;

  f->resumed++;
}

static GIsle *
isle_new (GIsleExecutor *executor)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                                "libraries", G_ISLE_LIBRARIES_ALL,
                                "executor", executor,
                                NULL);

  g_assert_no_error (error);
  return isle;
}

static void
fixture_init_on (Fixture       *f,
                 GIsleExecutor *executor)
{
  g_autoptr(GError) error = NULL;

  memset (f, 0, sizeof *f);
  g_queue_init (&f->pauses);
  f->isle = isle_new (executor);
  f->debugger = g_isle_debugger_new (f->isle, &error);
  g_assert_no_error (error);
  g_assert_true (g_isle_debugger_is_attached (f->debugger));
  g_signal_connect (f->debugger, "paused", G_CALLBACK (on_paused), f);
  g_signal_connect (f->debugger, "resumed", G_CALLBACK (on_resumed), f);
  f->cancellable = g_cancellable_new ();
}

static void
fixture_init (Fixture *f)
{
  fixture_init_on (f, NULL);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_object (&f->debugger);
  g_isle_close (f->isle, NULL, NULL);
  g_clear_object (&f->isle);
  g_queue_clear_full (&f->pauses, (GDestroyNotify) pause_free);
  gisle_test_async_clear (&f->job);
  g_clear_object (&f->cancellable);
}

static void
start_full (Fixture    *f,
            const char *code,
            guint       timeout_ms)
{
  gisle_test_async_clear (&f->job);
  g_isle_eval_full_async (f->isle, code, "=job", timeout_ms, f->cancellable,
                          gisle_test_async_ready, &f->job);
}

static void
start (Fixture    *f,
       const char *code)
{
  start_full (f, code, 0);
}

/* Waits for the next ::paused and checks where. */
static void
expect_pause (Fixture          *f,
              GIslePauseReason  reason,
              int               line)
{
  Pause *pause;

  GISLE_TEST_WAIT_UNTIL (!g_queue_is_empty (&f->pauses), WAIT_MS);
  pause = g_queue_pop_head (&f->pauses);
  g_assert_cmpint (pause->reason, ==, reason);
  g_assert_cmpint (pause->line, ==, line);
  g_assert_cmpstr (pause->chunk, ==, "job");
  g_assert_true (g_isle_debugger_is_paused (f->debugger));
  pause_free (pause);
}

static GVariant *
finish (Fixture  *f,
        GError  **error)
{
  GAsyncResult *result = gisle_test_async_wait (&f->job, "the job");

  return g_isle_eval_full_finish (f->isle, result, error);
}

static gint64
finish_int (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = finish (f, &error);
  gint64 n = 0;

  g_assert_no_error (error);
  g_variant_get (value, "(x)", &n);
  return n;
}

static GVariant *
stack (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GVariant *frames = g_isle_debugger_get_stack (f->debugger, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (frames, G_VARIANT_TYPE ("aa{sv}")));
  return frames;
}

static void
frame_get (GVariant   *frames,
           guint       n,
           const char *function,
           int         line)
{
  g_autoptr(GVariant) frame = g_variant_get_child_value (frames, n);
  const char *name = NULL;
  gint32 current = -2;

  g_assert_true (g_variant_lookup (frame, "function", "&s", &name));
  g_assert_true (g_variant_lookup (frame, "line", "i", &current));
  g_assert_cmpstr (name, ==, function);
  g_assert_cmpint (current, ==, line);
}

static gint64
eval_int (Fixture    *f,
          guint       frame,
          const char *expression)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_debugger_evaluate (f->debugger, frame, expression, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64));
  return g_variant_get_int64 (value);
}

/* ---- Breakpoints -------------------------------------------------------------- */

static void
test_breakpoint (void)
{
  Fixture f;
  g_autoptr(GVariant) frames = NULL;
  guint id;

  fixture_init (&f);
  id = g_isle_debugger_add_breakpoint (f.debugger, "=job", 3, NULL);
  g_assert_cmpuint (id, >, 0);
  start (&f,
         "local x = 20\n"
         "x = x + 1\n"
         "x = x + 1\n"
         "return x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 3);
  frames = stack (&f);
  g_assert_cmpuint (g_variant_n_children (frames), ==, 1);
  frame_get (frames, 0, "(main)", 3);
  g_assert_cmpint (eval_int (&f, 0, "x"), ==, 21);

  g_assert_true (g_isle_debugger_resume (f.debugger));
  g_assert_cmpint (finish_int (&f), ==, 22);
  GISLE_TEST_WAIT_UNTIL (f.resumed == 1, WAIT_MS);
  g_assert_false (g_isle_debugger_is_paused (f.debugger));
  g_assert_false (g_isle_debugger_resume (f.debugger));

  /* Removed: the next run does not pause. */
  g_assert_true (g_isle_debugger_remove_breakpoint (f.debugger, id));
  g_assert_false (g_isle_debugger_remove_breakpoint (f.debugger, id));
  start (&f, "local x = 1\nx = x + 1\nx = x + 1\nreturn x\n");
  g_assert_cmpint (finish_int (&f), ==, 3);
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

static void
test_no_hook_when_idle (void)
{
  Fixture f;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  const char *hook = NULL;

  fixture_init (&f);
  /* Attached, nothing asked: the script sees no hook at all. */
  value = g_isle_eval (f.isle, "return tostring(debug.gethook())", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(&s)", &hook);
  g_assert_cmpstr (hook, ==, "nil");
  g_clear_pointer (&value, g_variant_unref);

  g_isle_debugger_add_breakpoint (f.debugger, "job", 100, NULL);
  value = g_isle_eval (f.isle, "return tostring(debug.gethook())", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(&s)", &hook);
  g_assert_cmpstr (hook, ==, "external hook");
  g_clear_pointer (&value, g_variant_unref);

  /* All gone: no hook again. */
  g_isle_debugger_clear_breakpoints (f.debugger);
  value = g_isle_eval (f.isle, "return tostring(debug.gethook())", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(&s)", &hook);
  g_assert_cmpstr (hook, ==, "nil");
  fixture_clear (&f);
}

/* A breakpoint set while the job runs reaches it (the signal arms the
 * hook); once removed, the hook goes at the job's next event. */
static void
test_breakpoint_while_running (void)
{
  Fixture f;
  volatile gint running = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *hook = NULL;
  guint id;

  fixture_init (&f);
  g_signal_connect_swapped (f.isle, "event::running", G_CALLBACK (g_atomic_int_inc), (gpointer) &running);
  start (&f,
         "local done = false\n"
         "isle.emit('running')\n"
         "while not done do\n"
         "  local t = {}\n"
         "end\n"
         "return tostring(debug.gethook())\n");
  gisle_test_wait_flag (&running, "the job to run");
  g_assert_true (g_queue_is_empty (&f.pauses));
  id = g_isle_debugger_add_breakpoint (f.debugger, "job", 4, NULL);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 4);
  g_assert_true (g_isle_debugger_set_local (f.debugger, 0, "done", g_variant_new_boolean (TRUE), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_isle_debugger_remove_breakpoint (f.debugger, id));
  g_isle_debugger_resume (f.debugger);
  value = finish (&f, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(&s)", &hook);
  g_assert_cmpstr (hook, ==, "nil");
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

/* Line events come back after returning from a C function and from a
 * function of a chunk without breakpoints. */
static void
test_breakpoint_after_calls (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ignored = NULL;

  fixture_init (&f);
  ignored = g_isle_eval_full (f.isle, "function helper(x) return x + 1 end", "=lib", 0, NULL, &error);
  g_assert_no_error (error);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 3, NULL);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 7, "i == 3");
  start (&f,
         "local a = math.abs(-1)\n"
         "local b = helper(a)\n"
         "local c = a + b\n"
         "local s = 0\n"
         "for i = 1, 3 do\n"
         "  local v = helper(math.abs(-i))\n"
         "  s = s + v\n"
         "end\n"
         "return c + s\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 3);
  g_assert_cmpint (eval_int (&f, 0, "b"), ==, 2);
  g_isle_debugger_resume (f.debugger);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 7);
  g_assert_cmpint (eval_int (&f, 0, "v"), ==, 4);
  g_assert_cmpint (eval_int (&f, 0, "s"), ==, 5);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 12);
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

static void
test_other_chunk (void)
{
  Fixture f;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "elsewhere", 2, NULL);
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  g_assert_cmpint (finish_int (&f), ==, 2);
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

static void
test_list_breakpoints (void)
{
  Fixture f;
  g_autoptr(GVariant) list = NULL;
  guint32 id, line;
  const char *chunk, *condition;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "@a.lua", 7, "x > 1");
  list = g_isle_debugger_list_breakpoints (f.debugger);
  g_assert_cmpuint (g_variant_n_children (list), ==, 1);
  g_variant_get_child (list, 0, "(u&su&s)", &id, &chunk, &line, &condition);
  g_assert_cmpstr (chunk, ==, "a.lua");
  g_assert_cmpuint (line, ==, 7);
  g_assert_cmpstr (condition, ==, "x > 1");
  fixture_clear (&f);
}

static void
test_condition (void)
{
  Fixture f;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 3, "i == 4");
  start (&f,
         "local s = 0\n"
         "for i = 1, 5 do\n"
         "  s = s + i\n"
         "end\n"
         "return s\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 3);
  g_assert_cmpint (eval_int (&f, 0, "i"), ==, 4);
  g_assert_cmpint (eval_int (&f, 0, "s"), ==, 6);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 15);
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

static void
test_condition_error (void)
{
  Fixture f;
  Pause *pause;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, "nothing.here > 1");
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  GISLE_TEST_WAIT_UNTIL (!g_queue_is_empty (&f.pauses), WAIT_MS);
  pause = g_queue_pop_head (&f.pauses);
  g_assert_cmpint (pause->reason, ==, G_ISLE_PAUSE_REASON_CONDITION_ERROR);
  g_assert_cmpint (pause->line, ==, 2);
  g_assert_nonnull (strstr (pause->message, "nothing.here > 1"));
  g_assert_nonnull (strstr (pause->message, "nothing"));
  pause_free (pause);

  /* Not fatal: the job goes on and succeeds. */
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2);

  /* A condition that does not compile is reported the same way. */
  g_isle_debugger_clear_breakpoints (f.debugger);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, "x ==");
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_CONDITION_ERROR, 2);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2);
  fixture_clear (&f);
}

/* ---- The stack -------------------------------------------------------------------- */

static void
test_recursion (void)
{
  Fixture f;
  g_autoptr(GVariant) frames = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, "n == 1");
  start (&f,
         "local function fact(n)\n"
         "  if n <= 1 then return 1 end\n"
         "  return n * fact(n - 1)\n"
         "end\n"
         "local r = fact(5)\n"
         "return r\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  frames = stack (&f);
  /* fact(1) .. fact(5), then the main chunk. */
  g_assert_cmpuint (g_variant_n_children (frames), ==, 6);
  frame_get (frames, 0, "fact", 2);
  for (guint i = 1; i < 5; i++)
    frame_get (frames, i, "fact", 3);
  frame_get (frames, 5, "(main)", 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (eval_int (&f, i, "n"), ==, i + 1);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 120);
  fixture_clear (&f);
}

static void
test_coroutine (void)
{
  Fixture f;
  g_autoptr(GVariant) frames = NULL;
  g_autoptr(GVariant) inner = NULL;
  g_autoptr(GVariant) outer = NULL;
  guint32 co = 99;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 3, NULL);
  start (&f,
         "local co = coroutine.create(function (a)\n"
         "  local b = a * 2\n"
         "  coroutine.yield(b)\n"
         "  return b + 1\n"
         "end)\n"
         "local _, v = coroutine.resume(co, 5)\n"
         "local _, w = coroutine.resume(co)\n"
         "return v + w\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 3);
  frames = stack (&f);
  /* The coroutine's body, then resume (C) and the main chunk. */
  g_assert_cmpuint (g_variant_n_children (frames), ==, 3);
  frame_get (frames, 0, "(anonymous)", 3);
  inner = g_variant_get_child_value (frames, 0);
  g_assert_true (g_variant_lookup (inner, "coroutine", "u", &co));
  g_assert_cmpuint (co, ==, 1);
  frame_get (frames, 2, "(main)", 6);
  outer = g_variant_get_child_value (frames, 2);
  g_assert_true (g_variant_lookup (outer, "coroutine", "u", &co));
  g_assert_cmpuint (co, ==, 0);
  g_assert_cmpint (eval_int (&f, 0, "b"), ==, 10);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 21);
  fixture_clear (&f);
}

static void
test_tail_call (void)
{
  Fixture f;
  g_autoptr(GVariant) frames = NULL;
  g_autoptr(GVariant) frame = NULL;
  gboolean tail = FALSE;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f,
         "local function g(x)\n"
         "  return x + 1\n"
         "end\n"
         "local function f(x) return g(x * 2) end\n"
         "local r = f(3)\n"
         "return r\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  frames = stack (&f);
  /* f's frame was replaced by g's. */
  g_assert_cmpuint (g_variant_n_children (frames), ==, 2);
  frame = g_variant_get_child_value (frames, 0);
  g_assert_true (g_variant_lookup (frame, "tail-call", "b", &tail));
  g_assert_true (tail);
  g_assert_cmpint (eval_int (&f, 0, "x"), ==, 6);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 7);
  fixture_clear (&f);
}

static void
test_pcall (void)
{
  Fixture f;
  g_autoptr(GVariant) frames = NULL;
  g_autoptr(GVariant) frame = NULL;
  const char *what = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f,
         "local function risky(x)\n"
         "  if x > 1 then error('too big') end\n"
         "  return x\n"
         "end\n"
         "local ok, err = pcall(risky, 5)\n"
         "return ok and 1 or 2\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  frames = stack (&f);
  g_assert_cmpuint (g_variant_n_children (frames), ==, 3);
  /* Called by pcall, Lua knows no name for it. */
  frame_get (frames, 0, "(anonymous)", 2);
  frame = g_variant_get_child_value (frames, 1);
  g_assert_true (g_variant_lookup (frame, "what", "&s", &what));
  g_assert_cmpstr (what, ==, "C");
  /* The error inside pcall is caught: no pause on it, even when asked. */
  g_isle_debugger_set_pause_on_error (f.debugger, TRUE);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2);
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

/* ---- Variables ------------------------------------------------------------------- */

static void
test_variables (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) vars = NULL;
  g_autoptr(GVariant) locals = NULL;
  g_autoptr(GVariant) upvalues = NULL;
  g_autoptr(GVariant) varargs = NULL;
  g_autoptr(GVariant) t = NULL;
  g_autoptr(GVariant) fn = NULL;
  const char *name, *kind, *text;
  gboolean found_cycle = FALSE;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 6, NULL);
  start (&f,
         "local up = 'upvalue'\n"
         "local function f(a, ...)\n"
         "  local t = { deep = { deeper = { deepest = {} } } }\n"
         "  t.self = t\n"
         "  local fn = print\n"
         "  return a .. up\n"
         "end\n"
         "return f('x', 10, 20)\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 6);
  vars = g_isle_debugger_get_variables (f.debugger, 0, NULL, &error);
  g_assert_no_error (error);
  locals = g_variant_lookup_value (vars, "locals", G_VARIANT_TYPE ("a(sv)"));
  upvalues = g_variant_lookup_value (vars, "upvalues", G_VARIANT_TYPE ("a(sv)"));
  varargs = g_variant_lookup_value (vars, "varargs", G_VARIANT_TYPE ("av"));
  g_assert_nonnull (locals);
  g_assert_cmpuint (g_variant_n_children (locals), ==, 3);
  g_variant_get_child (locals, 0, "(&sv)", &name, NULL);
  g_assert_cmpstr (name, ==, "a");
  g_variant_get_child (locals, 1, "(&sv)", &name, &t);
  g_assert_cmpstr (name, ==, "t");
  g_assert_true (g_variant_is_of_type (t, G_VARIANT_TYPE ("a(vv)")));
  for (gsize i = 0; i < g_variant_n_children (t); i++)
    {
      g_autoptr(GVariant) key = NULL;
      g_autoptr(GVariant) value = NULL;

      g_variant_get_child (t, i, "(vv)", &key, &value);
      if (g_str_equal (g_variant_get_string (key, NULL), "self"))
        {
          g_variant_get (value, "(&s&s)", &kind, &text);
          g_assert_cmpstr (kind, ==, "cycle");
          found_cycle = TRUE;
        }
      else
        {
          /* max-depth 2: deep is shown, deeper is a marker. */
          g_autoptr(GVariant) key2 = NULL;
          g_autoptr(GVariant) deeper = NULL;

          g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE ("a(vv)")));
          g_variant_get_child (value, 0, "(vv)", &key2, &deeper);
          g_variant_get (deeper, "(&s&s)", &kind, &text);
          g_assert_cmpstr (kind, ==, "table");
        }
    }
  g_assert_true (found_cycle);
  g_variant_get_child (locals, 2, "(&sv)", &name, &fn);
  g_assert_cmpstr (name, ==, "fn");
  g_variant_get (fn, "(&s&s)", &kind, &text);
  g_assert_cmpstr (kind, ==, "function");

  /* _ENV (for print), shown as a marker, and up. */
  g_assert_cmpuint (g_variant_n_children (upvalues), ==, 2);
  for (gsize i = 0; i < 2; i++)
    {
      g_autoptr(GVariant) value = NULL;

      g_variant_get_child (upvalues, i, "(&sv)", &name, &value);
      if (g_str_equal (name, "_ENV"))
        {
          g_variant_get (value, "(&s&s)", &kind, &text);
          g_assert_cmpstr (kind, ==, "globals");
        }
      else
        {
          g_assert_cmpstr (name, ==, "up");
          g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "upvalue");
        }
    }
  g_assert_cmpuint (g_variant_n_children (varargs), ==, 2);

  /* Deeper levels through evaluation. */
  {
    g_autoptr(GVariant) deepest = g_isle_debugger_evaluate (f.debugger, 0, "t.deep.deeper", NULL, &error);

    g_assert_no_error (error);
    g_assert_true (g_variant_is_of_type (deepest, G_VARIANT_TYPE ("a(vv)")));
  }
  g_isle_debugger_resume (f.debugger);
  {
    g_autoptr(GVariant) value = finish (&f, &error);
    const char *result_text = NULL;

    g_assert_no_error (error);
    g_variant_get (value, "(&s)", &result_text);
    g_assert_cmpstr (result_text, ==, "xupvalue");
  }
  fixture_clear (&f);
}

static void
test_evaluate_and_set (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 3, NULL);
  start (&f,
         "local x = 1\n"
         "local y = 2\n"
         "return x + y\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 3);

  /* An error is returned, not raised in the job. */
  value = g_isle_debugger_evaluate (f.debugger, 0, "x + nil", NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_null (value);
  g_clear_error (&error);
  value = g_isle_debugger_evaluate (f.debugger, 0, "x +", NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
  g_clear_error (&error);
  value = g_isle_debugger_evaluate (f.debugger, 7, "x", NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Statements assign locals; set_local too. */
  value = g_isle_debugger_evaluate (f.debugger, 0, "x = 40", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE ("mv")));
  g_clear_pointer (&value, g_variant_unref);
  g_assert_true (g_isle_debugger_set_local (f.debugger, 0, "y", g_variant_new_int64 (2000), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_isle_debugger_set_local (f.debugger, 0, "nope", g_variant_new_int64 (1), NULL, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (eval_int (&f, 0, "x + y"), ==, 2040);

  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2040);

  /* Not paused any more. */
  value = g_isle_debugger_get_stack (f.debugger, NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_PAUSED);
  g_assert_null (value);
  fixture_clear (&f);
}

/* A function made by evaluated code and run later sees no frame: it
 * raises instead of reading a frame that is gone. */
static void
test_evaluate_leftover (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *message = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f,
         "local x = 1\n"
         "x = x + 1\n"
         "local ok, err = pcall(function () return leftover() end)\n"
         "return err\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  value = g_isle_debugger_evaluate (f.debugger, 0, "leftover = function () return x end", NULL, &error);
  g_assert_no_error (error);
  g_isle_debugger_resume (f.debugger);
  result = finish (&f, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(&s)", &message);
  g_assert_nonnull (strstr (message, "frame is gone"));
  fixture_clear (&f);
}

static void
test_async (void)
{
  Fixture f;
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) frames = NULL;
  g_autoptr(GVariant) vars = NULL;
  g_autoptr(GVariant) value = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f, "local x = 5\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);

  g_isle_debugger_get_stack_async (f.debugger, NULL, gisle_test_async_ready, &async);
  frames = g_isle_debugger_get_stack_finish (f.debugger, gisle_test_async_wait (&async, "the stack"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (frames), ==, 1);
  g_assert_true (async.thread == g_thread_self ());
  gisle_test_async_clear (&async);

  g_isle_debugger_get_variables_async (f.debugger, 0, NULL, gisle_test_async_ready, &async);
  vars = g_isle_debugger_get_variables_finish (f.debugger, gisle_test_async_wait (&async, "variables"), &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (vars, G_VARIANT_TYPE_VARDICT));
  gisle_test_async_clear (&async);

  g_isle_debugger_set_local_async (f.debugger, 0, "x", g_variant_new_int64 (9), NULL,
                                   gisle_test_async_ready, &async);
  g_assert_true (g_isle_debugger_set_local_finish (f.debugger, gisle_test_async_wait (&async, "set"), &error));
  g_assert_no_error (error);
  gisle_test_async_clear (&async);

  g_isle_debugger_evaluate_async (f.debugger, 0, "x * 2", NULL, gisle_test_async_ready, &async);
  value = g_isle_debugger_evaluate_finish (f.debugger, gisle_test_async_wait (&async, "evaluate"), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_variant_get_int64 (value), ==, 18);
  gisle_test_async_clear (&async);

  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 9);

  /* Not paused: the async call fails in its callback. */
  g_isle_debugger_get_stack_async (f.debugger, NULL, gisle_test_async_ready, &async);
  g_clear_pointer (&frames, g_variant_unref);
  frames = g_isle_debugger_get_stack_finish (f.debugger, gisle_test_async_wait (&async, "no stack"), &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_PAUSED);
  gisle_test_async_clear (&async);
  fixture_clear (&f);
}

/* ---- Steps ------------------------------------------------------------------------- */

#define STEP_CODE                 \
  "local function add(a, b)\n"    /* 1 */ \
  "  local s = a + b\n"           /* 2 */ \
  "  return s\n"                  /* 3 */ \
  "end\n"                         /* 4 */ \
  "local x = 1\n"                 /* 5 */ \
  "x = add(x, 2)\n"               /* 6 */ \
  "x = add(x, 3)\n"               /* 7 */ \
  "return x\n"                    /* 8 */

static void
test_steps (void)
{
  Fixture f;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 6, NULL);
  start (&f, STEP_CODE);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 6);

  g_assert_true (g_isle_debugger_step_over (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 7);
  g_assert_cmpint (eval_int (&f, 0, "x"), ==, 3);

  g_assert_true (g_isle_debugger_step_into (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 2);
  g_assert_cmpint (eval_int (&f, 0, "a"), ==, 3);

  g_assert_true (g_isle_debugger_step_over (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 3);

  g_assert_true (g_isle_debugger_step_out (f.debugger));
  /* Back in the caller, still on line 7 (the assignment). */
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 7);

  g_assert_true (g_isle_debugger_step_over (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 8);
  g_assert_cmpint (eval_int (&f, 0, "x"), ==, 6);

  g_assert_true (g_isle_debugger_resume (f.debugger));
  g_assert_cmpint (finish_int (&f), ==, 6);
  g_assert_true (g_queue_is_empty (&f.pauses));
  fixture_clear (&f);
}

#define CO_STEP_CODE                              \
  "local co = coroutine.create(function ()\n"     /* 1 */ \
  "  local a = 10\n"                              /* 2 */ \
  "  coroutine.yield(a)\n"                        /* 3 */ \
  "  return a + 1\n"                              /* 4 */ \
  "end)\n"                                        /* 5 */ \
  "local _, v = coroutine.resume(co)\n"           /* 6 */ \
  "local _, w = coroutine.resume(co)\n"           /* 7 */ \
  "return v + w\n"                                /* 8 */

static void
test_step_coroutine (void)
{
  Fixture f;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 6, NULL);
  start (&f, CO_STEP_CODE);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 6);

  /* Over the resume: the coroutine runs to its yield without a stop. */
  g_assert_true (g_isle_debugger_step_over (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 7);
  g_assert_cmpint (eval_int (&f, 0, "v"), ==, 10);

  /* Into the resume: the next line is the coroutine's, after its yield. */
  g_assert_true (g_isle_debugger_step_into (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 4);
  g_assert_cmpint (eval_int (&f, 0, "a"), ==, 10);

  /* Out of the coroutine's body: back in the resumer, whose line 7 has no
   * instruction left after the call (the results land in the locals). */
  g_assert_true (g_isle_debugger_step_out (f.debugger));
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 8);
  g_assert_cmpint (eval_int (&f, 0, "w"), ==, 11);

  g_assert_true (g_isle_debugger_resume (f.debugger));
  g_assert_cmpint (finish_int (&f), ==, 21);
  fixture_clear (&f);
}

/* ---- Pausing on request and on error -------------------------------------------------- */

static void
test_pause_request (void)
{
  Fixture f;
  volatile gint running = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Pause *pause;

  fixture_init (&f);
  g_signal_connect_swapped (f.isle, "event::running", G_CALLBACK (g_atomic_int_inc), (gpointer) &running);
  start (&f,
         "local n = 0\n"
         "isle.emit('running')\n"
         "while true do\n"
         "  local t = {}\n"
         "  n = n + 1\n"
         "  if n > 1e12 then break end\n"
         "end\n"
         "return n\n");
  /* From another thread than the isle's, while it runs. */
  gisle_test_wait_flag (&running, "the job to run");
  g_isle_debugger_pause (f.debugger);
  GISLE_TEST_WAIT_UNTIL (!g_queue_is_empty (&f.pauses), WAIT_MS);
  pause = g_queue_pop_head (&f.pauses);
  g_assert_cmpint (pause->reason, ==, G_ISLE_PAUSE_REASON_REQUEST);
  g_assert_cmpint (pause->line, >=, 3);
  g_assert_cmpint (pause->line, <=, 6);
  pause_free (pause);
  g_assert_cmpint (eval_int (&f, 0, "n"), >=, 0);

  /* Leave the loop by changing n. */
  g_assert_true (g_isle_debugger_set_local (f.debugger, 0, "n", g_variant_new_int64 ((gint64) 2e12), NULL, &error));
  g_assert_no_error (error);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), >, (gint64) 1e12);
  fixture_clear (&f);
}

static void
test_pause_on_error (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) frames = NULL;
  Pause *pause;

  fixture_init (&f);
  g_isle_debugger_set_pause_on_error (f.debugger, TRUE);
  g_assert_true (g_isle_debugger_get_pause_on_error (f.debugger));
  start (&f,
         "local function check(v)\n"
         "  if v > 2 then error('too big: ' .. v) end\n"
         "end\n"
         "check(3)\n");
  GISLE_TEST_WAIT_UNTIL (!g_queue_is_empty (&f.pauses), WAIT_MS);
  pause = g_queue_pop_head (&f.pauses);
  g_assert_cmpint (pause->reason, ==, G_ISLE_PAUSE_REASON_ERROR);
  g_assert_cmpint (pause->line, ==, 2);
  g_assert_nonnull (strstr (pause->message, "too big: 3"));
  pause_free (pause);
  frames = stack (&f);
  /* error (C), check, main. */
  g_assert_cmpuint (g_variant_n_children (frames), ==, 3);
  frame_get (frames, 1, "check", 2);
  g_assert_cmpint (eval_int (&f, 1, "v"), ==, 3);

  g_isle_debugger_resume (f.debugger);
  value = finish (&f, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_nonnull (strstr (error->message, "too big: 3"));
  fixture_clear (&f);
}

/* ---- Pauses meet cancel, close, time limits ----------------------------------------------- */

static void
test_stop_while_paused (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_cancellable_cancel (f.cancellable);
  value = finish (&f, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_isle_debugger_is_paused (f.debugger));
  g_clear_error (&error);

  /* The isle is fine, and the breakpoint still works. */
  g_clear_object (&f.cancellable);
  f.cancellable = g_cancellable_new ();
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2);
  fixture_clear (&f);
}

/* Stop reaches code the debugger runs: an evaluation that never ends. */
static void
test_stop_during_evaluation (void)
{
  Fixture f;
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) result = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_isle_debugger_evaluate_async (f.debugger, 0, "(function () while true do local t = {} end end)()",
                                  NULL, gisle_test_async_ready, &async);
  g_cancellable_cancel (f.cancellable);
  value = g_isle_debugger_evaluate_finish (f.debugger, gisle_test_async_wait (&async, "the evaluation"), &error);
  g_assert_null (value);
  g_assert_nonnull (error);
  g_clear_error (&error);
  result = finish (&f, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_isle_is_defunct (f.isle));
  gisle_test_async_clear (&async);
  fixture_clear (&f);
}

/* An error in a coroutine.wrap coroutine that nothing catches pauses
 * where it reaches the job: at the call of the wrapping function (the
 * coroutine itself is dead by then). */
static void
test_pause_on_error_in_coroutine (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) frames = NULL;
  Pause *pause;

  fixture_init (&f);
  g_isle_debugger_set_pause_on_error (f.debugger, TRUE);
  start (&f,
         "local gen = coroutine.wrap(function (n)\n"
         "  local half = n / 2\n"
         "  error('odd: ' .. n)\n"
         "end)\n"
         "gen(7)\n");
  GISLE_TEST_WAIT_UNTIL (!g_queue_is_empty (&f.pauses), WAIT_MS);
  pause = g_queue_pop_head (&f.pauses);
  g_assert_cmpint (pause->reason, ==, G_ISLE_PAUSE_REASON_ERROR);
  g_assert_nonnull (strstr (pause->message, "odd: 7"));
  g_assert_cmpint (pause->line, ==, 5);
  pause_free (pause);
  frames = stack (&f);
  frame_get (frames, g_variant_n_children (frames) - 1, "(main)", 5);
  g_isle_debugger_resume (f.debugger);
  value = finish (&f, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  fixture_clear (&f);
}

static void
test_close_while_paused (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  GisleTestWatchdog *watchdog;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  watchdog = gisle_test_watchdog_new ("closing a paused isle");
  g_assert_true (g_isle_close (f.isle, NULL, &error));
  gisle_test_watchdog_free (watchdog);
  g_assert_no_error (error);
  value = finish (&f, &error);
  g_assert_nonnull (error);
  fixture_clear (&f);
}

static void
test_detach_while_paused (void)
{
  Fixture f;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f, "local x = 1\nx = x + 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_isle_debugger_detach (f.debugger);
  g_assert_false (g_isle_debugger_is_attached (f.debugger));
  g_assert_cmpint (finish_int (&f), ==, 3);

  /* Another debugger may attach now; dropping it while paused resumes. */
  {
    g_autoptr(GError) error = NULL;
    GIsleDebugger *second = g_isle_debugger_new (f.isle, &error);
    volatile gint paused = 0;

    g_assert_no_error (error);
    g_signal_connect_swapped (second, "paused", G_CALLBACK (g_atomic_int_inc), (gpointer) &paused);
    g_isle_debugger_add_breakpoint (second, "job", 3, NULL);
    start (&f, "local x = 1\nx = x + 1\nx = x + 1\nreturn x\n");
    gisle_test_wait_flag (&paused, "the second debugger's pause");
    g_object_unref (second);
    g_assert_cmpint (finish_int (&f), ==, 3);
  }
  fixture_clear (&f);
}

static void
test_busy (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  GIsleDebugger *second;

  fixture_init (&f);
  second = g_isle_debugger_new (f.isle, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_null (second);
  fixture_clear (&f);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_deadline_excludes_pause (void)
{
  Fixture f;
  gboolean waited = FALSE;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  /* A 300 ms time limit; the job pauses for three times as long. */
  start_full (&f, "local x = 1\nx = x + 1\nreturn x\n", 300);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_timeout_add (900, set_flag, &waited);
  gisle_test_wait_for_flag (&waited, 5000, "900 ms of pause");
  g_assert_true (g_isle_debugger_is_paused (f.debugger));
  g_assert_false (g_atomic_int_get (&f.job.done));
  /* Not defunct either: nothing cancelled it, no watchdog ran. */
  g_assert_false (g_isle_is_defunct (f.isle));
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2);

  /* The limit still holds for the time the job runs. */
  start_full (&f,
              "local x = 1\n"
              "x = x + 1\n"
              "while true do local t = {} end\n", 300);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_isle_debugger_resume (f.debugger);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) value = finish (&f, &error);

    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  }
  fixture_clear (&f);
}

/* ---- Isolation and executors ----------------------------------------------------------------- */

static void
test_other_isle (void)
{
  Fixture f;
  g_autoptr(GIsle) other = isle_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  fixture_init (&f);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  g_isle_debugger_pause (f.debugger);
  value = g_isle_eval_full (other, "local x = 1\nx = x + 1\nreturn x\n", "=job", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_queue_is_empty (&f.pauses));
  g_isle_close (other, NULL, NULL);
  /* The pending pause is for this isle's next job. */
  start (&f, "local x = 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_REQUEST, 1);
  g_isle_debugger_resume (f.debugger);
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 1);
  fixture_clear (&f);
}

static void
test_executor (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  Fixture f;

  fixture_init_on (&f, executor);
  g_isle_debugger_add_breakpoint (f.debugger, "job", 2, NULL);
  start (&f, "local x = 1\nx = x + 1\nreturn x\n");
  expect_pause (&f, G_ISLE_PAUSE_REASON_BREAKPOINT, 2);
  g_assert_cmpint (eval_int (&f, 0, "x"), ==, 1);
  g_isle_debugger_step_over (f.debugger);
  expect_pause (&f, G_ISLE_PAUSE_REASON_STEP, 3);

  /* The paused isle holds one executor thread; another isle of the same
   * executor runs on the other, and never pauses. */
  {
    g_autoptr(GIsle) other = isle_new (executor);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) value = NULL;

    value = g_isle_eval_full (other, "local x = 1\nx = x + 1\nreturn x\n", "=job", 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_queue_is_empty (&f.pauses));
    g_assert_true (g_isle_debugger_is_paused (f.debugger));
    g_isle_close (other, NULL, NULL);
  }
  g_isle_debugger_resume (f.debugger);
  g_assert_cmpint (finish_int (&f), ==, 2);
  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/debugger/breakpoint", test_breakpoint);
  g_test_add_func ("/debugger/no-hook-when-idle", test_no_hook_when_idle);
  g_test_add_func ("/debugger/breakpoint-while-running", test_breakpoint_while_running);
  g_test_add_func ("/debugger/breakpoint-after-calls", test_breakpoint_after_calls);
  g_test_add_func ("/debugger/other-chunk", test_other_chunk);
  g_test_add_func ("/debugger/list-breakpoints", test_list_breakpoints);
  g_test_add_func ("/debugger/condition", test_condition);
  g_test_add_func ("/debugger/condition-error", test_condition_error);
  g_test_add_func ("/debugger/recursion", test_recursion);
  g_test_add_func ("/debugger/coroutine", test_coroutine);
  g_test_add_func ("/debugger/tail-call", test_tail_call);
  g_test_add_func ("/debugger/pcall", test_pcall);
  g_test_add_func ("/debugger/variables", test_variables);
  g_test_add_func ("/debugger/evaluate-and-set", test_evaluate_and_set);
  g_test_add_func ("/debugger/evaluate-leftover", test_evaluate_leftover);
  g_test_add_func ("/debugger/async", test_async);
  g_test_add_func ("/debugger/steps", test_steps);
  g_test_add_func ("/debugger/step-coroutine", test_step_coroutine);
  g_test_add_func ("/debugger/pause-request", test_pause_request);
  g_test_add_func ("/debugger/pause-on-error", test_pause_on_error);
  g_test_add_func ("/debugger/stop-while-paused", test_stop_while_paused);
  g_test_add_func ("/debugger/stop-during-evaluation", test_stop_during_evaluation);
  g_test_add_func ("/debugger/pause-on-error-in-coroutine", test_pause_on_error_in_coroutine);
  g_test_add_func ("/debugger/close-while-paused", test_close_while_paused);
  g_test_add_func ("/debugger/detach-while-paused", test_detach_while_paused);
  g_test_add_func ("/debugger/busy", test_busy);
  g_test_add_func ("/debugger/deadline-excludes-pause", test_deadline_excludes_pause);
  g_test_add_func ("/debugger/other-isle", test_other_isle);
  g_test_add_func ("/debugger/executor", test_executor);

  return g_test_run ();
}
