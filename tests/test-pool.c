/* test-pool.c: GIslePool, checking isles out and giving them back.
 *
 * Everything runs in the global default main context, which is also each
 * pool's main context. Waits iterate it with a deadline (10 s) and never
 * sleep to synchronise: "waiting" checkouts are observed as not completed
 * after every pending source has run. State shared with other threads uses
 * atomics, which ThreadSanitizer sees (the GMutex-based helpers of
 * gisle-test-utils.h it does not).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-test-utils.h"

static GThread *main_thread;

/* Iterates the default context until @cond holds; aborts after the
 * timeout. */
#define WAIT_UNTIL(cond, what)                                                 \
  G_STMT_START {                                                               \
    gboolean timed_out_ = FALSE;                                               \
    guint id_ = g_timeout_add_seconds (GISLE_TEST_TIMEOUT_S,                   \
                                       gisle_test_timeout_cb, &timed_out_);    \
    while (!(cond) && !timed_out_)                                             \
      g_main_context_iteration (NULL, TRUE);                                   \
    if (!timed_out_)                                                           \
      g_source_remove (id_);                                                   \
    if (!(cond))                                                               \
      g_error ("Timed out after %d s waiting for %s", GISLE_TEST_TIMEOUT_S, what); \
  } G_STMT_END

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* For a condition that another thread changes without waking the default
 * context: also wakes up every few milliseconds to look. */
#define WAIT_UNTIL_POLLED(cond, what)                                          \
  G_STMT_START {                                                               \
    guint poll_id_ = g_timeout_add (5, wake_up, NULL);                         \
    WAIT_UNTIL (cond, what);                                                   \
    g_source_remove (poll_id_);                                                \
  } G_STMT_END

/* Runs everything that is ready now. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- Counters, as notified ----------------------------------------------- */

typedef struct
{
  GIslePool *pool;
  guint active;                  /* the values seen in the last notifications */
  guint idle;
  guint n_notify;
} Counters;

static void
on_counter_notify (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  Counters *counters = data;
  guint value;

  /* Notified in the pool's main context only. */
  g_assert_true (g_thread_self () == main_thread);
  g_object_get (object, pspec->name, &value, NULL);
  if (g_str_equal (pspec->name, "n-active"))
    counters->active = value;
  else
    counters->idle = value;
  counters->n_notify++;
}

static void
counters_watch (Counters  *counters,
                GIslePool *pool)
{
  memset (counters, 0, sizeof *counters);
  counters->pool = pool;
  g_signal_connect (pool, "notify::n-active", G_CALLBACK (on_counter_notify), counters);
  g_signal_connect (pool, "notify::n-idle", G_CALLBACK (on_counter_notify), counters);
}

/* Waits until the notified counters are @active and @idle, and checks the
 * getters agree. */
static void
assert_counters (Counters *counters,
                 guint     active,
                 guint     idle)
{
  g_autofree char *what = g_strdup_printf ("n-active %u, n-idle %u", active, idle);

  WAIT_UNTIL (counters->active == active && counters->idle == idle, what);
  g_assert_cmpuint (g_isle_pool_get_n_active (counters->pool), ==, active);
  g_assert_cmpuint (g_isle_pool_get_n_idle (counters->pool), ==, idle);
}

/* ---- Checking out ---------------------------------------------------------- */

static GIsle *
checkout_async_wait (GIslePool     *pool,
                     guint          timeout_ms,
                     GCancellable  *cancellable,
                     GError       **error)
{
  GisleTestAsync async = { 0 };
  GIsle *isle;

  g_isle_pool_checkout_async (pool, timeout_ms, cancellable, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "a checkout");
  g_assert_true (async.thread == main_thread);
  isle = g_isle_pool_checkout_finish (pool, async.result, error);
  gisle_test_async_clear (&async);
  return isle;
}

static GIsle *
checkout (GIslePool *pool)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = checkout_async_wait (pool, 0, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (G_IS_ISLE (isle));
  return isle;
}

/* A checkout that may wait; completions are recorded in @order. */
typedef struct
{
  guint index;
  GArray *order;
  gboolean done;
  GIsle *isle;
  GError *error;
} Waiter;

static void
on_waiter_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Waiter *waiter = data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (waiter->done);
  waiter->isle = g_isle_pool_checkout_finish (G_ISLE_POOL (source), result, &waiter->error);
  waiter->done = TRUE;
  if (waiter->order != NULL)
    g_array_append_val (waiter->order, waiter->index);
}

