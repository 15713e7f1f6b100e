/* gisle-console-window.c: a console window: the application shell around
 * the libgisle-gtk widgets.
 *
 * The window owns the isle (with the set_title() host function, and the
 * window itself and its transcript exposed as app.window and
 * app.transcript), the
 * script editor (GIsleGtkEditor), the console (GIsleGtkConsole), files,
 * examples and preferences. Running, stopping, the transcript and the
 * REPL are the console's business.
 *
 * Below gisle-console-app.c, which creates windows: it calls only the
 * examples, preferences and settings files, and receives its GSettings
 * at construction. Main thread only (GTK's rule); the isle reports in
 * the main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gisle-console-examples.h"
#include "gisle-console-prefs.h"
#include "gisle-console-settings.h"
#include "gisle-console-window.h"

#define UNTITLED_NAME   "untitled.lua"

typedef void (*DiscardFunc) (GisleConsoleWindow *self);

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
  GIsleGtkEditor *editor;
  GIsleGtkConsole *console;
  GMenu *examples_menu;
  GtkNotebook *side_panel;
  GIsleGtkProfileView *profile_view;
  GIsleGtkDebugPanel *debug_panel;

  GSettings *settings;
  GtkTextBuffer *buffer;
  GFile *file;
  char *script_name;            /* file or example name, for the title */
  char *chunk_name;             /* what errors call the script */
  char *host_title;             /* set by the script through set_title() */

  /* Strong: a script may take them out of the window (app.window.child =
   * nil), and this code goes on using them. */
  GtkWidget *content;
  GtkWidget *titlebar;

  GIsle *isle;
  GtkWindow *question;          /* the "discard changes?" dialog, if shown */
  gboolean closing_confirmed;
};

G_DEFINE_FINAL_TYPE (GisleConsoleWindow, gisle_console_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_fresh_isle (GisleConsoleWindow *self);
static void open_chooser (GisleConsoleWindow *self);

static void
info (GisleConsoleWindow *self,
      GIsleGtkTextKind    kind,
      const char         *text)
{
  gisle_gtk_output_append_line (gisle_gtk_console_get_output (self->console), kind, text);
}

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
  gboolean modified = gtk_text_buffer_get_modified (self->buffer);

  /* The script's name changes with the title: the editor's chunk name is
   * what the console's Debug runs it under. */
  gisle_gtk_editor_set_chunk_name (self->editor, self->chunk_name != NULL ? self->chunk_name : UNTITLED_NAME);

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

static void
console_state_cb (GIsleGtkConsole *console,
                  GParamSpec      *pspec,
                  gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  GIsleGtkConsoleState state = gisle_gtk_console_get_state (console);
  gboolean busy = state != GISLE_GTK_CONSOLE_IDLE;

  set_action_enabled (self, "run", !busy);
  set_action_enabled (self, "stop", state == GISLE_GTK_CONSOLE_RUNNING);
  gtk_widget_set_visible (self->status_box, busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  if (busy)
    gtk_label_set_label (self->elapsed_label, "");
}

static void
console_elapsed_cb (GIsleGtkConsole *console,
                    GParamSpec      *pspec,
                    gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  g_autofree char *text = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *tooltip = NULL;

  text = gisle_gtk_format_duration (gisle_gtk_console_get_elapsed (console) * G_USEC_PER_SEC);
  gtk_label_set_label (self->elapsed_label, text);
  if (self->isle != NULL)
    {
      memory = g_format_size (g_isle_get_memory_in_use (self->isle));
      /* Translators: %s is an amount of memory, e.g. "1.2 MB" */
      tooltip = g_strdup_printf (_("Lua memory in use: %s"), memory);
      gtk_widget_set_tooltip_text (self->status_box, tooltip);
    }
}

static void
console_progress_cb (GIsleGtkConsole *console,
                     GParamSpec      *pspec,
                     gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  double fraction = gisle_gtk_console_get_progress (console);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), fraction >= 0);
  if (fraction >= 0)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, fraction);
      gtk_progress_bar_set_text (self->progress_bar, gisle_gtk_console_get_progress_text (console));
    }
}

static void
script_error_cb (GIsleGtkConsole *console,
                 const char      *chunk_name,
                 int              line,
                 const char      *message,
                 gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (g_strcmp0 (chunk_name, self->chunk_name != NULL ? self->chunk_name : UNTITLED_NAME) == 0)
    gisle_gtk_editor_set_error (self->editor, line, message);
}

