/* test-cancel.c: stopping running and queued jobs.
 *
 * Every test cancels from the main loop (a GIsle::event handler, so the
 * script is known to be running: it calls isle.emit("started") first) or
 * from another thread, never after a sleep. Each one checks the error code
 * and then that the isle still answers (or, for the stuck case, that it is
 * defunct). Latencies are measured from the cancel call to the completion
 * callback and printed with g_test_message().
 *
 * The cancel may land while the worker is still returning from
 * isle.emit(), so scripts meant to catch the soft cancel call it inside
 * the pcall that catches.
 *
 * This file is also in the 'threads' suite, which CI runs under
 * ThreadSanitizer. Under TSan a signal reaches a thread only when it next
 * enters an intercepted libc function, so a loop that never calls into libc
 * (`while true do end`) cannot be interrupted there. SPIN is therefore an
 * allocation (`{}` goes through the Lua allocator, i.e. realloc) under TSan
 * and nothing otherwise: normal builds test the exact scripts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-test-utils.h"

#include <string.h>


#if defined(__SANITIZE_THREAD__)
# define GISLE_TEST_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define GISLE_TEST_TSAN 1
# endif
#endif

#ifdef GISLE_TEST_TSAN
# define SPIN " local _ = {} "
#else
# define SPIN " "
#endif

/* Generous bounds for waiting on the main loop; a test that needs them has
 * already failed. */
#define WAIT_MS 10000

/* Cancels that the soft phase must stop run with a long grace period, so
 * that only the soft cancel can explain a prompt stop. */
#define PROMPT_GRACE_MS 2000
#define PROMPT_HARD_MS  4000
#define PROMPT_MAX_MS   1000

/* ---- Helpers --------------------------------------------------------- */

#define WAIT_UNTIL GISLE_TEST_WAIT_UNTIL

/* For conditions set by other threads. */
static gboolean
is_set (gint *flag)
{
  return g_atomic_int_get (flag) != 0;
}

static double
ms_between (gint64 from_us,
            gint64 to_us)
{
  return (to_us - from_us) / 1000.0;
}

static GIsle *
isle_new_full (guint          grace_ms,
               guint          hard_ms,
               GIsleLibraries libraries)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                         "grace-period", grace_ms,
                         "hard-deadline", hard_ms,
                         "libraries", libraries,
                         NULL);
  g_assert_no_error (error);
  g_assert_nonnull (isle);
  return isle;
}

static GIsle *
isle_new (guint grace_ms,
          guint hard_ms)
{
  return isle_new_full (grace_ms, hard_ms, G_ISLE_LIBRARIES_SAFE);
}

/* The outcome of one asynchronous call. */
typedef struct
{
  guint n_calls;
  gboolean done;
  GVariant *value;
  GError *error;
  gint64 done_time;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->value, g_variant_unref);
  g_clear_error (&o->error);
  memset (o, 0, sizeof *o);
}

static void
outcome_record (Outcome  *o,
                GVariant *value,
                GError   *error)
{
  g_assert_cmpuint (o->n_calls, ==, 0);
  o->n_calls++;
  o->value = value;
  o->error = error;
  o->done_time = g_get_monotonic_time ();
  o->done = TRUE;
}

static void
on_eval_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError *error = NULL;
  GVariant *value = g_isle_eval_finish (G_ISLE (source), result, &error);

  outcome_record (data, value, error);
}

static void
on_eval_full_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  GError *error = NULL;
  GVariant *value = g_isle_eval_full_finish (G_ISLE (source), result, &error);

  outcome_record (data, value, error);
}

static void
eval_async (GIsle        *isle,
            const char   *code,
            GCancellable *cancellable,
            Outcome      *o)
{
  g_isle_eval_async (isle, code, cancellable, on_eval_done, o);
}

/* Evaluates @code on the main loop and returns its result printed. */
static char *
eval_print (GIsle      *isle,
            const char *code)
{
  Outcome o = { 0, };
  char *printed;

  eval_async (isle, code, NULL, &o);
  WAIT_UNTIL (o.done, WAIT_MS);
  g_assert_no_error (o.error);
  g_assert_nonnull (o.value);
  printed = g_variant_print (o.value, FALSE);
  outcome_clear (&o);
  return printed;
}

#define assert_eval(isle, code, expected)               \
  G_STMT_START {                                        \
    g_autofree char *printed_ = eval_print (isle, code); \
    g_assert_cmpstr (printed_, ==, expected);           \
  } G_STMT_END

/* The isle still works: `return 1` answers (1,). */
static void
assert_answers (GIsle *isle)
{
  assert_eval (isle, "return 1", "(1,)");
}

/* Cancels something when a script calls isle.emit("started"). */
typedef enum {
  ACTION_NONE,
  ACTION_CANCEL,
  ACTION_CANCEL_ALL,
  ACTION_CLOSE,
} Action;

typedef struct
{
  Action action;
  GCancellable *cancellable;
  guint n_started;
  gint64 cancel_time;
} Trigger;