static void
waiter_start (Waiter       *waiter,
              GIslePool    *pool,
              guint         index,
              GArray       *order,
              guint         timeout_ms,
              GCancellable *cancellable)
{
  memset (waiter, 0, sizeof *waiter);
  waiter->index = index;
  waiter->order = order;
  g_isle_pool_checkout_async (pool, timeout_ms, cancellable, on_waiter_ready, waiter);
}

static void
waiter_clear (Waiter *waiter)
{
  g_clear_object (&waiter->isle);
  g_clear_error (&waiter->error);
}

static void
wait_for_waiter (Waiter *waiter)
{
  g_autofree char *what = g_strdup_printf ("checkout %u", waiter->index);

  WAIT_UNTIL (waiter->done, what);
}

static void
give_back (GIslePool *pool,
           GIsle     *isle)
{
  g_isle_pool_give_back (pool, isle);
  g_object_unref (isle);
}

static void
assert_closed_soon (GIsle *isle)
{
  WAIT_UNTIL (g_isle_is_closed (isle), "the isle to be closed");
}

/* Nothing left holds the pool: completed checkouts, sources and leases let
 * it go. */
static void
assert_pool_finalized (GIslePool **pool)
{
  drain ();
  g_assert_finalize_object (g_steal_pointer (pool));
}

/* ---- Construction and properties ------------------------------------------- */

static void
test_new (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 3, TRUE);
  g_autoptr(GIsleExecutor) executor = NULL;
  guint max_size, n_active, n_idle;
  gboolean warm;
  GIsleLibraries libraries;
  guint64 memory_limit;
  g_autofree char *setup_code = NULL;

  g_assert_cmpuint (g_isle_pool_get_max_size (pool), ==, 3);
  g_assert_true (g_isle_pool_get_warm (pool));
  g_assert_null (g_isle_pool_get_executor (pool));
  g_assert_cmpuint (g_isle_pool_get_n_active (pool), ==, 0);
  g_assert_cmpuint (g_isle_pool_get_n_idle (pool), ==, 0);

  g_object_get (pool,
                "executor", &executor,
                "max-size", &max_size,
                "warm", &warm,
                "libraries", &libraries,
                "memory-limit", &memory_limit,
                "setup-code", &setup_code,
                "n-active", &n_active,
                "n-idle", &n_idle,
                NULL);
  g_assert_null (executor);
  g_assert_cmpuint (max_size, ==, 3);
  g_assert_true (warm);
  g_assert_cmpuint (libraries, ==, G_ISLE_LIBRARIES_SAFE);
  g_assert_cmpuint (memory_limit, ==, 0);
  g_assert_null (setup_code);
  g_assert_cmpuint (n_active, ==, 0);
  g_assert_cmpuint (n_idle, ==, 0);
}

/* Isles get the pool's libraries, memory limit and setup code. */
static void
test_isle_properties (void)
{
  const GIsleLibraries libraries = G_ISLE_LIBRARIES_BASE | G_ISLE_LIBRARIES_STRING;
  const char *setup = "greeting = string.upper('hello')";
  g_autoptr(GIslePool) pool = g_object_new (G_TYPE_ISLE_POOL,
                                            "max-size", 2,
                                            "libraries", libraries,
                                            "memory-limit", (guint64) 16 * 1024 * 1024,
                                            "setup-code", setup,
                                            NULL);
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  g_assert_false (g_isle_pool_get_warm (pool));
  g_assert_cmpuint (g_isle_pool_get_max_size (pool), ==, 2);

  /* Both kinds of checkout create isles the same way. */
  isle = checkout (pool);
  g_assert_cmpuint (g_isle_get_libraries (isle), ==, libraries);
  g_assert_cmpuint (g_isle_get_memory_limit (isle), ==, 16 * 1024 * 1024);
  g_assert_cmpstr (g_isle_get_setup_code (isle), ==, setup);
  gisle_test_assert_eval (isle, "return greeting, math == nil", "('HELLO', true)");
  give_back (pool, isle);

  isle = g_isle_pool_checkout (pool, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_isle_get_libraries (isle), ==, libraries);
  g_assert_cmpuint (g_isle_get_memory_limit (isle), ==, 16 * 1024 * 1024);
  gisle_test_assert_eval (isle, "return greeting", "('HELLO',)");
  give_back (pool, isle);
}

