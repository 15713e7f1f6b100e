/* test-executor.c: many isles on a few shared threads (GIsleExecutor).
 *
 * Isles created with GIsle:executor have no thread of their own; the
 * executor's threads take turns running them, one job at a time. These
 * tests check what that must not change (job order, one thread per isle
 * at a time, cancellation, deadlines, output, host functions, closing)
 * and what it adds (sharing, fairness between isles, replacing a stuck
 * thread, lookup by name, the threads' lifetime).
 *
 * They run under ThreadSanitizer in CI (the 'threads' suite): every script
 * that has to be cancelled allocates in its loop (`local t = {}`), because
 * under TSan a signal reaches a thread only when it next enters an
 * intercepted libc function. State shared with callbacks on executor
 * threads is guarded by pthread mutexes and atomics, which TSan sees.
 *
 * Nothing sleeps to synchronise: waits iterate the main context until a
 * condition holds and fail after GISLE_TEST_TIMEOUT_S seconds. Two checks
 * need to show that something does *not* happen (a short job waits while
 * every executor thread is busy); they watch for one second, and an
 * ordering check independent of time backs them.
 *
 * The /executor/defunct/ cases make an executor thread stuck in a
 * finalizer on purpose. The finalizer polls a flag from C, so the test can
 * let the thread go at the end and nothing is left behind for valgrind; if
 * such a case fails half-way, its thread stays stuck (deliberately
 * abandoned) and valgrind reports it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <gisle.h>

#include <lua.h>
#include <lauxlib.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gisle-test-utils.h"

/* GMainContext's own (uninstrumented) mutex orders the changes to a
 * context's table of sources, which GLib reallocates as sources come and
 * go: the library says so around the sources it attaches from executor
 * threads (gisle_source_attach() in lib/gisle-lock-private.h), and the
 * test says so around everything the main thread does with the default
 * context. Without it TSan reports a g_realloc() of that table from an
 * executor thread as racing with one from the main thread. */
#if defined(__SANITIZE_THREAD__)
# define TEST_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define TEST_TSAN 1
# endif
#endif

#ifdef TEST_TSAN
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
# define CONTEXT_ACQUIRE() __tsan_acquire (g_main_context_default ())
# define CONTEXT_RELEASE() __tsan_release (g_main_context_default ())
#else
# define CONTEXT_ACQUIRE() ((void) 0)
# define CONTEXT_RELEASE() ((void) 0)
#endif

/* One iteration of the default main context, and attaching and removing
 * the test's own sources there. */
static void
iterate (void)
{
  CONTEXT_ACQUIRE ();
  g_main_context_iteration (NULL, TRUE);
  CONTEXT_RELEASE ();
}

static void
source_attach (GSource *source)
{
  CONTEXT_ACQUIRE ();
  g_source_attach (source, NULL);
  CONTEXT_RELEASE ();
}

static void
source_remove (GSource *source)
{
  CONTEXT_ACQUIRE ();
  g_source_destroy (source);
  g_source_unref (source);
  CONTEXT_RELEASE ();
}

/* A loop only a cancel ends; it says when it runs. */
static const char *const spin_code = "isle.emit('started') while true do local t = {} end";

/* ---- Waiting ---------------------------------------------------------- */

static gboolean
on_flag_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @cond holds; fails after the
 * test timeout. A 5 ms tick re-checks conditions that other threads change
 * without waking the context (the executor's isle count, /proc). */
#define WAIT_UNTIL(cond, what)                                                \
  G_STMT_START {                                                              \
    gboolean timed_out_ = FALSE;                                              \
    GSource *timeout_ = g_timeout_source_new_seconds (GISLE_TEST_TIMEOUT_S);  \
    GSource *tick_ = g_timeout_source_new (5);                                \
    g_source_set_callback (timeout_, on_flag_timeout, &timed_out_, NULL);     \
    g_source_set_callback (tick_, on_tick, NULL, NULL);                       \
    source_attach (timeout_);                                                 \
    source_attach (tick_);                                                    \
    while (!(cond) && !timed_out_)                                            \
      iterate ();                                                             \
    source_remove (timeout_);                                                 \
    source_remove (tick_);                                                    \
    if (!(cond))                                                              \
      g_error ("Timed out after %d s waiting for %s (%s)",                    \
               GISLE_TEST_TIMEOUT_S, (what), #cond);                          \
  } G_STMT_END

/* Iterates the default main context until *@flag is set or @ms pass;
 * returns whether it was set. For a known bug that would otherwise hang. */
static gboolean
wait_until_bounded (gint *flag,
                    guint ms)
{
  gboolean over = FALSE;
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, on_flag_timeout, &over, NULL);
  source_attach (source);
  while (!g_atomic_int_get (flag) && !over)
    iterate ();
  source_remove (source);
  return g_atomic_int_get (flag);
}

/* Runs the default main context for @ms: only to show that something does
 * NOT happen meanwhile (never to wait for something). */
static void
watch_for_ms (guint ms)
{
  gboolean over = FALSE;
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, on_flag_timeout, &over, NULL);
  source_attach (source);
  while (!over)
    iterate ();
  source_remove (source);
}

/* ---- Outcomes of asynchronous calls ---------------------------------- */

typedef struct
{
  gint done;                     /* atomic */
  GVariant *value;
  GError *error;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->value, g_variant_unref);
  g_clear_error (&o->error);
  g_atomic_int_set (&o->done, 0);
}

static void
on_eval_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Outcome *o = data;

  g_assert_false (g_atomic_int_get (&o->done));
  o->value = g_isle_eval_finish (G_ISLE (source), result, &o->error);
  g_atomic_int_set (&o->done, 1);
}

static void
on_eval_full_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Outcome *o = data;

  g_assert_false (g_atomic_int_get (&o->done));
  o->value = g_isle_eval_full_finish (G_ISLE (source), result, &o->error);
  g_atomic_int_set (&o->done, 1);
}

static void
on_exec_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Outcome *o = data;

  g_assert_false (g_atomic_int_get (&o->done));
  o->value = g_isle_exec_finish (G_ISLE (source), result, &o->error);
  g_atomic_int_set (&o->done, 1);
}

static void
eval_async (GIsle        *isle,
            const char   *code,
            GCancellable *cancellable,
            Outcome      *o)
{
  g_isle_eval_async (isle, code, cancellable, on_eval_done, o);
}

static void
exec_async (GIsle         *isle,
            GIsleExecFunc  func,
            gpointer       data,
            Outcome       *o)
{
  g_isle_exec_async (isle, func, data, NULL, NULL, on_exec_done, o);
}

static gint64
single_int64 (GVariant *value)
{
  gint64 n = G_MININT64;

  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("(x)")))
    g_variant_get (value, "(x)", &n);
  return n;
}

/* ---- Isles and threads ------------------------------------------------ */

/* An isle on @executor. A generous hard deadline: cancelled loops stop in
 * about a millisecond, but TSan and valgrind slow everything down. */
static GIsle *
isle_on (GIsleExecutor *executor,
         const char    *name)
{
  return gisle_test_isle_new ("executor", executor,
                              "name", name,
                              "hard-deadline", 5000,
                              NULL);
}

static GIsle *
isle_on_with_setup (GIsleExecutor *executor,
                    const char    *setup_code)
{
  return gisle_test_isle_new ("executor", executor,
                              "setup-code", setup_code,
                              "hard-deadline", 5000,
                              NULL);
}

