/* gisle-value-text.h: Lua values as Lua-like text, one set of rules for
 * every program of GIsle that shows values (the console widgets, the
 * terminal REPL).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  /* "{ 1, 2 }", one item per line (indented) when long or nested. */
  GISLE_VALUE_TEXT_PRETTY,
  /* lua.c's look, "{1, 2}", always on one line. */
  GISLE_VALUE_TEXT_COMPACT,
} GisleValueTextLayout;

typedef struct {
  GisleValueTextLayout layout;
  gsize max_items;               /* 0: all; else "…(N more)" after them */
} GisleValueTextStyle;

/* A key's kind is also its place in the order keys are shown in. */
typedef enum {
  GISLE_VALUE_TEXT_KEY_NUMBER,
  GISLE_VALUE_TEXT_KEY_BOOLEAN,
  GISLE_VALUE_TEXT_KEY_STRING,
  GISLE_VALUE_TEXT_KEY_OTHER,    /* shown by the caller's render function */
  GISLE_VALUE_TEXT_KEY_MORE,     /* "entries left out", last: its key's
                                  * rendering is shown alone, in "…()" */
} GisleValueTextKeyKind;

typedef struct {
  GisleValueTextKeyKind kind;
  gboolean is_integer;           /* NUMBER: @integer, else @number */
  gint64 integer;
  double number;
  gboolean boolean;
  const char *string;            /* STRING: borrowed for the call */
  gsize len;
  gsize index;                   /* the caller's, handed back to render */
} GisleValueTextKey;

/* Renders the key (@key TRUE, only for KEY_OTHER) or the value of the
 * entry the caller numbered @index; @indent is the indentation of the
 * entry's line, for a nested table. Returns a newly allocated string. */
typedef char *(*GisleValueTextRender) (gpointer    data,
                                       gsize       index,
                                       gboolean    key,
                                       const char *indent,
                                       guint       depth);

char     *gisle_value_text_table          (const GisleValueTextStyle *style,
                                           GisleValueTextKey         *keys,
                                           gsize                      n_keys,
                                           GisleValueTextRender       render,
                                           gpointer                   data,
                                           const char                *indent,
                                           guint                      depth);
void      gisle_value_text_append_quoted  (GString                   *out,
                                           const char                *s,
                                           gsize                      len);
void      gisle_value_text_append_number  (GString                   *out,
                                           double                     d);
gboolean  gisle_value_text_is_identifier  (const char                *s,
                                           gsize                      len);

G_END_DECLS
