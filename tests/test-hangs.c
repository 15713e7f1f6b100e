/* test-hangs.c: calls that used to hang, race or leak, one test each.
 *
 * Every test here failed before its fix (the hang shows as the watchdog
 * aborting the test, the race as a wrong answer in some round). Blocking
 * calls are guarded by a watchdog thread; nothing here waits by sleeping.
 * Loops that must be cancelled allocate: under ThreadSanitizer a signal
 * reaches a thread only when it enters an intercepted libc function.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <pthread.h>
#include <lua.h>

#include "gisle-test-utils.h"

/* ---- 1. Blocking call on the home thread, output past the high water --- */

static void
count_output_bytes (GIsle       *isle,
                    guint64      job_id,
                    GIsleStream  stream,
                    const char  *text,
                    gpointer     user_data)
{
  *(gsize *) user_data += strlen (text);
}

static void
test_blocking_home_output_flood (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  gsize received = 0;

  g_signal_connect (isle, "output", G_CALLBACK (count_output_bytes), &received);
  {
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("a blocking eval on the home thread printing 10 MB");

    /* 100 000 lines of 100 bytes: more than twice the 4 MiB high water. */
    result = g_isle_eval (isle, "for i = 1, 1e5 do print(('x'):rep(99)) end return 1",
                          NULL, &error);
  }
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 1,)");

  /* What the blocked caller did not emit arrives through the main loop. */
  GISLE_TEST_WAIT_UNTIL (received == 100000 * 100, GISLE_TEST_TIMEOUT_S * 1000);
  gisle_test_assert_alive (isle);
}

/* ---- 2. Blocking call on the home thread while a job waits for a host call */

static GVariant *
host_seven (GIsle        *isle,
            GVariant     *args,
            GCancellable *cancellable,
            gpointer      user_data,
            GError      **error)
{
  guint *calls = user_data;

  (*calls)++;
  return g_variant_new_int64 (7);
}

static void
test_blocking_home_serves_earlier_host_call (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) first = NULL;
  GisleTestAsync async = { 0, };
  guint calls = 0;
  gint64 end_time;

  g_isle_add_function (isle, "h", host_seven, &calls, NULL);
  gisle_test_assert_alive (isle);
  /* Whatever earlier tests left to deliver goes first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_isle_eval_async (isle, "return h()", NULL, gisle_test_async_ready, &async);

  /* Without dispatching anything, wait until the host call is queued for
   * this context: its delivery source makes the context pending. */
  end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;
  while (!g_main_context_pending (NULL))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_thread_yield ();
    }
  g_assert_cmpuint (calls, ==, 0);

  {
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("a blocking eval queued behind a job waiting for a host call "
                               "that was queued before the caller blocked");

    result = g_isle_eval (isle, "return 1", NULL, &error);
  }
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 1,)");
  g_assert_cmpuint (calls, ==, 1);

  first = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the first job"), &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (first, "(int64 7,)");
  gisle_test_async_clear (&async);
}

/* A blocking call from a main-loop callback while a job of the same isle
 * waits for an (unanswered) asynchronous host function: no host function
 * is calling, so it is no deadlock; it waits for the job's time limit. */
typedef struct
{
  GIsle *isle;
  GIsleInvocation *invocation;
  GVariant *result;
  GError *error;
  gboolean done;
} BlockingInCallback;

static void
host_never_answers (GIsle           *isle,
                    GVariant        *args,
                    GIsleInvocation *invocation,
                    gpointer         user_data)
{
  BlockingInCallback *ctx = user_data;

  ctx->invocation = invocation;
}

