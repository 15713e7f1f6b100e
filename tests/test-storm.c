/* test-storm.c: the stress suite. Many threads, isles and calls at once,
 * checking what must hold whatever the timing:
 *
 * - every asynchronous call completes exactly once, in its caller's
 *   context;
 * - no call hangs: a watchdog turns a stall into a failure that prints
 *   what each storm thread was doing and, when gdb is there, the stack of
 *   every thread;
 * - afterwards every isle answers, or is closed, or is defunct: never
 *   stuck;
 * - memory stays flat from round to round (plain builds; the sanitizer
 *   and valgrind stages check leaks their own way).
 *
 * The mix: several threads, each with its own main context, creating
 * dedicated and executor isles (some started lazily on first use, with a
 * setup that calls a host function); shared cancellables cancelled by a
 * chaos thread; cancel_all; close and unref in every state; blocking calls
 * from the home thread while jobs flood output and call host functions;
 * host functions that submit to their own isle or block on another; floods
 * while the main loop is not running; deadlines of a few milliseconds; and
 * C calls that outlive the hard deadline (defunct isles).
 *
 * Randomness comes from a seed printed at the start (GISLE_STORM_SEED
 * replays a run); the amount of work scales down under sanitizers and
 * valgrind. Randomly timed pauses are part of the storm, never a way to
 * wait for something.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "gisle-test-utils.h"

#define N_THREADS      3
#define N_SHARED       8
#define JOBS_PER_ISLE  12

static GIsleExecutor *storm_executor;

/* Cancellables shared by every thread; the chaos thread cancels them. */
/* A pthread mutex: GLib's own is invisible to ThreadSanitizer. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static GCancellable *shared[N_SHARED];
/* Replaced ones stay alive until the end: GLib's reference counts are
 * atomics ThreadSanitizer cannot see (GLib is not instrumented), so a last
 * unref on the chaos thread would look like a race with every user. */
static GPtrArray *retired;
static volatile gint chaos_stop;

/* What each storm thread is doing, for the watchdog's report. */
static const char *phase[N_THREADS];   /* atomic */
static volatile gint progress;

/* ---- Helpers --------------------------------------------------------- */

static GCancellable *
shared_cancellable (GRand *rand)
{
  GCancellable *cancellable;

  pthread_mutex_lock (&shared_lock);
  cancellable = g_object_ref (shared[g_rand_int_range (rand, 0, N_SHARED)]);
  pthread_mutex_unlock (&shared_lock);
  return cancellable;
}

static gpointer
chaos_main (gpointer data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (GPOINTER_TO_UINT (data));

  while (!g_atomic_int_get (&chaos_stop))
    {
      guint i = g_rand_int_range (rand, 0, N_SHARED);
      GCancellable *old;

      pthread_mutex_lock (&shared_lock);
      old = shared[i];
      shared[i] = g_cancellable_new ();
      pthread_mutex_unlock (&shared_lock);
      g_cancellable_cancel (old);
      pthread_mutex_lock (&shared_lock);
      g_ptr_array_add (retired, old);
      pthread_mutex_unlock (&shared_lock);
      g_usleep (g_rand_int_range (rand, 100, 3000));   /* storm timing, not a wait */
    }
  return NULL;
}

/* One asynchronous call: completes exactly once, in its thread's context. */
typedef struct
{
  gint done;
  GMainContext *context;
  guint *outstanding;
} Call;

static void
call_ready (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  g_assert_true (g_main_context_is_owner (call->context));
  if (g_async_result_is_tagged (result, g_isle_close_async))
    g_isle_close_finish (G_ISLE (source), result, &error);
  else
    value = g_task_propagate_pointer (G_TASK (result), &error);
  /* Any outcome but a crash or a second completion is fine here. */
  g_assert_cmpint (g_atomic_int_add (&call->done, 1), ==, 0);
  (*call->outstanding)--;
  g_atomic_int_inc (&progress);
}

static Call *
call_new (GPtrArray *calls,
          guint     *outstanding)
{
  Call *call = g_new0 (Call, 1);

  call->context = g_main_context_get_thread_default ();
  call->outstanding = outstanding;
  (*outstanding)++;
  g_ptr_array_add (calls, call);
  return call;
}

/* ---- Host functions ---------------------------------------------------- */

