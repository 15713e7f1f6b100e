/* gisle-gtk-editor.c: a Lua script editor.
 *
 * Floor 2 of lib/gtk: calls gisle-gtk-completion.c,
 * gisle-gtk-heat-renderer.c and gisle-gtk-support.c. Thread rule: main
 * thread only (GTK's rule).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "gisle-gtk-private.h"
#include "gisle-gtk-heat-renderer.h"

#define ERROR_MARK      "gisle-gtk-error"
#define BREAKPOINT_MARK "gisle-gtk-breakpoint"
#define PAUSED_MARK     "gisle-gtk-paused"
#define CONDITION_KEY   "gisle-gtk-condition"   /* a breakpoint mark's */

/**
 * GIsleGtkEditor:
 *
 * A [class@GtkSource.View] set up for Lua scripts: syntax highlighting,
 * line numbers, bracket matching, a style scheme that follows the
 * system's dark or light style, completion answered by an isle
 * ([property@GIsleGtk.Editor:isle]) and an error mark: a tinted line with
 * an icon in the gutter whose tooltip is the error message.
 *
 * Connect [signal@GIsleGtk.Console::script-error] to
 * [method@GIsleGtk.Editor.set_error] and
 * [signal@GIsleGtk.Console::location-activated] to
 * [method@GIsleGtk.Editor.go_to_line] to mark errors of scripts run from
 * the editor and make traceback lines jump to their line.
 *
 * Clicking the gutter beside a line toggles a breakpoint there (a red
 * dot); a right click gives it a condition (a Lua expression; see
 * [method@GIsleGtk.Editor.set_breakpoint_condition]).
 * [method@GIsleGtk.Editor.get_breakpoints] reads them and
 * [signal@GIsleGtk.Editor::breakpoints-changed] tells when they change.
 * The marks move with the text as it is edited. While a debugged script
 * is paused, [method@GIsleGtk.Editor.set_paused_line] shows where.
 *
 * After a profiled run, [method@GIsleGtk.Editor.show_profile] shows hot
 * lines in a heat margin: each line that took samples is tinted by its
 * share of them, the hottest the deepest, with the share in per cent.
 */
struct _GIsleGtkEditor {
  GtkSourceView parent_instance;

  GtkSourceBuffer *buffer;
  GtkTextTag *error_tag;
  int error_line;
  char *error_message;
  GIsleGtkCompletionProvider *provider;
  gboolean dark;

  GtkTextTag *paused_tag;
  int paused_line;
  GtkSourceGutterRenderer *heat;   /* owned by the gutter */
  char *chunk_name;
  GtkPopover *condition_popover;   /* made at the first right click */
  GtkLabel *condition_label;
  GtkEntry *condition_entry;
  int condition_line;
};

G_DEFINE_FINAL_TYPE (GIsleGtkEditor, gisle_gtk_editor, GTK_SOURCE_TYPE_VIEW)

enum {
  PROP_0,
  PROP_ISLE,
  PROP_DARK,
  PROP_CHUNK_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_BREAKPOINTS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_scheme (GIsleGtkEditor *self)
{
  gboolean dark = gisle_gtk_settings_want_dark (gtk_widget_get_settings (GTK_WIDGET (self)));

  gisle_gtk_set_scheme (self->buffer, dark);
  if (dark != self->dark)
    {
      self->dark = dark;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DARK]);
    }
}

static void
settings_notify_cb (GtkSettings *settings,
                    GParamSpec  *pspec,
                    gpointer     user_data)
{
  update_scheme (GISLE_GTK_EDITOR (user_data));
}

static void
watch_settings (GIsleGtkEditor *self,
                GtkSettings    *old_settings)
{
  GtkSettings *settings = gtk_widget_get_settings (GTK_WIDGET (self));

  if (old_settings != NULL)
    g_signal_handlers_disconnect_by_func (old_settings, settings_notify_cb, self);
  g_signal_connect_object (settings, "notify::gtk-application-prefer-dark-theme",
                           G_CALLBACK (settings_notify_cb), self, 0);
  g_signal_connect_object (settings, "notify::gtk-theme-name",
                           G_CALLBACK (settings_notify_cb), self, 0);
  update_scheme (self);
}

static void
gisle_gtk_editor_root (GtkWidget *widget)
{
  GtkSettings *before = gtk_widget_get_settings (widget);

  GTK_WIDGET_CLASS (gisle_gtk_editor_parent_class)->root (widget);
  if (gtk_widget_get_settings (widget) != before)
    watch_settings (GISLE_GTK_EDITOR (widget), before);
}

static char *
query_tooltip_cb (GtkSourceMarkAttributes *attributes,
                  GtkSourceMark           *mark,
                  gpointer                 user_data)
{
  GIsleGtkEditor *self = user_data;

  return g_strdup (self->error_message != NULL ? self->error_message : "");
}