static gboolean
blocking_call_from_idle (gpointer data)
{
  BlockingInCallback *ctx = data;
  g_autoptr(GisleTestWatchdog) watchdog =
    gisle_test_watchdog_new ("a blocking eval from a main-loop callback");

  ctx->result = g_isle_eval (ctx->isle, "return 1", NULL, &ctx->error);
  ctx->done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_blocking_from_callback_is_not_a_deadlock (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  BlockingInCallback ctx = { isle, };
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) first = NULL;

  g_isle_add_async_function (isle, "wait_forever", host_never_answers, &ctx, NULL);
  g_isle_eval_full_async (isle, "return wait_forever()", "=waiting", 300, NULL,
                          gisle_test_async_ready, &async);
  GISLE_TEST_WAIT_UNTIL (ctx.invocation != NULL, GISLE_TEST_TIMEOUT_S * 1000);

  g_idle_add (blocking_call_from_idle, &ctx);
  GISLE_TEST_WAIT_UNTIL (ctx.done, GISLE_TEST_TIMEOUT_S * 1000);
  g_assert_no_error (ctx.error);
  gisle_test_assert_variant (ctx.result, "(int64 1,)");
  g_clear_pointer (&ctx.result, g_variant_unref);

  first = g_isle_eval_full_finish (isle, gisle_test_async_wait (&async, "the waiting job"), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  gisle_test_async_clear (&async);
  /* A late answer is dropped. */
  g_isle_invocation_return_value (ctx.invocation, NULL);
}

/* Inside a host function the same call is a real deadlock, and says so. */
static GVariant *
host_blocks_on_own_isle (GIsle        *isle,
                         GVariant     *args,
                         GCancellable *cancellable,
                         gpointer      user_data,
                         GError      **error)
{
  g_autoptr(GVariant) result = g_isle_eval (isle, "return 1", NULL, error);

  return NULL;
}

static void
test_blocking_inside_host_function_fails (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  g_autofree char *message = NULL;

  g_isle_add_function (isle, "reenter", host_blocks_on_own_isle, NULL, NULL);
  {
    g_autoptr(GisleTestWatchdog) watchdog = gisle_test_watchdog_new ("a host function re-entering");

    message = gisle_test_eval_error (isle, "reenter()", G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  }
  gisle_test_assert_contains (message, "A host function cannot wait for its own isle");
  gisle_test_assert_alive (isle);
}

/* What else a blocked home-thread call serves, and what it does not. */

static volatile gint job_running;

static GVariant *
mark_running (GVariant  *args,
              gpointer   user_data,
              GError   **error)
{
  g_atomic_int_set (&job_running, 1);
  return NULL;
}

/* Other isles of the same main context: their jobs may hold the executor
 * threads the blocked job waits for. */
static void
test_blocking_home_serves_other_isles (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = gisle_test_isle_new ("executor", executor, NULL);
  g_autoptr(GIsle) b = gisle_test_isle_new ("executor", executor, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) first = NULL;
  GisleTestAsync async = { 0, };
  guint calls = 0;
  gint64 end_time;

  g_isle_add_function (a, "h", host_seven, &calls, NULL);
  g_isle_add_worker_function (a, "mark", mark_running, NULL, NULL);
  gisle_test_assert_alive (a);
  /* A's job holds the only executor thread until h() is answered here:
   * called from a string.gsub callback, where Lua cannot yield, the wait
   * blocks instead of suspending. */
  g_atomic_int_set (&job_running, 0);
  g_isle_eval_async (a, "mark() local r string.gsub('x', 'x', function() r = h() end) return r",
                     NULL, gisle_test_async_ready, &async);
  end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;
  while (!g_atomic_int_get (&job_running))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_thread_yield ();
    }
  {
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("a blocking eval on B behind A's host call on a one-thread executor");

    result = g_isle_eval (b, "return 2", NULL, &error);
  }
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 2,)");
  g_assert_cmpuint (calls, ==, 1);
  first = g_isle_eval_finish (a, gisle_test_async_wait (&async, "A's job"), &error);
  g_assert_no_error (error);
  gisle_test_async_clear (&async);
}

/* Another job's callback never runs inside a blocking call. */
static void
test_blocking_home_defers_callbacks (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) first = NULL;

  g_isle_eval_async (isle, "return 'first'", NULL, gisle_test_async_ready, &async);
  gisle_test_assert_eval (isle, "return 'second'", "('second',)");
  g_assert_false (g_atomic_int_get (&async.done));
  first = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the first job"), &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (first, "('first',)");
  gisle_test_async_clear (&async);
}

/* g_initable_init() on the home thread serves the setup's host calls. */
static void
test_init_serves_setup_host_call (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "x = h()", NULL);
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  g_isle_add_function (isle, "h", host_seven, &calls, NULL);
  {
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("g_initable_init whose setup calls a main-context host function");

    g_assert_true (g_initable_init (G_INITABLE (isle), NULL, &error));
  }
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 1);
  gisle_test_assert_eval (isle, "return x", "(int64 7,)");
}

/* g_isle_close() on the home thread serves finalizers' host calls, so the
 * close finishes instead of being abandoned at the hard deadline. */
static void
test_close_serves_finalizer_host_call (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  g_isle_add_function (isle, "h", host_seven, &calls, NULL);
  gisle_test_assert_eval (isle, "keep = setmetatable({}, {__gc = function () h() end}) return 1",
                          "(int64 1,)");
  {
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("g_isle_close with a finalizer calling a host function");

    g_assert_true (g_isle_close (isle, NULL, &error));
  }
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 1);
  /* Closed for real, not abandoned: the state is gone. */
  g_assert_cmpuint (g_isle_get_memory_in_use (isle), ==, 0);
}

