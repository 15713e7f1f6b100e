/* repl-eval.c: what gisle-repl runs on the isle's worker thread, through
 * g_isle_exec_async(): compiling a line as lua.c does ("return <line>"
 * first, then the line), running it with a traceback, and walking the
 * results in Lua, where functions, cycles and __tostring are at hand; the
 * text follows the rules of lib/text/gisle-value-text.c, as the console's.
 *
 * Everything here touches only the lua_State handed to the exec callback,
 * on the isle's own thread (GIsle's thread rule).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "repl-eval.h"

#include "gisle-value-text.h"

#include <string.h>
#include <lua.h>
#include <lauxlib.h>

void
repl_request_free (ReplRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->code);
  g_free (request->chunk_name);
  g_strfreev (request->arg);
  g_strfreev (request->varargs);
  g_free (request->require_global);
  g_free (request->require_module);
  g_free (request);
}

/* ---- Formatting results ----------------------------------------------- */

/* The walk over live Lua values; how they read is gisle-value-text.c's
 * business, shared with the console. Nothing here raises a Lua error,
 * so no GLib memory is ever skipped by a longjmp: what may raise
 * (metamethods, allocation) runs in lua_pcall. */

#define MAX_DEPTH 90

typedef struct
{
  lua_State *L;
  GHashTable *on_path;  /* tables being shown, for cycles */
  char *error;          /* the first error of a __tostring, if any */
} Walk;

static const GisleValueTextStyle style = { GISLE_VALUE_TEXT_COMPACT, 0 };

static char *walk_value (Walk *w, int idx, gboolean nested, guint depth);

/* In protected mode: a plain table (shown as one) leaves false; anything
 * else its text as lua.c shows it (__tostring, __name, "function: 0x..."). */
static int
describe (lua_State *L)
{
  if (lua_type (L, 1) == LUA_TTABLE
      && luaL_getmetafield (L, 1, "__tostring") == LUA_TNIL
      && luaL_getmetafield (L, 1, "__name") == LUA_TNIL)
    {
      lua_pushboolean (L, 0);
      return 1;
    }
  luaL_tolstring (L, 1, NULL);
  return 1;
}

/* In protected mode: a table of the keys of table 1, in traversal order. */
static int
collect_keys (lua_State *L)
{
  lua_Integer n = 0;

  lua_newtable (L);
  lua_pushnil (L);
  while (lua_next (L, 1) != 0)
    {
      lua_pop (L, 1);
      lua_pushvalue (L, -1);
      lua_rawseti (L, 2, ++n);
    }
  return 1;
}

/* Runs @fn on the value at @idx, leaving its result on the stack; FALSE
 * (and the error kept) if it failed. */
static gboolean
call_protected (Walk          *w,
                lua_CFunction  fn,
                int            idx)
{
  lua_State *L = w->L;

  lua_pushcfunction (L, fn);
  lua_pushvalue (L, idx);
  if (lua_pcall (L, 1, 1, 0) == LUA_OK)
    return TRUE;
  if (w->error == NULL)
    w->error = g_strdup (lua_type (L, -1) == LUA_TSTRING ? lua_tostring (L, -1) : "(error object is not a string)");
  lua_pop (L, 1);
  return FALSE;
}

typedef struct
{
  Walk *w;
  int table;
  int keys;
} Entries;

static char *
render_entry (gpointer    data,
              gsize       index,
              gboolean    key,
              const char *indent,
              guint       depth)
{
  Entries *e = data;
  lua_State *L = e->w->L;
  char *text;

  lua_rawgeti (L, e->keys, (lua_Integer) index + 1);
  if (!key)
    lua_rawget (L, e->table);
  text = walk_value (e->w, -1, TRUE, depth);
  lua_pop (L, 1);
  return text;
}

