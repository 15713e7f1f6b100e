/* gisle-i18n.c: libgisle's own gettext domain.
 *
 * Floor 1 (base): GLib only. Error messages that applications show their
 * users are translated in the library's domain (GETTEXT_PACKAGE, e.g.
 * "gisle-1", from lib/meson.build; its catalogue is po/lib/), so that
 * every application gets them without binding anything itself.
 *
 * Thread rule: any thread; the domain is bound once, under g_once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-i18n-private.h"

#include <libintl.h>

const char *
gisle_gettext (const char *msgid)
{
  static gsize bound = 0;

  if (g_once_init_enter (&bound))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}
