/* gisle-profile.c: the sampling profiler, at no cost while it is off.
 *
 * Floor 14 (above the isle): it uses the Lua-side mechanism of
 * gisle-cancel.c (the same signal, with its own tag, and a GisleSampler it
 * registers) and knows the worker's lock and current job; it registers a
 * close hook with the isle. docs/profiling.md has the model and the figures.
 *
 * How it works:
 *
 * - While the profiler is off there is no timer, no signal and no hook:
 *   nothing in this file runs (entering Lua reads one pointer).
 * - While it is on, each job of the isle gets a POSIX timer, made when the
 *   job enters Lua (or, for the job running when the profiler starts, at
 *   its first sample: g_isle_profile_start() sends it one signal) and
 *   deleted when it leaves. The kernel sends GIsle's signal, tagged
 *   "sample", straight to the worker thread at each period: no thread of
 *   ours wakes up, which on a VM costs more than the sample itself.
 * - The handler (gisle-cancel.c, async-signal-safe) arms a one-shot count
 *   hook (count 1) on the running state, unless that state already has a
 *   hook: a cancel hook always wins, and a script's own debug.sethook hook
 *   is left alone (such samples are lost).
 * - The hook, on the worker thread at the next Lua instruction, first puts
 *   back the hook the cancel needs (none, usually), then walks the stack of
 *   the running coroutine and of the coroutines that resumed it, and adds
 *   the sample to the profile under gisle_profile_lock.
 * - g_isle_profile_stop() detaches the profile and turns the counts into a
 *   GVariant and folded-stacks text. The next sample hook finds no profile,
 *   deletes the timer and records nothing.
 *
 * Thread rule: start and stop from any thread; the hook runs on the worker
 * thread; everything in a GisleProfile is under gisle_profile_lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* gettid(), SIGEV_THREAD_ID */
#define _GNU_SOURCE
#include "gisle.h"
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-profile-private.h"
#include "gisle-worker-private.h"
#include "gisle-isle-private.h"
#include "gisle-profile.h"
#include "gisle-i18n-private.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
# define sigev_notify_thread_id _sigev_un._tid
#endif

/* Deeper stacks keep their innermost frames; the folded stack then starts
 * with a "(truncated)" frame. */
#define GISLE_PROFILE_MAX_FRAMES 200
#define GISLE_PROFILE_MAX_RATE   10000
#define GISLE_PROFILE_DEFAULT_RATE 1000

typedef struct _GisleProfileFunc GisleProfileFunc;

struct _GisleProfileFunc
{
  char *label;                  /* "name@source:line", unique per function */
  char *source;                 /* short source, "[C]" for C functions */
  char *raw_source;             /* short source as Lua gave it */
  int line_defined;             /* -1 for C functions */
  guint64 self;                 /* samples with it innermost */
  guint64 total;                /* samples with it anywhere on the stack */
  guint64 stamp;                /* the last sample that counted it in total */
  GHashTable *callees;          /* GisleProfileFunc* -> GisleProfileEdge* */
};

typedef struct
{
  guint64 count;
  guint64 stamp;
} GisleProfileEdge;

typedef struct
{
  char *source;
  int line;
  guint64 count;
} GisleProfileLine;

typedef struct
{
  GisleWorker *worker;          /* strong */
  guint rate_hz;
  gint64 started_at;
  guint64 samples;
  GHashTable *functions;        /* key -> GisleProfileFunc (owned) */
  GHashTable *by_source;        /* source pointer and line -> GisleProfileFunc */
  GHashTable *lines;            /* "source\nline" -> GisleProfileLine (owned) */
  GHashTable *stacks;           /* folded stack -> guint64* */
  GString *scratch;
} GisleProfile;

/* Guards every GisleProfile and worker->profile. One lock for all isles:
 * only the sample hooks and start/stop take it. */
static GMutex gisle_profile_lock;

/* ---- Building the profile (worker thread, under the lock) ------------ */

static void
gisle_profile_func_free (gpointer data)
{
  GisleProfileFunc *func = data;

  g_free (func->label);
  g_free (func->source);
  g_free (func->raw_source);
  g_hash_table_unref (func->callees);
  g_free (func);
}

static void
gisle_profile_line_free (gpointer data)
{
  GisleProfileLine *line = data;

  g_free (line->source);
  g_free (line);
}

/* Takes @s; returns valid UTF-8 (a GVariant string must be) without the
 * folded format's separators. */