static void
on_started_event (GIsle      *isle,
                  const char *name,
                  GVariant   *value,
                  gpointer    data)
{
  g_atomic_int_inc ((gint *) data);
}

/* Starts @spin_code on @isle and waits until it runs, which means one
 * executor thread is now busy with it. */
static void
start_spinning (GIsle        *isle,
                GCancellable *cancellable,
                Outcome      *o)
{
  gint started = 0;
  gulong handler;

  handler = g_signal_connect (isle, "event::started", G_CALLBACK (on_started_event), &started);
  eval_async (isle, spin_code, cancellable, o);
  WAIT_UNTIL (g_atomic_int_get (&started) > 0, "a spinning job to start");
  g_signal_handler_disconnect (isle, handler);
  g_assert_false (g_atomic_int_get (&o->done));
}

static void
assert_cancelled (Outcome *o)
{
  WAIT_UNTIL (g_atomic_int_get (&o->done), "a cancelled job to end");
  g_assert_error (o->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (o->value);
}

static pid_t
os_thread_id (void)
{
  return (pid_t) syscall (SYS_gettid);
}

static gboolean
os_thread_exists (pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d", (int) tid);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
os_thread_name (pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/comm", (int) tid);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return g_strchomp (text);
}

/* The threads of this process whose name starts with "gisle-exec". */
static GArray *
executor_threads_now (void)
{
  GArray *tids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      pid_t tid = (pid_t) atoi (entry);
      g_autofree char *name = os_thread_name (tid);

      if (g_str_has_prefix (name, "gisle-exec"))
        g_array_append_val (tids, tid);
    }
  g_dir_close (dir);
  return tids;
}

static gboolean
tid_in (GArray *tids,
        pid_t   tid)
{
  for (guint i = 0; i < tids->len; i++)
    if (g_array_index (tids, pid_t, i) == tid)
      return TRUE;
  return FALSE;
}

/* Fills @found with the executor threads not in @before. */
static guint
new_executor_threads (GArray *before,
                      GArray *found)
{
  g_autoptr(GArray) now = executor_threads_now ();

  g_array_set_size (found, 0);
  for (guint i = 0; i < now->len; i++)
    if (!tid_in (before, g_array_index (now, pid_t, i)))
      g_array_append_val (found, g_array_index (now, pid_t, i));
  return found->len;
}

/* Waits until every executor thread started since @before has ended. */
static void
wait_executor_threads_gone (GArray *before)
{
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (pid_t));

  WAIT_UNTIL (new_executor_threads (before, found) == 0, "the executor's threads to end");
}

/* Creates an executor and returns the threads it started. */
static GIsleExecutor *
executor_new_tracked (guint    n_threads,
                      GArray **threads)
{
  g_autoptr(GArray) before = executor_threads_now ();
  GIsleExecutor *executor = g_isle_executor_new (n_threads);

  g_assert_cmpuint (g_isle_executor_get_n_threads (executor), ==, n_threads);
  /* A new thread names itself once it runs. */
  *threads = g_array_new (FALSE, FALSE, sizeof (pid_t));
  WAIT_UNTIL (new_executor_threads (before, *threads) == n_threads,
              "the executor's threads to start");
  return executor;
}

static gboolean
none_exists (GArray *tids)
{
  for (guint i = 0; i < tids->len; i++)
    if (os_thread_exists (g_array_index (tids, pid_t, i)))
      return FALSE;
  return TRUE;
}

/* Thread ids seen by exec callbacks, shared with executor threads. */
typedef struct
{
  pthread_mutex_t lock;
  GHashTable *tids;              /* pid_t -> thread name */
  GHashTable *gthreads;          /* GThread * set */
  gint calls;                    /* atomic */
} ThreadLog;

static void
thread_log_init (ThreadLog *log)
{
  pthread_mutex_init (&log->lock, NULL);
  log->tids = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  log->gthreads = g_hash_table_new (NULL, NULL);
  log->calls = 0;
}

static void
thread_log_clear (ThreadLog *log)
{
  g_hash_table_unref (log->tids);
  g_hash_table_unref (log->gthreads);
  pthread_mutex_destroy (&log->lock);
}

static void
thread_log_record (ThreadLog *log)
{
  pid_t tid = os_thread_id ();

  pthread_mutex_lock (&log->lock);
  if (!g_hash_table_contains (log->tids, GINT_TO_POINTER (tid)))
    g_hash_table_insert (log->tids, GINT_TO_POINTER (tid), os_thread_name (tid));
  g_hash_table_add (log->gthreads, g_thread_self ());
  pthread_mutex_unlock (&log->lock);
  g_atomic_int_inc (&log->calls);
}

static guint
thread_log_n_threads (ThreadLog *log)
{
  guint n;

  pthread_mutex_lock (&log->lock);
  n = g_hash_table_size (log->tids);
  g_assert_cmpuint (g_hash_table_size (log->gthreads), ==, n);
  pthread_mutex_unlock (&log->lock);
  return n;
}

static GVariant *
record_thread_job (GIsle      *isle,
                   lua_State  *L,
                   gpointer    data,
                   GError    **error)
{
  g_assert_nonnull (L);
  thread_log_record (data);
  return NULL;
}

/* ---- Order and exclusion ---------------------------------------------- */

#define FIFO_JOBS 1000

typedef struct
{
  guint next;                    /* main thread only */
  guint n_done;
  guint n_noise_done;
} Fifo;

typedef struct
{
  Fifo *fifo;
  guint index;
} FifoJob;

static void
on_fifo_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  FifoJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);

  g_assert_no_error (error);
  g_assert_cmpint (single_int64 (value), ==, job->index);
  /* Completions arrive in submission order too. */
  g_assert_cmpuint (job->fifo->next, ==, job->index);
  job->fifo->next++;
  job->fifo->n_done++;
}

static void
on_noise_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Fifo *fifo = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);

  g_assert_no_error (error);
  fifo->n_noise_done++;
}

/* 1000 async evals on one isle append to a table in order, while another
 * isle keeps the executor's second thread busy so the first one moves
 * between threads. */
static void
test_fifo (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) isle = isle_on_with_setup (executor, "log = {}");
  g_autoptr(GIsle) noise = isle_on (executor, NULL);
  g_autofree FifoJob *jobs = g_new0 (FifoJob, FIFO_JOBS);
  Fifo fifo = { 0, };

  for (guint i = 0; i < FIFO_JOBS; i++)
    {
      g_autofree char *code = g_strdup_printf ("log[#log + 1] = %u return %u", i, i);

      jobs[i].fifo = &fifo;
      jobs[i].index = i;
      g_isle_eval_async (isle, code, NULL, on_fifo_done, &jobs[i]);
      g_isle_eval_async (noise, "local t = {} for i = 1, 100 do t[i] = i end return #t",
                         NULL, on_noise_done, &fifo);
    }

  WAIT_UNTIL (fifo.n_done == FIFO_JOBS && fifo.n_noise_done == FIFO_JOBS,
              "1000 jobs on each of two isles");
  gisle_test_assert_eval (isle,
                          "for i = 1, #log do\n"
                          "  if log[i] ~= i - 1 then return #log, i end\n"
                          "end\n"
                          "return #log, 0",
                          "(int64 1000, int64 0)");
}

#define EXCL_SUBMITTERS 4
#define EXCL_JOBS       150

