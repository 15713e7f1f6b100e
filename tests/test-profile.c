/* test-profile.c: the sampling profiler (g_isle_profile_start/stop).
 *
 * The workloads run for a fixed amount of CPU time (os.clock), so that the
 * profiler has time to take samples; nothing waits on a clock to
 * synchronise. In the 'threads' suite, which CI runs under ThreadSanitizer:
 * there a signal reaches a thread only at an intercepted libc call, so
 * every loop that must be sampled or cancelled allocates (`{}`).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-test-utils.h"

#include <string.h>

#define WAIT_MS 10000

/* Two functions, one doing ten times the work of the other, called in
 * turn for about @seconds of CPU time. */
#define HOT_COLD_CODE(seconds)                                            \
  "local function hot(n)\n"                                               \
  "  local s = 0\n"                                                       \
  "  for i = 1, n * 10 do local t = {} s = s + i end\n"                   \
  "  return s\n"                                                          \
  "end\n"                                                                 \
  "local function cold(n)\n"                                              \
  "  local s = 0\n"                                                       \
  "  for i = 1, n do local t = {} s = s + i end\n"                        \
  "  return s\n"                                                          \
  "end\n"                                                                 \
  "local deadline = os.clock() + " seconds "\n"                           \
  "while os.clock() < deadline do hot(200) cold(200) end\n"

static GIsle *
isle_new (GIsleLibraries libraries,
          guint          grace_ms,
          guint          hard_ms)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                                "libraries", libraries,
                                "grace-period", grace_ms,
                                "hard-deadline", hard_ms,
                                NULL);

  g_assert_no_error (error);
  return isle;
}

static void
run (GIsle      *isle,
     const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_full (isle, code, "=prof", 0, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
}

static guint64
lookup_u64 (GVariant   *profile,
            const char *key)
{
  guint64 value = 0;

  g_assert_true (g_variant_lookup (profile, key, "t", &value));
  return value;
}

/* Finds a function's (self, total) by label prefix. */
static gboolean
find_function (GVariant   *profile,
               const char *prefix,
               guint64    *self,
               guint64    *total)
{
  g_autoptr(GVariantIter) iter = NULL;
  const char *label, *source;
  gint32 line;
  guint64 s, t;

  g_assert_true (g_variant_lookup (profile, "functions", "a(ssitt)", &iter));
  while (g_variant_iter_next (iter, "(&s&sitt)", &label, &source, &line, &s, &t))
    if (g_str_has_prefix (label, prefix))
      {
        *self = s;
        *total = t;
        return TRUE;
      }
  return FALSE;
}

/* Checks the folded text line by line; returns the samples it counts. */
static guint64
check_folded (const char *folded)
{
  g_auto(GStrv) lines = g_strsplit (folded, "\n", -1);
  guint64 sum = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space;
      char *end;
      guint64 count;
      g_auto(GStrv) frames = NULL;

      if (lines[i][0] == '\0')
        {
          g_assert_null (lines[i + 1]);   /* only after the final newline */
          break;
        }
      space = strrchr (lines[i], ' ');
      g_assert_nonnull (space);
      count = g_ascii_strtoull (space + 1, &end, 10);
      g_assert_cmpint (*end, ==, '\0');
      g_assert_cmpuint (count, >, 0);
      sum += count;

      {
        g_autofree char *stack = g_strndup (lines[i], space - lines[i]);

        frames = g_strsplit (stack, ";", -1);
      }
      g_assert_nonnull (frames[0]);
      for (guint f = 0; frames[f] != NULL; f++)
        g_assert_cmpuint (strlen (frames[f]), >, 0);
    }
  return sum;
}

/* ---- Samples land in the hot function -------------------------------- */

