/* gisle-gtk-debug-session.c: one debugged run of a script: a debugger
 * attached to the isle for the run, the editor's breakpoints set in it
 * (and kept in step while the script runs), the paused line highlighted
 * in the editor and the hover that shows values while paused. The console
 * owns a session from Debug until the script ends; it handles actions
 * and the transcript itself.
 *
 * Floor 4 of lib/gtk: calls gisle-gtk-debug-hover.c and
 * gisle-gtk-editor.c. Thread rule: main thread only; the debugger's
 * signals arrive in the isle's main context, the console's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-gtk-debug-session.h"
#include "gisle-gtk-debug-hover.h"

struct _GIsleGtkDebugSession {
  GIsleDebugger *debugger;
  GIsleGtkEditor *editor;       /* weak; NULL if the script is not its text */
  char *chunk_name;             /* without "=" or "@", as Lua shows it */
  GIsleGtkDebugHover *hover;
};

static void
set_breakpoints (GIsleGtkDebugSession *self)
{
  g_autofree int *lines = NULL;
  gsize n = 0;

  g_isle_debugger_clear_breakpoints (self->debugger);
  if (self->editor == NULL)
    return;
  lines = gisle_gtk_editor_get_breakpoints (self->editor, &n);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *condition = gisle_gtk_editor_dup_breakpoint_condition (self->editor, lines[i]);

      g_isle_debugger_add_breakpoint (self->debugger, self->chunk_name, (guint) lines[i], condition);
    }
}

static void
breakpoints_changed_cb (GIsleGtkEditor *editor,
                        gpointer        user_data)
{
  set_breakpoints (user_data);
}

static void
paused_cb (GIsleDebugger    *debugger,
           GIslePauseReason  reason,
           const char       *chunk,
           int               line,
           const char       *message,
           gpointer          user_data)
{
  GIsleGtkDebugSession *self = user_data;

  if (self->editor != NULL && g_strcmp0 (chunk, self->chunk_name) == 0)
    gisle_gtk_editor_set_paused_line (self->editor, line);
}

static void
resumed_cb (GIsleDebugger *debugger,
            gpointer       user_data)
{
  GIsleGtkDebugSession *self = user_data;

  if (self->editor != NULL)
    gisle_gtk_editor_set_paused_line (self->editor, -1);
}

/* @editor: (nullable): the editor whose text the script is, or NULL */
GIsleGtkDebugSession *
gisle_gtk_debug_session_new (GIsle           *isle,
                             GIsleGtkEditor  *editor,
                             const char      *chunk_name,
                             GError         **error)
{
  g_autoptr(GIsleDebugger) debugger = g_isle_debugger_new (isle, error);
  GIsleGtkDebugSession *self;

  if (debugger == NULL)
    return NULL;
  self = g_new0 (GIsleGtkDebugSession, 1);
  self->debugger = g_steal_pointer (&debugger);
  self->chunk_name = g_strdup (*chunk_name == '=' || *chunk_name == '@' ? chunk_name + 1 : chunk_name);
  /* An error nothing catches pauses where it was raised, to be looked at. */
  g_isle_debugger_set_pause_on_error (self->debugger, TRUE);
  g_signal_connect (self->debugger, "paused", G_CALLBACK (paused_cb), self);
  g_signal_connect (self->debugger, "resumed", G_CALLBACK (resumed_cb), self);
  if (editor != NULL)
    {
      g_set_weak_pointer (&self->editor, editor);
      g_signal_connect (editor, "breakpoints-changed", G_CALLBACK (breakpoints_changed_cb), self);
      self->hover = gisle_gtk_debug_hover_new (self->debugger);
      gtk_source_hover_add_provider (gtk_source_view_get_hover (GTK_SOURCE_VIEW (editor)),
                                     GTK_SOURCE_HOVER_PROVIDER (self->hover));
    }
  set_breakpoints (self);
  return self;
}

GIsleDebugger *
gisle_gtk_debug_session_get_debugger (GIsleGtkDebugSession *self)
{
  return self->debugger;
}

/* Detaches the debugger (a paused job goes on, or ends if it was
 * cancelled) and leaves the editor as it was. */
void
gisle_gtk_debug_session_free (GIsleGtkDebugSession *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->debugger, self);
  g_isle_debugger_detach (self->debugger);
  g_object_unref (self->debugger);
  if (self->editor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->editor, self);
      gisle_gtk_editor_set_paused_line (self->editor, -1);
      gtk_source_hover_remove_provider (gtk_source_view_get_hover (GTK_SOURCE_VIEW (self->editor)),
                                        GTK_SOURCE_HOVER_PROVIDER (self->hover));
      g_clear_weak_pointer (&self->editor);
    }
  g_clear_object (&self->hover);
  g_free (self->chunk_name);
  g_free (self);
}
