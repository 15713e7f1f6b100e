/* gisle-gtk-debug-panel.c: what a paused job looks like from inside: its
 * call stack, the variables of the selected frame as an expandable tree,
 * and watch expressions evaluated in that frame, with a toolbar of the
 * console's debug actions.
 *
 * Floor 2 of lib/gtk: calls gisle-gtk-debug-item.c, gisle-gtk-format.c
 * and gisle-gtk-support.c. Thread rule: main thread only (a GTK widget);
 * the debugger's signals arrive in the isle's main context and every
 * question to the paused job is asynchronous, answered there too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"
#include "gisle-gtk-debug-item-private.h"

/* The panel */

/**
 * GIsleGtkDebugPanel:
 *
 * The debug panel: while the job of its
 * [property@GIsleGtk.DebugPanel:debugger] is paused, the call stack
 * (innermost frame first), the variables of the selected frame as a tree
 * whose tables expand (locals, then upvalues and varargs in groups), and
 * watch expressions evaluated in that frame. A toolbar holds the
 * console's debug actions (`console.continue`, `console.step-over`,
 * `console.step-into`, `console.step-out`, `console.pause`), so it works
 * where the console's action group is inserted as `console` (the console
 * itself, or the window holding both).
 *
 * Bind [property@GIsleGtk.Console:debugger] to
 * [property@GIsleGtk.DebugPanel:debugger] and the panel follows the
 * console's debugging sessions.
 */
struct _GIsleGtkDebugPanel {
  GtkWidget parent_instance;

  GIsleDebugger *debugger;
  GCancellable *cancellable;   /* the questions about the current pause */
  guint pending;               /* questions not answered yet */
  gboolean paused;

  GListStore *frames;
  GtkSingleSelection *frame_selection;
  GListStore *variables_root;
  GtkTreeListModel *variables;
  GListStore *watches;

  GtkLabel *status;
  GtkEntry *watch_entry;
};

