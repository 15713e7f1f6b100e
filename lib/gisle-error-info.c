/* gisle-error-info.c: GIsleErrorInfo, where a Lua error happened, as data.
 *
 * Floor 2 (errors, timers and threads): GLib, Lua's debug API and the
 * library's gettext domain; every floor above makes its errors here.
 *
 * Thread rule: any thread; the capture runs on the worker, the
 * remembered last info is per thread.
 *
 * Why this design: a GError carries a domain, a code and a message, and an
 * IDE should not have to parse the message for the chunk, line and stack.
 * GLib's extended error domains (2.68) let a GError carry more, and C code
 * reads it with g_isle_error_get_info(). Bindings, however, turn a GError
 * into an exception of their own and drop that extra data, so every call
 * that fails also remembers its info for the calling thread, like errno,
 * until the next GIsle call completes there: g_isle_error_info_get_last().
 * The Python override and the GJS module read it at once and attach it to
 * the exception as its `info` attribute, so their users never see the
 * thread-local step.
 *
 * It also registers the G_ISLE_ERROR domain itself, whose errors carry it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-error-info-private.h"
#include "gisle-i18n-private.h"

#include <string.h>
#include <lauxlib.h>

struct _GIsleErrorInfo
{
  gatomicrefcount  ref_count;
  char            *message;
  char            *chunk;
  int              line;
  GPtrArray       *frames;   /* of GIsleErrorFrame */
};

/* ---- GIsleErrorFrame ----------------------------------------------------- */

/**
 * g_isle_error_frame_copy:
 * @frame: a #GIsleErrorFrame
 *
 * Copies @frame.
 *
 * Returns: (transfer full): a copy; free it with g_isle_error_frame_free()
 */
GIsleErrorFrame *
g_isle_error_frame_copy (const GIsleErrorFrame *frame)
{
  GIsleErrorFrame *copy;

  g_return_val_if_fail (frame != NULL, NULL);

  copy = g_new0 (GIsleErrorFrame, 1);
  copy->chunk = g_strdup (frame->chunk);
  copy->line = frame->line;
  copy->function = g_strdup (frame->function);
  return copy;
}

/**
 * g_isle_error_frame_free:
 * @frame: a #GIsleErrorFrame
 *
 * Frees a frame made by g_isle_error_frame_copy().
 */
void
g_isle_error_frame_free (GIsleErrorFrame *frame)
{
  if (frame == NULL)
    return;
  g_free (frame->chunk);
  g_free (frame->function);
  g_free (frame);
}

G_DEFINE_BOXED_TYPE (GIsleErrorFrame, g_isle_error_frame,
                     g_isle_error_frame_copy, g_isle_error_frame_free)

/* ---- GIsleErrorInfo ------------------------------------------------------ */

/**
 * GIsleErrorInfo:
 *
 * Where a syntax or runtime error happened, as data: the error message
 * without traceback, the chunk and line where the error was raised, and
 * the traceback's frames. An IDE can jump to the line or show the stack
 * without parsing the #GError's message.
 *
 * Get it from a #GError with g_isle_error_get_info() in C, or with
 * g_isle_error_info_get_last() right after a call failed (what bindings
 * do: the Python override and the GJS module attach it to the exception
 * as `error.info`).
 *
 * Syntax errors (%G_ISLE_ERROR_SYNTAX, %G_ISLE_ERROR_INCOMPLETE) have a
 * chunk and a line and no frames; runtime errors (%G_ISLE_ERROR_RUNTIME)
 * have the frames of the stack when the error was raised, innermost first:
 * for a deep stack, like Lua's traceback, the 10 innermost and the 11
 * outermost levels.
 */

G_DEFINE_BOXED_TYPE (GIsleErrorInfo, g_isle_error_info,
                     g_isle_error_info_ref, g_isle_error_info_unref)

static GIsleErrorInfo *
gisle_error_info_new (const char *message)
{
  GIsleErrorInfo *info = g_new0 (GIsleErrorInfo, 1);

  g_atomic_ref_count_init (&info->ref_count);
  info->message = g_strdup (message);
  info->line = -1;
  info->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_isle_error_frame_free);
  return info;
}

/**
 * g_isle_error_info_ref:
 * @info: a #GIsleErrorInfo
 *
 * Takes a reference. Safe from any thread: the info never changes.
 *
 * Returns: (transfer full): @info
 */
GIsleErrorInfo *
g_isle_error_info_ref (GIsleErrorInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_atomic_ref_count_inc (&info->ref_count);
  return info;
}

/**
 * g_isle_error_info_unref:
 * @info: (transfer full): a #GIsleErrorInfo
 *
 * Drops a reference; the last one frees @info.
 */