static GVariant *
host_add_one (GIsle        *isle,
              GVariant     *args,
              GCancellable *cancellable,
              gpointer      user_data,
              GError      **error)
{
  gint64 x = 0;

  if (g_variant_n_children (args) > 0)
    {
      g_autoptr(GVariant) first = g_variant_get_child_value (args, 0);

      if (g_variant_is_of_type (first, G_VARIANT_TYPE_INT64))
        x = g_variant_get_int64 (first);
    }
  return g_variant_new_int64 (x + 1);
}

typedef struct
{
  GPtrArray *calls;
  guint *outstanding;
  GIsle *leaf;            /* an isle whose scripts never call back */
} HostContext;

/* Submits another job to its own isle, from inside a host function. */
static GVariant *
host_resubmit (GIsle        *isle,
               GVariant     *args,
               GCancellable *cancellable,
               gpointer      user_data,
               GError      **error)
{
  HostContext *ctx = user_data;

  g_isle_eval_async (isle, "return 'again'", NULL, call_ready, call_new (ctx->calls, ctx->outstanding));
  return NULL;
}

/* Blocks on another isle from inside a host function. */
static GVariant *
host_block_on_leaf (GIsle        *isle,
                    GVariant     *args,
                    GCancellable *cancellable,
                    gpointer      user_data,
                    GError      **error)
{
  HostContext *ctx = user_data;

  return g_isle_eval (ctx->leaf, "return 2", cancellable, error);
}

static gboolean
answer_later (gpointer data)
{
  g_isle_invocation_return_value (data, g_variant_new_int64 (3));
  return G_SOURCE_REMOVE;
}

