/* test-sandbox.c: white-box tests of the sandboxed library loader.
 *
 * gisle_sandbox_open() runs here on bare Lua states, without a worker, so
 * this file provides its own gisle_output_write() and gisle_output_warning()
 * that record every piece of output. The linker takes these and never pulls
 * gisle-output.o out of the static library. Delivery through GIsle::output
 * is tested end to end in test-output.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"

#include <string.h>

#include <glib/gstdio.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "gisle-output-private.h"
#include "gisle-sandbox-private.h"

#define B    G_ISLE_LIBRARIES_BASE
#define CO   G_ISLE_LIBRARIES_COROUTINE
#define TAB  G_ISLE_LIBRARIES_TABLE
#define STR  G_ISLE_LIBRARIES_STRING
#define UTF  G_ISLE_LIBRARIES_UTF8
#define MTH  G_ISLE_LIBRARIES_MATH
#define OS   G_ISLE_LIBRARIES_OS
#define FIL  G_ISLE_LIBRARIES_FILES
#define PRC  G_ISLE_LIBRARIES_PROCESS
#define PKG  G_ISLE_LIBRARIES_PACKAGE
#define NAT  G_ISLE_LIBRARIES_NATIVE
#define DBG  G_ISLE_LIBRARIES_DEBUG

#define STDIN_MESSAGE "standard input is not available in an isle"
#define EXIT_MESSAGE \
  "os.exit is not available in an isle: a script cannot end the host process"
#define BINARY_MESSAGE "attempt to load a binary chunk (mode is 't')"


/* The output fakes */

static GString *captured;
static guint n_pieces;

void
gisle_output_write (lua_State   *L,
                    GIsleStream  stream,
                    const char  *data,
                    gsize        len)
{
  /* Warnings must come through gisle_output_warning(), which never raises. */
  g_assert_cmpint (stream, !=, G_ISLE_STREAM_WARNING);
  g_assert_cmpuint (len, >, 0);
  g_string_append (captured, stream == G_ISLE_STREAM_STDOUT ? "out{" : "err{");
  g_string_append_len (captured, data, len);
  g_string_append_c (captured, '}');
  n_pieces++;
}

void
gisle_output_warning (lua_State  *L,
                      const char *data,
                      gsize       len)
{
  g_string_append (captured, "warn{");
  g_string_append_len (captured, data, len);
  g_string_append_c (captured, '}');
  n_pieces++;
}

/* The main context is never behind here: nothing waits for room. */
gboolean
gisle_output_must_suspend (lua_State *L)
{
  return FALSE;
}

int
gisle_output_suspend (lua_State     *L,
                      lua_KFunction  restart)
{
  g_assert_not_reached ();
  return 0;
}

/* Returns what was captured since the last call, and forgets it. */
static char *
take_output (void)
{
  char *s = g_strdup (captured->str);

  g_string_truncate (captured, 0);
  n_pieces = 0;
  return s;
}

#define assert_output(expected) \
  G_STMT_START { \
    g_autofree char *out_ = take_output (); \
    g_assert_cmpstr (out_, ==, (expected)); \
  } G_STMT_END


/* States and Lua code */

/* Opens the libraries in protected mode, as the worker does, and fails
 * (raises) if gisle_sandbox_open() left anything on the stack. */
static int
open_cb (lua_State *L)
{
  GIsleLibraries libraries = (GIsleLibraries) lua_tointeger (L, 1);
  int top = lua_gettop (L);

  gisle_sandbox_open (L, libraries);
  if (lua_gettop (L) != top)
    return luaL_error (L, "gisle_sandbox_open() changed the stack: %d -> %d",
                       top, lua_gettop (L));
  return 0;
}

static lua_State *
new_isle (GIsleLibraries libraries)
{
  lua_State *L = luaL_newstate ();

  g_assert_nonnull (L);
  lua_pushcfunction (L, open_cb);
  lua_pushinteger (L, libraries);
  if (lua_pcall (L, 1, 0, 0) != LUA_OK)
    g_error ("opening libraries 0x%x: %s", libraries, lua_tostring (L, -1));
  g_assert_cmpint (lua_gettop (L), ==, 0);
  return L;
}

/* A state with Lua's own libraries, to make bytecode and to show that what
 * the sandbox refuses does work without it. */
static lua_State *
new_plain_state (void)
{
  lua_State *L = luaL_newstate ();

  g_assert_nonnull (L);
  luaL_openlibs (L);
  return L;
}

/* Runs @code (text) with the C API only, so it works in bare states too.
 * Returns the results joined by ",", or "error: " and the message. */