typedef struct
{
  GIsle *isle;
  gint inside;                   /* atomic: exec callbacks running now */
  gint overlaps;                 /* atomic */
  gint n_exec;                   /* atomic */
  ThreadLog threads;
} Exclusive;

/* Checks that it is alone on the isle, and does some Lua work meanwhile
 * so that an overlap would have time to show. */
static GVariant *
exclusive_job (GIsle      *isle,
               lua_State  *L,
               gpointer    data,
               GError    **error)
{
  Exclusive *ex = data;
  lua_Integer counter;

  if (g_atomic_int_add (&ex->inside, 1) != 0)
    g_atomic_int_inc (&ex->overlaps);
  thread_log_record (&ex->threads);

  lua_getglobal (L, "counter");
  counter = lua_tointeger (L, -1);
  lua_pop (L, 1);
  if (luaL_dostring (L, "local t = {} for i = 1, 200 do t[i] = tostring(i) end") != LUA_OK)
    g_error ("exclusive job: %s", lua_tostring (L, -1));
  lua_pushinteger (L, counter + 1);
  lua_setglobal (L, "counter");

  g_atomic_int_inc (&ex->n_exec);
  if (g_atomic_int_add (&ex->inside, -1) != 1)
    g_atomic_int_inc (&ex->overlaps);
  return NULL;
}

/* The same check from Lua: a read-modify-write of a global that another
 * thread in the same state would break. */
static const char *const lua_exclusive_code =
  "local c = counter\n"
  "local t = {} for i = 1, 200 do t[i] = tostring(i) end\n"
  "counter = c + 1\n"
  "return counter";

static gpointer
exclusive_submitter (gpointer data)
{
  Exclusive *ex = data;

  for (guint i = 0; i < EXCL_JOBS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = NULL;

      if (i % 2 == 0)
        value = g_isle_exec (ex->isle, exclusive_job, ex, NULL, &error);
      else
        value = g_isle_eval (ex->isle, lua_exclusive_code, NULL, &error);
      g_assert_no_error (error);
    }
  return NULL;
}

/* Jobs on one isle submitted from several threads (blocking) and from the
 * main thread (async) never run on two threads at once, although the
 * isle moves between the executor's threads. */
static void
test_exclusive (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) isle = isle_on_with_setup (executor, "counter = 0");
  g_autoptr(GIsle) noise = isle_on (executor, NULL);
  GThread *submitters[EXCL_SUBMITTERS];
  Outcome async_jobs[EXCL_JOBS] = { { 0, }, };
  Outcome noise_jobs[EXCL_JOBS] = { { 0, }, };
  Exclusive ex = { 0, };
  guint n_threads;

  ex.isle = isle;
  thread_log_init (&ex.threads);

  for (guint i = 0; i < EXCL_SUBMITTERS; i++)
    submitters[i] = g_thread_new ("submitter", exclusive_submitter, &ex);
  for (guint i = 0; i < EXCL_JOBS; i++)
    {
      exec_async (isle, exclusive_job, &ex, &async_jobs[i]);
      eval_async (noise, "local t = {} for i = 1, 200 do t[i] = i end", NULL, &noise_jobs[i]);
    }
  for (guint i = 0; i < EXCL_SUBMITTERS; i++)
    g_thread_join (submitters[i]);
  for (guint i = 0; i < EXCL_JOBS; i++)
    {
      WAIT_UNTIL (g_atomic_int_get (&async_jobs[i].done), "async exec jobs");
      g_assert_no_error (async_jobs[i].error);
      WAIT_UNTIL (g_atomic_int_get (&noise_jobs[i].done), "noise jobs");
      g_assert_no_error (noise_jobs[i].error);
      outcome_clear (&async_jobs[i]);
      outcome_clear (&noise_jobs[i]);
    }

  n_threads = thread_log_n_threads (&ex.threads);
  g_test_message ("one isle ran on %u executor thread(s)", n_threads);
  g_assert_cmpint (g_atomic_int_get (&ex.overlaps), ==, 0);
  g_assert_cmpuint (n_threads, >=, 1);
  g_assert_cmpuint (n_threads, <=, 2);
  g_assert_cmpint (g_atomic_int_get (&ex.n_exec), ==,
                   EXCL_JOBS + EXCL_SUBMITTERS * (EXCL_JOBS / 2));
  {
    g_autofree char *expected =
      g_strdup_printf ("(int64 %u,)", EXCL_JOBS + EXCL_SUBMITTERS * EXCL_JOBS);
    gisle_test_assert_eval (isle, "return counter", expected);
  }
  thread_log_clear (&ex.threads);
}

/* ---- Sharing ------------------------------------------------------------ */

#define N_SHARING 20
#define SHARING_ROUNDS 5

/* Every thread of the process now. */
static GArray *
process_threads_now (void)
{
  GArray *tids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      pid_t tid = (pid_t) atoi (entry);
      g_array_append_val (tids, tid);
    }
  g_dir_close (dir);
  return tids;
}

/* 20 isles on a 2-thread executor run on at most 2 distinct OS threads,
 * the executor's own, and adding them starts no thread. */
static void
test_share_threads (void)
{
  g_autoptr(GArray) executor_threads = NULL;
  g_autoptr(GIsleExecutor) executor = executor_new_tracked (2, &executor_threads);
  GIsle *isles[N_SHARING];
  Outcome outcomes[N_SHARING][SHARING_ROUNDS] = { { { 0, }, }, };
  ThreadLog log;
  g_autoptr(GArray) threads_before = NULL;
  g_autoptr(GArray) threads_after = NULL;
  guint n_new_threads = 0;
  GHashTableIter iter;
  gpointer key, value;

  thread_log_init (&log);
  threads_before = process_threads_now ();

  for (guint i = 0; i < N_SHARING; i++)
    {
      g_autofree char *name = g_strdup_printf ("isle-%u", i);
      isles[i] = isle_on (executor, name);
    }
  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, N_SHARING);

  for (guint r = 0; r < SHARING_ROUNDS; r++)
    for (guint i = 0; i < N_SHARING; i++)
      exec_async (isles[i], record_thread_job, &log, &outcomes[i][r]);
  for (guint i = 0; i < N_SHARING; i++)
    for (guint r = 0; r < SHARING_ROUNDS; r++)
      {
        WAIT_UNTIL (g_atomic_int_get (&outcomes[i][r].done), "exec jobs on 20 isles");
        g_assert_no_error (outcomes[i][r].error);
        outcome_clear (&outcomes[i][r]);
      }

  /* No isle thread started meanwhile. (Threads of earlier tests may end,
   * and GLib starts its GTask pool thread on first use.) */
  threads_after = process_threads_now ();
  for (guint i = 0; i < threads_after->len; i++)
    {
      pid_t tid = g_array_index (threads_after, pid_t, i);
      g_autofree char *name = os_thread_name (tid);

      if (!tid_in (threads_before, tid) && g_str_has_prefix (name, "gisle"))
        {
          g_test_message ("new thread: %s", name);
          n_new_threads++;
        }
    }
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, N_SHARING * SHARING_ROUNDS);
  g_test_message ("%u isles x %u jobs ran on %u OS thread(s); %u new thread(s) in the process",
                  N_SHARING, SHARING_ROUNDS, thread_log_n_threads (&log), n_new_threads);
  g_assert_cmpuint (thread_log_n_threads (&log), >=, 1);
  g_assert_cmpuint (thread_log_n_threads (&log), <=, 2);
  g_assert_cmpuint (n_new_threads, ==, 0);

  g_hash_table_iter_init (&iter, log.tids);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_cmpint (GPOINTER_TO_INT (key), !=, os_thread_id ());
      g_assert_true (tid_in (executor_threads, GPOINTER_TO_INT (key)));
      gisle_test_assert_prefix (value, "gisle-exec");
    }
  g_assert_false (g_hash_table_contains (log.gthreads, g_thread_self ()));

  for (guint i = 0; i < N_SHARING; i++)
    g_object_unref (isles[i]);
  thread_log_clear (&log);
}

