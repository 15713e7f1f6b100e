/* gisle-gtk-console.c: a Lua console: transcript, REPL input and Stop.
 *
 * The console runs at most one job at a time on its isle; the job's
 * GCancellable is what Stop cancels. Everything the isle reports (output,
 * progress, events) arrives in the main context, so this file never deals
 * with threads.
 *
 * Floor 5 of lib/gtk, the top: calls gisle-gtk-debug-session.c,
 * gisle-gtk-repl.c, gisle-gtk-editor.c and the files below them.
 * Thread rule: main thread only (see above).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"
#include "gisle-gtk-debug-session.h"

#define REPL_CHUNK_NAME "stdin"
#define TICK_MS         100

typedef enum {
  JOB_SCRIPT,
  JOB_REPL_EXPRESSION,   /* the line wrapped as "return …", like lua.c */
  JOB_REPL_STATEMENT,
} JobKind;

typedef struct {
  GIsleGtkConsole *console;     /* strong */
  JobKind kind;
  guint generation;             /* of the isle it was sent to */
  guint64 id;
  GCancellable *cancellable;
  gint64 started;
  char *code;
  char *chunk_name;
  gboolean from_editor;         /* the code is the editor's text */
} Job;

/**
 * GIsleGtkConsole:
 *
 * A Lua console bound to a [class@GIsle.Isle]: a transcript
 * ([class@GIsleGtk.Output]) above a REPL input, like `lua.c` in a
 * terminal. Enter runs the input (an expression prints its value), an
 * unfinished chunk asks for more lines, Up and Down recall the history,
 * Ctrl+R searches it, Tab completes names from the isle, and Ctrl+C (with
 * nothing selected) or Escape stops the running chunk.
 *
 * Scripts from elsewhere (an editor, a file) run with
 * [method@GIsleGtk.Console.run_script] and report into the same
 * transcript. The console's actions, `run`, `stop` and `clear` (see
 * [method@GIsleGtk.Console.get_actions]), are also inserted into the
 * widget under the `console` prefix, so buttons inside it can use
 * `console.stop`; insert the group in a window to put them in a header
 * bar.
 *
 * [property@GIsleGtk.Console:state], [property@GIsleGtk.Console:busy],
 * [property@GIsleGtk.Console:elapsed] and
 * [property@GIsleGtk.Console:progress] say what runs, for a status
 * display of the application's own.
 *
 * The stateful `profile` action (a boolean, off by default) runs the
 * isle's sampling profiler (see g_isle_profile_start()) while chunks run:
 * when a chunk ends, the transcript shows how many samples were taken and
 * the five functions with the most samples of their own.
 * [property@GIsleGtk.Console:profiling] follows it, and
 * [property@GIsleGtk.Console:profile] holds the whole profile, for a
 * [class@GIsleGtk.ProfileView] (bind the two properties).
 *
 * Given the script editor ([property@GIsleGtk.Console:editor]), the
 * console shows the heat of the lines of a profiled script that is the
 * editor's text in the editor's margin.
 *
 * The console debugs too: the `debug` action runs the editor's script
 * with its breakpoints (see [method@GIsleGtk.Console.debug_script]);
 * `continue` (F5, which also starts debugging when nothing runs),
 * `step-over` (F10), `step-into` (F11), `step-out` (Shift+F11) and
 * `pause` act on the paused script; while it is paused, the REPL
 * evaluates what is typed in the paused function's frame (statements
 * like `x = 1` set its variables). The keys work anywhere in the
 * console's window (the console reads them on the window before the
 * focused widget does, while their action is enabled).
 * [property@GIsleGtk.Console:debugger] is the session's
 * debugger, for a [class@GIsleGtk.DebugPanel].
 */
struct _GIsleGtkConsole {
  GtkWidget parent_instance;

  GIsleGtkOutput *output;
  GIsleGtkRepl *repl;
  GSimpleActionGroup *actions;
  GIsleGtkHistory *history;
  guint history_size;

  GIsle *isle;
  guint generation;
  Job *job;                     /* the running job, or NULL */
  GIsleGtkConsoleState state;
  guint tick_id;
  double elapsed;
  double progress;
  char *progress_text;
  guint timeout_ms;

  /* After Stop, what the stopped job had already printed but the isle had
   * not yet delivered is dropped (a flood would otherwise keep scrolling
   * for seconds after Stop), and counted for a note. */
  guint64 dropping_job;         /* 0: none */
  guint64 dropped_lines;
  guint64 dropped_bytes;

  /* The profile action's state, and whether this console started the
   * isle's profiler (which it then stops when the chunk ends). While the
   * action is off, neither is ever set: nothing runs. */
  gboolean profile;
  gboolean profiler_started;
  GVariant *last_profile;       /* of the last profiled chunk */

  GIsleGtkEditor *editor;       /* weak: the application owns it */

  /* From Debug until the debugged script ends. */
  GIsleGtkDebugSession *session;
  gboolean paused;
  gint64 paused_since;              /* monotonic; elapsed excludes pauses */
  GtkEventController *debug_keys;   /* on the root, while rooted */
};

