/* gisle-debug-hook.c: debug.sethook and debug.gethook as Lua 5.4's ldblib.c
 * has them, so that GIsle's guard around debug.sethook (gisle-cancel.c)
 * runs them in its own frame instead of calling the original through
 * lua_call(). That extra C frame showed through to scripts: a return hook
 * saw an unnamed function at level 2 where Lua shows `sethook`, and saw one
 * return event too many. Since ldblib's hook function is static, the pair
 * is reimplemented here, closely following ldblib.c (Lua 5.4, MIT licence,
 * Copyright (C) 1994-2022 Lua.org, PUC-Rio), with the same registry table,
 * so a hook set either way is seen by both.
 *
 * Floor 3 (Lua hooks): Lua only; gisle-cancel.c calls it.
 *
 * Thread rule: runs inside Lua, on the thread that runs the isle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-debug-hook-private.h"

#include <string.h>
#include <lauxlib.h>

/* The key ldblib uses: the table of hook functions, one per thread. */
static const char *const gisle_hook_key = "_HOOKKEY";

static void
gisle_debug_checkstack (lua_State *L,
                        lua_State *L1,
                        int        n)
{
  if (L != L1 && !lua_checkstack (L1, n))
    luaL_error (L, "stack overflow");
}

static lua_State *
gisle_debug_getthread (lua_State *L,
                       int       *arg)
{
  if (lua_isthread (L, 1))
    {
      *arg = 1;
      return lua_tothread (L, 1);
    }
  *arg = 0;
  return L;
}

static void
gisle_debug_hookf (lua_State *L,
                   lua_Debug *ar)
{
  static const char *const hooknames[] = { "call", "return", "line", "count", "tail call" };

  lua_getfield (L, LUA_REGISTRYINDEX, gisle_hook_key);
  lua_pushthread (L);
  if (lua_rawget (L, -2) == LUA_TFUNCTION)
    {
      lua_pushstring (L, hooknames[ar->event]);
      if (ar->currentline >= 0)
        lua_pushinteger (L, ar->currentline);
      else
        lua_pushnil (L);
      lua_getinfo (L, "lS", ar);
      lua_call (L, 2, 0);
    }
}

static int
gisle_debug_makemask (const char *smask,
                      int         count)
{
  int mask = 0;

  if (strchr (smask, 'c'))
    mask |= LUA_MASKCALL;
  if (strchr (smask, 'r'))
    mask |= LUA_MASKRET;
  if (strchr (smask, 'l'))
    mask |= LUA_MASKLINE;
  if (count > 0)
    mask |= LUA_MASKCOUNT;
  return mask;
}

static char *
gisle_debug_unmakemask (int   mask,
                        char *smask)
{
  int i = 0;

  if (mask & LUA_MASKCALL)
    smask[i++] = 'c';
  if (mask & LUA_MASKRET)
    smask[i++] = 'r';
  if (mask & LUA_MASKLINE)
    smask[i++] = 'l';
  smask[i] = '\0';
  return smask;
}

int
gisle_debug_sethook (lua_State *L)
{
  int arg, mask, count;
  lua_Hook func;
  lua_State *L1 = gisle_debug_getthread (L, &arg);

  if (lua_isnoneornil (L, arg + 1))
    {
      lua_settop (L, arg + 1);
      func = NULL;
      mask = 0;
      count = 0;
    }
  else
    {
      const char *smask = luaL_checkstring (L, arg + 2);

      luaL_checktype (L, arg + 1, LUA_TFUNCTION);
      count = (int) luaL_optinteger (L, arg + 3, 0);
      func = gisle_debug_hookf;
      mask = gisle_debug_makemask (smask, count);
    }
  if (!luaL_getsubtable (L, LUA_REGISTRYINDEX, gisle_hook_key))
    {
      /* The table is new: make its keys weak. */
      lua_pushliteral (L, "k");
      lua_setfield (L, -2, "__mode");
      lua_pushvalue (L, -1);
      lua_setmetatable (L, -2);
    }
  gisle_debug_checkstack (L, L1, 1);
  lua_pushthread (L1);
  lua_xmove (L1, L, 1);
  lua_pushvalue (L, arg + 1);
  lua_rawset (L, -3);
  lua_sethook (L1, func, mask, count);
  return 0;
}

int
gisle_debug_gethook (lua_State *L)
{
  int arg;
  lua_State *L1 = gisle_debug_getthread (L, &arg);
  char buff[5];
  int mask = lua_gethookmask (L1);
  lua_Hook hook = lua_gethook (L1);

  if (hook == NULL)
    {
      luaL_pushfail (L);
      return 1;
    }
  else if (hook != gisle_debug_hookf)
    lua_pushliteral (L, "external hook");
  else
    {
      lua_getfield (L, LUA_REGISTRYINDEX, gisle_hook_key);
      gisle_debug_checkstack (L, L1, 1);
      lua_pushthread (L1);
      lua_xmove (L1, L, 1);
      lua_rawget (L, -2);
      lua_remove (L, -2);
    }
  lua_pushstring (L, gisle_debug_unmakemask (mask, buff));
  lua_pushinteger (L, lua_gethookcount (L1));
  return 3;
}