static char *
walk_table (Walk *w,
            int   t,
            guint depth)
{
  lua_State *L = w->L;
  g_autofree GisleValueTextKey *keys = NULL;
  Entries entries = { w, t, 0 };
  lua_Integer n;
  char *text;

  if (!call_protected (w, collect_keys, t))
    return g_strdup ("{…}");
  entries.keys = lua_gettop (L);
  n = (lua_Integer) lua_rawlen (L, entries.keys);
  keys = g_new0 (GisleValueTextKey, MAX (n, 1));
  for (lua_Integer i = 0; i < n; i++)
    {
      GisleValueTextKey *k = &keys[i];

      k->index = (gsize) i;
      k->kind = GISLE_VALUE_TEXT_KEY_OTHER;
      switch (lua_rawgeti (L, entries.keys, i + 1))
        {
        case LUA_TNUMBER:
          k->kind = GISLE_VALUE_TEXT_KEY_NUMBER;
          k->is_integer = lua_isinteger (L, -1);
          if (k->is_integer)
            k->integer = lua_tointeger (L, -1);
          else
            k->number = lua_tonumber (L, -1);
          break;
        case LUA_TBOOLEAN:
          k->kind = GISLE_VALUE_TEXT_KEY_BOOLEAN;
          k->boolean = lua_toboolean (L, -1);
          break;
        case LUA_TSTRING:
          /* The keys table holds the string while it is shown. */
          k->kind = GISLE_VALUE_TEXT_KEY_STRING;
          k->string = lua_tolstring (L, -1, &k->len);
          break;
        default:
          break;
        }
      lua_pop (L, 1);
    }

  g_hash_table_add (w->on_path, (gpointer) lua_topointer (L, t));
  text = gisle_value_text_table (&style, keys, (gsize) n, render_entry, &entries, "", depth);
  g_hash_table_remove (w->on_path, lua_topointer (L, t));
  lua_pop (L, 1);  /* keys */
  return text;
}

static char *
walk_value (Walk     *w,
            int       idx,
            gboolean  nested,
            guint     depth)
{
  lua_State *L = w->L;
  char *text;

  idx = lua_absindex (L, idx);
  if (!lua_checkstack (L, 8))
    return g_strdup ("…");

  if (lua_type (L, idx) == LUA_TSTRING)
    {
      size_t len;
      const char *s = lua_tolstring (L, idx, &len);
      GString *out;

      /* Quoted inside tables, so that "1" and 1 differ; as is at the top,
       * as lua.c prints it. */
      if (!nested)
        return g_strndup (s, len);
      out = g_string_new (NULL);
      gisle_value_text_append_quoted (out, s, len);
      return g_string_free (out, FALSE);
    }

  if (!call_protected (w, describe, idx))
    return g_strdup ("?");
  if (lua_type (L, -1) == LUA_TBOOLEAN)
    {
      lua_pop (L, 1);
      /* A table already being shown (a cycle), or too deep, shows as
       * lua.c shows it. */
      if (depth < MAX_DEPTH && !g_hash_table_contains (w->on_path, lua_topointer (L, idx)))
        return walk_table (w, idx, depth);
      lua_pushfstring (L, "table: %p", lua_topointer (L, idx));
    }
  text = g_strdup (lua_tostring (L, -1));
  lua_pop (L, 1);
  return text;
}

/* The values on the stack above @base, as one line; NULL and @error set
 * if a __tostring failed. */