G_DEFINE_FINAL_TYPE (GIsleGtkConsole, gisle_gtk_console, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ISLE,
  PROP_STATE,
  PROP_BUSY,
  PROP_ELAPSED,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  PROP_TIMEOUT,
  PROP_HISTORY,
  PROP_HISTORY_SIZE,
  PROP_CONTINUING,
  PROP_PROFILING,
  PROP_PROFILE,
  PROP_EDITOR,
  PROP_DEBUGGER,
  PROP_PAUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_SCRIPT_ERROR,
  SIGNAL_LOCATION_ACTIVATED,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* State */

static void
set_action_enabled (GIsleGtkConsole *self,
                    const char      *name,
                    gboolean         enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
set_progress (GIsleGtkConsole *self,
              double           progress,
              const char      *text)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->progress != progress)
    {
      self->progress = progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if (g_strcmp0 (self->progress_text, text) != 0)
    {
      g_free (self->progress_text);
      self->progress_text = g_strdup (text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TEXT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
tick_cb (gpointer user_data)
{
  GIsleGtkConsole *self = user_data;

  if (self->job == NULL || self->paused)
    return G_SOURCE_CONTINUE;
  self->elapsed = (g_get_monotonic_time () - self->job->started) / (double) G_USEC_PER_SEC;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
  return G_SOURCE_CONTINUE;
}

/* Debug and Continue start a debugged run of the editor's script when
 * nothing runs; Continue and the steps go on from a pause. */
static void
update_debug_actions (GIsleGtkConsole *self)
{
  gboolean can_start = self->job == NULL && self->isle != NULL && self->editor != NULL;

  set_action_enabled (self, "debug", can_start);
  set_action_enabled (self, "continue", can_start || self->paused);
  set_action_enabled (self, "pause", self->session != NULL && self->job != NULL && !self->paused);
  set_action_enabled (self, "step-over", self->paused);
  set_action_enabled (self, "step-into", self->paused);
  set_action_enabled (self, "step-out", self->paused);
}

static void
set_state (GIsleGtkConsole      *self,
           GIsleGtkConsoleState  state)
{
  gboolean was_busy = self->state != GISLE_GTK_CONSOLE_IDLE;
  gboolean busy = state != GISLE_GTK_CONSOLE_IDLE;

  if (self->state == state)
    return;
  self->state = state;

  g_object_freeze_notify (G_OBJECT (self));
  set_action_enabled (self, "run", !busy && self->isle != NULL);
  set_action_enabled (self, "stop", state == GISLE_GTK_CONSOLE_RUNNING);
  update_debug_actions (self);
  gisle_gtk_repl_set_busy (self->repl, busy);
  if (busy != was_busy)
    {
      g_clear_handle_id (&self->tick_id, g_source_remove);
      if (busy)
        {
          self->elapsed = 0;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
          set_progress (self, -1, NULL);
          self->tick_id = g_timeout_add (TICK_MS, tick_cb, self);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Profiling */

#define PROFILE_TOP 5

static void
set_profile_state (GIsleGtkConsole *self,
                   gboolean         profile)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "profile");

  if (self->profile == profile)
    return;
  self->profile = profile;
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (profile));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILING]);
}

/* Starts the isle's profiler at its default rate, unless it runs for
 * this console already. If it cannot start (another profiler runs on the
 * isle), says so and returns FALSE. */
static gboolean
start_profiler (GIsleGtkConsole *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (self->profiler_started || self->isle == NULL)
    return TRUE;
  if (g_isle_profile_start (self->isle, 0, &error))
    {
      self->profiler_started = TRUE;
      return TRUE;
    }
  /* Translators: %s is the reason, from the library */
  text = g_strdup_printf (_("Could not start the profiler: %s"), error->message);
  gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_WARNING, text);
  return FALSE;
}

/* Stops the profiler this console started, if any, and returns what it
 * measured. */
static GVariant *
stop_profiler (GIsleGtkConsole *self)
{
  if (!self->profiler_started)
    return NULL;
  self->profiler_started = FALSE;
  return self->isle != NULL ? g_isle_profile_stop (self->isle, NULL) : NULL;
}

static void
discard_profiler (GIsleGtkConsole *self)
{
  GVariant *profile = stop_profiler (self);

  if (profile != NULL)
    g_variant_unref (profile);
}

/* The short report after a profiled chunk: the samples, then the
 * functions with the most samples of their own. */
static void
report_profile (GIsleGtkConsole *self,
                GVariant        *profile)
{
  g_autoptr(GVariant) functions = NULL;
  g_autofree char *text = NULL;
  g_autofree char *count = NULL;
  guint64 samples = 0;
  guint32 rate = 0;
  GVariantIter iter;
  const char *label;
  guint64 self_count;
  guint shown = 0;

  g_variant_lookup (profile, "samples", "t", &samples);
  g_variant_lookup (profile, "rate", "u", &rate);
  functions = g_variant_lookup_value (profile, "functions", G_VARIANT_TYPE ("a(ssitt)"));

  if (samples == 0)
    {
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO,
                                    _("Profile: no samples (the chunk ran too briefly)."));
      return;
    }

  count = g_strdup_printf ("%" G_GUINT64_FORMAT, samples);
  /* Translators: %s is a number of samples, %u a rate in Hz, e.g.
   * "Profile: 1234 samples at 1000 Hz; most time in:", followed by
   * the functions */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Profile: %s sample at %u Hz; most time in:",
                                       "Profile: %s samples at %u Hz; most time in:",
                                       (gulong) MIN (samples, G_MAXULONG)),
                          count, rate);
  gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, text);

  if (functions == NULL)
    return;
  /* Already sorted by the library: the most self samples first. */
  g_variant_iter_init (&iter, functions);
  while (shown < PROFILE_TOP
         && g_variant_iter_next (&iter, "(&s&sitt)", &label, NULL, NULL, &self_count, NULL))
    {
      g_autofree char *line = NULL;

      if (self_count == 0)
        break;
      /* Translators: a percentage of the samples, then a function's
       * label, e.g. "   62.5 %  hot@script.lua:1" */
      line = g_strdup_printf (_("  %5.1f %%  %s"), 100.0 * self_count / samples, label);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, line);
      shown++;
    }
}

/* Keeps the profile for the profile property, and shows its heat in the
 * editor when the chunk was the editor's script. */
static void
show_profile (GIsleGtkConsole *self,
              Job             *job,
              GVariant        *profile)
{
  g_clear_pointer (&self->last_profile, g_variant_unref);
  self->last_profile = g_variant_ref (profile);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
  if (self->editor != NULL && job->from_editor)
    gisle_gtk_editor_show_profile (self->editor, profile, job->chunk_name);
}

/* Jobs */

static void
job_free (Job *job)
{
  g_clear_object (&job->cancellable);
  g_object_unref (job->console);
  g_free (job->code);
  g_free (job->chunk_name);
  g_free (job);
}

static void eval_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
submit_job (GIsleGtkConsole *self,
            Job             *job)
{
  g_autofree char *code = NULL;
  g_autofree char *chunk_name = NULL;

  if (job->kind == JOB_REPL_EXPRESSION)
    {
      /* "=expr" is lua.c's old shorthand for "return expr". A newline
       * keeps a trailing comment from swallowing the parenthesis; it is
       * added only then, as it moves error positions to line 2. */
      const char *expr = job->code[0] == '=' ? job->code + 1 : job->code;
      code = g_strdup_printf ("return __console_show(%s%s)", expr,
                              strstr (expr, "--") != NULL ? "\n" : "");
    }
  else
    code = g_strdup (job->code);

  /* "=" makes Lua show the name as is, not as [string "name"]. */
  chunk_name = g_strconcat ("=", job->chunk_name, NULL);
  job->id = g_isle_eval_full_async (self->isle, code, chunk_name, self->timeout_ms,
                                    job->cancellable, eval_cb, job);
}

static void
start_job (GIsleGtkConsole *self,
           JobKind          kind,
           const char      *code,
           const char      *chunk_name)
{
  Job *job = g_new0 (Job, 1);

  job->console = g_object_ref (self);
  job->kind = kind;
  job->generation = self->generation;
  job->cancellable = g_cancellable_new ();
  job->started = g_get_monotonic_time ();
  job->code = g_strdup (code);
  job->chunk_name = g_strdup (chunk_name);
  if (kind == JOB_SCRIPT && self->editor != NULL)
    {
      g_autofree char *text = gisle_gtk_editor_get_text (self->editor);

      job->from_editor = g_strcmp0 (text, code) == 0;
    }
  self->job = job;

  set_state (self, GISLE_GTK_CONSOLE_RUNNING);
  if (self->profile && !start_profiler (self))
    set_profile_state (self, FALSE);
  submit_job (self, job);
}

