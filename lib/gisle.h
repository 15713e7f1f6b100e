/* gisle.h: the only header applications include.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#define GISLE_INSIDE
# include "gisle-version.h"
# include "gisle-types.h"
# include "gisle-enum-types.h"
# include "gisle-error-info.h"
# include "gisle-invocation.h"
# include "gisle-executor.h"
# include "gisle-isle.h"
# include "gisle-pool.h"
# include "gisle-profile.h"
# include "gisle-bridge.h"
# include "gisle-debugger.h"
#undef GISLE_INSIDE
