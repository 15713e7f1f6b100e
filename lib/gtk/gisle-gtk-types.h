/* gisle-gtk-types.h: enumerations and the export macro of GIsleGtk.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_GTK_INSIDE) && !defined(GISLE_GTK_COMPILATION)
#error "Only <gisle-gtk.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* Only symbols marked with this macro leave the shared library; the
 * library is built with -fvisibility=hidden. */
#ifndef _GISLE_GTK_EXTERN
# define _GISLE_GTK_EXTERN __attribute__((visibility ("default"))) extern
#endif

#define GISLE_GTK_AVAILABLE_IN_ALL _GISLE_GTK_EXTERN

/**
 * GIsleGtkTextKind:
 * @GISLE_GTK_TEXT_OUTPUT: what a script printed (`print`, `io.write`)
 * @GISLE_GTK_TEXT_STDERR: what a script wrote to `io.stderr`
 * @GISLE_GTK_TEXT_WARNING: a Lua warning (`warn()`)
 * @GISLE_GTK_TEXT_RESULT: values a chunk returned
 * @GISLE_GTK_TEXT_ERROR: errors and tracebacks
 * @GISLE_GTK_TEXT_INFO: the console's own remarks
 * @GISLE_GTK_TEXT_INPUT: the echo of what was run
 *
 * What a piece of text in a [class@GIsleGtk.Output] is; each kind has its
 * own look.
 */
typedef enum {
  GISLE_GTK_TEXT_OUTPUT,
  GISLE_GTK_TEXT_STDERR,
  GISLE_GTK_TEXT_WARNING,
  GISLE_GTK_TEXT_RESULT,
  GISLE_GTK_TEXT_ERROR,
  GISLE_GTK_TEXT_INFO,
  GISLE_GTK_TEXT_INPUT,
} GIsleGtkTextKind;

#define GISLE_GTK_TYPE_TEXT_KIND (gisle_gtk_text_kind_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
GType gisle_gtk_text_kind_get_type (void);

/**
 * GIsleGtkConsoleState:
 * @GISLE_GTK_CONSOLE_IDLE: nothing runs; input is accepted
 * @GISLE_GTK_CONSOLE_RUNNING: a chunk runs on the isle's worker
 * @GISLE_GTK_CONSOLE_STOPPING: Stop was asked for; the isle has not
 *   confirmed yet (it does within milliseconds)
 *
 * What a [class@GIsleGtk.Console] is doing.
 */
typedef enum {
  GISLE_GTK_CONSOLE_IDLE,
  GISLE_GTK_CONSOLE_RUNNING,
  GISLE_GTK_CONSOLE_STOPPING,
} GIsleGtkConsoleState;

#define GISLE_GTK_TYPE_CONSOLE_STATE (gisle_gtk_console_state_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
GType gisle_gtk_console_state_get_type (void);

G_END_DECLS