/* Debugging */

static void
set_paused (GIsleGtkConsole *self,
            gboolean         paused)
{
  if (self->paused == paused)
    return;
  self->paused = paused;
  /* Time paused does not count, as for the isle's time limit: the job
   * "started" later by as long as it was paused. */
  if (paused)
    self->paused_since = g_get_monotonic_time ();
  else if (self->job != NULL)
    self->job->started += g_get_monotonic_time () - self->paused_since;
  gisle_gtk_repl_set_paused (self->repl, paused);
  update_debug_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

static void
debugger_paused_cb (GIsleDebugger    *debugger,
                    GIslePauseReason  reason,
                    const char       *chunk,
                    int               line,
                    const char       *message,
                    gpointer          user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);
  g_autofree char *where = line > 0 ? g_strdup_printf ("%s:%d", chunk, line) : g_strdup (chunk);
  g_autofree char *text = NULL;

  switch (reason)
    {
    case G_ISLE_PAUSE_REASON_ERROR:
      /* Translators: %s is a place in a script, e.g. "script.lua:3",
       * then an error message */
      text = g_strdup_printf (_("Paused at %s on an error: %s"), where, message != NULL ? message : "");
      break;
    case G_ISLE_PAUSE_REASON_CONDITION_ERROR:
      /* Translators: %s is a place in a script, then an error message */
      text = g_strdup_printf (_("Paused at %s: the breakpoint's condition failed: %s"),
                              where, message != NULL ? message : "");
      break;
    case G_ISLE_PAUSE_REASON_BREAKPOINT:
      /* Translators: %s is a place in a script, e.g. "script.lua:3" */
      text = g_strdup_printf (_("Paused at %s, at a breakpoint."), where);
      break;
    case G_ISLE_PAUSE_REASON_STEP:
    case G_ISLE_PAUSE_REASON_REQUEST:
    default:
      /* Translators: %s is a place in a script, e.g. "script.lua:3" */
      text = g_strdup_printf (_("Paused at %s."), where);
      break;
    }
  gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, text);
  set_paused (self, TRUE);
}

static void
debugger_resumed_cb (GIsleDebugger *debugger,
                     gpointer       user_data)
{
  set_paused (GISLE_GTK_CONSOLE (user_data), FALSE);
}

/* Ends the debug session, if any: the debugger is detached. */
static void
end_debugging (GIsleGtkConsole *self)
{
  g_autoptr(GIsleGtkDebugSession) session = g_steal_pointer (&self->session);

  if (session == NULL)
    return;
  g_signal_handlers_disconnect_by_data (gisle_gtk_debug_session_get_debugger (session), self);
  set_paused (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEBUGGER]);
}

static gboolean
start_debugging (GIsleGtkConsole *self,
                 const char      *code,
                 const char      *chunk_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GIsleGtkEditor *editor = NULL;
  GIsleDebugger *debugger;

  if (self->editor != NULL)
    {
      text = gisle_gtk_editor_get_text (self->editor);
      if (g_strcmp0 (text, code) == 0)
        editor = self->editor;
    }
  self->session = gisle_gtk_debug_session_new (self->isle, editor, chunk_name, &error);
  if (self->session == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason, from the library */
      message = g_strdup_printf (_("Could not start the debugger: %s"), error->message);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_WARNING, message);
      return FALSE;
    }
  debugger = gisle_gtk_debug_session_get_debugger (self->session);
  g_signal_connect (debugger, "paused", G_CALLBACK (debugger_paused_cb), self);
  g_signal_connect (debugger, "resumed", G_CALLBACK (debugger_resumed_cb), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEBUGGER]);
  return TRUE;
}

/* Ends the running job as far as the console is concerned; its callback
 * may still come, and is then ignored. */
static void
finish_job (GIsleGtkConsole *self)
{
  self->job = NULL;
  /* A chunk that ended without a report (unfinished, abandoned). */
  discard_profiler (self);
  end_debugging (self);
  set_state (self, GISLE_GTK_CONSOLE_IDLE);
}

/* Says how much of a stopped job's output was never shown, once the job
 * has ended (its output always arrives before its end). */
static void
report_dropped_output (GIsleGtkConsole *self)
{
  if (self->dropped_bytes > 0)
    {
      guint lines = (guint) MIN (self->dropped_lines, G_MAXUINT);
      g_autofree char *note = NULL;

      /* Translators: %u is the number of lines a stopped script had
       * printed that were not shown */
      note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "(%u line of queued output dropped)",
                                           "(%u lines of queued output dropped)",
                                           lines),
                              lines);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, note);
    }
  self->dropping_job = 0;
  self->dropped_lines = 0;
  self->dropped_bytes = 0;
}

static void
print_stopped (GIsleGtkConsole *self,
               Job             *job)
{
  g_autofree char *duration = gisle_gtk_format_duration (g_get_monotonic_time () - job->started);
  g_autofree char *text = NULL;

  /* Translators: %s is a symbol, then a duration, e.g. "1.25 s" */
  text = g_strdup_printf (_("%s Stopped after %s."), gisle_gtk_stop_symbol (), duration);
  gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, text);
}

static void
report_error (GIsleGtkConsole *self,
              Job             *job,
              const GError    *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    print_stopped (self, job);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_autofree char *duration = gisle_gtk_format_duration (g_get_monotonic_time () - job->started);
      g_autofree char *text = NULL;

      /* Translators: %s is a duration, e.g. "1.25 s" */
      text = g_strdup_printf (_("Timed out after %s."), duration);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, text);
    }
  else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT))
    gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_WARNING,
                                  _("The script did not stop in time, so its Lua state was abandoned."));
  else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the reason, from the library */
      text = g_strdup_printf (_("The result cannot be shown as a value (%s). Return repr(value) to see it as text."),
                              error->message);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_ERROR, text);
    }
  else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_MEMORY))
    {
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_ERROR, error->message);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO,
                                    _("The script ran out of memory. The Lua state is still usable."));
    }
  else
    {
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_ERROR, error->message);
      if (job->kind == JOB_SCRIPT
          && (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX)
              || g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME)
              || g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE)))
        {
          int line = gisle_gtk_find_error_line (error->message, job->chunk_name);

          if (line > 0)
            g_signal_emit (self, signals[SIGNAL_SCRIPT_ERROR], 0, job->chunk_name, line, error->message);
        }
    }
}

