/* gisle-console-repl.c: the REPL entry, with history and completion.
 *
 * The entry only collects lines: it keeps the history, the text of an
 * unfinished chunk (continuation lines) and Tab completion, and hands whole
 * chunks to the window through the "submit" signal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gisle-console-completion.h"
#include "gisle-console-repl.h"

#define MAX_SHOWN_CANDIDATES 200

struct _GisleConsoleRepl {
  GtkWidget parent_instance;

  GtkLabel *prompt;
  GtkEntry *entry;

  GisleConsoleHistory *history;
  GisleConsoleOutput *output;   /* weak: a sibling in the window */
  GIsle *isle;
  GCancellable *completion_cancellable;

  GString *pending;             /* lines of an unfinished chunk, or NULL */
  int position;                 /* history entry shown, -1 if none */
  char *draft;                  /* what was typed before browsing */
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (GisleConsoleRepl, gisle_console_repl, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_text (GisleConsoleRepl *self,
          const char       *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
}

static void
update_prompt (GisleConsoleRepl *self)
{
  gtk_label_set_label (self->prompt, self->pending != NULL ? ">>" : ">");
  if (self->pending != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->prompt), "continuation");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->prompt), "continuation");
}

/**
 * gisle_console_repl_submit:
 * @self: the REPL
 *
 * Does what Enter does: records the line in the history and emits
 * GisleConsoleRepl::submit with the whole chunk typed so far.
 */
void
gisle_console_repl_submit (GisleConsoleRepl *self)
{
  g_autofree char *line = NULL;
  g_autofree char *echo = NULL;
  g_autofree char *code = NULL;
  g_autofree char *stripped = NULL;

  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  if (self->busy)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      if (self->output != NULL)
        gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                          _("A script is running; stop it first (Escape)."));
      return;
    }

  line = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
  stripped = g_strstrip (g_strdup (line));
  if (self->pending == NULL && *stripped == '\0')
    return;

  if (self->history != NULL)
    gisle_console_history_add (self->history, line);
  self->position = -1;
  g_clear_pointer (&self->draft, g_free);

  echo = g_strdup_printf ("%s %s", gtk_label_get_label (self->prompt), line);
  if (self->output != NULL)
    gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INPUT, echo);

  if (self->pending != NULL)
    {
      g_string_append_c (self->pending, '\n');
      g_string_append (self->pending, line);
      code = g_strdup (self->pending->str);
    }
  else
    code = g_steal_pointer (&line);
  set_text (self, "");

  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0, code);
}

/**
 * gisle_console_repl_continue:
 * @self: the REPL
 * @code: the unfinished chunk
 *
 * The chunk needs more lines: the next line is appended to @code.
 */
void
gisle_console_repl_continue (GisleConsoleRepl *self,
                             const char       *code)
{
  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  if (self->pending != NULL)
    g_string_free (self->pending, TRUE);
  self->pending = g_string_new (code);
  update_prompt (self);
}

void
gisle_console_repl_end_continuation (GisleConsoleRepl *self)
{
  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  if (self->pending != NULL)
    g_string_free (g_steal_pointer (&self->pending), TRUE);
  update_prompt (self);
}

gboolean
gisle_console_repl_is_continuing (GisleConsoleRepl *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_REPL (self), FALSE);

  return self->pending != NULL;
}

void
gisle_console_repl_history_previous (GisleConsoleRepl *self)
{
  guint n;

  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  n = self->history != NULL ? gisle_console_history_get_n_items (self->history) : 0;
  if (n == 0 || self->position == 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  if (self->position < 0 || (guint) self->position > n)
    {
      g_free (self->draft);
      self->draft = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
      self->position = n;
    }
  self->position--;
  set_text (self, gisle_console_history_get_item (self->history, self->position));
}

void
gisle_console_repl_history_next (GisleConsoleRepl *self)
{
  guint n;

  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  n = self->history != NULL ? gisle_console_history_get_n_items (self->history) : 0;
  if (self->position < 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  self->position++;
  if ((guint) self->position >= n)
    {
      set_text (self, self->draft != NULL ? self->draft : "");
      self->position = -1;
      g_clear_pointer (&self->draft, g_free);
    }
  else
    set_text (self, gisle_console_history_get_item (self->history, self->position));
}

typedef struct {
  GisleConsoleRepl *self;
  char *text;        /* the whole entry text when asked */
  int cursor;        /* in characters */
  char *before;      /* the text before the cursor */
} CompletionData;

static void
completion_data_free (CompletionData *data)
{
  g_object_unref (data->self);
  g_free (data->text);
  g_free (data->before);
  g_free (data);
}

static void
show_candidates (GisleConsoleRepl    *self,
                 const char * const  *names)
{
  g_autoptr(GString) list = g_string_new (NULL);
  guint n = g_strv_length ((char **) names);

  for (guint i = 0; i < n && i < MAX_SHOWN_CANDIDATES; i++)
    {
      if (i > 0)
        g_string_append (list, "  ");
      g_string_append (list, names[i]);
    }
  if (n > MAX_SHOWN_CANDIDATES)
    g_string_append_printf (list, "  … (%u)", n);
  if (self->output != NULL)
    gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO, list->str);
}

static void
completion_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CompletionData *data = user_data;
  GisleConsoleRepl *self = data->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *word = NULL;
  g_autofree char *prefix = NULL;

  names = gisle_console_completion_finish (result, &error);
  if (names == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Completion failed: %s", error->message);
      goto out;
    }

  /* The user went on typing: the answer is stale. */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->entry)), data->text) != 0
      || gtk_editable_get_position (GTK_EDITABLE (self->entry)) != data->cursor)
    goto out;

  if (names[0] == NULL)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      goto out;
    }

  word = gisle_console_completion_word (data->before);
  prefix = gisle_console_completion_common_prefix ((const char * const *) names);
  if (g_str_has_prefix (prefix, word) && strlen (prefix) > strlen (word))
    {
      int pos = data->cursor;

      gtk_editable_insert_text (GTK_EDITABLE (self->entry),
                                prefix + strlen (word), -1, &pos);
      gtk_editable_set_position (GTK_EDITABLE (self->entry), pos);
    }
  else if (names[1] != NULL)
    show_candidates (self, (const char * const *) names);