/* ---- Fairness ------------------------------------------------------------ */

typedef struct
{
  gint released;                 /* atomic: set just before the cancel */
  gint released_when_run;        /* atomic: -1 until the job ran */
} Order;

static GVariant *
check_order_job (GIsle      *isle,
                 lua_State  *L,
                 gpointer    data,
                 GError    **error)
{
  Order *order = data;

  g_atomic_int_set (&order->released_when_run, g_atomic_int_get (&order->released));
  return g_variant_new ("(x)", (gint64) 1);
}

/* With both threads of a 2-thread executor in long jobs, a short job on a
 * third isle waits until one of them ends. */
static void
test_fairness_busy (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) a = isle_on (executor, "a");
  g_autoptr(GIsle) b = isle_on (executor, "b");
  g_autoptr(GIsle) c = isle_on (executor, "c");
  g_autoptr(GCancellable) cancel_a = g_cancellable_new ();
  g_autoptr(GCancellable) cancel_b = g_cancellable_new ();
  Outcome oa = { 0, }, ob = { 0, }, oc = { 0, }, od = { 0, };
  Order order = { 0, -1 };

  start_spinning (a, cancel_a, &oa);
  start_spinning (b, cancel_b, &ob);

  /* Both threads are busy: the short job is queued and does not run. */
  exec_async (c, check_order_job, &order, &oc);
  eval_async (c, "return 2", NULL, &od);
  watch_for_ms (1000);
  g_assert_false (g_atomic_int_get (&oc.done));
  g_assert_false (g_atomic_int_get (&od.done));
  g_assert_cmpint (g_atomic_int_get (&order.released_when_run), ==, -1);

  /* Ending one long job frees a thread for it. */
  g_atomic_int_set (&order.released, 1);
  g_cancellable_cancel (cancel_a);
  WAIT_UNTIL (g_atomic_int_get (&oc.done) && g_atomic_int_get (&od.done),
              "the short jobs after a thread was freed");
  g_assert_no_error (oc.error);
  gisle_test_assert_variant (oc.value, "(int64 1,)");
  gisle_test_assert_variant (od.value, "(int64 2,)");
  g_assert_cmpint (g_atomic_int_get (&order.released_when_run), ==, 1);
  assert_cancelled (&oa);

  /* The other long job still runs all along. */
  g_assert_false (g_atomic_int_get (&ob.done));
  g_cancellable_cancel (cancel_b);
  assert_cancelled (&ob);

  outcome_clear (&oa);
  outcome_clear (&ob);
  outcome_clear (&oc);
  outcome_clear (&od);
}

/* With a third thread, the short job completes while both long jobs still
 * run. */
static void
test_fairness_spare (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (3);
  g_autoptr(GIsle) a = isle_on (executor, "a");
  g_autoptr(GIsle) b = isle_on (executor, "b");
  g_autoptr(GIsle) c = isle_on (executor, "c");
  g_autoptr(GCancellable) cancel_a = g_cancellable_new ();
  g_autoptr(GCancellable) cancel_b = g_cancellable_new ();
  Outcome oa = { 0, }, ob = { 0, }, oc = { 0, };

  start_spinning (a, cancel_a, &oa);
  start_spinning (b, cancel_b, &ob);

  eval_async (c, "return 1", NULL, &oc);
  WAIT_UNTIL (g_atomic_int_get (&oc.done), "a short job next to two long ones");
  g_assert_no_error (oc.error);
  gisle_test_assert_variant (oc.value, "(int64 1,)");
  g_assert_false (g_atomic_int_get (&oa.done));
  g_assert_false (g_atomic_int_get (&ob.done));

  g_cancellable_cancel (cancel_a);
  g_cancellable_cancel (cancel_b);
  assert_cancelled (&oa);
  assert_cancelled (&ob);
  outcome_clear (&oa);
  outcome_clear (&ob);
  outcome_clear (&oc);
}

/* Isles take turns one job at a time: on a 1-thread executor, a job
 * submitted to a second isle behind 100 jobs of the first runs right after
 * the first isle's current job, not after all of them. */
#define TURN_JOBS 100

typedef struct
{
  pthread_mutex_t lock;
  pthread_cond_t cond;
  gboolean entered;
  gboolean released;
  GString *log;                  /* which isle ran, in order: "A", "B" */
} Turns;

static GVariant *
turns_gate_job (GIsle      *isle,
                lua_State  *L,
                gpointer    data,
                GError    **error)
{
  Turns *turns = data;

  pthread_mutex_lock (&turns->lock);
  g_string_append_c (turns->log, 'A');
  turns->entered = TRUE;
  pthread_cond_broadcast (&turns->cond);
  while (!turns->released)
    pthread_cond_wait (&turns->cond, &turns->lock);
  pthread_mutex_unlock (&turns->lock);
  return NULL;
}

static GVariant *
turns_log_job (GIsle      *isle,
               lua_State  *L,
               gpointer    data,
               GError    **error)
{
  Turns *turns = data;
  const char *which = g_isle_get_name (isle);

  pthread_mutex_lock (&turns->lock);
  g_string_append (turns->log, which);
  pthread_mutex_unlock (&turns->lock);
  return NULL;
}

static gboolean
turns_entered (Turns *turns)
{
  gboolean entered;

  pthread_mutex_lock (&turns->lock);
  entered = turns->entered;
  pthread_mutex_unlock (&turns->lock);
  return entered;
}

static void
test_fairness_turns (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_on (executor, "A");
  g_autoptr(GIsle) b = isle_on (executor, "B");
  Outcome gate = { 0, }, ob = { 0, };
  Outcome *oa = g_new0 (Outcome, TURN_JOBS);
  Turns turns;

  pthread_mutex_init (&turns.lock, NULL);
  pthread_cond_init (&turns.cond, NULL);
  turns.entered = turns.released = FALSE;
  turns.log = g_string_new (NULL);

  /* A holds the only thread until every job is queued. */
  exec_async (a, turns_gate_job, &turns, &gate);
  WAIT_UNTIL (turns_entered (&turns), "the gate job to start");
  for (guint i = 0; i < TURN_JOBS; i++)
    exec_async (a, turns_log_job, &turns, &oa[i]);
  exec_async (b, turns_log_job, &turns, &ob);

  pthread_mutex_lock (&turns.lock);
  turns.released = TRUE;
  pthread_cond_broadcast (&turns.cond);
  pthread_mutex_unlock (&turns.lock);

  WAIT_UNTIL (g_atomic_int_get (&ob.done) && g_atomic_int_get (&oa[TURN_JOBS - 1].done),
              "all jobs of both isles");
  /* A's gate job, then B's one job, then A's 100 queued jobs. */
  g_test_message ("turns: %.8s...", turns.log->str);
  g_assert_cmpuint (turns.log->len, ==, TURN_JOBS + 2);
  g_assert_cmpint (turns.log->str[0], ==, 'A');
  g_assert_cmpint (turns.log->str[1], ==, 'B');
  g_assert_null (strchr (turns.log->str + 2, 'B'));

  outcome_clear (&gate);
  outcome_clear (&ob);
  for (guint i = 0; i < TURN_JOBS; i++)
    {
      WAIT_UNTIL (g_atomic_int_get (&oa[i].done), "A's jobs");
      g_assert_no_error (oa[i].error);
      outcome_clear (&oa[i]);
    }
  g_free (oa);
  g_string_free (turns.log, TRUE);
  pthread_cond_destroy (&turns.cond);
  pthread_mutex_destroy (&turns.lock);
}

