/* gisle-gtk-repl.c: the REPL input, with history and completion.
 *
 * The input only collects chunks: it keeps the history, the text of an
 * unfinished chunk (continuation lines), completion and history search,
 * and hands whole chunks to the console through the "submit" signal. It is
 * a one-line GtkSourceView that grows when an entry has several lines, so
 * that completion pops up the same list as in the editor.
 *
 * Floor 2 of lib/gtk: calls gisle-gtk-completion.c, gisle-gtk-history.c,
 * gisle-gtk-output.c and gisle-gtk-support.c. Thread rule: main thread
 * only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"

struct _GIsleGtkRepl {
  GtkWidget parent_instance;

  GtkLabel *prompt;
  GtkSourceView *view;
  GtkWidget *placeholder;
  GtkTextBuffer *buffer;

  GIsleGtkHistory *history;
  GIsleGtkOutput *output;       /* weak: a sibling in the console */
  GIsle *isle;
  GIsleGtkCompletionProvider *provider;
  GCancellable *completion_cancellable;

  GString *pending;             /* lines of an unfinished chunk, or NULL */
  char *submitted;              /* the chunk last submitted, for the history */
  int position;                 /* history entry shown, -1 if none */
  char *draft;                  /* what was typed before browsing */
  char *search;                 /* the Ctrl+R query, or NULL */
  gboolean busy;
  gboolean paused;     /* busy, but a debugged script is paused: lines go
                        * to its frame; completion still waits */
  gboolean completing;          /* the completion popup is shown */
};

G_DEFINE_FINAL_TYPE (GIsleGtkRepl, gisle_gtk_repl, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SUBMIT,
  SIGNAL_INTERRUPT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
gisle_gtk_repl_set_text (GIsleGtkRepl *self,
                         const char   *text)
{
  GtkTextIter end;

  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  gtk_text_buffer_set_text (self->buffer, text, -1);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_place_cursor (self->buffer, &end);
}

char *
gisle_gtk_repl_get_text (GIsleGtkRepl *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (GISLE_GTK_IS_REPL (self), NULL);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

static void
update_prompt (GIsleGtkRepl *self)
{
  gtk_label_set_label (self->prompt, self->search != NULL ? "?" : self->pending != NULL ? ">>" : ">");
  if (self->pending != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->prompt), "continuation");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->prompt), "continuation");
}

static void
end_search (GIsleGtkRepl *self)
{
  g_clear_pointer (&self->search, g_free);
  update_prompt (self);
}

/* Does what Enter does: echoes the entry and emits ::submit with the whole
 * chunk typed so far. The chunk reaches the history once it is complete. */
void
gisle_gtk_repl_submit (GIsleGtkRepl *self)
{
  g_autofree char *line = NULL;
  g_autofree char *echo = NULL;
  g_autofree char *code = NULL;
  g_autofree char *stripped = NULL;

  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  if (self->busy && !self->paused)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      if (self->output != NULL)
        gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO,
                                      _("A script is running; stop it first (Ctrl+C or Escape)."));
      return;
    }

  end_search (self);
  line = gisle_gtk_repl_get_text (self);
  stripped = g_strstrip (g_strdup (line));
  if (self->pending == NULL && *stripped == '\0')
    return;

  self->position = -1;
  g_clear_pointer (&self->draft, g_free);

  echo = g_strdup_printf ("%s %s", gtk_label_get_label (self->prompt), line);
  if (self->output != NULL)
    gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INPUT, echo);

  if (self->pending != NULL)
    {
      g_string_append_c (self->pending, '\n');
      g_string_append (self->pending, line);
      code = g_strdup (self->pending->str);
    }
  else
    code = g_steal_pointer (&line);
  g_free (self->submitted);
  self->submitted = g_strdup (code);
  gisle_gtk_repl_set_text (self, "");

  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0, code);
}

/* The chunk needs more lines: the next entry is appended to @code. */
void
gisle_gtk_repl_continue (GIsleGtkRepl *self,
                         const char   *code)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  if (self->pending != NULL)
    g_string_free (self->pending, TRUE);
  self->pending = g_string_new (code);
  update_prompt (self);
}

/* The chunk submitted last was run: it goes into the history whole. */
void
gisle_gtk_repl_end_continuation (GIsleGtkRepl *self)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  if (self->submitted != NULL && self->history != NULL)
    gisle_gtk_history_add (self->history, self->submitted);
  g_clear_pointer (&self->submitted, g_free);
  if (self->pending != NULL)
    g_string_free (g_steal_pointer (&self->pending), TRUE);
  update_prompt (self);
}

