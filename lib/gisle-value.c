/* gisle-value.c: the GVariant <-> Lua value bridge.
 *
 * Floor 6 (values, output, invocations): Lua and GVariant; it asks the
 * cancel floor whether a long conversion should stop.
 *
 * Thread rule: runs on the thread that runs the isle (it touches L).
 *
 * docs/values.md is the user-facing table of the mapping; this file is its
 * only implementation. Both directions run on every call, so neither
 * allocates or formats anything for error messages until an error happens:
 * the path to the value being converted is kept as a small array of
 * elements on the C stack and only turned into text on failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "gisle-value-private.h"
#include "gisle-private.h"
#include "gisle-cancel-private.h"

/* Error paths longer than this are shortened to their first PATH_HEAD and
 * last PATH_TAIL elements; string keys to FIELD_SHOWN characters. */
#define PATH_SHOWN   6
#define PATH_HEAD    3
#define PATH_TAIL    2
#define FIELD_SHOWN  40

/* Inline room for a table's children before falling back to the heap. */
#define INLINE_CHILDREN 8

/* One step from a container to one of its children. String keys point into
 * the Lua string, which stays on the Lua stack (as the key being iterated)
 * for as long as the element is on the path. */
typedef enum {
  PATH_FIELD,        /* field "name": a string key */
  PATH_ITEM,         /* item 3: an element of a sequence */
  PATH_KEY_INT,      /* key 7: an integer key of a non-sequence */
  PATH_KEY_FLOAT,    /* key 2.5 */
  PATH_KEY_BOOL,     /* key true */
  PATH_KEY_TABLE,    /* key (a table): the value stored under a table key */
  PATH_IN_KEY,       /* a table key: inside a table used as a key */
  PATH_ENTRY,        /* entry 2: the value of a dictionary entry */
  PATH_ENTRY_KEY,    /* key of entry 2 */
} PathKind;

typedef struct {
  PathKind kind;
  union {
    struct {
      const char *str;
      size_t len;
    } field;
    lua_Integer i;
    lua_Number d;
    gboolean b;
  } u;
} PathElem;

/* Either @where ("result 2"), or @what and @index, formatted only on
 * failure so that gisle_value_to_tuple() needs no string per value. */
typedef struct {
  const char *where;
  const char *what;
  int index;
} Label;

/* Path elements never outnumber the tables on the path, which the depth
 * limit bounds. */
typedef struct {
  Label label;
  guint n_path;
  PathElem path[GISLE_VALUE_MAX_DEPTH + 1];
} Path;

/* ---------------------------------------------------------------------- */
/* Error messages                                                          */

static void
append_field (GString    *s,
              const char *str,
              size_t      len)
{
  const char *p = str;
  const char *end = str + len;
  guint shown = 0;

  /* Keys may hold any bytes; the message must stay valid, readable UTF-8. */
  g_string_append_c (s, '"');
  while (p < end)
    {
      guchar c = (guchar) *p;

      if (shown++ == FIELD_SHOWN)
        {
          g_string_append (s, "…");
          break;
        }

      if (c >= 0x80)
        {
          gunichar u = g_utf8_get_char_validated (p, end - p);

          if (u != (gunichar) -1 && u != (gunichar) -2)
            {
              int skip = g_utf8_skip[c];

              g_string_append_len (s, p, skip);
              p += skip;
              continue;
            }
          g_string_append_printf (s, "\\x%02x", c);
        }
      else if (c == '"' || c == '\\')
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, (char) c);
        }
      else if (c == '\n')
        g_string_append (s, "\\n");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else
        g_string_append_c (s, (char) c);
      p++;
    }
  g_string_append_c (s, '"');
}