/* ---- 3. Lazy start never blocks an asynchronous call ------------------- */

static void
test_lazy_start_setup_calls_host (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "x = h() * 6", NULL);
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  guint calls = 0;

  g_isle_add_function (isle, "h", host_seven, &calls, NULL);
  {
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("eval_async on a lazily started isle whose setup calls a host function");

    g_isle_eval_async (isle, "return x", NULL, gisle_test_async_ready, &async);
  }
  result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the first eval"), &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 42,)");
  g_assert_cmpuint (calls, ==, 1);
  gisle_test_async_clear (&async);
}

static GisleTestCounter gate;

static GVariant *
wait_at_gate (GVariant  *args,
              gpointer   user_data,
              GError   **error)
{
  gisle_test_counter_wait (&gate, 1, "the gate to open");
  return NULL;
}

static void
test_lazy_start_does_not_wait_for_setup (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "gate() ready = true", NULL);
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  gisle_test_counter_init (&gate);
  g_isle_add_worker_function (isle, "gate", wait_at_gate, NULL, NULL);
  {
    /* The setup cannot finish before the gate opens, after this returns. */
    g_autoptr(GisleTestWatchdog) watchdog =
      gisle_test_watchdog_new ("eval_async while the lazy setup is still running");

    g_isle_eval_async (isle, "return ready", NULL, gisle_test_async_ready, &async);
  }
  g_assert_false (g_atomic_int_get (&async.done));
  gisle_test_counter_inc (&gate);

  result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the first eval"), &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(true,)");
  gisle_test_async_clear (&async);
  gisle_test_counter_clear (&gate);
}

static void
init_async_ready (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_async_initable_init_finish (G_ASYNC_INITABLE (source), result, &error));
  g_assert_no_error (error);
  (*(guint *) user_data)++;
}

static void
test_init_async_twice (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "n = 1", NULL);
  guint finished = 0;

  {
    g_autoptr(GisleTestWatchdog) watchdog = gisle_test_watchdog_new ("init_async called twice");

    g_async_initable_init_async (G_ASYNC_INITABLE (isle), G_PRIORITY_DEFAULT, NULL,
                                 init_async_ready, &finished);
    g_async_initable_init_async (G_ASYNC_INITABLE (isle), G_PRIORITY_DEFAULT, NULL,
                                 init_async_ready, &finished);
  }
  GISLE_TEST_WAIT_UNTIL (finished == 2, GISLE_TEST_TIMEOUT_S * 1000);
  gisle_test_assert_eval (isle, "return n", "(int64 1,)");

  /* Once started, a third call answers too. */
  g_async_initable_init_async (G_ASYNC_INITABLE (isle), G_PRIORITY_DEFAULT, NULL,
                               init_async_ready, &finished);
  GISLE_TEST_WAIT_UNTIL (finished == 3, GISLE_TEST_TIMEOUT_S * 1000);
}

/* A failed lazy setup fails the jobs queued behind it with its reason. */
static void
test_lazy_start_setup_fails (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "error('no config')", NULL);
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  g_isle_eval_async (isle, "return 1", NULL, gisle_test_async_ready, &async);
  result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the eval"), &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  gisle_test_assert_contains (error->message, "no config");
  g_clear_error (&error);
  gisle_test_async_clear (&async);

  g_assert_false (g_initable_init (G_INITABLE (isle), NULL, &error));
  gisle_test_assert_contains (error->message, "no config");
  g_assert_true (g_isle_is_closed (isle));
}

/* ---- 4. No job runs before the setup --------------------------------------- */

static gpointer
init_in_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_initable_init (G_INITABLE (data), NULL, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_no_job_before_setup (void)
{
  guint rounds = 300 / gisle_test_slowdown () + 10;

  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "n = 1", NULL);
      GisleTestAsync async = { 0, };
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = NULL;
      GThread *a = g_thread_new ("init-a", init_in_thread, isle);
      GThread *b = g_thread_new ("init-b", init_in_thread, isle);

      g_isle_eval_async (isle, "return type(type), n", NULL, gisle_test_async_ready, &async);
      result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the eval"), &error);
      g_thread_join (a);
      g_thread_join (b);
      g_assert_no_error (error);
      gisle_test_assert_variant (result, "('function', int64 1)");
      gisle_test_async_clear (&async);
    }
}

/* ---- 5. Stopping at the hard deadline: caller and isle agree ------------- */