static void
buffer_changed_cb (GtkTextBuffer *buffer,
                   gpointer       user_data)
{
  GIsleGtkEditor *self = GISLE_GTK_EDITOR (user_data);

  /* The marks point at code that is no longer there; the heat belongs
   * to the lines as they were when profiled. Breakpoints move with the
   * text instead. */
  gisle_gtk_editor_clear_error (self);
  gisle_gtk_editor_clear_profile (self);
}

/* A red dot, drawn here: the icon themes have no breakpoint icon, and a
 * symbolic icon would take the text colour. */
static GdkTexture *
breakpoint_texture (void)
{
  const int size = 32;
  g_autoptr(GBytes) bytes = NULL;
  guchar *pixels = g_malloc0 (size * size * 4);

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        double dx = x + 0.5 - size / 2.0, dy = y + 0.5 - size / 2.0;
        double d = sqrt (dx * dx + dy * dy);
        double a = CLAMP (size * 0.36 - d + 0.5, 0, 1);
        guchar *p = pixels + (y * size + x) * 4;

        /* Premultiplied RGBA: #e01b24 */
        p[0] = (guchar) (0xe0 * a);
        p[1] = (guchar) (0x1b * a);
        p[2] = (guchar) (0x24 * a);
        p[3] = (guchar) (255 * a);
      }
  bytes = g_bytes_new_take (pixels, size * size * 4);
  return gdk_memory_texture_new (size, size, GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes, size * 4);
}

static GtkSourceMark *
breakpoint_at (GIsleGtkEditor *self,
               int             line)
{
  GSList *marks = gtk_source_buffer_get_source_marks_at_line (self->buffer, line - 1, BREAKPOINT_MARK);
  GtkSourceMark *mark = marks != NULL ? marks->data : NULL;

  g_slist_free (marks);
  return mark;
}

static void
condition_activate_cb (GtkEntry *entry,
                       gpointer  user_data)
{
  GIsleGtkEditor *self = GISLE_GTK_EDITOR (user_data);
  g_autofree char *condition = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  gisle_gtk_editor_set_breakpoint_condition (self, self->condition_line, condition);
  gtk_popover_popdown (self->condition_popover);
}

/* A right click beside a line: a popover to type the condition of its
 * breakpoint (which it sets, if the line has none). The popover is made
 * once and kept, unparented when the editor goes. */
static void
edit_condition (GIsleGtkEditor *self,
                int             line)
{
  g_autofree char *condition = gisle_gtk_editor_dup_breakpoint_condition (self, line);
  g_autofree char *title = NULL;
  GtkTextIter iter;
  GdkRectangle rect;
  int y;

  if (self->condition_popover == NULL)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

      self->condition_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (self->condition_label, 0);
      self->condition_entry = GTK_ENTRY (gtk_entry_new ());
      gtk_entry_set_placeholder_text (self->condition_entry, _("A Lua expression; empty: always"));
      gtk_editable_set_width_chars (GTK_EDITABLE (self->condition_entry), 32);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->condition_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Breakpoint condition"), -1);
      g_signal_connect (self->condition_entry, "activate", G_CALLBACK (condition_activate_cb), self);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->condition_label));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->condition_entry));
      self->condition_popover = GTK_POPOVER (gtk_popover_new ());
      gtk_popover_set_child (self->condition_popover, box);
      gtk_popover_set_position (self->condition_popover, GTK_POS_RIGHT);
      gtk_widget_set_parent (GTK_WIDGET (self->condition_popover), GTK_WIDGET (self));
    }
  self->condition_line = line;
  /* Translators: %d is a line number */
  title = g_strdup_printf (_("Pause at line %d only when:"), line);
  gtk_label_set_text (self->condition_label, title);
  gtk_editable_set_text (GTK_EDITABLE (self->condition_entry), condition != NULL ? condition : "");

  gtk_text_buffer_get_iter_at_line (GTK_TEXT_BUFFER (self->buffer), &iter, line - 1);
  gtk_text_view_get_iter_location (GTK_TEXT_VIEW (self), &iter, &rect);
  gtk_text_view_buffer_to_window_coords (GTK_TEXT_VIEW (self), GTK_TEXT_WINDOW_WIDGET, 0, rect.y, NULL, &y);
  gtk_popover_set_pointing_to (self->condition_popover, &(GdkRectangle) { 0, y, 24, rect.height });
  gtk_popover_popup (self->condition_popover);
  gtk_widget_grab_focus (GTK_WIDGET (self->condition_entry));
}

static char *
breakpoint_tooltip_cb (GtkSourceMarkAttributes *attributes,
                       GtkSourceMark           *mark,
                       gpointer                 user_data)
{
  const char *condition = g_object_get_data (G_OBJECT (mark), CONDITION_KEY);

  if (condition == NULL)
    return g_strdup (_("Breakpoint (right click for a condition)"));
  /* Translators: %s is a Lua expression */
  return g_strdup_printf (_("Breakpoint: pauses when %s"), condition);
}