G_DEFINE_FINAL_TYPE (GIsleGtkDebugPanel, gisle_gtk_debug_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DEBUGGER,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
question_asked (GIsleGtkDebugPanel *self)
{
  if (self->pending++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
question_answered (GIsleGtkDebugPanel *self)
{
  g_assert (self->pending > 0);
  if (--self->pending == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Forgets the questions about the last pause: their answers, when they
 * come, are dropped (their cancellable is cancelled). */
static void
forget_questions (GIsleGtkDebugPanel *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->pending > 0)
    {
      self->pending = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
}

typedef struct {
  GIsleGtkDebugPanel *panel;   /* strong */
  GCancellable *cancellable;   /* of the pause it is about */
  guint index;                 /* of a watch */
  char *expression;
} Question;

static Question *
question_new (GIsleGtkDebugPanel *self)
{
  Question *q = g_new0 (Question, 1);

  q->panel = g_object_ref (self);
  q->cancellable = g_object_ref (self->cancellable);
  question_asked (self);
  return q;
}

/* Whether the answer is still wanted (its pause is the current one). */
static gboolean
question_still_wanted (Question *q)
{
  gboolean wanted = !g_cancellable_is_cancelled (q->cancellable);

  if (wanted)
    question_answered (q->panel);
  return wanted;
}

static void
question_free (Question *q)
{
  g_object_unref (q->panel);
  g_object_unref (q->cancellable);
  g_free (q->expression);
  g_free (q);
}

static void
watch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Question *q = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_debugger_evaluate_finish (G_ISLE_DEBUGGER (source), result, &error);

  if (question_still_wanted (q) && q->index < g_list_model_get_n_items (G_LIST_MODEL (q->panel->watches)))
    {
      g_autoptr(GIsleGtkDebugItem) watch = g_list_model_get_item (G_LIST_MODEL (q->panel->watches), q->index);

      /* Only if the watch is still the one asked about. */
      if (g_strcmp0 (gisle_gtk_debug_item_get_name (watch), q->expression) == 0)
        {
          g_autoptr(GIsleGtkDebugItem) now = gisle_gtk_debug_item_new (q->expression, value == NULL ? error->message : NULL, value);

          g_list_store_splice (q->panel->watches, q->index, 1, (gpointer *) &now, 1);
        }
    }
  question_free (q);
}

static void
evaluate_watch (GIsleGtkDebugPanel *self,
                guint               index)
{
  g_autoptr(GIsleGtkDebugItem) watch = g_list_model_get_item (G_LIST_MODEL (self->watches), index);
  Question *q;

  if (!self->paused || self->cancellable == NULL || watch == NULL)
    return;
  q = question_new (self);
  q->index = index;
  q->expression = g_strdup (gisle_gtk_debug_item_get_name (watch));
  g_isle_debugger_evaluate_async (self->debugger, gisle_gtk_debug_panel_get_selected_frame (self),
                                  gisle_gtk_debug_item_get_name (watch), q->cancellable, watch_cb, q);
}

static void
add_group (GListStore *root,
           const char *name,
           GVariant   *pairs,
           gboolean    positional)
{
  g_autoptr(GIsleGtkDebugItem) group = NULL;
  g_autoptr(GListStore) children = NULL;
  g_autofree char *count = NULL;
  gsize n = g_variant_n_children (pairs);

  if (n == 0)
    return;
  /* Translators: how many variables a group holds, e.g. "3 values" */
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u value", "%u values", (gulong) n), (guint) n);
  children = g_list_store_new (GISLE_GTK_TYPE_DEBUG_ITEM);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (pairs, i);
      g_autoptr(GIsleGtkDebugItem) item = NULL;

      if (positional)
        {
          g_autofree char *index = g_strdup_printf ("[%" G_GSIZE_FORMAT "]", i + 1);
          g_autoptr(GVariant) value = gisle_gtk_format_unwrap (child);

          item = gisle_gtk_debug_item_new (index, NULL, value);
        }
      else
        {
          const char *var_name;
          g_autoptr(GVariant) wrapped = NULL;
          g_autoptr(GVariant) value = NULL;

          g_variant_get (child, "(&s@v)", &var_name, &wrapped);
          value = gisle_gtk_format_unwrap (wrapped);
          item = gisle_gtk_debug_item_new (var_name, NULL, value);
        }
      g_list_store_append (children, item);
    }
  group = gisle_gtk_debug_item_new_group (name, count, children);
  g_list_store_append (root, group);
}

static void
variables_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Question *q = user_data;
  GIsleGtkDebugPanel *self = q->panel;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) variables = g_isle_debugger_get_variables_finish (G_ISLE_DEBUGGER (source), result, &error);
  g_autoptr(GVariant) locals = NULL;
  g_autoptr(GVariant) upvalues = NULL;
  g_autoptr(GVariant) varargs = NULL;

  if (!question_still_wanted (q))
    {
      question_free (q);
      return;
    }
  g_list_store_remove_all (self->variables_root);
  if (variables == NULL)
    {
      g_autoptr(GIsleGtkDebugItem) item = gisle_gtk_debug_item_new (_("(unavailable)"), error->message, NULL);

      g_list_store_append (self->variables_root, item);
      question_free (q);
      return;
    }
  locals = g_variant_lookup_value (variables, "locals", G_VARIANT_TYPE ("a(sv)"));
  upvalues = g_variant_lookup_value (variables, "upvalues", G_VARIANT_TYPE ("a(sv)"));
  varargs = g_variant_lookup_value (variables, "varargs", G_VARIANT_TYPE ("av"));
  if (locals != NULL)
    {
      GVariantIter iter;
      const char *name;
      GVariant *wrapped;

      g_variant_iter_init (&iter, locals);
      while (g_variant_iter_next (&iter, "(&s@v)", &name, &wrapped))
        {
          g_autoptr(GVariant) value = gisle_gtk_format_unwrap (wrapped);
          g_autoptr(GIsleGtkDebugItem) item = gisle_gtk_debug_item_new (name, NULL, value);

          g_list_store_append (self->variables_root, item);
          g_variant_unref (wrapped);
        }
    }
  if (upvalues != NULL)
    add_group (self->variables_root, _("Upvalues"), upvalues, FALSE);
  if (varargs != NULL)
    add_group (self->variables_root, _("Varargs"), varargs, TRUE);
  question_free (q);
}

/* The selected frame's variables and the watches, evaluated there. */
static void
ask_about_frame (GIsleGtkDebugPanel *self)
{
  Question *q;

  if (!self->paused || self->cancellable == NULL)
    return;
  q = question_new (self);
  g_isle_debugger_get_variables_async (self->debugger, gisle_gtk_debug_panel_get_selected_frame (self),
                                       q->cancellable, variables_cb, q);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->watches)); i++)
    evaluate_watch (self, i);
}

