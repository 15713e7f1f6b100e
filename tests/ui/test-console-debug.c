/* test-console-debug.c: the console's profile and debug flows, as the user
 * sees them: the heat margin and the function table after a profiled run,
 * breakpoints toggled in the editor's gutter, the debug actions and keys,
 * the paused line, the stack, the variables and the watches.
 *
 * Like test-console.c: a real window of the real application in a real X
 * server, driven through its actions, iterating the main context until
 * the expected state is reached, failing after a deadline; nothing
 * sleeps. Run under xvfb-run and dbus-run-session (tests/ui/meson.build).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <gdk/x11/gdkx.h>
#include <string.h>

#include "gisle-console-app.h"
#include "gisle-console-window.h"

static GisleConsoleApp *app;

/* Iterates the main context until @cond holds; fails the test (and returns
 * from it) when @ms pass first. A 5 ms tick keeps the loop waking up. */
#define WAIT_FOR(cond, ms) G_STMT_START {                                     \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (ms) * 1000;       \
    while (!(cond) && g_get_monotonic_time () < deadline_)                   \
      g_main_context_iteration (NULL, TRUE);                                 \
    if (!(cond))                                                             \
      {                                                                      \
        g_test_fail_printf ("%s:%d: timed out after %d ms waiting for %s",   \
                            __FILE__, __LINE__, (int) (ms), #cond);          \
        return;                                                              \
      }                                                                      \
  } G_STMT_END

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static GisleConsoleWindow *
new_window (void)
{
  GisleConsoleWindow *window = gisle_console_window_new (GTK_APPLICATION (app),
                                                         gisle_console_app_get_settings (app));

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static GIsleGtkConsole *
console_of (GisleConsoleWindow *window)
{
  return gisle_console_window_get_console (window);
}

static gboolean
running (GisleConsoleWindow *window)
{
  return gisle_gtk_console_get_busy (console_of (window));
}

/* Finds the first descendant of @widget of @type. */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
row_label (GListModel *model,
           guint       position)
{
  g_autoptr(GIsleGtkProfileFunction) fn = g_list_model_get_item (model, position);

  g_assert_nonnull (fn);
  /* The model holds the row, so the label outlives this reference. */
  return gisle_gtk_profile_function_get_label (fn);
}

#define HOT_SCRIPT                                                         \
  "local function hot(n)\n"                                                \
  "  local s = 0\n"                                                        \
  "  for i = 1, n do s = s + i end\n"                                      \
  "  return s\n"                                                           \
  "end\n"                                                                  \
  "local function warm(n)\n"                                               \
  "  local t = {}\n"                                                       \
  "  for i = 1, n do t[i] = i end\n"                                       \
  "  return #t\n"                                                          \
  "end\n"                                                                  \
  "for i = 1, 400 do hot(20000) end\n"                                     \
  "for i = 1, 10 do warm(10000) end\n"

/* Profile runs the script with the profiler: the hottest line carries
 * the most heat in the editor's margin, and the side panel's table,
 * sorted by self samples, starts with the hot function. */
static void
test_profile_heat (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkWidget *view_widget = find_widget (GTK_WIDGET (window), GISLE_GTK_TYPE_PROFILE_VIEW);
  GIsleGtkProfileView *view;
  GListModel *model;
  GtkColumnView *columns;
  g_autoptr(GListModel) column_list = NULL;
  g_autoptr(GtkColumnViewColumn) function_column = NULL;
  g_autoptr(GtkColumnViewColumn) self_column = NULL;
  g_autoptr(GtkColumnViewColumn) total_column = NULL;
  double hottest = 0, sum = 0;
  int hottest_line = -1;

  g_assert_nonnull (view_widget);
  view = GISLE_GTK_PROFILE_VIEW (view_widget);
  model = gisle_gtk_profile_view_get_model (view);

  /* Nothing before a profiled run: no heat, an empty table, no panel. */
  g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, 3), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_false (gtk_widget_is_visible (view_widget));

  g_action_group_activate_action (gisle_gtk_console_get_actions (console), "profile", NULL);
  gisle_console_window_set_code (window, HOT_SCRIPT);
  g_action_group_activate_action (G_ACTION_GROUP (window), "run", NULL);
  WAIT_FOR (!running (window) && gisle_gtk_console_get_profile (console) != NULL, 30000);

  /* The heat margin: line 3, the hot loop, has the most. */
  for (int line = 1; line <= 13; line++)
    {
      double heat = gisle_gtk_editor_get_line_heat (editor, line);

      g_assert_cmpfloat (heat, >=, 0);
      sum += heat;
      if (heat > hottest)
        hottest = heat, hottest_line = line;
    }
  g_test_message ("hottest line %d with %.1f %% of the samples", hottest_line, 100 * hottest);
  g_assert_cmpint (hottest_line, ==, 3);
  g_assert_cmpfloat (hottest, >, 0.5);
  g_assert_cmpfloat (sum, <=, 1.0 + 1e-9);
  g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, 5), ==, 0);   /* "end" */

  /* The table, shown in the side panel, sorted by self samples. */
  WAIT_FOR (gtk_widget_is_visible (view_widget), 1000);
  g_assert_true (gisle_gtk_profile_view_get_profile (view) == gisle_gtk_console_get_profile (console));
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, 2);
  g_assert_cmpstr (row_label (model, 0), ==, "hot@untitled.lua:1");

  /* Sorted by total samples, the main chunk, on every stack, comes first;
   * by name, ascending, "(main)" sorts before letters. */
  columns = gisle_gtk_profile_view_get_column_view (view);
  column_list = G_LIST_MODEL (g_object_ref (gtk_column_view_get_columns (columns)));
  g_assert_cmpuint (g_list_model_get_n_items (column_list), ==, 3);
  function_column = g_list_model_get_item (column_list, 0);
  self_column = g_list_model_get_item (column_list, 1);
  total_column = g_list_model_get_item (column_list, 2);
  g_assert_cmpstr (gtk_column_view_column_get_title (self_column), ==, "Self");
  g_assert_cmpstr (gtk_column_view_column_get_title (total_column), ==, "Total");
  gtk_column_view_sort_by_column (columns, total_column, GTK_SORT_DESCENDING);
  g_assert_cmpstr (row_label (model, 0), ==, "(main)@untitled.lua:0");
  gtk_column_view_sort_by_column (columns, self_column, GTK_SORT_ASCENDING);
  g_assert_cmpstr (row_label (model, g_list_model_get_n_items (model) - 1), ==, "hot@untitled.lua:1");
  gtk_column_view_sort_by_column (columns, self_column, GTK_SORT_DESCENDING);
  g_assert_cmpstr (row_label (model, 0), ==, "hot@untitled.lua:1");

  /* Editing the script drops the heat: the lines have moved. */
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), "\n", 1);
  g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, 3), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A script that is not the editor's text leaves the margin alone. */
