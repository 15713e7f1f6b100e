/* test-suspend.c: waits that give the thread back.
 *
 * A job waiting for an asynchronous or main-context host function,
 * isle.sleep() or output back-pressure is suspended: on a one-thread
 * executor, another isle runs meanwhile. Where Lua cannot yield the wait
 * blocks as before, and both are counted. Cancelling, time limits and
 * closing reach a suspended job at once, even while the executor's only
 * thread is busy elsewhere.
 *
 * Each test runs on a one-thread executor; the ones whose outcome does not
 * depend on sharing a thread run on a dedicated thread too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-test-utils.h"

#define WAIT_MS (GISLE_TEST_TIMEOUT_S * 1000)

/* ---- A host function the test answers when it chooses ------------------ */

typedef struct
{
  GPtrArray *held;       /* GIsleInvocation, not answered yet */
  guint calls;
} Host;

static void
host_hold (GIsle           *isle,
           GVariant        *args,
           GIsleInvocation *invocation,
           gpointer         data)
{
  Host *host = data;

  host->calls++;
  g_ptr_array_add (host->held, invocation);
}

/* Answers immediately, from the main context. */
static void
host_echo_async (GIsle           *isle,
                 GVariant        *args,
                 GIsleInvocation *invocation,
                 gpointer         data)
{
  g_isle_invocation_return_value (invocation, args);
}

static GVariant *
host_echo_main (GIsle         *isle,
                GVariant      *args,
                GCancellable  *cancellable,
                gpointer       data,
                GError       **error)
{
  return g_variant_ref (args);
}

static void
host_init (Host *host)
{
  host->held = g_ptr_array_new ();
  host->calls = 0;
}

/* Answers the oldest held invocation with the int64 @value. */
static void
host_answer (Host   *host,
             gint64  value)
{
  GIsleInvocation *invocation;

  g_assert_cmpuint (host->held->len, >, 0);
  invocation = g_ptr_array_steal_index (host->held, 0);
  g_isle_invocation_return_value (invocation, g_variant_new_int64 (value));
}

static void
host_clear (Host *host)
{
  while (host->held->len > 0)
    host_answer (host, 0);
  g_ptr_array_unref (host->held);
}

typedef struct
{
  gboolean executor;
} Mode;

static const Mode on_executor = { TRUE };
static const Mode on_thread = { FALSE };

/* Isles on one shared one-thread executor, or each with its own thread. */
static GIsle *
isle_new (const Mode    *mode,
          GIsleExecutor *executor)
{
  if (mode->executor)
    return gisle_test_isle_new ("executor", executor, NULL);
  return gisle_test_isle_new (NULL, NULL);
}

static GVariant *
finish (GIsle          *isle,
        GisleTestAsync *async,
        const char     *what,
        GError        **error)
{
  GVariant *result = g_isle_eval_finish (isle, gisle_test_async_wait (async, what), error);

  gisle_test_async_clear (async);
  return result;
}

static void
assert_finishes_with (GIsle          *isle,
                      GisleTestAsync *async,
                      const char     *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = finish (isle, async, expected, &error);

  g_assert_no_error (error);
  gisle_test_assert_variant (result, expected);
}

/* ---- Asynchronous host functions --------------------------------------- */

/* While A waits for its host function, B runs on the executor's only
 * thread: A's job gave it back. */
static void
test_async_host_frees_thread (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_new (&on_executor, executor);
  g_autoptr(GIsle) b = isle_new (&on_executor, executor);
  GisleTestAsync job_a = { 0, }, job_b = { 0, };
  Host host;

  host_init (&host);
  g_isle_add_async_function (a, "wait_host", host_hold, &host, NULL);

  g_isle_eval_async (a, "local x = wait_host(1) return x + 1", NULL, gisle_test_async_ready, &job_a);
  GISLE_TEST_WAIT_UNTIL (host.held->len == 1, WAIT_MS);

  g_isle_eval_async (b, "return 2", NULL, gisle_test_async_ready, &job_b);
  assert_finishes_with (b, &job_b, "(int64 2,)");
  g_assert_false (g_atomic_int_get (&job_a.done));

  host_answer (&host, 41);
  assert_finishes_with (a, &job_a, "(int64 42,)");
  g_assert_cmpuint (g_isle_get_suspended_waits (a), ==, 1);
  g_assert_cmpuint (g_isle_get_blocking_waits (a), ==, 0);
  host_clear (&host);
}

