/* test-close.c: closing isles and dropping them while they work.
 *
 * Scripts that must be running when the test acts call isle.emit("started")
 * first; the test acts from that GIsle::event handler. Nothing sleeps to
 * synchronise.
 *
 * This file is also in the 'threads' suite, which CI runs under
 * ThreadSanitizer. Under TSan a signal reaches a thread only when it next
 * enters an intercepted libc function, so a loop that never calls into libc
 * (`while true do end`) cannot be interrupted there: SPIN makes the loops
 * allocate under TSan (`{}` goes through realloc) and is empty otherwise.
 * Shared test state uses pthread mutexes and atomics, which TSan sees,
 * rather than GMutex (futex-based in an uninstrumented GLib).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-test-utils.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
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

#define WAIT_MS 10000

static const char *const loop_code = "isle.emit('started') while true do" SPIN "end";
static const char *const work_code = "local t = {} for i = 1, 50 do t[i] = i end return #t";

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

static double
ms_since (gint64 from_us)
{
  return ms_between (from_us, g_get_monotonic_time ());
}

static GIsle *
isle_new (guint grace_ms,
          guint hard_ms)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                         "grace-period", grace_ms,
                         "hard-deadline", hard_ms,
                         NULL);
  g_assert_no_error (error);
  g_assert_nonnull (isle);
  return isle;
}

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
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError *error = NULL;
  GVariant *value = g_isle_call_finish (G_ISLE (source), result, &error);

  outcome_record (data, value, error);
}

static void
on_exec_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError *error = NULL;
  GVariant *value = g_isle_exec_finish (G_ISLE (source), result, &error);

  outcome_record (data, value, error);
}

static void
on_close_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  GError *error = NULL;
  gboolean ok = g_isle_close_finish (G_ISLE (source), result, &error);

  g_assert_true (ok == (error == NULL));
  outcome_record (data, NULL, error);
}

static void
eval_async (GIsle      *isle,
            const char *code,
            Outcome    *o)
{
  g_isle_eval_async (isle, code, NULL, on_eval_done, o);
}

static void
assert_answers (GIsle *isle)
{
  Outcome o = { 0, };
  g_autofree char *printed = NULL;

  eval_async (isle, "return 1", &o);
  WAIT_UNTIL (o.done, WAIT_MS);
  g_assert_no_error (o.error);
  printed = g_variant_print (o.value, FALSE);
  g_assert_cmpstr (printed, ==, "(1,)");
  outcome_clear (&o);
}

/* A GIsle::event::started handler that runs @func once. */
typedef struct
{
  void (*func) (GIsle *isle, gpointer data);
  gpointer data;
  guint n_started;
  gint64 time;
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
  t->time = g_get_monotonic_time ();
  t->func (isle, t->data);
}

static void
close_sync (GIsle    *isle,
            gpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  *(double *) data = ms_since (start);
}

