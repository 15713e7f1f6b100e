/* bench-common.h: small helpers shared by the GIsle benchmarks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

/* Latency samples in microseconds. */
typedef struct
{
  gint64 *v;
  guint n;
  guint cap;
} BenchSamples;

static inline void
bench_samples_init (BenchSamples *s, guint cap)
{
  s->v = g_new (gint64, cap);
  s->n = 0;
  s->cap = cap;
}

static inline void
bench_samples_add (BenchSamples *s, gint64 us)
{
  if (s->n == s->cap)
    {
      s->cap *= 2;
      s->v = g_renew (gint64, s->v, s->cap);
    }
  s->v[s->n++] = us;
}

static inline void
bench_samples_clear (BenchSamples *s)
{
  g_clear_pointer (&s->v, g_free);
  s->n = s->cap = 0;
}

static int
bench_cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile, p in [0, 100], after sorting. */
static inline double
bench_percentile (BenchSamples *s, double p)
{
  guint idx;

  if (s->n == 0)
    return 0;
  qsort (s->v, s->n, sizeof (gint64), bench_cmp_i64);
  idx = (guint) (p / 100.0 * s->n + 0.5);
  if (idx > 0)
    idx--;
  if (idx >= s->n)
    idx = s->n - 1;
  return (double) s->v[idx];
}

static inline double
bench_mean (BenchSamples *s)
{
  double sum = 0;

  for (guint i = 0; i < s->n; i++)
    sum += s->v[i];
  return s->n ? sum / s->n : 0;
}

static inline double
bench_median (BenchSamples *s)
{
  return bench_percentile (s, 50);
}

static inline double
bench_max (BenchSamples *s)
{
  return bench_percentile (s, 100);
}

/* A field of /proc/self/status in KiB (VmRSS, VmHWM), or -1. */
static inline long
bench_proc_status_kib (const char *field)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  size_t len = strlen (field);
  long value = -1;

  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f) != NULL)
    if (strncmp (line, field, len) == 0 && line[len] == ':')
      {
        value = strtol (line + len + 1, NULL, 10);
        break;
      }
  fclose (f);
  return value;
}

/* CPU time (ns, from schedstat) and context switches (voluntary +
 * involuntary) of the threads of this process whose name is @comm, or of
 * the thread @tid if @comm is NULL. */
typedef struct
{
  guint64 cpu_ns;
  guint64 switches;
} BenchThreadStats;

static inline BenchThreadStats
bench_thread_stats (const char *comm, long tid)
{
  BenchThreadStats stats = { 0, 0 };
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;

  if (dir == NULL)
    return stats;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", name);
      g_autofree char *sched_path = g_strdup_printf ("/proc/self/task/%s/schedstat", name);
      g_autofree char *status_path = g_strdup_printf ("/proc/self/task/%s/status", name);
      g_autofree char *text = NULL;
      char *p;

      if (comm != NULL)
        {
          if (!g_file_get_contents (comm_path, &text, NULL, NULL))
            continue;
          g_strchomp (text);
          if (strcmp (text, comm) != 0)
            continue;
        }
      else if (atol (name) != tid)
        continue;

      g_clear_pointer (&text, g_free);
      if (g_file_get_contents (sched_path, &text, NULL, NULL))
        stats.cpu_ns += g_ascii_strtoull (text, NULL, 10);
      g_clear_pointer (&text, g_free);
      if (g_file_get_contents (status_path, &text, NULL, NULL))
        {
          if ((p = strstr (text, "voluntary_ctxt_switches:")) != NULL)
            stats.switches += g_ascii_strtoull (p + strlen ("voluntary_ctxt_switches:"), NULL, 10);
          if ((p = strstr (text, "nonvoluntary_ctxt_switches:")) != NULL)
            stats.switches += g_ascii_strtoull (p + strlen ("nonvoluntary_ctxt_switches:"), NULL, 10);
        }
    }
  g_dir_close (dir);
  return stats;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0); FALSE if not allowed. */
static inline gboolean
bench_reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  gboolean ok;

  if (f == NULL)
    return FALSE;
  ok = fputs ("5", f) >= 0;
  ok = (fclose (f) == 0) && ok;
  return ok;
}

static inline void
bench_print_machine (const char *name)
{
  g_autofree char *cpuinfo = NULL;
  const char *model = "unknown";
  g_autofree char *model_copy = NULL;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      char *p = strstr (cpuinfo, "model name");
      if (p != NULL && (p = strchr (p, ':')) != NULL)
        {
          char *end = strchr (p, '\n');
          model_copy = g_strndup (p + 2, end ? (gsize) (end - p - 2) : strlen (p + 2));
          model = model_copy;
        }
    }
  {
    g_autofree char *loadavg = NULL;

    if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
      g_strchomp (loadavg);
    printf ("== %s ==\n", name);
    printf ("load average at start: %s\n", loadavg ? loadavg : "unknown");
  }
  printf ("machine: %u CPUs (%s), GLib %u.%u.%u\n",
          g_get_num_processors (), model,
          glib_major_version, glib_minor_version, glib_micro_version);
  fflush (stdout);
}

#ifdef _GNU_SOURCE
#include <errno.h>
#include <sched.h>

/* Pins the whole process (@who: the threads it has, for the message) to
 * the CPU it runs on now, so both sides of a comparison share one core. */
static inline void
bench_pin_to_current_cpu (const char *who)
{
  cpu_set_t set;
  int cpu = sched_getcpu ();

  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) == 0)
    printf ("pinned to CPU %d (%s; --no-pin to keep the default affinity)\n", cpu, who);
  else
    printf ("could not pin to one CPU: %s\n", g_strerror (errno));
}
#endif