/* A suspended job keeps its place: the isle's next job waits for it. */
static void
test_order_kept (gconstpointer data)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_new (data, executor);
  g_autoptr(GIsle) b = isle_new (data, executor);
  GisleTestAsync first = { 0, }, second = { 0, };
  Host host;

  host_init (&host);
  g_isle_add_async_function (a, "wait_host", host_hold, &host, NULL);

  g_isle_eval_async (a, "order = {} order[1] = wait_host() return 'first'", NULL,
                     gisle_test_async_ready, &first);
  GISLE_TEST_WAIT_UNTIL (host.held->len == 1, WAIT_MS);
  g_isle_eval_async (a, "order[2] = 'second' return #order", NULL, gisle_test_async_ready, &second);
  /* Another isle's job goes through meanwhile; A's second job does not. */
  gisle_test_assert_alive (b);
  g_assert_false (g_atomic_int_get (&second.done));

  host_answer (&host, 7);
  assert_finishes_with (a, &first, "('first',)");
  assert_finishes_with (a, &second, "(int64 2,)");
  gisle_test_assert_eval (a, "return order[1], order[2]", "(int64 7, 'second')");
  host_clear (&host);
}

/* The same values cross, whether the call suspends or not, from both
 * kinds of main-context host functions. */
static void
test_host_values (gconstpointer data)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_new (data, executor);

  g_isle_add_async_function (isle, "echo_async", host_echo_async, NULL, NULL);
  g_isle_add_function (isle, "echo_main", host_echo_main, NULL, NULL);

  gisle_test_assert_eval (isle,
                          "local a, b = echo_async(1, 'two')\n"
                          "local c, d = echo_main({3}, nil)\n"
                          "return a, b, c[1], d == nil, select('#', echo_main())",
                          "(int64 1, 'two', int64 3, true, int64 0)");
  /* None blocked (whether one suspended depends on how fast the main
   * context answered: an answer already there is not waited for). */
  g_assert_cmpuint (g_isle_get_blocking_waits (isle), ==, 0);

  /* Errors still arrive as Lua errors, catchable. */
  gisle_test_assert_eval (isle,
                          "local ok, msg = pcall(echo_async, function() end)\n"
                          "return ok, msg:find('cannot leave the isle') ~= nil",
                          "(false, true)");
}

/* ---- Where Lua cannot yield, the wait blocks ----------------------------- */

static void
test_fallback_blocks (gconstpointer data)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_new (data, executor);

  g_isle_add_async_function (isle, "echo", host_echo_async, NULL, NULL);
  gisle_test_assert_eval (isle,
                          /* a table.sort comparator */
                          "local t = {3, 1, 2}\n"
                          "table.sort(t, function(x, y) return echo(x) < echo(y) end)\n"
                          /* a string.gsub callback */
                          "local s = string.gsub('ab', '%a', function(c) return echo(c):upper() end)\n"
                          /* a coroutine the script resumed itself */
                          "local co = coroutine.wrap(function() return echo('co') end)\n"
                          "local slept = coroutine.wrap(function() isle.sleep(0) return true end)()\n"
                          "return table.concat(t, ','), s, co(), slept",
                          "('1,2,3', 'AB', 'co', true)");
  g_assert_cmpuint (g_isle_get_suspended_waits (isle), ==, 0);
  g_assert_cmpuint (g_isle_get_blocking_waits (isle), >=, 5);

  /* A metamethod called from Lua code can yield in Lua 5.4: no block. */
  {
    guint64 before = g_isle_get_blocking_waits (isle);

    gisle_test_assert_eval (isle,
                            "local t = setmetatable({}, { __index = function(_, k) return echo(k) end })\n"
                            "return t.key",
                            "('key',)");
    g_assert_cmpuint (g_isle_get_blocking_waits (isle), ==, before);
  }
}

/* ---- isle.sleep ------------------------------------------------------------ */

typedef struct
{
  guint sleeping;
} Events;

static void
on_sleeping (GIsle      *isle,
             const char *name,
             GVariant   *value,
             gpointer    data)
{
  ((Events *) data)->sleeping++;
}