static void
test_profile_other_script (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);

  gisle_console_window_set_code (window, HOT_SCRIPT);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console), "profile", NULL);
  g_assert_true (gisle_gtk_console_run_script (console, HOT_SCRIPT "-- elsewhere\n", "untitled.lua"));
  WAIT_FOR (!running (window) && gisle_gtk_console_get_profile (console) != NULL, 30000);
  for (int line = 1; line <= 13; line++)
    g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, line), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gsize
breakpoints (GIsleGtkEditor *editor,
             int             expected[],
             gsize           n_expected)
{
  gsize n = 0;
  g_autofree int *lines = gisle_gtk_editor_get_breakpoints (editor, &n);

  g_assert_cmpmem (lines, n * sizeof (int), expected, n_expected * sizeof (int));
  return n;
}

static void
count_cb (GIsleGtkEditor *editor,
          gpointer        user_data)
{
  (*(guint *) user_data)++;
}

/* Clicking the gutter toggles a breakpoint; the editor tells which lines
 * have one, and the marks move with the text. */
static void
test_breakpoints (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  GtkTextIter iter;
  guint changes = 0;

  gisle_console_window_set_code (window, "local a = 1\nlocal b = 2\nlocal c = 3\nreturn a + b + c\n");
  g_signal_connect (editor, "breakpoints-changed", G_CALLBACK (count_cb), &changes);
  breakpoints (editor, NULL, 0);

  /* A click in the gutter beside line 2, as GtkSourceView reports it. */
  gtk_text_buffer_get_iter_at_line (buffer, &iter, 1);
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_PRIMARY, 0, 1);
  breakpoints (editor, (int []) { 2 }, 1);
  g_assert_cmpuint (changes, ==, 1);
  /* A second click removes it; other buttons do nothing. */
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_SECONDARY, 0, 1);
  breakpoints (editor, (int []) { 2 }, 1);
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_PRIMARY, 0, 1);
  breakpoints (editor, NULL, 0);
  g_assert_cmpuint (changes, ==, 2);

  g_assert_true (gisle_gtk_editor_toggle_breakpoint (editor, 3));
  gisle_gtk_editor_set_breakpoint (editor, 1, TRUE);
  gisle_gtk_editor_set_breakpoint (editor, 1, TRUE);   /* no change */
  gisle_gtk_editor_set_breakpoint (editor, 99, TRUE);  /* out of range */
  breakpoints (editor, (int []) { 1, 3 }, 2);
  g_assert_cmpuint (changes, ==, 4);

  /* A line inserted at the top moves them down with their code. */
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_insert (buffer, &iter, "-- a comment\n", -1);
  breakpoints (editor, (int []) { 2, 4 }, 2);

  gisle_gtk_editor_clear_breakpoints (editor);
  breakpoints (editor, NULL, 0);
  g_assert_cmpuint (changes, ==, 5);

  gtk_window_destroy (GTK_WINDOW (window));
}


