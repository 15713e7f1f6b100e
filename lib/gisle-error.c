/* gisle-error.c: the G_ISLE_ERROR domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-error-info-private.h"

/* Registering the codes with their names makes GError survive the trip
 * through D-Bus and lets bindings map them to exceptions. */
static const GDBusErrorEntry g_isle_error_entries[] = {
  { G_ISLE_ERROR_FAILED,         "org.gnome.GIsle.Error.Failed" },
  { G_ISLE_ERROR_SYNTAX,         "org.gnome.GIsle.Error.Syntax" },
  { G_ISLE_ERROR_INCOMPLETE,     "org.gnome.GIsle.Error.Incomplete" },
  { G_ISLE_ERROR_RUNTIME,        "org.gnome.GIsle.Error.Runtime" },
  { G_ISLE_ERROR_MEMORY,         "org.gnome.GIsle.Error.Memory" },
  { G_ISLE_ERROR_CONVERSION,     "org.gnome.GIsle.Error.Conversion" },
  { G_ISLE_ERROR_CLOSED,         "org.gnome.GIsle.Error.Closed" },
  { G_ISLE_ERROR_DEFUNCT,        "org.gnome.GIsle.Error.Defunct" },
  { G_ISLE_ERROR_NOT_FOUND,      "org.gnome.GIsle.Error.NotFound" },
  { G_ISLE_ERROR_WOULD_DEADLOCK, "org.gnome.GIsle.Error.WouldDeadlock" },
  { G_ISLE_ERROR_NOT_PAUSED,     "org.gnome.GIsle.Error.NotPaused" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (g_isle_error_entries) == G_ISLE_ERROR_NOT_PAUSED + 1);

/**
 * g_isle_error_quark:
 *
 * The error domain of GIsle; see %G_ISLE_ERROR.
 *
 * Returns: the #GQuark of the %G_ISLE_ERROR domain
 */
GQuark
g_isle_error_quark (void)
{
  static gsize quark = 0;
  static gsize extended = 0;

  /* An extended error domain: a GError of this domain can carry a
   * GIsleErrorInfo (see gisle-error-info.c). */
  if (g_once_init_enter (&extended))
    {
      g_error_domain_register_static ("g-isle-error-quark",
                                      gisle_error_private_size (),
                                      gisle_error_private_init,
                                      gisle_error_private_copy,
                                      gisle_error_private_clear);
      g_once_init_leave (&extended, 1);
    }
  g_dbus_error_register_error_domain ("g-isle-error-quark",
                                      &quark,
                                      g_isle_error_entries,
                                      G_N_ELEMENTS (g_isle_error_entries));
  return (GQuark) quark;
}