/* Every call fails with G_ISLE_ERROR_CLOSED, the blocking ones at once. */
static void
on_destroy_count (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static GVariant *
exec_never (GIsle      *isle,
            lua_State  *L,
            gpointer    user_data,
            GError    **error)
{
  g_assert_not_reached ();
  return NULL;
}

static void
assert_refuses (GIsle *isle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Outcome o[4] = { { 0, }, };
  gint destroyed = 0;
  gint64 start = g_get_monotonic_time ();

  value = g_isle_eval (isle, "return 1", NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_assert_null (value);
  g_clear_error (&error);

  value = g_isle_call (isle, "tostring", g_variant_new ("(x)", (gint64) 1), NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_assert_null (value);
  g_clear_error (&error);

  value = g_isle_exec (isle, exec_never, NULL, NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_assert_null (value);
  g_clear_error (&error);
  /* Refused, not queued: no job runs first (generous for valgrind). */
  g_assert_cmpfloat (ms_since (start), <, 1000);

  eval_async (isle, "return 1", &o[0]);
  g_isle_eval_full_async (isle, "return 1", "=closed", 100, NULL, on_eval_full_done, &o[1]);
  g_isle_call_async (isle, "tostring", NULL, NULL, on_call_done, &o[2]);
  g_isle_exec_async (isle, exec_never, &destroyed, on_destroy_count, NULL, on_exec_done, &o[3]);
  WAIT_UNTIL (o[0].done && o[1].done && o[2].done && o[3].done, WAIT_MS);
  for (guint i = 0; i < G_N_ELEMENTS (o); i++)
    {
      g_assert_error (o[i].error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
      outcome_clear (&o[i]);
    }
  /* A refused exec job still frees its data. */
  WAIT_UNTIL (is_set (&destroyed), WAIT_MS);
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);
}

/* ---- Tests ------------------------------------------------------------ */

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  (*(guint *) data)++;
}

static void
test_close_idle (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 1000);
  g_autoptr(GError) error = NULL;
  guint n_notifies = 0;
  gboolean closed = TRUE;
  gint64 start;

  g_object_get (isle, "closed", &closed, NULL);
  g_assert_false (closed);
  g_signal_connect (isle, "notify::closed", G_CALLBACK (on_notify_count), &n_notifies);
  assert_answers (isle);

  start = g_get_monotonic_time ();
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("closing an idle isle took %.2f ms", ms_since (start));
  g_assert_cmpfloat (ms_since (start), <, 500);
  g_assert_true (g_isle_is_closed (isle));
  g_object_get (isle, "closed", &closed, NULL);
  g_assert_true (closed);
  WAIT_UNTIL (n_notifies >= 1, WAIT_MS);

  /* Twice is harmless, blocking or not. */
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  {
    Outcome o = { 0, };

    g_isle_close_async (isle, NULL, on_close_done, &o);
    WAIT_UNTIL (o.done, WAIT_MS);
    g_assert_no_error (o.error);
  }
  g_assert_true (g_isle_is_closed (isle));
  assert_refuses (isle);
}

/* The running job gets CANCELLED, the queued ones CLOSED, and close
 * returns once the thread is done. */
static void
test_close_running (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  double close_ms = -1;
  Trigger trigger = { close_sync, &close_ms, 0, 0 };
  Outcome running = { 0, }, queued[2] = { { 0, }, };

  g_signal_connect (isle, "event::started", G_CALLBACK (on_started), &trigger);
  eval_async (isle, loop_code, &running);
  eval_async (isle, "queued_ran = true return 1", &queued[0]);
  g_isle_eval_full_async (isle, "return 2", NULL, 0, NULL, on_eval_full_done, &queued[1]);
  WAIT_UNTIL (running.done && queued[0].done && queued[1].done, WAIT_MS);

  g_test_message ("g_isle_close with a running loop took %.2f ms", close_ms);
  g_assert_cmpfloat (close_ms, >=, 0);
  g_assert_cmpfloat (close_ms, <, 1000);
  g_assert_error (running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (queued[0].error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_assert_error (queued[1].error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_test_message ("the running job completed %.2f ms after close was called",
                  ms_between (trigger.time, running.done_time));
  outcome_clear (&running);
  outcome_clear (&queued[0]);
  outcome_clear (&queued[1]);
  assert_refuses (isle);
}

/* A job that catches the soft cancel keeps close waiting for the hard
 * phase, no longer. */
static void
test_close_running_stubborn (void)
{
  g_autoptr(GIsle) isle = isle_new (50, 3000);
  double close_ms = -1;
  Trigger trigger = { close_sync, &close_ms, 0, 0 };
  Outcome running = { 0, };

  g_signal_connect (isle, "event::started", G_CALLBACK (on_started), &trigger);
  eval_async (isle,
              "local first = true\n"
              "while true do pcall(function()\n"
              "  if first then first = false isle.emit('started') end\n"
              "  while true do" SPIN "end\n"
              "end) end",
              &running);
  WAIT_UNTIL (running.done, WAIT_MS);
  g_test_message ("g_isle_close with a job swallowing the soft cancel took %.2f ms (grace 50 ms)",
                  close_ms);
  g_assert_cmpfloat (close_ms, >=, 50);
  g_assert_cmpfloat (close_ms, <, 50 + 500);
  g_assert_error (running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&running);
  assert_refuses (isle);
}

typedef struct
{
  GMainLoop *loop;
  Outcome close;
  Outcome running;
  Outcome queued;
} AsyncClose;

static void
async_close_check (AsyncClose *ac)
{
  if (ac->close.done && ac->running.done && ac->queued.done)
    g_main_loop_quit (ac->loop);
}

static void
on_async_close_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  AsyncClose *ac = data;

  on_close_done (source, result, &ac->close);
  async_close_check (ac);
}

static void
on_async_running_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  AsyncClose *ac = data;

  on_eval_done (source, result, &ac->running);
  async_close_check (ac);
}

static void
on_async_queued_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  AsyncClose *ac = data;

  on_eval_done (source, result, &ac->queued);
  async_close_check (ac);
}

static void
close_async_now (GIsle    *isle,
                 gpointer  data)
{
  g_isle_close_async (isle, NULL, on_async_close_done, data);
  /* Closed at once for new calls, before the thread is done. */
  g_assert_true (g_isle_is_closed (isle));
}

static gboolean
quit_on_timeout (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_close_async (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncClose ac = { loop, };
  Trigger trigger = { close_async_now, &ac, 0, 0 };
  guint timeout_id;

  g_signal_connect (isle, "event::started", G_CALLBACK (on_started), &trigger);
  g_isle_eval_async (isle, loop_code, NULL, on_async_running_done, &ac);
  g_isle_eval_async (isle, "return 2", NULL, on_async_queued_done, &ac);
  timeout_id = g_timeout_add (WAIT_MS, quit_on_timeout, loop);
  g_main_loop_run (loop);
  if (ac.close.done && ac.running.done && ac.queued.done)
    g_source_remove (timeout_id);

  g_assert_true (ac.close.done);
  g_assert_no_error (ac.close.error);
  g_assert_error (ac.running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (ac.queued.error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_test_message ("g_isle_close_async completed %.2f ms after the call",
                  ms_between (trigger.time, ac.close.done_time));
  outcome_clear (&ac.close);
  outcome_clear (&ac.running);
  outcome_clear (&ac.queued);
  assert_refuses (isle);
}

static void
test_close_never_started (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, NULL);
  g_autoptr(GIsle) other = g_object_new (G_TYPE_ISLE, NULL);
  g_autoptr(GError) error = NULL;
  Outcome o = { 0, };
  gint64 start = g_get_monotonic_time ();

  g_assert_false (g_isle_is_closed (isle));
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (ms_since (start), <, 500);
  g_assert_true (g_isle_is_closed (isle));
  assert_refuses (isle);
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);

  g_isle_close_async (other, NULL, on_close_done, &o);
  WAIT_UNTIL (o.done, WAIT_MS);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_true (g_isle_is_closed (other));
  assert_refuses (other);
}

/* ---- Dropping the last reference while a job runs ---------------------- */

static void
on_finalized (gpointer  data,
              GObject  *where_the_object_was)
{
  g_atomic_int_set ((gint *) data, 1);
  g_main_context_wakeup (NULL);
}

typedef struct
{
  GIsle *isle;                   /* not owned */
  const char *code;
  GError *error;
  GVariant *value;
  gint done;
} BlockingCall;

static gpointer
blocking_call_thread (gpointer data)
{
  BlockingCall *call = data;

  call->value = g_isle_eval (call->isle, call->code, NULL, &call->error);
  g_atomic_int_set (&call->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
unref_now (GIsle    *isle,
           gpointer  data)
{
  gint64 start = g_get_monotonic_time ();

  g_object_unref (isle);
  *(double *) data = ms_since (start);
}

/* The last reference goes while a blocking call in another thread runs a
 * loop: the unref does not wait, the isle is finalized at once, and the
 * call returns CANCELLED. */
static void
test_unref_while_running_blocking (void)
{
  GIsle *isle = isle_new (100, 3000);
  double unref_ms = -1;
  Trigger trigger = { unref_now, &unref_ms, 0, 0 };
  BlockingCall call = { isle, loop_code, NULL, NULL, 0 };
  gint finalized = 0;
  GThread *thread;

  g_object_weak_ref (G_OBJECT (isle), on_finalized, &finalized);
  g_signal_connect (isle, "event::started", G_CALLBACK (on_started), &trigger);
  thread = g_thread_new ("blocking-eval", blocking_call_thread, &call);
  WAIT_UNTIL (trigger.n_started > 0, WAIT_MS);

  g_test_message ("dropping the last reference during a blocking call took %.3f ms", unref_ms);
  g_assert_cmpfloat (unref_ms, >=, 0);
  g_assert_cmpfloat (unref_ms, <, 50);
  g_assert_true (is_set (&finalized));

  WAIT_UNTIL (is_set (&call.done), WAIT_MS);
  g_thread_join (thread);
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (call.value);
  g_clear_error (&call.error);
}

/* The C API without linking Lua: this test binary links only the library,
 * so the two Lua functions it needs are looked up in the process. */
typedef int (*LoadStringFunc) (lua_State *L, const char *s);
typedef void (*CallKFunc) (lua_State *L, int nargs, int nresults, intptr_t ctx, void *k);

static GVariant *
exec_lua_loop (GIsle      *isle,
               lua_State  *L,
               gpointer    user_data,
               GError    **error)
{
  LoadStringFunc load_string = (LoadStringFunc) dlsym (RTLD_DEFAULT, "luaL_loadstring");
  CallKFunc call_k = (CallKFunc) dlsym (RTLD_DEFAULT, "lua_callk");

  g_assert_nonnull (load_string);
  g_assert_nonnull (call_k);
  g_assert_true (G_IS_OBJECT (user_data));
  g_assert_cmpint (load_string (L, loop_code), ==, 0);
  /* Raises the cancel out of this function; GIsle catches it. */
  call_k (L, 0, 0, 0, NULL);
  g_assert_not_reached ();
  return NULL;
}

/* The last reference the caller holds goes while an exec job runs: the
 * unref does not wait; the job, stopped by the isle's time limit with
 * nobody left to cancel it, frees its data and the isle is finalized. */
static void
test_unref_while_running_exec (void)
{
  GIsle *isle = isle_new (100, 3000);
  GObject *data = g_object_new (G_TYPE_OBJECT, NULL);
  double unref_ms = -1;
  Trigger trigger = { unref_now, &unref_ms, 0, 0 };
  Outcome o = { 0, };
  gint data_freed = 0, finalized = 0;
  gint64 start;

  g_isle_set_default_timeout (isle, 300);
  g_object_weak_ref (G_OBJECT (isle), on_finalized, &finalized);
  g_object_weak_ref (data, on_finalized, &data_freed);
  g_signal_connect (isle, "event::started", G_CALLBACK (on_started), &trigger);
  g_isle_exec_async (isle, exec_lua_loop, data, g_object_unref, NULL, on_exec_done, &o);
  WAIT_UNTIL (trigger.n_started > 0, WAIT_MS);
  start = g_get_monotonic_time ();

  g_test_message ("dropping the caller's reference during an exec job took %.3f ms", unref_ms);
  g_assert_cmpfloat (unref_ms, >=, 0);
  g_assert_cmpfloat (unref_ms, <, 50);

  WAIT_UNTIL (o.done && is_set (&data_freed) && is_set (&finalized), WAIT_MS);
  g_test_message ("exec data freed and isle finalized %.2f ms after the unref", ms_since (start));
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  outcome_clear (&o);
}

/* A caller thread with its own main context gets its callback, which does
 * some real work, then ends and drops its context. Closing and dropping
 * the isle must then free everything: the setup function's data, released
 * with the isle's internals, shows it. */
static gboolean
setup_nothing (GIsle      *isle,
               lua_State  *L,
               gpointer    user_data,
               GError    **error)
{
  return TRUE;
}

static void
on_flag_notify (gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
  g_main_context_wakeup (NULL);
}

typedef struct
{
  GIsle *isle;
  guint work_ms;
  gint done;
} SlowCaller;

static void
on_slow_caller_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  SlowCaller *caller = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);

  g_assert_no_error (error);
  /* The callback's own work (not a synchronisation). */
  if (caller->work_ms > 0)
    g_usleep (caller->work_ms * 1000);
  g_atomic_int_set (&caller->done, 1);
}

static gpointer
slow_caller_thread (gpointer data)
{
  SlowCaller *caller = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new (WAIT_MS);
  gboolean timed_out = FALSE;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, gisle_test_set_timed_out, &timed_out, NULL);
  g_source_attach (timeout, context);
  g_isle_eval_async (caller->isle, "return 1", NULL, on_slow_caller_done, caller);
  while (!g_atomic_int_get (&caller->done) && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
  /* The thread ends and its context goes with it. */
  return NULL;
}

static void
test_unref_after_thread_context (gconstpointer data)
{
  guint work_ms = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  gint internals_freed = 0, finalized = 0;
  SlowCaller caller = { NULL, work_ms, 0 };
  GIsle *isle;

  isle = g_isle_new_with_setup (setup_nothing, &internals_freed, on_flag_notify, NULL, &error);
  g_assert_no_error (error);
  g_object_weak_ref (G_OBJECT (isle), on_finalized, &finalized);
  caller.isle = isle;
  g_thread_join (g_thread_new ("slow-caller", slow_caller_thread, &caller));
  g_assert_true (is_set (&caller.done));

  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (isle);
  WAIT_UNTIL (is_set (&finalized), WAIT_MS);
  WAIT_UNTIL (is_set (&internals_freed), 3000);
}

/* ---- Closing from another thread while threads submit ----------------- */

#define N_SUBMITTERS 4
#define CLOSE_AFTER  200

typedef struct
{
  GIsle *isle;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  guint n_ok;
  guint n_cancelled;
  guint n_closed;
  guint n_wrong;
  guint n_stopped;
  gboolean closed;
  double close_ms;
} Shared;

static gpointer
submitter_thread (gpointer data)
{
  Shared *s = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = g_isle_eval (s->isle, work_code, NULL, &error);
      gboolean stop = FALSE;
      gint64 n = -1;

      if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("(x)")))
        g_variant_get (value, "(x)", &n);

      pthread_mutex_lock (&s->lock);
      if (error == NULL && n == 50)
        s->n_ok++;
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        s->n_cancelled++;
      else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED))
        {
          s->n_closed++;
          stop = TRUE;
        }
      else
        {
          g_printerr ("unexpected outcome: %s\n", error != NULL ? error->message : "wrong value");
          s->n_wrong++;
          stop = TRUE;
        }
      if (stop)
        s->n_stopped++;
      pthread_cond_broadcast (&s->cond);
      pthread_mutex_unlock (&s->lock);

      if (stop)
        return NULL;
    }
}