static void
append_elem (GString        *s,
             const PathElem *elem)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, ", ");
  switch (elem->kind)
    {
    case PATH_FIELD:
      g_string_append (s, "field ");
      append_field (s, elem->u.field.str, elem->u.field.len);
      break;
    case PATH_ITEM:
      g_string_append_printf (s, "item %" G_GINT64_FORMAT, (gint64) elem->u.i);
      break;
    case PATH_KEY_INT:
      g_string_append_printf (s, "key %" G_GINT64_FORMAT, (gint64) elem->u.i);
      break;
    case PATH_KEY_FLOAT:
      /* Lua's own tostring() format; float keys are never integral or NaN. */
      g_string_append_printf (s, "key %s",
                              g_ascii_formatd (buf, sizeof buf, "%.14g",
                                               elem->u.d));
      break;
    case PATH_KEY_BOOL:
      g_string_append (s, elem->u.b ? "key true" : "key false");
      break;
    case PATH_KEY_TABLE:
      g_string_append (s, "key (a table)");
      break;
    case PATH_IN_KEY:
      g_string_append (s, "a table key");
      break;
    case PATH_ENTRY:
      g_string_append_printf (s, "entry %" G_GINT64_FORMAT, (gint64) elem->u.i);
      break;
    case PATH_ENTRY_KEY:
      g_string_append_printf (s, "key of entry %" G_GINT64_FORMAT,
                              (gint64) elem->u.i);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* "<label>, <path>: <message>" (set_error() for conversion errors). Long paths keep their head and, unless
 * @head_only (for depth errors, where the tail is all alike), their tail. */
static void set_error_code (GError     **error,
                            GIsleError   code,
                            const Path  *path,
                            gboolean     head_only,
                            const char  *format,
                            ...) G_GNUC_PRINTF (5, 6);

static void
set_error_code (GError     **error,
                GIsleError   code,
                const Path  *path,
                gboolean     head_only,
                const char  *format,
                ...)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint n = path->n_path;
  guint head = n;
  guint tail_from = n;
  va_list args;

  if (path->label.where != NULL)
    g_string_append (s, path->label.where);
  else
    g_string_append_printf (s, "%s %d",
                            path->label.what ? path->label.what : "value",
                            path->label.index);

  if (head_only && n > PATH_HEAD)
    head = PATH_HEAD;
  else if (n > PATH_SHOWN)
    {
      head = PATH_HEAD;
      tail_from = n - PATH_TAIL;
    }

  for (guint i = 0; i < head; i++)
    append_elem (s, &path->path[i]);
  if (head < n)
    g_string_append (s, ", …");
  if (head < tail_from)
    for (guint i = tail_from; i < n; i++)
      append_elem (s, &path->path[i]);

  g_string_append (s, ": ");
  va_start (args, format);
  g_string_append_vprintf (s, format, args);
  va_end (args);

  g_set_error_literal (error, G_ISLE_ERROR, code, s->str);
}

#define set_error(error, path, head_only, ...) \
  set_error_code ((error), G_ISLE_ERROR_CONVERSION, (path), (head_only), __VA_ARGS__)

static inline PathElem *
path_push (Path     *path,
           PathKind  kind)
{
  PathElem *elem;

  g_assert (path->n_path < G_N_ELEMENTS (path->path));
  elem = &path->path[path->n_path++];
  elem->kind = kind;
  return elem;
}

/* ---------------------------------------------------------------------- */
/* Lua -> GVariant                                                         */

typedef struct {
  lua_State *L;
  GError **error;
  int depth;
  int max_depth;                 /* the deepest nesting met */
  /* Values converted so far: a table shared by many fields is converted
   * each time it appears, so a small DAG of shared tables can stand for an
   * exponential number of values. This caps the work. */
  gsize values;
  /* The tables on the current path, to tell a cycle from a shared table. */
  const void *tables[GISLE_VALUE_MAX_DEPTH];
  Path path;
} ToVariant;

typedef enum {
  SHAPE_SEQUENCE,    /* av */
  SHAPE_FIELDS,      /* a{sv} */
  SHAPE_SPARSE,      /* a{xv} */
  SHAPE_PAIRS,       /* a(vv) */
} Shape;

static GVariant *to_variant (ToVariant *tv,
                             int        idx);

static const char *
type_name (lua_State *L,
           int        idx)
{
  int type = lua_type (L, idx);

  /* lua_typename() says "userdata" for both kinds. */
  if (type == LUA_TLIGHTUSERDATA)
    return "light userdata";
  return lua_typename (L, type);
}

static gboolean
is_utf8_string (const char *s,
                size_t      len)
{
  /* With a length, g_utf8_validate_len() also rejects NUL bytes, which an
   * `s` cannot hold. */
  return g_utf8_validate_len (s, len, NULL);
}

static GVariant *
new_string (const char *s,
            size_t      len)
{
  /* A Lua string always has a NUL after its last byte, which is exactly the
   * serialised form of `s`; the caller validated it, so this skips the
   * strlen() and second validation of g_variant_new_string(). */
  g_autoptr(GBytes) bytes = g_bytes_new (s, len + 1);

  return g_variant_new_from_bytes (G_VARIANT_TYPE_STRING, bytes, TRUE);
}