/* Drops an unfinished chunk without running it. */
void
gisle_gtk_repl_discard (GIsleGtkRepl *self)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  g_clear_pointer (&self->submitted, g_free);
  if (self->pending != NULL)
    g_string_free (g_steal_pointer (&self->pending), TRUE);
  update_prompt (self);
}

gboolean
gisle_gtk_repl_is_continuing (GIsleGtkRepl *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_REPL (self), FALSE);

  return self->pending != NULL;
}

void
gisle_gtk_repl_history_previous (GIsleGtkRepl *self)
{
  guint n;

  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  end_search (self);
  n = self->history != NULL ? gisle_gtk_history_get_n_items (self->history) : 0;
  if (n == 0 || self->position == 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  if (self->position < 0 || (guint) self->position > n)
    {
      g_free (self->draft);
      self->draft = gisle_gtk_repl_get_text (self);
      self->position = n;
    }
  self->position--;
  gisle_gtk_repl_set_text (self, gisle_gtk_history_get_item (self->history, self->position));
}

void
gisle_gtk_repl_history_next (GIsleGtkRepl *self)
{
  guint n;

  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  end_search (self);
  n = self->history != NULL ? gisle_gtk_history_get_n_items (self->history) : 0;
  if (self->position < 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  self->position++;
  if ((guint) self->position >= n)
    {
      gisle_gtk_repl_set_text (self, self->draft != NULL ? self->draft : "");
      self->position = -1;
      g_clear_pointer (&self->draft, g_free);
    }
  else
    gisle_gtk_repl_set_text (self, gisle_gtk_history_get_item (self->history, self->position));
}

/* Ctrl+R, as in readline: the first press searches the history, newest
 * first, for the text typed so far; each further press finds an older
 * match. Editing the text or Escape ends the search. */
void
gisle_gtk_repl_history_search (GIsleGtkRepl *self)
{
  int found;

  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  if (self->history == NULL)
    return;
  if (self->search == NULL)
    {
      g_autofree char *query = gisle_gtk_repl_get_text (self);

      if (*query == '\0')
        {
          gtk_widget_error_bell (GTK_WIDGET (self));
          return;
        }
      g_free (self->draft);
      self->draft = g_strdup (query);
      self->search = g_steal_pointer (&query);
      self->position = -1;
    }
  found = gisle_gtk_history_search (self->history, self->search, self->position);
  if (found < 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  self->position = found;
  g_signal_handlers_block_matched (self->buffer, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gisle_gtk_repl_set_text (self, gisle_gtk_history_get_item (self->history, found));
  g_signal_handlers_unblock_matched (self->buffer, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  update_prompt (self);
}

static void
buffer_changed_cb (GtkTextBuffer *buffer,
                   gpointer       user_data)
{
  GIsleGtkRepl *self = user_data;

  gtk_widget_set_visible (self->placeholder, gtk_text_buffer_get_char_count (buffer) == 0);
  if (self->search != NULL)
    end_search (self);
}

typedef struct {
  GIsleGtkRepl *self;
  char *text;        /* the whole input when asked */
  int cursor;        /* in characters */
  char *before;      /* the text before the cursor, on its line */
} CompletionData;

static void
completion_data_free (CompletionData *data)
{
  g_object_unref (data->self);
  g_free (data->text);
  g_free (data->before);
  g_free (data);
}

static int
cursor_offset (GIsleGtkRepl *self)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &iter, gtk_text_buffer_get_insert (self->buffer));
  return gtk_text_iter_get_offset (&iter);
}

static void
completion_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CompletionData *data = user_data;
  GIsleGtkRepl *self = data->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *word = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *now = NULL;

  names = gisle_gtk_completion_finish (result, &error);
  if (names == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Completion failed: %s", error->message);
      goto out;
    }

  /* The user went on typing: the answer is stale. */
  now = gisle_gtk_repl_get_text (self);
  if (g_strcmp0 (now, data->text) != 0 || cursor_offset (self) != data->cursor)
    goto out;

  if (names[0] == NULL)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      goto out;
    }

  word = gisle_gtk_completion_word (data->before);
  prefix = gisle_gtk_completion_common_prefix ((const char * const *) names);
  if (g_str_has_prefix (prefix, word) && strlen (prefix) > strlen (word))
    {
      GtkTextIter iter;

      gtk_text_buffer_get_iter_at_offset (self->buffer, &iter, data->cursor);
      gtk_text_buffer_insert (self->buffer, &iter, prefix + strlen (word), -1);
      gtk_text_buffer_place_cursor (self->buffer, &iter);
    }
  if (names[1] != NULL)
    /* Several candidates: the same popup as in the editor. */
    gtk_source_completion_show (gtk_source_view_get_completion (self->view));

out:
  completion_data_free (data);
}

/* Does what Tab does: completes the word before the cursor as far as the
 * names the isle knows agree, and pops up the list when several remain. */
void
gisle_gtk_repl_complete (GIsleGtkRepl *self)
{
  CompletionData *data;
  GtkTextIter start, cursor;

  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  /* The isle runs one job at a time: asking now would wait for the script. */
  if (self->isle == NULL || self->busy)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  g_cancellable_cancel (self->completion_cancellable);
  g_clear_object (&self->completion_cancellable);
  self->completion_cancellable = g_cancellable_new ();

  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  start = cursor;
  gtk_text_iter_set_line_offset (&start, 0);
  data = g_new0 (CompletionData, 1);
  data->self = g_object_ref (self);
  data->text = gisle_gtk_repl_get_text (self);
  data->cursor = gtk_text_iter_get_offset (&cursor);
  data->before = gtk_text_iter_get_text (&start, &cursor);
  gisle_gtk_completion_async (self->isle, data->before, self->completion_cancellable,
                              completion_cb, data);
}

gboolean
gisle_gtk_repl_is_completing (GIsleGtkRepl *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_REPL (self), FALSE);

  return self->completing;
}

