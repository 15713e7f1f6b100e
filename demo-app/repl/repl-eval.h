/* repl-eval.h: gisle-repl's work on the isle's worker thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gisle.h>

G_BEGIN_DECLS

typedef struct
{
  char *code;
  char *chunk_name;
  gboolean try_return;     /* try "return <code>" first (and print) */
  gboolean try_statement;  /* then <code> itself (not for "=expr") */
  gboolean print;          /* format the results */
  char **arg;              /* NULL, or the whole command line for `arg` */
  int arg_script;          /* the index of the script in @arg */
  char **varargs;          /* the chunk's `...` */
  char *require_module;    /* -l: require this instead of running code */
  char *require_global;    /* ... and store it in this global */
} ReplRequest;

void      repl_request_free (ReplRequest *request);

/* A GIsleExecFunc: data is a ReplRequest. Returns "ay", the formatted
 * results (empty if none), or fails with G_ISLE_ERROR_SYNTAX,
 * G_ISLE_ERROR_INCOMPLETE, G_ISLE_ERROR_RUNTIME or G_ISLE_ERROR_MEMORY. */
GVariant *repl_run_request  (GIsle      *isle,
                             lua_State  *L,
                             gpointer    data,
                             GError    **error);

/* A GIsleExecFunc: data is the text to complete. Returns "as". */
GVariant *repl_complete     (GIsle      *isle,
                             lua_State  *L,
                             gpointer    data,
                             GError    **error);

G_END_DECLS
