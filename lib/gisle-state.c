/* gisle-state.c: the isle's Lua state: its allocator, its panic handler,
 * and what every state gets before any job runs.
 *
 * Floor 8 (the Lua state): above the sandbox, the cancel mechanism and
 * the host-function table (it opens them); floors above the state (the
 * object bridge) add to every new state through gisle_state_add_installer().
 *
 * Thread rule: everything here runs on the thread that runs the isle (its
 * own, or the executor thread of the turn), the only one that touches L.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-host-private.h"
#include "gisle-state-private.h"
#include "gisle-sandbox-private.h"
#include "gisle-i18n-private.h"

#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>

/* The allocator enforces GIsle:memory-limit. Refusing an allocation makes
 * Lua run an emergency collection and then raise a memory error, which ends
 * the job with G_ISLE_ERROR_MEMORY and leaves the state usable. */
static void *
gisle_state_alloc (void   *ud,
                    void   *ptr,
                    size_t  osize,
                    size_t  nsize)
{
  GisleWorker *worker = ud;
  gsize in_use = __atomic_load_n (&worker->memory_in_use, __ATOMIC_RELAXED);
  gsize old_size = ptr != NULL ? osize : 0;
  void *block;

  if (nsize == 0)
    {
      free (ptr);
      __atomic_store_n (&worker->memory_in_use, in_use - old_size, __ATOMIC_RELAXED);
      return NULL;
    }

  if (worker->memory_limit != 0 && nsize > old_size &&
      in_use - old_size + nsize > worker->memory_limit)
    return NULL;

  block = realloc (ptr, nsize);
  if (block == NULL)
    return NULL;

  __atomic_store_n (&worker->memory_in_use, in_use - old_size + nsize, __ATOMIC_RELAXED);
  return block;
}

static int
gisle_state_panic (lua_State *L)
{
  /* Every call into Lua is protected, so this means a GIsle bug; crash
   * loudly instead of letting Lua call exit(). */
  g_error ("unprotected Lua error: %s", lua_tostring (L, -1));
  return 0;
}

/* A new state for @worker, or NULL without memory. */
lua_State *
gisle_state_new (GisleWorker *worker)
{
  lua_State *L = lua_newstate (gisle_state_alloc, worker);

  if (L != NULL)
    {
      *(GisleWorker **) lua_getextraspace (L) = worker;
      lua_atpanic (L, gisle_state_panic);
    }
  return L;
}

static int
gisle_state_open_protected (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  gisle_sandbox_open (L, worker->libraries);
  gisle_cancel_open (L);
  gisle_host_open (L);
  return 0;
}

/* What floors above add to every state (gisle_state_add_installer()). A
 * handful at most: the object bridge today. */
static GMutex gisle_state_installers_lock;
static GisleStateInstaller gisle_state_installers[4];
static guint gisle_state_n_installers;

/* Opens the isle's library set, with the cancel-aware replacements and
 * the `isle` module, and installs the host functions registered so far. */
gboolean
gisle_state_open (GisleWorker  *worker,
                  lua_State    *L,
                  GError      **error)
{
  GisleStateInstaller installers[G_N_ELEMENTS (gisle_state_installers)];
  guint n_installers;
  int status;

  lua_pushcfunction (L, gisle_state_open_protected);
  status = lua_pcall (L, 0, 0, 0);
  if (status != LUA_OK)
    {
      g_set_error (error, G_ISLE_ERROR,
                   status == LUA_ERRMEM ? G_ISLE_ERROR_MEMORY : G_ISLE_ERROR_FAILED,
                   _("Could not open the Lua libraries: %s"),
                   lua_tostring (L, -1) ? lua_tostring (L, -1) : "unknown error");
      lua_settop (L, 0);
      return FALSE;
    }
  gisle_host_install_all (worker, L);
  gisle_mutex_lock (&gisle_state_installers_lock);
  n_installers = gisle_state_n_installers;
  memcpy (installers, gisle_state_installers, sizeof installers);
  gisle_mutex_unlock (&gisle_state_installers_lock);
  for (guint i = 0; i < n_installers; i++)
    installers[i] (worker, L);
  return TRUE;
}

void
gisle_state_add_installer (GisleStateInstaller install)
{
  gisle_mutex_lock (&gisle_state_installers_lock);
  for (guint i = 0; i < gisle_state_n_installers; i++)
    if (gisle_state_installers[i] == install)
      {
        gisle_mutex_unlock (&gisle_state_installers_lock);
        return;
      }
  g_assert (gisle_state_n_installers < G_N_ELEMENTS (gisle_state_installers));
  gisle_state_installers[gisle_state_n_installers++] = install;
  gisle_mutex_unlock (&gisle_state_installers_lock);
}