#define SHAPES_SCRIPT                                                      \
  "local function area(shape)\n"                                           \
  "  local w, h = shape.size.w, shape.size.h\n"                            \
  "  return w * h\n"                                                       \
  "end\n"                                                                  \
  "\n"                                                                     \
  "local shapes = {\n"                                                     \
  "  { name = \"door\", size = { w = 1, h = 2 } },\n"                       \
  "  { name = \"wall\", size = { w = 4, h = 3 } },\n"                       \
  "}\n"                                                                    \
  "local total = 0\n"                                                      \
  "for i, shape in ipairs(shapes) do\n"                                    \
  "  total = total + area(shape)\n"                                        \
  "end\n"                                                                  \
  "print(total)\n"

static GIsleGtkDebugPanel *
panel_of (GisleConsoleWindow *window)
{
  GtkWidget *panel = find_widget (GTK_WIDGET (window), GISLE_GTK_TYPE_DEBUG_PANEL);

  g_assert_nonnull (panel);
  return GISLE_GTK_DEBUG_PANEL (panel);
}

static gboolean
shows (GisleConsoleWindow *window,
       GIsleGtkTextKind    kind,
       const char         *text)
{
  return gisle_gtk_output_has_tag_text (gisle_gtk_console_get_output (console_of (window)), kind, text);
}

static gboolean
paused (GisleConsoleWindow *window)
{
  return gisle_gtk_console_get_paused (console_of (window));
}

/* Paused, with the panel's answers in. */
static gboolean
settled (GisleConsoleWindow *window)
{
  GIsleGtkDebugPanel *panel = panel_of (window);

  return paused (window) && !gisle_gtk_debug_panel_get_loading (panel)
         && g_list_model_get_n_items (gisle_gtk_debug_panel_get_stack (panel)) > 0;
}