static GVariant *
sleep_ms (GVariant  *args,
          gpointer   user_data,
          GError   **error)
{
  gint64 ms = 0;

  g_variant_get (args, "(x)", &ms);
  g_usleep (ms * 1000);   /* the stuck C call the scenario needs */
  return NULL;
}

static void
test_hard_deadline_agrees (void)
{
  guint rounds = 40;
  guint defunct = 0, cancelled = 0;

  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GIsle) isle = gisle_test_isle_new ("hard-deadline", 20, "grace-period", 1, NULL);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = NULL;
      g_autofree char *code = NULL;
      GisleTestAsync async = { 0, };

      /* A C call that ignores the cancel for about the hard deadline: it
       * ends just before, at, or just after it. */
      g_isle_add_worker_function (isle, "stuck", sleep_ms, NULL, NULL);
      gisle_test_assert_alive (isle);
      code = g_strdup_printf ("stuck(%u) return 1", 17 + i % 7);
      g_isle_eval_async (isle, code, cancellable, gisle_test_async_ready, &async);
      g_cancellable_cancel (cancellable);
      result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the stuck job"), &error);
      g_assert_null (result);
      if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT))
        {
          defunct++;
          g_assert_true (g_isle_is_defunct (isle));
        }
      else
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          cancelled++;
          g_assert_false (g_isle_is_defunct (isle));
          gisle_test_assert_alive (isle);
        }
      gisle_test_async_clear (&async);
    }
  g_test_message ("%u defunct, %u cancelled", defunct, cancelled);
}

/* ---- 6. One ownership rule for returned GVariants ------------------------ */

static void
bytes_released (gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
}

typedef struct
{
  gboolean floating;
  gint released;
} ExecResult;

static GVariant *
exec_returns_variant (GIsle      *isle,
                      lua_State  *L,
                      gpointer    user_data,
                      GError    **error)
{
  ExecResult *ctx = user_data;
  static const char payload[64 * 1024];
  g_autoptr(GBytes) bytes = g_bytes_new_with_free_func (payload, sizeof payload,
                                                        bytes_released, &ctx->released);
  GVariant *value = g_variant_new_from_bytes (G_VARIANT_TYPE ("ay"), bytes, TRUE);

  return ctx->floating ? value : g_variant_ref_sink (value);
}

static void
test_exec_result_ownership (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);

  for (int floating = 0; floating <= 1; floating++)
    {
      ExecResult ctx = { floating, 0 };
      g_autoptr(GError) error = NULL;
      GVariant *result = g_isle_exec (isle, exec_returns_variant, &ctx, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (result);
      g_assert_false (g_variant_is_floating (result));
      g_assert_cmpuint (g_variant_get_size (result), ==, 64 * 1024);
      g_variant_unref (result);
      /* The caller's was the last reference: nothing leaked. */
      g_assert_cmpint (g_atomic_int_get (&ctx.released), ==, 1);
    }
}

/* ---- 7. A stray SIGURG during a job reaches the application's handler ----- */

static volatile gint app_sigurg_count;
static pthread_t job_thread;              /* published by job_entered */
static volatile gint job_entered, job_release;

static void
app_sigurg_handler (int signo)
{
  g_atomic_int_inc (&app_sigurg_count);
}

static GVariant *
exec_wait_for_release (GIsle      *isle,
                       lua_State  *L,
                       gpointer    user_data,
                       GError    **error)
{
  gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

  job_thread = pthread_self ();
  g_atomic_int_set (&job_entered, 1);
  /* Polls, with a libc call per turn: under ThreadSanitizer a signal is
   * delivered only when the thread enters an intercepted function. */
  while (!g_atomic_int_get (&job_release))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_usleep (100);
    }
  return g_variant_new_int64 (5);
}

