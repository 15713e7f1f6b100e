/* gisle-console-examples.c: scripts that show what GIsle can do.
 *
 * One example per feature, each explaining itself in a comment, because
 * that comment is what the user reads in the editor.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gisle-console-examples.h"

static const GisleConsoleExample examples[] = {
  {
    "runaway", N_("Runaway Loop"),
    "-- A loop that never ends. Press Stop (or Escape): GIsle interrupts it\n"
    "-- on its worker thread while the window goes on answering.\n"
    "local n = 0\n"
    "while true do\n"
    "  n = n + 1\n"
    "end\n"
  },
  {
    "pcall-trap", N_("Error Trap (pcall)"),
    "-- This loop swallows every error, including the one a naive\n"
    "-- interruption would raise. GIsle's cancellation is sticky:\n"
    "-- Stop still ends it.\n"
    "while true do\n"
    "  pcall(function ()\n"
    "    while true do end\n"
    "  end)\n"
    "end\n"
  },
  {
    "coroutines", N_("Coroutines"),
    "-- A generator coroutine feeding a loop. Stop reaches every\n"
    "-- coroutine the script created, not only the main one.\n"
    "local numbers = coroutine.wrap(function ()\n"
    "  local i = 0\n"
    "  while true do\n"
    "    i = i + 1\n"
    "    coroutine.yield(i)\n"
    "  end\n"
    "end)\n"
    "\n"
    "for _ = 1, 5 do\n"
    "  print(\"got\", numbers())\n"
    "end\n"
    "print(\"now summing forever; press Stop\")\n"
    "local sum = 0\n"
    "while true do\n"
    "  sum = sum + numbers()\n"
    "end\n"
  },
  {
    "flood", N_("Output Flood"),
    "-- Prints 200 000 lines as fast as it can. The output pane keeps\n"
    "-- the last 10 000 lines and the window stays responsive: scroll,\n"
    "-- type, or press Stop while it runs.\n"
    "for i = 1, 200000 do\n"
    "  print((\"line %d: %s\"):format(i, (\"lorem ipsum \"):rep(4)))\n"
    "end\n"
    "return \"done\"\n"
  },
  {
    "progress", N_("Progress"),
    "-- isle.progress(fraction, text) drives the bar in the header bar;\n"
    "-- isle.sleep(seconds) waits without blocking anything.\n"
    "for i = 1, 20 do\n"
    "  isle.progress(i / 20, (\"step %d of 20\"):format(i))\n"
    "  isle.sleep(0.1)\n"
    "end\n"
    "return \"finished\"\n"
  },
  {
    "host-function", N_("Host Function"),
    "-- set_title() is a host function: C code of the console that runs\n"
    "-- in the GTK main thread while the script waits. It changes the\n"
    "-- window title and returns the old one.\n"
    "for i = 3, 1, -1 do\n"
    "  set_title((\"Changing the title in %d…\"):format(i))\n"
    "  isle.sleep(0.4)\n"
    "end\n"
    "local old = set_title(\"Hello from Lua!\")\n"
    "return old\n"
  },
  {
    "objects", N_("Window and Transcript"),
    "-- The console exposes its window and its transcript to scripts as\n"
    "-- app.window and app.transcript: properties, and methods through\n"
    "-- GTK's typelib, each run in the GTK main thread while the script\n"
    "-- waits. Press Stop at any time: the script ends at once.\n"
    "local old = app.window.title\n"
    "for i = 1, 50 do\n"
    "  app.window.title = (\"Row %d of 50\"):format(i)\n"
    "  app.transcript:append_line(\"info\", (\"row %d, added by the script\"):format(i))\n"
    "  isle.sleep(0.1)\n"
    "end\n"
    "app.window.title = old\n"
    "return \"done\"\n"
  },
  {
    "events", N_("Events"),
    "-- isle.emit(name, value) sends an event to the host; the console\n"
    "-- shows each one as it arrives.\n"
    "for i = 1, 3 do\n"
    "  isle.emit(\"tick\", { count = i, label = \"tick \" .. i })\n"
    "  isle.sleep(0.2)\n"
    "end\n"
  },
  {
    "memory", N_("Memory Limit"),
    "-- Allocates a mebibyte at a time until the memory limit set in\n"
    "-- Preferences is hit (at most 1 GiB). The isle reports the error\n"
    "-- and stays usable afterwards.\n"
    "local chunks = {}\n"
    "for i = 1, 1024 do\n"
    "  chunks[i] = (\"x\"):rep(1024 * 1024 - 8) .. (\"%08d\"):format(i)\n"
    "  if i % 32 == 0 then\n"
    "    print((\"%d MiB allocated\"):format(i))\n"
    "  end\n"
    "end\n"
    "print(\"no limit was hit\")\n"
  },
  {
    "error", N_("Runtime Error"),
    "-- An error three calls deep: the console shows the message and the\n"
    "-- traceback, and marks the line in the editor.\n"
    "local function check(x)\n"
    "  if type(x) ~= \"number\" then\n"
    "    error(\"expected a number, got \" .. type(x), 2)\n"
    "  end\n"
    "  return x\n"
    "end\n"
    "\n"
    "local function average(list)\n"
    "  local sum = 0\n"
    "  for _, v in ipairs(list) do\n"
    "    sum = sum + check(v)\n"
    "  end\n"
    "  return sum / #list\n"
    "end\n"
    "\n"
    "print(average({ 1, 2, 3 }))\n"
    "print(average({ 1, 2, \"three\" }))\n"
  },
  {
    "syntax-error", N_("Syntax Error"),
    "-- A syntax error: nothing runs, and the line is marked.\n"
    "local x = 1\n"
    "if x > 0 then\n"
    "  print(\"positive\"\n"
    "end\n"
  },
  {
    "tables", N_("Tables"),
    "-- Values a script returns are shown readably; repr() renders any\n"
    "-- value as text, nested, and marks tables that contain themselves.\n"
    "local ada = { name = \"Ada\", born = 1815, languages = { \"Lua\", \"C\" } }\n"
    "ada.self = ada\n"
    "print(repr(ada))\n"
    "return { answer = 42, list = { 1, 2, 3 }, nested = { deep = { deeper = true } } }\n"
  },
};

/**
 * gisle_console_examples_get:
 * @n_examples: (out): the number of examples
 *
 * Returns: (array length=n_examples): every example, in menu order
 */
const GisleConsoleExample *
gisle_console_examples_get (guint *n_examples)
{
  *n_examples = G_N_ELEMENTS (examples);
  return examples;
}

/**
 * gisle_console_examples_lookup:
 * @id: an example's id
 *
 * Returns: (nullable): the example, or %NULL if there is none by that id
 */
const GisleConsoleExample *
gisle_console_examples_lookup (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    if (g_strcmp0 (examples[i].id, id) == 0)
      return &examples[i];
  return NULL;
}