static gboolean
enabled (GisleConsoleWindow *window,
         const char         *action)
{
  return g_action_group_get_action_enabled (gisle_gtk_console_get_actions (console_of (window)), action);
}

/* Delivers a key press to the console's key controller on its window,
 * as GTK does (GTK 4.8 cannot synthesize key events); returns whether it
 * was taken. The controller reads the keys for the whole window. */
static gboolean
press_key (GisleConsoleWindow *window,
           const char         *accelerator)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  guint keyval = 0;
  GdkModifierType state = 0;

  g_assert_true (gtk_accelerator_parse (accelerator, &keyval, &state));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);
      gboolean handled = FALSE;

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "gisle-console-debug-keys") != 0)
        continue;
      g_assert_cmpint (gtk_event_controller_get_propagation_phase (controller), ==, GTK_PHASE_CAPTURE);
      g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
      return handled;
    }
  g_assert_not_reached ();
}

static void
press (GisleConsoleWindow *window,
       const char         *accelerator)
{
  g_assert_true (press_key (window, accelerator));
}

static GIsleGtkDebugItem *
row_item (GListModel *model,
          guint       position)
{
  g_autoptr(GObject) object = g_list_model_get_item (model, position);

  if (GTK_IS_TREE_LIST_ROW (object))
    return gtk_tree_list_row_get_item (GTK_TREE_LIST_ROW (object));
  return g_steal_pointer ((GIsleGtkDebugItem **) &object);
}

/* The text of the row named @name at the top of @model (or, with a tree,
 * any row shown), or NULL. */
static const char *
text_of (GListModel *model,
         const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GIsleGtkDebugItem) item = row_item (model, i);

      if (g_strcmp0 (gisle_gtk_debug_item_get_name (item), name) == 0)
        return gisle_gtk_debug_item_get_text (item);   /* held by the model */
    }
  return NULL;
}

static void
expand (GtkTreeListModel *tree,
        const char       *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tree)); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (tree), i);
      g_autoptr(GIsleGtkDebugItem) item = gtk_tree_list_row_get_item (row);

      if (g_str_equal (gisle_gtk_debug_item_get_name (item), name))
        {
          g_assert_true (gtk_tree_list_row_is_expandable (row));
          gtk_tree_list_row_set_expanded (row, TRUE);
          return;
        }
    }
  g_assert_not_reached ();
}

/* The whole flow: F5 runs the script with its breakpoints, the paused
 * line is highlighted, the stack, variables and watches show the paused
 * frame, F10 steps, breakpoints change while running, and the end of the
 * script ends the session. */