static void
line_mark_activated_cb (GtkSourceView   *view,
                        const GtkTextIter *iter,
                        guint            button,
                        GdkModifierType  state,
                        int              n_presses,
                        gpointer         user_data)
{
  GIsleGtkEditor *self = GISLE_GTK_EDITOR (view);

  if (button == GDK_BUTTON_PRIMARY && n_presses == 1)
    gisle_gtk_editor_toggle_breakpoint (self, gtk_text_iter_get_line (iter) + 1);
  else if (button == GDK_BUTTON_SECONDARY && n_presses == 1)
    edit_condition (self, gtk_text_iter_get_line (iter) + 1);
}

static void
gisle_gtk_editor_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GIsleGtkEditor *self = GISLE_GTK_EDITOR (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      g_value_set_object (value, gisle_gtk_editor_get_isle (self));
      break;
    case PROP_DARK:
      g_value_set_boolean (value, self->dark);
      break;
    case PROP_CHUNK_NAME:
      g_value_set_string (value, self->chunk_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_editor_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GIsleGtkEditor *self = GISLE_GTK_EDITOR (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      gisle_gtk_editor_set_isle (self, g_value_get_object (value));
      break;
    case PROP_CHUNK_NAME:
      gisle_gtk_editor_set_chunk_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_editor_dispose (GObject *object)
{
  GIsleGtkEditor *self = GISLE_GTK_EDITOR (object);

  if (self->condition_popover != NULL)
    gtk_widget_unparent (GTK_WIDGET (g_steal_pointer (&self->condition_popover)));

  if (self->provider != NULL)
    gisle_gtk_completion_provider_set_isle (self->provider, NULL);
  g_clear_object (&self->provider);

  G_OBJECT_CLASS (gisle_gtk_editor_parent_class)->dispose (object);
}

static void
gisle_gtk_editor_finalize (GObject *object)
{
  g_free (GISLE_GTK_EDITOR (object)->error_message);
  g_free (GISLE_GTK_EDITOR (object)->chunk_name);

  G_OBJECT_CLASS (gisle_gtk_editor_parent_class)->finalize (object);
}

static void
gisle_gtk_editor_class_init (GIsleGtkEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = gisle_gtk_editor_get_property;
  object_class->set_property = gisle_gtk_editor_set_property;
  object_class->dispose = gisle_gtk_editor_dispose;
  object_class->finalize = gisle_gtk_editor_finalize;
  widget_class->root = gisle_gtk_editor_root;

  /**
   * GIsleGtkEditor:isle:
   *
   * The isle that answers completion; none means no completion.
   */
  properties[PROP_ISLE] =
    g_param_spec_object ("isle", "Isle", "The isle that answers completion", G_TYPE_ISLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkEditor:dark:
   *
   * Whether the dark style scheme is used, following the system.
   */
  properties[PROP_DARK] =
    g_param_spec_boolean ("dark", "Dark", "Whether the dark style scheme is used", FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkEditor:chunk-name:
   *
   * The name the script runs under (as errors and the debugger name it),
   * e.g. its file's name: the console's `debug` action runs the script
   * under it, with breakpoints in that chunk.
   */
  properties[PROP_CHUNK_NAME] =
    g_param_spec_string ("chunk-name", "Chunk name", "The name the script runs under", "untitled.lua",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GIsleGtkEditor::breakpoints-changed:
   * @self: the editor
   *
   * A breakpoint was set or removed (by a click in the gutter or through
   * the API). Read them with [method@GIsleGtk.Editor.get_breakpoints].
   */
  signals[SIGNAL_BREAKPOINTS_CHANGED] =
    g_signal_new ("breakpoints-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gisle_gtk_editor_init (GIsleGtkEditor *self)
{
  GtkSourceLanguageManager *languages = gtk_source_language_manager_get_default ();
  g_autoptr(GtkSourceMarkAttributes) attributes = NULL;
  GdkRGBA color;

  gisle_gtk_ensure_i18n ();
  self->chunk_name = g_strdup ("untitled.lua");
  self->buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self)));
  gtk_source_buffer_set_language (self->buffer, gtk_source_language_manager_get_language (languages, "lua"));
  gtk_source_buffer_set_highlight_matching_brackets (self->buffer, TRUE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (self), TRUE);
  gtk_source_view_set_show_line_numbers (GTK_SOURCE_VIEW (self), TRUE);
  gtk_source_view_set_show_line_marks (GTK_SOURCE_VIEW (self), TRUE);
  gtk_source_view_set_auto_indent (GTK_SOURCE_VIEW (self), TRUE);
  gtk_source_view_set_indent_width (GTK_SOURCE_VIEW (self), 2);
  gtk_source_view_set_insert_spaces_instead_of_tabs (GTK_SOURCE_VIEW (self), TRUE);
  gtk_source_view_set_tab_width (GTK_SOURCE_VIEW (self), 2);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (self), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (self), 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Lua script editor"),
                                  -1);

  gdk_rgba_parse (&color, "rgba(224,27,36,0.20)");
  self->error_tag = gtk_text_buffer_create_tag (GTK_TEXT_BUFFER (self->buffer), "error-line",
                                                "paragraph-background-rgba", &color,
                                                "underline", PANGO_UNDERLINE_ERROR,
                                                NULL);
  self->error_line = -1;

  attributes = gtk_source_mark_attributes_new ();
  gtk_source_mark_attributes_set_icon_name (attributes, "dialog-error-symbolic");
  g_signal_connect (attributes, "query-tooltip-text", G_CALLBACK (query_tooltip_cb), self);
  gtk_source_view_set_mark_attributes (GTK_SOURCE_VIEW (self), ERROR_MARK, attributes, 10);

  g_signal_connect (self->buffer, "changed", G_CALLBACK (buffer_changed_cb), self);

  {
    g_autoptr(GtkSourceMarkAttributes) breakpoint = gtk_source_mark_attributes_new ();
    g_autoptr(GtkSourceMarkAttributes) paused = gtk_source_mark_attributes_new ();
    g_autoptr(GdkTexture) dot = breakpoint_texture ();

    /* A GdkTexture is a GIcon. */
    gtk_source_mark_attributes_set_gicon (breakpoint, G_ICON (dot));
    g_signal_connect (breakpoint, "query-tooltip-text", G_CALLBACK (breakpoint_tooltip_cb), self);
    gtk_source_view_set_mark_attributes (GTK_SOURCE_VIEW (self), BREAKPOINT_MARK, breakpoint, 5);
    gtk_source_mark_attributes_set_icon_name (paused, "go-next-symbolic");
    gtk_source_view_set_mark_attributes (GTK_SOURCE_VIEW (self), PAUSED_MARK, paused, 20);
  }
  g_signal_connect (self, "line-mark-activated", G_CALLBACK (line_mark_activated_cb), NULL);

  gdk_rgba_parse (&color, "rgba(246,211,45,0.35)");
  self->paused_tag = gtk_text_buffer_create_tag (GTK_TEXT_BUFFER (self->buffer), "paused-line",
                                                 "paragraph-background-rgba", &color,
                                                 NULL);
  self->paused_line = -1;

  self->heat = gisle_gtk_heat_renderer_new ();
  gtk_source_gutter_insert (gtk_source_view_get_gutter (GTK_SOURCE_VIEW (self), GTK_TEXT_WINDOW_LEFT),
                            self->heat, -10);

  self->provider = gisle_gtk_completion_provider_new (NULL);
  gtk_source_completion_add_provider (gtk_source_view_get_completion (GTK_SOURCE_VIEW (self)),
                                      GTK_SOURCE_COMPLETION_PROVIDER (self->provider));
  watch_settings (self, NULL);
}

/**
 * gisle_gtk_editor_new:
 *
 * Creates a script editor.
 *
 * Returns: (transfer none): a new, empty script editor (a floating
 *   reference, as for every widget)
 */
GtkWidget *
gisle_gtk_editor_new (void)
{
  return g_object_new (GISLE_GTK_TYPE_EDITOR, NULL);
}

/**
 * gisle_gtk_editor_get_isle:
 * @self: a script editor
 *
 * Gets the isle that answers completion.
 *
 * Returns: (transfer none) (nullable): the isle that answers completion
 */
GIsle *
gisle_gtk_editor_get_isle (GIsleGtkEditor *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);

  return gisle_gtk_completion_provider_get_isle (self->provider);
}

/**
 * gisle_gtk_editor_set_isle:
 * @self: a script editor
 * @isle: (nullable): the isle that answers completion
 *
 * Sets [property@GIsleGtk.Editor:isle].
 */
void
gisle_gtk_editor_set_isle (GIsleGtkEditor *self,
                           GIsle          *isle)
{
  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));
  g_return_if_fail (isle == NULL || G_IS_ISLE (isle));

  if (gisle_gtk_completion_provider_get_isle (self->provider) == isle)
    return;
  gisle_gtk_completion_provider_set_isle (self->provider, isle);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISLE]);
}