static char *
format_results (lua_State  *L,
                int         base,
                char      **error)
{
  Walk w = { L, g_hash_table_new (NULL, NULL), NULL };
  g_autoptr(GString) out = g_string_new (NULL);
  int top = lua_gettop (L);

  for (int i = base + 1; i <= top; i++)
    {
      g_autofree char *text = walk_value (&w, i, FALSE, 0);

      if (i > base + 1)
        g_string_append_c (out, '\t');
      g_string_append (out, text);
    }
  g_string_append_c (out, '\n');
  g_hash_table_unref (w.on_path);
  if (w.error != NULL)
    {
      *error = w.error;
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- Running a chunk --------------------------------------------------- */

/* lua.c's message handler: a traceback after the message. */
static int
repl_msgh (lua_State *L)
{
  const char *msg = lua_tostring (L, 1);

  if (msg == NULL)
    {
      if (luaL_callmeta (L, 1, "__tostring") && lua_type (L, -1) == LUA_TSTRING)
        return 1;
      msg = lua_pushfstring (L, "(error object is a %s value)", luaL_typename (L, 1));
    }
  luaL_traceback (L, L, msg, 1);
  return 1;
}

static gboolean
is_incomplete (lua_State *L)
{
  size_t len;
  const char *msg = lua_tolstring (L, -1, &len);

  return msg != NULL && len >= 5 && strcmp (msg + len - 5, "<eof>") == 0;
}

static void
set_lua_error (lua_State  *L,
               int         status,
               gint        code,
               GError    **error)
{
  const char *msg = lua_tostring (L, -1);

  g_set_error_literal (error, G_ISLE_ERROR,
                       status == LUA_ERRMEM ? G_ISLE_ERROR_MEMORY : code,
                       msg != NULL ? msg : "unknown error");
}

/* Pushes the compiled chunk, or sets @error (SYNTAX or INCOMPLETE). As
 * lua.c: "return <code>" first, so that an expression prints; then the
 * code itself. An incomplete form wins, so that the prompt asks for more. */
static gboolean
load_chunk (lua_State   *L,
            ReplRequest *request,
            GError     **error)
{
  const char *code = request->code;
  gboolean return_incomplete = FALSE;
  g_autofree char *return_message = NULL;
  int status;

  if (request->try_return)
    {
      g_autofree char *text = g_strconcat ("return ", code, NULL);

      status = luaL_loadbuffer (L, text, strlen (text), request->chunk_name);
      if (status == LUA_OK)
        return TRUE;
      if (status == LUA_ERRMEM || !request->try_statement)
        {
          set_lua_error (L, status, is_incomplete (L) ? G_ISLE_ERROR_INCOMPLETE : G_ISLE_ERROR_SYNTAX,
                         error);
          lua_pop (L, 1);
          return FALSE;
        }
      return_incomplete = is_incomplete (L);
      return_message = g_strdup (lua_tostring (L, -1));
      lua_pop (L, 1);
    }

  status = luaL_loadbuffer (L, code, strlen (code), request->chunk_name);
  if (status == LUA_OK)
    return TRUE;
  if (status != LUA_ERRMEM && !is_incomplete (L) && return_incomplete)
    {
      /* "1 +" is incomplete as an expression, wrong as a statement. */
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE, return_message);
      lua_pop (L, 1);
      return FALSE;
    }
  set_lua_error (L, status, is_incomplete (L) ? G_ISLE_ERROR_INCOMPLETE : G_ISLE_ERROR_SYNTAX,
                 error);
  lua_pop (L, 1);
  return FALSE;
}

/* lua.c's arg table: the script at 0, its arguments from 1, and what came
 * before it (the program and the options) at negative indices. */
static void
set_arg_table (lua_State   *L,
               ReplRequest *request)
{
  int n = (int) g_strv_length (request->arg);

  lua_createtable (L, n - request->arg_script, request->arg_script + 1);
  for (int i = 0; i < n; i++)
    {
      lua_pushstring (L, request->arg[i]);
      lua_rawseti (L, -2, i - request->arg_script);
    }
  lua_setglobal (L, "arg");
}

GVariant *
repl_run_request (GIsle      *isle,
                  lua_State  *L,
                  gpointer    data,
                  GError    **error)
{
  ReplRequest *request = data;
  int base = lua_gettop (L);
  int nargs = 0;
  int status;

  if (request->arg != NULL)
    set_arg_table (L, request);

  if (request->require_module != NULL)
    {
      /* -l: require() with the sandbox's own rules. */
      if (lua_getglobal (L, "require") != LUA_TFUNCTION)
        {
          lua_settop (L, base);
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                       "cannot load module '%s': require is not available "
                       "(the package library needs --trusted)",
                       request->require_module);
          return NULL;
        }
      lua_pushstring (L, request->require_module);
      nargs = 1;
    }
  else if (!load_chunk (L, request, error))
    {
      lua_settop (L, base);
      return NULL;
    }

  lua_pushcfunction (L, repl_msgh);
  lua_insert (L, base + 1);
  for (char **v = request->varargs; v != NULL && *v != NULL; v++)
    {
      luaL_checkstack (L, 1, "too many arguments to script");
      lua_pushstring (L, *v);
      nargs++;
    }
  status = lua_pcall (L, nargs, request->require_module != NULL ? 1 : LUA_MULTRET, base + 1);
  if (status != LUA_OK)
    {
      set_lua_error (L, status, G_ISLE_ERROR_RUNTIME, error);
      lua_settop (L, base);
      return NULL;
    }

  if (request->require_module != NULL)
    {
      lua_setglobal (L, request->require_global);
      lua_settop (L, base);
      return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1);
    }

  if (request->print && lua_gettop (L) > base + 1)
    {
      g_autofree char *failure = NULL;
      char *text = format_results (L, base + 1, &failure);

      lua_settop (L, base);
      if (text == NULL)
        {
          /* As lua.c: "error calling 'print' (...)". */
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME,
                       "error printing the results (%s)", failure);
          return NULL;
        }
      return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, text, strlen (text),
                                      TRUE, g_free, text);
    }

  lua_settop (L, base);
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1);
}