static gpointer
closer_thread (gpointer data)
{
  Shared *s = data;
  g_autoptr(GError) error = NULL;
  gint64 start;

  pthread_mutex_lock (&s->lock);
  while (s->n_ok < CLOSE_AFTER && s->n_stopped < N_SUBMITTERS)
    pthread_cond_wait (&s->cond, &s->lock);
  pthread_mutex_unlock (&s->lock);

  start = g_get_monotonic_time ();
  g_assert_true (g_isle_close (s->isle, NULL, &error));
  g_assert_no_error (error);
  s->close_ms = ms_since (start);
  s->closed = TRUE;
  return NULL;
}

static void
test_close_from_thread (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  Shared s = { isle, };
  GThread *submitters[N_SUBMITTERS], *closer;
  guint n_notifies = 0;

  pthread_mutex_init (&s.lock, NULL);
  pthread_cond_init (&s.cond, NULL);
  g_signal_connect (isle, "notify::closed", G_CALLBACK (on_notify_count), &n_notifies);

  for (guint i = 0; i < N_SUBMITTERS; i++)
    submitters[i] = g_thread_new ("submitter", submitter_thread, &s);
  closer = g_thread_new ("closer", closer_thread, &s);

  g_thread_join (closer);
  for (guint i = 0; i < N_SUBMITTERS; i++)
    g_thread_join (submitters[i]);

  g_test_message ("%u jobs answered, %u cancelled, %u refused; close took %.2f ms",
                  s.n_ok, s.n_cancelled, s.n_closed, s.close_ms);
  g_assert_true (s.closed);
  g_assert_cmpuint (s.n_wrong, ==, 0);
  g_assert_cmpuint (s.n_ok, >=, CLOSE_AFTER);
  /* Only the one running job can be cancelled; everyone else is refused,
   * and every submitter saw the refusal. */
  g_assert_cmpuint (s.n_cancelled, <=, 1);
  g_assert_cmpuint (s.n_closed, ==, N_SUBMITTERS);
  g_assert_true (g_isle_is_closed (isle));
  assert_refuses (isle);

  pthread_mutex_destroy (&s.lock);
  pthread_cond_destroy (&s.cond);
}