static void
on_started (GIsle      *isle,
            const char *name,
            GVariant   *value,
            gpointer    data)
{
  Trigger *t = data;

  if (t->n_started++ > 0)
    return;

  t->cancel_time = g_get_monotonic_time ();
  switch (t->action)
    {
    case ACTION_NONE:
      break;
    case ACTION_CANCEL:
      g_cancellable_cancel (t->cancellable);
      break;
    case ACTION_CANCEL_ALL:
      g_isle_cancel_all (isle);
      break;
    case ACTION_CLOSE:
      {
        g_autoptr(GError) error = NULL;

        g_assert_true (g_isle_close (isle, NULL, &error));
        g_assert_no_error (error);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static gulong
trigger_connect (GIsle   *isle,
                 Trigger *t)
{
  return g_signal_connect (isle, "event::started", G_CALLBACK (on_started), t);
}

/* Runs @code, which calls isle.emit("started"), cancels it then, and
 * checks that it ends with G_IO_ERROR_CANCELLED and that the isle answers
 * afterwards. Returns the latency in milliseconds. */
static double
run_and_cancel (GIsle      *isle,
                const char *code)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Trigger trigger = { ACTION_CANCEL, cancellable, 0, 0 };
  Outcome o = { 0, };
  gulong handler;
  double latency;

  handler = trigger_connect (isle, &trigger);
  eval_async (isle, code, cancellable, &o);
  WAIT_UNTIL (o.done, WAIT_MS);
  g_signal_handler_disconnect (isle, handler);

  g_assert_cmpuint (trigger.n_started, ==, 1);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (o.value);
  latency = ms_between (trigger.cancel_time, o.done_time);
  outcome_clear (&o);

  assert_answers (isle);
  return latency;
}

/* Unwraps nested variants (event values arrive boxed). */
static GVariant *
unbox (GVariant *value)
{
  GVariant *v = g_variant_ref (value);

  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }
  return v;
}

/* ---- Loops the soft cancel stops at once ---------------------------- */

typedef struct
{
  const char *path;
  const char *code;
} LoopCase;

static const LoopCase prompt_cases[] = {
  { "/cancel/prompt/while-true",
    "isle.emit('started') while true do" SPIN "end" },
  { "/cancel/prompt/c-function",
    "isle.emit('started') while true do math.sin(1)" SPIN "end" },
  { "/cancel/prompt/xpcall-looping-handler",
    "isle.emit('started')\n"
    "xpcall(function() while true do" SPIN "end end,\n"
    "       function() while true do" SPIN "end end)" },
  { "/cancel/prompt/xpcall-handler-running",
    /* The handler runs (for an ordinary error) when the cancel comes. */
    "xpcall(function() error('boom') end,\n"
    "       function() isle.emit('started') while true do" SPIN "end end)" },
  { "/cancel/prompt/coroutine-create",
    "local co = coroutine.create(function()\n"
    "  isle.emit('started') while true do" SPIN "end\n"
    "end)\n"
    "coroutine.resume(co)" },
  { "/cancel/prompt/coroutine-wrap",
    "coroutine.wrap(function() isle.emit('started') while true do" SPIN "end end)()" },
  { "/cancel/prompt/coroutine-nested",
    "coroutine.wrap(function()\n"
    "  local inner = coroutine.create(function()\n"
    "    coroutine.wrap(function()\n"
    "      isle.emit('started') while true do" SPIN "end\n"
    "    end)()\n"
    "  end)\n"
    "  local ok, err = coroutine.resume(inner)\n"
    "  error(err, 0)\n"
    "end)()" },
  { "/cancel/prompt/coroutine-yielding",
    /* Resumed again and again: each resume is a new entry on the stack. */
    "local gen = coroutine.wrap(function()\n"
    "  local i = 0 while true do i = i + 1 coroutine.yield(i) end\n"
    "end)\n"
    "isle.emit('started') while true do gen()" SPIN "end" },
  { "/cancel/prompt/gsub-callback",
    "string.gsub(string.rep('a', 10), 'a', function()\n"
    "  isle.emit('started') while true do" SPIN "end\n"
    "end)" },
  { "/cancel/prompt/gsub-many-callbacks",
    "isle.emit('started')\n"
    "while true do string.gsub('aaaaaaaa', 'a', function(c) return c end) end" },
  { "/cancel/prompt/index-metamethod",
    "local t = setmetatable({}, { __index = function()\n"
    "  isle.emit('started') while true do" SPIN "end\n"
    "end })\n"
    "return t.anything" },
  { "/cancel/prompt/iterator",
    "local function count(_, i) return i + 1 end\n"
    "isle.emit('started')\n"
    "for i in count, nil, 0 do" SPIN "end" },
  { "/cancel/prompt/table-sort-comparator",
    "local t = { 3, 2, 1 }\n"
    "table.sort(t, function(a, b) isle.emit('started') while true do" SPIN "end end)" },
};

static void
test_prompt (gconstpointer data)
{
  const LoopCase *c = data;
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  double latency;

  latency = run_and_cancel (isle, c->code);
  g_test_message ("%s: stopped %.2f ms after the cancel", c->path, latency);
  /* Far below the grace period: the soft cancel did it. */
  g_assert_cmpfloat (latency, <, (PROMPT_MAX_MS) * gisle_test_slowdown ());
}

/* ---- Loops that swallow the soft cancel: the hard phase stops them ---- */

#define STUBBORN_GRACE_MS 50

static const LoopCase stubborn_cases[] = {
  { "/cancel/hard/xpcall-c-handler-in-loop",
    /* A loop that catches every cancel with a C message handler (which
     * would turn the sentinel into a string) swallows the soft cancel by
     * design; the hard phase stops it. */
    "local first = true\n"
    "while true do xpcall(function()\n"
    "  if first then first = false isle.emit('started') end\n"
    "  while true do" SPIN "end\n"
    "end, tostring) end" },
  { "/cancel/hard/pcall-in-loop",
    "local first = true\n"
    "while true do pcall(function()\n"
    "  if first then first = false isle.emit('started') end\n"
    "  while true do" SPIN "end\n"
    "end) end" },
  { "/cancel/hard/nested-coroutines",
    /* create, wrap and create again, each level swallowing errors. */
    "local function stubborn(f) while true do pcall(f) end end\n"
    "local outer = coroutine.create(function()\n"
    "  stubborn(coroutine.wrap(function()\n"
    "    local inner = coroutine.create(function()\n"
    "      isle.emit('started') stubborn(function() while true do" SPIN "end end)\n"
    "    end)\n"
    "    while true do coroutine.resume(inner) end\n"
    "  end))\n"
    "end)\n"
    "while true do coroutine.resume(outer) end" },
  { "/cancel/hard/coroutines-created-before",
    /* Made before the cancel, first resumed after the soft cancel was
     * caught: nothing armed them when the cancel came. */
    "local cos = {}\n"
    "for i = 1, 3 do cos[i] = coroutine.create(function() while true do" SPIN "end end) end\n"
    "local w = coroutine.wrap(function() while true do" SPIN "end end)\n"
    "pcall(function() isle.emit('started') while true do" SPIN "end end)\n"
    "while true do\n"
    "  for i = 1, 3 do coroutine.resume(cos[i]) end\n"
    "  pcall(w)\n"
    "end" },
  { "/cancel/hard/coroutines-created-after",
    /* Made while the soft cancel is being swallowed: they inherit the
     * grace period's clock-watching hook, which must turn them hard. */
    "pcall(function() isle.emit('started') while true do" SPIN "end end)\n"
    "while true do\n"
    "  local co = coroutine.create(function() while true do" SPIN "end end)\n"
    "  coroutine.resume(co)\n"
    "  pcall(coroutine.wrap(function() while true do" SPIN "end end))\n"
    "end" },
  { "/cancel/hard/gsub-callback-pcall",
    "local first = true\n"
    "string.gsub('aaaa', 'a', function()\n"
    "  while true do pcall(function()\n"
    "    if first then first = false isle.emit('started') end\n"
    "    while true do" SPIN "end\n"
    "  end) end\n"
    "end)" },
  { "/cancel/hard/close-handler-loops",
    /* A __close handler that catches and loops on. */
    "local guard <close> = setmetatable({}, { __close = function()\n"
    "  while true do pcall(function() while true do" SPIN "end end) end\n"
    "end })\n"
    "isle.emit('started') while true do" SPIN "end" },
};

static void
test_stubborn (gconstpointer data)
{
  const LoopCase *c = data;
  g_autoptr(GIsle) isle = isle_new (STUBBORN_GRACE_MS, 3000);
  double latency;

  latency = run_and_cancel (isle, c->code);
  g_test_message ("%s: stopped %.2f ms after the cancel (grace %u ms)",
                  c->path, latency, STUBBORN_GRACE_MS);
  g_assert_cmpfloat (latency, >=, STUBBORN_GRACE_MS);
  g_assert_cmpfloat (latency, <, (STUBBORN_GRACE_MS + 500) * gisle_test_slowdown ());
}

/* A coroutine made before the cancel and first resumed after it, from a
 * finalizer: finalizers run with hooks off, so only arming the coroutine
 * when it is resumed can stop it. The second one is resumed during the
 * grace period and needs the hard phase. */
static void
test_coroutine_resumed_in_finalizer (void)
{
  g_autoptr(GIsle) isle = isle_new (STUBBORN_GRACE_MS, 3000);
  double latency;

  latency = run_and_cancel (isle,
    "local co1 = coroutine.create(function() while true do end end)\n"
    "local co2 = coroutine.create(function() while true do" SPIN "end end)\n"
    "setmetatable({}, { __gc = function()\n"
    "  isle.emit('started')\n"
    "  while not isle.cancelled() do end\n"
    "  local ok1, e1 = coroutine.resume(co1)\n"
    "  local ok2, e2 = coroutine.resume(co2)\n"
    "  gc_report = tostring(ok1) .. ' ' .. tostring(e1) .. ' / ' .. tostring(ok2) .. ' ' .. tostring(e2)\n"
    "end })\n"
    "collectgarbage()\n"
    "return 1");
  g_test_message ("coroutines resumed in a finalizer: stopped %.2f ms after the cancel",
                  latency);
  g_assert_cmpfloat (latency, >=, STUBBORN_GRACE_MS);
  g_assert_cmpfloat (latency, <, (STUBBORN_GRACE_MS + 500) * gisle_test_slowdown ());
  assert_eval (isle, "return gc_report",
               "('false the job was cancelled / false the job was cancelled',)");
}

/* ---- What runs during the soft phase ---------------------------------- */

static void
on_closed_event (GIsle      *isle,
                 const char *name,
                 GVariant   *value,
                 gpointer    data)
{
  g_autoptr(GVariant) v = unbox (value);

  g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING));
  *(char **) data = g_variant_dup_string (v, NULL);
}