static char *
gisle_profile_sanitize (char *s)
{
  char *valid = g_utf8_make_valid (s, -1);

  g_free (s);
  for (char *c = valid; *c != '\0'; c++)
    if (*c == ';' || (guchar) *c < 0x20)
      *c = *c == ';' ? ',' : '?';
  return valid;
}

static GisleProfileFunc *
gisle_profile_func_for (GisleProfile *profile,
                        lua_State    *L,
                        lua_Debug    *ar)
{
  char key[LUA_IDSIZE + 32];
  GisleProfileFunc *func;
  gboolean is_c = strcmp (ar->what, "C") == 0;
  gpointer fast_key = NULL;

  /* The fast path for Lua functions: their source string's address and
   * first line, checked against the text in case the address was reused. */
  if (!is_c)
    {
      fast_key = GSIZE_TO_POINTER ((gsize) ar->source ^
                                   ((gsize) (guint) ar->linedefined * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)));
      func = g_hash_table_lookup (profile->by_source, fast_key);
      if (func != NULL && func->line_defined == ar->linedefined &&
          strcmp (func->raw_source, ar->short_src) == 0)
        return func;
    }

  if (is_c)
    {
      /* C functions have no source: tell them apart by name. */
      lua_getinfo (L, "n", ar);
      g_snprintf (key, sizeof key, "[C]%s", ar->name != NULL ? ar->name : "?");
    }
  else
    g_snprintf (key, sizeof key, "%s:%d", ar->short_src, ar->linedefined);

  func = g_hash_table_lookup (profile->functions, key);
  if (func != NULL)
    {
      if (fast_key != NULL)
        g_hash_table_insert (profile->by_source, fast_key, func);
      return func;
    }

  func = g_new0 (GisleProfileFunc, 1);
  if (is_c)
    {
      func->label = g_strdup_printf ("%s@[C]", ar->name != NULL ? ar->name : "?");
      func->source = g_strdup ("[C]");
      func->line_defined = -1;
    }
  else
    {
      const char *name;

      if (strcmp (ar->what, "main") == 0)
        name = "(main)";
      else
        {
          lua_getinfo (L, "n", ar);
          name = ar->name != NULL ? ar->name : "(anonymous)";
        }
      func->label = g_strdup_printf ("%s@%s:%d", name, ar->short_src, ar->linedefined);
      func->source = g_strdup (ar->short_src);
      func->raw_source = g_strdup (ar->short_src);
      func->line_defined = ar->linedefined;
    }
  func->label = gisle_profile_sanitize (func->label);
  func->source = gisle_profile_sanitize (func->source);
  func->callees = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_hash_table_insert (profile->functions, g_strdup (key), func);
  if (fast_key != NULL)
    g_hash_table_insert (profile->by_source, fast_key, func);
  return func;
}

static void
gisle_profile_count_line (GisleProfile *profile,
                          const char   *source,
                          int           line)
{
  char key[LUA_IDSIZE + 16];
  GisleProfileLine *entry;

  g_snprintf (key, sizeof key, "%s\n%d", source, line);
  entry = g_hash_table_lookup (profile->lines, key);
  if (entry == NULL)
    {
      entry = g_new0 (GisleProfileLine, 1);
      entry->source = gisle_profile_sanitize (g_strdup (source));
      entry->line = line;
      g_hash_table_insert (profile->lines, g_strdup (key), entry);
    }
  entry->count++;
}