static void
test_debug_flow (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GIsleGtkDebugPanel *panel = panel_of (window);
  GListModel *stack = gisle_gtk_debug_panel_get_stack (panel);
  GtkTreeListModel *variables = gisle_gtk_debug_panel_get_variables (panel);
  GListModel *watches = gisle_gtk_debug_panel_get_watches (panel);
  g_autoptr(GIsleGtkDebugItem) top = NULL;

  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gisle_gtk_editor_set_breakpoint (editor, 3, TRUE);
  gisle_gtk_editor_set_breakpoint (editor, 14, TRUE);
  gisle_gtk_debug_panel_add_watch (panel, "w * h");
  gisle_gtk_debug_panel_add_watch (panel, "shape.name");
  g_assert_true (enabled (window, "debug"));
  g_assert_false (enabled (window, "step-over"));
  g_assert_null (gisle_gtk_console_get_debugger (console));

  /* Not paused, the steps' keys are not taken (F10 opens the main menu). */
  g_assert_false (press_key (window, "F10"));
  g_assert_false (press_key (window, "F11"));
  g_assert_false (press_key (window, "<Shift>F11"));

  /* F5 with nothing running: Debug. */
  press (window, "F5");
  g_assert_nonnull (gisle_gtk_console_get_debugger (console));
  g_assert_true (gisle_gtk_debug_panel_get_debugger (panel) == gisle_gtk_console_get_debugger (console));
  WAIT_FOR (settled (window), 10000);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (panel)));
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, 3);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Paused at untitled.lua:3, at a breakpoint."));
  g_assert_true (enabled (window, "step-over") && enabled (window, "continue"));
  g_assert_false (enabled (window, "debug"));
  /* Paused, the header's spinner stops. */
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (find_widget (gtk_window_get_titlebar (GTK_WINDOW (window)),
                                                                       GTK_TYPE_SPINNER))));

  /* The stack: area() on top, called from the main chunk. */
  g_assert_cmpuint (g_list_model_get_n_items (stack), ==, 2);
  top = row_item (stack, 0);
  g_assert_cmpstr (gisle_gtk_debug_item_get_name (top), ==, "area");
  g_assert_cmpstr (gisle_gtk_debug_item_get_text (top), ==, "untitled.lua:3");
  g_clear_object (&top);
  top = row_item (stack, 1);
  g_assert_cmpstr (gisle_gtk_debug_item_get_name (top), ==, "(main)");
  g_assert_cmpstr (gisle_gtk_debug_item_get_text (top), ==, "untitled.lua:12");

  /* The variables of area(), a table opening into its fields. */
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "w"), ==, "1");
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "h"), ==, "2");
  g_assert_null (text_of (G_LIST_MODEL (variables), "name"));
  expand (variables, "shape");
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "name"), ==, "\"door\"");
  expand (variables, "size");
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "size"), ==, "{ h = 2, w = 1 }");

  /* The watches, in the paused frame. */
  g_assert_cmpstr (text_of (watches, "w * h"), ==, "2");
  g_assert_cmpstr (text_of (watches, "shape.name"), ==, "\"door\"");

  /* The caller's frame: its locals; "w * h" fails there (no w). */
  gisle_gtk_debug_panel_set_selected_frame (panel, 1);
  WAIT_FOR (!gisle_gtk_debug_panel_get_loading (panel), 5000);
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "total"), ==, "0");
  g_assert_nonnull (text_of (G_LIST_MODEL (variables), "shapes"));
  g_assert_nonnull (strstr (text_of (watches, "w * h"), "attempt to perform arithmetic"));

  /* F10 steps over the return: back in the caller's line 12, where the
   * sum is still to be done; area() is gone. */
  press (window, "F10");
  WAIT_FOR (settled (window) && gisle_gtk_editor_get_paused_line (editor) != 3, 5000);
  g_assert_cmpuint (g_list_model_get_n_items (stack), ==, 1);
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, 12);

  /* F5 goes on to the breakpoint, in the second call. */
  press (window, "F5");
  WAIT_FOR (settled (window) && gisle_gtk_editor_get_paused_line (editor) == 3, 5000);
  WAIT_FOR (text_of (watches, "shape.name") != NULL && g_str_equal (text_of (watches, "shape.name"), "\"wall\""), 5000);
  g_assert_cmpstr (text_of (watches, "w * h"), ==, "12");

  /* A breakpoint removed while paused is gone for the rest of the run. */
  g_assert_false (gisle_gtk_editor_toggle_breakpoint (editor, 3));
  press (window, "F5");
  WAIT_FOR (settled (window) && gisle_gtk_editor_get_paused_line (editor) == 14, 5000);
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "total"), ==, "14");

  /* The end of the script ends the session. */
  press (window, "F5");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_OUTPUT, "14"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Finished in"));
  g_assert_null (gisle_gtk_console_get_debugger (console));
  g_assert_null (gisle_gtk_debug_panel_get_debugger (panel));
  g_assert_cmpuint (g_list_model_get_n_items (stack), ==, 0);
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, -1);
  g_assert_false (paused (window));
  g_assert_true (enabled (window, "debug"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* F11 steps into the called function, Shift+F11 out of it again. */
static void
test_step_into_out (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GListModel *stack = gisle_gtk_debug_panel_get_stack (panel_of (window));
  g_autoptr(GIsleGtkDebugItem) top = NULL;

  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gisle_gtk_editor_set_breakpoint (editor, 12, TRUE);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (settled (window), 10000);
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, 12);

  press (window, "F11");
  WAIT_FOR (settled (window) && gisle_gtk_editor_get_paused_line (editor) == 2, 5000);
  top = row_item (stack, 0);
  g_assert_cmpstr (gisle_gtk_debug_item_get_name (top), ==, "area");

  /* Out: back in the caller, on the line of the call. */
  press (window, "<Shift>F11");
  WAIT_FOR (settled (window) && g_list_model_get_n_items (stack) == 1, 5000);
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, 12);

  gisle_gtk_console_stop (console_of (window));
  WAIT_FOR (!running (window), 5000);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Stop while paused ends the script, as any Stop does. */
static void
test_stop_while_paused (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);

  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gisle_gtk_editor_set_breakpoint (editor, 3, TRUE);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console), "debug", NULL);
  WAIT_FOR (paused (window), 10000);
  g_assert_true (enabled (window, "stop"));
  g_action_group_activate_action (gisle_gtk_console_get_actions (console), "stop", NULL);
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"));
  g_assert_false (shows (window, GISLE_GTK_TEXT_OUTPUT, "14"));
  g_assert_null (gisle_gtk_console_get_debugger (console));
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, -1);

  /* The isle is fine afterwards, without a debugger. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "run", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_OUTPUT, "14"), 5000);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
repl_enter (GisleConsoleWindow *window,
            const char         *line)
{
  gisle_gtk_console_set_input_text (console_of (window), line);
  gisle_gtk_console_submit_input (console_of (window));
}

/* While paused, the REPL evaluates in the paused frame: expressions
 * print their value, statements set its variables, errors show. */
