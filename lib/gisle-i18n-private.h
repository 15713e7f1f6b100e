/* gisle-i18n-private.h: translating the messages libgisle words itself
 * (see gisle-i18n.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The message in the user's language, from libgisle's own gettext domain
 * (bound on first use, so an application needs to do nothing). */
const char *gisle_gettext (const char *msgid) G_GNUC_FORMAT (1);

#define _(String) gisle_gettext (String)
#define N_(String) (String)

G_END_DECLS
