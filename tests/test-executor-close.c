/* test-executor-close.c: a close waiting for an executor thread is not a
 * stuck close.
 *
 * The close deadline (GIsle:hard-deadline) counts from when the close runs
 * on a thread. Before that, on a busy executor, many isles may wait in
 * line to close; none of them may be declared stuck, no thread may be
 * added for them, and each one's Lua state must be closed by the time its
 * close completes (its memory figure is then 0).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include "gisle-test-utils.h"

/* Counts GIsle's "its thread is abandoned" messages. */
static volatile gint abandoned_messages;

static GLogWriterOutput
count_abandoned_writer (GLogLevelFlags   level,
                        const GLogField *fields,
                        gsize            n_fields,
                        gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        strstr (fields[i].value, "abandoned") != NULL)
      g_atomic_int_inc (&abandoned_messages);
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct
{
  guint closed;
  guint failed;
  guint state_left_open;
} CloseTally;

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CloseTally *tally = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_isle_close_finish (G_ISLE (source), result, &error))
    {
      g_test_message ("close failed: %s", error->message);
      tally->failed++;
    }
  /* A completed close has closed the Lua state: nothing is in use. */
  if (g_isle_get_memory_in_use (G_ISLE (source)) != 0)
    tally->state_left_open++;
  tally->closed++;
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

static gboolean
open_gate (gpointer data)
{
  gisle_test_counter_inc (&gate);
  return G_SOURCE_REMOVE;
}

/* The reproduction: closes queued behind a busy isle on a
 * one-thread executor, for longer than their hard deadline. */
static void
test_close_queued_behind_busy (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) busy = gisle_test_isle_new ("executor", executor, NULL);
  GPtrArray *isles = g_ptr_array_new_with_free_func (g_object_unref);
  GisleTestAsync busy_done = { 0, };
  CloseTally tally = { 0, };
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  const guint n = 20;
  /* Far above what closing a small state takes, even on a loaded machine. */
  const guint hard_ms = 100 * gisle_test_slowdown ();

  gisle_test_counter_init (&gate);
  g_atomic_int_set (&abandoned_messages, 0);
  g_isle_add_worker_function (busy, "gate", wait_at_gate, NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      GIsle *isle = gisle_test_isle_new ("executor", executor, "hard-deadline", hard_ms, NULL);

      gisle_test_assert_alive (isle);
      g_ptr_array_add (isles, isle);
    }

  /* The only thread is held for four hard deadlines. */
  g_isle_eval_async (busy, "gate() return 1", NULL, gisle_test_async_ready, &busy_done);
  for (guint i = 0; i < n; i++)
    g_isle_close_async (isles->pdata[i], NULL, on_closed, &tally);
  g_timeout_add (4 * hard_ms, open_gate, NULL);

  GISLE_TEST_WAIT_UNTIL (tally.closed == n, GISLE_TEST_TIMEOUT_S * 1000);
  g_assert_cmpuint (tally.failed, ==, 0);
  g_assert_cmpuint (tally.state_left_open, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&abandoned_messages), ==, 0);

  result = g_isle_eval_finish (busy, gisle_test_async_wait (&busy_done, "the busy job"), &error);
  g_assert_no_error (error);
  gisle_test_async_clear (&busy_done);
  GISLE_TEST_WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 1, GISLE_TEST_TIMEOUT_S * 1000);
  g_ptr_array_unref (isles);
  gisle_test_counter_clear (&gate);
}

/* Many isles closing at once on a small executor that also runs a
 * spinning script: the line to close is long (its free thread is held
 * for a while first), every close completes, and nothing is abandoned. */