/**
 * gisle_gtk_editor_get_text:
 * @self: a script editor
 *
 * Gets the script.
 *
 * Returns: (transfer full): the script
 */
char *
gisle_gtk_editor_get_text (GIsleGtkEditor *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);

  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  return gtk_text_buffer_get_text (GTK_TEXT_BUFFER (self->buffer), &start, &end, TRUE);
}

/**
 * gisle_gtk_editor_set_text:
 * @self: a script editor
 * @text: the new script
 * @undoable: whether Undo brings the previous text back
 *
 * Replaces the script. With @undoable, the replacement is one user action
 * that Undo reverts (use it for anything the user may regret, such as
 * loading an example); without, the undo history starts afresh and the
 * buffer counts as unmodified (use it after loading a file).
 */
void
gisle_gtk_editor_set_text (GIsleGtkEditor *self,
                           const char     *text,
                           gboolean        undoable)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));
  g_return_if_fail (text != NULL);

  buffer = GTK_TEXT_BUFFER (self->buffer);
  if (undoable)
    {
      gtk_text_buffer_begin_user_action (buffer);
      gtk_text_buffer_get_bounds (buffer, &start, &end);
      gtk_text_buffer_delete (buffer, &start, &end);
      gtk_text_buffer_insert (buffer, &start, text, -1);
      gtk_text_buffer_end_user_action (buffer);
    }
  else
    {
      gtk_text_buffer_begin_irreversible_action (buffer);
      gtk_text_buffer_set_text (buffer, text, -1);
      gtk_text_buffer_end_irreversible_action (buffer);
      gtk_text_buffer_set_modified (buffer, FALSE);
    }
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
}

