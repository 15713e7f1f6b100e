/* gisle-value-private.h: the GVariant <-> Lua value bridge.
 *
 * Every function here runs on the isle's worker thread and must be called
 * in Lua protected mode (inside a lua_pcall'd C function). The push
 * functions run their work in a lua_pcall of their own: a Lua memory error
 * while pushing becomes a G_ISLE_ERROR_MEMORY error (stack unchanged, the
 * isle usable), and any other Lua error (such as the one a cancelling hook
 * raises) is re-raised with lua_error() once nothing is leaked. GC steps
 * inside a push may run finalizers, as any Lua allocation may.
 * Converting to GVariant never raises and never runs script code: tables
 * are read raw, metatables are ignored.
 *
 * The mapping is documented for users in docs/values.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <lua.h>

G_BEGIN_DECLS

/* Tables nested deeper than this, in either direction, do not cross. */
#define GISLE_VALUE_MAX_DEPTH 100

/* Results with no more table entries than this, nested no deeper, leave
 * the isle serialized. */
#define GISLE_VALUE_SERIALIZE_VALUES 256
#define GISLE_VALUE_SERIALIZE_DEPTH 16

/* At most this many values (table entries and tables, counted each time a
 * shared table appears) leave the isle in one conversion. */
#define GISLE_VALUE_MAX_VALUES (2 * 1024 * 1024)

/* Pushes @value (any GVariant type) as one Lua value; @where labels it in
 * errors (%NULL: "value"). Returns FALSE and sets a G_ISLE_ERROR_CONVERSION
 * (or G_ISLE_ERROR_MEMORY) error, stack unchanged, when it cannot. */
gboolean   gisle_value_push          (lua_State   *L,
                                      GVariant    *value,
                                      const char  *where,
                                      GError     **error);

/* Pushes each child of the tuple @args ("argument 1", "argument 2"... in
 * errors); %NULL pushes nothing; a value that is not a tuple is pushed as
 * the only argument. Returns the number of values pushed, or -1 with @error
 * set (stack unchanged). */
int        gisle_value_push_args     (lua_State   *L,
                                      GVariant    *args,
                                      GError     **error);

/* Converts the Lua value at @idx. @where names it in error messages
 * ("result 2", "argument 1"; %NULL: "value"). The stack is left unchanged.
 * Returns a new non-floating reference, or %NULL with a
 * G_ISLE_ERROR_CONVERSION error naming the path to the culprit, e.g.
 * `result 2, field "cb": a function cannot leave the isle`. */
GVariant  *gisle_value_to_variant    (lua_State   *L,
                                      int          idx,
                                      const char  *where,
                                      GError     **error);

/* Converts the @n values starting at stack index @first into one tuple
 * (`()` when @n is 0); @what is "result" or "argument", and errors name the
 * value as "<what> <1-based index>". Returns a new non-floating reference,
 * or %NULL with @error set. The stack is left unchanged either way. */
GVariant  *gisle_value_to_tuple      (lua_State   *L,
                                      int          first,
                                      int          n,
                                      const char  *what,
                                      GError     **error);

G_END_DECLS
