/* bench-debugger.c: what an attached GIsleDebugger costs a running script.
 *
 * One isle runs CPU-bound workloads, best of RUNS each, alternately
 * without a debugger and with one attached (made afresh for each run, and
 * detached after it), in three settings:
 *
 * - attached, no breakpoint: no hook is installed (target <= 1.02x);
 * - a breakpoint in another chunk: the call and return events run the
 *   hook, which looks up the chunk of each function called or returned to;
 * - a breakpoint in the same chunk, on a line never reached: line events
 *   too, in every function of the chunk.
 *
 * The process is pinned to one CPU (see bench-overhead.c for why; pass
 * --no-pin to keep the default affinity).
 *
 * Usage: gisle-bench-debugger [--no-pin] [RUNS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <sched.h>

#include <gisle.h>

#include "bench-common.h"

static const char workload_code[] =
  "function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end\n"
  "function loop()\n"
  "  local s = 0\n"
  "  for i = 1, 1e8 do s = s + i end\n"
  "  return s\n"
  "end\n"
  "function ccall()\n"
  "  local abs, s = math.abs, 0\n"
  "  for i = 1, 2e7 do s = s + abs(-i) end\n"
  "  return s\n"
  "end\n"
  "local function timed(f, ...) local a = ... return function() local c = os.clock() f(a) return os.clock() - c end end\n"
  "w_fib, w_loop, w_ccall = timed(fib, 32), timed(loop), timed(ccall)\n"
  "function never() return 0 end\n";

static const struct
{
  const char *function;
  const char *label;
} workloads[] = {
  { "w_fib",   "recursive fib(32)" },
  { "w_loop",  "numeric loop, 1e8 additions" },
  { "w_ccall", "loop calling math.abs, 2e7 calls" },
};

typedef enum {
  SETTING_ATTACHED,
  SETTING_OTHER_CHUNK,
  SETTING_SAME_CHUNK,
} Setting;

static const char *const setting_labels[] = {
  "debugger attached, no breakpoint",
  "breakpoint in another chunk",
  "breakpoint in the same chunk (line never reached)",
};

static double
run (GIsle      *isle,
     const char *function)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = g_isle_call (isle, function, NULL, NULL, &error);
  double cpu = -1;

  if (result == NULL)
    g_error ("%s: %s", function, error->message);
  g_variant_get_child (result, 0, "d", &cpu);
  return cpu;
}

/* Attaches a debugger to @isle in @setting. */
static GIsleDebugger *
attach (GIsle   *isle,
        Setting  setting)
{
  g_autoptr(GError) error = NULL;
  GIsleDebugger *debugger = g_isle_debugger_new (isle, &error);

  g_assert_no_error (error);
  if (setting == SETTING_OTHER_CHUNK)
    g_isle_debugger_add_breakpoint (debugger, "elsewhere", 1, NULL);
  else if (setting == SETTING_SAME_CHUNK)
    g_isle_debugger_add_breakpoint (debugger, "workload", 1000, NULL);
  return debugger;
}

static double
run_debugged (GIsle      *isle,
              Setting     setting,
              const char *function)
{
  GIsleDebugger *debugger = attach (isle, setting);
  double cpu = run (isle, function);

  g_isle_debugger_detach (debugger);
  g_object_unref (debugger);
  return cpu;
}

static GIsle *
isle_new (void)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = g_isle_new (NULL, &error);
  g_autoptr(GVariant) ignored = NULL;

  g_assert_no_error (error);
  ignored = g_isle_eval_full (isle, workload_code, "=workload", 0, NULL, &error);
  g_assert_no_error (error);
  return isle;
}

int
main (int argc, char **argv)
{
  gboolean pin = !(argc > 1 && strcmp (argv[1], "--no-pin") == 0);
  guint runs = argc > 1 + !pin ? (guint) atoi (argv[1 + !pin]) : 5;
  g_autoptr(GIsle) isle = NULL;
  gboolean met = TRUE;

  bench_print_machine ("gisle-bench-debugger");
  if (pin)
    bench_pin_to_current_cpu ("every thread");

  isle = isle_new ();

  printf ("\nbest of %u runs each (CPU time), one isle, without and with a debugger alternating\n", runs);

  for (Setting setting = SETTING_ATTACHED; setting <= SETTING_SAME_CHUNK; setting++)
    {
      printf ("\n%s\n", setting_labels[setting]);
      for (guint w = 0; w < G_N_ELEMENTS (workloads); w++)
        {
          double best_plain = G_MAXDOUBLE, best_debugged = G_MAXDOUBLE, ratio;

          for (guint r = 0; r < runs; r++)
            {
              if (r % 2 == 0)
                {
                  best_plain = MIN (best_plain, run (isle, workloads[w].function));
                  best_debugged = MIN (best_debugged, run_debugged (isle, setting, workloads[w].function));
                }
              else
                {
                  best_debugged = MIN (best_debugged, run_debugged (isle, setting, workloads[w].function));
                  best_plain = MIN (best_plain, run (isle, workloads[w].function));
                }
            }
          ratio = best_debugged / best_plain;
          if (setting == SETTING_ATTACHED)
            met = met && ratio <= 1.02;
          printf ("  %-36s plain %7.1f ms  debugged %7.1f ms  ratio %.3f%s\n",
                  workloads[w].label, best_plain * 1e3, best_debugged * 1e3, ratio,
                  setting == SETTING_ATTACHED
                    ? (ratio <= 1.02 ? "  [target <= 1.02: MET]" : "  [target <= 1.02: MISSED]")
                    : "");
          fflush (stdout);
        }
    }
  printf ("\ndebugger attached, no breakpoint: %s\n", met ? "target met" : "target MISSED");

  g_isle_close (isle, NULL, NULL);
  return 0;
}
