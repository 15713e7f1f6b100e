/* gisle-tasks.c: tasks inside a job (isle.spawn, task:join, task:cancel,
 * isle.wait_any).
 *
 * Floor 6 (beside values and output): above suspending, under the job
 * (gisle-job.c schedules the tasks between resumes of the job's own
 * coroutine) and the `isle` module (gisle-host.c adds spawn and wait_any). A task is a coroutine
 * of the job: it runs when the coroutines before it wait, and its waits
 * suspend like the job's, so tasks waiting for host functions wait at the
 * same time. Nothing runs in parallel: one coroutine at a time, on the
 * worker thread.
 *
 * Structure: a job completes only once all its tasks have ended. When the
 * job's code returns, the job waits for the tasks still running; when it
 * fails, the tasks left are cancelled; when the job is cancelled, every
 * task is (each wait raises the cancel, as in the job's own code). A task
 * error nobody joined fails the job.
 *
 * Thread rule: worker thread only, like everything taking a lua_State.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-suspend-private.h"
#include "gisle-tasks-private.h"

#include <string.h>

#include <lauxlib.h>

#define GISLE_TASK_META "gisle.task"

typedef enum {
  GISLE_TASK_NEW,
  GISLE_TASK_RUNNING,
  GISLE_TASK_WAITING,
  GISLE_TASK_DONE,
  GISLE_TASK_FAILED,
  GISLE_TASK_CANCELLED,
} GisleTaskState;

/* A full userdata; user value 1 is the coroutine, 2 the error. */
typedef struct
{
  lua_State *co;
  GisleTaskState state;
  int nargs;                     /* NEW: the arguments on the coroutine */
  int nres;                      /* DONE: the results on the coroutine */
  gboolean joined;               /* its failure was seen by a join */
  gboolean cancel_seen;          /* the job's soft cancel was raised in it */
} GisleTask;

static GisleTask *
gisle_task_check (lua_State *L,
                  int        idx)
{
  return luaL_checkudata (L, idx, GISLE_TASK_META);
}

static gboolean
gisle_task_ended (GisleTask *task)
{
  return task->state == GISLE_TASK_DONE || task->state == GISLE_TASK_FAILED ||
         task->state == GISLE_TASK_CANCELLED;
}

/* Closes a task that will never run again; its <close> variables are
 * closed now. */
static void
gisle_task_discard (GisleTask *task)
{
  if (task->state == GISLE_TASK_WAITING)
    lua_resetthread (task->co);
  task->state = GISLE_TASK_CANCELLED;
}

/* ---- The Lua side -------------------------------------------------------- */

static int
gisle_tasks_spawn (lua_State *L)
{
  GisleJobSuspend *job = gisle_cancel_current_suspend (L);
  int n = lua_gettop (L);
  GisleTask *task;
  lua_State *co;

  luaL_checktype (L, 1, LUA_TFUNCTION);
  if (job == NULL || job->running == NULL)
    return luaL_error (L, "isle.spawn: only the code of an eval or a call can start tasks");
  if (gisle_cancel_state_get_phase (job->cancel) != GISLE_CANCEL_NONE)
    gisle_cancel_raise (L);

  task = lua_newuserdatauv (L, sizeof (GisleTask), 2);
  memset (task, 0, sizeof *task);
  luaL_setmetatable (L, GISLE_TASK_META);
  co = lua_newthread (L);
  lua_setiuservalue (L, -2, 1);
  if (!lua_checkstack (co, n))
    return luaL_error (L, "isle.spawn: too many arguments");
  for (int i = 1; i <= n; i++)
    lua_pushvalue (L, i);
  lua_xmove (L, co, n);
  task->co = co;
  task->nargs = n - 1;
  task->state = GISLE_TASK_NEW;

  if (job->tasks_ref == LUA_NOREF)
    {
      lua_newtable (L);
      job->tasks_ref = luaL_ref (L, LUA_REGISTRYINDEX);
    }
  lua_rawgeti (L, LUA_REGISTRYINDEX, job->tasks_ref);
  lua_pushvalue (L, -2);
  lua_rawseti (L, -2, (lua_Integer) lua_rawlen (L, -2) + 1);
  lua_pop (L, 1);
  job->progress = TRUE;
  return 1;
}

/* A wait for other tasks: yields to the scheduler; where that is not
 * possible there is nothing to block on (the tasks run on this very
 * thread), so it is an error. */
static int
gisle_tasks_wait (lua_State     *L,
                  const char    *what,
                  lua_KContext   ctx,
                  lua_KFunction  k)
{
  GisleJobSuspend *job = gisle_cancel_current_suspend (L);

  if (job != NULL && gisle_cancel_state_get_phase (job->cancel) != GISLE_CANCEL_NONE)
    {
      gisle_cancel_check (L);
      gisle_cancel_raise (L);
    }
  if (!gisle_suspend_possible (L))
    return luaL_error (L, "%s cannot wait here: Lua cannot yield (a table.sort comparator, "
                       "a string.gsub callback, a coroutine of the script's…)", what);
  return gisle_suspend_yield_again (L, ctx, k);
}