/* ---- What behaves as with a dedicated thread ---------------------------- */

static void
test_cancel (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_on (executor, NULL);
  g_autoptr(GIsle) other = isle_on (executor, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) queued_cancellable = g_cancellable_new ();
  Outcome spin = { 0, }, queued = { 0, }, behind = { 0, }, o = { 0, };

  /* A running job, and a queued one cancelled before it runs. */
  start_spinning (isle, cancellable, &spin);
  eval_async (isle, "ran = true return 1", queued_cancellable, &queued);
  g_cancellable_cancel (queued_cancellable);
  WAIT_UNTIL (g_atomic_int_get (&queued.done), "a cancelled queued job");
  g_assert_error (queued.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_atomic_int_get (&spin.done));

  g_cancellable_cancel (cancellable);
  assert_cancelled (&spin);
  gisle_test_assert_alive (isle);
  gisle_test_assert_eval (isle, "return ran == nil", "(true,)");
  outcome_clear (&spin);
  outcome_clear (&queued);

  /* cancel_all: the running job and the queued ones. */
  g_cancellable_reset (cancellable);
  start_spinning (isle, NULL, &spin);
  eval_async (isle, "ran = true return 1", NULL, &queued);
  eval_async (isle, "ran = true return 2", NULL, &behind);
  g_isle_cancel_all (isle);
  assert_cancelled (&spin);
  assert_cancelled (&queued);
  assert_cancelled (&behind);
  gisle_test_assert_eval (isle, "return ran == nil", "(true,)");
  outcome_clear (&spin);
  outcome_clear (&queued);
  outcome_clear (&behind);

  /* The only executor thread goes on to another isle after a cancel: a
   * CPU-bound job there must not be hit by a late cancellation. */
  start_spinning (isle, cancellable, &spin);
  eval_async (other,
              "local s = 0 for i = 1, 3e6 do s = s + i % 7 end return s",
              NULL, &o);
  g_cancellable_cancel (cancellable);
  assert_cancelled (&spin);
  WAIT_UNTIL (g_atomic_int_get (&o.done), "a job on another isle after a cancel");
  g_assert_no_error (o.error);
  gisle_test_assert_alive (isle);
  gisle_test_assert_alive (other);
  outcome_clear (&spin);
  outcome_clear (&o);
}

static void
test_timeout (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = gisle_test_isle_new ("executor", executor,
                                               "default-timeout", 300,
                                               "hard-deadline", 5000,
                                               NULL);
  g_autoptr(GIsle) hog = isle_on (executor, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Outcome spin = { 0, }, waiting = { 0, }, o = { 0, };

  /* The default timeout. */
  value = g_isle_eval (isle, "while true do local t = {} end", NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (value);
  g_clear_error (&error);
  gisle_test_assert_alive (isle);

  /* A job's own time limit. */
  g_isle_eval_full_async (hog, "while true do local t = {} end", "spin", 200, NULL,
                          on_eval_full_done, &o);
  WAIT_UNTIL (g_atomic_int_get (&o.done), "a job's own time limit");
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  outcome_clear (&o);
  gisle_test_assert_alive (hog);

  /* The limit counts from when the job runs, not while it waits for an
   * executor thread: 1 s in line does not use up a 300 ms limit. */
  start_spinning (hog, cancellable, &spin);
  eval_async (isle, "return 'in time'", NULL, &waiting);
  watch_for_ms (1000);
  g_assert_false (g_atomic_int_get (&waiting.done));
  g_cancellable_cancel (cancellable);
  assert_cancelled (&spin);
  WAIT_UNTIL (g_atomic_int_get (&waiting.done), "the job that waited in line");
  g_assert_no_error (waiting.error);
  gisle_test_assert_variant (waiting.value, "('in time',)");
  outcome_clear (&spin);
  outcome_clear (&waiting);
}

typedef struct
{
  GString *text;
  guint n_wrong_thread;
  guint n_after_done;            /* output seen after the job completed */
  Outcome *outcome;
} OutputLog;

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     data)
{
  OutputLog *log = data;

  if (g_thread_self () != (GThread *) g_object_get_data (G_OBJECT (isle), "main-thread"))
    log->n_wrong_thread++;
  if (g_atomic_int_get (&log->outcome->done))
    log->n_after_done++;
  g_string_append_printf (log->text, "%s%s", stream == G_ISLE_STREAM_STDERR ? "!" : "", text);
}

#define N_PRINTERS 8

/* Output of isles sharing threads reaches each isle's own handler, in the
 * main context, before the job's completion. */
static void
test_output (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  GIsle *isles[N_PRINTERS];
  OutputLog logs[N_PRINTERS];
  Outcome outcomes[N_PRINTERS] = { { 0, }, };

  for (guint i = 0; i < N_PRINTERS; i++)
    {
      isles[i] = isle_on (executor, NULL);
      g_object_set_data (G_OBJECT (isles[i]), "main-thread", g_thread_self ());
      logs[i].text = g_string_new (NULL);
      logs[i].n_wrong_thread = logs[i].n_after_done = 0;
      logs[i].outcome = &outcomes[i];
      g_signal_connect (isles[i], "output", G_CALLBACK (on_output), &logs[i]);
    }
  for (guint i = 0; i < N_PRINTERS; i++)
    {
      g_autofree char *code =
        g_strdup_printf ("for i = 1, 50 do io.write(%u, ':', i, ' ') end print() "
                         "io.stderr:write('e%u') return %u", i, i, i);
      eval_async (isles[i], code, NULL, &outcomes[i]);
    }
  for (guint i = 0; i < N_PRINTERS; i++)
    {
      g_autoptr(GString) expected = g_string_new (NULL);
      g_autofree char *value_text = g_strdup_printf ("(int64 %u,)", i);

      for (guint j = 1; j <= 50; j++)
        g_string_append_printf (expected, "%u:%u ", i, j);
      g_string_append_printf (expected, "\n!e%u", i);

      WAIT_UNTIL (g_atomic_int_get (&outcomes[i].done), "jobs that print");
      g_assert_no_error (outcomes[i].error);
      gisle_test_assert_variant (outcomes[i].value, value_text);
      g_assert_cmpstr (logs[i].text->str, ==, expected->str);
      g_assert_cmpuint (logs[i].n_wrong_thread, ==, 0);
      g_assert_cmpuint (logs[i].n_after_done, ==, 0);
    }
  for (guint i = 0; i < N_PRINTERS; i++)
    {
      g_signal_handlers_disconnect_by_data (isles[i], &logs[i]);
      g_object_unref (isles[i]);
      g_string_free (logs[i].text, TRUE);
      outcome_clear (&outcomes[i]);
    }
}

static GVariant *
host_add (GIsle         *isle,
          GVariant      *args,
          GCancellable  *cancellable,
          gpointer       data,
          GError       **error)
{
  gint64 x, y;

  /* Main-context host functions run in the main thread. */
  g_assert_true (g_thread_self () == data);
  g_variant_get (args, "(xx)", &x, &y);
  return g_variant_new_int64 (x + y);
}

static gboolean
complete_later (gpointer data)
{
  GIsleInvocation *invocation = data;

  g_isle_invocation_return_value (invocation, g_variant_new_string ("later"));
  return G_SOURCE_REMOVE;
}

static void
host_later (GIsle           *isle,
            GVariant        *args,
            GIsleInvocation *invocation,
            gpointer         data)
{
  CONTEXT_ACQUIRE ();
  g_idle_add (complete_later, invocation);
  CONTEXT_RELEASE ();
}

static GVariant *
worker_twice (GVariant  *args,
              gpointer   data,
              GError   **error)
{
  gint64 x;

  g_variant_get (args, "(x)", &x);
  return g_variant_new_int64 (2 * x);
}

static void
test_host_functions (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) a = isle_on (executor, NULL);
  g_autoptr(GIsle) b = isle_on (executor, NULL);
  Outcome oa = { 0, }, ob = { 0, };

  g_isle_add_function (a, "add", host_add, g_thread_self (), NULL);
  g_isle_add_function (b, "add", host_add, g_thread_self (), NULL);
  g_isle_add_async_function (a, "later", host_later, NULL, NULL);
  g_isle_add_worker_function (b, "twice", worker_twice, NULL, NULL);

  /* Async calls, so the main loop is free to answer. */
  eval_async (a, "local s = 0 for i = 1, 20 do s = add(s, i) end return s, later()", NULL, &oa);
  eval_async (b, "local s = 0 for i = 1, 20 do s = add(s, twice(i)) end return s", NULL, &ob);
  WAIT_UNTIL (g_atomic_int_get (&oa.done) && g_atomic_int_get (&ob.done),
              "jobs calling host functions");
  g_assert_no_error (oa.error);
  g_assert_no_error (ob.error);
  gisle_test_assert_variant (oa.value, "(int64 210, 'later')");
  gisle_test_assert_variant (ob.value, "(int64 420,)");
  outcome_clear (&oa);
  outcome_clear (&ob);

  /* A blocking call from the main thread: the blocked caller serves the
   * host function itself, as with a dedicated thread. */
  gisle_test_assert_eval (a, "return add(40, 2)", "(int64 42,)");

  g_assert_true (g_isle_remove_function (a, "add"));
  g_free (gisle_test_eval_error (a, "return add(1, 2)", G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME));
}