static void
location_activated_cb (GIsleGtkConsole *console,
                       const char      *chunk_name,
                       int              line,
                       gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (g_strcmp0 (chunk_name, self->chunk_name != NULL ? self->chunk_name : UNTITLED_NAME) == 0)
    gisle_gtk_editor_go_to_line (self->editor, line);
}

/* The side panel shows itself with the first profile. */
static void
console_profile_cb (GIsleGtkConsole *console,
                    GParamSpec      *pspec,
                    gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (gisle_gtk_console_get_profile (console) != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->side_panel), TRUE);
      gtk_notebook_set_current_page (self->side_panel,
                                     gtk_notebook_page_num (self->side_panel, GTK_WIDGET (self->profile_view)));
    }
}

/* Paused, nothing runs: the spinner stops and says so. */
static void
console_paused_cb (GIsleGtkConsole *console,
                   GParamSpec      *pspec,
                   gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  gboolean paused = gisle_gtk_console_get_paused (console);

  gtk_spinner_set_spinning (self->spinner, !paused && gisle_gtk_console_get_busy (console));
  if (paused)
    gtk_label_set_label (self->elapsed_label, _("Paused"));
}

/* ... and with Debug, on the debugger's page. */
static void
console_debugger_cb (GIsleGtkConsole *console,
                     GParamSpec      *pspec,
                     gpointer         user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (gisle_gtk_console_get_debugger (console) != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->side_panel), TRUE);
      gtk_notebook_set_current_page (self->side_panel,
                                     gtk_notebook_page_num (self->side_panel, GTK_WIDGET (self->debug_panel)));
    }
}

static void
function_activated_cb (GIsleGtkProfileView     *view,
                       GIsleGtkProfileFunction *function,
                       gpointer                 user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (g_strcmp0 (gisle_gtk_profile_function_get_source (function),
                 self->chunk_name != NULL ? self->chunk_name : UNTITLED_NAME) == 0)
    gisle_gtk_editor_go_to_line (self->editor, MAX (gisle_gtk_profile_function_get_line (function), 1));
}

static void
modified_changed_cb (GtkTextBuffer *buffer,
                     gpointer       user_data)
{
  update_title (GISLE_CONSOLE_WINDOW (user_data));
}

/* Unsaved work: ask before discarding it. */

typedef struct {
  GisleConsoleWindow *self;
  DiscardFunc then;
} Question;

static void
question_response_cb (GtkDialog *dialog,
                      int        response,
                      gpointer   user_data)
{
  Question *question = user_data;
  GisleConsoleWindow *self = question->self;

  self->question = NULL;
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    question->then (self);
  g_object_unref (self);
  g_free (question);
}

/* Calls @then now if the script has no unsaved changes, else once the user
 * agreed to discard them. */
