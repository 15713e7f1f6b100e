/* gisle-console-window.c: a console window: editor, output and REPL.
 *
 * Each window owns one isle and runs at most one job on it at a time; the
 * job's GCancellable is what Stop cancels. Everything the isle reports
 * (output, progress, events, host calls) arrives in the main context, so
 * this file never deals with threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gisle-console-examples.h"
#include "gisle-console-format.h"
#include "gisle-console-history.h"
#include "gisle-console-prefs.h"
#include "gisle-console-window.h"

#define REPL_CHUNK_NAME "stdin"
#define UNTITLED_NAME   "untitled.lua"
#define TICK_MS         100
#define ERROR_MARK      "gisle-console-error"

typedef enum {
  JOB_EDITOR,
  JOB_REPL_EXPRESSION,   /* the line wrapped as "return …", like lua.c */
  JOB_REPL_STATEMENT,
} JobKind;

typedef struct {
  GisleConsoleWindow *window;   /* strong */
  JobKind kind;
  guint generation;             /* of the isle it was sent to */
  guint64 id;
  GCancellable *cancellable;
  gint64 started;
  char *code;
  char *chunk_name;
} Job;

struct _GisleConsoleWindow {
  GtkApplicationWindow parent_instance;

  /* Template children */
  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkWidget *status_box;
  GtkSpinner *spinner;
  GtkLabel *elapsed_label;
  GtkProgressBar *progress_bar;
  GtkPaned *paned;
  GtkSourceView *editor;
  GisleConsoleOutput *output;
  GisleConsoleRepl *repl;
  GMenu *examples_menu;

  GSettings *settings;
  GisleConsoleHistory *history;
  GtkSourceBuffer *buffer;
  GtkTextTag *error_tag;
  int error_line;
  GFile *file;
  char *script_name;            /* file or example name, for the title */
  char *chunk_name;             /* what errors call the script */
  char *host_title;             /* set by the script through set_title() */

  GIsle *isle;
  guint generation;
  Job *job;                     /* the running job, or NULL */
  guint tick_id;
};

G_DEFINE_FINAL_TYPE (GisleConsoleWindow, gisle_console_window, GTK_TYPE_APPLICATION_WINDOW)

static gboolean create_isle (GisleConsoleWindow *self, GError **error);
static void replace_isle (GisleConsoleWindow *self);

/* Status and title */

static void
set_action_enabled (GisleConsoleWindow *self,
                    const char         *name,
                    gboolean            enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_title (GisleConsoleWindow *self)
{
  g_autofree char *heading = NULL;
  const char *name = self->script_name != NULL ? self->script_name : _("Untitled");
  gboolean modified = gtk_text_buffer_get_modified (GTK_TEXT_BUFFER (self->buffer));

  if (self->host_title != NULL)
    heading = g_strdup (self->host_title);
  else if (modified && self->file != NULL)
    heading = g_strdup_printf ("• %s", name);
  else
    heading = g_strdup (name);
  gtk_label_set_label (self->title_label, heading);
  gtk_window_set_title (GTK_WINDOW (self), heading);

  if (self->file != NULL)
    {
      g_autoptr(GFile) parent = g_file_get_parent (self->file);
      g_autofree char *path = parent != NULL ? g_file_get_path (parent) : NULL;
      const char *home = g_get_home_dir ();
      g_autofree char *shown = NULL;

      if (path != NULL && g_str_has_prefix (path, home))
        shown = g_strconcat ("~", path + strlen (home), NULL);
      else
        shown = g_steal_pointer (&path);
      gtk_label_set_label (self->subtitle_label, shown != NULL ? shown : "");
      gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), shown != NULL);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), FALSE);
}

static gboolean
tick_cb (gpointer user_data)
{
  GisleConsoleWindow *self = user_data;
  g_autofree char *text = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *tooltip = NULL;

  if (self->job == NULL)
    return G_SOURCE_CONTINUE;

  text = gisle_console_format_duration (g_get_monotonic_time () - self->job->started);
  gtk_label_set_label (self->elapsed_label, text);

  memory = g_format_size (g_isle_get_memory_in_use (self->isle));
  /* Translators: %s is an amount of memory, e.g. "1.2 MB" */
  tooltip = g_strdup_printf (_("Lua memory in use: %s"), memory);
  gtk_widget_set_tooltip_text (self->status_box, tooltip);
  return G_SOURCE_CONTINUE;
}

