/* gisle-console-output.h: the read-only, capped output pane.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a piece of text is; each kind has its own look. */
typedef enum {
  GISLE_CONSOLE_TEXT_OUTPUT,   /* print, io.write */
  GISLE_CONSOLE_TEXT_STDERR,   /* io.stderr:write */
  GISLE_CONSOLE_TEXT_WARNING,  /* warn() */
  GISLE_CONSOLE_TEXT_RESULT,   /* values a chunk returned */
  GISLE_CONSOLE_TEXT_ERROR,    /* errors and tracebacks */
  GISLE_CONSOLE_TEXT_INFO,     /* the console's own remarks */
  GISLE_CONSOLE_TEXT_INPUT,    /* echo of what was run */
  GISLE_CONSOLE_N_TEXT_KINDS
} GisleConsoleTextKind;

#define GISLE_CONSOLE_TYPE_OUTPUT (gisle_console_output_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsoleOutput, gisle_console_output, GISLE_CONSOLE, OUTPUT, GtkWidget)

void         gisle_console_output_append         (GisleConsoleOutput   *self,
                                                  GisleConsoleTextKind  kind,
                                                  const char           *text);
void         gisle_console_output_append_line    (GisleConsoleOutput   *self,
                                                  GisleConsoleTextKind  kind,
                                                  const char           *text);
void         gisle_console_output_flush          (GisleConsoleOutput   *self);
void         gisle_console_output_clear          (GisleConsoleOutput   *self);
char        *gisle_console_output_get_text       (GisleConsoleOutput   *self);
guint        gisle_console_output_get_line_count (GisleConsoleOutput   *self);
guint        gisle_console_output_get_max_lines  (GisleConsoleOutput   *self);
void         gisle_console_output_set_max_lines  (GisleConsoleOutput   *self,
                                                  guint                 max_lines);
gboolean     gisle_console_output_has_tag_text   (GisleConsoleOutput   *self,
                                                  GisleConsoleTextKind  kind,
                                                  const char           *needle);
GtkTextView *gisle_console_output_get_view       (GisleConsoleOutput   *self);

G_END_DECLS