static void
test_repl_while_paused (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  g_auto(GStrv) history = NULL;

  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gisle_gtk_editor_set_breakpoint (editor, 3, TRUE);
  gisle_gtk_editor_set_breakpoint (editor, 14, TRUE);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (settled (window), 10000);

  repl_enter (window, "w * h, shape.name");
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_RESULT, "2"), 5000);
  repl_enter (window, "h = 100");
  repl_enter (window, "nosuch.field");
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_ERROR, "attempt to index a nil value"), 5000);
  g_assert_false (shows (window, GISLE_GTK_TEXT_INFO, "A script is running"));
  history = gisle_gtk_console_dup_history (console_of (window));
  g_assert_cmpuint (g_strv_length (history), ==, 3);
  g_assert_cmpstr (history[1], ==, "h = 100");

  /* The assignment took: the first area() returns 1 * 100. */
  gisle_gtk_editor_set_breakpoint (editor, 3, FALSE);
  press (window, "F5");
  WAIT_FOR (settled (window) && gisle_gtk_editor_get_paused_line (editor) == 14, 5000);
  repl_enter (window, "total");
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_RESULT, "112"), 5000);

  gisle_gtk_console_stop (console_of (window));
  WAIT_FOR (!running (window), 5000);
  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkWidget *
find_visible (GtkWidget *widget,
              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_visible (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_visible (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A right click in the gutter asks for a condition; the script pauses
 * there only when it holds. */
static void
test_conditional_breakpoint (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  GtkTreeListModel *variables = gisle_gtk_debug_panel_get_variables (panel_of (window));
  GtkWidget *popover, *entry;
  GtkTextIter iter;
  g_autofree char *condition = NULL;

  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gtk_text_buffer_get_iter_at_line (buffer, &iter, 2);
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_SECONDARY, 0, 1);
  popover = find_visible (GTK_WIDGET (editor), GTK_TYPE_POPOVER);
  g_assert_nonnull (popover);
  entry = find_visible (popover, GTK_TYPE_ENTRY);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "shape.name == 'wall'");
  g_signal_emit_by_name (entry, "activate");
  WAIT_FOR (!gtk_widget_get_visible (popover), 2000);
  breakpoints (editor, (int []) { 3 }, 1);
  condition = gisle_gtk_editor_dup_breakpoint_condition (editor, 3);
  g_assert_cmpstr (condition, ==, "shape.name == 'wall'");

  /* Only the second call of area() pauses: the wall, 4 by 3. */
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (settled (window), 10000);
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "w"), ==, "4");
  g_assert_cmpstr (text_of (G_LIST_MODEL (variables), "h"), ==, "3");

  /* Cleared (empty), the breakpoint stays and pauses always. */
  gisle_gtk_editor_set_breakpoint_condition (editor, 3, "");
  g_clear_pointer (&condition, g_free);
  condition = gisle_gtk_editor_dup_breakpoint_condition (editor, 3);
  g_assert_null (condition);
  breakpoints (editor, (int []) { 3 }, 1);

  gisle_gtk_console_stop (console_of (window));
  WAIT_FOR (!running (window), 5000);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Closing the window while paused ends the script and the session
 * without a warning; another window debugs at once. */