static void
host_async (GIsle           *isle,
            GVariant        *args,
            GIsleInvocation *invocation,
            gpointer         user_data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, answer_later, invocation, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static GVariant *
worker_stuck (GVariant  *args,
              gpointer   user_data,
              GError   **error)
{
  g_usleep (60 * 1000);   /* a C call no hook can interrupt */
  return NULL;
}

/* ---- The storm --------------------------------------------------------- */

/* Loops that must be stopped allocate: under ThreadSanitizer a signal
 * reaches a thread only when it enters an intercepted libc function
 * (test-cancel covers loops that call nothing, in the other stages). */
static const char *const scripts[] = {
  "return 1",
  "return h(41)",
  "local s = 0 for i = 1, 1e5 do s = s + i end return s",
  "while true do local t = {} end",
  "for i = 1, 2e4 do print(('y'):rep(200)) end return 'flooded'",
  "for i = 1, 50 do h(i) end return 'called'",
  "return ah()",
  "resubmit() return 'resubmitted'",
  "return leaf()",
  "isle.sleep(0.002) return 'slept'",
  "for i = 1, 100 do isle.emit('tick', i) isle.progress(i / 100) end return 'events'",
  "local ok = pcall(function () while true do local t = {} end end) return ok",
  "error('plain failure')",
  "return (",
};

typedef struct
{
  guint index;
  guint32 seed;
  guint rounds;
  GError *failure;
} StormThread;

static void
add_host_functions (GIsle       *isle,
                    HostContext *ctx)
{
  g_isle_add_function (isle, "h", host_add_one, NULL, NULL);
  g_isle_add_async_function (isle, "ah", host_async, NULL, NULL);
  g_isle_add_function (isle, "resubmit", host_resubmit, ctx, NULL);
  g_isle_add_function (isle, "leaf", host_block_on_leaf, ctx, NULL);
  g_isle_add_worker_function (isle, "stuck", worker_stuck, NULL, NULL);
}

static GIsle *
make_isle (GRand *rand)
{
  gboolean on_executor = g_rand_boolean (rand);
  gboolean lazy = g_rand_int_range (rand, 0, 3) == 0;
  GIsle *isle = g_object_new (G_TYPE_ISLE,
                              "executor", on_executor ? storm_executor : NULL,
                              "hard-deadline", 40,
                              "grace-period", g_rand_int_range (rand, 1, 20),
                              "setup-code", lazy ? "base = h(0)" : NULL,
                              NULL);

  return isle;
}

static void
iterate_until_done (GMainContext *context,
                    guint        *outstanding,
                    guint         thread_index)
{
  g_atomic_pointer_set (&phase[thread_index], "waiting for every call to complete");
  while (*outstanding > 0)
    g_main_context_iteration (context, TRUE);
}

static void
storm_round (StormThread  *st,
             GRand        *rand,
             GMainContext *context)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) isles = g_ptr_array_new_with_free_func (g_object_unref);
  guint outstanding = 0;
  HostContext ctx = { calls, &outstanding, NULL };
  guint n_isles = g_rand_int_range (rand, 2, 5);
  g_autoptr(GError) error = NULL;

  g_atomic_pointer_set (&phase[st->index], "creating isles");
  ctx.leaf = gisle_test_isle_new (NULL);
  for (guint i = 0; i < n_isles; i++)
    {
      GIsle *isle = make_isle (rand);

      add_host_functions (isle, &ctx);
      /* Two thirds start now; the others on first use. */
      if (g_isle_get_setup_code (isle) == NULL)
        g_assert_true (g_initable_init (G_INITABLE (isle), NULL, &error));
      g_assert_no_error (error);
      g_ptr_array_add (isles, isle);
    }

  g_atomic_pointer_set (&phase[st->index], "submitting");
  for (guint j = 0; j < JOBS_PER_ISLE * n_isles; j++)
    {
      GIsle *isle = isles->pdata[g_rand_int_range (rand, 0, n_isles)];
      const char *code = scripts[g_rand_int_range (rand, 0, G_N_ELEMENTS (scripts))];
      g_autoptr(GCancellable) cancellable = NULL;
      guint timeout = 0;
      guint what = g_rand_int_range (rand, 0, 100);

      /* Spinning scripts always get a way to stop, and so do those calling
       * the asynchronous host function, whose answer needs this thread's
       * main loop: a blocking call from this thread queued behind one
       * would wait for its time limit (docs/threading.md). */
      if (strstr (code, "while true") != NULL || strstr (code, "ah()") != NULL ||
          g_rand_int_range (rand, 0, 3) == 0)
        {
          if (g_rand_boolean (rand))
            cancellable = shared_cancellable (rand);
          else
            timeout = g_rand_int_range (rand, 1, 6);
        }

      if (what < 70)
        g_isle_eval_full_async (isle, code, "=storm", timeout, cancellable,
                                call_ready, call_new (calls, &outstanding));
      else if (what < 80)
        g_isle_call_async (isle, "h", g_variant_new ("(x)", (gint64) j), cancellable,
                           call_ready, call_new (calls, &outstanding));
      else if (what < 85)
        {
          /* A blocking call from the home thread, while other jobs flood
           * and call host functions that only this thread can run. */
          g_autoptr(GVariant) value = NULL;
          g_autoptr(GError) blocking_error = NULL;

          g_atomic_pointer_set (&phase[st->index], "in a blocking call from the home thread");
          value = g_isle_eval_full (isle, g_rand_boolean (rand) ? "return h(1)" : code,
                                    "=blocking", timeout, cancellable, &blocking_error);
          g_atomic_pointer_set (&phase[st->index], "submitting");
        }
      else if (what < 88)
        g_isle_cancel_all (isle);
      else if (what < 90)
        {
          /* A flood while this thread's main loop is not running. */
          g_isle_eval_async (isle, "for i = 1, 5e4 do print(('z'):rep(150)) end return 1",
                             NULL, call_ready, call_new (calls, &outstanding));
        }
      else if (what < 92)
        {
          /* A C call that outlives the hard deadline once cancelled. */
          g_autoptr(GCancellable) stop = g_cancellable_new ();

          g_isle_eval_async (isle, "stuck() return 1", stop, call_ready,
                             call_new (calls, &outstanding));
          g_cancellable_cancel (stop);
        }
      else if (what < 94)
        g_isle_close_async (isle, NULL, call_ready, call_new (calls, &outstanding));
      else if (what < 97)
        {
          /* Let some of it run; this thread's callbacks too. */
          g_atomic_pointer_set (&phase[st->index], "iterating mid-round");
          for (guint k = g_rand_int_range (rand, 1, 20); k > 0; k--)
            g_main_context_iteration (context, FALSE);
          g_atomic_pointer_set (&phase[st->index], "submitting");
        }
      else
        g_usleep (g_rand_int_range (rand, 0, 2000));   /* storm timing */
    }

  /* Close and unref in every state: some now, busy or not. */
  g_atomic_pointer_set (&phase[st->index], "closing");
  for (guint i = 0; i < n_isles; i++)
    {
      GIsle *isle = isles->pdata[i];

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          g_isle_close_async (isle, NULL, call_ready, call_new (calls, &outstanding));
          break;
        case 1:
          g_atomic_pointer_set (&phase[st->index], "in a blocking close from the home thread");
          g_isle_close (isle, NULL, NULL);
          g_atomic_pointer_set (&phase[st->index], "closing");
          break;
        default:
          break;
        }
    }

  iterate_until_done (context, &outstanding, st->index);
  for (guint i = 0; i < calls->len; i++)
    g_assert_cmpint (((Call *) calls->pdata[i])->done, ==, 1);

  /* Never stuck: each isle answers, or is closed, or is defunct. */
  g_atomic_pointer_set (&phase[st->index], "checking the isles");
  for (guint i = 0; i < n_isles; i++)
    {
      GIsle *isle = isles->pdata[i];
      g_autoptr(GVariant) value = NULL;
      g_autoptr(GError) check_error = NULL;

      value = g_isle_eval (isle, "return 'alive'", NULL, &check_error);
      if (value == NULL)
        {
          g_test_message ("isle %u: %s", i, check_error->message);
          g_assert_true (g_error_matches (check_error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED) ||
                         g_error_matches (check_error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT));
          g_assert_true (g_isle_is_closed (isle) || g_isle_is_defunct (isle));
        }
      else
        gisle_test_assert_variant (value, "('alive',)");
    }

  /* The rest close by being dropped, or by a blocking close. */
  g_atomic_pointer_set (&phase[st->index], "dropping");
  for (guint i = 0; i < n_isles; i++)
    if (g_rand_boolean (rand))
      g_isle_close (isles->pdata[i], NULL, NULL);
  g_ptr_array_set_size (isles, 0);
  g_isle_close (ctx.leaf, NULL, NULL);
  g_object_unref (ctx.leaf);

  /* Late deliveries (closed notifications, released host functions). */
  while (g_main_context_iteration (context, FALSE))
    ;
}