/* Adds one sample: the stack of @L and of the coroutines that resumed it. */
static void
gisle_profile_record (GisleProfile *profile,
                      GisleRun     *run,
                      lua_State    *L)
{
  GisleProfileFunc *frames[GISLE_PROFILE_MAX_FRAMES];
  lua_State *states[GISLE_MAX_RESUME_DEPTH];
  int n_states = 0, n = 0, top = -1, depth = run->depth;
  gboolean truncated = FALSE, line_done = FALSE;
  guint64 stamp = ++profile->samples;
  guint64 *count;

  for (int i = depth - 1; i >= 0; i--)
    if (run->stack[i] == L)
      {
        top = i;
        break;
      }
  if (top < 0)
    states[n_states++] = L;
  else
    for (int i = top; i >= 0; i--)
      states[n_states++] = run->stack[i];

  /* Innermost first. */
  for (int s = 0; s < n_states && !truncated; s++)
    {
      lua_Debug ar;

      for (int level = 0; lua_getstack (states[s], level, &ar); level++)
        {
          if (n == GISLE_PROFILE_MAX_FRAMES)
            {
              truncated = TRUE;
              break;
            }
          /* The current line only for the innermost Lua frame: finding
           * it can scan the function's line table. */
          lua_getinfo (states[s], line_done ? "S" : "Sl", &ar);
          if (!line_done && ar.currentline > 0)
            {
              /* Time in a C function counts for the line that called it. */
              gisle_profile_count_line (profile, ar.short_src, ar.currentline);
              line_done = TRUE;
            }
          frames[n++] = gisle_profile_func_for (profile, states[s], &ar);
        }
    }
  if (n == 0)
    return;

  frames[0]->self++;
  for (int i = 0; i < n; i++)
    {
      if (frames[i]->stamp != stamp)
        {
          frames[i]->stamp = stamp;
          frames[i]->total++;
        }
      if (i + 1 < n)
        {
          GisleProfileFunc *caller = frames[i + 1];
          GisleProfileEdge *edge = g_hash_table_lookup (caller->callees, frames[i]);

          if (edge == NULL)
            {
              edge = g_new0 (GisleProfileEdge, 1);
              g_hash_table_insert (caller->callees, frames[i], edge);
            }
          if (edge->stamp != stamp)
            {
              edge->stamp = stamp;
              edge->count++;
            }
        }
    }

  /* Outermost first, as flame-graph tools read it. */
  g_string_truncate (profile->scratch, 0);
  if (truncated)
    g_string_append (profile->scratch, "(truncated)");
  for (int i = n - 1; i >= 0; i--)
    {
      if (profile->scratch->len > 0)
        g_string_append_c (profile->scratch, ';');
      g_string_append (profile->scratch, frames[i]->label);
    }
  count = g_hash_table_lookup (profile->stacks, profile->scratch->str);
  if (count == NULL)
    {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (profile->stacks, g_strdup (profile->scratch->str), count);
    }
  (*count)++;
}

/* ---- The sample timer (worker thread) ---------------------------------- */

/* (Re)arms this thread's sample timer for @rate_hz. */
static void
gisle_profile_arm_timer (GisleRun *run,
                         guint     rate_hz)
{
  struct itimerspec spec = { { 0, }, };
  long period_ns = 1000000000L / (long) rate_hz;

  if (!run->sample_timer_created)
    {
      struct sigevent event = { 0, };

      gisle_cancel_sample_sigevent (&event);
      event.sigev_notify = SIGEV_THREAD_ID;
      event.sigev_notify_thread_id = gettid ();
      if (timer_create (CLOCK_MONOTONIC, &event, &run->sample_timer) != 0)
        return;
      run->sample_timer_created = TRUE;
    }
  spec.it_interval.tv_sec = period_ns / 1000000000L;
  spec.it_interval.tv_nsec = period_ns % 1000000000L;
  spec.it_value = spec.it_interval;
  timer_settime (run->sample_timer, 0, &spec, NULL);
  run->sample_rate = rate_hz;
}

/* Deletes this thread's sample timer; a signal already pending finds the
 * state left or no profile. */
void
gisle_profile_leave_lua (GisleRun *run)
{
  if (run->sample_timer_created)
    {
      timer_delete (run->sample_timer);
      run->sample_timer_created = FALSE;
      run->sample_rate = 0;
    }
}

/* As a job enters Lua while the profiler may be on (the caller read the
 * profile pointer without the lock). */
void
gisle_profile_enter_lua (GisleRun *run)
{
  guint rate = 0;

  gisle_mutex_lock (&gisle_profile_lock);
  if (run->worker->profile != NULL)
    rate = ((GisleProfile *) run->worker->profile)->rate_hz;
  gisle_mutex_unlock (&gisle_profile_lock);
  if (rate != 0)
    gisle_profile_arm_timer (run, rate);
}

