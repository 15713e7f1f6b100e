/* gisle-sandbox.c: the Lua libraries an isle opens, and what is left out.
 *
 * Floor 7 (sandbox and host functions): it opens Lua's libraries and
 * captures their output through gisle-output.c.
 *
 * Thread rule: runs on the thread that runs the isle (it touches L).
 *
 * The rules, and the reason behind each, are in docs/sandbox.md. In short:
 * output is always captured (print, io.write, io.stdout/io.stderr, warn),
 * standard input, os.exit and bytecode are never available, and everything
 * that reaches files, processes or native code needs its own flag.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "gisle-output-private.h"
#include "gisle-sandbox-private.h"

/* Registry keys: only their addresses matter. */
static const char sandbox_flags_key = 0;   /* GIsleLibraries, while opening */
static const char sandbox_warn_key = 0;    /* the SandboxWarn userdata */
static const char sandbox_output_key = 0;  /* the current default output */
static const char sandbox_input_key = 0;   /* TRUE once io.input(file) ran */

#define SANDBOX_STREAM "GIsle.stream"

#define STDIN_MESSAGE "standard input is not available in an isle"
#define FILES_MESSAGE "file access is not available in this isle"

/* Enough for LUA_INTEGER_FMT and LUA_NUMBER_FMT ("%.14g"); Lua uses 44. */
#define SANDBOX_NUMBER_SIZE 64

static GIsleLibraries
sandbox_flags (lua_State *L)
{
  GIsleLibraries libraries;

  lua_rawgetp (L, LUA_REGISTRYINDEX, &sandbox_flags_key);
  libraries = (GIsleLibraries) lua_tointeger (L, -1);
  lua_pop (L, 1);
  return libraries;
}

static int
sandbox_stdin_error (lua_State *L)
{
  return luaL_error (L, STDIN_MESSAGE);
}

/* Runs the real library function (upvalue 1) in this very call frame rather
 * than through lua_call(): its argument errors then name the function the
 * script called ("bad argument #1 to 'lines'") instead of '?'. Every
 * function of liolib is a plain C function without upvalues, which is what
 * makes this valid. A nil upvalue means FILES is not granted. */
static int
sandbox_call_real (lua_State *L)
{
  lua_CFunction real = lua_tocfunction (L, lua_upvalueindex (1));

  if (real == NULL)
    return luaL_error (L, FILES_MESSAGE);
  return real (L);
}


/* Warnings */

typedef struct
{
  lua_State *L;           /* the main thread, for gisle_output_warning() */
  GString *message;       /* parts joined so far; NULL once finalized */
  gboolean on;
  gboolean continuing;    /* the last part had tocont set */
} SandboxWarn;

/* Lua may call this from the garbage collector (an error in a __gc
 * metamethod), so it must neither raise nor allocate Lua objects. Control
 * messages follow lauxlib's rules: a single-part message starting with '@';
 * unknown ones are ignored. Warnings start on, unlike lua.c: a console
 * wants to see them. */
static void
sandbox_warnf (void       *ud,
               const char *msg,
               int         tocont)
{
  SandboxWarn *w = ud;

  if (!w->continuing && !tocont && msg[0] == '@')
    {
      if (strcmp (msg, "@on") == 0)
        w->on = TRUE;
      else if (strcmp (msg, "@off") == 0)
        w->on = FALSE;
      return;
    }

  w->continuing = tocont;
  if (!w->on || w->message == NULL)
    return;

  g_string_append (w->message, msg);
  if (tocont)
    return;

  /* One message, one line, like lauxlib writes it (without its
   * "Lua warning: " prefix: the stream says what it is). */
  g_string_append_c (w->message, '\n');
  gisle_output_warning (w->L, w->message->str, w->message->len);
  g_string_truncate (w->message, 0);
}

/* Runs at lua_close() at the latest. The userdata stays valid until the
 * final sweep, after every finalizer, so later warnings find NULL. */
static int
sandbox_warn_gc (lua_State *L)
{
  SandboxWarn *w = lua_touserdata (L, 1);

  if (w->message != NULL)
    g_string_free (w->message, TRUE);
  w->message = NULL;
  return 0;
}

