/* bench-roundtrip.c: what one job costs, serially and pipelined (issue 2).
 *
 * (a) Serial round trips delivered to a GMainLoop: g_isle_eval_async of
 *     `return 1` (compiles every time) and g_isle_call_async of a global
 *     `function f() return 1 end` (no compile), next to a raw floor measured
 *     in this same process: a worker GThread fed by a GAsyncQueue that
 *     completes a GTask with g_task_return_pointer, delivered to the same
 *     kind of main loop.
 * (b) Pipelined throughput of g_isle_call_async with 1 000 requests in
 *     flight (a new one is submitted from each callback), next to the same
 *     raw worker pipelined.
 *
 * Usage: gisle-bench-roundtrip [SERIAL_COUNT [PIPELINED_COUNT]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include "bench-common.h"

#define WARMUP       2000
#define IN_FLIGHT    1000

typedef enum { MODE_RAW, MODE_EVAL, MODE_CALL, MODE_RAW_BATCHED } Mode;

static const char *mode_names[] = {
  "raw floor (GThread + GAsyncQueue + GTask)",
  "g_isle_eval_async (\"return 1\")",
  "g_isle_call_async (\"f\")",
  "raw batched floor (results drained per wake-up)",
};

typedef struct
{
  Mode mode;
  GIsle *isle;
  GAsyncQueue *raw_queue;     /* GTask pushed to the raw worker */
  GMainLoop *loop;

  /* serial */
  guint target;               /* samples to record after warm-up */
  guint done;                 /* completions so far, warm-up included */
  gint64 submitted_at;
  BenchSamples samples;

  /* pipelined */
  guint total;                /* calls to complete after warm-up */
  guint issued;
  guint completed;
  gint64 started_at;
  gint64 finished_at;
  guint errors;
  guint direct;               /* callbacks run straight from the result's source */
  guint deferred;             /* callbacks run from an extra GTask idle source */
} Bench;

/* ---- The raw floor: one worker thread, one queue, GTask per result ---- */

static gpointer
raw_worker_main (gpointer data)
{
  GAsyncQueue *queue = data;

  for (;;)
    {
      GTask *task = g_async_queue_pop (queue);

      if (task == (gpointer) queue)  /* the stop marker */
        break;
      g_task_return_pointer (task, GINT_TO_POINTER (1), NULL);
      g_object_unref (task);
    }
  return NULL;
}

/* ---- The batched raw floor: the design GIsle uses, with nothing else ----
 * Requests go through a GAsyncQueue (which signals only a waiting
 * consumer); results are appended to a list, and one idle source attached
 * to the caller's context when the list was empty completes them all with
 * g_task_return_pointer. This is what GIsle's dispatcher does, minus the
 * Lua work, the job bookkeeping and GIsle's own locks. */

typedef struct
{
  GAsyncQueue *requests;
  GMutex lock;
  GQueue results;
  GSource *source;
  GMainContext *context;
} Batched;

static gboolean
batched_drain (gpointer data)
{
  Batched *batched = data;
  GQueue results;

  g_mutex_lock (&batched->lock);
  results = batched->results;
  g_queue_init (&batched->results);
  g_clear_pointer (&batched->source, g_source_unref);
  g_mutex_unlock (&batched->lock);

  for (GList *l = results.head; l != NULL; l = l->next)
    {
      g_task_return_pointer (l->data, GINT_TO_POINTER (1), NULL);
      g_object_unref (l->data);
    }
  g_list_free (results.head);
  return G_SOURCE_REMOVE;
}

static gpointer
batched_worker_main (gpointer data)
{
  Batched *batched = data;

  for (;;)
    {
      GTask *task = g_async_queue_pop (batched->requests);

      if (task == (gpointer) batched)  /* the stop marker */
        break;
      g_mutex_lock (&batched->lock);
      g_queue_push_tail (&batched->results, task);
      if (batched->source == NULL)
        {
          batched->source = g_idle_source_new ();
          g_source_set_callback (batched->source, batched_drain, batched, NULL);
          g_source_attach (batched->source, batched->context);
        }
      g_mutex_unlock (&batched->lock);
    }
  return NULL;
}

static Batched batched;

static void on_done (GObject *source, GAsyncResult *result, gpointer data);