#if defined(__SANITIZE_THREAD__)
void __tsan_release (void *addr);
void __tsan_acquire (void *addr);
#endif

static gpointer
storm_thread_main (gpointer data)
{
  StormThread *st = data;
  GMainContext *context = g_main_context_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (st->seed);

  g_main_context_push_thread_default (context);
  for (guint round = 0; round < st->rounds; round++)
    storm_round (st, rand, context);
  g_atomic_pointer_set (&phase[st->index], "finished");
  g_main_context_pop_thread_default (context);
  /* Isles that outlive this thread drop the last reference; the library
   * tells ThreadSanitizer the same about its own unrefs. */
#if defined(__SANITIZE_THREAD__)
  __tsan_release (context);
  __tsan_acquire (context);
#endif
  g_main_context_unref (context);
  return NULL;
}

/* ---- The watchdog ------------------------------------------------------ */

static void
print_all_stacks (void)
{
  g_autofree char *gdb = g_find_program_in_path ("gdb");
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  pid_t child;

  if (gdb == NULL)
    {
      g_printerr ("(gdb not found: no stacks)\n");
      return;
    }
  child = fork ();
  if (child == 0)
    {
      dup2 (2, 1);
      execl (gdb, "gdb", "-batch", "-nx", "-p", pid,
             "-ex", "thread apply all bt", (char *) NULL);
      _exit (127);
    }
  if (child > 0)
    waitpid (child, NULL, 0);
}

typedef struct
{
  GMutex lock;
  GCond cond;
  gint finished;        /* atomic: GLib's mutex is invisible to ThreadSanitizer */
} Watchdog;

/* Fails the test when no call has completed for a while. */
static gpointer
watchdog_main (gpointer data)
{
  Watchdog *watchdog = data;
  gint64 stall_limit = (gint64) 30 * gisle_test_slowdown () * G_TIME_SPAN_SECOND;
  gint last = g_atomic_int_get (&progress);
  gint64 last_change = g_get_monotonic_time ();

  g_mutex_lock (&watchdog->lock);
  while (!g_atomic_int_get (&watchdog->finished))
    {
      gint now_progress;

      g_cond_wait_until (&watchdog->cond, &watchdog->lock,
                         g_get_monotonic_time () + G_TIME_SPAN_SECOND);
      now_progress = g_atomic_int_get (&progress);
      if (now_progress != last)
        {
          last = now_progress;
          last_change = g_get_monotonic_time ();
        }
      else if (g_get_monotonic_time () - last_change > stall_limit)
        {
          g_printerr ("storm: no call completed for %" G_GINT64_FORMAT " s\n",
                      stall_limit / G_TIME_SPAN_SECOND);
          for (guint i = 0; i < N_THREADS; i++)
            {
              const char *what = g_atomic_pointer_get (&phase[i]);

              g_printerr ("storm thread %u: %s\n", i, what != NULL ? what : "(not started)");
            }
          print_all_stacks ();
          g_error ("storm: a call hangs (see the stacks above)");
        }
    }
  g_mutex_unlock (&watchdog->lock);
  return NULL;
}