static void selection_cb (GtkSingleSelection *selection, GParamSpec *pspec, gpointer user_data);

static void
stack_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Question *q = user_data;
  GIsleGtkDebugPanel *self = q->panel;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stack = g_isle_debugger_get_stack_finish (G_ISLE_DEBUGGER (source), result, &error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantIter iter;
  GVariant *frame;

  if (!question_still_wanted (q))
    {
      question_free (q);
      return;
    }
  if (stack == NULL)
    {
      gtk_label_set_text (self->status, error->message);
      question_free (q);
      return;
    }
  g_variant_iter_init (&iter, stack);
  while (g_variant_iter_next (&iter, "@a{sv}", &frame))
    {
      const char *function = "?", *chunk = "?";
      gint32 line = -1;
      g_autofree char *where = NULL;

      g_variant_lookup (frame, "function", "&s", &function);
      g_variant_lookup (frame, "chunk", "&s", &chunk);
      g_variant_lookup (frame, "line", "i", &line);
      where = line >= 0 ? g_strdup_printf ("%s:%d", chunk, line) : g_strdup (chunk);
      g_ptr_array_add (rows, gisle_gtk_debug_item_new (function, where, frame));
      g_variant_unref (frame);
    }
  /* The new stack starts at frame 0, whose variables are asked for once
   * (not again by the selection's notifications on the way). */
  g_signal_handlers_block_by_func (self->frame_selection, selection_cb, self);
  g_list_store_splice (self->frames, 0, g_list_model_get_n_items (G_LIST_MODEL (self->frames)),
                       rows->pdata, rows->len);
  gtk_single_selection_set_selected (self->frame_selection, 0);
  g_signal_handlers_unblock_by_func (self->frame_selection, selection_cb, self);
  ask_about_frame (self);
  question_free (q);
}

static void
selection_cb (GtkSingleSelection *selection,
              GParamSpec         *pspec,
              gpointer            user_data)
{
  ask_about_frame (GISLE_GTK_DEBUG_PANEL (user_data));
}

static void
clear_watch_values (GIsleGtkDebugPanel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->watches));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GIsleGtkDebugItem) old = g_list_model_get_item (G_LIST_MODEL (self->watches), i);
      g_autoptr(GIsleGtkDebugItem) now = gisle_gtk_debug_item_new (gisle_gtk_debug_item_get_name (old), "", NULL);

      g_list_store_splice (self->watches, i, 1, (gpointer *) &now, 1);
    }
}

static void
paused_cb (GIsleDebugger    *debugger,
           GIslePauseReason  reason,
           const char       *chunk,
           int               line,
           const char       *message,
           gpointer          user_data)
{
  GIsleGtkDebugPanel *self = GISLE_GTK_DEBUG_PANEL (user_data);
  g_autofree char *text = NULL;
  Question *q;

  forget_questions (self);
  self->paused = TRUE;
  self->cancellable = g_cancellable_new ();
  /* Translators: where a debugged script paused, e.g. "Paused at
   * script.lua:12" */
  text = line > 0 ? g_strdup_printf (_("Paused at %s:%d"), chunk, line) : g_strdup (_("Paused"));
  gtk_label_set_text (self->status, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status), text);
  q = question_new (self);
  g_isle_debugger_get_stack_async (self->debugger, q->cancellable, stack_cb, q);
}