static void
submit (Bench *b)
{
  switch (b->mode)
    {
    case MODE_RAW:
      {
        GTask *task = g_task_new (NULL, NULL, on_done, b);
        g_async_queue_push (b->raw_queue, task);
      }
      break;
    case MODE_RAW_BATCHED:
      g_async_queue_push (batched.requests, g_task_new (NULL, NULL, on_done, b));
      break;
    case MODE_EVAL:
      g_isle_eval_async (b->isle, "return 1", NULL, on_done, b);
      break;
    case MODE_CALL:
      g_isle_call_async (b->isle, "f", NULL, NULL, on_done, b);
      break;
    }
}

static gboolean
finish (Bench *b, GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  switch (b->mode)
    {
    case MODE_RAW:
    case MODE_RAW_BATCHED:
      return g_task_propagate_pointer (G_TASK (result), &error) == GINT_TO_POINTER (1);
    case MODE_EVAL:
      value = g_isle_eval_finish (b->isle, result, &error);
      break;
    case MODE_CALL:
      value = g_isle_call_finish (b->isle, result, &error);
      break;
    }
  if (value == NULL)
    {
      g_printerr ("job failed: %s\n", error ? error->message : "no result");
      return FALSE;
    }
  return TRUE;
}

/* ---- Serial ------------------------------------------------------------ */

static void
serial_submit (Bench *b)
{
  b->submitted_at = g_get_monotonic_time ();
  submit (b);
}

static void
serial_done (Bench *b, GAsyncResult *result)
{
  gint64 now = g_get_monotonic_time ();

  if (!finish (b, result))
    b->errors++;
  if (b->done >= WARMUP)
    bench_samples_add (&b->samples, now - b->submitted_at);
  b->done++;
  if (b->done < WARMUP + b->target)
    serial_submit (b);
  else
    g_main_loop_quit (b->loop);
}

/* ---- Pipelined --------------------------------------------------------- */

/* GTask runs the callback at once only when it is returned from a source
 * of its context in a later main-loop iteration than the one that created
 * it; otherwise it attaches one more idle source ("[gio] complete regular
 * task" or similar) per task. Count which path each result took. */
static void
count_path (Bench *b)
{
  GSource *source = g_main_current_source ();
  const char *name = source != NULL ? g_source_get_name (source) : NULL;

  if (name != NULL && strstr (name, "complete") != NULL)
    b->deferred++;
  else
    b->direct++;
}

static void
pipelined_done (Bench *b, GAsyncResult *result)
{
  if (b->completed >= WARMUP)
    count_path (b);
  if (!finish (b, result))
    b->errors++;
  b->completed++;
  if (b->completed == WARMUP)
    b->started_at = g_get_monotonic_time ();
  if (b->issued < WARMUP + b->total)
    {
      b->issued++;
      submit (b);
    }
  if (b->completed == WARMUP + b->total)
    {
      b->finished_at = g_get_monotonic_time ();
      g_main_loop_quit (b->loop);
    }
}

static gboolean pipelined = FALSE;

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  if (pipelined)
    pipelined_done (data, result);
  else
    serial_done (data, result);
}

/* ------------------------------------------------------------------------ */

static void
bench_setup (Bench *b, Mode mode, GIsle *isle, GAsyncQueue *raw_queue)
{
  memset (b, 0, sizeof *b);
  b->mode = mode;
  b->isle = isle;
  b->raw_queue = raw_queue;
  b->loop = g_main_loop_new (NULL, FALSE);
}

static double
run_serial (Mode mode, GIsle *isle, GAsyncQueue *raw_queue, guint count, double *p99)
{
  Bench b;
  double median, mean;

  bench_setup (&b, mode, isle, raw_queue);
  pipelined = FALSE;
  b.target = count;
  bench_samples_init (&b.samples, count);
  serial_submit (&b);
  g_main_loop_run (b.loop);

  mean = bench_mean (&b.samples);
  median = bench_median (&b.samples);
  *p99 = bench_percentile (&b.samples, 99);
  printf ("  %-48s median %5.1f µs  mean %5.1f µs  p99 %6.1f µs  (n=%u%s)\n",
          mode_names[mode], median, mean, *p99, b.samples.n, b.errors ? ", ERRORS" : "");
  fflush (stdout);
  bench_samples_clear (&b.samples);
  g_main_loop_unref (b.loop);
  return median;
}