static char *
eval (lua_State  *L,
      const char *code)
{
  GString *s = g_string_new (NULL);
  int status;
  int n, i;

  status = luaL_loadbufferx (L, code, strlen (code), "=test", "t");
  if (status == LUA_OK)
    status = lua_pcall (L, 0, LUA_MULTRET, 0);
  if (status != LUA_OK)
    {
      const char *msg = lua_tostring (L, -1);

      g_string_append_printf (s, "error: %s", msg ? msg : "(not a string)");
      lua_settop (L, 0);
      return g_string_free (s, FALSE);
    }

  n = lua_gettop (L);
  for (i = 1; i <= n; i++)
    {
      size_t len;
      const char *v = luaL_tolstring (L, i, &len);

      if (i > 1)
        g_string_append_c (s, ',');
      g_string_append_len (s, v, len);
      lua_pop (L, 1);
    }
  lua_settop (L, 0);
  return g_string_free (s, FALSE);
}

#define assert_eval(L, code, expected) \
  G_STMT_START { \
    g_autofree char *r_ = eval ((L), (code)); \
    g_assert_cmpstr (r_, ==, (expected)); \
  } G_STMT_END

#define assert_eval_contains(L, code, needle) \
  G_STMT_START { \
    g_autofree char *r_ = eval ((L), (code)); \
    if (strstr (r_, (needle)) == NULL) \
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                  code, r_, "contains", (needle)); \
  } G_STMT_END

static void
set_global_string (lua_State  *L,
                   const char *name,
                   const char *value,
                   gsize       len)
{
  lua_pushlstring (L, value, len);
  lua_setglobal (L, name);
}

/* The type of a dotted path from the global table, LUA_TNIL if absent. */
static int
path_type (lua_State  *L,
           const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  int type;
  int i;

  lua_pushglobaltable (L);
  for (i = 0; parts[i] != NULL; i++)
    {
      if (lua_type (L, -1) != LUA_TTABLE)
        {
          lua_pop (L, 1);
          lua_pushnil (L);
          break;
        }
      lua_getfield (L, -1, parts[i]);
      lua_remove (L, -2);
    }
  type = lua_type (L, -1);
  lua_pop (L, 1);
  return type;
}

static void
assert_present (lua_State          *L,
                const char * const *paths)
{
  for (; *paths != NULL; paths++)
    if (path_type (L, *paths) == LUA_TNIL)
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                                  "path", *paths, "is", "present");
}

static void
assert_absent (lua_State          *L,
               const char * const *paths)
{
  for (; *paths != NULL; paths++)
    if (path_type (L, *paths) != LUA_TNIL)
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                                  "path", *paths, "is", "absent");
}

/* Bytecode for @source, made by string.dump in a plain state. */
static GBytes *
make_bytecode (const char *source)
{
  lua_State *P = new_plain_state ();
  const char *data;
  size_t len;
  GBytes *bytes;

  lua_getglobal (P, "string");
  lua_getfield (P, -1, "dump");
  g_assert_cmpint (luaL_loadstring (P, source), ==, LUA_OK);
  g_assert_cmpint (lua_pcall (P, 1, 1, 0), ==, LUA_OK);
  data = lua_tolstring (P, -1, &len);
  g_assert_nonnull (data);
  g_assert_cmpint (data[0], ==, LUA_SIGNATURE[0]);
  bytes = g_bytes_new (data, len);
  lua_close (P);
  return bytes;
}

static char *
write_temp_file (const char *dir,
                 const char *name,
                 const char *data,
                 gsize       len)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_dir_close (d);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}


/* Layout: which globals and fields exist for which flags */

typedef struct
{
  const char *path;
  guint any;      /* present only if one of these is set (0: never) */
  guint all;      /* ...and all of these */
} Rule;

/* Written from the GIsleLibraries documentation, independently of the
 * implementation. */
