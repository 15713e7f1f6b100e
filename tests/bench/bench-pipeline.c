/* bench-pipeline.c: one pipeline of g_isle_call_async on its own.
 *
 * gisle-bench-roundtrip measures the pipelined rate next to its floors,
 * the modes taking turns. This program runs only the isle's pipeline, 1 000
 * calls in flight, each callback submitting the next, and prints the rate
 * with each thread's CPU time and context switches per call (getrusage
 * RUSAGE_THREAD, read on the worker through g_isle_exec). Run it several
 * times: on a shared VM whole runs move between a fast and a slow state.
 *
 * Usage: gisle-bench-pipeline [CALLS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <gisle.h>
#include <sys/resource.h>

#include "bench-common.h"

#define IN_FLIGHT 1000

typedef struct
{
  GIsle *isle;
  GMainLoop *loop;
  guint issued;
  guint done;
  guint total;
  guint errors;
} Pipeline;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Pipeline *p = data;
  g_autoptr(GVariant) value = g_isle_call_finish (p->isle, result, NULL);

  if (value == NULL)
    p->errors++;
  p->done++;
  if (p->issued < p->total)
    {
      p->issued++;
      g_isle_call_async (p->isle, "f", NULL, NULL, on_done, p);
    }
  if (p->done == p->total)
    g_main_loop_quit (p->loop);
}

static GVariant *
read_usage (GIsle      *isle,
            lua_State  *L,
            gpointer    data,
            GError    **error)
{
  getrusage (RUSAGE_THREAD, data);
  return NULL;
}

static double
cpu_us (const struct rusage *u)
{
  return u->ru_utime.tv_sec * 1e6 + u->ru_utime.tv_usec +
         u->ru_stime.tv_sec * 1e6 + u->ru_stime.tv_usec;
}

int
main (int argc, char **argv)
{
  Pipeline p = { 0, };
  struct rusage main_start, main_end, worker_start, worker_end;
  gint64 started, finished;

  p.total = argc > 1 ? (guint) atoi (argv[1]) : 400000;
  p.isle = g_isle_new (NULL, NULL);
  g_variant_unref (g_isle_eval (p.isle, "function f() return 1 end", NULL, NULL));
  p.loop = g_main_loop_new (NULL, FALSE);

  g_isle_exec (p.isle, read_usage, &worker_start, NULL, NULL);
  getrusage (RUSAGE_THREAD, &main_start);
  started = g_get_monotonic_time ();
  for (; p.issued < IN_FLIGHT && p.issued < p.total; p.issued++)
    g_isle_call_async (p.isle, "f", NULL, NULL, on_done, &p);
  g_main_loop_run (p.loop);
  finished = g_get_monotonic_time ();
  getrusage (RUSAGE_THREAD, &main_end);
  g_isle_exec (p.isle, read_usage, &worker_end, NULL, NULL);

  printf ("pipelined g_isle_call_async, %u in flight, %u calls: %.0f calls/s%s\n"
          "  per call: main thread %.2f µs CPU, %.3f context switches; "
          "worker %.2f µs CPU, %.3f context switches\n",
          IN_FLIGHT, p.total, p.total / ((finished - started) / 1e6),
          p.errors > 0 ? " (ERRORS)" : "",
          (cpu_us (&main_end) - cpu_us (&main_start)) / p.total,
          (double) (main_end.ru_nvcsw + main_end.ru_nivcsw -
                    main_start.ru_nvcsw - main_start.ru_nivcsw) / p.total,
          (cpu_us (&worker_end) - cpu_us (&worker_start)) / p.total,
          (double) (worker_end.ru_nvcsw + worker_end.ru_nivcsw -
                    worker_start.ru_nvcsw - worker_start.ru_nivcsw) / p.total);

  g_main_loop_unref (p.loop);
  g_isle_close (p.isle, NULL, NULL);
  g_object_unref (p.isle);
  return p.errors > 0;
}
