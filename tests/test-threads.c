/* test-threads.c: many threads, many jobs, cancels from everywhere.
 *
 * These tests run under ThreadSanitizer in CI (the 'threads' suite), so
 * they must stay short there and every script that has to be stopped
 * allocates in its loop: under TSan a signal reaches a thread only when it
 * next enters an intercepted libc function, and `while true do end` never
 * does, so it could not be cancelled. `local t = {}` goes through the Lua
 * allocator (realloc) on every iteration.
 *
 * Shared test state is guarded by pthread mutexes and atomics, which TSan
 * sees, rather than GMutex (futex-based in an uninstrumented GLib).
 *
 * The random choices use a fixed seed, printed in the log; set
 * GISLE_TEST_SEED to replay another one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-test-utils.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_MS      30000
#define DEFAULT_SEED 20240601u

/* A short job that allocates, and a loop only a cancel ends. */
static const char *const work_code = "local t = {} for i = 1, 50 do t[i] = i end return #t";
static const char *const spin_code = "while true do local t = {} end";

static guint32 seed;

/* ---- Helpers --------------------------------------------------------- */

#define WAIT_UNTIL_IN GISLE_TEST_WAIT_UNTIL_IN
#define WAIT_UNTIL GISLE_TEST_WAIT_UNTIL

static double
ms_since (gint64 from_us)
{
  return (g_get_monotonic_time () - from_us) / 1000.0;
}

static GIsle *
isle_new (const char *setup_code)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                         "hard-deadline", 5000,
                         "setup-code", setup_code,
                         NULL);
  g_assert_no_error (error);
  g_assert_nonnull (isle);
  return isle;
}

static gint64
single_int64 (GVariant *value)
{
  gint64 n = G_MININT64;

  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("(x)")))
    g_variant_get (value, "(x)", &n);
  return n;
}

/* Blocking `return 1` from the calling thread. */
static void
assert_answers (GIsle *isle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval (isle, "return 1", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (single_int64 (value), ==, 1);
}

/* ---- Stress: submitters and cancellers -------------------------------- */

#define N_SUBMITTERS   4
#define N_CANCELLERS   2
#define JOBS_PER_THREAD 2000
#define WINDOW         8

typedef struct _Submitter Submitter;

typedef struct
{
  guint index;
  Submitter *owner;              /* completions run in its thread */
  gboolean spin;                 /* only a cancel ends it */
  GCancellable *cancellable;
  gint n_completions;            /* atomic */
  gboolean ok;
  gboolean cancelled;
  char *unexpected;
} StressJob;

typedef struct
{
  GIsle *isle;
  /* GCancellables (or the stop marker) for the cancellers. A pthread
   * mutex rather than a GAsyncQueue, whose locking TSan cannot see. */
  pthread_mutex_t to_cancel_lock;
  pthread_cond_t to_cancel_cond;
  GQueue to_cancel;
  StressJob *jobs;               /* N_SUBMITTERS * JOBS_PER_THREAD */
  gint n_cancel_calls;           /* atomic */
} Stress;

static void
to_cancel_push (Stress   *stress,
                gpointer  item)
{
  pthread_mutex_lock (&stress->to_cancel_lock);
  g_queue_push_tail (&stress->to_cancel, item);
  pthread_cond_signal (&stress->to_cancel_cond);
  pthread_mutex_unlock (&stress->to_cancel_lock);
}

static gpointer
to_cancel_pop (Stress *stress)
{
  gpointer item;

  pthread_mutex_lock (&stress->to_cancel_lock);
  while (g_queue_is_empty (&stress->to_cancel))
    pthread_cond_wait (&stress->to_cancel_cond, &stress->to_cancel_lock);
  item = g_queue_pop_head (&stress->to_cancel);
  pthread_mutex_unlock (&stress->to_cancel_lock);
  return item;
}

struct _Submitter
{
  Stress *stress;
  guint index;
  guint outstanding;
};

static int stop_marker;

static void
on_stress_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  StressJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  value = g_isle_eval_finish (G_ISLE (source), result, &error);
  if (g_atomic_int_add (&job->n_completions, 1) != 0)
    job->unexpected = g_strdup ("completed twice");
  else if (error == NULL && !job->spin && single_int64 (value) == 50)
    job->ok = TRUE;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    job->cancelled = TRUE;
  else
    job->unexpected = g_strdup_printf ("job %u: %s", job->index,
                                       error != NULL ? error->message : "wrong result");
  job->owner->outstanding--;
}