static GVariant *
blocking_on_self_job (GIsle      *isle,
                      lua_State  *L,
                      gpointer    data,
                      GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) value = g_isle_eval (isle, "return 1", NULL, &local_error);

  g_assert_error (local_error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  g_assert_null (value);
  return g_variant_new ("(b)", TRUE);
}

/* A blocking call on the isle's own (shared) thread is refused. */
static void
test_would_deadlock (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = isle_on (executor, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_exec (isle, blocking_on_self_job, NULL, NULL, &error);

  g_assert_no_error (error);
  gisle_test_assert_variant (value, "(true,)");
}

static void
on_close_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Outcome *o = data;

  if (g_isle_close_finish (G_ISLE (source), result, &o->error))
    o->value = g_variant_ref_sink (g_variant_new_boolean (TRUE));
  g_atomic_int_set (&o->done, 1);
}

static void
test_close (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) isle = isle_on (executor, NULL);
  g_autoptr(GIsle) other = isle_on (executor, NULL);
  g_autoptr(GIsle) third = isle_on (executor, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Outcome spin = { 0, }, queued = { 0, }, closed = { 0, }, o = { 0, };

  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 3);

  /* Closing cancels the running job and fails the queued ones. */
  start_spinning (isle, NULL, &spin);
  eval_async (isle, "return 1", NULL, &queued);
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_isle_is_closed (isle));
  assert_cancelled (&spin);
  WAIT_UNTIL (g_atomic_int_get (&queued.done), "a job queued when the isle closed");
  g_assert_error (queued.error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);

  value = g_isle_eval (isle, "return 1", NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 2, "the closed isle to leave");

  /* Closing asynchronously, while its thread is in a long job. */
  start_spinning (other, NULL, &o);
  g_isle_close_async (other, NULL, on_close_done, &closed);
  WAIT_UNTIL (g_atomic_int_get (&closed.done), "an asynchronous close");
  g_assert_no_error (closed.error);
  assert_cancelled (&o);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 1, "the closed isle to leave");

  /* The isle left is unaffected. */
  gisle_test_assert_alive (third);

  outcome_clear (&spin);
  outcome_clear (&queued);
  outcome_clear (&closed);
  outcome_clear (&o);
}

#define LEAVE_ROUNDS 200

/* Once g_isle_close() has returned, the isle is neither counted nor found
 * ("started and not yet closed"). Known race: the close completes when the
 * Lua state is closed, and the executor lets the isle go a moment later on
 * its thread, so a caller sees it for a moment in a few % of closes. */
static void
test_close_leaves_at_once (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  guint stale_count = 0, stale_lookup = 0;

  for (guint i = 0; i < LEAVE_ROUNDS; i++)
    {
      g_autoptr(GIsle) isle = isle_on (executor, "leaving");
      g_autoptr(GError) error = NULL;
      GIsle *found;

      g_assert_true (g_isle_close (isle, NULL, &error));
      g_assert_no_error (error);
      if (g_isle_executor_get_n_isles (executor) != 0)
        stale_count++;
      found = g_isle_executor_lookup (executor, "leaving");
      if (found != NULL)
        {
          stale_lookup++;
          g_object_unref (found);
        }
      WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 0, "the closed isle to leave");
    }
  g_test_message ("after g_isle_close() returned: still counted %u, still found %u of %u",
                  stale_count, stale_lookup, LEAVE_ROUNDS);
  /* A closed isle stops counting and being found when close starts. */
  g_assert_cmpuint (stale_count, ==, 0);
  g_assert_cmpuint (stale_lookup, ==, 0);
}

/* ---- Construction ---------------------------------------------------------- */

static void
on_new_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GObject **isle = data;
  g_autoptr(GError) error = NULL;

  *isle = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, &error);
  g_assert_no_error (error);
}

static void
test_construct (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GError) error = NULL;
  GObject *async_isle = NULL;
  GObject *failed;

  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 0);

  /* Asynchronously. */
  g_async_initable_new_async (G_TYPE_ISLE, G_PRIORITY_DEFAULT, NULL, on_new_done, &async_isle,
                              "executor", executor, "name", "async", NULL);
  WAIT_UNTIL (async_isle != NULL, "an isle created asynchronously");
  g_assert_true (g_isle_get_executor (G_ISLE (async_isle)) == executor);
  g_assert_cmpstr (g_isle_get_name (G_ISLE (async_isle)), ==, "async");
  gisle_test_assert_alive (G_ISLE (async_isle));
  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 1);

  /* Setup code that fails: construction fails and the isle leaves. */
  failed = g_initable_new (G_TYPE_ISLE, NULL, &error,
                           "executor", executor,
                           "name", "failed",
                           "setup-code", "error('no')",
                           NULL);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_null (failed);
  g_clear_error (&error);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 1, "the failed isle to leave");

  /* A plain object is not started until first used (or initialised). */
  isle = g_object_new (G_TYPE_ISLE, "executor", executor, NULL);
  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 1);
  gisle_test_assert_alive (isle);
  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 2);

  g_object_unref (async_isle);
}