static void
clear_pause (GIsleGtkDebugPanel *self,
             const char         *status)
{
  forget_questions (self);
  self->paused = FALSE;
  g_list_store_remove_all (self->frames);
  g_list_store_remove_all (self->variables_root);
  clear_watch_values (self);
  gtk_label_set_text (self->status, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status), status);
}

static void
resumed_cb (GIsleDebugger *debugger,
            gpointer       user_data)
{
  clear_pause (GISLE_GTK_DEBUG_PANEL (user_data), _("Running"));
}

static void
watch_activate_cb (GtkEntry *entry,
                   gpointer  user_data)
{
  GIsleGtkDebugPanel *self = GISLE_GTK_DEBUG_PANEL (user_data);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (*text == '\0')
    return;
  gisle_gtk_debug_panel_add_watch (self, text);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

/* Cells: a label for text, with a tree expander for variables. */

static void
setup_label_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  gboolean expander = GPOINTER_TO_INT (user_data) == 1;
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (expander)
    {
      GtkWidget *tree = gtk_tree_expander_new ();

      gtk_tree_expander_set_child (GTK_TREE_EXPANDER (tree), label);
      gtk_list_item_set_child (list_item, tree);
    }
  else
    gtk_list_item_set_child (list_item, label);
}

/* user_data: 0 the name, 1 the name with an expander, 2 the text. */
static void
bind_label_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  int what = GPOINTER_TO_INT (user_data);
  gpointer object = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  GIsleGtkDebugItem *item;
  GtkLabel *label;
  const char *text;

  if (GTK_IS_TREE_LIST_ROW (object))
    {
      item = gtk_tree_list_row_get_item (object);
      g_object_unref (item);   /* the row holds it */
    }
  else
    item = object;
  if (what == 1)
    {
      gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (child), object);
      label = GTK_LABEL (gtk_tree_expander_get_child (GTK_TREE_EXPANDER (child)));
    }
  else
    label = GTK_LABEL (child);
  text = what == 2 ? gisle_gtk_debug_item_get_text (item) : gisle_gtk_debug_item_get_name (item);
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
}

static GtkListItemFactory *
label_factory (int what)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label_cb), GINT_TO_POINTER (what));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label_cb), GINT_TO_POINTER (what));
  return factory;
}

static GtkWidget *
two_columns (GListModel *model,
             gboolean    tree,
             const char *first,
             const char *second,
             const char *accessible_name)
{
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (model))));
  g_autoptr(GtkColumnViewColumn) name = gtk_column_view_column_new (first, label_factory (tree ? 1 : 0));
  g_autoptr(GtkColumnViewColumn) text = gtk_column_view_column_new (second, label_factory (2));

  gtk_column_view_column_set_resizable (name, TRUE);
  gtk_column_view_column_set_fixed_width (name, 130);
  gtk_column_view_column_set_expand (text, TRUE);
  gtk_column_view_append_column (view, name);
  gtk_column_view_append_column (view, text);
  gtk_widget_add_css_class (GTK_WIDGET (view), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name, -1);
  return GTK_WIDGET (view);
}

static GtkWidget *
scrolled (GtkWidget *child,
          int        min_height)
{
  GtkWidget *window = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (window), child);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (window), min_height);
  gtk_scrolled_window_set_has_frame (GTK_SCROLLED_WINDOW (window), TRUE);
  return window;
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, 6);
  return label;
}

