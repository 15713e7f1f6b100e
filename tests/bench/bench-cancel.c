/* bench-cancel.c: how fast a cancel stops a running script.
 *
 * Each try runs a script that announces itself with isle.emit("running")
 * and then loops. The announcement is made inside the protected call or
 * coroutine under test: waking the main loop can preempt the worker right
 * after isle.emit() on a 2-CPU machine, and a cancel that lands before the
 * pcall would end the job at once instead of testing the swallowing path.
 * The GIsle::event handler, in the main loop, takes a timestamp and calls
 * g_cancellable_cancel(); the latency is the time from there to the job's
 * callback in the same main loop.
 *
 * The floor of the scheme is measured in the same process with a plain
 * lua_State on a GThread: pthread_kill() of a signal whose handler calls
 * lua_sethook(), timestamped when the hook fires, and when the error it
 * raises has come back to the main loop through an idle source.
 *
 * A second floor is how late a 20 ms GLib timeout fires on another thread
 * while one thread spins: what the grace period costs beyond its length.
 *
 * Last, a job stuck where no hook runs (a looping __gc finalizer) is
 * cancelled with a 200 ms hard deadline. Each of those tries leaves an
 * abandoned thread spinning for the rest of the process, so there are only
 * a few of them, each with a fresh isle, and they run at the very end.
 *
 * Usage: gisle-bench-cancel [TRIES [STUCK_TRIES]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>

#include "bench-common.h"

#define GRACE_MS        20
#define HARD_MS         200
#define FLOOR_SIGNAL    SIGUSR2   /* GIsle uses SIGURG; keep out of its way */

/* ---- Cancelling isle jobs -------------------------------------------- */

typedef struct
{
  GIsle *isle;
  const char *code;
  GMainLoop *loop;
  GCancellable *cancellable;
  guint tries;
  guint done;
  gint64 cancelled_at;
  gboolean announced;
  BenchSamples samples;
  guint wrong_outcome;
  GQuark expect_domain;
  gint expect_code;
} CancelBench;

static void cancel_try (CancelBench *b);

static void
on_running (GIsle      *isle,
            const char *name,
            GVariant   *value,
            gpointer    data)
{
  CancelBench *b = data;

  if (b->announced || b->cancellable == NULL)
    return;
  b->announced = TRUE;
  b->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (b->cancellable);
}

static void
on_cancelled_job_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  CancelBench *b = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (b->isle, result, &error);

  if (!b->announced || !g_error_matches (error, b->expect_domain, b->expect_code))
    {
      if (b->wrong_outcome++ < 3)
        g_printerr ("unexpected outcome: %s\n", error ? error->message : "success");
    }
  else
    bench_samples_add (&b->samples, now - b->cancelled_at);

  g_clear_object (&b->cancellable);
  b->done++;
  if (b->done < b->tries)
    cancel_try (b);
  else
    g_main_loop_quit (b->loop);
}

static void
cancel_try (CancelBench *b)
{
  b->announced = FALSE;
  b->cancellable = g_cancellable_new ();
  g_isle_eval_async (b->isle, b->code, b->cancellable, on_cancelled_job_done, b);
}

static GIsle *
new_isle (guint hard_ms)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = g_isle_new (NULL, &error);

  g_assert_no_error (error);
  g_isle_set_grace_period (isle, GRACE_MS);
  g_isle_set_hard_deadline (isle, hard_ms);
  return isle;
}

typedef struct
{
  double median, p99, max;
} Stats;

