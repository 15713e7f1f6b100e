/* gisle-gtk.h: the only header applications include for the GIsle GTK
 * widgets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <gtksourceview/gtksource.h>
#include <gisle.h>

#define GISLE_GTK_INSIDE
# include "gisle-gtk-types.h"
# include "gisle-gtk-format.h"
# include "gisle-gtk-output.h"
# include "gisle-gtk-completion.h"
# include "gisle-gtk-editor.h"
# include "gisle-gtk-console.h"
# include "gisle-gtk-profile-view.h"
# include "gisle-gtk-debug-item.h"
# include "gisle-gtk-debug-panel.h"
#undef GISLE_GTK_INSIDE