out:
  completion_data_free (data);
}

/**
 * gisle_console_repl_complete:
 * @self: the REPL
 *
 * Does what Tab does: asks the isle for the names that complete the word
 * before the cursor; completes as far as they agree, and lists them when
 * they do not.
 */
void
gisle_console_repl_complete (GisleConsoleRepl *self)
{
  CompletionData *data;
  const char *text;

  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  /* The isle runs one job at a time: asking now would wait for the script. */
  if (self->isle == NULL || self->busy)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  g_cancellable_cancel (self->completion_cancellable);
  g_clear_object (&self->completion_cancellable);
  self->completion_cancellable = g_cancellable_new ();

  text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  data = g_new0 (CompletionData, 1);
  data->self = g_object_ref (self);
  data->text = g_strdup (text);
  data->cursor = gtk_editable_get_position (GTK_EDITABLE (self->entry));
  data->before = g_utf8_substring (text, 0, data->cursor);
  gisle_console_completion_async (self->isle, data->before, self->completion_cancellable,
                                  completion_cb, data);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  GisleConsoleRepl *self = GISLE_CONSOLE_REPL (user_data);

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      gisle_console_repl_history_previous (self);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      gisle_console_repl_history_next (self);
      return TRUE;
    case GDK_KEY_Tab:
    case GDK_KEY_KP_Tab:
      gisle_console_repl_complete (self);
      return TRUE;
    case GDK_KEY_Escape:
      if (self->pending == NULL)
        return FALSE;
      gisle_console_repl_end_continuation (self);
      if (self->output != NULL)
        gisle_console_output_append_line (self->output, GISLE_CONSOLE_TEXT_INFO,
                                          _("Unfinished input discarded."));
      return TRUE;
    default:
      return FALSE;
    }
}

static void
entry_activate_cb (GtkEntry *entry,
                   gpointer  user_data)
{
  gisle_console_repl_submit (GISLE_CONSOLE_REPL (user_data));
}

/**
 * gisle_console_repl_setup:
 * @self: the REPL
 * @history: the history to use
 * @output: where to echo input and list completions
 */
void
gisle_console_repl_setup (GisleConsoleRepl    *self,
                          GisleConsoleHistory *history,
                          GisleConsoleOutput  *output)
{
  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  g_set_object (&self->history, history);
  g_set_weak_pointer (&self->output, output);
}

void
gisle_console_repl_set_isle (GisleConsoleRepl *self,
                             GIsle            *isle)
{
  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  g_cancellable_cancel (self->completion_cancellable);
  g_set_object (&self->isle, isle);
}

void
gisle_console_repl_set_busy (GisleConsoleRepl *self,
                             gboolean          busy)
{
  g_return_if_fail (GISLE_CONSOLE_IS_REPL (self));

  self->busy = busy;
}

GtkEntry *
gisle_console_repl_get_entry (GisleConsoleRepl *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_REPL (self), NULL);

  return self->entry;
}

static gboolean
gisle_console_repl_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (GISLE_CONSOLE_REPL (widget)->entry));
}

static void
gisle_console_repl_dispose (GObject *object)
{
  GisleConsoleRepl *self = GISLE_CONSOLE_REPL (object);
  GtkWidget *child;

  g_cancellable_cancel (self->completion_cancellable);
  g_clear_object (&self->completion_cancellable);
  g_clear_object (&self->isle);
  g_clear_object (&self->history);
  g_clear_weak_pointer (&self->output);
  gtk_widget_dispose_template (GTK_WIDGET (self), GISLE_CONSOLE_TYPE_REPL);
  /* Unbound template children (the outer box) are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gisle_console_repl_parent_class)->dispose (object);
}

static void
gisle_console_repl_finalize (GObject *object)
{
  GisleConsoleRepl *self = GISLE_CONSOLE_REPL (object);

  if (self->pending != NULL)
    g_string_free (self->pending, TRUE);
  g_free (self->draft);

  G_OBJECT_CLASS (gisle_console_repl_parent_class)->finalize (object);
}

static void
gisle_console_repl_class_init (GisleConsoleReplClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gisle_console_repl_dispose;
  object_class->finalize = gisle_console_repl_finalize;
  widget_class->grab_focus = gisle_console_repl_grab_focus;

  /**
   * GisleConsoleRepl::submit:
   * @code: the chunk to run: the line just entered, after any unfinished
   *   lines before it
   */
  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gnome/GIsle/Console/ui/repl.ui");
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleRepl, prompt);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleRepl, entry);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gisle_console_repl_init (GisleConsoleRepl *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->position = -1;

  /* Capture phase: the entry would otherwise move focus on Up, Down, Tab. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);

  g_signal_connect (self->entry, "activate", G_CALLBACK (entry_activate_cb), self);
}