static void
sandbox_install_warnf (lua_State *L)
{
  SandboxWarn *w;

  w = lua_newuserdatauv (L, sizeof *w, 0);
  memset (w, 0, sizeof *w);
  w->on = TRUE;

  lua_rawgeti (L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  w->L = lua_tothread (L, -1);
  lua_pop (L, 1);

  lua_createtable (L, 0, 1);
  lua_pushcfunction (L, sandbox_warn_gc);
  lua_setfield (L, -2, "__gc");
  lua_setmetatable (L, -2);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &sandbox_warn_key);

  /* Allocated last: nothing below can raise and leak it. */
  w->message = g_string_new (NULL);
  lua_setwarnf (L, sandbox_warnf, w);
}


/* Captured standard streams */

typedef struct
{
  GIsleStream stream;
} SandboxStream;

static SandboxStream *
sandbox_test_stream (lua_State *L,
                     int        idx)
{
  return luaL_testudata (L, idx, SANDBOX_STREAM);
}

static SandboxStream *
sandbox_check_stream (lua_State *L,
                      int        idx)
{
  SandboxStream *s = sandbox_test_stream (L, idx);

  if (s == NULL)
    luaL_typeerror (L, idx, LUA_FILEHANDLE);
  return s;
}

/* Writes arguments @first..@last as file:write does (strings as they are,
 * numbers with LUA_INTEGER_FMT / LUA_NUMBER_FMT), as one piece of output. */
static void
sandbox_write_args (lua_State   *L,
                    GIsleStream  stream,
                    int          first,
                    int          last)
{
  luaL_Buffer b;
  const char *data;
  size_t len;
  int arg;

  /* The usual single string goes out without a copy, which matters for
   * large strings under a memory limit. */
  if (first == last && lua_type (L, first) == LUA_TSTRING)
    {
      data = lua_tolstring (L, first, &len);
      if (len > 0)
        gisle_output_write (L, stream, data, len);
      return;
    }

  luaL_buffinit (L, &b);
  for (arg = first; arg <= last; arg++)
    {
      if (lua_type (L, arg) == LUA_TNUMBER)
        {
          char *p = luaL_prepbuffsize (&b, SANDBOX_NUMBER_SIZE);
          int n;

          if (lua_isinteger (L, arg))
            n = snprintf (p, SANDBOX_NUMBER_SIZE, LUA_INTEGER_FMT,
                          (LUAI_UACINT) lua_tointeger (L, arg));
          else
            n = snprintf (p, SANDBOX_NUMBER_SIZE, LUA_NUMBER_FMT,
                          (LUAI_UACNUMBER) lua_tonumber (L, arg));
          luaL_addsize (&b, (size_t) CLAMP (n, 0, SANDBOX_NUMBER_SIZE - 1));
        }
      else
        {
          data = luaL_checklstring (L, arg, &len);
          luaL_addlstring (&b, data, len);
        }
    }
  luaL_pushresult (&b);
  data = lua_tolstring (L, -1, &len);
  if (len > 0)
    gisle_output_write (L, stream, data, len);
  lua_pop (L, 1);
}

static const char *
sandbox_stream_name (GIsleStream stream)
{
  return stream == G_ISLE_STREAM_STDERR ? "stderr" : "stdout";
}

static int
sandbox_not_readable (lua_State     *L,
                      SandboxStream *s)
{
  return luaL_error (L, "standard %s is not readable",
                     s->stream == G_ISLE_STREAM_STDERR ? "error" : "output");
}

static int
sandbox_stream_write (lua_State *L)
{
  SandboxStream *s = sandbox_check_stream (L, 1);
  int last = lua_gettop (L);

  lua_pushvalue (L, 1);
  sandbox_write_args (L, s->stream, 2, last);
  return 1;
}

static int
sandbox_stream_flush (lua_State *L)
{
  sandbox_check_stream (L, 1);
  lua_settop (L, 1);
  return 1;
}

static int
sandbox_stream_setvbuf (lua_State *L)
{
  static const char *const modes[] = { "no", "full", "line", NULL };

  sandbox_check_stream (L, 1);
  luaL_checkoption (L, 2, NULL, modes);
  luaL_optinteger (L, 3, 0);
  lua_pushboolean (L, 1);
  return 1;
}

static int
sandbox_stream_close (lua_State *L)
{
  sandbox_check_stream (L, 1);
  return luaL_error (L, "cannot close standard file");
}

static int
sandbox_stream_read (lua_State *L)
{
  return sandbox_not_readable (L, sandbox_check_stream (L, 1));
}

