/* objects.c: an application exposes its own GObjects to scripts (C).
 *
 * The application has a menu (a GMenu) and a "quit" action (a
 * GSimpleAction). It exposes the menu for reading and calling methods only,
 * the action for everything, and runs a script that adds menu items,
 * disables the action, and tries two things it may not do. Every touch of
 * the objects happens in this thread, the main context's, while the script
 * runs on the isle's thread. objects.py and objects.js are the same program
 * in Python and JavaScript; docs/objects.md explains the model.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include <gio/gio.h>
#include <stdio.h>

static const char script[] =
  "app.menu:append('Open', 'app.open')\n"
  "app.menu:append('Quit', 'app.quit')\n"
  "print('menu items: ' .. app.menu:get_n_items())\n"
  "print('item 2 is labelled ' .. app.menu:get_item_attribute_value(1, 'label', nil))\n"
  "app.quit.enabled = false\n"
  "print('quit enabled: ' .. tostring(app.quit:get_enabled()))\n"
  "print(select(2, pcall(function () app.quit:run_dispose() end)))\n"
  "print(select(2, pcall(function () app.menu.nope = 1 end)))\n";

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  /* Bytes as they are: g_print() would convert them to the C locale's
   * charset, which this program never sets. */
  fputs (text, stdout);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = g_isle_new (NULL, &error);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GSimpleAction) quit = g_simple_action_new ("quit", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) value = NULL;

  if (isle == NULL)
    g_error ("%s", error->message);
  g_signal_connect (isle, "output", G_CALLBACK (on_output), NULL);

  /* What scripts may do with each object, and with what they reach. */
  g_isle_expose_object_full (isle, "app.menu", G_OBJECT (menu),
                             G_ISLE_EXPOSE_READ | G_ISLE_EXPOSE_CALL);
  g_isle_expose_object (isle, "app.quit", G_OBJECT (quit));

  /* The script's accesses are served by this thread's main context: an
   * application lets its main loop run; this example iterates it. */
  g_isle_eval_async (isle, script, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = g_isle_eval_finish (isle, result, &error);
  if (error != NULL)
    g_error ("%s", error->message);

  printf ("The application sees %d menu items; quit is %s.\n",
           g_menu_model_get_n_items (G_MENU_MODEL (menu)),
           g_action_get_enabled (G_ACTION (quit)) ? "enabled" : "disabled");

  g_isle_close (isle, NULL, &error);
  if (error != NULL)
    g_error ("%s", error->message);
  return 0;
}