static void
set_running (GisleConsoleWindow *self,
             gboolean            running)
{
  set_action_enabled (self, "run", !running);
  set_action_enabled (self, "stop", running);
  gisle_console_repl_set_busy (self->repl, running);

  gtk_widget_set_visible (self->status_box, running);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_spinner_set_spinning (self->spinner, running);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (running)
    {
      gtk_label_set_label (self->elapsed_label, "");
      self->tick_id = g_timeout_add (TICK_MS, tick_cb, self);
      tick_cb (self);
    }
}

/* Error marks in the editor */

static void
clear_error_mark (GisleConsoleWindow *self)
{
  GtkTextIter start, end;

  if (self->error_line < 0)
    return;
  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  gtk_text_buffer_remove_tag (GTK_TEXT_BUFFER (self->buffer), self->error_tag, &start, &end);
  gtk_source_buffer_remove_source_marks (self->buffer, &start, &end, ERROR_MARK);
  self->error_line = -1;
}

static void
mark_error_line (GisleConsoleWindow *self,
                 int                 line)
{
  GtkTextBuffer *buffer = GTK_TEXT_BUFFER (self->buffer);
  GtkTextIter start, end;

  clear_error_mark (self);
  if (line < 1 || line > gtk_text_buffer_get_line_count (buffer))
    return;

  gtk_text_buffer_get_iter_at_line (buffer, &start, line - 1);
  end = start;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  gtk_text_iter_forward_char (&end);
  gtk_text_buffer_apply_tag (buffer, self->error_tag, &start, &end);
  gtk_source_buffer_create_source_mark (self->buffer, NULL, ERROR_MARK, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  gtk_text_view_scroll_to_iter (GTK_TEXT_VIEW (self->editor), &start, 0.1, FALSE, 0, 0);
  self->error_line = line;
}

static void
buffer_changed_cb (GtkTextBuffer *buffer,
                   gpointer       user_data)
{
  /* The mark points at code that is no longer there. */
  clear_error_mark (GISLE_CONSOLE_WINDOW (user_data));
}

static void
modified_changed_cb (GtkTextBuffer *buffer,
                     gpointer       user_data)
{
  update_title (GISLE_CONSOLE_WINDOW (user_data));
}

/* Jobs */

static void
job_free (Job *job)
{
  g_clear_object (&job->cancellable);
  g_object_unref (job->window);
  g_free (job->code);
  g_free (job->chunk_name);
  g_free (job);
}

static guint
timeout_ms (GisleConsoleWindow *self)
{
  return g_settings_get_uint (self->settings, "timeout") * 1000;
}

static void eval_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
submit_job (GisleConsoleWindow *self,
            Job                *job)
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
  job->id = g_isle_eval_full_async (self->isle, code, chunk_name, timeout_ms (self),
                                    job->cancellable, eval_cb, job);
}

static void
start_job (GisleConsoleWindow *self,
           JobKind             kind,
           const char         *code,
           const char         *chunk_name)
{
  Job *job;

  g_return_if_fail (self->job == NULL);

  job = g_new0 (Job, 1);
  job->window = g_object_ref (self);
  job->kind = kind;
  job->generation = self->generation;
  job->cancellable = g_cancellable_new ();
  job->started = g_get_monotonic_time ();
  job->code = g_strdup (code);
  job->chunk_name = g_strdup (chunk_name);
  self->job = job;

  set_running (self, TRUE);
  submit_job (self, job);
}

/* Ends the running job as far as the window is concerned; its callback may
 * still come, and is then ignored. */
static void
finish_job (GisleConsoleWindow *self)
{
  self->job = NULL;
  set_running (self, FALSE);
}

static void
print_stopped (GisleConsoleWindow *self,
               Job                *job,
               const char         *format)
{
  g_autofree char *duration = gisle_console_format_duration (g_get_monotonic_time () - job->started);
  g_autofree char *text = g_strdup_printf (format, duration);

  gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO, text);
}