static void
report_results (GIsleGtkConsole *self,
                Job             *job,
                GVariant        *results)
{
  g_autofree char *text = NULL;

  if (job->kind == JOB_REPL_EXPRESSION)
    {
      gint64 n = 0;
      const char *shown = "";

      /* __console_show returns the count and the rendering (which it
       * keeps valid UTF-8, so it arrives as a string). */
      if (g_variant_is_of_type (results, G_VARIANT_TYPE ("(xs)")))
        g_variant_get (results, "(x&s)", &n, &shown);
      else
        g_warning ("Unexpected REPL result of type %s", g_variant_get_type_string (results));
      if (n > 0)
        gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_RESULT, shown);
      return;
    }

  text = gisle_gtk_format_results (results);
  if (text != NULL)
    gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_RESULT, text);
  if (job->kind == JOB_SCRIPT)
    {
      g_autofree char *duration = gisle_gtk_format_duration (g_get_monotonic_time () - job->started);
      g_autofree char *line = NULL;

      /* Translators: %s is a duration, e.g. "1.25 s" */
      line = g_strdup_printf (_("Finished in %s."), duration);
      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, line);
    }
}

static void
eval_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Job *job = user_data;
  GIsleGtkConsole *self = job->console;
  g_autoptr(GVariant) results = NULL;
  g_autoptr(GError) error = NULL;

  results = g_isle_eval_full_finish (G_ISLE (source), result, &error);

  /* Ended already: a new isle, or a disposed console. */
  if (self->job != job || job->generation != self->generation)
    {
      job_free (job);
      return;
    }

  if (job->kind == JOB_REPL_EXPRESSION
      && (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX)
          || g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE)))
    {
      /* Not an expression: run it as a statement, as lua.c does. */
      job->kind = JOB_REPL_STATEMENT;
      submit_job (self, job);
      return;
    }

  if (job->kind == JOB_REPL_STATEMENT
      && g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE))
    {
      gisle_gtk_repl_continue (self->repl, job->code);
      finish_job (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTINUING]);
      job_free (job);
      return;
    }

  if (job->kind != JOB_SCRIPT)
    {
      gboolean was_continuing = gisle_gtk_repl_is_continuing (self->repl);

      gisle_gtk_repl_end_continuation (self->repl);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
      if (was_continuing)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTINUING]);
    }

  report_dropped_output (self);
  if (results != NULL)
    report_results (self, job, results);
  else
    report_error (self, job, error);
  if (self->profiler_started)
    {
      g_autoptr(GVariant) profile = stop_profiler (self);

      if (profile != NULL)
        {
          report_profile (self, profile);
          show_profile (self, job, profile);
        }
    }

  if (self->job == job)
    finish_job (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, results != NULL);
  job_free (job);
}

static void
paused_eval_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GIsleGtkConsole) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_debugger_evaluate_finish (G_ISLE_DEBUGGER (source), result, &error);

  if (self->output == NULL)
    return;   /* disposed meanwhile */
  if (value != NULL)
    {
      g_autofree char *text = gisle_gtk_format_value (value);

      gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_RESULT, text);
    }
  else
    gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_ERROR, error->message);
}

static void
repl_submit_cb (GIsleGtkRepl *repl,
                const char   *code,
                gpointer      user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  /* Paused: the line runs in the paused function's frame (its locals,
   * upvalues and globals), as the debugger's evaluate does; a statement
   * such as "x = 1" sets a variable there. */
  if (self->paused)
    {
      const char *expr = code[0] == '=' ? code + 1 : code;

      /* Into the history now: the answers come in order, but a second
       * line may be typed before the first one's. */
      gisle_gtk_repl_end_continuation (self->repl);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
      g_isle_debugger_evaluate_async (gisle_gtk_debug_session_get_debugger (self->session), 0, expr,
                                      NULL, paused_eval_cb, g_object_ref (self));
      return;
    }
  if (self->job != NULL || self->isle == NULL)
    return;
  start_job (self, JOB_REPL_EXPRESSION, code, REPL_CHUNK_NAME);
}

static gboolean
interrupt_cb (gpointer  widget,
              gpointer  user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (self->job == NULL)
    return FALSE;
  gisle_gtk_console_stop (self);
  return TRUE;
}

static void
location_activated_cb (GIsleGtkOutput *output,
                       const char     *chunk_name,
                       int             line,
                       gpointer        user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_LOCATION_ACTIVATED], 0, chunk_name, line);
}

/* Signals of the isle */

static void
isle_output_cb (GIsle       *isle,
                guint64      job_id,
                GIsleStream  stream,
                const char  *text,
                gpointer     user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (job_id != 0 && job_id == self->dropping_job)
    {
      for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
        self->dropped_lines++;
      self->dropped_bytes += strlen (text);
      return;
    }

  switch (stream)
    {
    case G_ISLE_STREAM_STDERR:
      gisle_gtk_output_append (self->output, GISLE_GTK_TEXT_STDERR, text);
      break;
    case G_ISLE_STREAM_WARNING:
      {
        /* Lua warnings come without a newline and belong on their own line. */
        g_autofree char *line = g_strdup_printf (_("Lua warning: %s"), text);
        gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_WARNING, line);
      }
      break;
    case G_ISLE_STREAM_STDOUT:
    default:
      gisle_gtk_output_append (self->output, GISLE_GTK_TEXT_OUTPUT, text);
      break;
    }
}

static void
isle_progress_cb (GIsle      *isle,
                  guint64     job_id,
                  double      fraction,
                  const char *text,
                  gpointer    user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (self->job == NULL || self->job->id != job_id)
    return;
  set_progress (self, CLAMP (fraction, 0.0, 1.0), text);
}

static void
isle_event_cb (GIsle      *isle,
               const char *name,
               GVariant   *value,
               gpointer    user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);
  g_autofree char *shown = value != NULL ? gisle_gtk_format_value (value) : g_strdup ("nil");
  g_autofree char *text = NULL;

  /* Translators: an event a script sent; %s are its name and value */
  text = g_strdup_printf (_("Event “%s”: %s"), name, shown);
  gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO, text);
}

static void
isle_defunct_cb (GIsle      *isle,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (isle != self->isle || !g_isle_is_defunct (isle) || self->job == NULL)
    return;
  report_dropped_output (self);
  print_stopped (self, self->job);
  gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_WARNING,
                                _("The script did not stop in time, so its Lua state was abandoned."));
  self->generation++;
  finish_job (self);
}

/* Actions */

static void
run_action (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  gisle_gtk_console_submit_input (GISLE_GTK_CONSOLE (user_data));
}

static void
stop_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  gisle_gtk_console_stop (GISLE_GTK_CONSOLE (user_data));
}

static void
clear_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  gisle_gtk_console_clear (GISLE_GTK_CONSOLE (user_data));
}

static void
profile_change_state (GSimpleAction *action,
                      GVariant      *state,
                      gpointer       user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (g_variant_get_boolean (state))
    {
      if (start_profiler (self))
        set_profile_state (self, TRUE);
    }
  else
    {
      /* What a running chunk was measured for so far is dropped. */
      discard_profiler (self);
      set_profile_state (self, FALSE);
    }
}