static GtkWidget *
tool_button (const char *icon,
             const char *action,
             const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
gisle_gtk_debug_panel_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  GIsleGtkDebugPanel *self = GISLE_GTK_DEBUG_PANEL (object);

  switch (prop_id)
    {
    case PROP_DEBUGGER:
      g_value_set_object (value, self->debugger);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->pending > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_debug_panel_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  GIsleGtkDebugPanel *self = GISLE_GTK_DEBUG_PANEL (object);

  switch (prop_id)
    {
    case PROP_DEBUGGER:
      gisle_gtk_debug_panel_set_debugger (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_debug_panel_dispose (GObject *object)
{
  GIsleGtkDebugPanel *self = GISLE_GTK_DEBUG_PANEL (object);
  GtkWidget *child;

  gisle_gtk_debug_panel_set_debugger (self, NULL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->frames);
  g_clear_object (&self->frame_selection);
  g_clear_object (&self->variables_root);
  g_clear_object (&self->variables);
  g_clear_object (&self->watches);

  G_OBJECT_CLASS (gisle_gtk_debug_panel_parent_class)->dispose (object);
}

static void
gisle_gtk_debug_panel_class_init (GIsleGtkDebugPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = gisle_gtk_debug_panel_get_property;
  object_class->set_property = gisle_gtk_debug_panel_set_property;
  object_class->dispose = gisle_gtk_debug_panel_dispose;

  /**
   * GIsleGtkDebugPanel:debugger:
   *
   * The debugger whose paused job the panel shows, or none.
   */
  properties[PROP_DEBUGGER] =
    g_param_spec_object ("debugger", "Debugger", "The debugger whose paused job the panel shows",
                         G_TYPE_ISLE_DEBUGGER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleGtkDebugPanel:loading:
   *
   * Whether answers about the paused job (stack, variables, watches) are
   * still on their way.
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", "Loading", "Whether answers about the paused job are on their way",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gisle-debug-panel");
}

static void
gisle_gtk_debug_panel_init (GIsleGtkDebugPanel *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkWidget *toolbar, *widget;

  gisle_gtk_ensure_i18n ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 6);

  toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_box_append (GTK_BOX (toolbar), tool_button ("media-playback-start-symbolic", "console.continue",
                                                  _("Continue (F5)")));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("media-playback-pause-symbolic", "console.pause",
                                                  _("Pause")));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("go-jump-symbolic", "console.step-over",
                                                  _("Step over (F10)")));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("go-down-symbolic", "console.step-into",
                                                  _("Step into (F11)")));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("go-up-symbolic", "console.step-out",
                                                  _("Step out (Shift+F11)")));
  self->status = GTK_LABEL (gtk_label_new (_("Not debugging: press Debug to run the script with its breakpoints.")));
  gtk_label_set_xalign (self->status, 0);
  gtk_label_set_ellipsize (self->status, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->status), TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->status), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->status));
  gtk_widget_set_parent (toolbar, GTK_WIDGET (self));

  self->frames = g_list_store_new (GISLE_GTK_TYPE_DEBUG_ITEM);
  self->frame_selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->frames)));
  gtk_single_selection_set_autoselect (self->frame_selection, FALSE);
  g_signal_connect (self->frame_selection, "notify::selected", G_CALLBACK (selection_cb), self);
  widget = gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (self->frame_selection)));
  {
    g_autoptr(GtkColumnViewColumn) name = gtk_column_view_column_new (_("Function"), label_factory (0));
    g_autoptr(GtkColumnViewColumn) where = gtk_column_view_column_new (_("Line"), label_factory (2));

    gtk_column_view_column_set_expand (name, TRUE);
    gtk_column_view_append_column (GTK_COLUMN_VIEW (widget), name);
    gtk_column_view_append_column (GTK_COLUMN_VIEW (widget), where);
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Call stack"), -1);
  gtk_widget_set_parent (heading (_("Call Stack")), GTK_WIDGET (self));
  gtk_widget_set_parent (scrolled (widget, 90), GTK_WIDGET (self));

  self->variables_root = g_list_store_new (GISLE_GTK_TYPE_DEBUG_ITEM);
  self->variables = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (self->variables_root)),
                                             FALSE, FALSE, gisle_gtk_debug_item_create_children,
                                             NULL, NULL);
  widget = scrolled (two_columns (G_LIST_MODEL (g_object_ref (self->variables)), TRUE,
                                  _("Name"), _("Value"), _("Variables")), 120);
  gtk_widget_set_vexpand (widget, TRUE);
  gtk_widget_set_parent (heading (_("Variables")), GTK_WIDGET (self));
  gtk_widget_set_parent (widget, GTK_WIDGET (self));

  self->watches = g_list_store_new (GISLE_GTK_TYPE_DEBUG_ITEM);
  gtk_widget_set_parent (heading (_("Watches")), GTK_WIDGET (self));
  gtk_widget_set_parent (scrolled (two_columns (G_LIST_MODEL (g_object_ref (self->watches)), FALSE,
                                                _("Expression"), _("Value"), _("Watches")), 84),
                         GTK_WIDGET (self));
  self->watch_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (self->watch_entry, _("Add a watch expression"));
  g_signal_connect (self->watch_entry, "activate", G_CALLBACK (watch_activate_cb), self);
  gtk_widget_set_parent (GTK_WIDGET (self->watch_entry), GTK_WIDGET (self));
}