static const Rule rules[] = {
  { "_G", B, 0 },
  { "print", B, 0 },
  { "load", B, 0 },
  { "collectgarbage", B, 0 },
  { "warn", B, 0 },
  { "pcall", B, 0 },
  { "tostring", B, 0 },
  { "dofile", B, B | FIL },
  { "loadfile", B, B | FIL },
  { "coroutine", CO, 0 },
  { "coroutine.wrap", CO, 0 },
  { "table", TAB, 0 },
  { "table.concat", TAB, 0 },
  { "string", STR, 0 },
  { "string.format", STR, 0 },
  { "string.dump", 0, 0 },
  { "utf8", UTF, 0 },
  { "utf8.char", UTF, 0 },
  { "math", MTH, 0 },
  { "math.floor", MTH, 0 },
  { "os", OS | FIL | PRC, 0 },
  { "os.exit", OS | FIL | PRC, 0 },
  { "os.clock", OS, 0 },
  { "os.time", OS, 0 },
  { "os.date", OS, 0 },
  { "os.difftime", OS, 0 },
  { "os.remove", FIL, 0 },
  { "os.rename", FIL, 0 },
  { "os.tmpname", FIL, 0 },
  { "os.execute", PRC, 0 },
  { "os.getenv", PRC, 0 },
  { "os.setlocale", 0, 0 },
  { "io", B | FIL | PRC, 0 },
  { "io.write", B | FIL | PRC, 0 },
  { "io.stdout", B | FIL | PRC, 0 },
  { "io.stderr", B | FIL | PRC, 0 },
  { "io.read", B | FIL | PRC, 0 },
  { "io.lines", B | FIL | PRC, 0 },
  { "io.input", B | FIL | PRC, 0 },
  { "io.stdin", 0, 0 },
  { "io.open", FIL, 0 },
  { "io.output", FIL, 0 },
  { "io.close", FIL, 0 },
  { "io.type", FIL, 0 },
  { "io.flush", FIL, 0 },
  { "io.tmpfile", FIL, 0 },
  { "io.popen", PRC, 0 },
  { "package", PKG | NAT, 0 },
  { "require", PKG | NAT, 0 },
  { "package.path", PKG | NAT, 0 },
  { "package.searchpath", PKG | NAT, 0 },
  { "package.loadlib", NAT, 0 },
  { "debug", DBG, 0 },
  { "debug.sethook", DBG, 0 },
  { "debug.getregistry", DBG, 0 },
};

static const char *const library_names[] = {
  "_G", "package", "coroutine", "table", "io", "os", "string", "math",
  "utf8", "debug",
};

/* Checks @L against the rules, and that package.loaded and the globals
 * agree. Returns the number of mismatches, each reported with g_test_message
 * so that the combinations test can name them all. */
static guint
check_layout (lua_State      *L,
              GIsleLibraries  libraries)
{
  guint failures = 0;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      gboolean expected = (libraries & rules[i].any) != 0 &&
                          (libraries & rules[i].all) == rules[i].all;
      gboolean present = path_type (L, rules[i].path) != LUA_TNIL;

      if (expected != present)
        {
          g_test_message ("libraries 0x%03x: %s is %s", libraries,
                          rules[i].path, present ? "present" : "absent");
          failures++;
        }
    }

  luaL_getsubtable (L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  for (i = 0; i < G_N_ELEMENTS (library_names); i++)
    {
      lua_getfield (L, -1, library_names[i]);
      lua_getglobal (L, library_names[i]);
      if (!lua_rawequal (L, -1, -2))
        {
          g_test_message ("libraries 0x%03x: package.loaded.%s is not _G.%s",
                          libraries, library_names[i], library_names[i]);
          failures++;
        }
      lua_pop (L, 2);
    }
  lua_pop (L, 1);

  /* string.dump must be gone from the strings' metatable too. */
  if (libraries & STR)
    {
      lua_pushliteral (L, "");
      lua_getfield (L, -1, "dump");
      if (!lua_isnil (L, -1))
        {
          g_test_message ("libraries 0x%03x: (\"\").dump exists", libraries);
          failures++;
        }
      lua_pop (L, 2);
    }

  /* os.exit, wherever os exists, refuses with its message. */
  lua_getglobal (L, "os");
  if (lua_istable (L, -1))
    {
      lua_getfield (L, -1, "exit");
      lua_pushinteger (L, 0);
      if (lua_pcall (L, 1, 0, 0) == LUA_OK ||
          strstr (lua_tostring (L, -1), EXIT_MESSAGE) == NULL)
        {
          g_test_message ("libraries 0x%03x: os.exit did not refuse",
                          libraries);
          failures++;
        }
      lua_pop (L, 1);
    }
  lua_pop (L, 1);

  g_assert_cmpint (lua_gettop (L), ==, 0);
  return failures;
}

static void
test_layout_flag (gconstpointer data)
{
  GIsleLibraries libraries = GPOINTER_TO_UINT (data);
  lua_State *L = new_isle (libraries);

  g_assert_cmpuint (check_layout (L, libraries), ==, 0);
  lua_close (L);
}