/* ---- Warm and cold --------------------------------------------------------- */

static void
test_warm_reuse (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 2, TRUE);
  Counters counters;
  GIsle *isle, *again;
  GIsle *first;

  counters_watch (&counters, pool);

  isle = checkout (pool);
  first = isle;
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  assert_counters (&counters, 1, 0);
  gisle_test_assert_eval (isle, "answer = 42", "()");

  give_back (pool, isle);
  assert_counters (&counters, 0, 1);
  g_assert_nonnull (first);              /* the pool keeps it */

  /* The same isle, with its globals; asynchronously and blocking. */
  again = checkout (pool);
  g_assert_true (again == first);
  assert_counters (&counters, 1, 0);
  gisle_test_assert_eval (again, "answer = answer + 1 return answer", "(int64 43,)");
  give_back (pool, again);
  assert_counters (&counters, 0, 1);

  again = g_isle_pool_checkout (pool, 0, NULL, NULL);
  g_assert_true (again == first);
  gisle_test_assert_eval (again, "return answer", "(int64 43,)");
  give_back (pool, again);
  assert_counters (&counters, 0, 1);

  /* Dropping the pool closes its idle isle without waiting. */
  g_clear_object (&pool);
  WAIT_UNTIL (first == NULL, "the idle isle to be finalized");
}

static void
test_cold_fresh (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 2, FALSE);
  Counters counters;
  g_autoptr(GIsle) first = NULL;
  GIsle *isle;

  counters_watch (&counters, pool);

  isle = checkout (pool);
  first = g_object_ref (isle);
  assert_counters (&counters, 1, 0);
  gisle_test_assert_eval (isle, "answer = 42", "()");

  /* Given back, a cold pool's isle is closed, never kept. */
  give_back (pool, isle);
  assert_counters (&counters, 0, 0);
  assert_closed_soon (first);

  isle = checkout (pool);
  g_assert_true (isle != first);
  gisle_test_assert_eval (isle, "return answer == nil", "(true,)");
  assert_counters (&counters, 1, 0);
  give_back (pool, isle);
  assert_counters (&counters, 0, 0);

  isle = g_isle_pool_checkout (pool, 0, NULL, NULL);
  g_assert_nonnull (isle);
  gisle_test_assert_eval (isle, "return answer == nil", "(true,)");
  give_back (pool, isle);
  assert_counters (&counters, 0, 0);
}

/* ---- Maximum size and waiting in line -------------------------------------- */

static void
assert_waiting (Waiter *waiters,
                guint   from,
                guint   to)
{
  drain ();
  for (guint i = from; i < to; i++)
    if (waiters[i].done)
      g_error ("checkout %u completed while the pool was full", i);
}

static void
test_max_size_fifo (gconstpointer data)
{
  gboolean warm = GPOINTER_TO_INT (data);
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 2, warm);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  Counters counters;
  Waiter waiters[4];
  GIsle *a, *b, *a_ptr, *b_ptr;

  counters_watch (&counters, pool);

  a = a_ptr = checkout (pool);
  b = b_ptr = checkout (pool);
  assert_counters (&counters, 2, 0);

  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    waiter_start (&waiters[i], pool, i, order, 0, NULL);
  assert_waiting (waiters, 0, 4);
  assert_counters (&counters, 2, 0);

  /* One back: the first in line gets it (or, cold, a new isle in its slot). */
  give_back (pool, a);
  wait_for_waiter (&waiters[0]);
  g_assert_no_error (waiters[0].error);
  g_assert_true (G_IS_ISLE (waiters[0].isle));
  if (warm)
    g_assert_true (waiters[0].isle == a_ptr);
  assert_waiting (waiters, 1, 4);
  assert_counters (&counters, 2, 0);

  give_back (pool, b);
  wait_for_waiter (&waiters[1]);
  g_assert_no_error (waiters[1].error);
  if (warm)
    g_assert_true (waiters[1].isle == b_ptr);
  assert_waiting (waiters, 2, 4);

  /* Two back at once: the next two. A warm pool hands them over in order;
   * a cold one grants the slots in order, but the two new isles start in
   * parallel and either may be ready first. */
  g_isle_pool_give_back (pool, waiters[0].isle);
  g_isle_pool_give_back (pool, waiters[1].isle);
  WAIT_UNTIL (waiters[2].done && waiters[3].done, "checkouts 2 and 3");
  g_assert_no_error (waiters[2].error);
  g_assert_no_error (waiters[3].error);
  if (warm)
    {
      g_assert_true (waiters[2].isle == waiters[0].isle);
      g_assert_true (waiters[3].isle == waiters[1].isle);
    }
  gisle_test_assert_alive (waiters[2].isle);
  gisle_test_assert_alive (waiters[3].isle);

  g_assert_cmpuint (order->len, ==, 4);
  for (guint i = 0; i < (warm ? 4 : 2); i++)
    g_assert_cmpuint (g_array_index (order, guint, i), ==, i);
  assert_counters (&counters, 2, 0);

  g_isle_pool_give_back (pool, waiters[2].isle);
  g_isle_pool_give_back (pool, waiters[3].isle);
  assert_counters (&counters, 0, warm ? 2 : 0);

  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    waiter_clear (&waiters[i]);
  assert_pool_finalized (&pool);
}