static int
sandbox_stream_tostring (lua_State *L)
{
  SandboxStream *s = sandbox_check_stream (L, 1);

  lua_pushfstring (L, "file (%s)", sandbox_stream_name (s->stream));
  return 1;
}

static const luaL_Reg sandbox_stream_methods[] = {
  { "write", sandbox_stream_write },
  { "flush", sandbox_stream_flush },
  { "setvbuf", sandbox_stream_setvbuf },
  { "close", sandbox_stream_close },
  { "read", sandbox_stream_read },
  { "lines", sandbox_stream_read },
  { NULL, NULL }
};

static void
sandbox_push_stream (lua_State   *L,
                     GIsleStream  stream)
{
  SandboxStream *s;

  s = lua_newuserdatauv (L, sizeof *s, 0);
  s->stream = stream;
  if (luaL_newmetatable (L, SANDBOX_STREAM))
    {
      lua_pushcfunction (L, sandbox_stream_tostring);
      lua_setfield (L, -2, "__tostring");
      luaL_newlib (L, sandbox_stream_methods);
      lua_setfield (L, -2, "__index");
      /* Type errors then read "FILE* expected, got ...", as for files. */
      lua_pushliteral (L, LUA_FILEHANDLE);
      lua_setfield (L, -2, "__name");
    }
  lua_setmetatable (L, -2);
}


/* The io library */

static gboolean
sandbox_input_chosen (lua_State *L)
{
  gboolean chosen;

  lua_rawgetp (L, LUA_REGISTRYINDEX, &sandbox_input_key);
  chosen = lua_toboolean (L, -1);
  lua_pop (L, 1);
  return chosen;
}

/* io.write goes to the current default output: the captured stdout unless
 * io.output(file) chose a real file, which the real io.write then uses. */
static int
sandbox_io_write (lua_State *L)
{
  SandboxStream *out;
  int last = lua_gettop (L);

  lua_rawgetp (L, LUA_REGISTRYINDEX, &sandbox_output_key);
  out = sandbox_test_stream (L, -1);
  if (out == NULL)
    {
      lua_pop (L, 1);
      return sandbox_call_real (L);
    }
  sandbox_write_args (L, out->stream, 1, last);
  return 1;
}

/* io.read, io.lines and io.input read standard input until the script
 * chooses a file with io.input(file). */
static int
sandbox_io_read (lua_State *L)
{
  if (!sandbox_input_chosen (L))
    return sandbox_stdin_error (L);
  return sandbox_call_real (L);
}

static int
sandbox_io_lines (lua_State *L)
{
  if (lua_isnoneornil (L, 1) && !sandbox_input_chosen (L))
    return sandbox_stdin_error (L);
  return sandbox_call_real (L);
}

static int
sandbox_io_input (lua_State *L)
{
  SandboxStream *s;
  int n;

  if (lua_isnoneornil (L, 1))
    return sandbox_io_read (L);

  s = sandbox_test_stream (L, 1);
  if (s != NULL)
    return sandbox_not_readable (L, s);

  n = sandbox_call_real (L);
  lua_pushboolean (L, 1);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &sandbox_input_key);
  return n;
}

static int
sandbox_io_output (lua_State *L)
{
  if (lua_isnoneornil (L, 1))
    {
      lua_rawgetp (L, LUA_REGISTRYINDEX, &sandbox_output_key);
      return 1;
    }

  if (sandbox_test_stream (L, 1) != NULL)
    lua_settop (L, 1);
  else
    sandbox_call_real (L);  /* opens or checks it; leaves it on top */

  lua_pushvalue (L, -1);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &sandbox_output_key);
  return 1;
}

static int
sandbox_io_close (lua_State *L)
{
  if (lua_isnone (L, 1))
    lua_rawgetp (L, LUA_REGISTRYINDEX, &sandbox_output_key);
  if (sandbox_test_stream (L, 1) != NULL)
    return luaL_error (L, "cannot close standard file");
  return sandbox_call_real (L);
}

static int
sandbox_io_flush (lua_State *L)
{
  lua_rawgetp (L, LUA_REGISTRYINDEX, &sandbox_output_key);
  if (sandbox_test_stream (L, -1) != NULL)
    return 1;
  lua_pop (L, 1);
  return sandbox_call_real (L);
}

static int
sandbox_io_type (lua_State *L)
{
  if (sandbox_test_stream (L, 1) != NULL)
    {
      lua_pushliteral (L, "file");
      return 1;
    }
  return sandbox_call_real (L);
}