/* The one-shot hook the sample signal arms (see gisle-cancel.c). */
void
gisle_profile_hook (lua_State *L,
                    lua_Debug *ar)
{
  GisleRun *run = gisle_cancel_get_run ();
  GisleProfile *profile;
  guint rate = 0;

  if (run == NULL)
    {
      lua_sethook (L, NULL, 0, 0);
      return;
    }

  /* No sample is armed meanwhile, so this hook's lua_sethook is never
   * torn by the handler's; a cancel signal still arms the cancel's. */
  run->sampling = TRUE;
  atomic_signal_fence (memory_order_seq_cst);
  /* First the hook a cancel needs, if any: the cancel always wins, and a
   * cancel signal that lands from now on arms its own hook afresh. */
  gisle_cancel_restore_hook (L);

  if (run->worker != NULL)
    {
      gisle_mutex_lock (&gisle_profile_lock);
      profile = run->worker->profile;
      if (profile != NULL)
        {
          gisle_profile_record (profile, run, L);
          rate = profile->rate_hz;
        }
      gisle_mutex_unlock (&gisle_profile_lock);
    }

  /* Stopped: no more signals. Started while this job ran (the start sent
   * this sample), or restarted at another rate: the timer follows. */
  if (rate == 0)
    gisle_profile_leave_lua (run);
  else if (rate != run->sample_rate)
    gisle_profile_arm_timer (run, rate);

  atomic_signal_fence (memory_order_seq_cst);
  run->sampling = FALSE;
}

/* ---- Results --------------------------------------------------------- */

static gint
gisle_profile_compare_funcs (gconstpointer a,
                             gconstpointer b)
{
  const GisleProfileFunc *fa = *(GisleProfileFunc **) a, *fb = *(GisleProfileFunc **) b;

  if (fa->self != fb->self)
    return fa->self < fb->self ? 1 : -1;
  if (fa->total != fb->total)
    return fa->total < fb->total ? 1 : -1;
  return strcmp (fa->label, fb->label);
}

static gint
gisle_profile_compare_lines (gconstpointer a,
                             gconstpointer b)
{
  const GisleProfileLine *la = *(GisleProfileLine **) a, *lb = *(GisleProfileLine **) b;
  int c;

  if (la->count != lb->count)
    return la->count < lb->count ? 1 : -1;
  c = strcmp (la->source, lb->source);
  return c != 0 ? c : la->line - lb->line;
}

static gint
gisle_profile_compare_strings (gconstpointer a,
                               gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static char *
gisle_profile_folded (GisleProfile *profile)
{
  GString *text = g_string_new (NULL);
  guint n;
  gpointer *keys = g_hash_table_get_keys_as_array (profile->stacks, &n);

  qsort (keys, n, sizeof (gpointer), gisle_profile_compare_strings);
  for (guint i = 0; i < n; i++)
    {
      guint64 *count = g_hash_table_lookup (profile->stacks, keys[i]);

      g_string_append_printf (text, "%s %" G_GUINT64_FORMAT "\n", (char *) keys[i], *count);
    }
  g_free (keys);
  return g_string_free (text, FALSE);
}

static GVariant *
gisle_profile_to_variant (GisleProfile *profile,
                          const char   *folded)
{
  GVariantBuilder dict, builder;
  GPtrArray *funcs = g_ptr_array_new ();
  GPtrArray *lines = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "rate", g_variant_new_uint32 (profile->rate_hz));
  g_variant_builder_add (&dict, "{sv}", "samples", g_variant_new_uint64 (profile->samples));
  g_variant_builder_add (&dict, "{sv}", "duration",
                         g_variant_new_uint64 ((guint64) (g_get_monotonic_time () - profile->started_at)));

  g_hash_table_iter_init (&iter, profile->functions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (funcs, value);
  g_ptr_array_sort (funcs, gisle_profile_compare_funcs);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssitt)"));
  for (guint i = 0; i < funcs->len; i++)
    {
      GisleProfileFunc *func = funcs->pdata[i];

      g_variant_builder_add (&builder, "(ssitt)", func->label, func->source,
                             (gint32) func->line_defined, func->self, func->total);
    }
  g_variant_builder_add (&dict, "{sv}", "functions", g_variant_builder_end (&builder));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sst)"));
  for (guint i = 0; i < funcs->len; i++)
    {
      GisleProfileFunc *caller = funcs->pdata[i];
      GHashTableIter edges;
      gpointer callee, edge;

      g_hash_table_iter_init (&edges, caller->callees);
      while (g_hash_table_iter_next (&edges, &callee, &edge))
        g_variant_builder_add (&builder, "(sst)", caller->label,
                               ((GisleProfileFunc *) callee)->label,
                               ((GisleProfileEdge *) edge)->count);
    }
  g_variant_builder_add (&dict, "{sv}", "edges", g_variant_builder_end (&builder));

  g_hash_table_iter_init (&iter, profile->lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (lines, value);
  g_ptr_array_sort (lines, gisle_profile_compare_lines);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sit)"));
  for (guint i = 0; i < lines->len; i++)
    {
      GisleProfileLine *line = lines->pdata[i];

      g_variant_builder_add (&builder, "(sit)", line->source, (gint32) line->line, line->count);
    }
  g_variant_builder_add (&dict, "{sv}", "lines", g_variant_builder_end (&builder));
  g_variant_builder_add (&dict, "{sv}", "folded", g_variant_new_string (folded));

  g_ptr_array_unref (funcs);
  g_ptr_array_unref (lines);
  return g_variant_ref_sink (g_variant_builder_end (&dict));
}