static void
test_close_variable (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  g_autofree char *closed_with = NULL;
  gulong handler;
  double latency;

  handler = g_signal_connect (isle, "event::closed", G_CALLBACK (on_closed_event), &closed_with);
  latency = run_and_cancel (isle,
    "local guard <close> = setmetatable({}, { __close = function(_, err)\n"
    "  closed_by = tostring(err)\n"
    "  isle.emit('closed', closed_by)\n"
    "end })\n"
    "isle.emit('started') while true do" SPIN "end");
  g_signal_handler_disconnect (isle, handler);

  g_test_message ("<close> variable: stopped %.2f ms after the cancel", latency);
  g_assert_cmpfloat (latency, <, (PROMPT_MAX_MS) * gisle_test_slowdown ());
  /* Events of a job arrive before its completion. */
  g_assert_cmpstr (closed_with, ==, "the job was cancelled");
  assert_eval (isle, "return closed_by", "('the job was cancelled',)");
}

static void
test_pcall_cleanup (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  double latency;

  assert_eval (isle, "return isle.cancelled()", "(false,)");
  latency = run_and_cancel (isle,
    "local ok, err = pcall(function() isle.emit('started') while true do" SPIN "end end)\n"
    "cleanup = { ok = ok, text = tostring(err), kind = type(err),\n"
    "            cancelled = isle.cancelled() }\n"
    "isle.sleep(60) -- returns at once: the script is cleaning up\n"
    "cleanup.finished = true");
  g_test_message ("pcall cleanup: job ended %.2f ms after the cancel", latency);
  g_assert_cmpfloat (latency, <, (PROMPT_MAX_MS) * gisle_test_slowdown ());
  assert_eval (isle,
               "return cleanup.ok, cleanup.text, cleanup.kind ~= 'string', "
               "cleanup.cancelled, cleanup.finished",
               "(false, 'the job was cancelled', true, true, true)");
  /* The flag belongs to the job: the next one is not cancelled. */
  assert_eval (isle, "return isle.cancelled()", "(false,)");
}