/* ---- Lookup and counting ---------------------------------------------- */

static void
test_lookup (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsleExecutor) elsewhere = g_isle_executor_new (1);
  g_autoptr(GIsle) alpha = isle_on (executor, "alpha");
  g_autoptr(GIsle) beta = isle_on (executor, "beta");
  g_autoptr(GIsle) unnamed = isle_on (executor, NULL);
  g_autoptr(GIsle) foreign = isle_on (elsewhere, "gamma");
  g_autoptr(GError) error = NULL;
  GIsle *found;

  g_assert_cmpstr (g_isle_get_name (alpha), ==, "alpha");
  g_assert_null (g_isle_get_name (unnamed));

  found = g_isle_executor_lookup (executor, "alpha");
  g_assert_true (found == alpha);
  g_object_unref (found);
  found = g_isle_executor_lookup (executor, "beta");
  g_assert_true (found == beta);
  g_object_unref (found);

  /* Not found: unknown names, and isles on another executor. */
  g_assert_null (g_isle_executor_lookup (executor, "delta"));
  g_assert_null (g_isle_executor_lookup (executor, ""));
  g_assert_null (g_isle_executor_lookup (executor, "gamma"));
  found = g_isle_executor_lookup (elsewhere, "gamma");
  g_assert_true (found == foreign);
  g_object_unref (found);

  /* Not found once closed. (It should be as soon as g_isle_close()
   * returns; /executor/close/leaves-at-once tracks the known race.) */
  g_assert_true (g_isle_close (beta, NULL, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 2, "the closed isle to leave");
  g_assert_null (g_isle_executor_lookup (executor, "beta"));
  found = g_isle_executor_lookup (executor, "alpha");
  g_assert_true (found == alpha);
  g_object_unref (found);

  /* Nor once dropped. */
  g_clear_object (&alpha);
  g_assert_null (g_isle_executor_lookup (executor, "alpha"));
}

/* Two isles with one name: the first one started is found; once it is
 * closed, the documentation ("finds a started, not yet closed isle")
 * promises the other. */
static void
test_lookup_duplicate (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) first = isle_on (executor, "twin");
  g_autoptr(GIsle) second = isle_on (executor, "twin");
  g_autoptr(GError) error = NULL;
  GIsle *found;

  found = g_isle_executor_lookup (executor, "twin");
  g_assert_true (found == first);
  g_object_unref (found);

  g_assert_true (g_isle_close (first, NULL, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 1, "the first twin to leave");
  found = g_isle_executor_lookup (executor, "twin");
  g_assert_true (found == second);
  g_object_unref (found);
}

static void
test_n_isles (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GError) error = NULL;
  GIsle *isles[5];

  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (isles); i++)
    {
      isles[i] = isle_on (executor, NULL);
      g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, i + 1);
    }

  /* Closed: not counted. (It should be as soon as g_isle_close()
   * returns; /executor/close/leaves-at-once tracks the known race.) */
  g_assert_true (g_isle_close (isles[0], NULL, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 4, "the closed isle to leave");

  /* Dropped: the isle closes on its own, without waiting. */
  g_clear_object (&isles[1]);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 3, "a dropped isle to leave");

  /* A dedicated-thread isle is not counted anywhere. */
  {
    g_autoptr(GIsle) dedicated = gisle_test_isle_new (NULL);
    g_assert_null (g_isle_get_executor (dedicated));
    g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 3);
  }

  for (guint i = 2; i < G_N_ELEMENTS (isles); i++)
    g_assert_true (g_isle_close (isles[i], NULL, &error));
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 0, "every isle to leave");
  for (guint i = 0; i < G_N_ELEMENTS (isles); i++)
    g_clear_object (&isles[i]);
}

/* ---- Lifetime ------------------------------------------------------------ */

/* Dropping the executor object while isles remain keeps them working;
 * dropping the isles then ends the threads. */
static void
test_drop_executor (void)
{
  g_autoptr(GArray) threads = NULL;
  GIsleExecutor *executor = executor_new_tracked (2, &threads);
  GIsleExecutor *weak = executor;
  GIsle *a = isle_on (executor, "a");
  GIsle *b = isle_on (executor, "b");
  GIsle *c;
  GIsle *found;

  g_object_add_weak_pointer (G_OBJECT (executor), (gpointer *) &weak);
  g_object_unref (executor);
  g_assert_nonnull (weak);

  gisle_test_assert_alive (a);
  gisle_test_assert_alive (b);
  g_assert_true (g_isle_get_executor (a) == weak);
  found = g_isle_executor_lookup (g_isle_get_executor (a), "b");
  g_assert_true (found == b);
  g_object_unref (found);

  /* Still usable for new isles. */
  c = isle_on (g_isle_get_executor (a), "c");
  gisle_test_assert_alive (c);
  g_assert_cmpuint (g_isle_executor_get_n_isles (weak), ==, 3);

  g_object_unref (a);
  g_object_unref (b);
  gisle_test_assert_alive (c);
  g_assert_nonnull (weak);
  g_object_unref (c);
  g_assert_null (weak);

  WAIT_UNTIL (none_exists (threads), "the executor's threads to end");
}

/* Closing every isle and dropping everything ends the threads. */
static void
test_threads_end (void)
{
  g_autoptr(GArray) threads = NULL;
  GIsleExecutor *executor = executor_new_tracked (2, &threads);
  GIsle *isles[6];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (isles); i++)
    {
      isles[i] = isle_on (executor, NULL);
      gisle_test_assert_alive (isles[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (isles); i++)
    {
      g_assert_true (g_isle_close (isles[i], NULL, &error));
      g_assert_no_error (error);
    }
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 0, "every isle to leave");

  /* The threads idle until the executor is dropped too. */
  g_assert_false (none_exists (threads));
  for (guint i = 0; i < G_N_ELEMENTS (isles); i++)
    g_object_unref (isles[i]);
  g_object_unref (executor);
  WAIT_UNTIL (none_exists (threads), "the executor's threads to end");
}

/* ---- A thread stuck where nothing can interrupt it ----------------------- */

/* A finalizer that loops until the test lets it go: it polls a flag from
 * a plain C function (not a host function, which would raise once the job
 * is cancelled). Finalizers run with hooks disabled, so no cancel reaches
 * the loop. */
typedef struct
{
  pthread_mutex_t lock;
  pthread_cond_t cond;
  gboolean entered;
  gboolean released;
} Stuck;

static Stuck stuck = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, FALSE, FALSE };

static int
stuck_poll (lua_State *L)
{
  struct timespec until;
  gboolean released;

  clock_gettime (CLOCK_REALTIME, &until);
  until.tv_nsec += 5 * 1000 * 1000;
  if (until.tv_nsec >= 1000000000)
    {
      until.tv_sec++;
      until.tv_nsec -= 1000000000;
    }
  pthread_mutex_lock (&stuck.lock);
  if (!stuck.entered)
    {
      stuck.entered = TRUE;
      pthread_cond_broadcast (&stuck.cond);
    }
  if (!stuck.released)
    pthread_cond_timedwait (&stuck.cond, &stuck.lock, &until);
  released = stuck.released;
  pthread_mutex_unlock (&stuck.lock);
  lua_pushboolean (L, released);
  return 1;
}