void
g_isle_error_info_unref (GIsleErrorInfo *info)
{
  g_return_if_fail (info != NULL);
  if (!g_atomic_ref_count_dec (&info->ref_count))
    return;
  g_free (info->message);
  g_free (info->chunk);
  g_ptr_array_unref (info->frames);
  g_free (info);
}

/**
 * g_isle_error_info_get_message:
 * @info: a #GIsleErrorInfo
 *
 * Gets the error as Lua describes it, without the traceback: for example
 * `stdin:1: attempt to index a nil value (global 'nosuch')`.
 *
 * Returns: (transfer none): the message
 */
const char *
g_isle_error_info_get_message (GIsleErrorInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->message;
}

/**
 * g_isle_error_info_get_chunk:
 * @info: a #GIsleErrorInfo
 *
 * Gets the chunk where the error was raised: for a syntax error, the chunk
 * that did not compile; for a runtime error, the innermost Lua function's
 * chunk. Chunk names are given as loaded, without Lua's `=` or `@` prefix
 * (`stdin`, `script.lua`); a chunk loaded without a name shows as Lua
 * shows it (`[string "..."]`).
 *
 * Returns: (transfer none) (nullable): the chunk, or %NULL if no Lua code
 *   was running (an error raised by a C function called directly)
 */
const char *
g_isle_error_info_get_chunk (GIsleErrorInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->chunk;
}

/**
 * g_isle_error_info_get_line:
 * @info: a #GIsleErrorInfo
 *
 * Gets the line in g_isle_error_info_get_chunk() where the error was
 * raised, counted from 1.
 *
 * Returns: the line, or -1 if unknown
 */
int
g_isle_error_info_get_line (GIsleErrorInfo *info)
{
  g_return_val_if_fail (info != NULL, -1);
  return info->line;
}

/**
 * g_isle_error_info_get_n_frames:
 * @info: a #GIsleErrorInfo
 *
 * Gets how many traceback frames there are (0 for a syntax error).
 *
 * Returns: the number of frames
 */
guint
g_isle_error_info_get_n_frames (GIsleErrorInfo *info)
{
  g_return_val_if_fail (info != NULL, 0);
  return info->frames->len;
}

/**
 * g_isle_error_info_get_frame:
 * @info: a #GIsleErrorInfo
 * @index: from 0, the innermost frame (where the error was raised, often
 *   a C function such as `error`), to g_isle_error_info_get_n_frames() - 1
 *
 * Gets one traceback frame.
 *
 * Returns: (transfer none): the frame, owned by @info
 */
const GIsleErrorFrame *
g_isle_error_info_get_frame (GIsleErrorInfo *info,
                             guint           index)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (index < info->frames->len, NULL);
  return g_ptr_array_index (info->frames, index);
}

/* ---- Inside GError (an extended error domain) ------------------------------ */

typedef struct
{
  GIsleErrorInfo *info;
} GisleErrorPrivate;

/* The layout GLib's G_DEFINE_EXTENDED_ERROR uses: the private data sits
 * just before the GError, aligned. (The macro cannot be used itself: it
 * would name the domain "GIsleError", not "g-isle-error-quark".) */
static GisleErrorPrivate *
gisle_error_get_private (const GError *error)
{
  const gsize sa = 2 * sizeof (gsize);
  const gsize as = (sizeof (GisleErrorPrivate) + (sa - 1)) & -sa;

  return (GisleErrorPrivate *) (((guint8 *) error) - as);
}

static gsize
gisle_error_private_size (void)
{
  return sizeof (GisleErrorPrivate);
}

static void
gisle_error_private_init (GError *error)
{
  gisle_error_get_private (error)->info = NULL;
}

static void
gisle_error_private_copy (const GError *src,
                          GError       *dest)
{
  GIsleErrorInfo *info = gisle_error_get_private (src)->info;

  gisle_error_get_private (dest)->info = info != NULL ? g_isle_error_info_ref (info) : NULL;
}

static void
gisle_error_private_clear (GError *error)
{
  g_clear_pointer (&gisle_error_get_private (error)->info, g_isle_error_info_unref);
}

/* ---- The G_ISLE_ERROR domain ----------------------------------------------
 *
 * Here, not in a file of its own, because the domain is registered with
 * the private data above: one file, so neither calls the other. */
/* Registering the codes with their names makes GError survive the trip
 * through D-Bus and lets bindings map them to exceptions. */