static void
debug_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);
  g_autofree char *code = NULL;

  if (self->editor == NULL)
    return;
  code = gisle_gtk_editor_get_text (self->editor);
  gisle_gtk_console_debug_script (self, code, gisle_gtk_editor_get_chunk_name (self->editor));
}

static void
continue_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (self->paused)
    g_isle_debugger_resume (gisle_gtk_debug_session_get_debugger (self->session));
  else if (self->job == NULL)
    debug_action (action, parameter, user_data);
}

static void
pause_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);

  if (self->session != NULL && !self->paused)
    g_isle_debugger_pause (gisle_gtk_debug_session_get_debugger (self->session));
}

static void
step_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);
  const char *name = g_action_get_name (G_ACTION (action));
  GIsleDebugger *debugger;

  if (!self->paused)
    return;
  debugger = gisle_gtk_debug_session_get_debugger (self->session);
  if (g_str_equal (name, "step-over"))
    g_isle_debugger_step_over (debugger);
  else if (g_str_equal (name, "step-into"))
    g_isle_debugger_step_into (debugger);
  else
    g_isle_debugger_step_out (debugger);
}

static const GActionEntry console_entries[] = {
  { "debug", debug_action },
  { "continue", continue_action },
  { "pause", pause_action },
  { "step-over", step_action },
  { "step-into", step_action },
  { "step-out", step_action },
  { "run", run_action },
  { "stop", stop_action },
  { "clear", clear_action },
  { "profile", NULL, NULL, "false", profile_change_state },
};

/* GObject */

static void
gisle_gtk_console_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      g_value_set_object (value, self->isle);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, gisle_gtk_console_get_busy (self));
      break;
    case PROP_ELAPSED:
      g_value_set_double (value, self->elapsed);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, self->progress_text);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_HISTORY:
      g_value_take_boxed (value, gisle_gtk_history_dup_items (self->history));
      break;
    case PROP_HISTORY_SIZE:
      g_value_set_uint (value, self->history_size);
      break;
    case PROP_CONTINUING:
      g_value_set_boolean (value, gisle_gtk_repl_is_continuing (self->repl));
      break;
    case PROP_PROFILING:
      g_value_set_boolean (value, self->profile);
      break;
    case PROP_PROFILE:
      g_value_set_variant (value, self->last_profile);
      break;
    case PROP_EDITOR:
      g_value_set_object (value, self->editor);
      break;
    case PROP_DEBUGGER:
      g_value_set_object (value, gisle_gtk_console_get_debugger (self));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_console_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      gisle_gtk_console_set_isle (self, g_value_get_object (value));
      break;
    case PROP_TIMEOUT:
      gisle_gtk_console_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_HISTORY:
      gisle_gtk_console_set_history (self, g_value_get_boxed (value));
      break;
    case PROP_EDITOR:
      gisle_gtk_console_set_editor (self, g_value_get_object (value));
      break;
    case PROP_HISTORY_SIZE:
      if (self->history_size != g_value_get_uint (value))
        {
          self->history_size = g_value_get_uint (value);
          gisle_gtk_history_set_size (self->history, self->history_size);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
drop_isle (GIsleGtkConsole *self)
{
  g_autoptr(GIsle) isle = g_steal_pointer (&self->isle);

  if (isle == NULL)
    return;
  if (self->profiler_started)
    {
      GVariant *profile = g_isle_profile_stop (isle, NULL);

      self->profiler_started = FALSE;
      if (profile != NULL)
        g_variant_unref (profile);
    }
  self->generation++;
  if (self->job != NULL)
    {
      g_cancellable_cancel (self->job->cancellable);
      self->job = NULL;
    }
  end_debugging (self);
  g_signal_handlers_disconnect_by_data (isle, self);
  gisle_gtk_repl_set_isle (self->repl, NULL);
}

/* The debugger's keys work wherever the focus is in the window, so they
 * are read on the window, in the capture phase: before the focused
 * widget, and before the window's own shortcuts (a primary menu button
 * takes F10, which opened the menu instead of stepping). A key whose
 * action is disabled goes on as if the console were not there, so F10
 * opens that menu when nothing is paused. */
static gboolean
debug_key_pressed_cb (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      gpointer               user_data)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (user_data);
  GdkModifierType mods = state & gtk_accelerator_get_default_mod_mask ();
  const char *action = NULL;

  if (keyval == GDK_KEY_F5 && mods == 0)
    action = "continue";
  else if (keyval == GDK_KEY_F10 && mods == 0)
    action = "step-over";
  else if (keyval == GDK_KEY_F11 && mods == 0)
    action = "step-into";
  else if (keyval == GDK_KEY_F11 && mods == GDK_SHIFT_MASK)
    action = "step-out";
  if (action == NULL || !g_action_group_get_action_enabled (G_ACTION_GROUP (self->actions), action))
    return GDK_EVENT_PROPAGATE;
  g_action_group_activate_action (G_ACTION_GROUP (self->actions), action, NULL);
  return GDK_EVENT_STOP;
}

static void
gisle_gtk_console_root (GtkWidget *widget)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (widget);

  GTK_WIDGET_CLASS (gisle_gtk_console_parent_class)->root (widget);
  self->debug_keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_name (self->debug_keys, "gisle-console-debug-keys");
  gtk_event_controller_set_propagation_phase (self->debug_keys, GTK_PHASE_CAPTURE);
  g_signal_connect (self->debug_keys, "key-pressed", G_CALLBACK (debug_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (gtk_widget_get_root (widget)), self->debug_keys);
}

static void
gisle_gtk_console_unroot (GtkWidget *widget)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (widget);

  if (self->debug_keys != NULL)
    {
      gtk_widget_remove_controller (gtk_event_controller_get_widget (self->debug_keys), self->debug_keys);
      self->debug_keys = NULL;
    }
  GTK_WIDGET_CLASS (gisle_gtk_console_parent_class)->unroot (widget);
}

static gboolean
gisle_gtk_console_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (GISLE_GTK_CONSOLE (widget)->repl));
}

static void
gisle_gtk_console_dispose (GObject *object)
{
  GIsleGtkConsole *self = GISLE_GTK_CONSOLE (object);
  GtkWidget *child;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->repl != NULL)
    drop_isle (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->repl = NULL;
  self->output = NULL;
  g_clear_object (&self->actions);
  g_clear_object (&self->history);
  g_clear_pointer (&self->last_profile, g_variant_unref);
  if (self->editor != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->editor), (gpointer *) &self->editor);
  self->editor = NULL;

  G_OBJECT_CLASS (gisle_gtk_console_parent_class)->dispose (object);
}

static void
gisle_gtk_console_finalize (GObject *object)
{
  g_free (GISLE_GTK_CONSOLE (object)->progress_text);

  G_OBJECT_CLASS (gisle_gtk_console_parent_class)->finalize (object);
}