static int gisle_task_join_k (lua_State *L, int status, lua_KContext ctx);

static int
gisle_task_join (lua_State *L)
{
  GisleTask *task = gisle_task_check (L, 1);

  if (task->co == L)
    return luaL_error (L, "a task cannot join itself");
  switch (task->state)
    {
    case GISLE_TASK_DONE:
      lua_settop (L, 1);
      if (!lua_checkstack (L, task->nres) || !lua_checkstack (task->co, task->nres))
        return luaL_error (L, "too many results to join");
      for (int i = 1; i <= task->nres; i++)
        lua_pushvalue (task->co, i);
      lua_xmove (task->co, L, task->nres);
      return task->nres;

    case GISLE_TASK_FAILED:
      task->joined = TRUE;
      lua_getiuservalue (L, 1, 2);
      return lua_error (L);

    case GISLE_TASK_CANCELLED:
      return luaL_error (L, "the task was cancelled");

    case GISLE_TASK_NEW:
    case GISLE_TASK_RUNNING:
    case GISLE_TASK_WAITING:
    default:
      return gisle_tasks_wait (L, "task:join()", 0, gisle_task_join_k);
    }
}

static int
gisle_task_join_k (lua_State    *L,
                   int           status,
                   lua_KContext  ctx)
{
  return gisle_task_join (L);
}

static int
gisle_task_cancel (lua_State *L)
{
  GisleTask *task = gisle_task_check (L, 1);

  if (task->co == L)
    return luaL_error (L, "a task cannot cancel itself (return from it instead)");
  if (!gisle_task_ended (task))
    gisle_task_discard (task);
  return 0;
}

static int
gisle_task_status (lua_State *L)
{
  static const char *const names[] = {
    "pending", "running", "pending", "done", "failed", "cancelled",
  };
  GisleTask *task = gisle_task_check (L, 1);

  lua_pushstring (L, names[task->state]);
  return 1;
}

static int
gisle_task_tostring (lua_State *L)
{
  GisleTask *task = gisle_task_check (L, 1);

  lua_pushfstring (L, "task (%p)", (void *) task);
  return 1;
}

static int gisle_tasks_wait_any_k (lua_State *L, int status, lua_KContext ctx);

/* isle.wait_any(t1, t2, ...): the first of the tasks that has ended (in
 * argument order), once one has. */
static int
gisle_tasks_wait_any (lua_State *L)
{
  int n = lua_gettop (L);

  luaL_argcheck (L, n > 0, 1, "expected at least one task");
  for (int i = 1; i <= n; i++)
    if (gisle_task_ended (gisle_task_check (L, i)))
      {
        lua_pushvalue (L, i);
        return 1;
      }
  return gisle_tasks_wait (L, "isle.wait_any()", 0, gisle_tasks_wait_any_k);
}

static int
gisle_tasks_wait_any_k (lua_State    *L,
                        int           status,
                        lua_KContext  ctx)
{
  return gisle_tasks_wait_any (L);
}

static const luaL_Reg gisle_task_methods[] = {
  { "join", gisle_task_join },
  { "cancel", gisle_task_cancel },
  { "status", gisle_task_status },
  { NULL, NULL },
};

/* Adds isle.spawn and isle.wait_any to the `isle` table on top of @L. */
void
gisle_tasks_open (lua_State *L)
{
  lua_pushcfunction (L, gisle_tasks_spawn);
  lua_setfield (L, -2, "spawn");
  lua_pushcfunction (L, gisle_tasks_wait_any);
  lua_setfield (L, -2, "wait_any");

  luaL_newmetatable (L, GISLE_TASK_META);
  luaL_newlib (L, gisle_task_methods);
  lua_setfield (L, -2, "__index");
  lua_pushcfunction (L, gisle_task_tostring);
  lua_setfield (L, -2, "__tostring");
  lua_pop (L, 1);
}

/* ---- The scheduler's side (gisle-job.c) ----------------------------------- */

/* Pushes @job's task @i (1-based) and returns it, or pushes nothing and
 * returns NULL past the last one. Allocates nothing. */
static GisleTask *
gisle_tasks_push (GisleJobSuspend *job,
                  lua_State *L,
                  int        i)
{
  if (job->tasks_ref == LUA_NOREF || !lua_checkstack (L, 3))
    return NULL;
  lua_rawgeti (L, LUA_REGISTRYINDEX, job->tasks_ref);
  if (lua_rawgeti (L, -1, i) == LUA_TNIL)
    {
      lua_pop (L, 2);
      return NULL;
    }
  lua_remove (L, -2);
  return lua_touserdata (L, -1);
}

/* Resumes once each task of @job that can go on (new ones start). Returns
 * whether one ended, so that joins may go on. */