/* Sets io[name] to @func with the real function as its upvalue (nil when
 * @real is 0). */
static void
sandbox_set_io_func (lua_State     *L,
                     int            io,
                     int            real,
                     const char    *name,
                     lua_CFunction  func)
{
  if (real != 0)
    lua_getfield (L, real, name);
  else
    lua_pushnil (L);
  lua_pushcclosure (L, func, 1);
  lua_setfield (L, io, name);
}

/* liolib keeps handles for the process's own stdin, stdout and stderr in
 * io and in the registry (where debug.getregistry() reaches them). Mark
 * them closed -- a luaL_Stream with a NULL closef is a closed handle -- so
 * that no path leads to the real streams. The FILEs are never closed. */
static void
sandbox_close_std_handles (lua_State *L,
                           int        real)
{
  static const char *const names[] = { "stdin", "stdout", "stderr" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      luaL_Stream *p;

      lua_getfield (L, real, names[i]);
      p = luaL_testudata (L, -1, LUA_FILEHANDLE);
      if (p != NULL)
        p->closef = NULL;
      lua_pop (L, 1);
    }
}

static int
sandbox_open_io (lua_State *L)
{
  GIsleLibraries libraries = sandbox_flags (L);
  gboolean files = (libraries & G_ISLE_LIBRARIES_FILES) != 0;
  gboolean process = (libraries & G_ISLE_LIBRARIES_PROCESS) != 0;
  int real = 0;
  int io;

  if (files || process)
    {
      luaopen_io (L);
      real = lua_gettop (L);
      sandbox_close_std_handles (L, real);
    }

  /* With FILES, liolib's table is edited in place; otherwise io is a fresh
   * table with the captured output and the stdin refusals only. */
  if (files)
    lua_pushvalue (L, real);
  else
    lua_createtable (L, 0, 8);
  io = lua_gettop (L);

  sandbox_set_io_func (L, io, files ? real : 0, "write", sandbox_io_write);
  sandbox_set_io_func (L, io, files ? real : 0, "read", sandbox_io_read);
  sandbox_set_io_func (L, io, files ? real : 0, "lines", sandbox_io_lines);
  sandbox_set_io_func (L, io, files ? real : 0, "input", sandbox_io_input);
  if (files)
    {
      sandbox_set_io_func (L, io, real, "output", sandbox_io_output);
      sandbox_set_io_func (L, io, real, "close", sandbox_io_close);
      sandbox_set_io_func (L, io, real, "flush", sandbox_io_flush);
      sandbox_set_io_func (L, io, real, "type", sandbox_io_type);
    }

  sandbox_push_stream (L, G_ISLE_STREAM_STDOUT);
  lua_pushvalue (L, -1);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &sandbox_output_key);
  lua_setfield (L, io, "stdout");
  sandbox_push_stream (L, G_ISLE_STREAM_STDERR);
  lua_setfield (L, io, "stderr");
  lua_pushnil (L);
  lua_setfield (L, io, "stdin");

  if (process)
    lua_getfield (L, real, "popen");
  else
    lua_pushnil (L);
  lua_setfield (L, io, "popen");

  return 1;
}


/* The base library */

#define SANDBOX_READER_SLOT 5

/* lbaselib's generic_reader: the piece stays in a fixed slot while the
 * parser reads it. */
static const char *
sandbox_load_reader (lua_State *L,
                     void      *ud,
                     size_t    *size)
{
  luaL_checkstack (L, 2, "too many nested functions");
  lua_pushvalue (L, 1);
  lua_call (L, 0, 1);
  if (lua_isnil (L, -1))
    {
      lua_pop (L, 1);
      *size = 0;
      return NULL;
    }
  if (!lua_isstring (L, -1))
    luaL_error (L, "reader function must return a string");
  lua_replace (L, SANDBOX_READER_SLOT);
  return lua_tolstring (L, SANDBOX_READER_SLOT, size);
}

static int
sandbox_load_result (lua_State *L,
                     int        status,
                     int        env)
{
  if (status != LUA_OK)
    {
      luaL_pushfail (L);
      lua_insert (L, -2);
      return 2;
    }
  if (env != 0)
    {
      lua_pushvalue (L, env);
      if (lua_setupvalue (L, -2, 1) == NULL)
        lua_pop (L, 1);
    }
  return 1;
}

