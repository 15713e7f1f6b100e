/* test-queue.c: job order, queue capacity and many submitters.
 *
 * A C function registered by a setup function, `block()`, holds the worker
 * until the test releases it, so the tests know exactly when the queue is
 * full instead of hoping that a sleep lasted long enough.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <lua.h>
#include <lauxlib.h>

#include "gisle-test-utils.h"

/* ---- The blocker ------------------------------------------------------------ */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean released;
  GisleTestCounter entered;
} Blocker;

static void
blocker_init (Blocker *blocker)
{
  g_mutex_init (&blocker->lock);
  g_cond_init (&blocker->cond);
  blocker->released = FALSE;
  gisle_test_counter_init (&blocker->entered);
}

static void
blocker_clear (Blocker *blocker)
{
  g_mutex_clear (&blocker->lock);
  g_cond_clear (&blocker->cond);
  gisle_test_counter_clear (&blocker->entered);
}

static void
blocker_release (Blocker *blocker)
{
  g_mutex_lock (&blocker->lock);
  blocker->released = TRUE;
  g_cond_broadcast (&blocker->cond);
  g_mutex_unlock (&blocker->lock);
}

/* block(): waits, on the worker thread, until the test releases it. */
static int
lua_block (lua_State *L)
{
  Blocker *blocker = lua_touserdata (L, lua_upvalueindex (1));
  gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;
  gboolean timed_out = FALSE;

  gisle_test_counter_inc (&blocker->entered);
  g_mutex_lock (&blocker->lock);
  while (!blocker->released && !timed_out)
    timed_out = !g_cond_wait_until (&blocker->cond, &blocker->lock, end_time);
  g_mutex_unlock (&blocker->lock);
  if (timed_out)
    g_error ("block() was never released");
  return 0;
}

static gboolean
setup_blocker (GIsle      *isle,
               lua_State  *L,
               gpointer    user_data,
               GError    **error)
{
  lua_pushlightuserdata (L, user_data);
  lua_pushcclosure (L, lua_block, 1);
  lua_setglobal (L, "block");
  return TRUE;
}

/* An isle with block() and an empty global `order`. */
static GIsle *
new_isle (Blocker *blocker,
          guint    capacity)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE,
                                        "queue-capacity", capacity,
                                        "setup-code", "order = {}",
                                        NULL);
  g_autoptr(GError) error = NULL;

  g_isle_set_setup_func (isle, setup_blocker, blocker, NULL);
  g_assert_true (g_initable_init (G_INITABLE (isle), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_isle_get_queue_capacity (isle), ==, capacity);
  return g_steal_pointer (&isle);
}

/* ---- Recording asynchronous results ------------------------------------------ */

typedef struct
{
  GIsle *isle;
  guint n_jobs;
  volatile gint n_done;
  guint *completion_order;        /* job index by completion */
  gint64 *results;                /* what each job returned */
} Jobs;

typedef struct
{
  Jobs *jobs;
  guint index;
} Job;

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  Jobs *jobs = job->jobs;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);
  guint n = g_atomic_int_get (&jobs->n_done);

  g_assert_no_error (error);
  g_variant_get (value, "(x)", &jobs->results[job->index]);
  jobs->completion_order[n] = job->index;
  g_atomic_int_set (&jobs->n_done, n + 1);
}

/* Submits @n jobs, job i appending i to `order` and returning the length. */
static Job *
submit_jobs (Jobs  *jobs,
             GIsle *isle,
             guint  n)
{
  Job *array = g_new0 (Job, n);

  jobs->isle = isle;
  jobs->n_jobs = n;
  jobs->completion_order = g_new0 (guint, n);
  jobs->results = g_new0 (gint64, n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *code = g_strdup_printf ("order[#order + 1] = %u return #order", i);

      array[i].jobs = jobs;
      array[i].index = i;
      g_isle_eval_async (isle, code, NULL, on_job_done, &array[i]);
    }
  return array;
}

static void
wait_jobs (Jobs *jobs)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (GISLE_TEST_TIMEOUT_S);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, gisle_test_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while ((guint) g_atomic_int_get (&jobs->n_done) < jobs->n_jobs && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (timed_out)
    g_error ("Timed out: %d of %u jobs done", g_atomic_int_get (&jobs->n_done), jobs->n_jobs);
}

/* Asserts that job i ran as the (@first + i)-th job to touch `order`, and
 * that the callbacks came in submission order. */
