/* console-screenshot.c: renders a console window to a PNG, for the
 * AppStream screenshot (data/screenshots/console.png).
 *
 *   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session \
 *     env GSETTINGS_SCHEMA_DIR=_build/data GSETTINGS_BACKEND=memory GDK_BACKEND=x11 \
 *     _build/tests/ui/console-screenshot data/screenshots/console.png
 *
 * With --running, the picture is taken while the Progress example runs, to
 * check the header bar's spinner, elapsed time and progress bar. With
 * --profiled, after a script with hot functions ran with Profile on, to
 * check the toggle and the report in the transcript.
 *
 * The window is rendered in-process with its own renderer, so the picture
 * does not depend on a window manager or a compositor.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "gisle-console-app.h"
#include "gisle-console-window.h"

#define WIDTH  1000
#define HEIGHT 720

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
frame_cb (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       data)
{
  guint *frames = data;

  (*frames)++;
  return G_SOURCE_CONTINUE;
}

static void
wait_idle (GisleConsoleWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (gisle_gtk_console_get_busy (gisle_console_window_get_console (window)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (gisle_gtk_console_get_busy (gisle_console_window_get_console (window)))
    g_error ("the script did not finish");
}

static void
repl (GisleConsoleWindow *window,
      const char         *line)
{
  GIsleGtkConsole *console = gisle_console_window_get_console (window);

  gisle_gtk_console_set_input_text (console, line);
  gisle_gtk_console_submit_input (console);
  wait_idle (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GisleConsoleApp) app = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GisleConsoleWindow *window;
  GtkSnapshot *snapshot;
  guint frames = 0;
  int width, height;

  gboolean while_running = argc == 3 && g_str_equal (argv[2], "--running");
  gboolean profiled = argc == 3 && g_str_equal (argv[2], "--profiled");
  gboolean debugging = argc == 3 && g_str_equal (argv[2], "--debugging");

  if (argc != 2 && !while_running && !profiled && !debugging)
    {
      g_printerr ("Usage: %s OUTPUT.png [--running|--profiled|--debugging]\n", argv[0]);
      return 2;
    }
  if (!gtk_init_check ())
    {
      g_printerr ("No display: run under xvfb-run\n");
      return 1;
    }

  app = gisle_console_app_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    g_error ("could not register the application");
  g_timeout_add (5, tick_cb, NULL);

  window = gisle_console_window_new (GTK_APPLICATION (app), gisle_console_app_get_settings (app));
  gtk_window_set_default_size (GTK_WINDOW (window), WIDTH, HEIGHT);
  gtk_window_present (GTK_WINDOW (window));

  if (profiled)
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "console.profile", NULL);
      gisle_console_window_set_code (window,
                                     "local function hot(n)\n"
                                     "  local s = 0\n"
                                     "  for i = 1, n do s = s + i end\n"
                                     "  return s\n"
                                     "end\n"
                                     "\n"
                                     "local function fib(n)\n"
                                     "  if n < 2 then return n end\n"
                                     "  return fib(n - 1) + fib(n - 2)\n"
                                     "end\n"
                                     "\n"
                                     "local parts = {}\n"
                                     "for i = 1, 200 do hot(20000) end\n"
                                     "for i = 1, 2000 do parts[#parts + 1] = string.rep('x', 1000) end\n"
                                     "return fib(27), #table.concat(parts)\n");
      g_action_group_activate_action (G_ACTION_GROUP (window), "run", NULL);
      wait_idle (window);
    }
  else if (debugging)
    {
      GIsleGtkConsole *console = gisle_console_window_get_console (window);
      GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
      GIsleGtkDebugPanel *panel = NULL;
      GtkTreeListModel *variables;

      gisle_console_window_set_code (window,
                                     "local function area(shape)\n"
                                     "  local w, h = shape.size.w, shape.size.h\n"
                                     "  return w * h\n"
                                     "end\n"
                                     "\n"
                                     "local shapes = {\n"
                                     "  { name = \"door\", size = { w = 1, h = 2 } },\n"
                                     "  { name = \"wall\", size = { w = 4, h = 3 } },\n"
                                     "}\n"
                                     "local total = 0\n"
                                     "for i, shape in ipairs(shapes) do\n"
                                     "  total = total + area(shape)\n"
                                     "end\n"
                                     "print(total)\n");
      gisle_gtk_editor_set_breakpoint (editor, 3, TRUE);
      gisle_gtk_editor_set_breakpoint (editor, 14, TRUE);
      gtk_widget_activate_action (GTK_WIDGET (console), "console.debug", NULL);
      while (!gisle_gtk_console_get_paused (console))
        g_main_context_iteration (NULL, TRUE);
      for (GtkWidget *w = GTK_WIDGET (window); w != NULL && panel == NULL;)
        {
          /* The panel, depth first. */
          GtkWidget *next = gtk_widget_get_first_child (w);

          if (GISLE_GTK_IS_DEBUG_PANEL (w))
            panel = GISLE_GTK_DEBUG_PANEL (w);
          while (next == NULL && w != NULL)
            {
              next = gtk_widget_get_next_sibling (w);
              if (next == NULL)
                w = gtk_widget_get_parent (w);
            }
          w = next;
        }
      g_assert (panel != NULL);
      gisle_gtk_debug_panel_add_watch (panel, "w * h");
      gisle_gtk_debug_panel_add_watch (panel, "shape.name");
      while (gisle_gtk_debug_panel_get_loading (panel)
             || g_list_model_get_n_items (gisle_gtk_debug_panel_get_stack (panel)) == 0)
        g_main_context_iteration (NULL, TRUE);
      variables = gisle_gtk_debug_panel_get_variables (panel);
      /* Open "shape" (a local of area()) and its size. */
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (variables)); i++)
        {
          g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (variables), i);
          GIsleGtkDebugItem *item = gtk_tree_list_row_get_item (row);

          if (g_str_equal (gisle_gtk_debug_item_get_name (item), "shape")
              || g_str_equal (gisle_gtk_debug_item_get_name (item), "size"))
            gtk_tree_list_row_set_expanded (row, TRUE);
          g_object_unref (item);
        }
    }
  else
    {
      g_action_group_activate_action (G_ACTION_GROUP (window), "example", g_variant_new_string ("tables"));
      g_action_group_activate_action (G_ACTION_GROUP (window), "run", NULL);
      wait_idle (window);
      repl (window, "2^10, math.maxinteger");
      repl (window, "for i = 1, 3 do io.write(i, ' ') end print('lift-off')");
      repl (window, "local _ = io.stderr:write('this went to stderr\\n')");
      repl (window, "nosuch.field");
      gisle_gtk_console_set_input_text (gisle_console_window_get_console (window), "string.fo");
    }
  if (while_running)
    {
      g_action_group_activate_action (G_ACTION_GROUP (window), "example", g_variant_new_string ("progress"));
      g_action_group_activate_action (G_ACTION_GROUP (window), "run", NULL);
      while (gisle_console_window_get_progress (window) < 0.4)
        g_main_context_iteration (NULL, TRUE);
    }
  gisle_gtk_output_flush (gisle_gtk_console_get_output (gisle_console_window_get_console (window)));

  /* Let layout and a few frames settle before rendering. */
  gtk_widget_add_tick_callback (GTK_WIDGET (window), frame_cb, &frames, NULL);
  while (frames < 10)
    g_main_context_iteration (NULL, TRUE);

  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, argv[1]))
    g_error ("could not write %s", argv[1]);
  g_print ("Wrote %s (%d×%d)\n", argv[1], width, height);

  if (debugging)
    gisle_gtk_console_stop (gisle_console_window_get_console (window));
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