static void
report_error (GisleConsoleWindow *self,
              Job                *job,
              const GError       *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* Translators: %s is a duration, e.g. "1.25 s" */
    print_stopped (self, job, _("⏹ Stopped after %s."));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    /* Translators: %s is a duration, e.g. "1.25 s" */
    print_stopped (self, job, _("⏱ Timed out after %s (see Preferences)."));
  else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT))
    replace_isle (self);
  else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the reason, from the library */
      text = g_strdup_printf (_("The result cannot be shown as a value (%s). Return repr(value) to see it as text."),
                              error->message);
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, text);
    }
  else if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_MEMORY))
    {
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, error->message);
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                        _("The script ran out of memory; the memory limit is set in Preferences. The Lua state is still usable."));
    }
  else
    {
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, error->message);
      if (job->kind == JOB_EDITOR
          && (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX)
              || g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME)
              || g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE)))
        mark_error_line (self, gisle_console_find_error_line (error->message, job->chunk_name));
    }
}

static void
report_results (GisleConsoleWindow *self,
                Job                *job,
                GVariant           *results)
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
        gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_RESULT, shown);
      return;
    }

  text = gisle_console_format_results (results);
  if (text != NULL)
    gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_RESULT, text);
  if (job->kind == JOB_EDITOR)
    /* Translators: %s is a duration, e.g. "1.25 s" */
    print_stopped (self, job, _("Finished in %s."));
}

static void
eval_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Job *job = user_data;
  GisleConsoleWindow *self = job->window;
  g_autoptr(GVariant) results = NULL;
  g_autoptr(GError) error = NULL;

  results = g_isle_eval_full_finish (G_ISLE (source), result, &error);

  /* Stopped by a reset, a defunct isle or a closed window. */
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
      gisle_console_repl_continue (self->repl, job->code);
      finish_job (self);
      job_free (job);
      return;
    }

  if (job->kind != JOB_EDITOR)
    gisle_console_repl_end_continuation (self->repl);

  if (results != NULL)
    report_results (self, job, results);
  else
    report_error (self, job, error);

  if (self->job == job)
    finish_job (self);
  job_free (job);
}

static void
repl_submit_cb (GisleConsoleRepl *repl,
                const char       *code,
                gpointer          user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (self->job != NULL)
    return;
  start_job (self, JOB_REPL_EXPRESSION, code, REPL_CHUNK_NAME);
}

/* Signals of the isle */

static void
isle_output_cb (GIsle       *isle,
                guint64      job_id,
                GIsleStream  stream,
                const char  *text,
                gpointer     user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  GisleConsoleTextKind kind;

  switch (stream)
    {
    case G_ISLE_STREAM_STDERR:
      kind = GISLE_CONSOLE_TEXT_STDERR;
      break;
    case G_ISLE_STREAM_WARNING:
      kind = GISLE_CONSOLE_TEXT_WARNING;
      break;
    case G_ISLE_STREAM_STDOUT:
    default:
      kind = GISLE_CONSOLE_TEXT_OUTPUT;
      break;
    }
  if (stream == G_ISLE_STREAM_WARNING)
    {
      /* Lua warnings come without a newline and belong on their own line. */
      g_autofree char *line = g_strdup_printf (_("Lua warning: %s"), text);
      gisle_console_output_append_line (self->output, kind, line);
    }
  else
    gisle_console_output_append (self->output, kind, text);
}

static void
isle_progress_cb (GIsle      *isle,
                  guint64     job_id,
                  double      fraction,
                  const char *text,
                  gpointer    user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (self->job == NULL || self->job->id != job_id)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
isle_event_cb (GIsle      *isle,
               const char *name,
               GVariant   *value,
               gpointer    user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  g_autofree char *shown = value != NULL ? gisle_console_format_value (value) : g_strdup ("nil");
  g_autofree char *text = NULL;

  /* Translators: an event a script sent; %s are its name and value */
  text = g_strdup_printf (_("Event “%s”: %s"), name, shown);
  gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO, text);
}

static void
isle_defunct_cb (GIsle      *isle,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (isle == self->isle && g_isle_is_defunct (isle))
    replace_isle (self);
}

/* set_title(text): a host function, run in the main context while the
 * script waits; returns the previous title. */
static GVariant *
host_set_title (GIsle         *isle,
                GVariant      *args,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  g_autoptr(GisleConsoleWindow) self = g_weak_ref_get (user_data);
  g_autoptr(GVariant) arg = NULL;
  g_autofree char *previous = NULL;
  const char *title;

  if (self == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the window is closed");
      return NULL;
    }
  if (g_variant_n_children (args) < 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "set_title expects a string");
      return NULL;
    }
  arg = g_variant_get_child_value (args, 0);
  while (g_variant_is_of_type (arg, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (arg);
      g_variant_unref (arg);
      arg = inner;
    }
  if (!g_variant_is_of_type (arg, G_VARIANT_TYPE_STRING))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "set_title expects a string");
      return NULL;
    }
  title = g_variant_get_string (arg, NULL);

  previous = g_strdup (gtk_label_get_label (self->title_label));
  g_free (self->host_title);
  self->host_title = g_strdup (title);
  update_title (self);
  return g_variant_new_string (previous);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