static const GDBusErrorEntry g_isle_error_entries[] = {
  { G_ISLE_ERROR_FAILED,         "org.gnome.GIsle.Error.Failed" },
  { G_ISLE_ERROR_SYNTAX,         "org.gnome.GIsle.Error.Syntax" },
  { G_ISLE_ERROR_INCOMPLETE,     "org.gnome.GIsle.Error.Incomplete" },
  { G_ISLE_ERROR_RUNTIME,        "org.gnome.GIsle.Error.Runtime" },
  { G_ISLE_ERROR_MEMORY,         "org.gnome.GIsle.Error.Memory" },
  { G_ISLE_ERROR_CONVERSION,     "org.gnome.GIsle.Error.Conversion" },
  { G_ISLE_ERROR_CLOSED,         "org.gnome.GIsle.Error.Closed" },
  { G_ISLE_ERROR_DEFUNCT,        "org.gnome.GIsle.Error.Defunct" },
  { G_ISLE_ERROR_NOT_FOUND,      "org.gnome.GIsle.Error.NotFound" },
  { G_ISLE_ERROR_WOULD_DEADLOCK, "org.gnome.GIsle.Error.WouldDeadlock" },
  { G_ISLE_ERROR_NOT_PAUSED,     "org.gnome.GIsle.Error.NotPaused" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (g_isle_error_entries) == G_ISLE_ERROR_NOT_PAUSED + 1);

/**
 * g_isle_error_quark:
 *
 * The error domain of GIsle; see %G_ISLE_ERROR.
 *
 * Returns: the #GQuark of the %G_ISLE_ERROR domain
 */
GQuark
g_isle_error_quark (void)
{
  static gsize quark = 0;
  static gsize extended = 0;

  /* An extended error domain: a GError of this domain can carry a
   * GIsleErrorInfo (see gisle-error-info.c). */
  if (g_once_init_enter (&extended))
    {
      g_error_domain_register_static ("g-isle-error-quark",
                                      gisle_error_private_size (),
                                      gisle_error_private_init,
                                      gisle_error_private_copy,
                                      gisle_error_private_clear);
      g_once_init_leave (&extended, 1);
    }
  g_dbus_error_register_error_domain ("g-isle-error-quark",
                                      &quark,
                                      g_isle_error_entries,
                                      G_N_ELEMENTS (g_isle_error_entries));
  return (GQuark) quark;
}

/**
 * g_isle_error_get_info:
 * @error: a #GError
 *
 * Gets where a %G_ISLE_ERROR_SYNTAX, %G_ISLE_ERROR_INCOMPLETE or
 * %G_ISLE_ERROR_RUNTIME error happened. The info travels inside the
 * #GError (an extended error domain), through g_error_copy() too.
 *
 * Bindings lose it when they turn the #GError into an exception: they use
 * g_isle_error_info_get_last().
 *
 * Returns: (transfer none) (nullable): the info, owned by @error, or %NULL
 *   for other errors
 */
GIsleErrorInfo *
g_isle_error_get_info (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != G_ISLE_ERROR)
    return NULL;
  return gisle_error_get_private (error)->info;
}

static GError *
gisle_error_info_attach (GError         *error,
                         GIsleErrorInfo *info)
{
  GisleErrorPrivate *priv = gisle_error_get_private (error);

  g_clear_pointer (&priv->info, g_isle_error_info_unref);
  priv->info = info;
  return error;
}

/* ---- Capturing on the worker -------------------------------------------- */

static void
gisle_error_info_pending_free (gpointer data)
{
  if (data != NULL)
    g_isle_error_info_unref (data);
}

static GPrivate gisle_error_info_pending = G_PRIVATE_INIT (gisle_error_info_pending_free);
static GPrivate gisle_error_info_last = G_PRIVATE_INIT (gisle_error_info_pending_free);

static char *
gisle_error_info_chunk_name (const lua_Debug *ar)
{
  if (ar->source != NULL && (ar->source[0] == '=' || ar->source[0] == '@'))
    return g_strdup (ar->source + 1);
  return g_strdup (ar->short_src);
}

#define GISLE_ERROR_INFO_INNER 10
#define GISLE_ERROR_INFO_OUTER 11

/* The deepest level, by binary search as in lauxlib's lastlevel(). */
static int
gisle_error_info_last_level (lua_State *L)
{
  lua_Debug ar;
  int li = 1, le = 1;

  while (lua_getstack (L, le, &ar))
    {
      li = le;
      le *= 2;
    }
  while (li < le)
    {
      int m = (li + le) / 2;

      if (lua_getstack (L, m, &ar))
        li = m + 1;
      else
        le = m;
    }
  return le - 1;
}

void
gisle_error_info_capture (lua_State  *L,
                          const char *message)
{
  /* Level 0 is the message handler itself. */
  gisle_error_info_capture_levels (L, 1, 0, message);
}