static void
gisle_gtk_console_class_init (GIsleGtkConsoleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = gisle_gtk_console_get_property;
  object_class->set_property = gisle_gtk_console_set_property;
  object_class->dispose = gisle_gtk_console_dispose;
  object_class->finalize = gisle_gtk_console_finalize;
  widget_class->grab_focus = gisle_gtk_console_grab_focus;
  widget_class->root = gisle_gtk_console_root;
  widget_class->unroot = gisle_gtk_console_unroot;

  /**
   * GIsleGtkConsole:isle:
   *
   * The isle the console runs chunks on. Setting it installs the
   * console's Lua helpers in it (`repr()` among them) as its next job.
   * Replacing it abandons a running chunk (which is cancelled).
   */
  properties[PROP_ISLE] =
    g_param_spec_object ("isle", "Isle", "The isle that runs the chunks", G_TYPE_ISLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:state:
   *
   * Whether a chunk runs, or is being stopped.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "Whether a chunk runs or is being stopped", GISLE_GTK_TYPE_CONSOLE_STATE, GISLE_GTK_CONSOLE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:busy:
   *
   * Whether a chunk runs (the state is not idle): bind a spinner to it.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", "Busy", "Whether a chunk runs", FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:elapsed:
   *
   * Seconds since the running chunk started, updated ten times a second
   * while it runs; time paused in the debugger does not count (nor does
   * it in "Finished in").
   */
  properties[PROP_ELAPSED] =
    g_param_spec_double ("elapsed", "Elapsed", "Seconds since the running chunk started", 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:progress:
   *
   * What the running chunk last reported with `isle.progress(fraction,
   * text)`, from 0 to 1, or -1 when it reported nothing.
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", "Progress", "The progress the running chunk reported, or -1", -1, 1, -1,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:progress-text:
   *
   * The text of the last progress report, if any.
   */
  properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", "Progress text", "The text of the last progress report", NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:timeout:
   *
   * The timeout of each chunk in milliseconds; 0 uses the isle's
   * [property@GIsle.Isle:default-timeout].
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", "Timeout", "The time limit of each chunk in milliseconds, 0 for the isle default", 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:history:
   *
   * The REPL history, oldest first; an entry is a whole chunk and may
   * have several lines. Bind it to a setting to keep it.
   */
  properties[PROP_HISTORY] =
    g_param_spec_boxed ("history", "History", "The REPL history, oldest first", G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:history-size:
   *
   * How many entries the history keeps; older ones are dropped.
   */
  properties[PROP_HISTORY_SIZE] =
    g_param_spec_uint ("history-size", "History size", "How many entries the history keeps",
                       0, G_MAXUINT, 500,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:continuing:
   *
   * Whether the REPL waits for more lines of an unfinished chunk.
   */
  properties[PROP_CONTINUING] =
    g_param_spec_boolean ("continuing", "Continuing", "Whether the REPL waits for more lines", FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:profiling:
   *
   * Whether chunks run with the isle's sampling profiler, each followed
   * by a short report in the transcript: the state of the `profile`
   * action, which is how to change it. Off by default; while off, the
   * profiler is never started and costs nothing.
   */
  properties[PROP_PROFILING] =
    g_param_spec_boolean ("profiling", "Profiling", "Whether chunks run with the profiler", FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:profile:
   *
   * What the profiler measured during the last profiled chunk, as
   * g_isle_profile_stop() returns it (an `a{sv}`), or none yet. Bind it
   * to [property@GIsleGtk.ProfileView:profile].
   */
  properties[PROP_PROFILE] =
    g_param_spec_variant ("profile", "Profile", "The profile of the last profiled chunk",
                          G_VARIANT_TYPE_VARDICT, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:editor:
   *
   * The script editor whose scripts the console runs, if any: it shows
   * the heat of a profiled run of its text. The console keeps no
   * reference to it.
   */
  properties[PROP_EDITOR] =
    g_param_spec_object ("editor", "Editor", "The script editor whose scripts the console runs",
                         GISLE_GTK_TYPE_EDITOR,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:debugger:
   *
   * The debugger of the script being debugged (see the `debug` action),
   * from Debug until the script ends, or none. Bind it to
   * [property@GIsleGtk.DebugPanel:debugger].
   */
  properties[PROP_DEBUGGER] =
    g_param_spec_object ("debugger", "Debugger", "The debugger of the script being debugged",
                         G_TYPE_ISLE_DEBUGGER,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkConsole:paused:
   *
   * Whether the script being debugged is paused.
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", "Paused", "Whether the script being debugged is paused", FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GIsleGtkConsole::script-error:
   * @self: the console
   * @chunk_name: the name the script ran under
   * @line: the line of the error, from 1
   * @message: the error message, with its traceback
   *
   * A script run with [method@GIsleGtk.Console.run_script] failed at a
   * known line. Connect [method@GIsleGtk.Editor.set_error] here.
   */
  signals[SIGNAL_SCRIPT_ERROR] =
    g_signal_new ("script-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING);

  /**
   * GIsleGtkConsole::location-activated:
   * @self: the console
   * @chunk_name: the chunk named in the location
   * @line: the line, from 1
   *
   * A location in an error or traceback in the transcript was clicked.
   */
  signals[SIGNAL_LOCATION_ACTIVATED] =
    g_signal_new ("location-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);

  /**
   * GIsleGtkConsole::finished:
   * @self: the console
   * @success: whether the chunk returned normally
   *
   * A chunk (from the REPL or [method@GIsleGtk.Console.run_script])
   * ended, after its results or error were shown.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gisle-console");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  g_type_ensure (GISLE_GTK_TYPE_OUTPUT);
  g_type_ensure (GISLE_GTK_TYPE_REPL);
}

static void
gisle_gtk_console_init (GIsleGtkConsole *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gisle_gtk_ensure_i18n ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Lua console"),
                                  -1);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);

  self->output = GISLE_GTK_OUTPUT (gisle_gtk_output_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->output), TRUE);
  gtk_widget_set_parent (GTK_WIDGET (self->output), GTK_WIDGET (self));
  gtk_widget_set_parent (gtk_separator_new (GTK_ORIENTATION_HORIZONTAL), GTK_WIDGET (self));
  self->repl = g_object_new (GISLE_GTK_TYPE_REPL, NULL);
  gtk_widget_set_parent (GTK_WIDGET (self->repl), GTK_WIDGET (self));

  self->history = gisle_gtk_history_new ();
  self->history_size = 500;
  gisle_gtk_history_set_size (self->history, self->history_size);
  gisle_gtk_repl_setup (self->repl, self->history, self->output);
  self->progress = -1;

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), console_entries,
                                   G_N_ELEMENTS (console_entries), self);
  set_action_enabled (self, "run", FALSE);
  set_action_enabled (self, "stop", FALSE);
  update_debug_actions (self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "console", G_ACTION_GROUP (self->actions));


  g_signal_connect (self->repl, "submit", G_CALLBACK (repl_submit_cb), self);
  g_signal_connect (self->repl, "interrupt", G_CALLBACK (interrupt_cb), self);
  g_signal_connect (self->output, "interrupt", G_CALLBACK (interrupt_cb), self);
  g_signal_connect (self->output, "location-activated", G_CALLBACK (location_activated_cb), self);
}

/* Public API */

/**
 * gisle_gtk_console_new:
 * @isle: (nullable): the isle to run chunks on
 *
 * Creates a console that runs chunks on @isle.
 *
 * Returns: (transfer none): a new console (a floating reference, as for
 *   every widget)
 */
GtkWidget *
gisle_gtk_console_new (GIsle *isle)
{
  g_return_val_if_fail (isle == NULL || G_IS_ISLE (isle), NULL);

  return g_object_new (GISLE_GTK_TYPE_CONSOLE, "isle", isle, NULL);
}

/**
 * gisle_gtk_console_get_isle:
 * @self: a console
 *
 * Gets the isle chunks run on.
 *
 * Returns: (transfer none) (nullable): the isle chunks run on
 */
GIsle *
gisle_gtk_console_get_isle (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return self->isle;
}

/**
 * gisle_gtk_console_set_isle:
 * @self: a console
 * @isle: (nullable): the isle to run chunks on
 *
 * Sets [property@GIsleGtk.Console:isle].
 */
void
gisle_gtk_console_set_isle (GIsleGtkConsole *self,
                            GIsle           *isle)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));
  g_return_if_fail (isle == NULL || G_IS_ISLE (isle));

  if (self->isle == isle)
    return;
  drop_isle (self);
  if (isle != NULL)
    {
      self->isle = g_object_ref (isle);
      gisle_gtk_ensure_helpers (isle);
      g_signal_connect (isle, "output", G_CALLBACK (isle_output_cb), self);
      g_signal_connect (isle, "progress", G_CALLBACK (isle_progress_cb), self);
      g_signal_connect (isle, "event", G_CALLBACK (isle_event_cb), self);
      g_signal_connect (isle, "notify::defunct", G_CALLBACK (isle_defunct_cb), self);
      gisle_gtk_repl_set_isle (self->repl, isle);
    }
  g_object_freeze_notify (G_OBJECT (self));
  if (self->state != GISLE_GTK_CONSOLE_IDLE)
    finish_job (self);
  set_action_enabled (self, "run", self->isle != NULL && self->job == NULL);
  update_debug_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISLE]);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * gisle_gtk_console_get_state:
 * @self: a console
 *
 * Gets what the console is doing.
 *
 * Returns: the value of [property@GIsleGtk.Console:state]
 */
GIsleGtkConsoleState
gisle_gtk_console_get_state (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), GISLE_GTK_CONSOLE_IDLE);

  return self->state;
}

/**
 * gisle_gtk_console_get_busy:
 * @self: a console
 *
 * Gets whether a chunk runs.
 *
 * Returns: the value of [property@GIsleGtk.Console:busy]
 */
gboolean
gisle_gtk_console_get_busy (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), FALSE);

  return self->state != GISLE_GTK_CONSOLE_IDLE;
}

/**
 * gisle_gtk_console_get_elapsed:
 * @self: a console
 *
 * Gets how long the running chunk has run.
 *
 * Returns: the value of [property@GIsleGtk.Console:elapsed]
 */
double
gisle_gtk_console_get_elapsed (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), 0);

  return self->elapsed;
}

/**
 * gisle_gtk_console_get_progress:
 * @self: a console
 *
 * Gets the progress the running chunk reported.
 *
 * Returns: the value of [property@GIsleGtk.Console:progress]
 */
double
gisle_gtk_console_get_progress (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), -1);

  return self->progress;
}