/* A sleeping job holds no thread, and a cancel ends its sleep at once. */
static void
test_sleep (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_new (&on_executor, executor);
  g_autoptr(GIsle) b = isle_new (&on_executor, executor);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job_a = { 0, };
  Events events = { 0, };

  g_signal_connect (a, "event::sleeping", G_CALLBACK (on_sleeping), &events);
  /* Short sleeps suspend and end. */
  gisle_test_assert_eval (a, "isle.sleep(0.01) isle.sleep(0.02) return 1", "(int64 1,)");
  g_assert_cmpuint (g_isle_get_suspended_waits (a), ==, 2);

  g_isle_eval_async (a, "isle.emit('sleeping') isle.sleep(600) return 'woke'", cancellable,
                     gisle_test_async_ready, &job_a);
  GISLE_TEST_WAIT_UNTIL (events.sleeping == 1, WAIT_MS);
  gisle_test_assert_alive (b);
  g_assert_false (g_atomic_int_get (&job_a.done));

  g_cancellable_cancel (cancellable);
  result = finish (a, &job_a, "the cancelled sleep", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
  gisle_test_assert_alive (a);
}

/* ---- Output back-pressure ------------------------------------------------ */

typedef struct
{
  GIsle *isle;
  GVariant *result;
} OtherThread;

static gpointer
eval_in_other_thread (gpointer data)
{
  OtherThread *other = data;
  g_autoptr(GError) error = NULL;

  /* Not the home thread: it serves nothing of the main context. */
  other->result = g_isle_eval (other->isle, "return 'b ran'", NULL, &error);
  g_assert_no_error (error);
  return NULL;
}

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     data)
{
  *(gsize *) data += strlen (text);
}

/* A script writing faster than the main loop drains waits for room,
 * suspended: with the main loop stopped, another isle of the executor
 * still runs; once the loop drains, every byte arrives. */
static void
test_output_backpressure (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_new (&on_executor, executor);
  g_autoptr(GIsle) b = isle_new (&on_executor, executor);
  GisleTestAsync job_a = { 0, };
  OtherThread other = { b, NULL };
  GThread *thread;
  gsize received = 0;

  g_signal_connect (a, "output", G_CALLBACK (on_output), &received);
  g_isle_eval_async (a,
                     "local chunk = string.rep('x', 1024 * 1024)\n"
                     "for i = 1, 12 do io.write(chunk) end\n"
                     "print('done')\n"
                     "return 'written'",
                     NULL, gisle_test_async_ready, &job_a);
  /* The main loop does not run until B answered. */
  thread = g_thread_new ("other", eval_in_other_thread, &other);
  g_thread_join (thread);
  gisle_test_assert_variant (other.result, "('b ran',)");
  g_variant_unref (other.result);
  g_assert_false (g_atomic_int_get (&job_a.done));

  assert_finishes_with (a, &job_a, "('written',)");
  g_assert_cmpuint (received, ==, 12 * 1024 * 1024 + 5);
  g_assert_cmpuint (g_isle_get_suspended_waits (a), >=, 1);
}

/* ---- Cancel, time limit and close while suspended ------------------------ */

typedef struct
{
  GisleTestAsync *job;   /* the job to be cancelled */
  gboolean answered;     /* its answer was taken */
  guint late;            /* output after its callback ran */
} LateOutput;

static void
on_output_late (GIsle       *isle,
                guint64      job_id,
                GIsleStream  stream,
                const char  *text,
                gpointer     data)
{
  LateOutput *late = data;

  if (late->answered || g_atomic_int_get (&late->job->done))
    late->late++;
}

/* A print waiting for room when Stop comes does not print once the job is
 * resumed for its cleanup, even when the room came meanwhile: the job was
 * answered at the cancel, and output after the answer would reach a host
 * that already moved on (a console that dropped the job's output). */
