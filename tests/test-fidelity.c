/* test-fidelity.c: Lua inside an isle behaves as plain Lua where a script
 * can tell. Each case runs in a plain lua_State (luaL_openlibs) and in an
 * isle with every library, and the two must agree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "gisle-test-utils.h"

typedef struct
{
  const char *path;
  const char *code;     /* returns one string */
  const char *expected; /* what plain Lua 5.4 gives */
} FidelityCase;

static const FidelityCase cases[] = {
  /* Hook events and the names at level 2 (the db.lua check:
   * getinfo(2).name was nil in the return hook of sethook). */
  { "/fidelity/hook/call-return-names",
    "local t = {}\n"
    "debug.sethook(function (ev)\n"
    "  t[#t + 1] = ev .. ':' .. tostring(debug.getinfo(2, 'n').name)\n"
    "end, 'cr')\n"
    "local x = math.abs(-1)\n"
    "debug.sethook()\n"
    "return table.concat(t, ' ')",
    "return:sethook call:abs return:abs call:sethook" },
  { "/fidelity/hook/level-2-is-sethook",
    "local what\n"
    "debug.sethook(function (ev)\n"
    "  if not what then local i = debug.getinfo(2, 'nS') what = i.what .. ' ' .. tostring(i.name) end\n"
    "end, 'r')\n"
    "debug.sethook()\n"
    "return what",
    "C sethook" },
  { "/fidelity/hook/lines",
    "local lines = {}\n"
    "local function f(a)\n"
    "  local b = a + 1\n"
    "  return b\n"
    "end\n"
    "debug.sethook(function (ev, line) lines[#lines + 1] = line end, 'l')\n"
    "f(1)\n"
    "debug.sethook()\n"
    "return table.concat(lines, ',')",
    "7,3,4,8" },
  { "/fidelity/hook/gethook",
    "local function h() end\n"
    "debug.sethook(h, 'crl', 5)\n"
    "local f, m, c = debug.gethook()\n"
    "debug.sethook()\n"
    "return tostring(f == h) .. ' ' .. m .. ' ' .. c .. ' ' .. tostring(debug.gethook())",
    "true crl 5 nil" },
  { "/fidelity/hook/coroutine",
    "local co = coroutine.create(function (x)\n"
    "  local y = x\n"
    "  coroutine.yield(y)\n"
    "end)\n"
    "local lines = {}\n"
    "debug.sethook(co, function (ev, line) lines[#lines + 1] = line end, 'l')\n"
    "coroutine.resume(co, 1)\n"
    "local h = debug.gethook(co)\n"
    "return table.concat(lines, ',') .. ' ' .. type(h) .. ' ' .. tostring(debug.gethook())",
    "2,3 function nil" },
  { "/fidelity/hook/count",
    "local n = 0\n"
    "debug.sethook(function (ev) n = n + 1 end, '', 1)\n"
    "for i = 1, 10 do end\n"
    "debug.sethook()\n"
    "return tostring(n > 10)",
    "true" },
  /* xpcall(f, debug.traceback), the common idiom: no extra frame. */
  { "/fidelity/xpcall/traceback-handler",
    "local ok, tb = xpcall(function () error('x') end, debug.traceback)\n"
    "return (tb:gsub('\\n\\t%[C%]: in %?$', ''))",
    "test:1: x\n"
    "stack traceback:\n"
    "\t[C]: in function 'error'\n"
    "\ttest:1: in function <test:1>\n"
    "\t[C]: in function 'xpcall'\n"
    "\ttest:1: in main chunk" },
  { "/fidelity/xpcall/handler-level-2",
    "local name\n"
    "xpcall(function () error('x') end, debug.traceback)\n"
    "local t = {}\n"
    "debug.sethook(function (ev) t[#t + 1] = ev .. ':' .. tostring(debug.getinfo(2, 'n').name) end, 'cr')\n"
    "xpcall(function () error('y') end, debug.traceback)\n"
    "debug.sethook()\n"
    "return table.concat(t, ' ')",
    "return:sethook call:xpcall call:nil call:error call:nil return:nil return:xpcall call:sethook" },
  { "/fidelity/load/mode-b-refuses-text",
    "local f, e = load('return 1', 'c', 'b') return tostring(f) .. ' ' .. e",
    "nil attempt to load a text chunk (mode is 'b')" },
};

static char *
run_plain (const char *code)
{
  lua_State *L = luaL_newstate ();
  char *result;

  luaL_openlibs (L);
  if (luaL_loadbufferx (L, code, strlen (code), "=test", "t") != LUA_OK ||
      lua_pcall (L, 0, 1, 0) != LUA_OK)
    result = g_strdup_printf ("error: %s", lua_tostring (L, -1));
  else
    result = g_strdup (lua_tostring (L, -1));
  lua_close (L);
  return result;
}

static char *
run_isle (GIsle      *isle,
          const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = g_isle_eval_full (isle, code, "=test", 0, NULL, &error);
  const char *text;

  if (result == NULL)
    return g_strdup_printf ("error: %s", error->message);
  g_variant_get_child (result, 0, "&s", &text);
  return g_strdup (text);
}

static void
test_case (gconstpointer data)
{
  const FidelityCase *c = data;
  g_autoptr(GIsle) isle = gisle_test_isle_new ("libraries", G_ISLE_LIBRARIES_ALL, NULL);
  g_autofree char *plain = run_plain (c->code);
  g_autofree char *inside = run_isle (isle, c->code);

  /* The expectation is plain Lua's: checked, so a new Lua cannot make the
   * comparison vacuous. */
  g_assert_cmpstr (plain, ==, c->expected);
  g_assert_cmpstr (inside, ==, plain);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], test_case);
  return g_test_run ();
}