static void
test_layout_none (void)
{
  lua_State *L = new_isle (G_ISLE_LIBRARIES_NONE);

  g_assert_cmpuint (check_layout (L, G_ISLE_LIBRARIES_NONE), ==, 0);

  /* Bare: no globals at all, nothing in package.loaded. */
  lua_pushglobaltable (L);
  lua_pushnil (L);
  g_assert_false (lua_next (L, -2));
  lua_pop (L, 1);
  luaL_getsubtable (L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushnil (L);
  g_assert_false (lua_next (L, -2));
  lua_pop (L, 1);

  /* Warnings (Lua raises them itself for errors in __gc) are captured even
   * here, and on from the start. */
  lua_warning (L, "bare ", 1);
  lua_warning (L, "state", 0);
  assert_output ("warn{bare state\n}");

  lua_close (L);
}

static void
test_layout_safe (void)
{
  static const char *const present[] = {
    "print", "load", "collectgarbage", "warn", "pcall", "io", "io.write",
    "io.stdout", "io.stderr", "io.read", "io.lines", "io.input",
    "coroutine", "table", "string", "utf8", "math", "os", "os.clock",
    "os.time", "os.date", "os.difftime", "os.exit", NULL
  };
  static const char *const absent[] = {
    "dofile", "loadfile", "string.dump", "io.popen", "io.open", "io.output",
    "io.stdin", "io.close", "package", "require", "debug", "os.remove",
    "os.rename", "os.tmpname", "os.execute", "os.getenv", "os.setlocale",
    NULL
  };
  lua_State *L = new_isle (G_ISLE_LIBRARIES_SAFE);

  assert_present (L, present);
  assert_absent (L, absent);
  g_assert_cmpuint (check_layout (L, G_ISLE_LIBRARIES_SAFE), ==, 0);

  assert_eval (L, "os.exit()", "error: test:1: " EXIT_MESSAGE);
  assert_eval (L, "os.exit(0, true)", "error: test:1: " EXIT_MESSAGE);
  assert_eval (L, "return ('x'):rep(3), string.dump, ('').dump",
               "xxx,nil,nil");
  assert_eval (L, "return math.type(os.time()), type(os.clock()), "
                  "os.date('!%Y', 0), os.difftime(2, 1)",
               "integer,number,1970,1.0");
  assert_eval (L, "return coroutine.wrap(function() coroutine.yield(1) end)()",
               "1");
  assert_eval (L, "return table.concat({1, 2}, '-'), utf8.char(72), "
                  "math.floor(2.5)",
               "1-2,H,2");
  assert_output ("");

  lua_close (L);
}

static void
test_layout_all (void)
{
  static const char *const present[] = {
    "dofile", "loadfile", "io.popen", "io.open", "io.output", "io.close",
    "package", "require", "package.loadlib", "debug", "debug.sethook",
    "os.remove", "os.rename", "os.tmpname", "os.execute", "os.getenv",
    "os.exit", NULL
  };
  static const char *const absent[] = {
    "string.dump", "io.stdin", "os.setlocale", NULL
  };
  lua_State *L = new_isle (G_ISLE_LIBRARIES_ALL);

  assert_present (L, present);
  assert_absent (L, absent);
  g_assert_cmpuint (check_layout (L, G_ISLE_LIBRARIES_ALL), ==, 0);

  assert_eval (L, "os.exit(true)", "error: test:1: " EXIT_MESSAGE);
  assert_eval (L, "return #package.searchers, package.cpath ~= ''", "4,true");
  assert_eval_contains (L, "debug.debug()",
                        "debug.debug is not available in an isle");
  assert_eval (L, "return type(os.getenv('PATH'))", "string");

  lua_close (L);
}

/* Every one of the 4096 combinations: the layout rules, package.loaded,
 * os.exit, and no stray stack values (new_isle checks that). */
static void
test_layout_combinations (void)
{
  guint failures = 0;
  guint libraries;

  for (libraries = 0; libraries <= G_ISLE_LIBRARIES_ALL; libraries++)
    {
      lua_State *L = new_isle (libraries);

      /* NATIVE implies PACKAGE. */
      failures += check_layout (L, (libraries & NAT) ? libraries | PKG
                                                     : libraries);
      lua_close (L);
    }
  g_assert_cmpuint (failures, ==, 0);
}


/* Base library */

static void
test_load_binary (void)
{
  g_autoptr(GBytes) bytecode = make_bytecode ("return 42");
  gsize len;
  const char *data = g_bytes_get_data (bytecode, &len);
  lua_State *P = new_plain_state ();
  lua_State *L = new_isle (G_ISLE_LIBRARIES_SAFE);

  /* The chunk is valid: Lua's own load runs it. */
  set_global_string (P, "chunk", data, len);
  assert_eval (P, "return load(chunk)()", "42");

  /* A mode without "t" refuses text before parsing it, as Lua does. */
  {
    const char *refused[] = {
      "return load('return 1', 'c', 'b')",
      "return load('x = = 1', 'c', 'b')",
      "return load('return 1', 'c', 'x')",
      "local done\n"
      "return load(function ()\n"
      "  if not done then done = true return 'return 1' end\n"
      "end, 'c', 'b')",
    };
    const char *expected[] = {
      "nil,attempt to load a text chunk (mode is 'b')",
      "nil,attempt to load a text chunk (mode is 'b')",
      "nil,attempt to load a text chunk (mode is 'x')",
      "nil,attempt to load a text chunk (mode is 'b')",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        assert_eval (P, refused[i], expected[i]);
        assert_eval (L, refused[i], expected[i]);
      }
  }
  lua_close (P);

  set_global_string (L, "chunk", data, len);
  assert_eval (L, "return load(chunk)", "nil," BINARY_MESSAGE);
  assert_eval (L, "return load(chunk, 'c', 'b')", "nil," BINARY_MESSAGE);
  assert_eval (L, "return load(chunk, 'c', 'bt')", "nil," BINARY_MESSAGE);
  assert_eval (L, "local done\n"
                  "return load(function ()\n"
                  "  if not done then done = true return chunk end\n"
                  "end, 'c', 'b')",
               "nil," BINARY_MESSAGE);

  /* Text still loads, with every argument doing what Lua documents. */
  assert_eval (L, "return load('return 1 + 1')()", "2");
  assert_eval (L, "return load('return x', 'c', 'bt', { x = 5 })()", "5");
  assert_eval_contains (L, "return load('return x', 'c', 't', nil)()",
                        "upvalue '_ENV'");
  assert_eval (L, "local parts = { 'return ', '3 * ', '4' }\n"
                  "return load(function () return table.remove(parts, 1) end)()",
               "12");
  assert_eval_contains (L, "return pcall(load('error(\"e\")', '=name'))",
                        "false,name:1: e");
  assert_eval_contains (L, "return load('x =', '=name')",
                        "nil,name:1: unexpected symbol near <eof>");
  assert_eval_contains (L, "return load()",
                        "bad argument #1 to 'load'");
  assert_eval_contains (L, "return load(function () return {} end)",
                        "nil,test:1: reader function must return a string");

  lua_close (L);
}

static void
test_collectgarbage (void)
{
  static const char *const refused[] = {
    "stop", "restart", "incremental", "generational", "setpause", "setstepmul"
  };
  lua_State *L = new_isle (G_ISLE_LIBRARIES_SAFE);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *code = g_strdup_printf ("collectgarbage('%s', 100)",
                                               refused[i]);
      g_autofree char *expected =
        g_strdup_printf ("error: test:1: collectgarbage('%s') is not allowed "
                         "in an isle", refused[i]);

      assert_eval (L, code, expected);
    }

  assert_eval (L, "return collectgarbage('isrunning')", "true");
  assert_eval (L, "return collectgarbage()", "0");
  assert_eval (L, "return collectgarbage('collect')", "0");
  assert_eval (L, "local k = collectgarbage('count')\n"
                  "return math.type(k), k > 1 and k < 10000",
               "float,true");
  assert_eval (L, "return type(collectgarbage('step')), "
                  "type(collectgarbage('step', 10))",
               "boolean,boolean");
  assert_eval_contains (L, "collectgarbage('bogus')",
                        "bad argument #1 to 'collectgarbage' "
                        "(invalid option 'bogus')");
  assert_eval_contains (L, "collectgarbage({})",
                        "bad argument #1 to 'collectgarbage'");

  lua_close (L);
}