static Stats
run_cancel (const char *label, const char *code, guint tries, double target_median,
            double target_p99, double subtract_us, gboolean *met)
{
  CancelBench b = { 0, };
  Stats stats;
  gulong handler;

  b.isle = new_isle (1000);
  b.code = code;
  b.loop = g_main_loop_new (NULL, FALSE);
  b.tries = tries;
  b.expect_domain = G_IO_ERROR;
  b.expect_code = G_IO_ERROR_CANCELLED;
  bench_samples_init (&b.samples, tries);
  handler = g_signal_connect (b.isle, "event::running", G_CALLBACK (on_running), &b);

  cancel_try (&b);
  g_main_loop_run (b.loop);

  stats.median = bench_median (&b.samples);
  stats.p99 = bench_percentile (&b.samples, 99);
  stats.max = bench_max (&b.samples);
  *met = b.wrong_outcome == 0 && stats.median - subtract_us <= target_median &&
         stats.p99 - subtract_us <= target_p99;
  printf ("%-44s median %8.1f µs  p99 %8.1f µs  max %8.1f µs  (n=%u%s)",
          label, stats.median, stats.p99, stats.max, b.samples.n,
          b.wrong_outcome ? ", WRONG OUTCOMES" : "");
  if (subtract_us > 0)
    printf ("\n%-44s median %8.1f µs  p99 %8.1f µs  beyond the %.0f ms grace period",
            "", stats.median - subtract_us, stats.p99 - subtract_us, subtract_us / 1000);
  printf ("  [target median <= %.0f µs, p99 <= %.0f µs%s: %s]\n",
          target_median, target_p99, subtract_us > 0 ? " beyond grace" : "",
          *met ? "MET" : "MISSED");
  fflush (stdout);

  g_signal_handler_disconnect (b.isle, handler);
  g_isle_close (b.isle, NULL, NULL);
  g_object_unref (b.isle);
  g_main_loop_unref (b.loop);
  bench_samples_clear (&b.samples);
  return stats;
}

/* ---- The floor: signal + lua_sethook on a plain state ----------------- */

typedef struct
{
  lua_State *L;
  pthread_t pthread;
  GAsyncQueue *go;               /* GINT_TO_POINTER (1) = run, 2 = exit */
  GMainContext *context;
  GMainLoop *loop;
  guint tries;
  guint done;
  gint64 signalled_at;
  BenchSamples to_hook;          /* pthread_kill -> hook running */
  BenchSamples to_main;          /* pthread_kill -> back in the main loop */
} Floor;

static Floor floor_bench;
static lua_State *volatile floor_state;
static volatile gint64 floor_hook_time;

static void
floor_hook (lua_State *L, lua_Debug *ar)
{
  floor_hook_time = g_get_monotonic_time ();
  lua_sethook (L, NULL, 0, 0);
  luaL_error (L, "stopped");
}