static gpointer
submitter_thread (gpointer data)
{
  Submitter *sub = data;
  Stress *stress = sub->stress;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed + sub->index);
  guint next = 0;

  g_main_context_push_thread_default (context);

  while (next < JOBS_PER_THREAD || sub->outstanding > 0)
    {
      if (next < JOBS_PER_THREAD && sub->outstanding < WINDOW)
        {
          StressJob *job = &stress->jobs[sub->index * JOBS_PER_THREAD + next];

          job->index = sub->index * JOBS_PER_THREAD + next;
          job->spin = g_rand_int_range (rand, 0, 50) == 0;
          job->owner = sub;
          job->cancellable = g_cancellable_new ();
          sub->outstanding++;
          next++;
          g_isle_eval_async (stress->isle, job->spin ? spin_code : work_code,
                             job->cancellable, on_stress_done, job);
          /* A spinning job is always cancelled, others now and then. */
          if (job->spin || g_rand_int_range (rand, 0, 4) == 0)
            to_cancel_push (stress, g_object_ref (job->cancellable));
        }
      else
        g_main_context_iteration (context, TRUE);
    }

  g_main_context_pop_thread_default (context);
  return NULL;
}

static gpointer
canceller_thread (gpointer data)
{
  Stress *stress = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed ^ 0x5eed ^ GPOINTER_TO_UINT (g_thread_self ()));

  for (;;)
    {
      gpointer item = to_cancel_pop (stress);
      guint delay;

      if (item == &stop_marker)
        return NULL;
      /* At a random moment: queued, running or already done. */
      delay = g_rand_int_range (rand, 0, 16);
      for (guint i = 0; i < delay; i++)
        g_thread_yield ();
      g_cancellable_cancel (item);
      g_atomic_int_inc (&stress->n_cancel_calls);
      g_object_unref (item);
    }
}

static void
test_stress (void)
{
  g_autoptr(GIsle) isle = isle_new (NULL);
  Stress stress = { isle, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, G_QUEUE_INIT, NULL, 0 };
  Submitter subs[N_SUBMITTERS];
  GThread *submitters[N_SUBMITTERS], *cancellers[N_CANCELLERS];
  guint n_ok = 0, n_cancelled = 0, n_spin = 0;
  gint64 start = g_get_monotonic_time ();

  g_test_message ("seed %u", seed);
  stress.jobs = g_new0 (StressJob, N_SUBMITTERS * JOBS_PER_THREAD);

  for (guint i = 0; i < N_CANCELLERS; i++)
    cancellers[i] = g_thread_new ("canceller", canceller_thread, &stress);
  for (guint i = 0; i < N_SUBMITTERS; i++)
    {
      subs[i] = (Submitter) { &stress, i, 0 };
      submitters[i] = g_thread_new ("submitter", submitter_thread, &subs[i]);
    }
  for (guint i = 0; i < N_SUBMITTERS; i++)
    g_thread_join (submitters[i]);
  for (guint i = 0; i < N_CANCELLERS; i++)
    to_cancel_push (&stress, &stop_marker);
  for (guint i = 0; i < N_CANCELLERS; i++)
    g_thread_join (cancellers[i]);

  for (guint i = 0; i < N_SUBMITTERS * JOBS_PER_THREAD; i++)
    {
      StressJob *job = &stress.jobs[i];

      if (job->unexpected != NULL)
        g_test_message ("job %u: %s", i, job->unexpected);
      g_assert_null (job->unexpected);
      g_assert_cmpint (g_atomic_int_get (&job->n_completions), ==, 1);
      g_assert_true (job->ok != job->cancelled);
      if (job->spin)
        {
          g_assert_true (job->cancelled);
          n_spin++;
        }
      n_ok += job->ok;
      n_cancelled += job->cancelled;
      g_object_unref (job->cancellable);
    }
  g_test_message ("%u jobs in %.1f ms: %u answered, %u cancelled (%u of them endless), "
                  "%d cancel calls",
                  N_SUBMITTERS * JOBS_PER_THREAD, ms_since (start), n_ok, n_cancelled,
                  n_spin, g_atomic_int_get (&stress.n_cancel_calls));
  g_assert_cmpuint (n_ok + n_cancelled, ==, N_SUBMITTERS * JOBS_PER_THREAD);
  g_assert_cmpuint (n_ok, >, 0);
  g_assert_cmpuint (n_cancelled, >=, n_spin);

  g_free (stress.jobs);
  g_assert_true (g_queue_is_empty (&stress.to_cancel));
  g_assert_false (g_isle_is_defunct (isle));
  assert_answers (isle);
}