static void
test_print (void)
{
  lua_State *L = new_isle (G_ISLE_LIBRARIES_SAFE);

  assert_eval (L, "print(1, nil, true, 'x', 2.5, 1.0, "
                  "setmetatable({}, { __tostring = function () return 'T' end }))",
               "");
  g_assert_cmpuint (n_pieces, ==, 1);
  assert_output ("out{1\tnil\ttrue\tx\t2.5\t1.0\tT\n}");

  assert_eval (L, "print()", "");
  assert_output ("out{\n}");

  assert_eval (L, "print(setmetatable({}, { __name = 'Thing' }))", "");
  {
    g_autofree char *out = take_output ();

    g_assert_true (g_str_has_prefix (out, "out{Thing: 0x"));
  }

  assert_eval_contains (L, "print(1, setmetatable({}, "
                           "{ __tostring = function () return {} end }))",
                        "'__tostring' must return a string");
  assert_output ("");

  lua_close (L);
}

static void
test_warn (void)
{
  lua_State *L = new_isle (G_ISLE_LIBRARIES_BASE);

  assert_eval (L, "warn('a')", "");
  assert_output ("warn{a\n}");

  assert_eval (L, "warn('@off') warn('b') warn('x', 'y')", "");
  assert_output ("");
  assert_eval (L, "warn('@on') warn('c', 'd', 'e')", "");
  g_assert_cmpuint (n_pieces, ==, 1);
  assert_output ("warn{cde\n}");

  /* Unknown control messages are ignored; a multi-part message is never a
   * control message, whatever its parts say. */
  assert_eval (L, "warn('@bogus') warn('@off', 'x') warn('y', '@off') "
                  "warn('z')",
               "");
  assert_output ("warn{@offx\n}warn{y@off\n}warn{z\n}");

  /* Lua's own warnings from the collector, in several parts. */
  assert_eval (L, "setmetatable({}, { __gc = function () error('boom') end })\n"
                  "collectgarbage()",
               "");
  g_assert_cmpuint (n_pieces, ==, 1);
  assert_output ("warn{error in __gc (test:1: boom)\n}");

  assert_eval_contains (L, "warn()", "bad argument #1 to 'warn'");

  /* Finalizers that run at lua_close() still warn through the sandbox. */
  assert_eval (L, "keep = setmetatable({}, { __gc = function () "
                  "error('late') end })",
               "");
  lua_close (L);
  assert_output ("warn{error in __gc (test:1: late)\n}");
}


