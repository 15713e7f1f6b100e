/* test-dispatch.c: the delivery queue alone (white-box: no Lua state, no
 * job; a worker that never starts, a plain GObject standing for the isle,
 * and a signal sink of the test's own).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-worker-private.h"

#include "gisle-test-utils.h"

typedef struct
{
  GString *log;          /* what reached the sink, in order */
  guint emissions;
  GThread *thread;       /* where the last one ran */
} Sink;

static Sink sink;

static void
sink_output (GIsle       *isle,
             guint64      job_id,
             GIsleStream  stream,
             const char  *text)
{
  g_string_append_printf (sink.log, "[o%" G_GUINT64_FORMAT ":%s]", job_id, text);
  sink.emissions++;
  sink.thread = g_thread_self ();
}

static void
sink_event (GIsle      *isle,
            const char *name,
            GVariant   *value)
{
  g_autofree char *text = g_variant_print (value, FALSE);

  g_string_append_printf (sink.log, "[e:%s=%s]", name, text);
  sink.emissions++;
  sink.thread = g_thread_self ();
}

static void
sink_progress (GIsle      *isle,
               guint64     job_id,
               double      fraction,
               const char *text)
{
  g_string_append_printf (sink.log, "[p%" G_GUINT64_FORMAT ":%.1f:%s]", job_id, fraction,
                          text != NULL ? text : "");
  sink.emissions++;
  sink.thread = g_thread_self ();
}

static const GisleSignalSink test_sink = { sink_output, sink_event, sink_progress };

/* A worker whose owner context is the default one, with a stand-in isle. */
static GisleWorker *
worker_new (GObject **stand_in)
{
  GisleWorker *worker = gisle_worker_new ();

  *stand_in = g_object_new (G_TYPE_OBJECT, NULL);
  g_weak_ref_set (&worker->isle, *stand_in);
  worker->signals = &test_sink;
  sink.log = g_string_new (NULL);
  sink.emissions = 0;
  sink.thread = NULL;
  return worker;
}

static void
worker_free (GisleWorker *worker,
             GObject     *stand_in)
{
  /* Nothing is left in flight: no source holds the worker. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_weak_ref_set (&worker->isle, NULL);
  g_object_unref (stand_in);
  gisle_worker_unref (worker);
  g_string_free (sink.log, TRUE);
  sink.log = NULL;
}

static void
write_output (GisleWorker *worker,
              guint64      job_id,
              const char  *text)
{
  g_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_output (worker, job_id, G_ISLE_STREAM_STDOUT, text, strlen (text));
  g_mutex_unlock (&worker->dispatch_lock);
}

/* Output, events and progress arrive in the order written, consecutive
 * writes of one job as one emission, in the owner context. */
static void
test_order_and_batching (void)
{
  GObject *stand_in;
  GisleWorker *worker = worker_new (&stand_in);

  write_output (worker, 1, "a");
  write_output (worker, 1, "b");
  gisle_dispatch_event (worker, "tick", g_variant_new_int32 (3));
  write_output (worker, 1, "c");
  write_output (worker, 2, "d");
  gisle_dispatch_progress (worker, 2, 0.5, "half");
  g_assert_cmpuint (sink.emissions, ==, 0);

  GISLE_TEST_WAIT_UNTIL (sink.emissions == 5, GISLE_TEST_TIMEOUT_S * 1000);
  g_assert_cmpstr (sink.log->str, ==, "[o1:ab][e:tick=3][o1:c][o2:d][p2:0.5:half]");
  g_assert_true (sink.thread == g_thread_self ());
  worker_free (worker, stand_in);
}

/* A character split across two writes arrives whole; one that is never
 * finished arrives as U+FFFD once the writer moves on. */
static void
test_utf8_carry (void)
{
  GObject *stand_in;
  GisleWorker *worker = worker_new (&stand_in);
  const char euro[] = "\xe2\x82\xac";

  g_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_output (worker, 1, G_ISLE_STREAM_STDOUT, "x\xe2\x82", 3);
  g_mutex_unlock (&worker->dispatch_lock);
  GISLE_TEST_WAIT_UNTIL (sink.emissions == 1, GISLE_TEST_TIMEOUT_S * 1000);
  g_assert_cmpstr (sink.log->str, ==, "[o1:x]");

  g_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_output (worker, 1, G_ISLE_STREAM_STDOUT, euro + 2, 1);
  gisle_dispatch_output (worker, 2, G_ISLE_STREAM_STDOUT, "\xe2\x82", 2);
  g_mutex_unlock (&worker->dispatch_lock);
  write_output (worker, 3, "y");
  GISLE_TEST_WAIT_UNTIL (sink.emissions == 4, GISLE_TEST_TIMEOUT_S * 1000);
  gisle_test_assert_prefix (sink.log->str, "[o1:x][o1:\xe2\x82\xac][o2:\xef\xbf\xbd");
  g_assert_true (g_str_has_suffix (sink.log->str, "][o3:y]"));
  g_assert_true (g_utf8_validate (sink.log->str, -1, NULL));
  worker_free (worker, stand_in);
}

/* Output counts against the backlog until it is emitted. */
static void
test_backlog_released (void)
{
  GObject *stand_in;
  GisleWorker *worker = worker_new (&stand_in);
  g_autofree char *line = g_strnfill (1000, 'z');

  for (guint i = 0; i < 100; i++)
    write_output (worker, 1, line);
  g_assert_cmpuint (worker->output_pending, ==, 100 * 1000);
  GISLE_TEST_WAIT_UNTIL (worker->output_pending == 0, GISLE_TEST_TIMEOUT_S * 1000);
  /* 100 000 bytes of one job: two emissions at most (64 KiB pieces). */
  g_assert_cmpuint (sink.emissions, <=, 2);
  worker_free (worker, stand_in);
}

/* A blocked caller that owns the context serves output and invocations,
 * from any isle of that context, without running the main loop. */
static gboolean
invoked (gpointer data)
{
  g_string_append (sink.log, "[i]");
  return G_SOURCE_REMOVE;
}

static void
test_serve_owner (void)
{
  GObject *stand_in;
  GisleWorker *worker = worker_new (&stand_in);

  write_output (worker, 7, "early");
  gisle_dispatch_invoke (worker, invoked, NULL, NULL);
  write_output (worker, 7, "late");

  g_assert_true (g_main_context_acquire (NULL));
  gisle_dispatch_serve_owner (worker);
  g_main_context_release (NULL);

  g_assert_cmpstr (sink.log->str, ==, "[o7:early][i][o7:late]");
  g_assert_cmpuint (worker->output_pending, ==, 0);
  worker_free (worker, stand_in);
}

/* Without a stand-in isle (it was dropped), signals go nowhere, and the
 * backlog is still released. */
static void
test_isle_gone (void)
{
  GObject *stand_in;
  GisleWorker *worker = worker_new (&stand_in);

  g_weak_ref_set (&worker->isle, NULL);
  write_output (worker, 1, "lost");
  gisle_dispatch_event (worker, "lost", g_variant_new_int32 (1));
  GISLE_TEST_WAIT_UNTIL (worker->output_pending == 0, GISLE_TEST_TIMEOUT_S * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (sink.emissions, ==, 0);
  worker_free (worker, stand_in);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dispatch/order-and-batching", test_order_and_batching);
  g_test_add_func ("/dispatch/utf8-carry", test_utf8_carry);
  g_test_add_func ("/dispatch/backlog-released", test_backlog_released);
  g_test_add_func ("/dispatch/serve-owner", test_serve_owner);
  g_test_add_func ("/dispatch/isle-gone", test_isle_gone);

  return g_test_run ();
}
