/* gisle-console-completion.h: Tab completion answered by the isle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gisle.h>

G_BEGIN_DECLS

void   gisle_console_completion_async      (GIsle                *isle,
                                            const char           *text,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GStrv  gisle_console_completion_finish     (GAsyncResult         *result,
                                            GError              **error);
char  *gisle_console_completion_word       (const char           *text);
char  *gisle_console_completion_common_prefix (const char * const *names);

G_END_DECLS
