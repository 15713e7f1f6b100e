/* bench-output.c: a flood of output against a 60 Hz main loop.
 *
 * A script prints 1 000 000 short lines while the main loop runs a 16 ms
 * timer. Reports the largest gap between timer ticks, the total time, the
 * line rate, the peak RSS growth, and checks that every line arrived once
 * and in order (the text is parsed as it arrives, never stored, so the
 * checker itself adds nothing to the RSS).
 *
 * Usage: gisle-bench-output [LINES]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include "bench-common.h"

#define TICK_MS      16
#define NOMINAL_US   16667.0    /* one frame at 60 Hz */

typedef struct
{
  GIsle *isle;
  GMainLoop *loop;
  guint64 job_id;

  /* the timer */
  gint64 last_tick;
  gint64 max_gap;
  guint ticks;

  /* the checker */
  guint64 expected;             /* next line number */
  guint64 current;              /* digits of the line being read */
  gboolean in_line;
  guint64 bad;
  guint64 chunks;
  guint64 bytes;
  gsize largest_chunk;
  guint64 foreign;              /* output of another job */

  gint64 started_at;
  gint64 finished_at;
  gboolean ok;
} OutputBench;

static gboolean
on_tick (gpointer data)
{
  OutputBench *b = data;
  gint64 now = g_get_monotonic_time ();

  if (b->last_tick != 0)
    b->max_gap = MAX (b->max_gap, now - b->last_tick);
  b->last_tick = now;
  b->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     data)
{
  OutputBench *b = data;
  gsize len = strlen (text);

  if (job_id != b->job_id || stream != G_ISLE_STREAM_STDOUT)
    {
      b->foreign++;
      return;
    }
  b->chunks++;
  b->bytes += len;
  b->largest_chunk = MAX (b->largest_chunk, len);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p >= '0' && *p <= '9')
        {
          b->current = b->current * 10 + (guint64) (*p - '0');
          b->in_line = TRUE;
        }
      else if (*p == '\n' && b->in_line)
        {
          if (b->current != b->expected)
            {
              if (b->bad++ < 3)
                g_printerr ("line %" G_GUINT64_FORMAT " reads %" G_GUINT64_FORMAT "\n",
                            b->expected, b->current);
              b->expected = b->current;
            }
          b->expected++;
          b->current = 0;
          b->in_line = FALSE;
        }
      else if (b->bad++ < 3)
        g_printerr ("unexpected byte 0x%02x after line %" G_GUINT64_FORMAT "\n",
                    (guchar) *p, b->expected - 1);
    }
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  OutputBench *b = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  b->finished_at = g_get_monotonic_time ();
  value = g_isle_eval_full_finish (b->isle, result, &error);
  if (value == NULL)
    g_printerr ("the script failed: %s\n", error->message);
  b->ok = value != NULL;
  g_main_loop_quit (b->loop);
}

int
main (int argc, char **argv)
{
  guint64 lines = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 1000000;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  OutputBench b = { 0, };
  long rss_before, hwm_before, rss_after, hwm_after, growth;
  gboolean hwm_reset, delivered, met_gap, met_rss;
  guint timer;
  double seconds;

  bench_print_machine ("gisle-bench-output");

  b.isle = g_isle_new (NULL, &error);
  g_assert_no_error (error);
  b.loop = g_main_loop_new (NULL, FALSE);
  b.expected = 1;
  g_signal_connect (b.isle, "output", G_CALLBACK (on_output), &b);

  /* Warm the isle (and the allocator) up before the "before" reading. */
  g_variant_unref (g_isle_eval (b.isle, "local s = 0 for i = 1, 1000 do s = s + i end return s",
                                NULL, &error));
  g_assert_no_error (error);

  hwm_reset = bench_reset_peak_rss ();
  rss_before = bench_proc_status_kib ("VmRSS");
  hwm_before = bench_proc_status_kib ("VmHWM");

  code = g_strdup_printf ("for i = 1, %" G_GUINT64_FORMAT " do print(i) end", lines);
  timer = g_timeout_add (TICK_MS, on_tick, &b);
  b.started_at = g_get_monotonic_time ();
  b.last_tick = b.started_at;
  b.job_id = g_isle_eval_full_async (b.isle, code, "=flood", 0, NULL, on_done, &b);
  g_main_loop_run (b.loop);
  g_source_remove (timer);

  rss_after = bench_proc_status_kib ("VmRSS");
  hwm_after = bench_proc_status_kib ("VmHWM");
  growth = hwm_after - (hwm_reset ? rss_before : hwm_before);
  seconds = (b.finished_at - b.started_at) / 1e6;
  delivered = b.ok && b.bad == 0 && !b.in_line && b.expected == lines + 1 && b.foreign == 0;
  met_gap = (b.max_gap - NOMINAL_US) / 1e3 <= 16.0;
  met_rss = growth <= 64 * 1024;

  printf ("\n%" G_GUINT64_FORMAT " lines printed by `for i = 1, N do print(i) end` "
          "with a %u ms timer in the main loop\n", lines, TICK_MS);
  printf ("largest gap between timer ticks: %.1f ms (%.1f ms over one 60 Hz frame of 16.7 ms; "
          "%u ticks)  [target <= 16 ms over: %s]\n",
          b.max_gap / 1e3, (b.max_gap - NOMINAL_US) / 1e3, b.ticks, met_gap ? "MET" : "MISSED");
  printf ("total time: %.3f s, %.0f lines/s, %.1f MB/s of text\n",
          seconds, lines / seconds, b.bytes / seconds / 1e6);
  printf ("delivery: %" G_GUINT64_FORMAT " output signals, largest %.1f KiB, "
          "mean %.1f KiB\n", b.chunks, b.largest_chunk / 1024.0,
          b.chunks ? b.bytes / 1024.0 / b.chunks : 0.0);
  printf ("peak RSS growth: %.1f MiB (VmRSS before %.1f MiB, VmHWM after %.1f MiB%s, "
          "VmRSS after %.1f MiB)  [target <= 64 MiB: %s]\n",
          growth / 1024.0, rss_before / 1024.0, hwm_after / 1024.0,
          hwm_reset ? ", peak reset before the run" : "", rss_after / 1024.0,
          met_rss ? "MET" : "MISSED");
  printf ("every line delivered once and in order: %s (%" G_GUINT64_FORMAT " lines, "
          "%" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " anomalies)\n",
          delivered ? "YES" : "NO", b.expected - 1, b.bytes, b.bad);

  g_isle_close (b.isle, NULL, NULL);
  g_object_unref (b.isle);
  g_main_loop_unref (b.loop);
  return delivered ? 0 : 1;
}
