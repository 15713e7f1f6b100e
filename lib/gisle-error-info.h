/* gisle-error-info.h: where a Lua error happened, as data.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-types.h"
#include "gisle-version.h"

G_BEGIN_DECLS

#define G_TYPE_ISLE_ERROR_FRAME (g_isle_error_frame_get_type ())
#define G_TYPE_ISLE_ERROR_INFO  (g_isle_error_info_get_type ())

typedef struct _GIsleErrorFrame GIsleErrorFrame;
typedef struct _GIsleErrorInfo GIsleErrorInfo;

/**
 * GIsleErrorFrame:
 * @chunk: the chunk the frame runs in, as named when it was loaded (with
 *   Lua's `=` or `@` prefix removed), or `[C]` for a C function
 * @line: the line being run, or -1 when there is none (a C function)
 * @function: (nullable): the function's name as Lua knows it (`"error"`,
 *   `"app.born"`, `"main chunk"`), or %NULL when it has none
 *
 * One level of a Lua traceback: see g_isle_error_info_get_frame().
 */
struct _GIsleErrorFrame
{
  char *chunk;
  int   line;
  char *function;
};

GISLE_AVAILABLE_IN_ALL
GType                  g_isle_error_frame_get_type      (void) G_GNUC_CONST;
GISLE_AVAILABLE_IN_ALL
GIsleErrorFrame       *g_isle_error_frame_copy          (const GIsleErrorFrame *frame);
GISLE_AVAILABLE_IN_ALL
void                   g_isle_error_frame_free          (GIsleErrorFrame       *frame);

GISLE_AVAILABLE_IN_ALL
GType                  g_isle_error_info_get_type       (void) G_GNUC_CONST;
GISLE_AVAILABLE_IN_ALL
GIsleErrorInfo        *g_isle_error_info_ref            (GIsleErrorInfo        *info);
GISLE_AVAILABLE_IN_ALL
void                   g_isle_error_info_unref          (GIsleErrorInfo        *info);
GISLE_AVAILABLE_IN_ALL
const char            *g_isle_error_info_get_message    (GIsleErrorInfo        *info);
GISLE_AVAILABLE_IN_ALL
const char            *g_isle_error_info_get_chunk      (GIsleErrorInfo        *info);
GISLE_AVAILABLE_IN_ALL
int                    g_isle_error_info_get_line       (GIsleErrorInfo        *info);
GISLE_AVAILABLE_IN_ALL
guint                  g_isle_error_info_get_n_frames   (GIsleErrorInfo        *info);
GISLE_AVAILABLE_IN_ALL
const GIsleErrorFrame *g_isle_error_info_get_frame      (GIsleErrorInfo        *info,
                                                         guint                  index);

GISLE_AVAILABLE_IN_ALL
GIsleErrorInfo        *g_isle_error_get_info            (const GError          *error);
GISLE_AVAILABLE_IN_ALL
GIsleErrorInfo        *g_isle_error_info_get_last       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIsleErrorInfo, g_isle_error_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIsleErrorFrame, g_isle_error_frame_free)

G_END_DECLS