static void
test_caught_and_returned (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  double latency;

  latency = run_and_cancel (isle,
    "pcall(function() isle.emit('started') while true do" SPIN "end end)\n"
    "return 42");
  g_test_message ("caught and returned 42: ended %.2f ms after the cancel", latency);
  g_assert_cmpfloat (latency, <, (PROMPT_MAX_MS) * gisle_test_slowdown ());
}

/* The sentinel decides nothing by its text: a script raising the same text
 * itself is an ordinary runtime error, and so is re-raising a sentinel kept
 * from a cancelled job in a job nobody cancelled. */
static void
test_error_identity (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  static const char *const impostors[] = {
    "error('the job was cancelled')",
    "error('the job was cancelled', 0)",
    "error(setmetatable({}, { __tostring = function() return 'the job was cancelled' end }))",
    "error(saved_sentinel)",
  };

  run_and_cancel (isle,
    "local ok, err = pcall(function() isle.emit('started') while true do" SPIN "end end)\n"
    "saved_sentinel = err");
  assert_eval (isle, "return tostring(saved_sentinel), type(saved_sentinel) ~= 'string'",
               "('the job was cancelled', true)");

  for (guint i = 0; i < G_N_ELEMENTS (impostors); i++)
    {
      Outcome o = { 0, };

      eval_async (isle, impostors[i], NULL, &o);
      WAIT_UNTIL (o.done, WAIT_MS);
      g_test_message ("%s -> %s", impostors[i], o.error ? o.error->message : "(no error)");
      g_assert_error (o.error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
      outcome_clear (&o);
    }
  assert_answers (isle);
}

/* ---- Queued jobs ------------------------------------------------------ */

static const char *const loop_code = "isle.emit('started') while true do" SPIN "end";

static void
test_queued_never_runs (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  g_autoptr(GCancellable) running_c = g_cancellable_new ();
  g_autoptr(GCancellable) queued_c = g_cancellable_new ();
  g_autoptr(GCancellable) early_c = g_cancellable_new ();
  Trigger trigger = { ACTION_CANCEL, queued_c, 0, 0 };
  Outcome running = { 0, }, queued = { 0, }, early = { 0, };
  gint64 early_submit;
  gulong handler;

  handler = trigger_connect (isle, &trigger);
  eval_async (isle, loop_code, running_c, &running);
  eval_async (isle, "queued_ran = true return 2", queued_c, &queued);

  /* Cancelled on the "started" event, while the first job runs. */
  WAIT_UNTIL (queued.done, WAIT_MS);
  g_assert_error (queued.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (running.done);
  g_test_message ("queued job completed %.2f ms after its cancel",
                  ms_between (trigger.cancel_time, queued.done_time));

  /* A cancellable cancelled before the call: completes at once. */
  g_cancellable_cancel (early_c);
  early_submit = g_get_monotonic_time ();
  eval_async (isle, "early_ran = true return 3", early_c, &early);
  WAIT_UNTIL (early.done, WAIT_MS);
  g_assert_error (early.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (running.done);
  g_test_message ("pre-cancelled job completed %.2f ms after it was submitted",
                  ms_between (early_submit, early.done_time));
  g_assert_cmpfloat (ms_between (early_submit, early.done_time), <, (500) * gisle_test_slowdown ());

  g_cancellable_cancel (running_c);
  WAIT_UNTIL (running.done, WAIT_MS);
  g_assert_error (running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_signal_handler_disconnect (isle, handler);

  assert_eval (isle, "return queued_ran == nil, early_ran == nil", "(true, true)");
  outcome_clear (&running);
  outcome_clear (&queued);
  outcome_clear (&early);
}

static void
test_shared_cancellable (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Trigger trigger = { ACTION_CANCEL, cancellable, 0, 0 };
  Outcome o[3] = { { 0, }, };
  gulong handler;

  handler = trigger_connect (isle, &trigger);
  eval_async (isle, loop_code, cancellable, &o[0]);
  eval_async (isle, "ran1 = true return 1", cancellable, &o[1]);
  eval_async (isle, "ran2 = true return 2", cancellable, &o[2]);
  WAIT_UNTIL (o[0].done && o[1].done && o[2].done, WAIT_MS);
  g_signal_handler_disconnect (isle, handler);

  for (guint i = 0; i < G_N_ELEMENTS (o); i++)
    {
      g_assert_error (o[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_test_message ("job %u completed %.2f ms after the shared cancel", i,
                      ms_between (trigger.cancel_time, o[i].done_time));
      outcome_clear (&o[i]);
    }
  assert_eval (isle, "return ran1 == nil, ran2 == nil", "(true, true)");
}

static void
test_cancel_all (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  g_autoptr(GCancellable) own = g_cancellable_new ();
  Trigger trigger = { ACTION_CANCEL_ALL, NULL, 0, 0 };
  Outcome o[3] = { { 0, }, };
  gulong handler;

  /* On an idle isle it does nothing, and it does not stick. */
  g_isle_cancel_all (isle);
  assert_answers (isle);

  handler = trigger_connect (isle, &trigger);
  eval_async (isle, loop_code, NULL, &o[0]);
  eval_async (isle, "ran1 = true return 1", NULL, &o[1]);
  eval_async (isle, "ran2 = true return 2", own, &o[2]);
  WAIT_UNTIL (o[0].done && o[1].done && o[2].done, WAIT_MS);
  g_signal_handler_disconnect (isle, handler);

  for (guint i = 0; i < G_N_ELEMENTS (o); i++)
    {
      g_assert_error (o[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_test_message ("cancel_all: job %u completed %.2f ms after the call", i,
                      ms_between (trigger.cancel_time, o[i].done_time));
      outcome_clear (&o[i]);
    }
  g_assert_false (g_cancellable_is_cancelled (own));
  assert_eval (isle, "return ran1 == nil, ran2 == nil", "(true, true)");
}

static void
on_setup_started (GIsle      *isle,
                  const char *name,
                  GVariant   *value,
                  gpointer    data)
{
  g_isle_cancel_all (isle);
  *(gboolean *) data = TRUE;
}

static void
on_init_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError *error = NULL;

  g_async_initable_init_finish (G_ASYNC_INITABLE (source), result, &error);
  outcome_record (data, NULL, error);
}

/* The setup job is the isle's own, not the caller's: g_isle_cancel_all()
 * made while it runs cancels the caller's queued job only. */
static void
test_cancel_all_spares_setup (void)
{
  g_autoptr(GIsle) isle = NULL;
  gboolean cancelled_all = FALSE;
  Outcome init = { 0, }, queued = { 0, };

  isle = g_object_new (G_TYPE_ISLE,
                       "setup-code", "isle.emit('setup') isle.sleep(0.2) ready = true",
                       NULL);
  g_signal_connect (isle, "event::setup", G_CALLBACK (on_setup_started), &cancelled_all);
  g_async_initable_init_async (G_ASYNC_INITABLE (isle), G_PRIORITY_DEFAULT, NULL,
                               on_init_done, &init);
  eval_async (isle, "queued_ran = true return 1", NULL, &queued);
  WAIT_UNTIL (init.done && queued.done, WAIT_MS);

  g_assert_true (cancelled_all);
  g_assert_no_error (init.error);
  g_assert_error (queued.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_eval (isle, "return ready, queued_ran == nil", "(true, true)");
  outcome_clear (&init);
  outcome_clear (&queued);
}

/* ---- Late cancels ------------------------------------------------------ */

#define CHAIN_LENGTH 2000

typedef struct
{
  GIsle *isle;
  guint i;
  GCancellable *cancellable;
  gboolean finished;
  GError *error;
  char *wrong;
} Chain;

static void chain_submit (Chain *chain);

static void
on_chain_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Chain *chain = data;
  g_autoptr(GCancellable) previous = g_steal_pointer (&chain->cancellable);
  g_autoptr(GVariant) value = NULL;
  gint64 n = -1;

  value = g_isle_eval_finish (G_ISLE (source), result, &chain->error);
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("(x)")))
    g_variant_get (value, "(x)", &n);
  if (chain->error == NULL && n != (gint64) chain->i)
    chain->wrong = value != NULL ? g_variant_print (value, TRUE) : g_strdup ("NULL");
  if (chain->error != NULL || chain->wrong != NULL)
    {
      chain->finished = TRUE;
      return;
    }

  chain->i++;
  /* The late cancel: before the next submission on even steps, after it
   * on odd ones. */
  if (chain->i % 2 == 0)
    g_cancellable_cancel (previous);
  if (chain->i < CHAIN_LENGTH)
    chain_submit (chain);
  else
    chain->finished = TRUE;
  if (chain->i % 2 == 1)
    g_cancellable_cancel (previous);
}

static void
chain_submit (Chain *chain)
{
  g_autofree char *code = g_strdup_printf ("local t = {} t[1] = %u return t[1]", chain->i);

  chain->cancellable = g_cancellable_new ();
  g_isle_eval_async (chain->isle, code, chain->cancellable, on_chain_done, chain);
}

static void
test_late_cancel (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  Chain chain = { isle, 0, NULL, FALSE, NULL, NULL };
  gint64 start = g_get_monotonic_time ();

  chain_submit (&chain);
  WAIT_UNTIL (chain.finished, 60000);
  if (chain.error != NULL)
    g_test_message ("job %u failed: %s", chain.i, chain.error->message);
  g_assert_no_error (chain.error);
  g_assert_null (chain.wrong);
  g_assert_cmpuint (chain.i, ==, CHAIN_LENGTH);
  g_test_message ("%u jobs, each cancelled in its completion callback: %.1f ms",
                  CHAIN_LENGTH, ms_between (start, g_get_monotonic_time ()));
  assert_answers (isle);
}

static void
test_cancel_after_close (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  g_autoptr(GCancellable) finished_c = g_cancellable_new ();
  g_autoptr(GCancellable) running_c = g_cancellable_new ();
  g_autoptr(GCancellable) refused_c = g_cancellable_new ();
  Trigger trigger = { ACTION_CLOSE, NULL, 0, 0 };
  Outcome finished = { 0, }, running = { 0, }, refused = { 0, };
  gulong handler;

  eval_async (isle, "return 1", finished_c, &finished);
  WAIT_UNTIL (finished.done, WAIT_MS);
  g_assert_no_error (finished.error);

  /* Closed (synchronously) while this job runs. */
  handler = trigger_connect (isle, &trigger);
  eval_async (isle, loop_code, running_c, &running);
  WAIT_UNTIL (trigger.n_started > 0, WAIT_MS);
  g_signal_handler_disconnect (isle, handler);
  g_assert_true (g_isle_is_closed (isle));

  g_cancellable_cancel (finished_c);
  g_cancellable_cancel (running_c);
  g_isle_cancel_all (isle);

  eval_async (isle, "return 1", refused_c, &refused);
  g_cancellable_cancel (refused_c);
  WAIT_UNTIL (running.done && refused.done, WAIT_MS);
  g_assert_error (running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (refused.error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_isle_cancel_all (isle);

  /* Every callback ran exactly once (outcome_record checks it); give
   * stray deliveries a chance to show up. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (finished.n_calls + running.n_calls + refused.n_calls, ==, 3);
  outcome_clear (&finished);
  outcome_clear (&running);
  outcome_clear (&refused);
}

/* ---- debug.sethook cannot switch cancellation off ---------------------- */

typedef struct
{
  const char *path;
  const char *code;
  guint grace_ms;
  guint hard_ms;
  guint rounds;
  guint max_ms;      /* the latency every round must stay under */
} HookCase;

static const HookCase hook_cases[] = {
  /* Nothing catches the soft cancel: it must stop these at once, long
   * before the grace period ends. */
  { "/cancel/debug/sethook-clear",
    "isle.emit('started') debug.sethook() while true do debug.sethook()" SPIN "end",
    PROMPT_GRACE_MS, PROMPT_HARD_MS, 100, PROMPT_MAX_MS },
  { "/cancel/debug/sethook-replace",
    "isle.emit('started') while true do debug.sethook(function() end, 'l')" SPIN "end",
    PROMPT_GRACE_MS, PROMPT_HARD_MS, 100, PROMPT_MAX_MS },
  /* The soft cancel is caught: the hard phase must stop it, not the hard
   * deadline. */
  { "/cancel/debug/sethook-clear-after-pcall",
    "local first = true\n"
    "while true do pcall(function()\n"
    "  if first then first = false isle.emit('started') end\n"
    "  while true do debug.sethook()" SPIN "end\n"
    "end) end",
    10, 500, 20, 400 },
};

static void
test_debug_sethook (gconstpointer data)
{
  const HookCase *c = data;
  g_autoptr(GIsle) isle = isle_new_full (c->grace_ms, c->hard_ms,
                                         G_ISLE_LIBRARIES_SAFE | G_ISLE_LIBRARIES_DEBUG);
  double worst = 0;

  /* The hook is cleared in a tight loop, so a cancel signal often lands
   * while the script is inside debug.sethook: repeat to catch that. */
  for (guint round = 0; round < c->rounds; round++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Trigger trigger = { ACTION_CANCEL, cancellable, 0, 0 };
      Outcome o = { 0, };
      gulong handler = trigger_connect (isle, &trigger);
      double latency;

      eval_async (isle, c->code, cancellable, &o);
      WAIT_UNTIL (o.done, WAIT_MS);
      g_signal_handler_disconnect (isle, handler);
      latency = ms_between (trigger.cancel_time, o.done_time);
      if (o.error == NULL || !g_error_matches (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          latency >= c->max_ms)
        g_test_message ("round %u of %u: %.2f ms after the cancel: %s", round + 1, c->rounds,
                        latency, o.error != NULL ? o.error->message : "no error");
      g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpfloat (latency, <, (c->max_ms) * gisle_test_slowdown ());
      worst = MAX (worst, latency);
      outcome_clear (&o);
    }
  g_test_message ("%s: %u rounds, worst %.2f ms after the cancel", c->path, c->rounds, worst);
  g_assert_false (g_isle_is_defunct (isle));
  assert_answers (isle);
}

/* ---- Time limits -------------------------------------------------------- */

static void
test_timeout_per_call (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  static const char *const codes[] = {
    "while true do" SPIN "end",
    "pcall(function() while true do" SPIN "end end) return 42",
    "while true do pcall(function() while true do" SPIN "end end) end",
  };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      Outcome o = { 0, };
      gint64 start = g_get_monotonic_time ();
      double elapsed;

      g_isle_eval_full_async (isle, codes[i], "=timeout", 100, NULL, on_eval_full_done, &o);
      WAIT_UNTIL (o.done, WAIT_MS);
      elapsed = ms_between (start, o.done_time);
      g_test_message ("timeout 100 ms: \"%s\" ended after %.2f ms", codes[i], elapsed);
      g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_assert_cmpfloat (elapsed, >=, 100);
      /* The last one swallows the soft cancel: + the grace period. */
      g_assert_cmpfloat (elapsed, <, (100 + 100 + 600) * gisle_test_slowdown ());
      outcome_clear (&o);
      assert_answers (isle);
    }
}

/* The blocking variant, from the main thread (never the isle's). */
static void
test_timeout_blocking (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  gint64 start = g_get_monotonic_time ();
  double elapsed;

  value = g_isle_eval_full (isle, "while true do" SPIN "end", NULL, 150, NULL, &error);
  elapsed = ms_between (start, g_get_monotonic_time ());
  g_test_message ("blocking eval with timeout 150 ms returned after %.2f ms", elapsed);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (value);
  g_assert_cmpfloat (elapsed, >=, 150);
  g_assert_cmpfloat (elapsed, <, (150 + 600) * gisle_test_slowdown ());
  assert_answers (isle);
}

static void
test_timeout_default (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  Outcome o = { 0, }, a = { 0, }, b = { 0, }, long_limit = { 0, };
  gint64 start;

  g_assert_cmpuint (g_isle_get_default_timeout (isle), ==, 0);
  g_object_set (isle, "default-timeout", 100, NULL);
  g_assert_cmpuint (g_isle_get_default_timeout (isle), ==, 100);

  start = g_get_monotonic_time ();
  eval_async (isle, "while true do" SPIN "end", NULL, &o);
  WAIT_UNTIL (o.done, WAIT_MS);
  g_test_message ("default-timeout 100 ms: ended after %.2f ms", ms_between (start, o.done_time));
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpfloat (ms_between (start, o.done_time), >=, 100);
  outcome_clear (&o);

  /* Counted from when each job starts, not from when it was submitted:
   * b waits for a, then runs for less than the limit. */
  g_isle_set_default_timeout (isle, 400);
  start = g_get_monotonic_time ();
  eval_async (isle, "isle.sleep(0.25) return 'a'", NULL, &a);
  eval_async (isle, "isle.sleep(0.25) return 'b'", NULL, &b);
  WAIT_UNTIL (a.done && b.done, WAIT_MS);
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  g_test_message ("two queued 250 ms jobs under a 400 ms limit: %.2f ms in all",
                  ms_between (start, b.done_time));
  g_assert_cmpfloat (ms_between (start, b.done_time), >=, 500);
  outcome_clear (&a);
  outcome_clear (&b);

  /* A per-call limit replaces the default one. */
  g_isle_set_default_timeout (isle, 100);
  g_isle_eval_full_async (isle, "isle.sleep(0.3) return 3", NULL, 5000, NULL,
                          on_eval_full_done, &long_limit);
  WAIT_UNTIL (long_limit.done, WAIT_MS);
  g_assert_no_error (long_limit.error);
  outcome_clear (&long_limit);

  g_isle_set_default_timeout (isle, 0);
  assert_answers (isle);
}

/* ---- Built-in cancellation points -------------------------------------- */

static void
test_sleep (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  double latency;

  latency = run_and_cancel (isle, "isle.emit('started') isle.sleep(60)");
  g_test_message ("isle.sleep(60): woke %.2f ms after the cancel", latency);
  g_assert_cmpfloat (latency, <, 100 * gisle_test_slowdown ());

  /* Caught, then another long sleep in the cleanup returns at once. */
  latency = run_and_cancel (isle,
    "pcall(function() isle.emit('started') isle.sleep(60) end)\n"
    "isle.sleep(60) slept = true");
  g_test_message ("isle.sleep(60) during the grace period: job ended %.2f ms after the cancel",
                  latency);
  g_assert_cmpfloat (latency, <, 100 * gisle_test_slowdown ());
  assert_eval (isle, "return slept", "(true,)");
}

/* ---- Blocking calls from a worker thread -------------------------------- */

typedef struct
{
  GIsle *isle;
  const char *code;
  GCancellable *cancellable;
  GVariant *value;
  GError *error;
  gint64 done_time;
  gint done;
} BlockingCall;

static gpointer
blocking_call_thread (gpointer data)
{
  BlockingCall *call = data;

  call->value = g_isle_eval (call->isle, call->code, call->cancellable, &call->error);
  call->done_time = g_get_monotonic_time ();
  g_atomic_int_set (&call->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_blocking (void)
{
  g_autoptr(GIsle) isle = isle_new (PROMPT_GRACE_MS, PROMPT_HARD_MS);
  g_autoptr(GCancellable) running_c = g_cancellable_new ();
  g_autoptr(GCancellable) queued_c = g_cancellable_new ();
  BlockingCall running = { isle, loop_code, running_c, NULL, NULL, 0, 0 };
  BlockingCall queued = { isle, "queued_ran = true return 1", queued_c, NULL, NULL, 0, 0 };
  Trigger trigger = { ACTION_NONE, NULL, 0, 0 };
  GThread *t1, *t2;
  gint64 queued_cancel;
  gulong handler;

  handler = trigger_connect (isle, &trigger);
  t1 = g_thread_new ("blocking-running", blocking_call_thread, &running);
  WAIT_UNTIL (trigger.n_started > 0 || is_set (&running.done), WAIT_MS);
  g_assert_false (is_set (&running.done));

  /* The first job runs; a second blocking call queues behind it. Its
   * cancel completes it whether it is queued yet or not. */
  t2 = g_thread_new ("blocking-queued", blocking_call_thread, &queued);
  g_cancellable_cancel (queued_c);
  queued_cancel = g_get_monotonic_time ();
  WAIT_UNTIL (is_set (&queued.done), WAIT_MS);
  g_thread_join (t2);
  g_assert_error (queued.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (is_set (&running.done));
  g_test_message ("blocking queued call returned %.2f ms after its cancel",
                  ms_between (queued_cancel, queued.done_time));

  trigger.cancel_time = g_get_monotonic_time ();
  g_cancellable_cancel (running_c);
  WAIT_UNTIL (is_set (&running.done), WAIT_MS);
  g_thread_join (t1);
  g_signal_handler_disconnect (isle, handler);
  g_assert_error (running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (running.value);
  g_test_message ("blocking eval in a thread returned %.2f ms after the cancel",
                  ms_between (trigger.cancel_time, running.done_time));
  g_assert_cmpfloat (ms_between (trigger.cancel_time, running.done_time), <, (PROMPT_MAX_MS) * gisle_test_slowdown ());

  g_clear_error (&running.error);
  g_clear_error (&queued.error);
  g_clear_pointer (&queued.value, g_variant_unref);
  assert_eval (isle, "return queued_ran == nil", "(true,)");
}

/* ---- A job no hook can reach ------------------------------------------- */

typedef struct
{
  guint n_notifies;
  gboolean in_main_thread;
  gboolean value_then;
} DefunctNotify;

static void
on_notify_defunct (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  DefunctNotify *n = data;

  n->n_notifies++;
  n->in_main_thread = g_main_context_is_owner (g_main_context_default ());
  n->value_then = g_isle_is_defunct (G_ISLE (object));
}

static void
test_defunct (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 200);
  g_autoptr(GIsle) fresh = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Trigger trigger = { ACTION_CANCEL, cancellable, 0, 0 };
  DefunctNotify notify = { 0, };
  Outcome o = { 0, }, later = { 0, };
  gint64 start;
  double latency;

  g_assert_false (g_isle_is_defunct (isle));
  g_signal_connect (isle, "notify::defunct", G_CALLBACK (on_notify_defunct), &notify);
  trigger_connect (isle, &trigger);

  /* Finalizers run with hooks disabled: this one cannot be interrupted.
   * It says it started from inside, so the cancel lands there. */
  eval_async (isle,
              "setmetatable({}, { __gc = function()\n"
              "  isle.emit('started') while true do end\n"
              "end })\n"
              "collectgarbage()\n"
              "return 1",
              cancellable, &o);
  WAIT_UNTIL (o.done, WAIT_MS);
  latency = ms_between (trigger.cancel_time, o.done_time);
  g_test_message ("looping finalizer: DEFUNCT %.2f ms after the cancel (hard deadline 200 ms)",
                  latency);
  g_assert_error (o.error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT);
  g_assert_cmpfloat (latency, >=, 200);
  g_assert_cmpfloat (latency, <, 200 + 200 * gisle_test_slowdown ());
  outcome_clear (&o);

  WAIT_UNTIL (notify.n_notifies > 0, WAIT_MS);
  g_assert_cmpuint (notify.n_notifies, ==, 1);
  g_assert_true (notify.in_main_thread);
  g_assert_true (notify.value_then);
  g_assert_true (g_isle_is_defunct (isle));

  /* Everything later fails at once. */
  start = g_get_monotonic_time ();
  eval_async (isle, "return 1", NULL, &later);
  WAIT_UNTIL (later.done, WAIT_MS);
  g_assert_error (later.error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT);
  g_test_message ("eval on a defunct isle failed after %.2f ms",
                  ms_between (start, later.done_time));
  g_assert_cmpfloat (ms_between (start, later.done_time), <, 100 * gisle_test_slowdown ());
  outcome_clear (&later);

  start = g_get_monotonic_time ();
  value = g_isle_eval (isle, "return 1", NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_cmpfloat (ms_between (start, g_get_monotonic_time ()), <, 100 * gisle_test_slowdown ());

  start = g_get_monotonic_time ();
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("closing the defunct isle took %.2f ms",
                  ms_between (start, g_get_monotonic_time ()));
  g_assert_cmpfloat (ms_between (start, g_get_monotonic_time ()), <, 100 * gisle_test_slowdown ());

  /* The process is fine: a new isle works. */
  fresh = g_isle_new (NULL, &error);
  g_assert_no_error (error);
  assert_answers (fresh);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (prompt_cases); i++)
    g_test_add_data_func (prompt_cases[i].path, &prompt_cases[i], test_prompt);
  for (guint i = 0; i < G_N_ELEMENTS (stubborn_cases); i++)
    g_test_add_data_func (stubborn_cases[i].path, &stubborn_cases[i], test_stubborn);
  g_test_add_func ("/cancel/hard/coroutine-resumed-in-finalizer",
                   test_coroutine_resumed_in_finalizer);
  g_test_add_func ("/cancel/soft/close-variable", test_close_variable);
  g_test_add_func ("/cancel/soft/pcall-cleanup", test_pcall_cleanup);
  g_test_add_func ("/cancel/soft/caught-and-returned", test_caught_and_returned);
  g_test_add_func ("/cancel/soft/error-identity", test_error_identity);
  g_test_add_func ("/cancel/queued/never-runs", test_queued_never_runs);
  g_test_add_func ("/cancel/queued/shared-cancellable", test_shared_cancellable);
  g_test_add_func ("/cancel/cancel-all/running-and-queued", test_cancel_all);
  g_test_add_func ("/cancel/cancel-all/spares-setup", test_cancel_all_spares_setup);
  g_test_add_func ("/cancel/late/after-completion", test_late_cancel);
  g_test_add_func ("/cancel/late/after-close", test_cancel_after_close);
  for (guint i = 0; i < G_N_ELEMENTS (hook_cases); i++)
    g_test_add_data_func (hook_cases[i].path, &hook_cases[i], test_debug_sethook);
  g_test_add_func ("/cancel/timeout/per-call", test_timeout_per_call);
  g_test_add_func ("/cancel/timeout/blocking", test_timeout_blocking);
  g_test_add_func ("/cancel/timeout/default", test_timeout_default);
  g_test_add_func ("/cancel/points/sleep", test_sleep);
  g_test_add_func ("/cancel/blocking/thread", test_blocking);
  /* Last: it leaves a thread spinning in the finalizer for good. */
  g_test_add_func ("/cancel/stuck/defunct", test_defunct);

  return g_test_run ();
}
