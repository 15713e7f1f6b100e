/* gisle-console-settings.c: where the console's settings come from.
 *
 * The lowest file of the application: calls nothing else of it, so both
 * the application and a window made without one (tests) can use it. Main
 * thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-console-settings.h"

/**
 * gisle_console_settings_new:
 *
 * The console's settings. Installed, the schema is found as usual; run
 * from a build tree (directly, not only through `quickstart demo` or
 * `meson devenv`), it is taken from the build directory, where the build
 * compiles it.
 *
 * Returns: (transfer full): the settings of the org.gnome.GIsle.Console schema
 */
GSettings *
gisle_console_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) built = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, GISLE_CONSOLE_APP_ID, TRUE);
  if (schema == NULL)
    {
      built = g_settings_schema_source_new_from_directory (GISLE_CONSOLE_BUILD_SCHEMA_DIR, source,
                                                           FALSE, NULL);
      if (built != NULL)
        schema = g_settings_schema_source_lookup (built, GISLE_CONSOLE_APP_ID, TRUE);
    }
  if (schema == NULL)
    /* Aborts with GSettings' own message. */
    return g_settings_new (GISLE_CONSOLE_APP_ID);
  return g_settings_new_full (schema, NULL, NULL);
}