/**
 * gisle_gtk_debug_panel_new:
 *
 * Creates a debug panel.
 *
 * Returns: (transfer none): a new debug panel (a floating reference, as
 *   for every widget)
 */
GtkWidget *
gisle_gtk_debug_panel_new (void)
{
  return g_object_new (GISLE_GTK_TYPE_DEBUG_PANEL, NULL);
}

/**
 * gisle_gtk_debug_panel_get_debugger:
 * @self: a debug panel
 *
 * Gets the debugger whose paused job the panel shows.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@GIsleGtk.DebugPanel:debugger]
 */
GIsleDebugger *
gisle_gtk_debug_panel_get_debugger (GIsleGtkDebugPanel *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self), NULL);

  return self->debugger;
}

/**
 * gisle_gtk_debug_panel_set_debugger:
 * @self: a debug panel
 * @debugger: (nullable): the debugger whose paused job to show
 *
 * Sets [property@GIsleGtk.DebugPanel:debugger]. A job it has paused
 * already shows at once.
 */
void
gisle_gtk_debug_panel_set_debugger (GIsleGtkDebugPanel *self,
                                    GIsleDebugger      *debugger)
{
  g_return_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self));
  g_return_if_fail (debugger == NULL || G_IS_ISLE_DEBUGGER (debugger));

  if (self->debugger == debugger)
    return;
  if (self->debugger != NULL)
    g_signal_handlers_disconnect_by_data (self->debugger, self);
  g_set_object (&self->debugger, debugger);
  if (self->frames != NULL)
    clear_pause (self, debugger != NULL ? _("Running")
                                        : _("Not debugging: press Debug to run the script with its breakpoints."));
  if (debugger != NULL)
    {
      g_signal_connect (debugger, "paused", G_CALLBACK (paused_cb), self);
      g_signal_connect (debugger, "resumed", G_CALLBACK (resumed_cb), self);
      if (g_isle_debugger_is_paused (debugger))
        paused_cb (debugger, G_ISLE_PAUSE_REASON_REQUEST, "", -1, NULL, self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEBUGGER]);
}

/**
 * gisle_gtk_debug_panel_get_stack:
 * @self: a debug panel
 *
 * Gets the call stack of the paused job, innermost frame first: a row's
 * name is the function, its text `chunk:line`, its value the frame as
 * g_isle_debugger_get_stack() gives it. Empty while nothing is paused.
 *
 * Returns: (transfer none): a list of [class@GIsleGtk.DebugItem]
 */