/* io without and with FILES */

static void
test_io_write (void)
{
  lua_State *L = new_isle (G_ISLE_LIBRARIES_SAFE);

  assert_eval (L, "return io.write('a', 1, ' ', 1.5, ' ', 2^63, ' ', 1.0, "
                  "' ', math.mininteger, ' ', -0.0) == io.stdout",
               "true");
  g_assert_cmpuint (n_pieces, ==, 1);
  assert_output ("out{a1 1.5 9.2233720368548e+18 1 -9223372036854775808 -0}");

  assert_eval (L, "io.write('x'):write('y') io.write()", "");
  assert_output ("out{x}out{y}");

  assert_eval (L, "return io.stdout:write('s') == io.stdout, "
                  "io.stderr:write('e', 2) == io.stderr",
               "true,true");
  assert_output ("out{s}err{e2}");

  assert_eval (L, "return io.stdout:flush() == io.stdout, "
                  "io.stdout:setvbuf('no'), io.stderr:setvbuf('line', 10), "
                  "tostring(io.stdout), tostring(io.stderr)",
               "true,true,true,file (stdout),file (stderr)");
  assert_eval_contains (L, "io.stdout:setvbuf('bogus')",
                        "invalid option 'bogus'");
  assert_eval (L, "io.stdout:close()",
               "error: test:1: cannot close standard file");
  assert_eval (L, "io.stderr:close()",
               "error: test:1: cannot close standard file");
  assert_eval (L, "io.stdout:read()",
               "error: test:1: standard output is not readable");
  assert_eval (L, "io.stdout:lines()",
               "error: test:1: standard output is not readable");
  assert_eval (L, "io.stderr:read()",
               "error: test:1: standard error is not readable");

  assert_eval_contains (L, "io.write('a', {})",
                        "bad argument #2 to 'write' (string expected, got table)");
  assert_eval_contains (L, "io.stdout:write({})",
                        "bad argument #1 to 'write' (string expected, got table)");
  assert_eval_contains (L, "io.stdout.write('x')",
                        "bad argument #1 to 'write' (FILE* expected, got string)");
  assert_output ("");

  lua_close (L);
}

static void
test_stdin (void)
{
  static const GIsleLibraries sets[] = {
    G_ISLE_LIBRARIES_SAFE, B | PRC, G_ISLE_LIBRARIES_ALL
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      lua_State *L = new_isle (sets[i]);

      assert_eval (L, "io.read()", "error: test:1: " STDIN_MESSAGE);
      assert_eval (L, "io.read('n')", "error: test:1: " STDIN_MESSAGE);
      assert_eval (L, "io.lines()", "error: test:1: " STDIN_MESSAGE);
      assert_eval (L, "io.lines(nil, 'l')", "error: test:1: " STDIN_MESSAGE);
      assert_eval (L, "io.input()", "error: test:1: " STDIN_MESSAGE);
      assert_eval (L, "io.input(io.stdout)",
                   "error: test:1: standard output is not readable");
      assert_eval (L, "return io.stdin", "nil");

      if (!(sets[i] & FIL))
        {
          assert_eval (L, "io.lines('/etc/hostname')",
                       "error: test:1: file access is not available in this isle");
          assert_eval (L, "io.input('/etc/hostname')",
                       "error: test:1: file access is not available in this isle");
        }
      else
        {
          assert_eval (L, "dofile()", "error: test:1: " STDIN_MESSAGE);
          assert_eval (L, "dofile(nil)", "error: test:1: " STDIN_MESSAGE);
          assert_eval (L, "loadfile()", "error: test:1: " STDIN_MESSAGE);
        }
      lua_close (L);
    }
}