static void
test_output_cancel_while_suspended (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_new (&on_executor, executor);
  g_autoptr(GIsle) busy = isle_new (&on_executor, executor);
  g_autoptr(GCancellable) cancel_a = g_cancellable_new ();
  g_autoptr(GCancellable) cancel_busy = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job_a = { 0, }, job_busy = { 0, };
  LateOutput late = { &job_a, FALSE, 0 };
  Events events = { 0, };
  gint64 give_up = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  g_signal_connect (a, "output", G_CALLBACK (on_output_late), &late);
  g_signal_connect (busy, "event::sleeping", G_CALLBACK (on_sleeping), &events);
  g_isle_eval_async (a,
                     "local s = string.rep('x', 60)\n"
                     "for i = 1, 1000000 do print(s) end",
                     cancel_a, gisle_test_async_ready, &job_a);
  /* The main loop does not run: the output backs up until print waits. */
  while (g_isle_get_suspended_waits (a) == 0 && g_get_monotonic_time () < give_up)
    g_thread_yield ();
  g_assert_cmpuint (g_isle_get_suspended_waits (a), >=, 1);

  /* The executor's only thread loops in another isle; A's print waits for
   * the thread now, with room for its line once the main loop drained. */
  g_isle_eval_async (busy, "isle.emit('sleeping') while true do local t = {} end", cancel_busy,
                     gisle_test_async_ready, &job_busy);
  GISLE_TEST_WAIT_UNTIL (events.sleeping == 1, WAIT_MS);

  g_cancellable_cancel (cancel_a);
  result = finish (a, &job_a, "the cancel of a job waiting for output room", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  late.answered = TRUE;

  g_cancellable_cancel (cancel_busy);
  g_clear_pointer (&result, g_variant_unref);
  result = finish (busy, &job_busy, "the busy job's cancel", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* A's cleanup runs before its next job, and its output would arrive
   * before the next job's answer. */
  gisle_test_assert_eval (a, "return 'next'", "('next',)");
  g_assert_cmpuint (late.late, ==, 0);
}


/* Cancelling a suspended job completes it at once, although the only
 * thread is busy with another isle; its cleanup runs afterwards, in
 * order, before the isle's next job. */
static void
test_cancel_while_suspended (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_new (&on_executor, executor);
  g_autoptr(GIsle) busy = isle_new (&on_executor, executor);
  g_autoptr(GCancellable) cancel_a = g_cancellable_new ();
  g_autoptr(GCancellable) cancel_busy = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job_a = { 0, }, job_busy = { 0, };
  GCancellable *host_cancellable;
  Events events = { 0, };
  Host host;

  host_init (&host);
  g_isle_add_async_function (a, "wait_host", host_hold, &host, NULL);
  g_signal_connect (busy, "event::sleeping", G_CALLBACK (on_sleeping), &events);

  g_isle_eval_async (a, "local ok = pcall(wait_host) cleaned = not ok return 'answered'",
                     cancel_a, gisle_test_async_ready, &job_a);
  GISLE_TEST_WAIT_UNTIL (host.held->len == 1, WAIT_MS);
  host_cancellable = g_isle_invocation_get_cancellable (host.held->pdata[0]);

  /* The executor's only thread loops in another isle now. */
  g_isle_eval_async (busy, "isle.emit('sleeping') while true do local t = {} end", cancel_busy,
                     gisle_test_async_ready, &job_busy);
  GISLE_TEST_WAIT_UNTIL (events.sleeping == 1, WAIT_MS);

  g_cancellable_cancel (cancel_a);
  result = finish (a, &job_a, "the suspended job's cancel", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
  g_clear_error (&error);
  /* The host's work is cancelled too, in the main context. */
  GISLE_TEST_WAIT_UNTIL (g_cancellable_is_cancelled (host_cancellable), WAIT_MS);
  g_assert_true (g_atomic_int_get (&job_busy.done) == FALSE);

  g_cancellable_cancel (cancel_busy);
  result = finish (busy, &job_busy, "the busy job's cancel", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The cleanup (pcall caught the cancel) ran before the next job. */
  gisle_test_assert_eval (a, "return cleaned", "(true,)");
  /* A late answer is dropped. */
  host_clear (&host);
  gisle_test_assert_alive (a);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    data)
{
  (*(guint *) data)++;
}

/* The cleanup of a job cancelled while suspended keeps the hard deadline:
 * stuck where no hook runs (a looping finalizer), it makes the isle
 * defunct, counted from when the cleanup started; the executor replaces
 * the stuck thread and other isles go on. The job itself was answered at
 * the cancel. */
static void
test_cleanup_stuck (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = NULL;
  g_autoptr(GIsle) b = isle_new (&on_executor, executor);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job = { 0, };
  guint defunct_notified = 0;
  Host host;

  a = gisle_test_isle_new ("executor", executor, "grace-period", 50, "hard-deadline", 200, NULL);
  host_init (&host);
  g_isle_add_async_function (a, "wait_host", host_hold, &host, NULL);
  g_signal_connect (a, "notify::defunct", G_CALLBACK (on_notify), &defunct_notified);

  g_isle_eval_async (a,
                     "pcall(wait_host)\n"
                     "setmetatable({}, { __gc = function() while true do end end })\n"
                     "collectgarbage()",
                     cancellable, gisle_test_async_ready, &job);
  GISLE_TEST_WAIT_UNTIL (host.held->len == 1, WAIT_MS);
  /* B runs on the only thread once A's job is suspended. */
  gisle_test_assert_alive (b);
  g_cancellable_cancel (cancellable);
  result = finish (a, &job, "the suspended job's cancel", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  GISLE_TEST_WAIT_UNTIL (defunct_notified == 1, WAIT_MS);
  g_assert_true (g_isle_is_defunct (a));
  gisle_test_assert_alive (b);
  host_clear (&host);
}

/* A time limit is wall-clock time: time suspended counts. */
static void
test_deadline_while_suspended (gconstpointer data)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_new (data, executor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job = { 0, };
  gint64 start;
  Host host;

  host_init (&host);
  g_isle_add_async_function (isle, "wait_host", host_hold, &host, NULL);

  start = g_get_monotonic_time ();
  g_isle_eval_full_async (isle, "return wait_host()", NULL, 100, NULL,
                          gisle_test_async_ready, &job);
  result = g_isle_eval_full_finish (isle, gisle_test_async_wait (&job, "the time limit"), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (result);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
  gisle_test_async_clear (&job);
  g_assert_cmpuint (host.held->len, ==, 1);
  host_clear (&host);
  gisle_test_assert_alive (isle);
}

static void
test_close_while_suspended (gconstpointer data)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_new (data, executor);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job = { 0, }, queued = { 0, }, closed = { 0, };
  Host host;

  host_init (&host);
  g_isle_add_async_function (isle, "wait_host", host_hold, &host, NULL);

  g_isle_eval_async (isle, "return wait_host()", NULL, gisle_test_async_ready, &job);
  GISLE_TEST_WAIT_UNTIL (host.held->len == 1, WAIT_MS);
  g_isle_eval_async (isle, "return 'queued'", NULL, gisle_test_async_ready, &queued);
  g_isle_close_async (isle, NULL, gisle_test_async_ready, &closed);

  result = finish (isle, &job, "the suspended job", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  result = finish (isle, &queued, "the queued job", &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_true (g_isle_close_finish (isle, gisle_test_async_wait (&closed, "the close"), &error));
  g_assert_no_error (error);
  gisle_test_async_clear (&closed);
  host_clear (&host);
}

/* ---- What the script sees ---------------------------------------------- */

static void
test_script_view (gconstpointer data)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_new (data, executor);
  g_autofree char *message = NULL;

  /* The job's own coroutine is invisible: a top-level yield fails as in
   * plain Lua, and a traceback ends at the main chunk. */
  message = gisle_test_eval_error (isle, "coroutine.yield(1)", G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (message, "attempt to yield from outside a coroutine");
  g_clear_pointer (&message, g_free);
  message = gisle_test_eval_error (isle, "error('boom')", G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_true (g_str_has_suffix (message, "in main chunk"));
  gisle_test_assert_alive (isle);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/suspend/async-host/frees-thread", test_async_host_frees_thread);
  g_test_add_data_func ("/suspend/order/executor", &on_executor, test_order_kept);
  g_test_add_data_func ("/suspend/order/thread", &on_thread, test_order_kept);
  g_test_add_data_func ("/suspend/host-values/executor", &on_executor, test_host_values);
  g_test_add_data_func ("/suspend/host-values/thread", &on_thread, test_host_values);
  g_test_add_data_func ("/suspend/fallback/executor", &on_executor, test_fallback_blocks);
  g_test_add_data_func ("/suspend/fallback/thread", &on_thread, test_fallback_blocks);
  g_test_add_func ("/suspend/sleep", test_sleep);
  g_test_add_func ("/suspend/output", test_output_backpressure);
  g_test_add_func ("/suspend/cancel", test_cancel_while_suspended);
  g_test_add_func ("/suspend/output/cancel", test_output_cancel_while_suspended);
  g_test_add_func ("/suspend/cleanup-stuck", test_cleanup_stuck);
  g_test_add_data_func ("/suspend/deadline/executor", &on_executor, test_deadline_while_suspended);
  g_test_add_data_func ("/suspend/deadline/thread", &on_thread, test_deadline_while_suspended);
  g_test_add_data_func ("/suspend/close/executor", &on_executor, test_close_while_suspended);
  g_test_add_data_func ("/suspend/close/thread", &on_thread, test_close_while_suspended);
  g_test_add_data_func ("/suspend/script-view/executor", &on_executor, test_script_view);
  g_test_add_data_func ("/suspend/script-view/thread", &on_thread, test_script_view);

  return g_test_run ();
}
