/* repl-eval.c: what gisle-repl runs on the isle's worker thread, through
 * g_isle_exec_async(): compiling a line as lua.c does ("return <line>"
 * first, then the line), running it with a traceback, and formatting the
 * results in Lua, where functions, cycles and __tostring are at hand.
 *
 * Everything here touches only the lua_State handed to the exec callback,
 * on the isle's own thread (GIsle's thread rule).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "repl-eval.h"

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

typedef struct
{
  lua_State *L;
  int out;    /* a table of pieces, concatenated at the end */
  int seen;   /* tables being printed, for cycles */
  int n;
} Fmt;

static void fmt_value (Fmt *f, int idx, gboolean nested, int depth);

static void
fmt_emit (Fmt *f)
{
  lua_rawseti (f->L, f->out, ++f->n);
}

static void
fmt_literal (Fmt        *f,
             const char *text)
{
  lua_pushstring (f->L, text);
  fmt_emit (f);
}

/* Strings inside tables are quoted so that "1" and 1 differ. */
static void
fmt_quoted (Fmt *f,
            int  idx)
{
  lua_State *L = f->L;
  size_t len;
  const char *s = lua_tolstring (L, idx, &len);
  luaL_Buffer b;

  luaL_buffinit (L, &b);
  luaL_addchar (&b, '"');
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = s[i];

      switch (c)
        {
        case '"': luaL_addstring (&b, "\\\""); break;
        case '\\': luaL_addstring (&b, "\\\\"); break;
        case '\n': luaL_addstring (&b, "\\n"); break;
        case '\r': luaL_addstring (&b, "\\r"); break;
        case '\t': luaL_addstring (&b, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            {
              char esc[8];

              g_snprintf (esc, sizeof esc, "\\%u", c);
              luaL_addstring (&b, esc);
            }
          else
            luaL_addchar (&b, c);
        }
    }
  luaL_addchar (&b, '"');
  luaL_pushresult (&b);
  fmt_emit (f);
}

static gboolean
is_identifier (const char *name)
{
  static const char * const reserved[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for",
    "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
    "return", "then", "true", "until", "while",
  };

  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (strcmp (name, reserved[i]) == 0)
      return FALSE;
  return TRUE;
}

typedef struct
{
  int rank;          /* integers, floats, booleans, strings, the rest */
  lua_Integer i;
  lua_Number d;
  const char *s;     /* held by the keys table */
  size_t len;
  int position;      /* in the keys table */
} KeyInfo;

/* Lua tables have no order; sorting makes the output stable: integers
 * first (so that 1..n shows as a list), then the rest. Never raises. */
static int
compare_keys (gconstpointer a,
              gconstpointer b,
              gpointer      data)
{
  const KeyInfo *ka = a, *kb = b;

  if (ka->rank != kb->rank)
    return ka->rank < kb->rank ? -1 : 1;
  switch (ka->rank)
    {
    case 0:
      return ka->i < kb->i ? -1 : ka->i > kb->i;
    case 1:
      return ka->d < kb->d ? -1 : ka->d > kb->d;
    case 2:
      return (int) ka->i - (int) kb->i;
    case 3:
      {
        int c = memcmp (ka->s, kb->s, MIN (ka->len, kb->len));
        return c != 0 ? c : (ka->len < kb->len ? -1 : ka->len > kb->len);
      }
    default:
      return ka->position - kb->position;   /* the order of traversal */
    }
}