drop_isle (GisleConsoleWindow *self)
{
  g_autoptr(GIsle) isle = g_steal_pointer (&self->isle);

  if (isle == NULL)
    return;
  self->generation++;
  g_signal_handlers_disconnect_by_data (isle, self);
  g_isle_cancel_all (isle);
  g_isle_close_async (isle, NULL, NULL, NULL);
  gisle_console_repl_set_isle (self->repl, NULL);
}

static gboolean
create_isle (GisleConsoleWindow  *self,
             GError             **error)
{
  g_autoptr(GBytes) setup = NULL;
  g_autofree char *setup_code = NULL;
  GWeakRef *ref;
  guint64 limit;

  setup = g_resources_lookup_data ("/org/gnome/GIsle/Console/console.lua",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (setup == NULL)
    return FALSE;
  setup_code = g_strndup (g_bytes_get_data (setup, NULL), g_bytes_get_size (setup));

  limit = (guint64) g_settings_get_uint (self->settings, "memory-limit") * 1024 * 1024;
  self->isle = g_initable_new (G_TYPE_ISLE, NULL, error,
                               "thread-name", "gisle-console",
                               "memory-limit", limit,
                               "default-timeout", timeout_ms (self),
                               "libraries", G_ISLE_LIBRARIES_SAFE,
                               "setup-code", setup_code,
                               NULL);
  if (self->isle == NULL)
    return FALSE;

  g_signal_connect (self->isle, "output", G_CALLBACK (isle_output_cb), self);
  g_signal_connect (self->isle, "progress", G_CALLBACK (isle_progress_cb), self);
  g_signal_connect (self->isle, "event", G_CALLBACK (isle_event_cb), self);
  g_signal_connect (self->isle, "notify::defunct", G_CALLBACK (isle_defunct_cb), self);

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  g_isle_add_function (self->isle, "set_title", host_set_title, ref, weak_ref_free);

  gisle_console_repl_set_isle (self->repl, self->isle);
  return TRUE;
}

static void
start_fresh_isle (GisleConsoleWindow *self)
{
  g_autoptr(GError) error = NULL;

  drop_isle (self);
  if (!create_isle (self, &error))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the reason */
      text = g_strdup_printf (_("Could not start a Lua state: %s"), error->message);
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, text);
    }
}

/* The isle gave up on a job that would not stop (GIsle:defunct): a Lua
 * state that can never run again. */
static void
replace_isle (GisleConsoleWindow *self)
{
  if (self->job != NULL)
    {
      /* Translators: %s is a duration, e.g. "1.25 s" */
      print_stopped (self, self->job, _("⏹ Stopped after %s."));
      finish_job (self);
    }
  gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_WARNING,
                                    _("The script did not stop in time, so its Lua state was abandoned. A fresh Lua state was started; globals from before are gone."));
  start_fresh_isle (self);
}

/* Files */

static void
set_file (GisleConsoleWindow *self,
          GFile              *file)
{
  g_set_object (&self->file, file);
  g_free (self->script_name);
  self->script_name = file != NULL ? g_file_get_basename (file) : NULL;
  g_free (self->chunk_name);
  self->chunk_name = g_strdup (self->script_name);
  g_clear_pointer (&self->host_title, g_free);
  update_title (self);
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GisleConsoleWindow) self = user_data;
  GFile *file = G_FILE (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_load_contents_finish (file, result, &contents, &length, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open “%s”: %s"),
                                               g_file_peek_path (file), error->message);
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, text);
      return;
    }
  if (!g_utf8_validate (contents, length, NULL))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open “%s”: it is not UTF-8 text."),
                                               g_file_peek_path (file));
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, text);
      return;
    }
  gisle_console_window_set_code (self, contents);
  set_file (self, file);
}

/**
 * gisle_console_window_open_file:
 * @self: a console window
 * @file: a Lua script
 *
 * Loads @file into the editor.
 */