static void
gisle_profile_free (GisleProfile *profile)
{
  g_hash_table_unref (profile->by_source);
  g_hash_table_unref (profile->functions);
  g_hash_table_unref (profile->lines);
  g_hash_table_unref (profile->stacks);
  g_string_free (profile->scratch, TRUE);
  gisle_worker_unref (profile->worker);
  g_free (profile);
}

/* ---- Starting and stopping ------------------------------------------- */

/* A profiler nobody stopped: its timer thread ends with the isle. */
static void
gisle_profile_on_isle_closed (GisleWorker *worker,
                              gboolean     disposing)
{
  GVariant *unclaimed;

  if (!disposing)
    return;
  unclaimed = gisle_profile_stop (worker, NULL);
  if (unclaimed != NULL)
    g_variant_unref (unclaimed);
}

/* What the cancel floor calls as jobs enter and leave Lua, and the hook
 * its sample signal arms. */
static const GisleSampler gisle_profile_sampler = {
  .hook = gisle_profile_hook,
  .enter_lua = gisle_profile_enter_lua,
  .leave_lua = gisle_profile_leave_lua,
};

gboolean
gisle_profile_start (GisleWorker *worker,
                     guint        rate_hz,
                     GError     **error)
{
  GisleProfile *profile;
  gboolean closed;

  if (rate_hz == 0)
    rate_hz = GISLE_PROFILE_DEFAULT_RATE;
  if (rate_hz > GISLE_PROFILE_MAX_RATE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A profiler rate of %u Hz is above the limit of %d Hz"),
                   rate_hz, GISLE_PROFILE_MAX_RATE);
      return FALSE;
    }

  gisle_mutex_lock (&worker->lock);
  closed = worker->closing || worker->exited;
  gisle_mutex_unlock (&worker->lock);
  if (closed)
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED, _("The isle is closed"));
      return FALSE;
    }

  profile = g_new0 (GisleProfile, 1);
  profile->worker = gisle_worker_ref (worker);
  profile->rate_hz = rate_hz;
  profile->functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              gisle_profile_func_free);
  profile->by_source = g_hash_table_new (NULL, NULL);
  profile->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          gisle_profile_line_free);
  profile->stacks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  profile->scratch = g_string_sized_new (1024);
  profile->started_at = g_get_monotonic_time ();

  gisle_mutex_lock (&gisle_profile_lock);
  if (worker->profile != NULL)
    {
      gisle_mutex_unlock (&gisle_profile_lock);
      gisle_profile_free (profile);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("The isle’s profiler is already running"));
      return FALSE;
    }
  /* Before the profile is visible: the worker reaches the sampler only
   * when it sees one. */
  gisle_cancel_set_sampler (&gisle_profile_sampler);
  gisle_isle_add_close_hook (gisle_profile_on_isle_closed);
  g_atomic_pointer_set (&worker->profile, profile);
  gisle_mutex_unlock (&gisle_profile_lock);

  /* A job running now made no timer: its first sample makes it. */
  gisle_mutex_lock (&worker->lock);
  if (worker->current != NULL && !worker->defunct)
    gisle_cancel_signal_sample (worker->pthread);
  gisle_mutex_unlock (&worker->lock);
  return TRUE;
}

gboolean
gisle_profile_is_running (GisleWorker *worker)
{
  gboolean running;

  gisle_mutex_lock (&gisle_profile_lock);
  running = worker->profile != NULL;
  gisle_mutex_unlock (&gisle_profile_lock);
  return running;
}