static void
fmt_table (Fmt *f,
           int  t,
           int  depth)
{
  lua_State *L = f->L;
  int keys, nkeys = 0;
  KeyInfo *info;
  lua_Integer next_index = 1;

  lua_newtable (L);
  keys = lua_gettop (L);
  lua_pushnil (L);
  while (lua_next (L, t) != 0)
    {
      lua_pop (L, 1);
      lua_pushvalue (L, -1);
      lua_rawseti (L, keys, ++nkeys);
    }

  /* Held by the stack, so a Lua error (out of memory) frees it too. */
  info = lua_newuserdatauv (L, sizeof (KeyInfo) * MAX (nkeys, 1), 0);
  for (int i = 0; i < nkeys; i++)
    {
      KeyInfo *k = &info[i];

      memset (k, 0, sizeof *k);
      k->position = i + 1;
      lua_rawgeti (L, keys, i + 1);
      switch (lua_type (L, -1))
        {
        case LUA_TNUMBER:
          if (lua_isinteger (L, -1))
            k->i = lua_tointeger (L, -1);
          else
            {
              k->rank = 1;
              k->d = lua_tonumber (L, -1);
            }
          break;
        case LUA_TBOOLEAN:
          k->rank = 2;
          k->i = lua_toboolean (L, -1);
          break;
        case LUA_TSTRING:
          k->rank = 3;
          k->s = lua_tolstring (L, -1, &k->len);
          break;
        default:
          k->rank = 4;
        }
      lua_pop (L, 1);
    }
  g_qsort_with_data (info, nkeys, sizeof (KeyInfo), compare_keys, NULL);

  fmt_literal (f, "{");
  for (int i = 0; i < nkeys; i++)
    {
      KeyInfo *k = &info[i];

      luaL_checkstack (L, 8, "table too deep to print");
      if (i > 0)
        fmt_literal (f, ", ");
      lua_rawgeti (L, keys, k->position);
      /* Keys 1, 2, 3... print as a list, as they were written. */
      if (next_index > 0 && k->rank == 0 && k->i == next_index)
        next_index++;
      else
        {
          next_index = 0;
          if (k->rank == 3 && strlen (k->s) == k->len && is_identifier (k->s))
            {
              lua_pushvalue (L, -1);
              fmt_emit (f);
            }
          else
            {
              fmt_literal (f, "[");
              fmt_value (f, -1, TRUE, depth + 1);
              fmt_literal (f, "]");
            }
          fmt_literal (f, " = ");
        }
      lua_rawget (L, t);
      fmt_value (f, -1, TRUE, depth + 1);
      lua_pop (L, 1);
    }
  fmt_literal (f, "}");
  lua_pop (L, 2);  /* info, keys */
}

static void
fmt_value (Fmt      *f,
           int       idx,
           gboolean  nested,
           int       depth)
{
  lua_State *L = f->L;

  idx = lua_absindex (L, idx);
  luaL_checkstack (L, 8, "table too deep to print");

  switch (lua_type (L, idx))
    {
    case LUA_TSTRING:
      if (nested)
        fmt_quoted (f, idx);
      else
        {
          lua_pushvalue (L, idx);
          fmt_emit (f);
        }
      return;

    case LUA_TTABLE:
      /* A table that names itself (__tostring, __name) prints as lua.c
       * prints it, and so does one already being printed (a cycle). */
      if (luaL_getmetafield (L, idx, "__tostring") != LUA_TNIL ||
          luaL_getmetafield (L, idx, "__name") != LUA_TNIL)
        lua_pop (L, 1);
      else
        {
          lua_pushvalue (L, idx);
          if (lua_rawget (L, f->seen) == LUA_TNIL && depth < 90)
            {
              lua_pop (L, 1);
              lua_pushvalue (L, idx);
              lua_pushboolean (L, 1);
              lua_rawset (L, f->seen);
              fmt_table (f, idx, depth);
              lua_pushvalue (L, idx);
              lua_pushnil (L);
              lua_rawset (L, f->seen);
              return;
            }
          lua_pop (L, 1);
        }
      G_GNUC_FALLTHROUGH;

    default:
      /* lua.c prints with luaL_tolstring: __tostring, __name, then
       * "function: 0x...". */
      luaL_tolstring (L, idx, NULL);
      fmt_emit (f);
    }
}

/* In protected mode: the values on the stack, as one line. */
static int
format_results (lua_State *L)
{
  int n = lua_gettop (L);
  Fmt f = { L, 0, 0, 0 };
  luaL_Buffer b;

  lua_newtable (L);
  f.out = lua_gettop (L);
  lua_newtable (L);
  f.seen = lua_gettop (L);
  for (int i = 1; i <= n; i++)
    {
      if (i > 1)
        fmt_literal (&f, "\t");
      fmt_value (&f, i, FALSE, 0);
    }
  fmt_literal (&f, "\n");

  luaL_buffinit (L, &b);
  for (int i = 1; i <= f.n; i++)
    {
      lua_rawgeti (L, f.out, i);
      luaL_addvalue (&b);
    }
  luaL_pushresult (&b);
  return 1;
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
      size_t len;
      const char *text;
      GVariant *result;

      lua_pushcfunction (L, format_results);
      lua_insert (L, base + 2);
      status = lua_pcall (L, lua_gettop (L) - base - 2, 1, base + 1);
      if (status != LUA_OK)
        {
          /* As lua.c: "error calling 'print' (...)". */
          lua_pushfstring (L, "error printing the results (%s)", lua_tostring (L, -1));
          set_lua_error (L, status, G_ISLE_ERROR_RUNTIME, error);
          lua_settop (L, base);
          return NULL;
        }
      text = lua_tolstring (L, -1, &len);
      result = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, text, len, 1);
      lua_settop (L, base);
      return result;
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

              if (g_str_has_prefix (key, word) && is_identifier (key))
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