static void
confirm_discard (GisleConsoleWindow *self,
                 DiscardFunc         then)
{
  GtkWidget *dialog;
  Question *question;

  if (!gtk_text_buffer_get_modified (self->buffer))
    {
      then (self);
      return;
    }
  if (self->question != NULL)
    {
      gtk_window_present (self->question);
      return;
    }

  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Discard the changes to “%s”?"),
                                   self->script_name != NULL ? self->script_name : _("Untitled"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("The script has changes that were not saved."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Discard"), GTK_RESPONSE_ACCEPT,
                          NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  gtk_widget_add_css_class (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT),
                            "destructive-action");
  question = g_new0 (Question, 1);
  question->self = g_object_ref (self);
  question->then = then;
  g_signal_connect (dialog, "response", G_CALLBACK (question_response_cb), question);
  self->question = GTK_WINDOW (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The isle */

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

  previous = g_strdup (gtk_label_get_label (self->title_label));
  g_free (self->host_title);
  self->host_title = g_strdup (g_variant_get_string (arg, NULL));
  update_title (self);
  return g_variant_new_string (previous);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static guint
timeout_ms (GisleConsoleWindow *self)
{
  return g_settings_get_uint (self->settings, "timeout") * 1000;
}

static void isle_defunct_cb (GIsle *isle, GParamSpec *pspec, gpointer user_data);

static void
drop_isle (GisleConsoleWindow *self)
{
  g_autoptr(GIsle) isle = g_steal_pointer (&self->isle);

  if (isle == NULL)
    return;
  g_signal_handlers_disconnect_by_data (isle, self);
  if (self->console != NULL)
    gisle_gtk_console_set_isle (self->console, NULL);
  if (self->editor != NULL)
    gisle_gtk_editor_set_isle (self->editor, NULL);
  g_isle_cancel_all (isle);
  g_isle_close_async (isle, NULL, NULL, NULL);
}

static gboolean
create_isle (GisleConsoleWindow  *self,
             GError             **error)
{
  GWeakRef *ref;
  guint64 limit;

  limit = (guint64) g_settings_get_uint (self->settings, "memory-limit") * 1024 * 1024;
  self->isle = g_initable_new (G_TYPE_ISLE, NULL, error,
                               "thread-name", "gisle-console",
                               "memory-limit", limit,
                               "default-timeout", timeout_ms (self),
                               "libraries", G_ISLE_LIBRARIES_SAFE,
                               NULL);
  if (self->isle == NULL)
    return FALSE;

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  g_isle_add_function (self->isle, "set_title", host_set_title, ref, weak_ref_free);
  /* Scripts drive the window and the transcript in the main thread (see
   * docs/objects.md): the window's properties and methods, the
   * transcript's methods, neither leading to other widgets, whose
   * references this code and GIsleGtk hold without expecting a script to
   * take them away. */
  g_isle_expose_object_full (self->isle, "app.window", G_OBJECT (self),
                             G_ISLE_EXPOSE_READ | G_ISLE_EXPOSE_WRITE | G_ISLE_EXPOSE_CALL);
  g_isle_expose_object_full (self->isle, "app.transcript",
                             G_OBJECT (gisle_gtk_console_get_output (self->console)),
                             G_ISLE_EXPOSE_READ | G_ISLE_EXPOSE_CALL);
  g_signal_connect (self->isle, "notify::defunct", G_CALLBACK (isle_defunct_cb), self);

  gisle_gtk_console_set_isle (self->console, self->isle);
  gisle_gtk_editor_set_isle (self->editor, self->isle);
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
      info (self, GISLE_GTK_TEXT_ERROR, text);
    }
}

static gboolean
replace_isle_cb (gpointer user_data)
{
  GisleConsoleWindow *self = user_data;

  info (self, GISLE_GTK_TEXT_WARNING,
        _("A fresh Lua state was started; globals from before are gone."));
  start_fresh_isle (self);
  return G_SOURCE_REMOVE;
}

/* The isle gave up on a job that would not stop (GIsle:defunct): a Lua
 * state that can never run again. The console has said so already. */
static void
isle_defunct_cb (GIsle      *isle,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  if (isle == self->isle && g_isle_is_defunct (isle))
    g_idle_add_full (G_PRIORITY_DEFAULT, replace_isle_cb, g_object_ref (self), g_object_unref);
}

static void
set_code (GisleConsoleWindow *self,
          const char         *code)
{
  gisle_gtk_editor_set_text (self->editor, code, FALSE);
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
      gisle_gtk_output_append_line (gisle_gtk_console_get_output (self->console), GISLE_GTK_TEXT_ERROR, text);
      return;
    }
  if (!g_utf8_validate (contents, length, NULL))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open “%s”: it is not UTF-8 text."),
                                               g_file_peek_path (file));
      gisle_gtk_output_append_line (gisle_gtk_console_get_output (self->console), GISLE_GTK_TEXT_ERROR, text);
      return;
    }
  set_code (self, contents);
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

  confirm_discard (self, open_chooser);
}

static void
open_chooser (GisleConsoleWindow *self)
{
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
      gtk_text_buffer_set_modified (data->self->buffer, FALSE);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Could not save “%s”: %s"),
                                               g_file_peek_path (data->file), error->message);
      gisle_gtk_output_append_line (gisle_gtk_console_get_output (data->self->console), GISLE_GTK_TEXT_ERROR, text);
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

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  text = gtk_text_buffer_get_text (self->buffer, &start, &end, TRUE);
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
  g_autofree char *code = gisle_gtk_editor_get_text (self->editor);
  g_autofree char *stripped = g_strstrip (g_strdup (code));

  if (*stripped == '\0')
    {
      info (self, GISLE_GTK_TEXT_INFO, _("The editor is empty: write a script first, or pick one from the Examples menu."));
      return;
    }
  gisle_gtk_editor_clear_error (self->editor);
  gisle_gtk_console_run_script (self->console, code,
                                self->chunk_name != NULL ? self->chunk_name : UNTITLED_NAME);
}

static void
stop_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  gisle_gtk_console_stop (GISLE_CONSOLE_WINDOW (user_data)->console);
}

static void
clear_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  gisle_gtk_console_clear (GISLE_CONSOLE_WINDOW (user_data)->console);
}