static void
test_close_while_paused (void)
{
  GisleConsoleWindow *window = new_window ();
  g_autoptr(GIsle) isle = g_object_ref (gisle_console_window_get_isle (window));

  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gisle_gtk_editor_set_breakpoint (gisle_console_window_get_editor (window), 3, TRUE);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (paused (window), 10000);
  gtk_window_destroy (GTK_WINDOW (window));
  /* The isle is closed with its window; its job ended. */
  WAIT_FOR (g_isle_is_closed (isle), 5000);

  window = new_window ();
  gisle_console_window_set_code (window, SHAPES_SCRIPT);
  gisle_gtk_editor_set_breakpoint (gisle_console_window_get_editor (window), 14, TRUE);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (settled (window), 10000);
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (gisle_console_window_get_editor (window)), ==, 14);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Moves the X pointer over (@x, @y) of @widget, with xdotool (the path
 * is in XDOTOOL): real motion events, as the user's. */
static void
move_pointer (GtkWidget *widget,
              double     x,
              double     y)
{
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t point;
  double dx, dy;
  g_autofree char *xid = NULL;
  g_autofree char *px = NULL;
  g_autofree char *py = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &GRAPHENE_POINT_INIT (x, y), &point));
  gtk_native_get_surface_transform (native, &dx, &dy);
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (native)));
  px = g_strdup_printf ("%d", (int) (point.x + dx));
  py = g_strdup_printf ("%d", (int) (point.y + dy));
  {
    const char *argv[] = { g_getenv ("XDOTOOL"), "mousemove", "--window", xid, px, py, NULL };

    g_assert_nonnull (argv[0]);
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0
      && gtk_widget_is_visible (widget))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

/* Hovering a name in the editor while paused shows its value; not
 * paused, nothing. */
static void
test_hover (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  GdkRectangle rect;
  GtkTextIter iter;
  int x, y;

  gisle_console_window_set_code (window, "local apple = { seeds = 5 }\n"
                                         "local b = 2\n"
                                         "print(apple.seeds + b)\n");
  gisle_gtk_editor_set_breakpoint (editor, 3, TRUE);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (settled (window), 10000);

  /* "seeds" of "apple.seeds", on line 3. */
  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 2, 13);
  gtk_text_view_get_iter_location (GTK_TEXT_VIEW (editor), &iter, &rect);
  gtk_text_view_buffer_to_window_coords (GTK_TEXT_VIEW (editor), GTK_TEXT_WINDOW_WIDGET,
                                         rect.x, rect.y, &x, &y);
  move_pointer (GTK_WIDGET (editor), x + 3, y + rect.height / 2.0);
  move_pointer (GTK_WIDGET (editor), x + 4, y + rect.height / 2.0);
  WAIT_FOR (shows_label (GTK_WIDGET (editor), "apple.seeds = 5"), 5000);

  gisle_gtk_console_stop (console_of (window));
  WAIT_FOR (!running (window), 5000);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* An error nothing catches pauses where it was raised; going on reports
 * it as usual. */