void
gisle_console_window_open_file (GisleConsoleWindow *self,
                                GFile              *file)
{
  g_return_if_fail (GISLE_CONSOLE_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_file_load_contents_async (file, NULL, load_cb, g_object_ref (self));
}

static void
open_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      gisle_console_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
add_filters (GtkFileChooser *chooser)
{
  g_autoptr(GtkFileFilter) lua = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (lua, _("Lua Scripts"));
  gtk_file_filter_add_pattern (lua, "*.lua");
  gtk_file_filter_add_mime_type (lua, "text/x-lua");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (chooser, lua);
  gtk_file_chooser_add_filter (chooser, all);
}

static void
open_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Open Script"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  add_filters (GTK_FILE_CHOOSER (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

typedef struct {
  GisleConsoleWindow *self;
  GFile *file;
} SaveData;

static void
save_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      set_file (data->self, data->file);
      gtk_text_buffer_set_modified (GTK_TEXT_BUFFER (data->self->buffer), FALSE);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Could not save “%s”: %s"),
                                               g_file_peek_path (data->file), error->message);
      gisle_console_output_append_line (data->self->output, GISLE_CONSOLE_TEXT_ERROR, text);
    }
  g_object_unref (data->self);
  g_object_unref (data->file);
  g_free (data);
}

static void
save_to (GisleConsoleWindow *self,
         GFile              *file)
{
  GtkTextIter start, end;
  g_autoptr(GBytes) bytes = NULL;
  SaveData *data;
  char *text;

  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  text = gtk_text_buffer_get_text (GTK_TEXT_BUFFER (self->buffer), &start, &end, TRUE);
  bytes = g_bytes_new_take (text, strlen (text));

  data = g_new0 (SaveData, 1);
  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE,
                                       NULL, save_cb, data);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      save_to (self, file);
    }
  g_object_unref (dialog);
}

static void
save_as_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Save Script"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  add_filters (GTK_FILE_CHOOSER (dialog));
  if (self->file != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), self->file, NULL);
  else
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), UNTITLED_NAME);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (self->file != NULL)
    save_to (self, self->file);
  else
    save_as_action (action, parameter, user_data);
}

/* Other actions */

static void
run_action (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  g_autofree char *code = NULL;
  g_autofree char *echo = NULL;
  g_autofree char *stripped = NULL;
  const char *chunk_name;
  GtkTextIter start, end;

  if (self->job != NULL || self->isle == NULL)
    return;

  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  code = gtk_text_buffer_get_text (GTK_TEXT_BUFFER (self->buffer), &start, &end, TRUE);
  stripped = g_strstrip (g_strdup (code));
  if (*stripped == '\0')
    {
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                        _("The editor is empty: write some Lua, or pick one of the Examples."));
      return;
    }

  clear_error_mark (self);
  chunk_name = self->chunk_name != NULL ? self->chunk_name : UNTITLED_NAME;
  /* Translators: %s is a file name */
  echo = g_strdup_printf (_("▶ Running %s"), chunk_name);
  gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INPUT, echo);
  start_job (self, JOB_EDITOR, code, chunk_name);
}

static void
stop_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  /* The job's callback says "Stopped" once the isle confirms it. */
  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
}

static void
clear_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  gisle_console_output_clear (GISLE_CONSOLE_WINDOW (user_data)->output);
}

static void
reset_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (self->job != NULL)
    {
      /* Translators: %s is a duration, e.g. "1.25 s" */
      print_stopped (self, self->job, _("⏹ Stopped after %s."));
      finish_job (self);
    }
  gisle_console_repl_end_continuation (self->repl);
  g_clear_pointer (&self->host_title, g_free);
  update_title (self);
  start_fresh_isle (self);
  if (self->isle != NULL)
    gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                      _("The Lua state was reset."));
}

static void
example_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  const GisleConsoleExample *example;
  g_autofree char *text = NULL;

  example = gisle_console_examples_lookup (g_variant_get_string (parameter, NULL));
  if (example == NULL)
    return;

  gisle_console_window_set_code (self, example->code);
  set_file (self, NULL);
  g_free (self->script_name);
  self->script_name = g_strdup (gettext (example->title));
  g_free (self->chunk_name);
  self->chunk_name = g_strconcat (example->id, ".lua", NULL);
  update_title (self);
  /* Translators: %s is the name of an example */
  text = g_strdup_printf (_("Example “%s” loaded; press Run (Ctrl+Return)."),
                          gettext (example->title));
  gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO, text);
}