static void
test_profile_hot_function (void)
{
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_SAFE, 1000, 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) profile = NULL;
  g_autofree char *folded = NULL;
  const char *folded_in_value = NULL;
  guint64 samples, hot_self = 0, hot_total = 0, cold_self = 0, cold_total = 0;
  guint64 main_self = 0, main_total = 0;
  g_autoptr(GVariantIter) iter = NULL;
  const char *caller, *callee, *source;
  gint32 line;
  guint64 count;
  gboolean edge_found = FALSE;
  guint32 rate = 0;

  g_assert_false (g_isle_is_profiling (isle));
  g_assert_true (g_isle_profile_start (isle, 0, &error));
  g_assert_no_error (error);
  g_assert_true (g_isle_is_profiling (isle));

  run (isle, HOT_COLD_CODE ("0.3"));

  profile = g_isle_profile_stop (isle, &folded);
  g_assert_false (g_isle_is_profiling (isle));
  g_assert_nonnull (profile);
  g_assert_nonnull (folded);
  g_assert_true (g_variant_is_of_type (profile, G_VARIANT_TYPE_VARDICT));

  g_assert_true (g_variant_lookup (profile, "rate", "u", &rate));
  g_assert_cmpuint (rate, ==, 1000);
  samples = lookup_u64 (profile, "samples");
  g_test_message ("%" G_GUINT64_FORMAT " samples in %" G_GUINT64_FORMAT " us",
                  samples, lookup_u64 (profile, "duration"));
  g_assert_cmpuint (samples, >=, 10);

  g_assert_true (find_function (profile, "hot@prof:1", &hot_self, &hot_total));
  g_assert_true (find_function (profile, "(main)@prof:0", &main_self, &main_total));
  g_test_message ("hot %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ", main %"
                  G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                  hot_self, hot_total, main_self, main_total);
  if (find_function (profile, "cold@prof:6", &cold_self, &cold_total))
    g_assert_cmpuint (cold_self, <, hot_self);
  /* Ten times the work: well over half of the samples. */
  g_assert_cmpuint (hot_self * 2, >, samples);
  g_assert_cmpuint (hot_total, >=, hot_self);
  /* The main chunk is on every stack. */
  g_assert_cmpuint (main_total, ==, samples);

  /* The hottest line is in hot's loop. */
  g_assert_true (g_variant_lookup (profile, "lines", "a(sit)", &iter));
  g_assert_true (g_variant_iter_next (iter, "(&sit)", &source, &line, &count));
  g_assert_cmpstr (source, ==, "prof");
  g_assert_cmpint (line, ==, 3);
  g_clear_pointer (&iter, g_variant_iter_free);

  g_assert_true (g_variant_lookup (profile, "edges", "a(sst)", &iter));
  while (g_variant_iter_next (iter, "(&s&st)", &caller, &callee, &count))
    if (strcmp (caller, "(main)@prof:0") == 0 && strcmp (callee, "hot@prof:1") == 0)
      {
        edge_found = TRUE;
        g_assert_cmpuint (count, ==, hot_total);
      }
  g_assert_true (edge_found);

  /* The folded text: in the value too, parseable, every sample once. */
  g_assert_true (g_variant_lookup (profile, "folded", "&s", &folded_in_value));
  g_assert_cmpstr (folded_in_value, ==, folded);
  g_assert_cmpuint (check_folded (folded), ==, samples);
  g_assert_nonnull (strstr (folded, "(main)@prof:0;hot@prof:1 "));

  /* Stopped: a second stop has nothing. */
  g_assert_null (g_isle_profile_stop (isle, NULL));
}

/* ---- Coroutines: the stack reads from the outermost resumer ------------ */

static void
test_profile_coroutine (void)
{
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_SAFE, 1000, 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) profile = NULL;
  g_autofree char *folded = NULL;

  g_assert_true (g_isle_profile_start (isle, 2000, &error));
  g_assert_no_error (error);
  run (isle,
       "local function spin(n) local s = 0 for i = 1, n do local t = {} s = s + i end return s end\n"
       "local co = coroutine.wrap(function()\n"
       "  while true do spin(2000) coroutine.yield() end\n"
       "end)\n"
       "local deadline = os.clock() + 0.2\n"
       "while os.clock() < deadline do co() end\n");
  profile = g_isle_profile_stop (isle, &folded);
  g_assert_nonnull (profile);
  g_assert_cmpuint (check_folded (folded), ==, lookup_u64 (profile, "samples"));
  /* main chunk -> the wrap function (C) -> the coroutine body -> spin */
  g_assert_nonnull (strstr (folded, "(main)@prof:0;co@[C];(anonymous)@prof:2;spin@prof:1 "));
}

/* ---- Starting and stopping from other threads ------------------------- */

static gpointer
start_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_isle_profile_start (data, 1000, &error));
  g_assert_no_error (error);
  return NULL;
}

static gpointer
stop_thread (gpointer data)
{
  char *folded = NULL;
  GVariant *profile = g_isle_profile_stop (data, &folded);

  g_assert_nonnull (profile);
  g_assert_cmpuint (check_folded (folded), ==, lookup_u64 (profile, "samples"));
  g_free (folded);
  return profile;
}

typedef struct
{
  GIsle *isle;
  gint stop;                     /* atomic */
  guint rounds;
} Churn;

static gpointer
churn_thread (gpointer data)
{
  Churn *churn = data;

  while (!g_atomic_int_get (&churn->stop) || churn->rounds < 20)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) profile = NULL;

      g_assert_true (g_isle_profile_start (churn->isle, 10000, &error));
      g_assert_no_error (error);
      /* Another start while it runs is refused. */
      g_assert_false (g_isle_profile_start (churn->isle, 10000, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
      profile = g_isle_profile_stop (churn->isle, NULL);
      g_assert_nonnull (profile);
      churn->rounds++;
    }
  return NULL;
}