gboolean
gisle_tasks_run_pass (GisleJobSuspend *job,
                      lua_State *L)
{
  GisleRun *run = gisle_owner_get_run (gisle_worker_from_lua (L));
  gboolean ended = FALSE;
  GisleTask *task;

  for (int i = 1; (task = gisle_tasks_push (job, L, i)) != NULL; i++)
    {
      int nargs, nres = 0, status;

      if (task->state != GISLE_TASK_NEW && task->state != GISLE_TASK_WAITING)
        {
          lua_pop (L, 1);
          continue;
        }
      /* Once the job is cancelled, tasks not started never start. */
      if (task->state == GISLE_TASK_NEW &&
          gisle_cancel_state_get_phase (job->cancel) != GISLE_CANCEL_NONE)
        {
          task->state = GISLE_TASK_CANCELLED;
          ended = TRUE;
          lua_pop (L, 1);
          continue;
        }

      /* Each task gets the job's soft cancel once, as the job's own code
       * does: its cleanup may catch it. */
      gisle_suspend_soft_cancel_for (job, task->co, &task->cancel_seen);

      nargs = task->state == GISLE_TASK_NEW ? task->nargs : 0;
      task->state = GISLE_TASK_RUNNING;
      job->running = task->co;
      job->yielding = FALSE;
      gisle_cancel_enter_lua (run, job->cancel, job, task->co);
      status = lua_resume (task->co, L, nargs, &nres);
      if (status == LUA_YIELD && job->yielding)
        task->state = GISLE_TASK_WAITING;
      else if (status == LUA_OK)
        {
          task->state = GISLE_TASK_DONE;
          task->nres = nres;
        }
      else
        {
          if (status == LUA_YIELD)
            {
              /* The script's own coroutine.yield(), or a hard cancel. */
              lua_pop (task->co, nres);
              lua_pushliteral (task->co, "attempt to yield from outside a coroutine");
            }
          lua_xmove (task->co, L, 1);
          lua_setiuservalue (L, -2, 2);
          task->state = GISLE_TASK_FAILED;
          /* Its <close> variables, still cancellable. */
          lua_resetthread (task->co);
        }
      gisle_cancel_leave_lua (run);
      job->running = NULL;
      if (gisle_task_ended (task))
        ended = TRUE;
      lua_pop (L, 1);
    }
  return ended;
}

/* Whether a task of @job has not ended yet. */
gboolean
gisle_tasks_pending (GisleJobSuspend *job,
                     lua_State *L)
{
  GisleTask *task;

  for (int i = 1; (task = gisle_tasks_push (job, L, i)) != NULL; i++)
    {
      gboolean ended = gisle_task_ended (task);

      lua_pop (L, 1);
      if (!ended)
        return TRUE;
    }
  return FALSE;
}

/* The job's code failed: the tasks left are cancelled. */
void
gisle_tasks_cancel_all (GisleJobSuspend *job,
                        lua_State *L)
{
  GisleRun *run = gisle_owner_get_run (gisle_worker_from_lua (L));
  GisleTask *task;

  for (int i = 1; (task = gisle_tasks_push (job, L, i)) != NULL; i++)
    {
      if (!gisle_task_ended (task))
        {
          /* Their __close handlers are script code: cancellable. */
          gisle_cancel_enter_lua (run, job->cancel, job, task->co);
          gisle_task_discard (task);
          gisle_cancel_leave_lua (run);
        }
      lua_pop (L, 1);
    }
}

/* Once every task ended: the error of the first task that failed without
 * anyone joining it, as a message, or NULL. */
char *
gisle_tasks_unjoined_error (GisleJobSuspend *job,
                            lua_State *L)
{
  GisleTask *task;
  char *message = NULL;

  for (int i = 1; message == NULL && (task = gisle_tasks_push (job, L, i)) != NULL; i++)
    {
      if (task->state == GISLE_TASK_FAILED && !task->joined)
        {
          lua_getiuservalue (L, -1, 2);
          if (gisle_cancel_is_sentinel (L, -1))
            message = g_strdup ("the task was cancelled");
          else if (lua_type (L, -1) == LUA_TSTRING)
            message = g_strdup (lua_tostring (L, -1));
          else if (lua_isinteger (L, -1))
            message = g_strdup_printf ("%lld", (long long) lua_tointeger (L, -1));
          else if (lua_type (L, -1) == LUA_TNUMBER)
            message = g_strdup_printf ("%.14g", (double) lua_tonumber (L, -1));
          else
            message = g_strdup_printf ("(error object is a %s value)", luaL_typename (L, -1));
          lua_pop (L, 1);
        }
      lua_pop (L, 1);
    }
  return message;
}

/* Lets go of @job's tasks (their coroutines go with the garbage). */
void
gisle_tasks_release (GisleJobSuspend *job,
                     lua_State *L)
{
  if (job->tasks_ref != LUA_NOREF)
    luaL_unref (L, LUA_REGISTRYINDEX, job->tasks_ref);
  job->tasks_ref = LUA_NOREF;
}