/**
 * gisle_gtk_editor_clear_error:
 * @self: a script editor
 *
 * Removes the error mark, if any. Editing the script does it too.
 */
void
gisle_gtk_editor_clear_error (GIsleGtkEditor *self)
{
  GtkTextIter start, end;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  if (self->error_line < 0)
    return;
  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  gtk_text_buffer_remove_tag (GTK_TEXT_BUFFER (self->buffer), self->error_tag, &start, &end);
  gtk_source_buffer_remove_source_marks (self->buffer, &start, &end, ERROR_MARK);
  self->error_line = -1;
  g_clear_pointer (&self->error_message, g_free);
}

/**
 * gisle_gtk_editor_go_to_line:
 * @self: a script editor
 * @line: a line, from 1
 *
 * Moves the cursor to the start of @line, scrolls it into view and
 * focuses the editor. Lines out of range are ignored.
 */
void
gisle_gtk_editor_go_to_line (GIsleGtkEditor *self,
                             int             line)
{
  GtkTextBuffer *buffer;
  GtkTextIter iter;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  buffer = GTK_TEXT_BUFFER (self->buffer);
  if (line < 1 || line > gtk_text_buffer_get_line_count (buffer))
    return;
  gtk_text_buffer_get_iter_at_line (buffer, &iter, line - 1);
  gtk_text_buffer_place_cursor (buffer, &iter);
  gtk_text_view_scroll_to_iter (GTK_TEXT_VIEW (self), &iter, 0.1, FALSE, 0, 0);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

/**
 * gisle_gtk_editor_set_error:
 * @self: a script editor
 * @line: the line of the error, from 1
 * @message: (nullable): the error message, shown as the mark's tooltip
 *
 * Marks @line as the site of an error: the line is tinted and underlined,
 * the gutter shows an error icon whose tooltip is @message, and the
 * cursor moves there. Replaces any previous mark.
 */
void
gisle_gtk_editor_set_error (GIsleGtkEditor *self,
                            int             line,
                            const char     *message)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  buffer = GTK_TEXT_BUFFER (self->buffer);
  gisle_gtk_editor_clear_error (self);
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
  gtk_text_view_scroll_to_iter (GTK_TEXT_VIEW (self), &start, 0.1, FALSE, 0, 0);
  self->error_line = line;
  self->error_message = g_strdup (message);
}

/**
 * gisle_gtk_editor_get_error_line:
 * @self: a script editor
 *
 * Gets the line marked by gisle_gtk_editor_set_error().
 *
 * Returns: the marked line, from 1, or -1 if none is marked
 */
int
gisle_gtk_editor_get_error_line (GIsleGtkEditor *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), -1);

  return self->error_line;
}

/**
 * gisle_gtk_editor_get_error_message:
 * @self: a script editor
 *
 * Gets the message of the error mark.
 *
 * Returns: (nullable): the tooltip of the error mark, or %NULL if none
 */
const char *
gisle_gtk_editor_get_error_message (GIsleGtkEditor *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);

  return self->error_message;
}

/**
 * gisle_gtk_editor_get_dark:
 * @self: a script editor
 *
 * Gets whether the editor uses the dark style scheme.
 *
 * Returns: the value of [property@GIsleGtk.Editor:dark]
 */
gboolean
gisle_gtk_editor_get_dark (GIsleGtkEditor *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), FALSE);

  return self->dark;
}

/* Breakpoints */

/**
 * gisle_gtk_editor_set_breakpoint:
 * @self: a script editor
 * @line: a line, from 1
 * @enabled: whether a breakpoint is set there
 *
 * Sets or removes the breakpoint at @line, as a click in the gutter
 * does. Lines out of range are ignored.
 */