void
gisle_error_info_capture_levels (lua_State  *L,
                                 int         first,
                                 int         skip_outer,
                                 const char *message)
{
  GIsleErrorInfo *info = gisle_error_info_new (message);
  int last = gisle_error_info_last_level (L) - skip_outer;
  lua_Debug ar;

  /* Like luaL_traceback, keep the innermost and the outermost levels of a
   * deep stack: lua_getstack() walks from the top, so reading every level
   * would take quadratic time. */
  for (int level = first; level <= last && lua_getstack (L, level, &ar); level++)
    {
      GIsleErrorFrame *frame;

      if (level == first + GISLE_ERROR_INFO_INNER && last - level >= GISLE_ERROR_INFO_OUTER)
        {
          level = last - GISLE_ERROR_INFO_OUTER;
          continue;
        }
      if (!lua_getinfo (L, "Sln", &ar))
        break;
      frame = g_new0 (GIsleErrorFrame, 1);
      frame->chunk = gisle_error_info_chunk_name (&ar);
      frame->line = ar.currentline;
      if (ar.name != NULL)
        frame->function = g_strdup (ar.name);
      else if (strcmp (ar.what, "main") == 0)
        frame->function = g_strdup ("main chunk");
      g_ptr_array_add (info->frames, frame);

      if (info->chunk == NULL && ar.currentline > 0)
        {
          info->chunk = g_strdup (frame->chunk);
          info->line = ar.currentline;
        }
    }

  g_private_replace (&gisle_error_info_pending, info);
}

GError *
gisle_error_info_attach_runtime (GError *error)
{
  GIsleErrorInfo *info = g_private_get (&gisle_error_info_pending);

  g_private_set (&gisle_error_info_pending, NULL);
  if (info == NULL)
    return error;
  /* The message handler's traceback starts with the message it saw. */
  if (!g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME) ||
      !g_str_has_prefix (error->message, info->message))
    {
      g_isle_error_info_unref (info);
      return error;
    }
  return gisle_error_info_attach (error, info);
}

GError *
gisle_error_info_attach_syntax (GError     *error,
                                const char *chunk_name)
{
  GIsleErrorInfo *info;
  const char *message = error->message;
  const char *p = message;
  char *end;
  gint64 line;

  /* Lua formats "short_src:line: text"; a [string "..."] short_src may
   * itself hold colons, so start after its closing bracket. */
  if (*p == '[')
    {
      const char *close = strstr (p, "\"]:");
      p = close != NULL ? close + 2 : p;
    }
  p = strchr (p, ':');
  if (p == NULL)
    return error;
  line = g_ascii_strtoll (p + 1, &end, 10);
  if (end == p + 1 || *end != ':')
    return error;

  info = gisle_error_info_new (message);
  info->line = (int) CLAMP (line, -1, G_MAXINT);
  if (chunk_name != NULL && (chunk_name[0] == '=' || chunk_name[0] == '@'))
    info->chunk = g_strdup (chunk_name + 1);
  else
    info->chunk = g_strndup (message, p - message);
  return gisle_error_info_attach (error, info);
}

GError *
gisle_error_new_memory (guint64 limit,
                        guint64 in_use)
{
  if (limit == 0)
    return g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY,
                        _("Not enough memory: the system refused an allocation "
                          "(no memory-limit; %llu bytes were in use)"),
                        (unsigned long long) in_use);
  return g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY,
                      _("Not enough memory: the isle’s memory-limit is %llu bytes "
                        "and %llu bytes were in use"),
                      (unsigned long long) limit, (unsigned long long) in_use);
}

/* ---- The last error of this thread ---------------------------------------- */

void
gisle_error_info_remember (const GError *error)
{
  GIsleErrorInfo *info = error != NULL ? g_isle_error_get_info (error) : NULL;

  g_private_replace (&gisle_error_info_last, info != NULL ? g_isle_error_info_ref (info) : NULL);
}

/**
 * g_isle_error_info_get_last:
 *
 * Gets the info of the last GIsle call that completed in this thread,
 * blocking or `_finish`, if it failed with an error that has one (see
 * g_isle_error_get_info()). The next call to complete in this thread
 * replaces it, so read it right after the call failed.
 *
 * This is for bindings, which cannot read the info inside a #GError:
 * Python and GJS users find it as the `info` attribute of the exception
 * when they use GIsle's override (Python) or module (GJS).
 *
 * Returns: (transfer full) (nullable): the info, or %NULL
 */
GIsleErrorInfo *
g_isle_error_info_get_last (void)
{
  GIsleErrorInfo *info = g_private_get (&gisle_error_info_last);

  return info != NULL ? g_isle_error_info_ref (info) : NULL;
}
