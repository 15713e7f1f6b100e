/* gisle-debugger-values.c: what a paused frame holds, as GVariant, and
 * code run in a frame.
 *
 * Floor 15 (the debugger's reading of a state): below the debugger's
 * worker side (gisle-debugger-hook.c); it uses the value mapping
 * (gisle-value.c) for plain values and nothing else of lib/.
 *
 * Thread rule: worker thread only, in protected mode (inside the pcall of
 * a question). Reading values never runs script code: tables are read raw
 * and no metamethod is called.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-debug-core-private.h"
#include "gisle-debugger-values-private.h"
#include "gisle-i18n-private.h"
#include "gisle-value-private.h"

#include <string.h>
#include <lauxlib.h>

/* The frame's activation record, for lua_getinfo and lua_getlocal. */
static gboolean
gisle_debug_frame_ar (const GisleDebugFrame *frame,
                      lua_Debug             *ar)
{
  *ar = frame->ar;
  return TRUE;
}

/* ---- Values ----------------------------------------------------------------- */

/* Every value below is a full, non-floating reference. */
static GVariant *
gisle_debug_marker (const char *kind,
                    const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  return g_variant_ref_sink (g_variant_new ("(ss)", kind, valid));
}

static GVariant *gisle_debug_value_at (lua_State *L,
                                       int        idx,
                                       guint      depth,
                                       GPtrArray *path);