/* load() as in lbaselib, with the mode forced to "t": a binary chunk then
 * fails with Lua's own "attempt to load a binary chunk (mode is 't')".
 * A reimplementation rather than a wrapper, so that no upvalue holds the
 * real load (debug.getupvalue would hand it out). */
static int
sandbox_load (lua_State *L)
{
  size_t len;
  const char *s = lua_tolstring (L, 1, &len);
  int env = lua_isnone (L, 4) ? 0 : 4;  /* an explicit nil env counts */
  const char *mode = luaL_optstring (L, 3, "bt");
  int status;

  if (s != NULL)
    {
      const char *chunkname = luaL_optstring (L, 2, s);

      status = luaL_loadbufferx (L, s, len, chunkname, "t");
    }
  else
    {
      const char *chunkname = luaL_optstring (L, 2, "=(load)");

      luaL_checktype (L, 1, LUA_TFUNCTION);
      lua_settop (L, SANDBOX_READER_SLOT);
      status = lua_load (L, sandbox_load_reader, NULL, chunkname, "t");
    }
  /* A mode without "t" refuses text as Lua does, before parsing it: any
   * chunk that was not refused as binary was text. */
  if (strchr (mode, 't') == NULL &&
      (status == LUA_OK || status == LUA_ERRSYNTAX) &&
      !(status == LUA_ERRSYNTAX && lua_type (L, -1) == LUA_TSTRING &&
        strstr (lua_tostring (L, -1), "attempt to load a binary chunk") != NULL))
    {
      lua_pop (L, 1);
      lua_pushfstring (L, "attempt to load a text chunk (mode is '%s')", mode);
      status = LUA_ERRSYNTAX;
    }
  return sandbox_load_result (L, status, env);
}

static const char *
sandbox_check_filename (lua_State *L)
{
  const char *filename = luaL_optstring (L, 1, NULL);

  if (filename == NULL)
    sandbox_stdin_error (L);
  return filename;
}

static int
sandbox_loadfile (lua_State *L)
{
  const char *filename = sandbox_check_filename (L);
  int env = lua_isnone (L, 3) ? 0 : 3;

  luaL_optstring (L, 2, NULL);  /* the mode: checked, then ignored */
  return sandbox_load_result (L, luaL_loadfilex (L, filename, "t"), env);
}

static int
sandbox_dofile_cont (lua_State     *L,
                     int            status,
                     lua_KContext   ctx)
{
  return lua_gettop (L) - 1;
}

static int
sandbox_dofile (lua_State *L)
{
  const char *filename = sandbox_check_filename (L);

  lua_settop (L, 1);
  if (luaL_loadfilex (L, filename, "t") != LUA_OK)
    return lua_error (L);
  lua_callk (L, 0, LUA_MULTRET, 0, sandbox_dofile_cont);
  return sandbox_dofile_cont (L, LUA_OK, 0);
}

/* Lua's print, with the whole line handed over at once. */
static int
sandbox_print (lua_State *L)
{
  int n = lua_gettop (L);
  luaL_Buffer b;
  const char *line;
  size_t len;
  int i;

  luaL_buffinit (L, &b);
  for (i = 1; i <= n; i++)
    {
      if (i > 1)
        luaL_addchar (&b, '\t');
      luaL_tolstring (L, i, NULL);
      luaL_addvalue (&b);
    }
  luaL_addchar (&b, '\n');
  luaL_pushresult (&b);
  line = lua_tolstring (L, -1, &len);
  gisle_output_write (L, G_ISLE_STREAM_STDOUT, line, len);
  return 0;
}

/* collectgarbage() with only the options that inspect or help the
 * collector. Reimplemented with lua_gc() for the same reason as load. */