/**
 * gisle_gtk_console_get_progress_text:
 * @self: a console
 *
 * Gets the text of the last progress report.
 *
 * Returns: (nullable): the value of [property@GIsleGtk.Console:progress-text]
 */
const char *
gisle_gtk_console_get_progress_text (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return self->progress_text;
}

/**
 * gisle_gtk_console_get_timeout:
 * @self: a console
 *
 * Gets the time limit of each chunk.
 *
 * Returns: the value of [property@GIsleGtk.Console:timeout]
 */
guint
gisle_gtk_console_get_timeout (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), 0);

  return self->timeout_ms;
}

/**
 * gisle_gtk_console_set_timeout:
 * @self: a console
 * @timeout_ms: the timeout of each chunk, 0 for the isle's default
 *
 * Sets [property@GIsleGtk.Console:timeout]; it applies to chunks started
 * afterwards.
 */
void
gisle_gtk_console_set_timeout (GIsleGtkConsole *self,
                               guint            timeout_ms)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));

  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * gisle_gtk_console_dup_history:
 * @self: a console
 *
 * Gets a copy of the REPL history.
 *
 * Returns: (transfer full): the value of [property@GIsleGtk.Console:history]
 */
GStrv
gisle_gtk_console_dup_history (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return gisle_gtk_history_dup_items (self->history);
}

/**
 * gisle_gtk_console_set_history:
 * @self: a console
 * @history: (nullable) (array zero-terminated=1): entries, oldest first
 *
 * Sets [property@GIsleGtk.Console:history].
 */
void
gisle_gtk_console_set_history (GIsleGtkConsole    *self,
                               const char * const *history)
{
  g_auto(GStrv) now = NULL;

  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));

  now = gisle_gtk_history_dup_items (self->history);
  if (g_strv_equal ((const char * const *) now, history != NULL ? history : (const char * const []) { NULL }))
    return;
  gisle_gtk_history_set_items (self->history, history);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
}

/**
 * gisle_gtk_console_get_output:
 * @self: a console
 *
 * Gets the console's transcript.
 *
 * Returns: (transfer none): the transcript
 */
GIsleGtkOutput *
gisle_gtk_console_get_output (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return self->output;
}

/**
 * gisle_gtk_console_get_input_view:
 * @self: a console
 *
 * Gets the REPL input.
 *
 * Returns: (transfer none): the REPL input, a one-line source view that
 *   grows for entries of several lines
 */
GtkSourceView *
gisle_gtk_console_get_input_view (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return gisle_gtk_repl_get_view (self->repl);
}

/**
 * gisle_gtk_console_get_input_text:
 * @self: a console
 *
 * Gets the text in the REPL input.
 *
 * Returns: (transfer full): the text in the REPL input
 */
char *
gisle_gtk_console_get_input_text (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return gisle_gtk_repl_get_text (self->repl);
}

/**
 * gisle_gtk_console_set_input_text:
 * @self: a console
 * @text: the new input
 *
 * Replaces the text in the REPL input and puts the cursor at its end.
 */
void
gisle_gtk_console_set_input_text (GIsleGtkConsole *self,
                                  const char      *text)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));
  g_return_if_fail (text != NULL);

  gisle_gtk_repl_set_text (self->repl, text);
}