/* ---- Completion ---------------------------------------------------------- */

/* The names that complete @prefix: the global path before its last "." or
 * ":" is walked with raw access (no metamethod runs), then the keys of the
 * table found (and of its metatable's __index table, for methods). */
GVariant *
repl_complete (GIsle      *isle,
               lua_State  *L,
               gpointer    data,
               GError    **error)
{
  const char *prefix = data;
  const char *last = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GVariantBuilder builder;
  int base = lua_gettop (L);

  for (const char *p = prefix; *p; p++)
    if (*p == '.' || *p == ':')
      last = p;

  lua_pushglobaltable (L);
  if (last != NULL)
    {
      g_auto(GStrv) parts = NULL;
      g_autofree char *path = g_strndup (prefix, last - prefix);

      g_strdelimit (path, ":", '.');
      parts = g_strsplit (path, ".", -1);
      for (char **part = parts; *part != NULL; part++)
        {
          if (!lua_istable (L, -1))
            break;
          lua_pushstring (L, *part);
          lua_rawget (L, -2);
          lua_remove (L, -2);
        }
    }

  for (int pass = 0; pass < 2; pass++)
    {
      const char *word = last != NULL ? last + 1 : prefix;

      if (pass == 1)
        {
          /* Methods: the metatable's __index table. */
          if (!lua_getmetatable (L, -1))
            break;
          lua_pushliteral (L, "__index");
          lua_rawget (L, -2);
          lua_remove (L, -2);
          lua_remove (L, -2);
        }
      if (!lua_istable (L, -1))
        break;
      lua_pushnil (L);
      while (lua_next (L, -2) != 0)
        {
          lua_pop (L, 1);
          if (lua_type (L, -1) == LUA_TSTRING)
            {
              const char *key = lua_tostring (L, -1);

              if (g_str_has_prefix (key, word) && gisle_value_text_is_identifier (key, strlen (key)))
                g_ptr_array_add (names, g_strdup_printf ("%.*s%s", (int) (word - prefix), prefix, key));
            }
        }
    }
  lua_settop (L, base);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < names->len; i++)
    g_variant_builder_add (&builder, "s", g_ptr_array_index (names, i));
  return g_variant_builder_end (&builder);
}