static void
reset_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);

  g_clear_pointer (&self->host_title, g_free);
  update_title (self);
  start_fresh_isle (self);
  if (self->isle != NULL)
    info (self, GISLE_GTK_TEXT_INFO, _("The Lua state was reset."));
}

static void
example_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  const GisleConsoleExample *example;
  g_autofree char *text = NULL;
  gboolean was_modified;

  example = gisle_console_examples_lookup (g_variant_get_string (parameter, NULL));
  if (example == NULL)
    return;

  /* Undoable: Ctrl+Z brings back what the editor held before; and unsaved
   * work stays unsaved work, so closing still asks. */
  was_modified = gtk_text_buffer_get_modified (self->buffer);
  gisle_gtk_editor_set_text (self->editor, example->code, TRUE);
  gtk_text_buffer_set_modified (self->buffer, was_modified);
  set_file (self, NULL);
  g_free (self->script_name);
  self->script_name = g_strdup (gettext (example->title));
  g_free (self->chunk_name);
  self->chunk_name = g_strconcat (example->id, ".lua", NULL);
  update_title (self);
  /* Translators: %s is the name of an example */
  text = g_strdup_printf (_("Example “%s” loaded; press Run (Ctrl+Return). Undo (Ctrl+Z) brings back the previous script."),
                          gettext (example->title));
  info (self, GISLE_GTK_TEXT_INFO, text);
}

static void
wrap_action (GSimpleAction *action,
             GVariant      *state,
             gpointer       user_data)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (user_data);
  GtkTextView *view = gisle_gtk_output_get_view (gisle_gtk_console_get_output (self->console));

  gtk_text_view_set_wrap_mode (view, g_variant_get_boolean (state) ? GTK_WRAP_WORD_CHAR : GTK_WRAP_NONE);
  g_simple_action_set_state (action, state);
}

static void
focus_repl_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  gtk_widget_grab_focus (GTK_WIDGET (GISLE_CONSOLE_WINDOW (user_data)->console));
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
  { "wrap", NULL, NULL, "true", wrap_action },
  { "focus-repl", focus_repl_action },
};

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
    info (self, GISLE_GTK_TEXT_INFO, _("The new memory limit applies after Reset Lua State."));
}

/* Window */

static void
close_confirmed (GisleConsoleWindow *self)
{
  self->closing_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
gisle_console_window_close_request (GtkWindow *window)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (window);
  int width, height;

  if (!self->closing_confirmed && gtk_text_buffer_get_modified (self->buffer))
    {
      confirm_discard (self, close_confirmed);
      return TRUE;
    }

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (gisle_console_window_parent_class)->close_request (window);
}

static void
gisle_console_window_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_console_window_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_console_window_constructed (GObject *object)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (gisle_console_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = gisle_console_settings_new ();
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  /* The history is shared by all windows and kept across runs. */
  g_settings_bind (self->settings, "history-size", self->console, "history-size", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "history", self->console, "history", G_SETTINGS_BIND_DEFAULT);

  if (!create_isle (self, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not start a Lua state: %s"), error->message);
      info (self, GISLE_GTK_TEXT_ERROR, text);
    }
  else
    info (self, GISLE_GTK_TEXT_INFO,
          _("Lua 5.4 in a GIsle. Run the editor with Ctrl+Return, or type in the REPL below."));
  update_title (self);
}

/* The isle holds the window (exposed as app.window), and so may a script's
 * proxies: the window cannot wait for its dispose to close the isle. A
 * toplevel is unrealized when gtk_window_destroy() takes it down. */
static void
gisle_console_window_unrealize (GtkWidget *widget)
{
  drop_isle (GISLE_CONSOLE_WINDOW (widget));
  GTK_WIDGET_CLASS (gisle_console_window_parent_class)->unrealize (widget);
}

static void
gisle_console_window_dispose (GObject *object)
{
  GisleConsoleWindow *self = GISLE_CONSOLE_WINDOW (object);

  drop_isle (self);
  g_clear_object (&self->file);
  gtk_widget_dispose_template (GTK_WIDGET (self), GISLE_CONSOLE_TYPE_WINDOW);
  g_clear_object (&self->content);
  g_clear_object (&self->titlebar);

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
  object_class->set_property = gisle_console_window_set_property;
  object_class->get_property = gisle_console_window_get_property;
  object_class->dispose = gisle_console_window_dispose;
  object_class->finalize = gisle_console_window_finalize;
  window_class->close_request = gisle_console_window_close_request;
  widget_class->unrealize = gisle_console_window_unrealize;

  /* The settings all windows share; none: the console's own schema. */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", "Settings", "The settings all windows share", G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (GISLE_GTK_TYPE_EDITOR);
  g_type_ensure (GISLE_GTK_TYPE_CONSOLE);
  g_type_ensure (GISLE_GTK_TYPE_PROFILE_VIEW);
  g_type_ensure (GISLE_GTK_TYPE_DEBUG_PANEL);

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
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, console);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, examples_menu);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, side_panel);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, profile_view);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleWindow, debug_panel);
}