static void
test_io_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gisle-sandbox-XXXXXX", NULL);
  g_autofree char *lines = NULL;
  g_autofree char *out = NULL;
  lua_State *L;

  g_assert_nonnull (dir);
  lines = write_temp_file (dir, "lines.txt", "one\ntwo\n", 8);
  out = g_build_filename (dir, "out.txt", NULL);

  L = new_isle (G_ISLE_LIBRARIES_ALL);
  set_global_string (L, "lines_path", lines, strlen (lines));
  set_global_string (L, "out_path", out, strlen (out));

  /* The real standard streams are unreachable even through the registry:
   * liolib's handles for them are closed. */
  assert_eval (L, "local file_mt = debug.getregistry()['FILE*']\n"
                  "local n = 0\n"
                  "for k, v in pairs(debug.getregistry()) do\n"
                  "  if getmetatable(v) == file_mt then\n"
                  "    n = n + 1\n"
                  "    assert(io.type(v) == 'closed file', k)\n"
                  "  end\n"
                  "end\n"
                  "return n",
               "2");

  assert_eval (L, "return io.output() == io.stdout, io.type(io.stdout), "
                  "io.type(io.stderr), io.type(42), io.flush() == io.stdout",
               "true,file,file,nil,true");
  assert_eval (L, "io.output():write('o')", "");
  assert_output ("out{o}");
  assert_eval (L, "io.close()", "error: test:1: cannot close standard file");
  assert_eval (L, "io.close(io.stderr)",
               "error: test:1: cannot close standard file");

  /* io.output(file) redirects io.write to the file, and back. */
  assert_eval (L, "local f = io.output(out_path)\n"
                  "io.write('to file ', 42)\n"
                  "io.output(io.stdout)\n"
                  "f:close()\n"
                  "io.write('back')\n"
                  "local g = io.open(out_path)\n"
                  "local text = g:read('a')\n"
                  "g:close()\n"
                  "return text, io.output() == io.stdout",
               "to file 42,true");
  assert_output ("out{back}");
  assert_eval (L, "io.output(out_path) io.close() "
                  "return pcall(io.write, 'x')",
               "false,default output file is closed");
  assert_eval (L, "return io.output(io.stdout) == io.stdout", "true");
  assert_eval_contains (L, "io.output({})", "bad argument #1 to 'output'");

  /* Reading files works; once io.input(file) chose one, so does io.read. */
  assert_eval (L, "local t = {} for l in io.lines(lines_path) do t[#t + 1] = l end\n"
                  "return table.concat(t, '+')",
               "one+two");
  assert_eval (L, "io.read()", "error: test:1: " STDIN_MESSAGE);
  assert_eval (L, "io.input(lines_path) return io.read('l'), io.type(io.input())",
               "one,file");
  assert_eval (L, "local t = {} for l in io.lines() do t[#t + 1] = l end\n"
                  "return table.concat(t, '+')",
               "two");
  assert_eval_contains (L, "io.lines('/nonexistent/file')",
                        "error: test:1: cannot open file '/nonexistent/file'");

  assert_eval (L, "return os.remove(out_path)", "true");
  assert_output ("");
  lua_close (L);

  remove_tree (dir);
}

static void
test_dofile (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gisle-sandbox-XXXXXX", NULL);
  g_autoptr(GBytes) bytecode = make_bytecode ("return 8");
  g_autofree char *text = NULL;
  g_autofree char *bin = NULL;
  g_autofree char *env = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytecode, &len);
  lua_State *L;

  g_assert_nonnull (dir);
  text = write_temp_file (dir, "text.lua", "return 1, 2", 11);
  bin = write_temp_file (dir, "bin.lua", data, len);
  env = write_temp_file (dir, "env.lua", "return x", 8);

  L = new_isle (B | FIL);
  set_global_string (L, "text", text, strlen (text));
  set_global_string (L, "bin", bin, strlen (bin));
  set_global_string (L, "env", env, strlen (env));

  assert_eval (L, "return dofile(text)", "1,2");
  assert_eval (L, "return loadfile(text, 'b')()", "1,2");
  assert_eval (L, "return loadfile(env, 't', { x = 3 })()", "3");
  assert_eval (L, "return loadfile(bin)", "nil," BINARY_MESSAGE);
  assert_eval (L, "return loadfile(bin, 'b')", "nil," BINARY_MESSAGE);
  assert_eval_contains (L, "dofile(bin)", BINARY_MESSAGE);
  assert_eval_contains (L, "return loadfile('/nonexistent.lua')",
                        "nil,cannot open /nonexistent.lua");
  lua_close (L);

  /* The bytecode file is valid: Lua's own dofile runs it. */
  L = new_plain_state ();
  set_global_string (L, "bin", bin, strlen (bin));
  assert_eval (L, "return dofile(bin)", "8");
  lua_close (L);

  remove_tree (dir);
}