static void
test_mass_close_under_load (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) spinner = gisle_test_isle_new ("executor", executor, NULL);
  g_autoptr(GIsle) busy = gisle_test_isle_new ("executor", executor, NULL);
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  GPtrArray *isles = g_ptr_array_new_with_free_func (g_object_unref);
  GisleTestAsync spin = { 0, }, busy_done = { 0, };
  CloseTally tally = { 0, };
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) busy_result = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 3000 / gisle_test_slowdown ();
  const guint hard_ms = 100 * gisle_test_slowdown ();
  gint64 start;

  gisle_test_counter_init (&gate);
  g_atomic_int_set (&abandoned_messages, 0);
  g_isle_add_worker_function (busy, "gate", wait_at_gate, NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      GIsle *isle = gisle_test_isle_new ("executor", executor, "hard-deadline", hard_ms, NULL);

      g_ptr_array_add (isles, isle);
    }
  g_isle_eval_async (spinner, "while true do local t = {} end", stop,
                     gisle_test_async_ready, &spin);
  g_isle_eval_async (busy, "gate() return 1", NULL, gisle_test_async_ready, &busy_done);
  g_timeout_add (3 * hard_ms, open_gate, NULL);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_isle_close_async (isles->pdata[i], NULL, on_closed, &tally);
  GISLE_TEST_WAIT_UNTIL (tally.closed == n, GISLE_TEST_TIMEOUT_S * 1000);
  g_test_message ("%u isles closed in %.0f ms", n,
                  (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (tally.failed, ==, 0);
  g_assert_cmpuint (tally.state_left_open, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&abandoned_messages), ==, 0);

  g_cancellable_cancel (stop);
  result = g_isle_eval_finish (spinner, gisle_test_async_wait (&spin, "the spinner"), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  gisle_test_async_clear (&spin);
  busy_result = g_isle_eval_finish (busy, gisle_test_async_wait (&busy_done, "the busy job"), &error);
  g_assert_no_error (error);
  gisle_test_async_clear (&busy_done);
  GISLE_TEST_WAIT_UNTIL (g_isle_executor_get_n_isles (executor) == 2, GISLE_TEST_TIMEOUT_S * 1000);
  g_ptr_array_unref (isles);
  gisle_test_counter_clear (&gate);
}

/* A close that does run and gets stuck (a finalizer that never returns) is
 * still abandoned at its deadline: the deadline moved, it did not go. */
static volatile gint release_finalizer;

static GVariant *
finalizer_poll (GVariant  *args,
                gpointer   user_data,
                GError   **error)
{
  return g_variant_new_boolean (g_atomic_int_get (&release_finalizer));
}

static void
test_stuck_close_still_abandoned (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GIsle) isle = gisle_test_isle_new ("executor", executor, "hard-deadline", 50, NULL);
  CloseTally tally = { 0, };

  g_atomic_int_set (&abandoned_messages, 0);
  g_atomic_int_set (&release_finalizer, 0);
  g_isle_add_worker_function (isle, "released", finalizer_poll, NULL, NULL);
  gisle_test_assert_eval (isle,
                          "keep = setmetatable({}, {__gc = function () "
                          "  while not released() do end end}) return 1",
                          "(int64 1,)");
  g_isle_close_async (isle, NULL, on_closed, &tally);
  GISLE_TEST_WAIT_UNTIL (tally.closed == 1, GISLE_TEST_TIMEOUT_S * 1000);
  g_assert_cmpuint (tally.failed, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&abandoned_messages), ==, 1);

  /* Let the stuck thread finish and leave. */
  g_atomic_int_set (&release_finalizer, 1);
  GISLE_TEST_WAIT_UNTIL (g_isle_get_memory_in_use (isle) == 0, GISLE_TEST_TIMEOUT_S * 1000);
}

int
main (int    argc,
      char **argv)
{
  g_log_set_writer_func (count_abandoned_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/executor-close/queued-behind-busy", test_close_queued_behind_busy);
  g_test_add_func ("/executor-close/mass-close-under-load", test_mass_close_under_load);
  g_test_add_func ("/executor-close/stuck-close-still-abandoned", test_stuck_close_still_abandoned);

  return g_test_run ();
}