static GVariant *
gisle_debug_table (lua_State *L,
                   int        idx,
                   guint      depth,
                   GPtrArray *path)
{
  const void *address = lua_topointer (L, idx);
  g_autofree char *text = g_strdup_printf ("table: %p", address);
  GVariantBuilder builder;
  guint count = 0, skipped = 0;

  if (g_ptr_array_find (path, address, NULL))
    return gisle_debug_marker ("cycle", text);
  /* The globals would fill every _ENV upvalue with the whole library. */
  lua_pushglobaltable (L);
  if (lua_topointer (L, -1) == address)
    {
      lua_pop (L, 1);
      return gisle_debug_marker ("globals", text);
    }
  lua_pop (L, 1);
  if (depth == 0 || !lua_checkstack (L, 3))
    return gisle_debug_marker ("table", text);

  g_ptr_array_add (path, (gpointer) address);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(vv)"));
  lua_pushnil (L);
  while (lua_next (L, idx) != 0)
    {
      if (count < GISLE_DEBUG_MAX_ENTRIES)
        {
          g_autoptr(GVariant) key = gisle_debug_value_at (L, lua_gettop (L) - 1, depth - 1, path);
          g_autoptr(GVariant) value = gisle_debug_value_at (L, lua_gettop (L), depth - 1, path);

          g_variant_builder_add (&builder, "(vv)", key, value);
          count++;
        }
      else
        skipped++;
      lua_pop (L, 1);
    }
  if (skipped > 0)
    {
      g_autofree char *more = g_strdup_printf ("%u more entries", skipped);

      g_autoptr(GVariant) key = gisle_debug_marker ("more", more);

      g_variant_builder_add (&builder, "(vv)", key, g_variant_new_uint32 (skipped));
    }
  g_ptr_array_set_size (path, path->len - 1);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static GVariant *
gisle_debug_function (lua_State *L,
                      int        idx)
{
  lua_Debug ar;
  g_autofree char *text = NULL;

  lua_pushvalue (L, idx);
  if (lua_getinfo (L, ">S", &ar) && strcmp (ar.what, "C") != 0)
    text = g_strdup_printf ("function: %s:%d", ar.short_src, ar.linedefined);
  else
    text = g_strdup_printf ("function: builtin: %p", lua_topointer (L, idx));
  return gisle_debug_marker ("function", text);
}

static GVariant *
gisle_debug_value_at (lua_State *L,
                      int        idx,
                      guint      depth,
                      GPtrArray *path)
{
  g_autofree char *text = NULL;

  idx = lua_absindex (L, idx);
  switch (lua_type (L, idx))
    {
    case LUA_TNIL:
    case LUA_TNONE:
      return g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING:
      {
        GVariant *value = gisle_value_to_variant (L, idx, NULL, NULL);

        if (value != NULL)
          return value;
        return gisle_debug_marker (lua_typename (L, lua_type (L, idx)), "?");
      }
    case LUA_TTABLE:
      return gisle_debug_table (L, idx, depth, path);
    case LUA_TFUNCTION:
      return gisle_debug_function (L, idx);
    default:
      text = g_strdup_printf ("%s: %p", luaL_typename (L, idx), lua_topointer (L, idx));
      return gisle_debug_marker (luaL_typename (L, idx), text);
    }
}

/* The value at @idx as the debugger shows it (see GIsleDebugger); a new
 * non-floating reference. */
GVariant *
gisle_debug_value (lua_State *L,
                   int        idx,
                   guint      max_depth)
{
  g_autoptr(GPtrArray) path = g_ptr_array_new ();

  return gisle_debug_value_at (L, idx, max_depth, path);
}

/* ---- The stack and a frame's variables ------------------------------------- */

static char *
gisle_debug_valid (const char *text)
{
  return g_utf8_make_valid (text != NULL ? text : "", -1);
}

GVariant *
gisle_debug_stack (GisleDebugCore *core)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < core->frames->len; i++)
    {
      GisleDebugFrame *frame = &g_array_index (core->frames, GisleDebugFrame, i);
      GVariantBuilder dict;
      lua_Debug ar;
      g_autofree char *name = NULL;
      g_autofree char *chunk = NULL;

      if (!gisle_debug_frame_ar (frame, &ar) || !lua_getinfo (frame->L, "nSlt", &ar))
        continue;
      if (strcmp (ar.what, "main") == 0)
        name = g_strdup ("(main)");
      else
        name = gisle_debug_valid (ar.name != NULL ? ar.name : "(anonymous)");
      chunk = gisle_debug_valid (ar.short_src);

      g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&dict, "{sv}", "function", g_variant_new_string (name));
      g_variant_builder_add (&dict, "{sv}", "chunk", g_variant_new_string (chunk));
      g_variant_builder_add (&dict, "{sv}", "line", g_variant_new_int32 (ar.currentline));
      g_variant_builder_add (&dict, "{sv}", "line-defined",
                             g_variant_new_int32 (strcmp (ar.what, "C") == 0 ? -1 : ar.linedefined));
      g_variant_builder_add (&dict, "{sv}", "what", g_variant_new_string (ar.what));
      g_variant_builder_add (&dict, "{sv}", "tail-call", g_variant_new_boolean (ar.istailcall));
      g_variant_builder_add (&dict, "{sv}", "coroutine", g_variant_new_uint32 (frame->coroutine));
      g_variant_builder_add_value (&builder, g_variant_builder_end (&dict));
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Pushes @frame's function onto @L. */
static void
gisle_debug_push_function (lua_State             *L,
                           const GisleDebugFrame *frame,
                           lua_Debug             *ar)
{
  lua_getinfo (frame->L, "f", ar);
  lua_xmove (frame->L, L, 1);
}