static void
wrap_action (GSimpleAction *action,
             GVariant      *state,
             gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  GtkTextView *view = gisle_console_output_get_view (self->output);

  gtk_text_view_set_wrap_mode (view, g_variant_get_boolean (state) ? GTK_WRAP_WORD_CHAR : GTK_WRAP_NONE);
  g_simple_action_set_state (action, state);
}

static void
focus_repl_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  gtk_widget_grab_focus (GTK_WIDGET (GISLE_CONSOLE_WINDOW (user_data)->repl));
}

static const GActionEntry win_entries[] = {
  { "run", run_action },
  { "stop", stop_action },
  { "clear", clear_action },
  { "reset", reset_action },
  { "open", open_action },
  { "save", save_action },
  { "save-as", save_as_action },
  { "example", example_action, "s" },
  { "wrap", NULL, NULL, "false", wrap_action },
  { "focus-repl", focus_repl_action },
};

static gboolean
output_interrupt_cb (GisleConsoleOutput *output,
                     gpointer            user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (self->job == NULL)
    return FALSE;
  g_cancellable_cancel (self->job->cancellable);
  return TRUE;
}

static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     gpointer    user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (g_str_equal (key, "timeout"))
    {
      if (self->isle != NULL)
        g_isle_set_default_timeout (self->isle, timeout_ms (self));
    }
  else if (g_str_equal (key, "memory-limit"))
    gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                      _("The new memory limit applies after Reset Lua State."));
}

/* Window */

static gboolean
gisle_console_window_close_request (GtkWindow *window)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (gisle_console_window_parent_class)->close_request (window);
}

static void
gisle_console_window_constructed (GObject *object)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (gisle_console_window_parent_class)->constructed (object);

  self->settings = app != NULL && GISLE_CONSOLE_IS_APP (app)
                   ? g_object_ref (gisle_console_app_get_settings (GISLE_CONSOLE_APP (app)))
                   : g_settings_new (GISLE_CONSOLE_APP_ID);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  self->history = gisle_console_history_new (self->settings);
  gisle_console_repl_setup (self->repl, self->history, self->output);

  if (!create_isle (self, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not start a Lua state: %s"), error->message);
      gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_ERROR, text);
    }
  else
    gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                      _("Lua 5.4 in a GIsle. Run the editor with Ctrl+Return, or type in the REPL below."));
  update_title (self);
}

static void
gisle_console_window_dispose (GObject *object)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);

  if (self->job != NULL)
    {
      g_cancellable_cancel (self->job->cancellable);
      self->job = NULL;
    }
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->repl != NULL)
    drop_isle (self);
  g_clear_object (&self->history);
  g_clear_object (&self->file);
  gtk_widget_dispose_template (GTK_WIDGET (self), GISLE_CONSOLE_TYPE_WINDOW);

  G_OBJECT_CLASS (gisle_console_window_parent_class)->dispose (object);
}

static void
gisle_console_window_finalize (GObject *object)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->script_name);
  g_free (self->chunk_name);
  g_free (self->host_title);

  G_OBJECT_CLASS (gisle_console_window_parent_class)->finalize (object);
}

static void
gisle_console_window_class_init (GisleConsoleWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = gisle_console_window_constructed;
  object_class->dispose = gisle_console_window_dispose;
  object_class->finalize = gisle_console_window_finalize;
  window_class->close_request = gisle_console_window_close_request;

  g_type_ensure (GTK_SOURCE_TYPE_VIEW);
  g_type_ensure (GISLE_CONSOLE_TYPE_OUTPUT);
  g_type_ensure (GISLE_CONSOLE_TYPE_REPL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gnome/GIsle/Console/ui/window.ui");
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, status_box);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, editor);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, output);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, repl);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, examples_menu);
}