static void
test_pause_on_error (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GIsleGtkDebugPanel *panel = panel_of (window);

  gisle_console_window_set_code (window, "local function f(t)\n  return t.x.y\nend\nf({})\n");
  g_action_group_activate_action (gisle_gtk_console_get_actions (console_of (window)), "debug", NULL);
  WAIT_FOR (settled (window), 10000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Paused at untitled.lua:2 on an error:"));
  g_assert_cmpint (gisle_gtk_editor_get_paused_line (editor), ==, 2);
  g_assert_cmpstr (text_of (G_LIST_MODEL (gisle_gtk_debug_panel_get_variables (panel)), "t"), ==, "{}");
  press (window, "F5");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_ERROR, "attempt to index a nil value"));
  g_assert_cmpint (gisle_gtk_editor_get_error_line (editor), ==, 2);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* What hovering evaluates: the name under the pointer with the fields
 * before it; nothing on keywords, numbers, strings or comments. */
static void
test_hover_expression (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  struct { int line, column; const char *expected; } cases[] = {
    { 1, 12, "shape.size.w" },   /* on "w" of ".w" */
    { 1, 0, NULL },              /* the space before the name */
    { 0, 6, "w" },
    { 1, 10, "shape.size" },
    { 1, 3, "shape" },
    { 2, 3, NULL },              /* "return" */
    { 3, 12, NULL },             /* in a string */
    { 4, 3, NULL },              /* in a comment */
    { 5, 10, NULL },             /* a number */
  };

  gisle_console_window_set_code (window, "local w = 1\n"
                                         " shape.size.w = 2\n"
                                         "return x\n"
                                         "local s = \"shape\"\n"
                                         "-- shape\n"
                                         "local n = 42\n");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GtkTextIter iter;
      g_autofree char *expression = NULL;

      gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, cases[i].line, cases[i].column);
      expression = gisle_gtk_editor_get_expression_at (editor, &iter);
      g_test_message ("line %d column %d: %s", cases[i].line, cases[i].column,
                      expression != NULL ? expression : "(none)");
      g_assert_cmpstr (expression, ==, cases[i].expected);
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* These tests need a display; they are run under xvfb-run only, and
   * fail (rather than skip) without one. */
  if (!gtk_init_check ())
    {
      g_printerr ("Bail out! No display: run the UI tests under xvfb-run\n");
      return 1;
    }

  app = gisle_console_app_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    g_error ("could not register the application");
  g_application_hold (G_APPLICATION (app));
  g_timeout_add (5, tick_cb, NULL);

  g_test_add_func ("/console-debug/profile-heat", test_profile_heat);
  g_test_add_func ("/console-debug/profile-other-script", test_profile_other_script);
  g_test_add_func ("/console-debug/breakpoints", test_breakpoints);
  g_test_add_func ("/console-debug/debug-flow", test_debug_flow);
  g_test_add_func ("/console-debug/step-into-out", test_step_into_out);
  g_test_add_func ("/console-debug/stop-while-paused", test_stop_while_paused);
  g_test_add_func ("/console-debug/pause-on-error", test_pause_on_error);
  g_test_add_func ("/console-debug/close-while-paused", test_close_while_paused);
  g_test_add_func ("/console-debug/repl-while-paused", test_repl_while_paused);
  g_test_add_func ("/console-debug/conditional-breakpoint", test_conditional_breakpoint);
  g_test_add_func ("/console-debug/hover-expression", test_hover_expression);
  g_test_add_func ("/console-debug/hover", test_hover);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_object_unref (app);
  return status;
}