GVariant *
gisle_debug_variables (lua_State             *L,
                       const GisleDebugFrame *frame,
                       guint                  max_depth)
{
  GVariantBuilder dict, locals, upvalues, varargs;
  lua_Debug ar;
  const char *name;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&locals, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_init (&upvalues, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_init (&varargs, G_VARIANT_TYPE ("av"));
  luaL_checkstack (L, 4, NULL);
  luaL_checkstack (frame->L, 4, NULL);

  if (gisle_debug_frame_ar (frame, &ar))
    {
      for (int n = 1; (name = lua_getlocal (frame->L, &ar, n)) != NULL; n++)
        {
          lua_xmove (frame->L, L, 1);
          /* "(temporary)", "(C temporary)": Lua's internals, not variables. */
          if (name[0] != '(')
            {
              g_autofree char *valid = gisle_debug_valid (name);
              g_autoptr(GVariant) value = gisle_debug_value (L, -1, max_depth);

              g_variant_builder_add (&locals, "(sv)", valid, value);
            }
          lua_pop (L, 1);
        }
      for (int n = -1; lua_getlocal (frame->L, &ar, n) != NULL; n--)
        {
          g_autoptr(GVariant) value = NULL;

          lua_xmove (frame->L, L, 1);
          value = gisle_debug_value (L, -1, max_depth);
          g_variant_builder_add (&varargs, "v", value);
          lua_pop (L, 1);
        }
      gisle_debug_push_function (L, frame, &ar);
      for (int n = 1; (name = lua_getupvalue (L, -1, n)) != NULL; n++)
        {
          g_autofree char *valid = gisle_debug_valid (name[0] != '\0' ? name : "?");
          g_autoptr(GVariant) value = gisle_debug_value (L, -1, max_depth);

          g_variant_builder_add (&upvalues, "(sv)", valid, value);
          lua_pop (L, 1);
        }
      lua_pop (L, 1);
    }
  g_variant_builder_add (&dict, "{sv}", "locals", g_variant_builder_end (&locals));
  g_variant_builder_add (&dict, "{sv}", "upvalues", g_variant_builder_end (&upvalues));
  g_variant_builder_add (&dict, "{sv}", "varargs", g_variant_builder_end (&varargs));
  return g_variant_ref_sink (g_variant_builder_end (&dict));
}

/* ---- Code in a frame -------------------------------------------------------- */

/* The innermost active local of @frame called @name: its index, or 0. */
static int
gisle_debug_find_local (const GisleDebugFrame *frame,
                        lua_Debug             *ar,
                        const char            *name)
{
  const char *local;
  int found = 0;

  if (!gisle_debug_frame_ar (frame, ar))
    return 0;
  for (int n = 1; (local = lua_getlocal (frame->L, ar, n)) != NULL; n++)
    {
      lua_pop (frame->L, 1);
      if (strcmp (local, name) == 0)
        found = n;
    }
  return found;
}

/* The upvalue of @frame's function (on top of @L) called @name, or 0. */
static int
gisle_debug_find_upvalue (lua_State  *L,
                          const char *name)
{
  const char *upvalue;

  for (int n = 1; (upvalue = lua_getupvalue (L, -1, n)) != NULL; n++)
    {
      lua_pop (L, 1);
      if (strcmp (upvalue, name) == 0)
        return n;
    }
  return 0;
}

/* __index and __newindex of the debugger's environment: a local of the
 * frame the debugger runs code in now (core->eval_frame), an upvalue of its
 * function, else the function's _ENV (or the globals). The core is the
 * first upvalue; a function the evaluated code left behind and that runs
 * later finds no frame and raises. */
static int
gisle_debug_env_access (lua_State *L)
{
  GisleDebugCore *core = lua_touserdata (L, lua_upvalueindex (1));
  const GisleDebugFrame *frame = core->eval_frame;
  gboolean write = lua_toboolean (L, lua_upvalueindex (2));
  const char *name = lua_type (L, 2) == LUA_TSTRING ? lua_tostring (L, 2) : NULL;
  lua_Debug ar;
  int n;

  if (frame == NULL)
    return luaL_error (L, "the debugger's frame is gone (code from the debugger sees "
                          "a frame only while the debugger runs it)");

  luaL_checkstack (frame->L, 4, NULL);
  if (name != NULL && (n = gisle_debug_find_local (frame, &ar, name)) > 0)
    {
      if (write)
        {
          lua_pushvalue (L, 3);
          lua_xmove (L, frame->L, 1);
          lua_setlocal (frame->L, &ar, n);
          return 0;
        }
      lua_getlocal (frame->L, &ar, n);
      lua_xmove (frame->L, L, 1);
      return 1;
    }

  lua_settop (L, 3);
  if (!gisle_debug_frame_ar (frame, &ar))
    return luaL_error (L, "the frame is gone");
  gisle_debug_push_function (L, frame, &ar);       /* 4 */
  if (name != NULL && strcmp (name, "_ENV") != 0 &&
      (n = gisle_debug_find_upvalue (L, name)) > 0)
    {
      if (write)
        {
          lua_pushvalue (L, 3);
          lua_setupvalue (L, 4, n);
          return 0;
        }
      lua_getupvalue (L, 4, n);
      return 1;
    }
  if ((n = gisle_debug_find_upvalue (L, "_ENV")) > 0)
    lua_getupvalue (L, 4, n);
  else
    lua_pushglobaltable (L);
  lua_pushvalue (L, 2);
  if (write)
    {
      lua_pushvalue (L, 3);
      lua_settable (L, -3);
      return 0;
    }
  lua_gettable (L, -2);
  return 1;
}

static const char gisle_debug_env_key = 'e';

/* Pushes the debugger's environment: an empty table whose metatable looks
 * in the frame the debugger runs code in. One per state, made once. */
static void
gisle_debug_push_env (GisleDebugCore *core,
                      lua_State      *L)
{
  if (lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_debug_env_key) == LUA_TTABLE)
    return;
  lua_pop (L, 1);
  lua_createtable (L, 0, 0);
  lua_createtable (L, 0, 2);
  lua_pushlightuserdata (L, core);
  lua_pushboolean (L, FALSE);
  lua_pushcclosure (L, gisle_debug_env_access, 2);
  lua_setfield (L, -2, "__index");
  lua_pushlightuserdata (L, core);
  lua_pushboolean (L, TRUE);
  lua_pushcclosure (L, gisle_debug_env_access, 2);
  lua_setfield (L, -2, "__newindex");
  lua_setmetatable (L, -2);
  lua_pushvalue (L, -1);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &gisle_debug_env_key);
}