/* Property notifications, like every other signal of the isle, must reach
 * handlers in the isle's main context even when another thread closes it:
 * bindings such as GJS cannot run handlers on other threads. */
typedef struct
{
  guint n_notifies;
  guint n_in_main_thread;
} NotifyThread;

static void
on_notify_closed_thread (GObject    *object,
                         GParamSpec *pspec,
                         gpointer    data)
{
  NotifyThread *n = data;

  n->n_notifies++;
  if (g_main_context_is_owner (g_main_context_default ()))
    n->n_in_main_thread++;
}

static gpointer
close_in_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_isle_close (data, NULL, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_close_notify_context (void)
{
  g_autoptr(GIsle) isle = isle_new (100, 3000);
  NotifyThread n = { 0, };
  GMainContext *context = g_main_context_default ();

  /* The main thread owns the isle's context while the other thread
   * closes, as an application's main loop would. */
  g_assert_true (g_main_context_acquire (context));
  g_signal_connect (isle, "notify::closed", G_CALLBACK (on_notify_closed_thread), &n);
  g_thread_join (g_thread_new ("closer", close_in_thread, isle));
  WAIT_UNTIL (n.n_notifies > 0, WAIT_MS);
  g_main_context_release (context);

  g_assert_cmpuint (n.n_in_main_thread, ==, n.n_notifies);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/close/idle", test_close_idle);
  g_test_add_func ("/close/running", test_close_running);
  g_test_add_func ("/close/running-stubborn", test_close_running_stubborn);
  g_test_add_func ("/close/async", test_close_async);
  g_test_add_func ("/close/never-started", test_close_never_started);
  g_test_add_func ("/close/unref-while-running/blocking", test_unref_while_running_blocking);
  g_test_add_func ("/close/unref-while-running/exec", test_unref_while_running_exec);
  g_test_add_data_func ("/close/unref-after-thread-context/quick-callback",
                        GUINT_TO_POINTER (0), test_unref_after_thread_context);
  g_test_add_data_func ("/close/unref-after-thread-context/slow-callback",
                        GUINT_TO_POINTER (10), test_unref_after_thread_context);
  g_test_add_func ("/close/from-thread/while-submitting", test_close_from_thread);
  g_test_add_func ("/close/from-thread/notify-in-main-context", test_close_notify_context);

  return g_test_run ();
}