static void
floor_signal_handler (int signo)
{
  lua_State *L = floor_state;

  if (L != NULL)
    lua_sethook (L, floor_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static void floor_try (Floor *f);

static gboolean
floor_on_running (gpointer data)
{
  Floor *f = data;

  f->signalled_at = g_get_monotonic_time ();
  pthread_kill (f->pthread, FLOOR_SIGNAL);
  return G_SOURCE_REMOVE;
}

static gboolean
floor_on_done (gpointer data)
{
  Floor *f = data;
  gint64 now = g_get_monotonic_time ();

  bench_samples_add (&f->to_hook, floor_hook_time - f->signalled_at);
  bench_samples_add (&f->to_main, now - f->signalled_at);
  if (++f->done < f->tries)
    floor_try (f);
  else
    g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

static void
floor_post (Floor *f, GSourceFunc func)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, func, f, NULL);
  g_source_attach (source, f->context);
  g_source_unref (source);
}

static gpointer
floor_main (gpointer data)
{
  Floor *f = data;

  f->pthread = pthread_self ();
  f->L = luaL_newstate ();
  luaL_openlibs (f->L);
  if (luaL_loadstring (f->L, "while true do end") != LUA_OK)
    g_error ("%s", lua_tostring (f->L, -1));
  lua_setglobal (f->L, "spin");

  while (GPOINTER_TO_INT (g_async_queue_pop (f->go)) == 1)
    {
      lua_getglobal (f->L, "spin");
      floor_hook_time = 0;
      floor_state = f->L;
      floor_post (f, floor_on_running);
      lua_pcall (f->L, 0, 0, 0);
      floor_state = NULL;
      lua_settop (f->L, 0);
      floor_post (f, floor_on_done);
    }
  lua_close (f->L);
  return NULL;
}

static void
floor_try (Floor *f)
{
  g_async_queue_push (f->go, GINT_TO_POINTER (1));
}

static void
run_floor (guint tries)
{
  Floor *f = &floor_bench;
  struct sigaction action = { 0, };
  GThread *thread;

  action.sa_handler = floor_signal_handler;
  action.sa_flags = SA_RESTART;
  sigemptyset (&action.sa_mask);
  sigaction (FLOOR_SIGNAL, &action, NULL);

  f->go = g_async_queue_new ();
  f->context = g_main_context_ref_thread_default ();
  f->loop = g_main_loop_new (NULL, FALSE);
  f->tries = tries;
  bench_samples_init (&f->to_hook, tries);
  bench_samples_init (&f->to_main, tries);
  thread = g_thread_new ("floor-lua", floor_main, f);

  floor_try (f);
  g_main_loop_run (f->loop);
  g_async_queue_push (f->go, GINT_TO_POINTER (2));
  g_thread_join (thread);

  printf ("%-44s median %8.1f µs  p99 %8.1f µs  max %8.1f µs  (n=%u)\n",
          "floor: pthread_kill -> hook fires",
          bench_median (&f->to_hook), bench_percentile (&f->to_hook, 99),
          bench_max (&f->to_hook), f->to_hook.n);
  printf ("%-44s median %8.1f µs  p99 %8.1f µs  max %8.1f µs  (n=%u)\n",
          "floor: pthread_kill -> back in main loop",
          bench_median (&f->to_main), bench_percentile (&f->to_main, 99),
          bench_max (&f->to_main), f->to_main.n);
  fflush (stdout);

  bench_samples_clear (&f->to_hook);
  bench_samples_clear (&f->to_main);
  g_main_loop_unref (f->loop);
  g_main_context_unref (f->context);
  g_async_queue_unref (f->go);
}

/* ---- The floor of the grace period: a GLib timer on another thread ----
 * GIsle's watchdog escalates a swallowed cancel with a GLib timeout source
 * on its own thread's GMainContext. This measures how late such a timer
 * fires while one thread spins (as the swallowing script does). */

typedef struct
{
  GMainContext *context;
  GMutex lock;
  GCond cond;
  gint64 armed_at;
  gint64 fired_at;
  volatile gint stop;
} TimerFloor;

static gboolean
timer_floor_fire (gpointer data)
{
  TimerFloor *t = data;

  g_mutex_lock (&t->lock);
  t->fired_at = g_get_monotonic_time ();
  g_cond_signal (&t->cond);
  g_mutex_unlock (&t->lock);
  return G_SOURCE_REMOVE;
}

static gboolean
timer_floor_quit (gpointer data)
{
  TimerFloor *t = data;

  g_atomic_int_set (&t->stop, 1);
  return G_SOURCE_REMOVE;
}

static gpointer
timer_floor_thread (gpointer data)
{
  TimerFloor *t = data;

  while (!g_atomic_int_get (&t->stop))
    g_main_context_iteration (t->context, TRUE);
  return NULL;
}

static gpointer
timer_floor_spinner (gpointer data)
{
  TimerFloor *t = data;

  while (!g_atomic_int_get (&t->stop))
    ;
  return NULL;
}

static void
run_timer_floor (guint tries)
{
  TimerFloor t = { 0, };
  BenchSamples late;
  GThread *thread, *spinner;
  GSource *source;

  t.context = g_main_context_new ();
  g_mutex_init (&t.lock);
  g_cond_init (&t.cond);
  bench_samples_init (&late, tries);
  thread = g_thread_new ("timer-floor", timer_floor_thread, &t);
  spinner = g_thread_new ("timer-spinner", timer_floor_spinner, &t);

  for (guint i = 0; i < tries; i++)
    {
      source = g_timeout_source_new (GRACE_MS);
      g_source_set_callback (source, timer_floor_fire, &t, NULL);
      g_mutex_lock (&t.lock);
      t.fired_at = 0;
      t.armed_at = g_get_monotonic_time ();
      g_source_attach (source, t.context);
      g_source_unref (source);
      while (t.fired_at == 0)
        g_cond_wait (&t.cond, &t.lock);
      bench_samples_add (&late, t.fired_at - t.armed_at - GRACE_MS * 1000);
      g_mutex_unlock (&t.lock);
    }

  source = g_idle_source_new ();
  g_source_set_callback (source, timer_floor_quit, &t, NULL);
  g_source_attach (source, t.context);
  g_source_unref (source);
  g_thread_join (thread);
  g_thread_join (spinner);

  printf ("%-44s median %8.1f µs  p99 %8.1f µs  max %8.1f µs  (n=%u)\n",
          "floor: 20 ms GLib timeout, lateness", bench_median (&late),
          bench_percentile (&late, 99), bench_max (&late), late.n);
  printf ("%-44s (a timeout source on another thread's GMainContext while one thread spins,\n"
          "%-44s  as GIsle's watchdog escalates a swallowed cancel)\n", "", "");
  fflush (stdout);
  bench_samples_clear (&late);
  g_main_context_unref (t.context);
  g_mutex_clear (&t.lock);
  g_cond_clear (&t.cond);
}

/* ---- Stuck where no hook runs: the hard deadline --------------------- */

static gboolean
run_stuck (guint tries)
{
  gboolean met = TRUE;

  printf ("\nlooping __gc finalizer, hard deadline %u ms, %u tries with a fresh isle each\n"
          "(each try leaves an abandoned thread spinning until the process exits)\n",
          HARD_MS, tries);
  fflush (stdout);
  for (guint i = 0; i < tries; i++)
    {
      CancelBench b = { 0, };
      double over;

      b.isle = new_isle (HARD_MS);
      b.code = "setmetatable({}, { __gc = function () isle.emit('running') "
               "while true do end end }) collectgarbage()";
      b.loop = g_main_loop_new (NULL, FALSE);
      b.tries = 1;
      b.expect_domain = G_ISLE_ERROR;
      b.expect_code = G_ISLE_ERROR_DEFUNCT;
      bench_samples_init (&b.samples, 1);
      g_signal_connect (b.isle, "event::running", G_CALLBACK (on_running), &b);
      cancel_try (&b);
      g_main_loop_run (b.loop);

      if (b.samples.n == 1)
        {
          over = b.samples.v[0] / 1000.0 - HARD_MS;
          met = met && over <= 5.0;
          printf ("  try %u (%u spinning thread%s before it): cancel -> callback %.2f ms "
                  "= hard deadline + %.2f ms  [target <= + 5 ms: %s]\n",
                  i + 1, i, i == 1 ? "" : "s", b.samples.v[0] / 1000.0, over,
                  over <= 5.0 ? "MET" : "MISSED");
        }
      else
        {
          met = FALSE;
          printf ("  try %u: wrong outcome\n", i + 1);
        }
      fflush (stdout);
      g_signal_handlers_disconnect_by_data (b.isle, &b);
      g_object_unref (b.isle);
      g_main_loop_unref (b.loop);
      bench_samples_clear (&b.samples);
    }
  return met;
}

int
main (int argc, char **argv)
{
  guint tries = argc > 1 ? (guint) atoi (argv[1]) : 200;
  guint stuck_tries = argc > 2 ? (guint) atoi (argv[2]) : 5;
  gboolean met, all_met = TRUE;

  bench_print_machine ("gisle-bench-cancel");
  printf ("grace period %u ms, %u tries per case; latency = g_cancellable_cancel() in the "
          "main loop -> the job's callback in the main loop\n\n", GRACE_MS, tries);

  run_floor (tries);
  run_timer_floor (tries);
  printf ("\n");

  run_cancel ("while true do end",
              "isle.emit('running') while true do end",
              tries, 100, 1000, 0, &met);
  all_met &= met;
  run_cancel ("while true do math.abs(-1) end",
              "isle.emit('running') while true do math.abs(-1) end",
              tries, 100, 1000, 0, &met);
  all_met &= met;
  run_cancel ("xpcall(loop, looping handler)",
              "xpcall(function () isle.emit('running') while true do end end, "
              "function (e) while true do end end)",
              tries, 100, 1000, 0, &met);
  all_met &= met;
  run_cancel ("loop in a coroutine in a coroutine",
              "coroutine.wrap(function () coroutine.wrap(function () "
              "isle.emit('running') while true do end end)() end)()",
              tries, 100, 1000, 0, &met);
  all_met &= met;
  run_cancel ("while true do pcall(loop) end (swallows)",
              "while true do pcall(function () isle.emit('running') "
              "while true do end end) end",
              tries, 1000, 1000, GRACE_MS * 1000.0, &met);
  all_met &= met;

  all_met &= run_stuck (stuck_tries);

  printf ("\ncancel: %s\n", all_met ? "all targets met" : "some targets MISSED");
  return 0;
}