static double
run_pipelined (Mode mode, GIsle *isle, GAsyncQueue *raw_queue, guint count)
{
  Bench b;
  double rate;

  bench_setup (&b, mode, isle, raw_queue);
  pipelined = TRUE;
  b.total = count;
  for (b.issued = 0; b.issued < IN_FLIGHT; b.issued++)
    submit (&b);
  g_main_loop_run (b.loop);

  rate = count / ((b.finished_at - b.started_at) / 1e6);
  printf ("  %-48s %8.0f calls/s  (%u calls, %u in flight, %.2f s%s)\n",
          mode_names[mode], rate, count, IN_FLIGHT,
          (b.finished_at - b.started_at) / 1e6, b.errors ? ", ERRORS" : "");
  if (mode != MODE_RAW)
    printf ("  %-48s %.1f%% of callbacks needed an extra GTask idle source "
            "(task returned in the main-loop iteration that created it)\n",
            "", 100.0 * b.deferred / MAX (1, b.deferred + b.direct));
  fflush (stdout);
  g_main_loop_unref (b.loop);
  return rate;
}

int
main (int argc, char **argv)
{
  guint serial_count = argc > 1 ? (guint) atoi (argv[1]) : 20000;
  guint pipelined_count = argc > 2 ? (guint) atoi (argv[2]) : 200000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GVariant) ignored = NULL;
  GAsyncQueue *raw_queue;
  GThread *raw_thread, *batched_thread;
  double raw_med, raw_p99, eval_med, eval_p99, call_med, call_p99;
  double raw_rate, batched_rate, call_rate, batched_med, batched_p99;

  bench_print_machine ("gisle-bench-roundtrip");

  isle = g_isle_new (NULL, &error);
  g_assert_no_error (error);
  ignored = g_isle_eval (isle, "function f() return 1 end", NULL, &error);
  g_assert_no_error (error);

  raw_queue = g_async_queue_new ();
  raw_thread = g_thread_new ("raw-worker", raw_worker_main, raw_queue);
  batched.requests = g_async_queue_new ();
  g_mutex_init (&batched.lock);
  g_queue_init (&batched.results);
  batched.context = g_main_context_ref_thread_default ();
  batched_thread = g_thread_new ("batched-worker", batched_worker_main, &batched);

  printf ("\n(a) serial round trips, %u after %u warm-up, delivered to a GMainLoop\n",
          serial_count, WARMUP);
  raw_med = run_serial (MODE_RAW, NULL, raw_queue, serial_count, &raw_p99);
  call_med = run_serial (MODE_CALL, isle, NULL, serial_count, &call_p99);
  eval_med = run_serial (MODE_EVAL, isle, NULL, serial_count, &eval_p99);
  batched_med = run_serial (MODE_RAW_BATCHED, NULL, NULL, serial_count, &batched_p99);
  printf ("serial round trip, g_isle_call_async (no compile; the fair comparison, "
          "target applies): median %.1f µs (floor %.1f µs, ratio %.2f; target <= 1.30: %s)\n",
          call_med, raw_med, call_med / raw_med, call_med / raw_med <= 1.30 ? "MET" : "MISSED");
  printf ("serial round trip, g_isle_call_async: p99 %.1f µs (floor p99 %.1f µs, ratio %.2f)\n",
          call_p99, raw_p99, call_p99 / raw_p99);
  printf ("serial round trip, batched raw floor (GIsle's delivery design, no Lua): "
          "median %.1f µs, p99 %.1f µs\n", batched_med, batched_p99);
  printf ("serial round trip, g_isle_eval_async (compiles \"return 1\" each time): "
          "median %.1f µs (floor %.1f µs, ratio %.2f), p99 %.1f µs\n",
          eval_med, raw_med, eval_med / raw_med, eval_p99);

  printf ("\n(b) pipelined, %u in flight, %u calls after %u warm-up\n",
          IN_FLIGHT, pipelined_count, WARMUP);
  raw_rate = run_pipelined (MODE_RAW, NULL, raw_queue, pipelined_count);
  batched_rate = run_pipelined (MODE_RAW_BATCHED, NULL, NULL, pipelined_count);
  call_rate = run_pipelined (MODE_CALL, isle, NULL, pipelined_count);
  printf ("pipelined throughput, g_isle_call_async: %.0f calls/s "
          "(raw GTask-per-result worker %.0f calls/s, raw batched %.0f calls/s; "
          "target >= 300000: %s)\n",
          call_rate, raw_rate, batched_rate, call_rate >= 300000 ? "MET" : "MISSED");

  g_async_queue_push (raw_queue, raw_queue);
  g_thread_join (raw_thread);
  g_async_queue_push (batched.requests, &batched);
  g_thread_join (batched_thread);
  g_async_queue_unref (raw_queue);
  g_isle_close (isle, NULL, NULL);
  return 0;
}