static void
test_stray_signal_chained_during_job (void)
{
  struct sigaction action = { 0, }, previous;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };
  const gint n = 20;

  /* The application's handler is installed before GIsle's. This test runs
   * first in its process (see main), before any isle exists. */
  action.sa_handler = app_sigurg_handler;
  sigemptyset (&action.sa_mask);
  action.sa_flags = SA_RESTART;
  g_assert_cmpint (sigaction (SIGURG, &action, &previous), ==, 0);

  isle = gisle_test_isle_new (NULL);
  g_isle_exec_async (isle, exec_wait_for_release, NULL, NULL, NULL, gisle_test_async_ready, &async);
  {
    gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

    while (!g_atomic_int_get (&job_entered))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, end_time);
        g_thread_yield ();
      }
  }

  for (gint i = 1; i <= n; i++)
    {
      gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

      g_assert_cmpint (pthread_kill (job_thread, SIGURG), ==, 0);
      while (g_atomic_int_get (&app_sigurg_count) < i)
        {
          if (g_get_monotonic_time () > end_time)
            g_error ("the application's SIGURG handler saw %d of %d signals sent during a job",
                     g_atomic_int_get (&app_sigurg_count), i);
          g_thread_yield ();
        }
    }

  g_atomic_int_set (&job_release, 1);
  result = g_isle_exec_finish (isle, gisle_test_async_wait (&async, "the job"), &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "int64 5");
  gisle_test_async_clear (&async);

  /* GIsle's own cancel still works with the application's handler chained. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GVariant) loop_result = NULL;

    g_isle_eval_async (isle, "while true do local t = {} end", cancellable, gisle_test_async_ready, &async);
    g_cancellable_cancel (cancellable);
    loop_result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the loop"), &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    gisle_test_async_clear (&async);
  }
  g_assert_cmpint (g_atomic_int_get (&app_sigurg_count), ==, n);
}

/* ---- 8. A host function's cancellable follows its job's cancel ----------- */

static GVariant *
host_keep_cancellable (GIsle        *isle,
                       GVariant     *args,
                       GCancellable *cancellable,
                       gpointer      user_data,
                       GError      **error)
{
  GCancellable **kept = user_data;

  g_set_object (kept, cancellable);
  return NULL;
}

static void
test_host_cancellable_after_return (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  g_autoptr(GCancellable) kept = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync async = { 0, };

  g_isle_add_function (isle, "start_work", host_keep_cancellable, &kept, NULL);
  g_isle_eval_async (isle, "start_work() while true do local t = {} end", cancellable,
                     gisle_test_async_ready, &async);
  GISLE_TEST_WAIT_UNTIL (kept != NULL, GISLE_TEST_TIMEOUT_S * 1000);
  g_assert_false (g_cancellable_is_cancelled (kept));

  g_cancellable_cancel (cancellable);
  result = g_isle_eval_finish (isle, gisle_test_async_wait (&async, "the job"), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  gisle_test_async_clear (&async);

  /* Cancelled in the main context, where the host's handlers belong. */
  GISLE_TEST_WAIT_UNTIL (g_cancellable_is_cancelled (kept), GISLE_TEST_TIMEOUT_S * 1000);

  /* A job that finishes normally leaves its host cancellables alone. */
  g_clear_object (&kept);
  gisle_test_assert_eval (isle, "start_work() return 2", "(int64 2,)");
  g_assert_nonnull (kept);
  g_assert_false (g_cancellable_is_cancelled (kept));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* First: it installs a SIGURG handler before any isle exists. */
  g_test_add_func ("/hangs/stray-signal-chained-during-job", test_stray_signal_chained_during_job);
  g_test_add_func ("/hangs/blocking-home-output-flood", test_blocking_home_output_flood);
  g_test_add_func ("/hangs/blocking-home-serves-earlier-host-call",
                   test_blocking_home_serves_earlier_host_call);
  g_test_add_func ("/hangs/blocking-from-callback-is-not-a-deadlock",
                   test_blocking_from_callback_is_not_a_deadlock);
  g_test_add_func ("/hangs/blocking-inside-host-function-fails",
                   test_blocking_inside_host_function_fails);
  g_test_add_func ("/hangs/blocking-home-serves-other-isles", test_blocking_home_serves_other_isles);
  g_test_add_func ("/hangs/blocking-home-defers-callbacks", test_blocking_home_defers_callbacks);
  g_test_add_func ("/hangs/init-serves-setup-host-call", test_init_serves_setup_host_call);
  g_test_add_func ("/hangs/close-serves-finalizer-host-call", test_close_serves_finalizer_host_call);
  g_test_add_func ("/hangs/lazy-start-setup-calls-host", test_lazy_start_setup_calls_host);
  g_test_add_func ("/hangs/lazy-start-does-not-wait-for-setup", test_lazy_start_does_not_wait_for_setup);
  g_test_add_func ("/hangs/lazy-start-setup-fails", test_lazy_start_setup_fails);
  g_test_add_func ("/hangs/init-async-twice", test_init_async_twice);
  g_test_add_func ("/hangs/no-job-before-setup", test_no_job_before_setup);
  g_test_add_func ("/hangs/hard-deadline-agrees", test_hard_deadline_agrees);
  g_test_add_func ("/hangs/exec-result-ownership", test_exec_result_ownership);
  g_test_add_func ("/hangs/host-cancellable-after-return", test_host_cancellable_after_return);

  return g_test_run ();
}