static void
gisle_console_window_init (GisleConsoleWindow *self)
{
  guint n_examples;
  const GisleConsoleExample *examples;
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->content = g_object_ref (gtk_window_get_child (GTK_WINDOW (self)));
  if (gtk_window_get_titlebar (GTK_WINDOW (self)) != NULL)
    self->titlebar = g_object_ref (gtk_window_get_titlebar (GTK_WINDOW (self)));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);
  set_action_enabled (self, "stop", FALSE);

  examples = gisle_console_examples_get (&n_examples);
  for (guint i = 0; i < n_examples; i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.example::%s", examples[i].id);
      g_menu_append (self->examples_menu, gettext (examples[i].title), detailed);
    }

  self->buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->editor));
  g_signal_connect (self->buffer, "modified-changed", G_CALLBACK (modified_changed_cb), self);

  /* The view would otherwise take Ctrl+Return as a newline. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_alternative_trigger_new (gtk_shortcut_trigger_parse_string ("<Control>Return"),
                                                                                       gtk_shortcut_trigger_parse_string ("<Control>KP_Enter")),
                                                          gtk_named_action_new ("win.run")));
  gtk_widget_add_controller (GTK_WIDGET (self->editor), shortcuts);

  /* The console's own actions (profile among them) for the header bar. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "console",
                                  gisle_gtk_console_get_actions (self->console));

  g_signal_connect (self->console, "notify::state", G_CALLBACK (console_state_cb), self);
  g_signal_connect (self->console, "notify::elapsed", G_CALLBACK (console_elapsed_cb), self);
  g_signal_connect (self->console, "notify::progress", G_CALLBACK (console_progress_cb), self);
  g_signal_connect (self->console, "script-error", G_CALLBACK (script_error_cb), self);
  g_signal_connect (self->console, "location-activated", G_CALLBACK (location_activated_cb), self);

  /* Profiles: the heat in the editor is the console's (its editor
   * property), the table is here. */
  g_object_bind_property (self->console, "profile", self->profile_view, "profile", G_BINDING_SYNC_CREATE);
  g_signal_connect (self->console, "notify::profile", G_CALLBACK (console_profile_cb), self);
  g_signal_connect (self->profile_view, "function-activated", G_CALLBACK (function_activated_cb), self);

  /* Debugging: the console runs it; the panel shows the paused job. */
  g_object_bind_property (self->console, "debugger", self->debug_panel, "debugger", G_BINDING_SYNC_CREATE);
  g_signal_connect (self->console, "notify::debugger", G_CALLBACK (console_debugger_cb), self);
  g_signal_connect (self->console, "notify::paused", G_CALLBACK (console_paused_cb), self);
}

/**
 * gisle_console_window_new:
 * @app: (nullable): the application
 * @settings: (nullable): the settings all windows share, or %NULL for
 *   the console's own schema
 *
 * The window is given its settings rather than asking the application
 * for them, so that it needs nothing of the application's type.
 *
 * Returns: (transfer full): a new console window with a fresh isle
 */
GisleConsoleWindow *
gisle_console_window_new (GtkApplication *app,
                          GSettings      *settings)
{
  return g_object_new (GISLE_CONSOLE_TYPE_WINDOW, "application", app, "settings", settings, NULL);
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
  g_return_if_fail (GISLE_CONSOLE_IS_WINDOW (self));

  set_code (self, code);
}

GIsle *
gisle_console_window_get_isle (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->isle;
}

GIsleGtkConsole *
gisle_console_window_get_console (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->console;
}

GIsleGtkEditor *
gisle_console_window_get_editor (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->editor;
}

/**
 * gisle_console_window_get_question:
 * @self: a console window
 *
 * Returns: (nullable): the "discard changes?" dialog, while it is shown
 */
GtkDialog *
gisle_console_window_get_question (GisleConsoleWindow *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_WINDOW (self), NULL);

  return self->question != NULL ? GTK_DIALOG (self->question) : NULL;
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