static void
test_profile_threads (void)
{
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_SAFE, 1000, 5000);
  GVariant *profile;
  Churn churn = { isle, 0, 0 };
  GThread *thread;

  g_thread_join (g_thread_new ("start", start_thread, isle));
  g_assert_true (g_isle_is_profiling (isle));
  run (isle, HOT_COLD_CODE ("0.1"));
  profile = g_thread_join (g_thread_new ("stop", stop_thread, isle));
  g_assert_cmpuint (lookup_u64 (profile, "samples"), >, 0);
  g_variant_unref (profile);
  g_assert_false (g_isle_is_profiling (isle));

  /* Start and stop over and over while jobs run. */
  thread = g_thread_new ("churn", churn_thread, &churn);
  for (guint i = 0; i < 20; i++)
    run (isle, HOT_COLD_CODE ("0.005"));
  g_atomic_int_set (&churn.stop, 1);
  g_thread_join (thread);
  g_assert_false (g_isle_is_profiling (isle));
}

/* ---- Arguments and the closed isle ---------------------------------- */

static void
test_profile_errors (void)
{
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_SAFE, 1000, 5000);
  g_autoptr(GError) error = NULL;
  char *folded = (char *) "unset";

  g_assert_null (g_isle_profile_stop (isle, &folded));
  g_assert_null (folded);
  g_assert_false (g_isle_profile_start (isle, 1000000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_isle_is_profiling (isle));

  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_isle_profile_start (isle, 0, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
}

/* An isle dropped while its profiler runs ends the timer thread. */
static void
test_profile_unref_running (void)
{
  GIsle *isle = isle_new (G_ISLE_LIBRARIES_SAFE, 1000, 5000);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_isle_profile_start (isle, 1000, &error));
  g_assert_no_error (error);
  run (isle, HOT_COLD_CODE ("0.01"));
  g_object_unref (isle);
}

/* ---- Cancel still works while profiling ------------------------------- */

typedef struct
{
  GCancellable *cancellable;
  gint64 cancel_time;
} Trigger;

static void
on_started (GIsle      *isle,
            const char *name,
            GVariant   *value,
            gpointer    data)
{
  Trigger *t = data;

  t->cancel_time = g_get_monotonic_time ();
  g_cancellable_cancel (t->cancellable);
}

typedef struct
{
  gint done;
  GError *error;
  gint64 done_time;
} Outcome;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Outcome *o = data;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &o->error);

  o->done_time = g_get_monotonic_time ();
  g_atomic_int_set (&o->done, 1);
}

/* Work before the cancel, so that the profiler has samples to take. */
#define WARM_UP_CODE                                                      \
  "local deadline = os.clock() + 0.02\n"                                  \
  "while os.clock() < deadline do local t = {} end\n"

/* Runs @code while profiling at the highest rate, cancels it once it
 * emits "started", and returns the latency in milliseconds. */
static double
cancel_while_profiling (GIsle      *isle,
                        const char *code,
                        guint64    *samples)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) profile = NULL;
  Trigger trigger = { cancellable, 0 };
  Outcome o = { 0, };
  gulong handler;

  g_assert_true (g_isle_profile_start (isle, 10000, &error));
  g_assert_no_error (error);
  handler = g_signal_connect (isle, "event::started", G_CALLBACK (on_started), &trigger);
  g_isle_eval_async (isle, code, cancellable, on_done, &o);
  GISLE_TEST_WAIT_UNTIL (g_atomic_int_get (&o.done), WAIT_MS);
  g_signal_handler_disconnect (isle, handler);
  profile = g_isle_profile_stop (isle, NULL);

  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&o.error);
  g_assert_cmpint (trigger.cancel_time, >, 0);
  *samples += lookup_u64 (profile, "samples");
  run (isle, "return 1");
  return (o.done_time - trigger.cancel_time) / 1000.0;
}

static void
test_profile_cancel_soft (void)
{
  /* A long grace period: only the soft cancel can stop it in time. */
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_SAFE, 2000, 4000);
  guint64 samples = 0;
  double worst = 0;

  /* The cancel races with the samples: try it a few times. */
  for (guint i = 0; i < 10; i++)
    worst = MAX (worst, cancel_while_profiling (isle,
                                                WARM_UP_CODE
                                                "isle.emit('started')\n"
                                                "while true do local t = {} end\n",
                                                &samples));
  g_test_message ("soft cancel while profiling: at worst %.1f ms; %" G_GUINT64_FORMAT
                  " samples", worst, samples);
  g_assert_cmpuint (samples, >, 0);
  g_assert_cmpfloat (worst, <, 1000.0 * gisle_test_slowdown ());
}

