/* gisle-gtk-debug-hover.c: while a debugged script is paused, hovering a
 * name in the editor shows its value: the name (with the fields before
 * it, "a.b.c") is evaluated in the innermost frame of the paused job.
 *
 * Floor 3 of lib/gtk: calls gisle-gtk-editor.c (which name is under the
 * pointer) and gisle-gtk-format.c. Thread rule: main thread only;
 * GtkSourceView asks there, and the debugger answers in the isle's main
 * context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"
#include "gisle-gtk-debug-hover.h"

/* A value on hover stays readable: longer ones are cut. */
#define MAX_CHARS 2000

struct _GIsleGtkDebugHover {
  GObject parent_instance;

  GIsleDebugger *debugger;   /* weak: the console's session owns it */
};

static void hover_provider_iface_init (GtkSourceHoverProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GIsleGtkDebugHover, gisle_gtk_debug_hover, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GTK_SOURCE_TYPE_HOVER_PROVIDER, hover_provider_iface_init))

typedef struct {
  GtkSourceHoverDisplay *display;
  char *expression;
} Hover;

static void
hover_free (Hover *hover)
{
  g_object_unref (hover->display);
  g_free (hover->expression);
  g_free (hover);
}

static void
evaluate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Hover *hover = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_debugger_evaluate_finish (G_ISLE_DEBUGGER (source), result, &error);
  g_autofree char *shown = NULL;
  g_autofree char *text = NULL;
  GtkWidget *label;

  /* A name that is not a variable here (a keyword, a typo) shows nothing. */
  if (value == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  shown = gisle_gtk_format_value (value);
  if (g_utf8_strlen (shown, -1) > MAX_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (shown, 0, MAX_CHARS);

      g_free (shown);
      shown = g_strconcat (cut, "…", NULL);
    }
  text = g_strdup_printf ("%s = %s", hover->expression, shown);
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_source_hover_display_append (hover->display, label);
  g_task_return_boolean (task, TRUE);
}

static void
gisle_gtk_debug_hover_populate_async (GtkSourceHoverProvider *provider,
                                      GtkSourceHoverContext  *context,
                                      GtkSourceHoverDisplay  *display,
                                      GCancellable           *cancellable,
                                      GAsyncReadyCallback     callback,
                                      gpointer                user_data)
{
  GIsleGtkDebugHover *self = GISLE_GTK_DEBUG_HOVER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GtkSourceView *view = gtk_source_hover_context_get_view (context);
  GtkTextIter iter;
  g_autofree char *expression = NULL;
  Hover *hover;

  g_task_set_source_tag (task, gisle_gtk_debug_hover_populate_async);
  if (self->debugger == NULL || !g_isle_debugger_is_paused (self->debugger)
      || !GISLE_GTK_IS_EDITOR (view) || !gtk_source_hover_context_get_iter (context, &iter)
      || (expression = gisle_gtk_editor_get_expression_at (GISLE_GTK_EDITOR (view), &iter)) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Nothing to show");
      return;
    }
  hover = g_new0 (Hover, 1);
  hover->display = g_object_ref (display);
  hover->expression = g_steal_pointer (&expression);
  g_task_set_task_data (task, hover, (GDestroyNotify) hover_free);
  g_isle_debugger_evaluate_async (self->debugger, 0, hover->expression, cancellable,
                                  evaluate_cb, g_steal_pointer (&task));
}

static gboolean
gisle_gtk_debug_hover_populate_finish (GtkSourceHoverProvider  *provider,
                                       GAsyncResult            *result,
                                       GError                 **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
hover_provider_iface_init (GtkSourceHoverProviderInterface *iface)
{
  iface->populate_async = gisle_gtk_debug_hover_populate_async;
  iface->populate_finish = gisle_gtk_debug_hover_populate_finish;
}

static void
gisle_gtk_debug_hover_dispose (GObject *object)
{
  GIsleGtkDebugHover *self = GISLE_GTK_DEBUG_HOVER (object);

  g_clear_weak_pointer (&self->debugger);

  G_OBJECT_CLASS (gisle_gtk_debug_hover_parent_class)->dispose (object);
}

static void
gisle_gtk_debug_hover_class_init (GIsleGtkDebugHoverClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gisle_gtk_debug_hover_dispose;
}

static void
gisle_gtk_debug_hover_init (GIsleGtkDebugHover *self)
{
}

GIsleGtkDebugHover *
gisle_gtk_debug_hover_new (GIsleDebugger *debugger)
{
  GIsleGtkDebugHover *self = g_object_new (GISLE_GTK_TYPE_DEBUG_HOVER, NULL);

  g_set_weak_pointer (&self->debugger, debugger);
  return self;
}