/**
 * gisle_gtk_console_get_continuing:
 * @self: a console
 *
 * Gets whether the REPL waits for more lines.
 *
 * Returns: the value of [property@GIsleGtk.Console:continuing]
 */
gboolean
gisle_gtk_console_get_continuing (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), FALSE);

  return gisle_gtk_repl_is_continuing (self->repl);
}

/**
 * gisle_gtk_console_get_profiling:
 * @self: a console
 *
 * Gets whether chunks run with the profiler (the state of the `profile`
 * action).
 *
 * Returns: the value of [property@GIsleGtk.Console:profiling]
 */
gboolean
gisle_gtk_console_get_profiling (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), FALSE);

  return self->profile;
}

/**
 * gisle_gtk_console_submit_input:
 * @self: a console
 *
 * Does what Enter in the REPL input does (and the `run` action): runs the
 * input, after the lines of an unfinished chunk if any.
 */
void
gisle_gtk_console_submit_input (GIsleGtkConsole *self)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));

  gisle_gtk_repl_submit (self->repl);
}

/**
 * gisle_gtk_console_run_script:
 * @self: a console
 * @code: Lua source
 * @chunk_name: the name errors give the script, e.g. "script.lua"
 *
 * Runs @code as a script: its output, results and errors appear in the
 * transcript, followed by the time it took. An error at a known line
 * emits [signal@GIsleGtk.Console::script-error].
 *
 * Returns: %FALSE if nothing was started, because a chunk is running or
 *   the console has no isle
 */
gboolean
gisle_gtk_console_run_script (GIsleGtkConsole *self,
                              const char      *code,
                              const char      *chunk_name)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), FALSE);
  g_return_val_if_fail (code != NULL, FALSE);
  g_return_val_if_fail (chunk_name != NULL, FALSE);

  if (self->job != NULL || self->isle == NULL)
    return FALSE;
  start_job (self, JOB_SCRIPT, code, chunk_name);
  return TRUE;
}

/**
 * gisle_gtk_console_stop:
 * @self: a console
 *
 * Stops the running chunk, if any (the `stop` action): the state becomes
 * [enum@GIsleGtk.ConsoleState.STOPPING] until the isle confirms, within
 * milliseconds, and the transcript says so.
 */
void
gisle_gtk_console_stop (GIsleGtkConsole *self)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));

  if (self->job == NULL)
    return;
  self->dropping_job = self->job->id;
  self->dropped_lines = 0;
  self->dropped_bytes = 0;
  g_cancellable_cancel (self->job->cancellable);
  if (self->job != NULL)
    set_state (self, GISLE_GTK_CONSOLE_STOPPING);
}

/**
 * gisle_gtk_console_clear:
 * @self: a console
 *
 * Empties the transcript (the `clear` action).
 */
void
gisle_gtk_console_clear (GIsleGtkConsole *self)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));

  gisle_gtk_output_clear (self->output);
}

/**
 * gisle_gtk_console_get_actions:
 * @self: a console
 *
 * The console's actions: `run` (the REPL input), `stop`, `clear`, and
 * `profile`, a boolean state (see [property@GIsleGtk.Console:profiling]).
 * Their enabled state follows the console's state. Insert the group in a
 * window, e.g. as `console`, to use them from a header bar or menus.
 *
 * Returns: (transfer none): the console's action group
 */
GActionGroup *
gisle_gtk_console_get_actions (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return G_ACTION_GROUP (self->actions);
}

/**
 * gisle_gtk_console_get_profile:
 * @self: a console
 *
 * Gets the profile of the last profiled chunk.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@GIsleGtk.Console:profile]
 */
GVariant *
gisle_gtk_console_get_profile (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return self->last_profile;
}

/**
 * gisle_gtk_console_get_editor:
 * @self: a console
 *
 * Gets the script editor whose scripts the console runs.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@GIsleGtk.Console:editor]
 */
GIsleGtkEditor *
gisle_gtk_console_get_editor (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return self->editor;
}

/**
 * gisle_gtk_console_set_editor:
 * @self: a console
 * @editor: (nullable): the script editor whose scripts the console runs
 *
 * Sets [property@GIsleGtk.Console:editor].
 */
void
gisle_gtk_console_set_editor (GIsleGtkConsole *self,
                              GIsleGtkEditor  *editor)
{
  g_return_if_fail (GISLE_GTK_IS_CONSOLE (self));
  g_return_if_fail (editor == NULL || GISLE_GTK_IS_EDITOR (editor));

  if (self->editor == editor)
    return;
  if (self->editor != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->editor), (gpointer *) &self->editor);
  self->editor = editor;
  if (editor != NULL)
    g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &self->editor);
  update_debug_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITOR]);
}

/**
 * gisle_gtk_console_debug_script:
 * @self: a console
 * @code: Lua source
 * @chunk_name: the name errors and breakpoints give the script, e.g.
 *   "script.lua"
 *
 * Runs @code as gisle_gtk_console_run_script() does, with a debugger
 * attached to the isle ([property@GIsleGtk.Console:debugger]): when @code
 * is the text of the console's [property@GIsleGtk.Console:editor], its
 * breakpoints are set (and follow changes while it runs), the line where
 * the script pauses is highlighted there, and hovering a name shows its
 * value. An error nothing catches pauses where it was raised. The
 * `continue`, `pause`, `step-over`, `step-into` and `step-out` actions
 * (F5, F10, F11 and Shift+F11) go on from a pause; Stop ends the script,
 * paused or not. The debugger is detached when the script ends.
 *
 * Returns: %FALSE if nothing was started: a chunk is running, the
 *   console has no isle, or another debugger is attached to it (the
 *   transcript says so)
 */
gboolean
gisle_gtk_console_debug_script (GIsleGtkConsole *self,
                                const char      *code,
                                const char      *chunk_name)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), FALSE);
  g_return_val_if_fail (code != NULL, FALSE);
  g_return_val_if_fail (chunk_name != NULL, FALSE);

  if (self->job != NULL || self->isle == NULL)
    return FALSE;
  if (!start_debugging (self, code, chunk_name))
    return FALSE;
  start_job (self, JOB_SCRIPT, code, chunk_name);
  return TRUE;
}

/**
 * gisle_gtk_console_get_debugger:
 * @self: a console
 *
 * Gets the debugger of the script being debugged.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@GIsleGtk.Console:debugger]
 */
GIsleDebugger *
gisle_gtk_console_get_debugger (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), NULL);

  return self->session != NULL ? gisle_gtk_debug_session_get_debugger (self->session) : NULL;
}

/**
 * gisle_gtk_console_get_paused:
 * @self: a console
 *
 * Gets whether the script being debugged is paused.
 *
 * Returns: the value of [property@GIsleGtk.Console:paused]
 */
gboolean
gisle_gtk_console_get_paused (GIsleGtkConsole *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_CONSOLE (self), FALSE);

  return self->paused;
}