static GVariant *
string_to_variant (lua_State *L,
                   int        idx)
{
  size_t len;
  const char *s = lua_tolstring (L, idx, &len);

  if (is_utf8_string (s, len))
    return new_string (s, len);
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, s, len, 1);
}

/* Sets the path element naming the value under the key at @kidx. */
static void
push_key_elem (ToVariant *tv,
               int        kidx)
{
  lua_State *L = tv->L;
  PathElem *elem;

  switch (lua_type (L, kidx))
    {
    case LUA_TSTRING:
      elem = path_push (&tv->path, PATH_FIELD);
      elem->u.field.str = lua_tolstring (L, kidx, &elem->u.field.len);
      break;
    case LUA_TNUMBER:
      if (lua_isinteger (L, kidx))
        {
          elem = path_push (&tv->path, PATH_KEY_INT);
          elem->u.i = lua_tointeger (L, kidx);
        }
      else
        {
          elem = path_push (&tv->path, PATH_KEY_FLOAT);
          elem->u.d = lua_tonumber (L, kidx);
        }
      break;
    case LUA_TBOOLEAN:
      elem = path_push (&tv->path, PATH_KEY_BOOL);
      elem->u.b = lua_toboolean (L, kidx);
      break;
    default:
      path_push (&tv->path, PATH_KEY_TABLE);
      break;
    }
}

/* Converts the key/value pair on top of the stack (key at -2) into one
 * element of a container of @shape. */
static GVariant *
entry_to_variant (ToVariant *tv,
                  Shape      shape)
{
  lua_State *L = tv->L;
  int vidx = lua_gettop (L);
  int kidx = vidx - 1;
  GVariant *key = NULL;
  GVariant *value;

  if (shape == SHAPE_PAIRS)
    {
      path_push (&tv->path, PATH_IN_KEY);
      key = to_variant (tv, kidx);
      tv->path.n_path--;
      if (key == NULL)
        return NULL;
    }

  push_key_elem (tv, kidx);
  value = to_variant (tv, vidx);
  tv->path.n_path--;
  if (value == NULL)
    {
      if (key != NULL)
        g_variant_unref (g_variant_ref_sink (key));
      return NULL;
    }
  value = g_variant_new_variant (value);

  switch (shape)
    {
    case SHAPE_FIELDS:
      {
        size_t len;
        const char *s = lua_tolstring (L, kidx, &len);

        return g_variant_new_dict_entry (new_string (s, len), value);
      }
    case SHAPE_SPARSE:
      return g_variant_new_dict_entry (g_variant_new_int64 (lua_tointeger (L, kidx)),
                                       value);
    case SHAPE_PAIRS:
      {
        GVariant *pair[2] = { g_variant_new_variant (key), value };

        return g_variant_new_tuple (pair, 2);
      }
    case SHAPE_SEQUENCE:
    default:
      g_assert_not_reached ();
    }
}

static void
free_children (GVariant **children,
               gsize      n)
{
  /* Children are floating; sinking first keeps this correct either way. */
  for (gsize i = 0; i < n; i++)
    g_variant_unref (g_variant_ref_sink (children[i]));
}

static const GVariantType *
element_type (Shape shape)
{
  switch (shape)
    {
    case SHAPE_SEQUENCE:
      return G_VARIANT_TYPE_VARIANT;
    case SHAPE_FIELDS:
      return G_VARIANT_TYPE ("{sv}");
    case SHAPE_SPARSE:
      return G_VARIANT_TYPE ("{xv}");
    case SHAPE_PAIRS:
    default:
      return G_VARIANT_TYPE ("(vv)");
    }
}