static void
test_profile_cancel_hard (void)
{
  /* pcall swallows the soft cancel: the hard one after 50 ms must stick. */
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_SAFE, 50, 4000);
  guint64 samples = 0;
  double worst = 0;

  for (guint i = 0; i < 5; i++)
    worst = MAX (worst, cancel_while_profiling (isle,
                                                WARM_UP_CODE
                                                "isle.emit('started')\n"
                                                "while true do pcall(function() while true do local t = {} end end) end\n",
                                                &samples));
  g_test_message ("hard cancel while profiling: at worst %.1f ms; %" G_GUINT64_FORMAT
                  " samples", worst, samples);
  g_assert_cmpuint (samples, >, 0);
  g_assert_cmpfloat (worst, <, 2000.0 * gisle_test_slowdown ());
}

/* ---- No hook when off, none between samples --------------------------- */

/* Counts how often the script sees a hook, over 0.2 s of CPU time. */
#define HOOK_PROBE_CODE                                                   \
  "local n, hooked = 0, 0\n"                                              \
  "local deadline = os.clock() + 0.2\n"                                   \
  "while os.clock() < deadline do\n"                                      \
  "  for i = 1, 100 do\n"                                                 \
  "    local t = {}\n"                                                    \
  "    n = n + 1\n"                                                       \
  "    if debug.gethook() ~= nil then hooked = hooked + 1 end\n"          \
  "  end\n"                                                               \
  "end\n"                                                                 \
  "return n, hooked\n"

static void
probe_hooks (GIsle   *isle,
             gint64  *n,
             gint64  *hooked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_full (isle, HOOK_PROBE_CODE, "=probe", 0, NULL, &error);
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;

  g_assert_no_error (error);
  first = g_variant_get_child_value (value, 0);
  second = g_variant_get_child_value (value, 1);
  while (g_variant_is_of_type (first, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (first);
      g_variant_unref (first);
      first = inner;
    }
  while (g_variant_is_of_type (second, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (second);
      g_variant_unref (second);
      second = inner;
    }
  *n = g_variant_get_int64 (first);
  *hooked = g_variant_get_int64 (second);
}

static void
test_profile_no_hook (void)
{
  g_autoptr(GIsle) isle = isle_new (G_ISLE_LIBRARIES_ALL, 1000, 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) profile = NULL;
  gint64 n, hooked;

  /* Never started: no hook at all. */
  probe_hooks (isle, &n, &hooked);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (hooked, ==, 0);

  /* Running: a hook only for the instant of a sample. */
  g_assert_true (g_isle_profile_start (isle, 1000, &error));
  g_assert_no_error (error);
  probe_hooks (isle, &n, &hooked);
  profile = g_isle_profile_stop (isle, NULL);
  g_test_message ("while profiling: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                  " probes saw a hook; %" G_GUINT64_FORMAT " samples",
                  hooked, n, lookup_u64 (profile, "samples"));
  g_assert_cmpuint (lookup_u64 (profile, "samples"), >, 0);
  g_assert_cmpint (hooked * 100, <, n);

  /* Stopped: none again. */
  probe_hooks (isle, &n, &hooked);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (hooked, ==, 0);
}

/* ---- On an executor's thread ------------------------------------------- */

static void
test_profile_executor (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                                          "executor", executor, NULL);
  g_autoptr(GIsle) other = g_initable_new (G_TYPE_ISLE, NULL, &error,
                                           "executor", executor, NULL);
  g_autoptr(GVariant) profile = NULL;
  guint64 self = 0, total = 0;

  g_assert_no_error (error);
  g_assert_true (g_isle_profile_start (isle, 1000, &error));
  g_assert_no_error (error);
  run (other, HOT_COLD_CODE ("0.05"));
  run (isle, HOT_COLD_CODE ("0.2"));
  profile = g_isle_profile_stop (isle, NULL);
  g_assert_cmpuint (lookup_u64 (profile, "samples"), >=, 10);
  g_assert_true (find_function (profile, "hot@prof:1", &self, &total));
  g_assert_cmpuint (self * 2, >, lookup_u64 (profile, "samples"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile/hot-function", test_profile_hot_function);
  g_test_add_func ("/profile/coroutine", test_profile_coroutine);
  g_test_add_func ("/profile/threads", test_profile_threads);
  g_test_add_func ("/profile/errors", test_profile_errors);
  g_test_add_func ("/profile/unref-running", test_profile_unref_running);
  g_test_add_func ("/profile/cancel-soft", test_profile_cancel_soft);
  g_test_add_func ("/profile/cancel-hard", test_profile_cancel_hard);
  g_test_add_func ("/profile/no-hook", test_profile_no_hook);
  g_test_add_func ("/profile/executor", test_profile_executor);

  return g_test_run ();
}