static void
setup_editor (GisleConsoleWindow *self)
{
  GtkSourceLanguageManager *languages = gtk_source_language_manager_get_default ();
  GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default ();
  GtkSourceStyleScheme *scheme;
  g_autoptr(GtkSourceMarkAttributes) attributes = NULL;
  GtkEventController *shortcuts;
  GdkRGBA color;

  self->buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->editor)));
  gtk_source_buffer_set_language (self->buffer, gtk_source_language_manager_get_language (languages, "lua"));
  gtk_source_buffer_set_highlight_matching_brackets (self->buffer, TRUE);
  scheme = gtk_source_style_scheme_manager_get_scheme (schemes, "Adwaita");
  if (scheme != NULL)
    gtk_source_buffer_set_style_scheme (self->buffer, scheme);

  gdk_rgba_parse (&color, "rgba(224,27,36,0.20)");
  self->error_tag = gtk_text_buffer_create_tag (GTK_TEXT_BUFFER (self->buffer), "error-line",
                                                "paragraph-background-rgba", &color,
                                                "underline", PANGO_UNDERLINE_ERROR,
                                                NULL);
  self->error_line = -1;

  attributes = gtk_source_mark_attributes_new ();
  gtk_source_mark_attributes_set_icon_name (attributes, "dialog-error-symbolic");
  gtk_source_view_set_mark_attributes (self->editor, ERROR_MARK, attributes, 10);

  g_signal_connect (self->buffer, "changed", G_CALLBACK (buffer_changed_cb), self);
  g_signal_connect (self->buffer, "modified-changed", G_CALLBACK (modified_changed_cb), self);

  /* The view would otherwise take Ctrl+Return as a newline. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_alternative_trigger_new (gtk_shortcut_trigger_parse_string ("<Control>Return"),
                                                                                       gtk_shortcut_trigger_parse_string ("<Control>KP_Enter")),
                                                          gtk_named_action_new ("win.run")));
  gtk_widget_add_controller (GTK_WIDGET (self->editor), shortcuts);
}

static void
gisle_console_window_init (GisleConsoleWindow *self)
{
  guint n_examples;
  const GisleConsoleExample *examples;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);
  set_action_enabled (self, "stop", FALSE);

  examples = gisle_console_examples_get (&n_examples);
  for (guint i = 0; i < n_examples; i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.example::%s", examples[i].id);
      g_menu_append (self->examples_menu, gettext (examples[i].title), detailed);
    }

  setup_editor (self);
  g_signal_connect (self->repl, "submit", G_CALLBACK (repl_submit_cb), self);
  g_signal_connect (self->output, "interrupt", G_CALLBACK (output_interrupt_cb), self);
}

/**
 * gisle_console_window_new:
 * @app: the application
 *
 * Returns: (transfer full): a new console window with a fresh isle
 */
GisleConsoleWindow *
gisle_console_window_new (GisleConsoleApp *app)
{
  return g_object_new (GISLE_CONSOLE_TYPE_WINDOW, "application", app, NULL);
}

/**
 * gisle_console_window_set_code:
 * @self: a console window
 * @code: Lua source
 *
 * Replaces the editor's text; the undo history starts afresh.
 */
void
gisle_console_window_set_code (GisleConsoleWindow *self,
                               const char         *code)
{
  GtkTextIter start;

  g_return_if_fail (GISLE_CONSOLE_IS_WINDOW (self));

  gtk_text_buffer_begin_irreversible_action (GTK_TEXT_BUFFER (self->buffer));
  gtk_text_buffer_set_text (GTK_TEXT_BUFFER (self->buffer), code, -1);
  gtk_text_buffer_end_irreversible_action (GTK_TEXT_BUFFER (self->buffer));
  gtk_text_buffer_get_start_iter (GTK_TEXT_BUFFER (self->buffer), &start);
  gtk_text_buffer_place_cursor (GTK_TEXT_BUFFER (self->buffer), &start);
  gtk_text_buffer_set_modified (GTK_TEXT_BUFFER (self->buffer), FALSE);
}

gboolean
gisle_console_window_is_running (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), FALSE);

  return self->job != NULL;
}

/**
 * gisle_console_window_get_error_line:
 * @self: a console window
 *
 * Returns: the editor line marked as the site of the last error, from 1,
 *   or -1 if none is marked
 */
int
gisle_console_window_get_error_line (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), -1);

  return self->error_line;
}

GIsle *
gisle_console_window_get_isle (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->isle;
}

GisleConsoleOutput *
gisle_console_window_get_output (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->output;
}

GisleConsoleRepl *
gisle_console_window_get_repl (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->repl;
}

GtkSourceBuffer *
gisle_console_window_get_buffer (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->buffer;
}

/**
 * gisle_console_window_get_progress:
 * @self: a console window
 *
 * Returns: the fraction shown by the progress bar, or -1 when the running
 *   script has reported no progress
 */
double
gisle_console_window_get_progress (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), -1);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->progress_bar)))
    return -1;
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

/**
 * gisle_console_window_get_heading:
 * @self: a console window
 *
 * Returns: the title shown in the header bar
 */
const char *
gisle_console_window_get_heading (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return gtk_label_get_label (self->title_label);
}