/* ---- Many threads cancelling one job at once ---------------------------- */

#define N_RACERS 8
#define RACE_ROUNDS 30

typedef struct
{
  GIsle *isle;
  GCancellable *cancellable;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  gboolean go;
} Race;

typedef struct
{
  Race *race;
  guint index;
} Racer;

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;
  Race *race = racer->race;

  pthread_mutex_lock (&race->lock);
  while (!race->go)
    pthread_cond_wait (&race->cond, &race->lock);
  pthread_mutex_unlock (&race->lock);

  /* Half through the job's cancellable, half through cancel_all. */
  if (racer->index % 2 == 0)
    g_cancellable_cancel (race->cancellable);
  else
    g_isle_cancel_all (race->isle);
  return NULL;
}

static void
on_race_started (GIsle      *isle,
                 const char *name,
                 GVariant   *value,
                 gpointer    data)
{
  Race *race = data;

  pthread_mutex_lock (&race->lock);
  race->go = TRUE;
  pthread_cond_broadcast (&race->cond);
  pthread_mutex_unlock (&race->lock);
}

typedef struct
{
  guint n_calls;
  GError *error;
  GVariant *value;
} RaceOutcome;

static void
on_race_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  RaceOutcome *o = data;

  o->n_calls++;
  g_clear_error (&o->error);
  g_clear_pointer (&o->value, g_variant_unref);
  o->value = g_isle_eval_finish (G_ISLE (source), result, &o->error);
}

static void
test_cancel_same_job (void)
{
  g_autoptr(GIsle) isle = isle_new (NULL);
  gint64 start = g_get_monotonic_time ();

  for (guint round = 0; round < RACE_ROUNDS; round++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Race race = { isle, cancellable, };
      Racer racers[N_RACERS];
      GThread *threads[N_RACERS];
      RaceOutcome running = { 0, }, after = { 0, };
      gulong handler;

      pthread_mutex_init (&race.lock, NULL);
      pthread_cond_init (&race.cond, NULL);
      for (guint i = 0; i < N_RACERS; i++)
        {
          racers[i] = (Racer) { &race, i };
          threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
        }

      handler = g_signal_connect (isle, "event::started", G_CALLBACK (on_race_started), &race);
      g_isle_eval_async (isle, "isle.emit('started') while true do local t = {} end",
                         cancellable, on_race_done, &running);
      WAIT_UNTIL (running.n_calls > 0, WAIT_MS);
      g_signal_handler_disconnect (isle, handler);
      for (guint i = 0; i < N_RACERS; i++)
        g_thread_join (threads[i]);

      /* The racers are done; nothing else arrives for this job. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpuint (running.n_calls, ==, 1);
      g_assert_error (running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      /* cancel_all does not stick: the next job runs. */
      g_isle_eval_async (isle, work_code, NULL, on_race_done, &after);
      WAIT_UNTIL (after.n_calls > 0, WAIT_MS);
      g_assert_no_error (after.error);
      g_assert_cmpint (single_int64 (after.value), ==, 50);

      g_clear_error (&running.error);
      g_clear_pointer (&after.value, g_variant_unref);
      pthread_mutex_destroy (&race.lock);
      pthread_cond_destroy (&race.cond);
    }
  g_test_message ("%u rounds of %u threads cancelling one job: %.1f ms",
                  RACE_ROUNDS, N_RACERS, ms_since (start));
  assert_answers (isle);
}