static void
assert_jobs_in_order (Jobs  *jobs,
                      gint64 first)
{
  for (guint i = 0; i < jobs->n_jobs; i++)
    {
      g_assert_cmpint (jobs->results[i], ==, first + i);
      g_assert_cmpuint (jobs->completion_order[i], ==, i);
    }
}

static void
jobs_clear (Jobs *jobs)
{
  g_free (jobs->completion_order);
  g_free (jobs->results);
}

/* ---- FIFO ----------------------------------------------------------------- */

static void
test_fifo (void)
{
  Blocker blocker;
  g_autoptr(GIsle) isle = NULL;
  g_autofree Job *array = NULL;
  Jobs jobs = { 0, };

  blocker_init (&blocker);
  isle = new_isle (&blocker, 256);
  array = submit_jobs (&jobs, isle, 1000);
  wait_jobs (&jobs);
  assert_jobs_in_order (&jobs, 1);

  /* The table agrees: 0, 1, ..., 999. */
  gisle_test_assert_eval (isle,
                          "for i = 1, #order do\n"
                          "  if order[i] ~= i - 1 then return i end\n"
                          "end\n"
                          "return #order",
                          "(int64 1000,)");
  jobs_clear (&jobs);
  blocker_release (&blocker);
  g_clear_object (&isle);
  blocker_clear (&blocker);
}

/* ---- Capacity ----------------------------------------------------------------- */

static gboolean
set_flag (gpointer data)
{
  g_atomic_int_set ((volatile gint *) data, TRUE);
  return G_SOURCE_REMOVE;
}

static void
test_async_beyond_capacity (void)
{
  Blocker blocker;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GVariant) blocked_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree Job *array = NULL;
  GisleTestAsync blocked = { 0, };
  volatile gint idle_ran = FALSE;
  Jobs jobs = { 0, };

  blocker_init (&blocker);
  isle = new_isle (&blocker, 2);

  g_isle_eval_async (isle, "block () return 'unblocked'", NULL, gisle_test_async_ready, &blocked);
  gisle_test_counter_wait (&blocker.entered, 1, "block() to start");

  /* 25 times the capacity: submitting must not block this thread. */
  {
    g_autoptr(GisleTestWatchdog) watchdog = gisle_test_watchdog_new ("asynchronous submissions beyond the capacity");

    array = submit_jobs (&jobs, isle, 50);
  }

  /* The main loop still runs, and nothing has finished. */
  g_idle_add (set_flag, (gpointer) &idle_ran);
  gisle_test_wait_flag (&idle_ran, "an idle callback while the queue is full");
  g_assert_cmpint (g_atomic_int_get (&jobs.n_done), ==, 0);
  g_assert_false (g_atomic_int_get (&blocked.done));

  blocker_release (&blocker);
  gisle_test_async_wait (&blocked, "the blocking job");
  blocked_result = g_isle_eval_finish (isle, blocked.result, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (blocked_result, "('unblocked',)");
  gisle_test_async_clear (&blocked);

  wait_jobs (&jobs);
  assert_jobs_in_order (&jobs, 1);
  jobs_clear (&jobs);
  g_clear_object (&isle);
  blocker_clear (&blocker);
}

typedef struct
{
  GIsle *isle;
  GisleTestCounter calling;
  GisleTestCounter done;
  GVariant *result;
  GError *error;
} SyncCaller;

static gpointer
sync_caller_thread (gpointer user_data)
{
  SyncCaller *caller = user_data;

  gisle_test_counter_inc (&caller->calling);
  caller->result = g_isle_eval (caller->isle, "order[#order + 1] = 'sync' return #order",
                                NULL, &caller->error);
  gisle_test_counter_inc (&caller->done);
  return NULL;
}

/* A blocking call made while the queue is full waits for room before its job
 * is queued: an asynchronous job submitted while it waits goes ahead of it. */