static void
test_require (void)
{
  static const GIsleLibraries sets[] = { B | PKG, B | NAT };
  g_autofree char *dir = g_dir_make_tmp ("gisle-sandbox-XXXXXX", NULL);
  g_autofree char *sub = NULL;
  g_autoptr(GBytes) bytecode = make_bytecode ("return { v = 8 }");
  g_autofree char *path = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytecode, &len);
  lua_State *L;
  gsize i;

  g_assert_nonnull (dir);
  g_free (write_temp_file (dir, "text.lua", "return { v = 7, name = ... }", 28));
  g_free (write_temp_file (dir, "bin.lua", data, len));
  sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_free (write_temp_file (sub, "mod.lua", "return { v = 9 }", 16));
  path = g_build_filename (dir, "?.lua", NULL);

  /* The bytecode module is valid: Lua's own searcher loads it. */
  L = new_plain_state ();
  set_global_string (L, "path", path, strlen (path));
  assert_eval (L, "package.path = path return require('bin').v", "8");
  lua_close (L);

  for (i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      L = new_isle (sets[i]);
      set_global_string (L, "path", path, strlen (path));
      assert_eval (L, "package.path = path", "");

      assert_eval (L, "return require('text').v, require('text').name",
                   "7,text");
      assert_eval (L, "return require('sub.mod').v", "9");
      assert_eval_contains (L, "require('bin')", BINARY_MESSAGE);
      assert_eval_contains (L, "require('bin')",
                            "error loading module 'bin' from file '");
      assert_eval_contains (L, "require('missing')",
                            "module 'missing' not found:");
      assert_eval_contains (L, "require('missing')", "missing.lua'");
      assert_eval_contains (L, "package.path = 1 require('missing')",
                            "no file '1'");
      assert_eval_contains (L, "package.path = {} require('missing')",
                            "'package.path' must be a string");

      if (sets[i] & NAT)
        assert_eval (L, "return #package.searchers, package.cpath ~= '', "
                        "type(package.loadlib)",
                     "4,true,function");
      else
        assert_eval (L, "return #package.searchers, package.cpath, "
                        "type(package.loadlib)",
                     "2,,nil");
      lua_close (L);
    }

  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char *name;
    GIsleLibraries libraries;
  } flags[] = {
    { "base", B }, { "coroutine", CO }, { "table", TAB }, { "string", STR },
    { "utf8", UTF }, { "math", MTH }, { "os", OS }, { "files", FIL },
    { "process", PRC }, { "package", PKG }, { "native", NAT },
    { "debug", DBG },
  };
  int status;
  gsize i;

  g_test_init (&argc, &argv, NULL);
  captured = g_string_new (NULL);

  g_test_add_func ("/sandbox/layout/none", test_layout_none);
  g_test_add_func ("/sandbox/layout/safe", test_layout_safe);
  g_test_add_func ("/sandbox/layout/all", test_layout_all);
  for (i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autofree char *name = g_strdup_printf ("/sandbox/layout/flag/%s",
                                               flags[i].name);

      g_test_add_data_func (name, GUINT_TO_POINTER (flags[i].libraries),
                            test_layout_flag);
    }
  g_test_add_func ("/sandbox/layout/combinations", test_layout_combinations);
  g_test_add_func ("/sandbox/base/load-binary", test_load_binary);
  g_test_add_func ("/sandbox/base/collectgarbage", test_collectgarbage);
  g_test_add_func ("/sandbox/base/print", test_print);
  g_test_add_func ("/sandbox/base/warn", test_warn);
  g_test_add_func ("/sandbox/base/dofile", test_dofile);
  g_test_add_func ("/sandbox/io/write", test_io_write);
  g_test_add_func ("/sandbox/io/stdin", test_stdin);
  g_test_add_func ("/sandbox/io/files", test_io_files);
  g_test_add_func ("/sandbox/package/require", test_require);

  status = g_test_run ();
  g_string_free (captured, TRUE);
  return status;
}