static GVariant *
table_to_variant (ToVariant *tv,
                  int        idx)
{
  lua_State *L = tv->L;
  const void *self = lua_topointer (L, idx);
  gboolean has_string = FALSE, has_integer = FALSE, has_other = FALSE;
  lua_Integer min = LUA_MAXINTEGER, max = LUA_MININTEGER;
  GVariant *inline_children[INLINE_CHILDREN];
  GVariant **children;
  GVariant *result;
  gsize n = 0, i = 0;
  Shape shape;

  if (tv->depth == GISLE_VALUE_MAX_DEPTH)
    {
      set_error (tv->error, &tv->path, TRUE,
                 "nested deeper than %d levels", GISLE_VALUE_MAX_DEPTH);
      return NULL;
    }
  /* Only the tables on the current path: a table shared by two fields is
   * fine (and converted twice), one that contains itself is not. */
  for (int d = 0; d < tv->depth; d++)
    if (tv->tables[d] == self)
      {
        set_error (tv->error, &tv->path, FALSE,
                   "a cycle (a table that contains itself) cannot leave the isle");
        return NULL;
      }
  /* A key and a value per level, plus one spare. */
  if (!lua_checkstack (L, 3))
    {
      set_error (tv->error, &tv->path, FALSE, "not enough Lua stack space");
      return NULL;
    }

  /* First pass: the shape. Raw access only: converting never runs script
   * code, so metatables are ignored and the table cannot change under us. */
  lua_pushnil (L);
  while (lua_next (L, idx))
    {
      switch (lua_type (L, -2))
        {
        case LUA_TSTRING:
          {
            size_t len;
            const char *s = lua_tolstring (L, -2, &len);

            if (is_utf8_string (s, len))
              has_string = TRUE;
            else
              has_other = TRUE;
          }
          break;
        case LUA_TNUMBER:
          if (lua_isinteger (L, -2))
            {
              lua_Integer k = lua_tointeger (L, -2);

              has_integer = TRUE;
              min = MIN (min, k);
              max = MAX (max, k);
            }
          else
            has_other = TRUE;
          break;
        case LUA_TBOOLEAN:
        case LUA_TTABLE:
          has_other = TRUE;
          break;
        default:
          set_error (tv->error, &tv->path, FALSE,
                     "a table key of type %s cannot leave the isle",
                     type_name (L, -2));
          lua_pop (L, 2);
          return NULL;
        }
      lua_pop (L, 1);
      n++;
    }

  tv->values += n + 1;
  /* Converting runs in C, where no hook reaches: look for a cancel here. */
  if (gisle_cancel_is_requested (L))
    {
      set_error (tv->error, &tv->path, FALSE, "the job was cancelled");
      return NULL;
    }
  if (tv->values > GISLE_VALUE_MAX_VALUES)
    {
      set_error (tv->error, &tv->path, FALSE,
                 "more than %d values (a shared table counts each time it appears)",
                 GISLE_VALUE_MAX_VALUES);
      return NULL;
    }

  /* Distinct integer keys with min 1 and max n are exactly 1..n. */
  if (n == 0 || (has_integer && !has_string && !has_other
                 && min == 1 && (lua_Unsigned) max == n))
    shape = SHAPE_SEQUENCE;
  else if (has_string && !has_integer && !has_other)
    shape = SHAPE_FIELDS;
  else if (has_integer && !has_string && !has_other)
    shape = SHAPE_SPARSE;
  else
    shape = SHAPE_PAIRS;

  children = n <= INLINE_CHILDREN ? inline_children : g_new (GVariant *, n);
  tv->tables[tv->depth++] = self;
  tv->max_depth = MAX (tv->max_depth, tv->depth);

  if (shape == SHAPE_SEQUENCE)
    {
      for (i = 0; i < n; i++)
        {
          GVariant *child;

          lua_rawgeti (L, idx, (lua_Integer) i + 1);
          path_push (&tv->path, PATH_ITEM)->u.i = (lua_Integer) i + 1;
          child = to_variant (tv, lua_gettop (L));
          tv->path.n_path--;
          lua_pop (L, 1);
          if (child == NULL)
            goto failed;
          children[i] = g_variant_new_variant (child);
        }
    }
  else
    {
      lua_pushnil (L);
      while (lua_next (L, idx))
        {
          /* Nothing ran between the passes, so the count still holds. */
          g_assert (i < n);
          children[i] = entry_to_variant (tv, shape);
          if (children[i] == NULL)
            {
              lua_pop (L, 2);
              goto failed;
            }
          i++;
          lua_pop (L, 1);
        }
    }

  tv->depth--;
  result = g_variant_new_array (element_type (shape), children, n);
  if (children != inline_children)
    g_free (children);
  return result;

failed:
  tv->depth--;
  free_children (children, i);
  if (children != inline_children)
    g_free (children);
  return NULL;
}