static void
test_blocking_waits_for_room (void)
{
  Blocker blocker;
  g_autoptr(GIsle) isle = NULL;
  g_autofree Job *array = NULL;
  g_autofree Job *later_array = NULL;
  SyncCaller caller = { 0, };
  GisleTestAsync blocked = { 0, };
  Jobs jobs = { 0, };
  Jobs later = { 0, };
  GThread *thread;
  gint64 end_time;

  blocker_init (&blocker);
  isle = new_isle (&blocker, 2);
  gisle_test_counter_init (&caller.calling);
  gisle_test_counter_init (&caller.done);
  caller.isle = isle;

  /* One job running, two waiting: the queue is at its capacity. */
  g_isle_eval_async (isle, "block ()", NULL, gisle_test_async_ready, &blocked);
  gisle_test_counter_wait (&blocker.entered, 1, "block() to start");
  array = submit_jobs (&jobs, isle, 2);

  thread = g_thread_new ("sync-caller", sync_caller_thread, &caller);
  gisle_test_counter_wait (&caller.calling, 1, "the caller thread to start");

  /* Give the blocking call every chance to (wrongly) queue its job or
   * return; a correct isle passes however long this takes. */
  end_time = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;
  g_mutex_lock (&caller.done.lock);
  while (caller.done.value == 0 &&
         g_cond_wait_until (&caller.done.cond, &caller.done.lock, end_time))
    ;
  g_assert_cmpuint (caller.done.value, ==, 0);
  g_mutex_unlock (&caller.done.lock);

  /* Asynchronous submissions never wait, so this one is queued now. */
  later_array = submit_jobs (&later, isle, 1);

  blocker_release (&blocker);
  gisle_test_counter_wait (&caller.done, 1, "the blocking call after room appeared");
  g_thread_join (thread);

  wait_jobs (&jobs);
  wait_jobs (&later);
  assert_jobs_in_order (&jobs, 1);
  assert_jobs_in_order (&later, 3);
  /* The blocking call's job was queued only once there was room, so after
   * the job submitted while it waited. */
  g_assert_no_error (caller.error);
  gisle_test_assert_variant (caller.result, "(int64 4,)");
  gisle_test_async_wait (&blocked, "the blocking job");

  gisle_test_async_clear (&blocked);
  g_variant_unref (caller.result);
  gisle_test_counter_clear (&caller.calling);
  gisle_test_counter_clear (&caller.done);
  jobs_clear (&jobs);
  jobs_clear (&later);
  g_clear_object (&isle);
  blocker_clear (&blocker);
}

/* ---- Many submitters ------------------------------------------------------------ */

#define N_THREADS 8
#define N_EVALS   200

typedef struct
{
  GIsle *isle;
  GisleTestCounter *ready;
  GisleTestCounter *go;
  guint number;
  guint n_correct;
} Submitter;

static gpointer
submitter_thread (gpointer user_data)
{
  Submitter *submitter = user_data;

  gisle_test_counter_inc (submitter->ready);
  gisle_test_counter_wait (submitter->go, 1, "the start signal");

  for (guint i = 0; i < N_EVALS; i++)
    {
      g_autofree char *code = NULL;
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GError) error = NULL;
      gint64 number, count;

      /* Each thread counts in its own global: its results must be its own
       * and in its own order. */
      code = g_strdup_printf ("c%u = (c%u or 0) + 1 return %u, c%u",
                              submitter->number, submitter->number,
                              submitter->number, submitter->number);
      result = g_isle_eval (submitter->isle, code, NULL, &error);
      if (error != NULL || !g_variant_is_of_type (result, G_VARIANT_TYPE ("(xx)")))
        continue;
      g_variant_get (result, "(xx)", &number, &count);
      if (number == (gint64) submitter->number && count == (gint64) i + 1)
        submitter->n_correct++;
    }
  return NULL;
}

static void
test_many_threads (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new ("queue-capacity", 4, NULL);
  g_autoptr(GisleTestWatchdog) watchdog = gisle_test_watchdog_new ("8 threads x 200 evals");
  GisleTestCounter ready, go;
  Submitter submitters[N_THREADS];
  GThread *threads[N_THREADS];

  gisle_test_counter_init (&ready);
  gisle_test_counter_init (&go);
  for (guint t = 0; t < N_THREADS; t++)
    {
      submitters[t] = (Submitter) { isle, &ready, &go, t, 0 };
      threads[t] = g_thread_new ("submitter", submitter_thread, &submitters[t]);
    }
  gisle_test_counter_wait (&ready, N_THREADS, "the submitters to start");
  gisle_test_counter_inc (&go);

  for (guint t = 0; t < N_THREADS; t++)
    {
      g_thread_join (threads[t]);
      g_assert_cmpuint (submitters[t].n_correct, ==, N_EVALS);
    }

  gisle_test_assert_eval (isle, "local sum = 0 for t = 0, 7 do sum = sum + _G['c' .. t] end return sum",
                          "(int64 1600,)");
  gisle_test_counter_clear (&ready);
  gisle_test_counter_clear (&go);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/queue/fifo", test_fifo);
  g_test_add_func ("/queue/async-beyond-capacity", test_async_beyond_capacity);
  g_test_add_func ("/queue/blocking-waits-for-room", test_blocking_waits_for_room);
  g_test_add_func ("/queue/many-threads", test_many_threads);

  return g_test_run ();
}