void
gisle_gtk_editor_set_breakpoint (GIsleGtkEditor *self,
                                 int             line,
                                 gboolean        enabled)
{
  GtkSourceMark *mark;
  GtkTextIter iter;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  if (line < 1 || line > gtk_text_buffer_get_line_count (GTK_TEXT_BUFFER (self->buffer)))
    return;
  mark = breakpoint_at (self, line);
  if ((mark != NULL) == (enabled != FALSE))
    return;
  if (mark != NULL)
    gtk_text_buffer_delete_mark (GTK_TEXT_BUFFER (self->buffer), GTK_TEXT_MARK (mark));
  else
    {
      /* Right gravity: a line inserted above, at the start of this one,
       * pushes the breakpoint down with its code. */
      g_autoptr(GtkSourceMark) added = g_object_new (GTK_SOURCE_TYPE_MARK,
                                                     "category", BREAKPOINT_MARK,
                                                     "left-gravity", FALSE,
                                                     NULL);

      gtk_text_buffer_get_iter_at_line (GTK_TEXT_BUFFER (self->buffer), &iter, line - 1);
      gtk_text_buffer_add_mark (GTK_TEXT_BUFFER (self->buffer), GTK_TEXT_MARK (added), &iter);
    }
  g_signal_emit (self, signals[SIGNAL_BREAKPOINTS_CHANGED], 0);
}

/**
 * gisle_gtk_editor_toggle_breakpoint:
 * @self: a script editor
 * @line: a line, from 1
 *
 * Sets a breakpoint at @line if there is none, else removes it: what a
 * click in the gutter does.
 *
 * Returns: whether a breakpoint is now set at @line
 */
gboolean
gisle_gtk_editor_toggle_breakpoint (GIsleGtkEditor *self,
                                    int             line)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), FALSE);

  if (line < 1 || line > gtk_text_buffer_get_line_count (GTK_TEXT_BUFFER (self->buffer)))
    return FALSE;
  gisle_gtk_editor_set_breakpoint (self, line, breakpoint_at (self, line) == NULL);
  return breakpoint_at (self, line) != NULL;
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/**
 * gisle_gtk_editor_get_breakpoints:
 * @self: a script editor
 * @n_lines: (out): how many lines have a breakpoint
 *
 * Gets the lines that have a breakpoint, where they are now (a mark
 * moves with the text).
 *
 * Returns: (array length=n_lines) (transfer full): the lines, from 1, in
 *   ascending order, each once
 */
int *
gisle_gtk_editor_get_breakpoints (GIsleGtkEditor *self,
                                  gsize          *n_lines)
{
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (int));
  GtkTextIter iter;

  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);
  g_return_val_if_fail (n_lines != NULL, NULL);

  gtk_text_buffer_get_start_iter (GTK_TEXT_BUFFER (self->buffer), &iter);
  do
    {
      GSList *here = gtk_source_buffer_get_source_marks_at_iter (self->buffer, &iter, BREAKPOINT_MARK);

      if (here != NULL)
        {
          int line = gtk_text_iter_get_line (&iter) + 1;
          g_array_append_val (lines, line);
        }
      g_slist_free (here);
    }
  while (gtk_source_buffer_forward_iter_to_source_mark (self->buffer, &iter, BREAKPOINT_MARK));
  g_array_sort (lines, compare_lines);
  /* Two marks can end on one line when the text between them goes. */
  for (guint i = 1; i < lines->len;)
    if (g_array_index (lines, int, i) == g_array_index (lines, int, i - 1))
      g_array_remove_index (lines, i);
    else
      i++;
  *n_lines = lines->len;
  return (int *) g_array_free (g_steal_pointer (&lines), FALSE);
}

/**
 * gisle_gtk_editor_set_breakpoint_condition:
 * @self: a script editor
 * @line: a line, from 1
 * @condition: (nullable): a Lua expression, or %NULL (or empty) for none
 *
 * Sets the condition of the breakpoint at @line, setting the breakpoint
 * if there is none: a debugged script pauses there only when the
 * condition is true. A right click in the gutter does it too. Lines out
 * of range are ignored.
 */
void
gisle_gtk_editor_set_breakpoint_condition (GIsleGtkEditor *self,
                                           int             line,
                                           const char     *condition)
{
  GtkSourceMark *mark;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  if (line < 1 || line > gtk_text_buffer_get_line_count (GTK_TEXT_BUFFER (self->buffer)))
    return;
  if (condition != NULL && *condition == '\0')
    condition = NULL;
  mark = breakpoint_at (self, line);
  if (mark == NULL)
    {
      gisle_gtk_editor_set_breakpoint (self, line, TRUE);
      mark = breakpoint_at (self, line);
    }
  else if (g_strcmp0 (g_object_get_data (G_OBJECT (mark), CONDITION_KEY), condition) == 0)
    return;
  g_object_set_data_full (G_OBJECT (mark), CONDITION_KEY, g_strdup (condition), g_free);
  g_signal_emit (self, signals[SIGNAL_BREAKPOINTS_CHANGED], 0);
}