GVariant *
gisle_profile_stop (GisleWorker *worker,
                    char       **folded)
{
  GisleProfile *profile;
  GVariant *result;
  char *text;

  gisle_mutex_lock (&gisle_profile_lock);
  profile = worker->profile;
  g_atomic_pointer_set (&worker->profile, NULL);
  gisle_mutex_unlock (&gisle_profile_lock);
  if (profile == NULL)
    {
      if (folded != NULL)
        *folded = NULL;
      return NULL;
    }

  /* Nothing else reaches the profile now. */
  text = gisle_profile_folded (profile);
  result = gisle_profile_to_variant (profile, text);
  gisle_profile_free (profile);

  if (folded != NULL)
    *folded = text;
  else
    g_free (text);
  return result;
}

/* ---- Public API ------------------------------------------------------- */

/**
 * g_isle_profile_start:
 * @self: a #GIsle
 * @rate_hz: samples per second, at most 10000; 0 for the default, 1000
 * @error: return location for a #GError
 *
 * Starts the isle's sampling profiler: until g_isle_profile_stop(), a
 * timer samples the stack of whatever job the isle runs, @rate_hz times a
 * second of wall-clock time, on the isle's thread (the signal that
 * cancellation uses arms a one-shot hook there). Between samples no hook
 * is installed, and while the profiler is off nothing runs at all.
 *
 * Samples count only while a job runs Lua code; time spent in a C function
 * counts for the Lua line that called it. A coroutine or script that set
 * its own hook with `debug.sethook` is not sampled, and a cancelled job
 * stops being sampled (the cancel's hook takes precedence).
 *
 * May be called from any thread. See the profiling guide for the costs.
 *
 * Returns: %TRUE if the profiler started; %FALSE with @error set if it
 *   already runs (%G_IO_ERROR_BUSY), the rate is too high
 *   (%G_IO_ERROR_INVALID_ARGUMENT) or the isle is closed
 *   (%G_ISLE_ERROR_CLOSED)
 */
gboolean
g_isle_profile_start (GIsle   *self,
                      guint    rate_hz,
                      GError **error)
{
  g_return_val_if_fail (G_IS_ISLE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return gisle_profile_start (gisle_isle_get_worker (self), rate_hz, error);
}

/**
 * g_isle_profile_stop:
 * @self: a #GIsle
 * @folded: (out) (optional) (nullable) (transfer full): return location for
 *   the samples as folded stacks, or %NULL
 *
 * Stops the profiler that g_isle_profile_start() started and returns what
 * it measured. May be called from any thread.
 *
 * The result is a dictionary (`a{sv}`) with these entries:
 *
 * - `rate` (`u`): the sampling rate in Hz;
 * - `samples` (`t`): the samples taken;
 * - `duration` (`t`): microseconds the profiler ran;
 * - `functions` (`a(ssitt)`): per function, the most samples first: label
 *   (`name@source:line`, unique per function; `(main)` for a main chunk,
 *   `(anonymous)` when Lua knows no name, and `name@[C]` for C functions),
 *   source, line where the function is defined (-1 for C), self samples
 *   (the function was innermost) and total samples (it was anywhere on the
 *   stack, counted once per sample);
 * - `lines` (`a(sit)`): per source line, the most samples first: source,
 *   line and samples in which it was the innermost line with a number;
 * - `edges` (`a(sst)`): the call graph: caller label, callee label and the
 *   samples in which the caller called the callee;
 * - `folded` (`s`): the same text as @folded.
 *
 * The folded text has one line per distinct stack, outermost frame first,
 * frames separated by `;`, then a space and the number of samples (for
 * example `(main)@job:0;fib@job:1;fib@job:1 12`), as flamegraph.pl,
 * speedscope and inferno read it. A stack of coroutines reads from the
 * outermost resumer to the running coroutine.
 *
 * Returns: (transfer full) (nullable): the profile, or %NULL if the
 *   profiler was not running
 */
GVariant *
g_isle_profile_stop (GIsle  *self,
                     char  **folded)
{
  g_return_val_if_fail (G_IS_ISLE (self), NULL);

  return gisle_profile_stop (gisle_isle_get_worker (self), folded);
}

/**
 * g_isle_is_profiling:
 * @self: a #GIsle
 *
 * Whether the isle's profiler runs (see g_isle_profile_start()).
 *
 * Returns: %TRUE between g_isle_profile_start() and g_isle_profile_stop()
 */
gboolean
g_isle_is_profiling (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), FALSE);

  return gisle_profile_is_running (gisle_isle_get_worker (self));
}