static gboolean
cursor_on_first_line (GIsleGtkRepl *self)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &iter, gtk_text_buffer_get_insert (self->buffer));
  return gtk_text_iter_get_line (&iter) == 0;
}

static gboolean
cursor_on_last_line (GIsleGtkRepl *self)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &iter, gtk_text_buffer_get_insert (self->buffer));
  return gtk_text_iter_get_line (&iter) == gtk_text_buffer_get_line_count (self->buffer) - 1;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  GIsleGtkRepl *self = GISLE_GTK_REPL (user_data);
  GdkModifierType mods = state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK);

  if (mods == GDK_CONTROL_MASK && (keyval == GDK_KEY_c || keyval == GDK_KEY_C))
    {
      gboolean handled = FALSE;

      /* Copy when there is a selection; else interrupt, as in lua.c. */
      if (gtk_text_buffer_get_has_selection (self->buffer))
        return FALSE;
      g_signal_emit (self, signals[SIGNAL_INTERRUPT], 0, &handled);
      return handled;
    }
  if (mods == GDK_CONTROL_MASK && (keyval == GDK_KEY_r || keyval == GDK_KEY_R))
    {
      gisle_gtk_repl_history_search (self);
      return TRUE;
    }
  if (mods != 0)
    return FALSE;
  /* The completion popup has its own keys. */
  if (self->completing)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      gisle_gtk_repl_submit (self);
      return TRUE;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (!cursor_on_first_line (self))
        return FALSE;
      gisle_gtk_repl_history_previous (self);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (!cursor_on_last_line (self))
        return FALSE;
      gisle_gtk_repl_history_next (self);
      return TRUE;
    case GDK_KEY_Tab:
    case GDK_KEY_KP_Tab:
      gisle_gtk_repl_complete (self);
      return TRUE;
    case GDK_KEY_Escape:
      if (self->search != NULL)
        {
          end_search (self);
          gisle_gtk_repl_set_text (self, self->draft != NULL ? self->draft : "");
          self->position = -1;
          return TRUE;
        }
      if (self->pending == NULL)
        return FALSE;
      gisle_gtk_repl_discard (self);
      if (self->output != NULL)
        gisle_gtk_output_append_line (self->output, GISLE_GTK_TEXT_INFO,
                                      _("Unfinished input discarded."));
      return TRUE;
    default:
      return FALSE;
    }
}

static void
completion_show_cb (GtkSourceCompletion *completion,
                    gpointer             user_data)
{
  GISLE_GTK_REPL (user_data)->completing = TRUE;
}

static void
completion_hide_cb (GtkSourceCompletion *completion,
                    gpointer             user_data)
{
  GISLE_GTK_REPL (user_data)->completing = FALSE;
}

void
gisle_gtk_repl_setup (GIsleGtkRepl    *self,
                      GIsleGtkHistory *history,
                      GIsleGtkOutput  *output)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  g_set_object (&self->history, history);
  g_set_weak_pointer (&self->output, output);
}

void
gisle_gtk_repl_set_isle (GIsleGtkRepl *self,
                         GIsle        *isle)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  g_cancellable_cancel (self->completion_cancellable);
  g_set_object (&self->isle, isle);
  gisle_gtk_completion_provider_set_isle (self->provider, isle);
}

void
gisle_gtk_repl_set_busy (GIsleGtkRepl *self,
                         gboolean      busy)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  self->busy = busy;
}

/* While a debugged script is paused, entries are submitted (the console
 * evaluates them in the paused frame), though the isle is busy. */
void
gisle_gtk_repl_set_paused (GIsleGtkRepl *self,
                           gboolean      paused)
{
  g_return_if_fail (GISLE_GTK_IS_REPL (self));

  self->paused = paused;
}