static int
sandbox_collectgarbage (lua_State *L)
{
  static const char *const refused[] = {
    "stop", "restart", "incremental", "generational", "setpause",
    "setstepmul", NULL
  };
  const char *option = luaL_optstring (L, 1, "collect");
  int res;
  int i;

  if (strcmp (option, "collect") == 0)
    {
      res = lua_gc (L, LUA_GCCOLLECT);
      if (res != -1)
        {
          lua_pushinteger (L, res);
          return 1;
        }
    }
  else if (strcmp (option, "count") == 0)
    {
      int k = lua_gc (L, LUA_GCCOUNT);
      int b = lua_gc (L, LUA_GCCOUNTB);

      if (k != -1)
        {
          lua_pushnumber (L, (lua_Number) k + ((lua_Number) b / 1024));
          return 1;
        }
    }
  else if (strcmp (option, "step") == 0)
    {
      int step = (int) luaL_optinteger (L, 2, 0);

      res = lua_gc (L, LUA_GCSTEP, step);
      if (res != -1)
        {
          lua_pushboolean (L, res);
          return 1;
        }
    }
  else if (strcmp (option, "isrunning") == 0)
    {
      res = lua_gc (L, LUA_GCISRUNNING);
      if (res != -1)
        {
          lua_pushboolean (L, res);
          return 1;
        }
    }
  else
    {
      for (i = 0; refused[i] != NULL; i++)
        if (strcmp (option, refused[i]) == 0)
          return luaL_error (L, "collectgarbage('%s') is not allowed in an isle",
                             option);
      return luaL_argerror (L, 1,
                            lua_pushfstring (L, "invalid option '%s'", option));
    }

  /* lua_gc() refuses to run inside a finalizer; Lua returns fail then. */
  luaL_pushfail (L);
  return 1;
}

static int
sandbox_open_base (lua_State *L)
{
  gboolean files = (sandbox_flags (L) & G_ISLE_LIBRARIES_FILES) != 0;

  luaopen_base (L);

  lua_pushcfunction (L, sandbox_print);
  lua_setfield (L, -2, "print");
  lua_pushcfunction (L, sandbox_load);
  lua_setfield (L, -2, "load");
  lua_pushcfunction (L, sandbox_collectgarbage);
  lua_setfield (L, -2, "collectgarbage");

  if (files)
    lua_pushcfunction (L, sandbox_dofile);
  else
    lua_pushnil (L);
  lua_setfield (L, -2, "dofile");
  if (files)
    lua_pushcfunction (L, sandbox_loadfile);
  else
    lua_pushnil (L);
  lua_setfield (L, -2, "loadfile");

  return 1;
}


/* The other libraries */

static int
sandbox_os_exit (lua_State *L)
{
  return luaL_error (L, "os.exit is not available in an isle: "
                        "a script cannot end the host process");
}

static void
sandbox_copy_fields (lua_State          *L,
                     int                 from,
                     const char * const *names)
{
  for (; *names != NULL; names++)
    {
      lua_getfield (L, from, *names);
      lua_setfield (L, -2, *names);
    }
}

/* A fresh table: a whitelist stays safe if a later Lua adds functions. */
static int
sandbox_open_os (lua_State *L)
{
  static const char *const harmless[] = { "clock", "date", "difftime", "time", NULL };
  static const char *const files[] = { "remove", "rename", "tmpname", NULL };
  static const char *const process[] = { "execute", "getenv", NULL };
  GIsleLibraries libraries = sandbox_flags (L);
  int real;

  luaopen_os (L);
  real = lua_gettop (L);
  lua_createtable (L, 0, 10);
  if (libraries & G_ISLE_LIBRARIES_OS)
    sandbox_copy_fields (L, real, harmless);
  if (libraries & G_ISLE_LIBRARIES_FILES)
    sandbox_copy_fields (L, real, files);
  if (libraries & G_ISLE_LIBRARIES_PROCESS)
    sandbox_copy_fields (L, real, process);
  lua_pushcfunction (L, sandbox_os_exit);
  lua_setfield (L, -2, "exit");
  return 1;
}

static int
sandbox_open_string (lua_State *L)
{
  luaopen_string (L);
  /* The same table is the strings' __index, so ("").dump goes too. */
  lua_pushnil (L);
  lua_setfield (L, -2, "dump");
  return 1;
}

/* debug.debug() reads standard input with fgets(), which would block the
 * worker where no cancellation reaches it, and writes to the process's
 * stderr. */
static int
sandbox_debug_debug (lua_State *L)
{
  return luaL_error (L, "debug.debug is not available in an isle: "
                        "it reads standard input");
}

static int
sandbox_open_debug (lua_State *L)
{
  luaopen_debug (L);
  lua_pushcfunction (L, sandbox_debug_debug);
  lua_setfield (L, -2, "debug");
  return 1;
}

/* loadlib.c's Lua searcher, loading text only. Upvalues: the package
 * table and the real package.searchpath. */