/**
 * gisle_gtk_editor_dup_breakpoint_condition:
 * @self: a script editor
 * @line: a line, from 1
 *
 * Gets the condition of the breakpoint at @line.
 *
 * Returns: (transfer full) (nullable): the condition, or %NULL if the
 *   line has no breakpoint or one without a condition
 */
char *
gisle_gtk_editor_dup_breakpoint_condition (GIsleGtkEditor *self,
                                           int             line)
{
  GtkSourceMark *mark;

  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);

  if (line < 1 || line > gtk_text_buffer_get_line_count (GTK_TEXT_BUFFER (self->buffer)))
    return NULL;
  mark = breakpoint_at (self, line);
  return mark != NULL ? g_strdup (g_object_get_data (G_OBJECT (mark), CONDITION_KEY)) : NULL;
}

/**
 * gisle_gtk_editor_clear_breakpoints:
 * @self: a script editor
 *
 * Removes every breakpoint.
 */
void
gisle_gtk_editor_clear_breakpoints (GIsleGtkEditor *self)
{
  GtkTextIter start, end;
  gsize n = 0;
  g_autofree int *lines = NULL;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  lines = gisle_gtk_editor_get_breakpoints (self, &n);
  if (n == 0)
    return;
  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  gtk_source_buffer_remove_source_marks (self->buffer, &start, &end, BREAKPOINT_MARK);
  g_signal_emit (self, signals[SIGNAL_BREAKPOINTS_CHANGED], 0);
}

/* The paused line */

/**
 * gisle_gtk_editor_set_paused_line:
 * @self: a script editor
 * @line: the line a debugged script is paused at, from 1, or -1 for none
 *
 * Highlights the line where a debugged script is paused, with an arrow in
 * the gutter, and scrolls it into view; -1 removes the highlight.
 */
void
gisle_gtk_editor_set_paused_line (GIsleGtkEditor *self,
                                  int             line)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  buffer = GTK_TEXT_BUFFER (self->buffer);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->paused_tag, &start, &end);
  gtk_source_buffer_remove_source_marks (self->buffer, &start, &end, PAUSED_MARK);
  self->paused_line = -1;
  if (line < 1 || line > gtk_text_buffer_get_line_count (buffer))
    return;

  gtk_text_buffer_get_iter_at_line (buffer, &start, line - 1);
  end = start;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  gtk_text_iter_forward_char (&end);
  gtk_text_buffer_apply_tag (buffer, self->paused_tag, &start, &end);
  gtk_source_buffer_create_source_mark (self->buffer, NULL, PAUSED_MARK, &start);
  gtk_text_view_scroll_to_iter (GTK_TEXT_VIEW (self), &start, 0.1, FALSE, 0, 0);
  self->paused_line = line;
}

/**
 * gisle_gtk_editor_get_paused_line:
 * @self: a script editor
 *
 * Gets the line highlighted by gisle_gtk_editor_set_paused_line().
 *
 * Returns: the line, from 1, or -1 if none
 */
int
gisle_gtk_editor_get_paused_line (GIsleGtkEditor *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), -1);

  return self->paused_line;
}

/* Profile */

static const char *
bare_chunk_name (const char *chunk_name)
{
  return *chunk_name == '=' || *chunk_name == '@' ? chunk_name + 1 : chunk_name;
}

/**
 * gisle_gtk_editor_show_profile:
 * @self: a script editor
 * @profile: what g_isle_profile_stop() returned (an `a{sv}`)
 * @chunk_name: the name the editor's script ran under
 *
 * Shows the hot lines of @chunk_name in @profile in the heat margin: each
 * line with samples is tinted by its share of all the samples. Editing
 * the script, or gisle_gtk_editor_clear_profile(), removes the margin.
 */
void
gisle_gtk_editor_show_profile (GIsleGtkEditor *self,
                               GVariant       *profile,
                               const char     *chunk_name)
{
  g_autoptr(GHashTable) shares = NULL;
  g_autoptr(GVariant) lines = NULL;
  guint64 samples = 0;
  const char *name;
  const char *source;
  GVariantIter iter;
  gint32 line;
  guint64 count;

  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));
  g_return_if_fail (profile != NULL && g_variant_is_of_type (profile, G_VARIANT_TYPE_VARDICT));
  g_return_if_fail (chunk_name != NULL);

  name = bare_chunk_name (chunk_name);
  shares = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_variant_lookup (profile, "samples", "t", &samples);
  lines = g_variant_lookup_value (profile, "lines", G_VARIANT_TYPE ("a(sit)"));
  if (lines != NULL && samples > 0)
    {
      g_variant_iter_init (&iter, lines);
      while (g_variant_iter_next (&iter, "(&sit)", &source, &line, &count))
        if (line > 0 && strcmp (source, name) == 0)
          {
            double *share = g_new (double, 1);

            *share = (double) count / samples;
            g_hash_table_replace (shares, GINT_TO_POINTER (line), share);
          }
    }
  gisle_gtk_heat_renderer_set_heat (GISLE_GTK_HEAT_RENDERER (self->heat), shares);
}