/* ---- Timeouts and cancellation ---------------------------------------------- */

static void
test_timeout (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
  g_autoptr(GError) error = NULL;
  Counters counters;
  GIsle *isle, *other;
  Waiter waiter;
  gint64 start;

  counters_watch (&counters, pool);
  isle = checkout (pool);

  start = g_get_monotonic_time ();
  other = checkout_async_wait (pool, 50, NULL, &error);
  g_assert_null (other);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * 1000);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  other = g_isle_pool_checkout (pool, 50, NULL, &error);
  g_assert_null (other);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * 1000);
  g_clear_error (&error);
  assert_counters (&counters, 1, 0);

  /* Served before its time limit, a checkout succeeds, and its timeout
   * never fires afterwards. */
  waiter_start (&waiter, pool, 0, NULL, 60 * 1000, NULL);
  assert_waiting (&waiter, 0, 1);
  give_back (pool, isle);
  wait_for_waiter (&waiter);
  g_assert_no_error (waiter.error);
  give_back (pool, g_steal_pointer (&waiter.isle));
  assert_counters (&counters, 0, 1);

  /* A timed-out checkout took nothing: the next one gets the isle. */
  isle = checkout (pool);
  assert_counters (&counters, 1, 0);
  give_back (pool, isle);
  waiter_clear (&waiter);
  assert_pool_finalized (&pool);
}

static gpointer
blocking_checkout_thread (gpointer data)
{
  GCancellable *cancellable = data;
  g_autoptr(GIslePool) pool = g_object_get_data (G_OBJECT (cancellable), "pool");
  gint *started = g_object_get_data (G_OBJECT (cancellable), "started");
  GError *error = NULL;
  GIsle *isle;

  g_object_ref (pool);
  g_atomic_int_set (started, 1);
  g_main_context_wakeup (NULL);
  isle = g_isle_pool_checkout (pool, 0, cancellable, &error);
  g_assert_null (isle);
  return error;
}