static int
sandbox_searcher_lua (lua_State *L)
{
  const char *name = luaL_checkstring (L, 1);
  const char *filename;

  lua_getfield (L, lua_upvalueindex (1), "path");
  if (lua_tostring (L, -1) == NULL)
    return luaL_error (L, "'package.path' must be a string");
  lua_pushvalue (L, lua_upvalueindex (2));
  lua_pushvalue (L, 1);
  lua_pushvalue (L, -3);
  lua_call (L, 2, 2);
  if (lua_isnil (L, -2))
    return 1;  /* the "no file" list, for require's message */

  filename = lua_tostring (L, -2);
  if (luaL_loadfilex (L, filename, "t") != LUA_OK)
    return luaL_error (L, "error loading module '%s' from file '%s':\n\t%s",
                       name, filename, lua_tostring (L, -1));
  lua_pushstring (L, filename);
  return 2;
}

static int
sandbox_open_package (lua_State *L)
{
  gboolean native = (sandbox_flags (L) & G_ISLE_LIBRARIES_NATIVE) != 0;
  int package;

  luaopen_package (L);
  package = lua_gettop (L);

  lua_getfield (L, package, "searchers");
  lua_pushvalue (L, package);
  lua_getfield (L, package, "searchpath");
  lua_pushcclosure (L, sandbox_searcher_lua, 2);
  lua_rawseti (L, -2, 2);
  if (!native)
    {
      /* The C searchers, from the end so the sequence stays one. */
      lua_pushnil (L);
      lua_rawseti (L, -2, 4);
      lua_pushnil (L);
      lua_rawseti (L, -2, 3);
    }
  lua_pop (L, 1);

  if (!native)
    {
      lua_pushliteral (L, "");
      lua_setfield (L, package, "cpath");
      lua_pushnil (L);
      lua_setfield (L, package, "loadlib");
    }
  return 1;
}

static void
sandbox_require (lua_State     *L,
                 const char    *name,
                 lua_CFunction  openf)
{
  luaL_requiref (L, name, openf, 1);
  lua_pop (L, 1);
}

void
gisle_sandbox_open (lua_State      *L,
                    GIsleLibraries  libraries)
{
  g_return_if_fail (L != NULL);

  if (libraries & G_ISLE_LIBRARIES_NATIVE)
    libraries |= G_ISLE_LIBRARIES_PACKAGE;
  libraries &= G_ISLE_LIBRARIES_ALL;

  luaL_checkstack (L, 8, "opening the libraries");

  /* The openers below run through luaL_requiref(), which passes them
   * nothing but the module name: they find the flags here. */
  lua_pushinteger (L, libraries);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &sandbox_flags_key);

  /* Even a bare state has Lua warnings (errors in __gc): they are output
   * too, and must never reach the process's stderr. */
  sandbox_install_warnf (L);

  if (libraries & G_ISLE_LIBRARIES_BASE)
    sandbox_require (L, LUA_GNAME, sandbox_open_base);
  if (libraries & G_ISLE_LIBRARIES_PACKAGE)
    sandbox_require (L, LUA_LOADLIBNAME, sandbox_open_package);
  if (libraries & G_ISLE_LIBRARIES_COROUTINE)
    sandbox_require (L, LUA_COLIBNAME, luaopen_coroutine);
  if (libraries & G_ISLE_LIBRARIES_TABLE)
    sandbox_require (L, LUA_TABLIBNAME, luaopen_table);
  if (libraries & (G_ISLE_LIBRARIES_BASE | G_ISLE_LIBRARIES_FILES |
                   G_ISLE_LIBRARIES_PROCESS))
    sandbox_require (L, LUA_IOLIBNAME, sandbox_open_io);
  if (libraries & (G_ISLE_LIBRARIES_OS | G_ISLE_LIBRARIES_FILES |
                   G_ISLE_LIBRARIES_PROCESS))
    sandbox_require (L, LUA_OSLIBNAME, sandbox_open_os);
  if (libraries & G_ISLE_LIBRARIES_STRING)
    sandbox_require (L, LUA_STRLIBNAME, sandbox_open_string);
  if (libraries & G_ISLE_LIBRARIES_MATH)
    sandbox_require (L, LUA_MATHLIBNAME, luaopen_math);
  if (libraries & G_ISLE_LIBRARIES_UTF8)
    sandbox_require (L, LUA_UTF8LIBNAME, luaopen_utf8);
  if (libraries & G_ISLE_LIBRARIES_DEBUG)
    sandbox_require (L, LUA_DBLIBNAME, sandbox_open_debug);

  lua_pushnil (L);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &sandbox_flags_key);
}