gboolean
gisle_debug_compile (GisleDebugCore *core,
                     lua_State      *L,
                     const char     *code)
{
  g_autofree char *expression = g_strconcat ("return ", code, NULL);

  if (luaL_loadbufferx (L, expression, strlen (expression), "=(debugger)", "t") != LUA_OK)
    {
      lua_pop (L, 1);
      if (luaL_loadbufferx (L, code, strlen (code), "=(debugger)", "t") != LUA_OK)
        return FALSE;
    }
  gisle_debug_push_env (core, L);
  if (lua_setupvalue (L, -2, 1) == NULL)
    lua_pop (L, 1);
  return TRUE;
}

/* Sets the local (or upvalue) @name of @frame to the value on top of @L,
 * which it pops. */
gboolean
gisle_debug_set_local (lua_State             *L,
                       const GisleDebugFrame *frame,
                       const char            *name,
                       GError               **error)
{
  lua_Debug ar;
  int n;

  luaL_checkstack (frame->L, 4, NULL);
  if ((n = gisle_debug_find_local (frame, &ar, name)) > 0)
    {
      lua_xmove (L, frame->L, 1);
      lua_setlocal (frame->L, &ar, n);
      return TRUE;
    }
  if (gisle_debug_frame_ar (frame, &ar))
    {
      gisle_debug_push_function (L, frame, &ar);
      if ((n = gisle_debug_find_upvalue (L, name)) > 0)
        {
          lua_insert (L, -2);
          lua_setupvalue (L, -2, n);
          lua_pop (L, 1);
          return TRUE;
        }
      lua_pop (L, 1);
    }
  lua_pop (L, 1);
  g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_FOUND,
               _("The frame has no local variable or upvalue “%s”"), name);
  return FALSE;
}