/* Returns a floating reference, or NULL with tv->error set. */
static GVariant *
to_variant (ToVariant *tv,
            int        idx)
{
  lua_State *L = tv->L;

  switch (lua_type (L, idx))
    {
    case LUA_TNIL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
    case LUA_TBOOLEAN:
      return g_variant_new_boolean (lua_toboolean (L, idx));
    case LUA_TNUMBER:
      if (lua_isinteger (L, idx))
        return g_variant_new_int64 (lua_tointeger (L, idx));
      return g_variant_new_double (lua_tonumber (L, idx));
    case LUA_TSTRING:
      return string_to_variant (L, idx);
    case LUA_TTABLE:
      return table_to_variant (tv, idx);
    default:
      set_error (tv->error, &tv->path, FALSE,
                 "a %s cannot leave the isle", type_name (L, idx));
      return NULL;
    }
}

static void
to_variant_init (ToVariant  *tv,
                 lua_State  *L,
                 GError    **error)
{
  /* Not a memset: the arrays are only read up to depth and n_path. */
  tv->L = L;
  tv->error = error;
  tv->depth = 0;
  tv->max_depth = 0;
  tv->values = 0;
  tv->path.n_path = 0;
  tv->path.label.where = NULL;
  tv->path.label.what = NULL;
  tv->path.label.index = 0;
}