static GVariant *
install_stuck_poll (GIsle      *isle,
                    lua_State  *L,
                    gpointer    data,
                    GError    **error)
{
  lua_register (L, "stuck_poll", stuck_poll);
  return NULL;
}

static const char *const stuck_finalizer_code =
  "setmetatable({}, { __gc = function() while not stuck_poll() do end end })";

static void
stuck_reset (void)
{
  pthread_mutex_lock (&stuck.lock);
  stuck.entered = stuck.released = FALSE;
  pthread_mutex_unlock (&stuck.lock);
}

static gboolean
stuck_entered (void)
{
  gboolean entered;

  pthread_mutex_lock (&stuck.lock);
  entered = stuck.entered;
  pthread_mutex_unlock (&stuck.lock);
  return entered;
}

static void
stuck_release (void)
{
  pthread_mutex_lock (&stuck.lock);
  stuck.released = TRUE;
  pthread_cond_broadcast (&stuck.cond);
  pthread_mutex_unlock (&stuck.lock);
}

static GIsle *
stuck_isle_new (GIsleExecutor *executor)
{
  GIsle *isle = gisle_test_isle_new ("executor", executor,
                                     "grace-period", 100,
                                     "hard-deadline", 200,
                                     NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_exec (isle, install_stuck_poll, NULL, NULL, &error);

  g_assert_no_error (error);
  return isle;
}

#define N_BYSTANDERS 4

/* The isle becomes defunct, the executor replaces the stuck thread and
 * the other isles keep running, on a 1-thread executor where nothing
 * else could run them. */
static void
test_defunct (void)
{
  g_autoptr(GArray) before = executor_threads_now ();
  g_autoptr(GArray) threads = NULL;
  GIsleExecutor *executor = executor_new_tracked (1, &threads);
  GIsle *isle, *late;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GArray) threads_then = NULL;
  g_autofree char *code = g_strdup_printf ("%s collectgarbage() return 1", stuck_finalizer_code);
  GIsle *bystanders[N_BYSTANDERS];
  Outcome o = { 0, }, others[N_BYSTANDERS] = { { 0, }, };

  stuck_reset ();
  isle = stuck_isle_new (executor);
  for (guint i = 0; i < N_BYSTANDERS; i++)
    bystanders[i] = isle_on (executor, NULL);

  eval_async (isle, code, cancellable, &o);
  WAIT_UNTIL (stuck_entered (), "the finalizer to start looping");
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (g_atomic_int_get (&o.done), "the stuck job to be given up");
  g_assert_error (o.error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT);
  g_assert_true (g_isle_is_defunct (isle));
  outcome_clear (&o);

  /* The stuck thread is replaced: the other isles and a new one run. */
  for (guint i = 0; i < N_BYSTANDERS; i++)
    eval_async (bystanders[i], "return 'still here'", NULL, &others[i]);
  for (guint i = 0; i < N_BYSTANDERS; i++)
    {
      WAIT_UNTIL (g_atomic_int_get (&others[i].done), "other isles after a defunct one");
      g_assert_no_error (others[i].error);
      gisle_test_assert_variant (others[i].value, "('still here',)");
      outcome_clear (&others[i]);
    }
  late = isle_on (executor, NULL);
  gisle_test_assert_alive (late);
  threads_then = executor_threads_now ();
  g_test_message ("gisle-exec threads with one stuck: %u", threads_then->len);

  /* The defunct isle refuses work at once, and closes at once. */
  value = g_isle_eval (isle, "return 1", NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);

  /* Closed, it no longer counts, even while its thread is stuck... */
  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, N_BYSTANDERS + 1);

  /* ...and once let go, the stuck thread finishes the isle and leaves;
   * the replacement stays. */
  stuck_release ();
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == N_BYSTANDERS + 1,
              "the stuck thread to come back and let the isle go");
  WAIT_UNTIL (none_exists (threads), "the formerly stuck thread to leave");
  for (guint i = 0; i < N_BYSTANDERS; i++)
    {
      gisle_test_assert_alive (bystanders[i]);
      g_object_unref (bystanders[i]);
    }
  gisle_test_assert_alive (late);

  /* The replacement ends like any executor thread. */
  g_object_unref (late);
  g_object_unref (isle);
  g_object_unref (executor);
  wait_executor_threads_gone (before);
}

/* The same with the finalizer stuck while the isle closes (lua_close runs
 * it): close() returns after the hard deadline, and the executor must not
 * lose its only thread for good. */
static void
test_defunct_close (void)
{
  g_autoptr(GArray) before = executor_threads_now ();
  GIsleExecutor *executor = g_isle_executor_new (1);
  GIsle *isle, *other;
  g_autofree char *code = g_strdup_printf ("keep = %s", stuck_finalizer_code);
  Outcome o = { 0, }, closed = { 0, };

  stuck_reset ();
  isle = stuck_isle_new (executor);
  other = isle_on (executor, NULL);
  {
    g_autoptr(GVariant) ignored = gisle_test_eval (isle, code);
  }

  g_isle_close_async (isle, NULL, on_close_done, &closed);
  WAIT_UNTIL (g_atomic_int_get (&closed.done), "close with a stuck finalizer to give up");
  g_assert_no_error (closed.error);
  g_assert_true (stuck_entered ());

  eval_async (other, "return 'still here'", NULL, &o);
  /* The stuck thread was replaced: the other isle answers before it is
   * let go. */
  g_assert_true (wait_until_bounded (&o.done, 2000));
  stuck_release ();
  WAIT_UNTIL (g_atomic_int_get (&o.done), "another isle once the stuck thread is back");
  g_assert_no_error (o.error);
  WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 1, "the stuck isle to leave");
  gisle_test_assert_alive (other);
  outcome_clear (&o);
  outcome_clear (&closed);

  g_object_unref (other);
  g_object_unref (isle);
  g_object_unref (executor);
  wait_executor_threads_gone (before);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/executor/fifo", test_fifo);
  g_test_add_func ("/executor/exclusive", test_exclusive);
  g_test_add_func ("/executor/share-threads", test_share_threads);
  g_test_add_func ("/executor/fairness/busy", test_fairness_busy);
  g_test_add_func ("/executor/fairness/spare-thread", test_fairness_spare);
  g_test_add_func ("/executor/fairness/turns", test_fairness_turns);
  g_test_add_func ("/executor/cancel", test_cancel);
  g_test_add_func ("/executor/timeout", test_timeout);
  g_test_add_func ("/executor/output", test_output);
  g_test_add_func ("/executor/host-functions", test_host_functions);
  g_test_add_func ("/executor/would-deadlock", test_would_deadlock);
  g_test_add_func ("/executor/close", test_close);
  g_test_add_func ("/executor/close/leaves-at-once", test_close_leaves_at_once);
  g_test_add_func ("/executor/construct", test_construct);
  g_test_add_func ("/executor/lookup", test_lookup);
  g_test_add_func ("/executor/lookup/duplicate", test_lookup_duplicate);
  g_test_add_func ("/executor/n-isles", test_n_isles);
  g_test_add_func ("/executor/drop-executor", test_drop_executor);
  g_test_add_func ("/executor/threads-end", test_threads_end);
  /* Last: they make a thread stuck on purpose. */
  g_test_add_func ("/executor/defunct/job", test_defunct);
  g_test_add_func ("/executor/defunct/close", test_defunct_close);

  return g_test_run ();
}