GListModel *
gisle_gtk_debug_panel_get_stack (GIsleGtkDebugPanel *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self), NULL);

  return G_LIST_MODEL (self->frames);
}

/**
 * gisle_gtk_debug_panel_get_selected_frame:
 * @self: a debug panel
 *
 * Gets the frame whose variables are shown and in which watches are
 * evaluated.
 *
 * Returns: the frame's number, 0 for the innermost
 */
guint
gisle_gtk_debug_panel_get_selected_frame (GIsleGtkDebugPanel *self)
{
  guint selected;

  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self), 0);

  selected = gtk_single_selection_get_selected (self->frame_selection);
  return selected == GTK_INVALID_LIST_POSITION ? 0 : selected;
}

/**
 * gisle_gtk_debug_panel_set_selected_frame:
 * @self: a debug panel
 * @frame: a frame's number, 0 for the innermost
 *
 * Selects a frame of the stack, as a click on it does: its variables
 * are fetched and the watches evaluated there.
 */
void
gisle_gtk_debug_panel_set_selected_frame (GIsleGtkDebugPanel *self,
                                          guint               frame)
{
  g_return_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self));

  if (frame < g_list_model_get_n_items (G_LIST_MODEL (self->frames)))
    gtk_single_selection_set_selected (self->frame_selection, frame);
}

/**
 * gisle_gtk_debug_panel_get_variables:
 * @self: a debug panel
 *
 * Gets the variables of the selected frame as a tree: the locals, then
 * groups for upvalues and varargs; a table's entries are its children.
 * Each row's item is a [class@GIsleGtk.DebugItem].
 *
 * Returns: (transfer none): the tree of variables
 */
GtkTreeListModel *
gisle_gtk_debug_panel_get_variables (GIsleGtkDebugPanel *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self), NULL);

  return self->variables;
}

/**
 * gisle_gtk_debug_panel_get_watches:
 * @self: a debug panel
 *
 * Gets the watch expressions: a row's name is the expression, its text
 * the value in the selected frame while paused (or the error), empty
 * otherwise.
 *
 * Returns: (transfer none): a list of [class@GIsleGtk.DebugItem]
 */
GListModel *
gisle_gtk_debug_panel_get_watches (GIsleGtkDebugPanel *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self), NULL);

  return G_LIST_MODEL (self->watches);
}

/**
 * gisle_gtk_debug_panel_add_watch:
 * @self: a debug panel
 * @expression: a Lua expression
 *
 * Adds a watch expression, evaluated in the selected frame whenever the
 * job pauses (and at once if it is paused).
 */
void
gisle_gtk_debug_panel_add_watch (GIsleGtkDebugPanel *self,
                                 const char         *expression)
{
  g_autoptr(GIsleGtkDebugItem) watch = NULL;

  g_return_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self));
  g_return_if_fail (expression != NULL);

  watch = gisle_gtk_debug_item_new (expression, "", NULL);
  g_list_store_append (self->watches, watch);
  evaluate_watch (self, g_list_model_get_n_items (G_LIST_MODEL (self->watches)) - 1);
}

/**
 * gisle_gtk_debug_panel_remove_watch:
 * @self: a debug panel
 * @position: the watch's position in [method@GIsleGtk.DebugPanel.get_watches]
 *
 * Removes a watch expression.
 */
void
gisle_gtk_debug_panel_remove_watch (GIsleGtkDebugPanel *self,
                                    guint               position)
{
  g_return_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self));

  if (position < g_list_model_get_n_items (G_LIST_MODEL (self->watches)))
    g_list_store_remove (self->watches, position);
}

/**
 * gisle_gtk_debug_panel_get_loading:
 * @self: a debug panel
 *
 * Gets whether answers about the paused job are still on their way.
 *
 * Returns: the value of [property@GIsleGtk.DebugPanel:loading]
 */
gboolean
gisle_gtk_debug_panel_get_loading (GIsleGtkDebugPanel *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_PANEL (self), FALSE);

  return self->pending > 0;
}