/* ---- Many isles, many threads ------------------------------------------ */

#define N_ISLES 20
#define N_USERS 8
#define OPS_PER_USER 150

typedef struct
{
  GIsle *isles[N_ISLES];
  gint n_failures;               /* atomic */
  gint n_cancelled;              /* atomic */
} Archipelago;

typedef struct
{
  Archipelago *arch;
  guint index;
} User;

typedef struct
{
  gboolean done;
  GError *error;
  GVariant *value;
} UserOutcome;

static void
on_user_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  UserOutcome *o = data;

  g_assert_false (o->done);
  o->value = g_isle_eval_finish (G_ISLE (source), result, &o->error);
  o->done = TRUE;
}

static void
user_fail (User       *user,
           const char *what,
           guint       isle_index,
           GError     *error)
{
  g_printerr ("user %u, isle %u: %s: %s\n", user->index, isle_index, what,
              error != NULL ? error->message : "wrong result");
  g_atomic_int_inc (&user->arch->n_failures);
}

static gpointer
user_thread (gpointer data)
{
  User *user = data;
  Archipelago *arch = user->arch;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed + 100 + user->index);

  g_main_context_push_thread_default (context);

  for (guint op = 0; op < OPS_PER_USER; op++)
    {
      guint k = g_rand_int_range (rand, 0, N_ISLES);
      GIsle *isle = arch->isles[k];
      g_autofree char *code = g_strdup_printf ("local t = {} for i = 1, id do t[i] = i end "
                                               "return #t * 1000 + %u", op);
      gint64 expected = (gint64) (k + 1) * 1000 + op;

      if (g_rand_int_range (rand, 0, 4) != 0)
        {
          /* Blocking, from this thread. */
          g_autoptr(GError) error = NULL;
          g_autoptr(GVariant) value = g_isle_eval (isle, code, NULL, &error);

          if (error != NULL || single_int64 (value) != expected)
            user_fail (user, "blocking eval", k, error);
        }
      else
        {
          /* An endless job cancelled from here at a random moment, with
           * an ordinary one queued behind it. */
          g_autoptr(GCancellable) cancellable = g_cancellable_new ();
          UserOutcome spin = { 0, }, next = { 0, };
          guint delay = g_rand_int_range (rand, 0, 3);

          g_isle_eval_async (isle, spin_code, cancellable, on_user_done, &spin);
          g_isle_eval_async (isle, code, NULL, on_user_done, &next);
          for (guint i = 0; i < delay; i++)
            g_main_context_iteration (context, FALSE);
          g_cancellable_cancel (cancellable);
          WAIT_UNTIL_IN (context, spin.done && next.done, WAIT_MS);

          if (!g_error_matches (spin.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            user_fail (user, "cancelled eval", k, spin.error);
          else
            g_atomic_int_inc (&arch->n_cancelled);
          if (next.error != NULL || single_int64 (next.value) != expected)
            user_fail (user, "eval after a cancel", k, next.error);
          g_clear_error (&spin.error);
          g_clear_error (&next.error);
          g_clear_pointer (&spin.value, g_variant_unref);
          g_clear_pointer (&next.value, g_variant_unref);
        }
    }

  g_main_context_pop_thread_default (context);
  return NULL;
}

typedef struct
{
  Archipelago *arch;
  guint first;
} Closer;

static gpointer
closer_thread (gpointer data)
{
  Closer *closer = data;

  for (guint k = closer->first; k < N_ISLES; k += 4)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (g_isle_close (closer->arch->isles[k], NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_many_isles (void)
{
  Archipelago arch = { { NULL, }, 0, 0 };
  User users[N_USERS];
  GThread *threads[N_USERS];
  Closer closers[4];
  GThread *closer_threads[4];
  gint64 start = g_get_monotonic_time ();

  for (guint k = 0; k < N_ISLES; k++)
    {
      g_autofree char *setup = g_strdup_printf ("id = %u", k + 1);
      arch.isles[k] = isle_new (setup);
    }

  for (guint i = 0; i < N_USERS; i++)
    {
      users[i] = (User) { &arch, i };
      threads[i] = g_thread_new ("user", user_thread, &users[i]);
    }
  for (guint i = 0; i < N_USERS; i++)
    g_thread_join (threads[i]);

  g_test_message ("%u threads, %u isles, %u operations each (%d endless jobs cancelled): %.1f ms",
                  N_USERS, N_ISLES, OPS_PER_USER, g_atomic_int_get (&arch.n_cancelled),
                  ms_since (start));
  g_assert_cmpint (g_atomic_int_get (&arch.n_failures), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&arch.n_cancelled), >, 0);

  for (guint k = 0; k < N_ISLES; k++)
    {
      g_assert_false (g_isle_is_defunct (arch.isles[k]));
      assert_answers (arch.isles[k]);
    }

  /* Closed from four threads at once. */
  for (guint i = 0; i < 4; i++)
    {
      closers[i] = (Closer) { &arch, i };
      closer_threads[i] = g_thread_new ("closer", closer_thread, &closers[i]);
    }
  for (guint i = 0; i < 4; i++)
    g_thread_join (closer_threads[i]);
  for (guint k = 0; k < N_ISLES; k++)
    {
      g_assert_true (g_isle_is_closed (arch.isles[k]));
      g_object_unref (arch.isles[k]);
    }
}

/* GLib allocates some internal locks and lazily set-up state on first use,
 * publishing it through its own uninstrumented atomics. Take both cancel
 * paths (a running job, a queued job) once here, on one thread, before the
 * tests start many. */
static void
warm_up_cancel_paths (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = g_isle_new (NULL, &error);
  g_autoptr(GCancellable) running = g_cancellable_new ();
  g_autoptr(GCancellable) queued = g_cancellable_new ();

  g_assert_no_error (error);
  g_isle_eval_async (isle, "isle.sleep(10)", running, NULL, NULL);
  g_isle_eval_async (isle, "return 1", queued, NULL, NULL);
  g_cancellable_cancel (queued);
  g_cancellable_cancel (running);
  g_assert_true (g_isle_close (isle, NULL, &error));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int   argc,
      char *argv[])
{
  const char *env_seed = g_getenv ("GISLE_TEST_SEED");

  g_test_init (&argc, &argv, NULL);
  /* Class initialization publishes through GLib's own (uninstrumented)
   * synchronisation: do it here, before any test thread exists, so TSan
   * does not report the first use of a class from a thread. */
  g_object_unref (g_cancellable_new ());
  warm_up_cancel_paths ();
  seed = env_seed != NULL ? (guint32) strtoul (env_seed, NULL, 10) : DEFAULT_SEED;

  g_test_add_func ("/threads/stress", test_stress);
  g_test_add_func ("/threads/cancel-same-job", test_cancel_same_job);
  g_test_add_func ("/threads/many-isles", test_many_isles);

  return g_test_run ();
}