GtkSourceView *
gisle_gtk_repl_get_view (GIsleGtkRepl *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_REPL (self), NULL);

  return self->view;
}

static gboolean
gisle_gtk_repl_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (GISLE_GTK_REPL (widget)->view));
}

static void
gisle_gtk_repl_dispose (GObject *object)
{
  GIsleGtkRepl *self = GISLE_GTK_REPL (object);
  GtkWidget *child;

  g_cancellable_cancel (self->completion_cancellable);
  g_clear_object (&self->completion_cancellable);
  g_clear_object (&self->isle);
  g_clear_object (&self->provider);
  g_clear_object (&self->history);
  g_clear_weak_pointer (&self->output);
  gtk_widget_dispose_template (GTK_WIDGET (self), GISLE_GTK_TYPE_REPL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gisle_gtk_repl_parent_class)->dispose (object);
}

static void
gisle_gtk_repl_finalize (GObject *object)
{
  GIsleGtkRepl *self = GISLE_GTK_REPL (object);

  if (self->pending != NULL)
    g_string_free (self->pending, TRUE);
  g_free (self->submitted);
  g_free (self->draft);
  g_free (self->search);

  G_OBJECT_CLASS (gisle_gtk_repl_parent_class)->finalize (object);
}

static void
repl_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  GIsleGtkRepl *self = GISLE_GTK_REPL (widget);

  if (g_str_equal (name, "repl.submit"))
    gisle_gtk_repl_submit (self);
  else if (g_str_equal (name, "repl.history-previous"))
    gisle_gtk_repl_history_previous (self);
  else if (g_str_equal (name, "repl.history-next"))
    gisle_gtk_repl_history_next (self);
  else if (g_str_equal (name, "repl.history-search"))
    gisle_gtk_repl_history_search (self);
  else if (g_str_equal (name, "repl.complete"))
    gisle_gtk_repl_complete (self);
  else if (g_str_equal (name, "repl.interrupt"))
    {
      gboolean handled = FALSE;

      g_signal_emit (self, signals[SIGNAL_INTERRUPT], 0, &handled);
    }
}

static void
gisle_gtk_repl_class_init (GIsleGtkReplClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gisle_gtk_repl_dispose;
  object_class->finalize = gisle_gtk_repl_finalize;
  widget_class->grab_focus = gisle_gtk_repl_grab_focus;

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_INTERRUPT] =
    g_signal_new ("interrupt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 0);

  /* What the keys do, as actions that the input view (or anything inside
   * the REPL) can activate: Return, Up, Down, Ctrl+R, Tab, Ctrl+C. */
  gtk_widget_class_install_action (widget_class, "repl.submit", NULL, repl_action);
  gtk_widget_class_install_action (widget_class, "repl.history-previous", NULL, repl_action);
  gtk_widget_class_install_action (widget_class, "repl.history-next", NULL, repl_action);
  gtk_widget_class_install_action (widget_class, "repl.history-search", NULL, repl_action);
  gtk_widget_class_install_action (widget_class, "repl.complete", NULL, repl_action);
  gtk_widget_class_install_action (widget_class, "repl.interrupt", NULL, repl_action);

  g_type_ensure (GTK_SOURCE_TYPE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, GISLE_GTK_RESOURCE_PATH "/repl.ui");
  gtk_widget_class_bind_template_child (widget_class, GIsleGtkRepl, prompt);
  gtk_widget_class_bind_template_child (widget_class, GIsleGtkRepl, view);
  gtk_widget_class_bind_template_child (widget_class, GIsleGtkRepl, placeholder);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gisle_gtk_repl_init (GIsleGtkRepl *self)
{
  GtkEventController *keys;
  GtkSourceCompletion *completion;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->position = -1;
  self->buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->view));
  gtk_source_buffer_set_language (GTK_SOURCE_BUFFER (self->buffer),
                                  gtk_source_language_manager_get_language (gtk_source_language_manager_get_default (), "lua"));
  g_signal_connect (self->buffer, "changed", G_CALLBACK (buffer_changed_cb), self);
  gisle_gtk_follow_dark_style (self->view);

  /* Capture phase: the view would otherwise insert newlines and tabs. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->view), keys);

  self->provider = gisle_gtk_completion_provider_new (NULL);
  completion = gtk_source_view_get_completion (self->view);
  gtk_source_completion_add_provider (completion, GTK_SOURCE_COMPLETION_PROVIDER (self->provider));
  g_signal_connect_object (completion, "show", G_CALLBACK (completion_show_cb), self, 0);
  g_signal_connect_object (completion, "hide", G_CALLBACK (completion_hide_cb), self, 0);
}