/**
 * gisle_gtk_editor_clear_profile:
 * @self: a script editor
 *
 * Removes the heat margin, if any.
 */
void
gisle_gtk_editor_clear_profile (GIsleGtkEditor *self)
{
  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));

  gisle_gtk_heat_renderer_set_heat (GISLE_GTK_HEAT_RENDERER (self->heat), NULL);
}

/**
 * gisle_gtk_editor_get_line_heat:
 * @self: a script editor
 * @line: a line, from 1
 *
 * Gets the heat the margin shows for @line.
 *
 * Returns: the share of the profile's samples spent on @line, from 0 to
 *   1; 0 when no profile is shown
 */
double
gisle_gtk_editor_get_line_heat (GIsleGtkEditor *self,
                                int             line)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), 0);

  return gisle_gtk_heat_renderer_get_heat (GISLE_GTK_HEAT_RENDERER (self->heat), line);
}

/* Hovering */

static gboolean
is_name_char (gunichar c)
{
  return g_unichar_isalnum (c) || c == '_';
}

/**
 * gisle_gtk_editor_get_expression_at:
 * @self: a script editor
 * @iter: a position in the editor's buffer
 *
 * Finds the name at @iter with the fields written before it, as a Lua
 * expression to evaluate: in `print(player.pos.x)`, `player.pos.x` on
 * `x`, `player.pos` on `pos`. This is what hovering shows the value of
 * while a debugged script is paused.
 *
 * Returns: (transfer full) (nullable): the expression, or %NULL if @iter
 *   is not on a name (or is on a keyword, a number or in a string)
 */
char *
gisle_gtk_editor_get_expression_at (GIsleGtkEditor    *self,
                                    const GtkTextIter *iter)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);
  g_return_val_if_fail (iter != NULL, NULL);

  start = end = *iter;
  if (!is_name_char (gtk_text_iter_get_char (&end)))
    return NULL;
  /* Highlighting runs when idle; strings and comments must be known. */
  gtk_text_iter_set_line_offset (&start, 0);
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  gtk_source_buffer_ensure_highlight (self->buffer, &start, &end);
  start = end = *iter;
  if (gtk_source_buffer_iter_has_context_class (self->buffer, iter, "string")
      || gtk_source_buffer_iter_has_context_class (self->buffer, iter, "comment"))
    return NULL;
  while (is_name_char (gtk_text_iter_get_char (&end)))
    if (!gtk_text_iter_forward_char (&end))
      break;
  /* Back over the name and the ".field" parts before it. */
  for (;;)
    {
      GtkTextIter before = start;

      if (!gtk_text_iter_backward_char (&before))
        break;
      if (is_name_char (gtk_text_iter_get_char (&before)))
        start = before;
      else if (gtk_text_iter_get_char (&before) == '.')
        {
          GtkTextIter name = before;

          /* "a..b" is a concatenation, not a field. */
          if (!gtk_text_iter_backward_char (&name) || !is_name_char (gtk_text_iter_get_char (&name)))
            break;
          start = before;
        }
      else
        break;
    }
  text = gtk_text_iter_get_text (&start, &end);
  if (!g_ascii_isalpha (text[0]) && text[0] != '_')
    return NULL;
  {
    static const char * const keywords[] = {
      "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
      "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
      "true", "until", "while", NULL
    };
    g_auto(GStrv) parts = g_strsplit (text, ".", -1);

    for (guint i = 0; parts[i] != NULL; i++)
      if (parts[i][0] == '\0' || g_ascii_isdigit (parts[i][0]) || g_strv_contains (keywords, parts[i]))
        return NULL;
  }
  return g_steal_pointer (&text);
}

/**
 * gisle_gtk_editor_get_chunk_name:
 * @self: a script editor
 *
 * Gets the name the script runs under.
 *
 * Returns: the value of [property@GIsleGtk.Editor:chunk-name]
 */
const char *
gisle_gtk_editor_get_chunk_name (GIsleGtkEditor *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_EDITOR (self), NULL);

  return self->chunk_name;
}

/**
 * gisle_gtk_editor_set_chunk_name:
 * @self: a script editor
 * @chunk_name: the name the script runs under, e.g. "script.lua"
 *
 * Sets [property@GIsleGtk.Editor:chunk-name].
 */
void
gisle_gtk_editor_set_chunk_name (GIsleGtkEditor *self,
                                 const char     *chunk_name)
{
  g_return_if_fail (GISLE_GTK_IS_EDITOR (self));
  g_return_if_fail (chunk_name != NULL);

  if (g_strcmp0 (self->chunk_name, chunk_name) == 0)
    return;
  g_free (self->chunk_name);
  self->chunk_name = g_strdup (chunk_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHUNK_NAME]);
}