/* ---- Tests ------------------------------------------------------------- */

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks;
}

static gboolean
plain_build (void)
{
  return gisle_test_slowdown () == 1;
}

static void
run_storm (guint32 seed,
           guint   rounds)
{
  StormThread threads[N_THREADS];
  GThread *handles[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    {
      threads[i] = (StormThread) { i, seed + i, rounds, NULL };
      handles[i] = g_thread_new ("storm", storm_thread_main, &threads[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (handles[i]);
}

static void
test_storm (void)
{
  const char *seed_env = g_getenv ("GISLE_STORM_SEED");
  guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10)
                                  : (guint32) g_test_rand_int ();
  const char *batches_env = g_getenv ("GISLE_STORM_BATCHES");
  guint batches = batches_env != NULL ? CLAMP (atoi (batches_env), 2, 8) : (plain_build () ? 6 : 2);
  guint rounds = plain_build () ? 4 : 1;
  Watchdog watchdog = { 0, };
  GThread *watchdog_thread, *chaos;
  gsize heap[8] = { 0, };   /* GISLE_STORM_BATCHES is at most 8 */

  g_test_message ("storm seed %u (GISLE_STORM_SEED=%u replays it)", seed, seed);
  g_mutex_init (&watchdog.lock);
  g_cond_init (&watchdog.cond);
  watchdog_thread = g_thread_new ("storm-watchdog", watchdog_main, &watchdog);

  storm_executor = g_isle_executor_new (2);
  retired = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < N_SHARED; i++)
    shared[i] = g_cancellable_new ();
  g_atomic_int_set (&chaos_stop, 0);
  chaos = g_thread_new ("storm-chaos", chaos_main, GUINT_TO_POINTER (seed));

  /* Every path once on this thread first: GLib initialises some of its
   * own state lazily behind locks ThreadSanitizer cannot see (GLib is not
   * instrumented), which it would report as races between the first
   * threads that happen to do it at once. */
  {
    g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_free);
    guint outstanding = 0;
    g_autoptr(GIsle) leaf = gisle_test_isle_new (NULL);
    HostContext ctx = { calls, &outstanding, leaf };
    StormThread warm_up = { 0, seed, 1, NULL };

    for (guint on_executor = 0; on_executor <= 1; on_executor++)
      {
        g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "executor",
                                              on_executor ? storm_executor : NULL, NULL);

        add_host_functions (isle, &ctx);
        for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
          {
            g_autoptr(GVariant) value = g_isle_eval_full (isle, scripts[i], "=warm-up", 50, NULL, NULL);
          }
        g_isle_close (isle, NULL, NULL);
      }
    while (outstanding > 0)
      g_main_context_iteration (NULL, TRUE);
    storm_thread_main (&warm_up);
  }

  for (guint batch = 0; batch < batches; batch++)
    {
      run_storm (seed + 100 * batch, rounds);
      heap[batch] = heap_in_use ();
      g_test_message ("batch %u: %d calls completed so far, heap in use %" G_GSIZE_FORMAT " KiB",
                      batch, g_atomic_int_get (&progress), heap[batch] / 1024);
    }

  g_atomic_int_set (&chaos_stop, 1);
  g_thread_join (chaos);
  for (guint i = 0; i < N_SHARED; i++)
    g_clear_object (&shared[i]);
  g_clear_pointer (&retired, g_ptr_array_unref);
  g_clear_object (&storm_executor);

  g_mutex_lock (&watchdog.lock);
  g_atomic_int_set (&watchdog.finished, TRUE);
  g_cond_signal (&watchdog.cond);
  g_mutex_unlock (&watchdog.lock);
  g_thread_join (watchdog_thread);
  g_mutex_clear (&watchdog.lock);
  g_cond_clear (&watchdog.cond);

  /* Flat memory: after two warm-up batches, the heap may wobble (threads
   * still leaving, allocator caches) but not grow with the work done. */
  if (plain_build ())
    {
      gsize warm = heap[1], last = heap[batches - 1];

      g_test_message ("heap after warm-up %" G_GSIZE_FORMAT " KiB, at the end %" G_GSIZE_FORMAT " KiB",
                      warm / 1024, last / 1024);
      g_assert_cmpuint (last, <, warm + 8 * 1024 * 1024);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/storm/mixed", test_storm);

  return g_test_run ();
}