static void
test_cancel (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GCancellable) blocking = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint started = 0;
  Counters counters;
  GThread *thread;
  GIsle *isle, *again;
  Waiter waiter;

  counters_watch (&counters, pool);
  isle = checkout (pool);

  /* Waiting, then cancelled. */
  waiter_start (&waiter, pool, 0, NULL, 0, cancellable);
  assert_waiting (&waiter, 0, 1);
  g_cancellable_cancel (cancellable);
  wait_for_waiter (&waiter);
  g_assert_error (waiter.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (waiter.isle);
  waiter_clear (&waiter);

  /* Already cancelled. */
  g_cancellable_cancel (cancelled);
  g_assert_null (checkout_async_wait (pool, 0, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (g_isle_pool_checkout (pool, 0, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* A blocking checkout on another thread, cancelled from here. Whether it
   * is already waiting when the cancel comes or not, it fails the same
   * way. */
  g_object_set_data (G_OBJECT (blocking), "pool", pool);
  g_object_set_data (G_OBJECT (blocking), "started", &started);
  thread = g_thread_new ("blocking-checkout", blocking_checkout_thread, blocking);
  WAIT_UNTIL_POLLED (g_atomic_int_get (&started), "the checkout thread");
  g_cancellable_cancel (blocking);
  error = g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled checkouts took nothing. */
  assert_counters (&counters, 1, 0);
  give_back (pool, isle);
  assert_counters (&counters, 0, 1);
  again = checkout (pool);
  assert_counters (&counters, 1, 0);
  give_back (pool, again);
  assert_pool_finalized (&pool);
}

/* ---- Discarding and dropping ----------------------------------------------- */

static void
test_discard (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
  g_autoptr(GIsle) old = NULL;
  Counters counters;
  Waiter waiter;
  GIsle *isle;

  counters_watch (&counters, pool);
  isle = checkout (pool);
  old = g_object_ref (isle);
  gisle_test_assert_eval (isle, "mess = true", "()");

  waiter_start (&waiter, pool, 0, NULL, 0, NULL);
  assert_waiting (&waiter, 0, 1);

  /* The slot goes to the waiter, with a new isle. */
  g_isle_pool_discard (pool, isle);
  g_object_unref (isle);
  assert_closed_soon (old);
  wait_for_waiter (&waiter);
  g_assert_no_error (waiter.error);
  g_assert_true (waiter.isle != old);
  gisle_test_assert_eval (waiter.isle, "return mess == nil", "(true,)");
  assert_counters (&counters, 1, 0);

  g_isle_pool_discard (pool, waiter.isle);
  assert_counters (&counters, 0, 0);
  waiter_clear (&waiter);
  assert_pool_finalized (&pool);
}

/* An isle dropped without being given back frees its slot. */
static void
test_dropped (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
  Counters counters;
  Waiter waiter;
  GIsle *isle;
  guint n_notify;

  counters_watch (&counters, pool);
  isle = checkout (pool);

  waiter_start (&waiter, pool, 0, NULL, 0, NULL);
  assert_waiting (&waiter, 0, 1);

  g_object_unref (isle);
  wait_for_waiter (&waiter);
  g_assert_no_error (waiter.error);
  gisle_test_assert_alive (waiter.isle);
  assert_counters (&counters, 1, 0);

  /* So does one whose checkout result was never finished. */
  g_clear_object (&waiter.isle);
  assert_counters (&counters, 0, 0);
  n_notify = counters.n_notify;
  g_isle_pool_checkout_async (pool, 0, NULL, NULL, NULL);
  /* n-active went to 1, then back to 0. */
  WAIT_UNTIL (counters.n_notify >= n_notify + 2, "two notifications");
  assert_counters (&counters, 0, 0);
  waiter_clear (&waiter);
  assert_pool_finalized (&pool);
}

/* ---- Setup failures ---------------------------------------------------------- */

static void
test_setup_failure (void)
{
  g_autoptr(GIslePool) pool = g_object_new (G_TYPE_ISLE_POOL,
                                            "max-size", 1,
                                            "setup-code", "error('pool setup failed')",
                                            NULL);
  g_autoptr(GError) error = NULL;
  Counters counters;
  Waiter waiters[2];

  counters_watch (&counters, pool);

  g_assert_null (checkout_async_wait (pool, 0, NULL, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (error->message, "pool setup failed");
  g_clear_error (&error);
  assert_counters (&counters, 0, 0);

  g_assert_null (g_isle_pool_checkout (pool, 0, NULL, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (error->message, "pool setup failed");
  g_clear_error (&error);
  assert_counters (&counters, 0, 0);

  /* The failed isle's slot goes to the next in line, which fails too. */
  waiter_start (&waiters[0], pool, 0, NULL, 0, NULL);
  waiter_start (&waiters[1], pool, 1, NULL, 0, NULL);
  WAIT_UNTIL (waiters[0].done && waiters[1].done, "both checkouts to fail");
  g_assert_error (waiters[0].error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_error (waiters[1].error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  assert_counters (&counters, 0, 0);
  waiter_clear (&waiters[0]);
  waiter_clear (&waiters[1]);

  /* A syntax error is reported as such. */
  {
    g_autoptr(GIslePool) bad = g_object_new (G_TYPE_ISLE_POOL, "setup-code", "x = = 1", NULL);

    g_assert_null (g_isle_pool_checkout (bad, 0, NULL, &error));
    g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
    g_assert_cmpuint (g_isle_pool_get_n_active (bad), ==, 0);
  }
  assert_pool_finalized (&pool);
}

/* ---- Disposing ------------------------------------------------------------- */

static void
test_dispose (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = NULL;
  Waiter waiter;

  isle = checkout (pool);
  waiter_start (&waiter, pool, 0, NULL, 0, NULL);
  assert_waiting (&waiter, 0, 1);

  /* Waiters fail; later checkouts fail; isles given back are closed. */
  g_object_run_dispose (G_OBJECT (pool));
  wait_for_waiter (&waiter);
  g_assert_error (waiter.error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  waiter_clear (&waiter);

  g_assert_null (checkout_async_wait (pool, 0, NULL, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_null (g_isle_pool_checkout (pool, 0, NULL, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_false (g_isle_is_closed (isle));
  g_isle_pool_give_back (pool, isle);
  assert_closed_soon (isle);
  g_assert_cmpuint (g_isle_pool_get_n_active (pool), ==, 0);
  g_assert_cmpuint (g_isle_pool_get_n_idle (pool), ==, 0);
}

/* A checked-out isle outlives its pool; giving it back is then impossible,
 * and dropping it is harmless. */
static void
test_isle_outlives_pool (void)
{
  GIslePool *pool = g_isle_pool_new (NULL, 2, TRUE);
  g_autoptr(GIsle) kept = checkout (pool);
  GIsle *idle = checkout (pool);
  g_autoptr(GIsle) idle_ref = g_object_ref (idle);

  give_back (pool, idle);
  g_object_unref (pool);
  assert_closed_soon (idle_ref);
  gisle_test_assert_alive (kept);
}

static void
test_foreign_isle (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
      g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);

      g_isle_pool_give_back (pool, isle);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_stderr ("*is not checked out from a pool*");
}

/* ---- Worker threads -------------------------------------------------------- */

#define N_THREADS 8
#define N_ROUNDS 50
#define POOL_SIZE 3

typedef struct
{
  GIslePool *pool;
  gint in_use;                   /* atomic */
  gint max_in_use;               /* atomic */
  gint finished;                 /* atomic */
} ThreadTest;

static gpointer
checkout_loop_thread (gpointer data)
{
  ThreadTest *test = data;

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = NULL;
      GIsle *isle;
      gint in_use, max;

      isle = g_isle_pool_checkout (test->pool, GISLE_TEST_TIMEOUT_S * 1000, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (G_IS_ISLE (isle));

      in_use = g_atomic_int_add (&test->in_use, 1) + 1;
      do
        max = g_atomic_int_get (&test->max_in_use);
      while (in_use > max && !g_atomic_int_compare_and_exchange (&test->max_in_use, max, in_use));

      result = g_isle_eval (isle, "uses = (uses or 0) + 1 return uses", NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_variant_is_of_type (result, G_VARIANT_TYPE ("(x)")));

      g_atomic_int_add (&test->in_use, -1);
      g_isle_pool_give_back (test->pool, isle);
      g_object_unref (isle);
    }

  g_atomic_int_inc (&test->finished);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_threads (gconstpointer data)
{
  gboolean warm = GPOINTER_TO_INT (data);
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, POOL_SIZE, warm);
  ThreadTest test = { pool, 0, 0, 0 };
  GThread *threads[N_THREADS];
  Counters counters;
  gint64 total = 0;

  counters_watch (&counters, pool);

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("pool-user", checkout_loop_thread, &test);
  /* Notifications and finished close calls need this context. */
  WAIT_UNTIL_POLLED (g_atomic_int_get (&test.finished) == N_THREADS, "the checkout threads");
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (test.max_in_use, >=, 1);
  g_assert_cmpint (test.max_in_use, <=, POOL_SIZE);
  g_assert_cmpuint (g_isle_pool_get_n_active (pool), ==, 0);
  g_assert_cmpuint (g_isle_pool_get_n_idle (pool), <=, POOL_SIZE);

  if (warm)
    {
      /* Every use went to one of the (at most three) kept isles. */
      guint n_idle = g_isle_pool_get_n_idle (pool);
      GIsle *isles[POOL_SIZE];

      assert_counters (&counters, 0, n_idle);
      for (guint i = 0; i < n_idle; i++)
        {
          g_autoptr(GVariant) result = NULL;
          gint64 uses;

          isles[i] = checkout (pool);
          result = gisle_test_eval (isles[i], "return uses");
          g_variant_get (result, "(x)", &uses);
          total += uses;
        }
      g_assert_cmpint (total, ==, N_THREADS * N_ROUNDS);
      for (guint i = 0; i < n_idle; i++)
        give_back (pool, isles[i]);
    }
  else
    assert_counters (&counters, 0, 0);
  assert_pool_finalized (&pool);
}

/* ---- Executors ------------------------------------------------------------- */

static void
test_executor (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIslePool) pool = g_isle_pool_new (executor, 4, FALSE);
  g_autoptr(GIsleExecutor) got = NULL;
  Waiter waiters[4];

  g_assert_true (g_isle_pool_get_executor (pool) == executor);
  g_object_get (pool, "executor", &got, NULL);
  g_assert_true (got == executor);

  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    waiter_start (&waiters[i], pool, i, NULL, 0, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      g_autoptr(GIsleExecutor) isle_executor = NULL;

      wait_for_waiter (&waiters[i]);
      g_assert_no_error (waiters[i].error);
      g_object_get (waiters[i].isle, "executor", &isle_executor, NULL);
      g_assert_true (isle_executor == executor);
      gisle_test_assert_alive (waiters[i].isle);
    }
  g_assert_cmpuint (g_isle_executor_get_n_isles (executor), ==, 4);

  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      g_isle_pool_give_back (pool, waiters[i].isle);
      assert_closed_soon (waiters[i].isle);
      waiter_clear (&waiters[i]);
    }
  WAIT_UNTIL_POLLED (g_isle_executor_get_n_isles (executor) == 0,
                     "the executor to let go of the isles");
  assert_pool_finalized (&pool);
}

/* ---- Defunct isles ---------------------------------------------------------- */

static void
cancel_on_event (GIsle      *isle,
                 const char *name,
                 GVariant   *value,
                 gpointer    data)
{
  g_cancellable_cancel (data);
}

/* Last: it leaves a thread spinning in a finalizer for good. */
static void
test_defunct (void)
{
  g_autoptr(GIslePool) pool = g_isle_pool_new (NULL, 1, TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync async = { 0 };
  Counters counters;
  GIsle *fresh;

  counters_watch (&counters, pool);
  isle = checkout (pool);
  g_isle_set_hard_deadline (isle, 100);
  g_signal_connect (isle, "event::started", G_CALLBACK (cancel_on_event), cancellable);

  /* Finalizers run with hooks off: nothing stops this one. It says it
   * started from inside, so the cancel lands there. */
  g_isle_eval_async (isle,
                     "setmetatable({}, {__gc = function ()\n"
                     "  isle.emit('started') while true do end\n"
                     "end})\n"
                     "collectgarbage()",
                     cancellable, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "the stuck eval to be abandoned");
  result = g_isle_eval_finish (isle, async.result, &error);
  gisle_test_async_clear (&async);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT);
  g_assert_true (g_isle_is_defunct (isle));

  /* Given back, it is discarded, not kept. */
  g_isle_pool_give_back (pool, isle);
  assert_counters (&counters, 0, 0);

  fresh = checkout (pool);
  g_assert_true (fresh != isle);
  gisle_test_assert_alive (fresh);
  give_back (pool, fresh);
  assert_counters (&counters, 0, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/pool/new", test_new);
  g_test_add_func ("/pool/isle-properties", test_isle_properties);
  g_test_add_func ("/pool/warm-reuse", test_warm_reuse);
  g_test_add_func ("/pool/cold-fresh", test_cold_fresh);
  g_test_add_data_func ("/pool/warm-max-size-fifo", GINT_TO_POINTER (TRUE), test_max_size_fifo);
  g_test_add_data_func ("/pool/cold-max-size-fifo", GINT_TO_POINTER (FALSE), test_max_size_fifo);
  g_test_add_func ("/pool/timeout", test_timeout);
  g_test_add_func ("/pool/cancel", test_cancel);
  g_test_add_func ("/pool/discard", test_discard);
  g_test_add_func ("/pool/dropped", test_dropped);
  g_test_add_func ("/pool/setup-failure", test_setup_failure);
  g_test_add_func ("/pool/dispose", test_dispose);
  g_test_add_func ("/pool/isle-outlives-pool", test_isle_outlives_pool);
  g_test_add_func ("/pool/foreign-isle", test_foreign_isle);
  g_test_add_data_func ("/pool/warm-threads", GINT_TO_POINTER (TRUE), test_threads);
  g_test_add_data_func ("/pool/cold-threads", GINT_TO_POINTER (FALSE), test_threads);
  g_test_add_func ("/pool/executor", test_executor);
  g_test_add_func ("/pool/defunct", test_defunct);

  return g_test_run ();
}