GVariant *
gisle_value_to_variant (lua_State   *L,
                        int          idx,
                        const char  *where,
                        GError     **error)
{
  ToVariant tv;
  GVariant *result;

  g_return_val_if_fail (L != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  to_variant_init (&tv, L, error);
  tv.path.label.where = where != NULL ? where : "value";
  result = to_variant (&tv, lua_absindex (L, idx));
  return result != NULL ? g_variant_ref_sink (result) : NULL;
}

GVariant *
gisle_value_to_tuple (lua_State   *L,
                      int          first,
                      int          n,
                      const char  *what,
                      GError     **error)
{
  GVariant *inline_children[INLINE_CHILDREN];
  GVariant **children;
  ToVariant tv;
  int i;

  g_return_val_if_fail (L != NULL, NULL);
  g_return_val_if_fail (n >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n == 0)
    return g_variant_ref_sink (g_variant_new_tuple (NULL, 0));

  first = lua_absindex (L, first);
  children = n <= INLINE_CHILDREN ? inline_children : g_new (GVariant *, n);
  to_variant_init (&tv, L, error);
  tv.path.label.what = what != NULL ? what : "value";

  for (i = 0; i < n; i++)
    {
      tv.path.label.index = i + 1;
      children[i] = to_variant (&tv, first + i);
      if (children[i] == NULL)
        {
          free_children (children, i);
          if (children != inline_children)
            g_free (children);
          return NULL;
        }
    }

  {
    GVariant *result = g_variant_new_tuple (children, n);

    if (children != inline_children)
      g_free (children);
    result = g_variant_ref_sink (result);
    /* Serialize here, on the worker: the tree of one GVariant per value
     * collapses into one buffer and is freed on this thread, so the
     * receiving thread frees three blocks instead of several per value
     * (freeing memory the worker had just written was the costliest part
     * of a pipelined call). Only small, shallow values: serializing a big
     * one is a second copy that no cancel can interrupt, and GLib reads
     * serialized data no deeper than 128 GVariant levels, up to three per
     * table. */
    if (tv.values <= GISLE_VALUE_SERIALIZE_VALUES &&
        tv.max_depth <= GISLE_VALUE_SERIALIZE_DEPTH)
      g_variant_get_data (result);
    return result;
  }
}

/* ---------------------------------------------------------------------- */
/* GVariant -> Lua                                                         */

/* Pushing allocates Lua memory, and a Lua error (a memory error under the
 * isle's memory limit, or the error a cancelling hook raises) longjmps past
 * C frames. So the push runs in its own lua_pcall(), and every GVariant
 * reference it holds lives in @refs, which the caller releases in C
 * whatever happened. (A to-be-closed holder would not do: a hook that
 * raises on every call would skip its __close.) */
#define INLINE_REFS 32

typedef struct {
  lua_State *L;
  GError **error;
  int depth;
  gboolean ok;
  GVariant *value;        /* what to push */
  gboolean spread;        /* push the children of the tuple @value */
  GVariant **refs;
  guint n_refs;
  guint refs_size;
  GVariant *inline_refs[INLINE_REFS];
  Path path;
} ToLua;

static gboolean push_value (ToLua    *tl,
                            GVariant *value);

/* Adds an empty reference slot and returns its index. */
static guint
refs_slot (ToLua *tl)
{
  if (tl->n_refs == tl->refs_size)
    {
      tl->refs_size *= 2;
      if (tl->refs == tl->inline_refs)
        tl->refs = g_memdup2 (tl->inline_refs, sizeof tl->inline_refs);
      tl->refs = g_renew (GVariant *, tl->refs, tl->refs_size);
    }
  tl->refs[tl->n_refs] = NULL;
  return tl->n_refs++;
}

/* Stores @owned in @slot, dropping what the slot held; returns @owned. */
static GVariant *
refs_set (ToLua    *tl,
          guint     slot,
          GVariant *owned)
{
  GVariant *old = tl->refs[slot];

  tl->refs[slot] = owned;
  if (old != NULL)
    g_variant_unref (old);
  return owned;
}

static void
refs_release_to (ToLua *tl,
                 guint  height)
{
  while (tl->n_refs > height)
    {
      GVariant *v = tl->refs[--tl->n_refs];

      if (v != NULL)
        g_variant_unref (v);
    }
}

/* Releases the top slot, which must be @slot. */
static void
refs_drop (ToLua *tl,
           guint  slot)
{
  g_assert (slot + 1 == tl->n_refs);
  refs_release_to (tl, slot);
}

/* Pushes a value of a basic type; these never hold a reference. */
static void
push_basic (lua_State *L,
            GVariant  *value)
{
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      lua_pushboolean (L, g_variant_get_boolean (value));
      break;
    case G_VARIANT_CLASS_BYTE:
      lua_pushinteger (L, g_variant_get_byte (value));
      break;
    case G_VARIANT_CLASS_INT16:
      lua_pushinteger (L, g_variant_get_int16 (value));
      break;
    case G_VARIANT_CLASS_UINT16:
      lua_pushinteger (L, g_variant_get_uint16 (value));
      break;
    case G_VARIANT_CLASS_INT32:
      lua_pushinteger (L, g_variant_get_int32 (value));
      break;
    case G_VARIANT_CLASS_UINT32:
      lua_pushinteger (L, g_variant_get_uint32 (value));
      break;
    case G_VARIANT_CLASS_HANDLE:
      lua_pushinteger (L, g_variant_get_handle (value));
      break;
    case G_VARIANT_CLASS_INT64:
      lua_pushinteger (L, g_variant_get_int64 (value));
      break;
    case G_VARIANT_CLASS_UINT64:
      {
        guint64 u = g_variant_get_uint64 (value);

        /* Lua integers are signed 64-bit; larger ones can only be floats. */
        if (u <= G_MAXINT64)
          lua_pushinteger (L, (lua_Integer) u);
        else
          lua_pushnumber (L, (lua_Number) u);
      }
      break;
    case G_VARIANT_CLASS_DOUBLE:
      lua_pushnumber (L, g_variant_get_double (value));
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len;
        const char *s = g_variant_get_string (value, &len);

        lua_pushlstring (L, s, len);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
enter_table (ToLua *tl)
{
  if (tl->depth == GISLE_VALUE_MAX_DEPTH)
    {
      set_error (tl->error, &tl->path, TRUE,
                 "nested deeper than %d levels", GISLE_VALUE_MAX_DEPTH);
      return FALSE;
    }
  /* The table, a key, a value and one spare. */
  if (!lua_checkstack (tl->L, 4))
    {
      set_error (tl->error, &tl->path, FALSE, "not enough Lua stack space");
      return FALSE;
    }
  tl->depth++;
  return TRUE;
}

static int
clamp_size (gsize n)
{
  return (int) MIN (n, (gsize) G_MAXINT);
}

/* Arrays (other than bytes) and tuples: a sequence table. */
static gboolean
push_sequence (ToLua    *tl,
               GVariant *value)
{
  lua_State *L = tl->L;
  gsize n = g_variant_n_children (value);
  guint slot;

  if (!enter_table (tl))
    return FALSE;
  lua_createtable (L, clamp_size (n), 0);
  slot = refs_slot (tl);

  for (gsize i = 0; i < n; i++)
    {
      GVariant *child = refs_set (tl, slot, g_variant_get_child_value (value, i));

      path_push (&tl->path, PATH_ITEM)->u.i = (lua_Integer) i + 1;
      if (!push_value (tl, child))
        return FALSE;
      tl->path.n_path--;
      /* A Nothing child leaves a hole, as nil does in Lua. */
      lua_rawseti (L, -2, (lua_Integer) i + 1);
    }

  refs_drop (tl, slot);
  tl->depth--;
  return TRUE;
}

/* a{..} and a(vv): a table of the converted keys and values. */
static gboolean
push_dictionary (ToLua    *tl,
                 GVariant *value)
{
  lua_State *L = tl->L;
  gsize n = g_variant_n_children (value);
  guint entry_slot, part_slot;

  if (!enter_table (tl))
    return FALSE;
  lua_createtable (L, 0, clamp_size (n));
  entry_slot = refs_slot (tl);
  part_slot = refs_slot (tl);

  for (gsize i = 0; i < n; i++)
    {
      lua_Integer number = (lua_Integer) i + 1;
      GVariant *entry = refs_set (tl, entry_slot, g_variant_get_child_value (value, i));
      GVariant *part = refs_set (tl, part_slot, g_variant_get_child_value (entry, 0));
      int ktype;

      path_push (&tl->path, PATH_ENTRY_KEY)->u.i = number;
      if (!push_value (tl, part))
        return FALSE;
      tl->path.n_path--;

      /* lua_rawset() would raise on these. */
      path_push (&tl->path, PATH_ENTRY)->u.i = number;
      ktype = lua_type (L, -1);
      if (ktype == LUA_TNIL)
        {
          set_error (tl->error, &tl->path, FALSE,
                     "a nil key cannot enter the isle");
          return FALSE;
        }
      if (ktype == LUA_TNUMBER && !lua_isinteger (L, -1)
          && isnan (lua_tonumber (L, -1)))
        {
          set_error (tl->error, &tl->path, FALSE,
                     "a NaN key cannot enter the isle");
          return FALSE;
        }

      part = refs_set (tl, part_slot, g_variant_get_child_value (entry, 1));
      if (!push_value (tl, part))
        return FALSE;
      tl->path.n_path--;
      lua_rawset (L, -3);
    }

  refs_drop (tl, part_slot);
  refs_drop (tl, entry_slot);
  tl->depth--;
  return TRUE;
}

/* Pushes exactly one value, or returns FALSE with tl->error set; on failure
 * the Lua stack and tl->refs are left for the caller to reset. */
static gboolean
push_value (ToLua    *tl,
            GVariant *value)
{
  lua_State *L = tl->L;
  GVariantClass cls = g_variant_classify (value);
  guint slot = G_MAXUINT;
  gboolean ok = TRUE;

  /* v and m wrap one value: unwrap them in a loop rather than recursing,
   * so any number of wrappers costs no C stack and no depth. */
  while (cls == G_VARIANT_CLASS_VARIANT || cls == G_VARIANT_CLASS_MAYBE)
    {
      if (cls == G_VARIANT_CLASS_MAYBE && g_variant_n_children (value) == 0)
        {
          lua_pushnil (L);
          goto out;
        }
      if (slot == G_MAXUINT)
        slot = refs_slot (tl);
      value = refs_set (tl, slot, g_variant_get_child_value (value, 0));
      cls = g_variant_classify (value);
    }

  switch (cls)
    {
    case G_VARIANT_CLASS_ARRAY:
      {
        const char *type = g_variant_get_type_string (value);

        if (type[1] == 'y')
          {
            /* Exactly the bytes: a bytestring from
             * g_variant_new_bytestring() keeps its trailing NUL. */
            gsize len;
            const char *bytes = g_variant_get_fixed_array (value, &len, 1);

            lua_pushlstring (L, bytes, len);
          }
        else if (type[1] == '{' || strcmp (type, "a(vv)") == 0)
          ok = push_dictionary (tl, value);
        else
          ok = push_sequence (tl, value);
      }
      break;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      ok = push_sequence (tl, value);
      break;
    default:
      push_basic (L, value);
      break;
    }

out:
  if (ok && slot != G_MAXUINT)
    refs_drop (tl, slot);
  return ok;
}

/* The protected part of run_push(): pushes tl->value, or its children, and
 * returns them; nothing on failure. */
static int
push_protected (lua_State *L)
{
  ToLua *tl = lua_touserdata (L, 1);

  lua_pop (L, 1);
  if (!tl->spread)
    tl->ok = push_value (tl, tl->value);
  else
    {
      gsize n = g_variant_n_children (tl->value);
      guint slot;

      /* The arguments and room to build each one. */
      if (n > (gsize) G_MAXINT / 2 || !lua_checkstack (L, (int) n + 4))
        {
          g_set_error (tl->error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION,
                       "%" G_GSIZE_FORMAT " arguments do not fit on the Lua stack",
                       n);
          return 0;
        }
      slot = refs_slot (tl);
      tl->ok = TRUE;
      for (gsize i = 0; tl->ok && i < n; i++)
        {
          GVariant *child = refs_set (tl, slot,
                                      g_variant_get_child_value (tl->value, i));

          tl->path.label.index = (int) i + 1;
          tl->ok = push_value (tl, child);
        }
    }
  return tl->ok ? lua_gettop (L) : 0;
}

/* Runs the push; returns the number of values pushed, or -1 with @error
 * set and the stack unchanged. Lua errors other than memory errors (those a
 * hook raises to cancel the job) propagate once the references are gone. */
static int
run_push (lua_State   *L,
          GVariant    *value,
          gboolean     spread,
          const char  *where,
          const char  *what,
          GError     **error)
{
  ToLua tl;
  int top = lua_gettop (L);
  int status;

  /* Not a memset: the arrays are only read up to their counts. */
  tl.L = L;
  tl.error = error;
  tl.depth = 0;
  tl.ok = FALSE;
  tl.value = value;
  tl.spread = spread;
  tl.refs = tl.inline_refs;
  tl.n_refs = 0;
  tl.refs_size = INLINE_REFS;
  tl.path.n_path = 0;
  tl.path.label.where = where;
  tl.path.label.what = what;
  tl.path.label.index = 1;

  if (!lua_checkstack (L, 3))
    {
      set_error (error, &tl.path, FALSE, "not enough Lua stack space");
      return -1;
    }

  lua_pushcfunction (L, push_protected);
  lua_pushlightuserdata (L, &tl);
  status = lua_pcall (L, 1, LUA_MULTRET, 0);

  refs_release_to (&tl, 0);
  if (tl.refs != tl.inline_refs)
    g_free (tl.refs);

  switch (status)
    {
    case LUA_OK:
      return tl.ok ? lua_gettop (L) - top : -1;
    case LUA_ERRMEM:
      /* The isle stays usable; say so as a GError the caller can pass on. */
      lua_settop (L, top);
      set_error_code (error, G_ISLE_ERROR_MEMORY, &tl.path, FALSE,
                      "not enough memory");
      return -1;
    default:
      return lua_error (L);
    }
}

static gboolean
is_number_or_boolean (GVariant *value)
{
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
    case G_VARIANT_CLASS_BYTE:
    case G_VARIANT_CLASS_INT16:
    case G_VARIANT_CLASS_UINT16:
    case G_VARIANT_CLASS_INT32:
    case G_VARIANT_CLASS_UINT32:
    case G_VARIANT_CLASS_HANDLE:
    case G_VARIANT_CLASS_INT64:
    case G_VARIANT_CLASS_UINT64:
    case G_VARIANT_CLASS_DOUBLE:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
gisle_value_push (lua_State   *L,
                  GVariant    *value,
                  const char  *where,
                  GError     **error)
{
  g_return_val_if_fail (L != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  where = where != NULL ? where : "value";

  /* Numbers and booleans, most values, allocate nothing and so need no
   * protected call. */
  if (is_number_or_boolean (value))
    {
      if (!lua_checkstack (L, 1))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION,
                       "%s: not enough Lua stack space", where);
          return FALSE;
        }
      push_basic (L, value);
      return TRUE;
    }

  return run_push (L, value, FALSE, where, NULL, error) == 1;
}

int
gisle_value_push_args (lua_State   *L,
                       GVariant    *args,
                       GError     **error)
{
  g_return_val_if_fail (L != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (args == NULL)
    return 0;
  if (!g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE))
    return gisle_value_push (L, args, "argument 1", error) ? 1 : -1;
  if (g_variant_n_children (args) == 0)
    return 0;

  return run_push (L, args, TRUE, NULL, "argument", error);
}
