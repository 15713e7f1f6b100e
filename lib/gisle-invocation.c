/* gisle-invocation.c: one pending call of an asynchronous host function.
 *
 * Floor 6 (values, output, invocations): below the host-function table,
 * which makes invocations; it reaches the call only through the
 * GisleInvocationCallClass it is given.
 *
 * Thread rule: an invocation is made, answered and dropped in the isle's
 * main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-invocation-private.h"

/**
 * GIsleInvocation:
 *
 * A call from a script to a function added with
 * g_isle_add_async_function(), waiting for its answer.
 *
 * The host completes it exactly once, from the isle's main context, with
 * g_isle_invocation_return_value() or g_isle_invocation_return_gerror();
 * either call consumes the reference the host function was given. An
 * invocation dropped without an answer fails the script's call.
 *
 * If the script is cancelled while it waits, the cancellable from
 * g_isle_invocation_get_cancellable() is cancelled and a later answer is
 * ignored.
 */
struct _GIsleInvocation
{
  GObject parent_instance;

  GIsle *isle;
  const GisleInvocationCallClass *klass;
  gpointer call;                 /* strong, through klass */
  const char *name;              /* owned by @call, as are the next two */
  GVariant *args;
  GCancellable *cancellable;
  guint64 job_id;
  gboolean returned;
};

G_DEFINE_FINAL_TYPE (GIsleInvocation, g_isle_invocation, G_TYPE_OBJECT)

static void
g_isle_invocation_finalize (GObject *object)
{
  GIsleInvocation *self = G_ISLE_INVOCATION (object);

  if (!self->returned)
    self->klass->complete (self->call, NULL,
                           g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                                        "host function “%s” never returned a value",
                                        self->name));
  self->klass->unref (self->call);
  g_clear_object (&self->isle);

  G_OBJECT_CLASS (g_isle_invocation_parent_class)->finalize (object);
}

static void
g_isle_invocation_class_init (GIsleInvocationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = g_isle_invocation_finalize;
}

static void
g_isle_invocation_init (GIsleInvocation *self)
{
}

GIsleInvocation *
gisle_invocation_new (GIsle                          *isle,
                      const GisleInvocationCallClass *klass,
                      gpointer                        call,
                      const char                     *name,
                      GVariant                       *args,
                      GCancellable                   *cancellable,
                      guint64                         job_id)
{
  GIsleInvocation *self = g_object_new (G_TYPE_ISLE_INVOCATION, NULL);

  self->isle = g_object_ref (isle);
  self->klass = klass;
  self->call = klass->ref (call);
  self->name = name;
  self->args = args;
  self->cancellable = cancellable;
  self->job_id = job_id;
  return self;
}

/**
 * g_isle_invocation_get_isle:
 * @self: a #GIsleInvocation
 *
 * Gets the isle whose script made the call.
 *
 * Returns: (transfer none): the isle
 */
GIsle *
g_isle_invocation_get_isle (GIsleInvocation *self)
{
  g_return_val_if_fail (G_IS_ISLE_INVOCATION (self), NULL);
  return self->isle;
}

/**
 * g_isle_invocation_get_name:
 * @self: a #GIsleInvocation
 *
 * Gets the name under which the function was added.
 *
 * Returns: (transfer none): the function's name
 */
const char *
g_isle_invocation_get_name (GIsleInvocation *self)
{
  g_return_val_if_fail (G_IS_ISLE_INVOCATION (self), NULL);
  return self->name;
}

/**
 * g_isle_invocation_get_arguments:
 * @self: a #GIsleInvocation
 *
 * Gets the arguments the script passed.
 *
 * Returns: (transfer none): the arguments, as a tuple
 */
GVariant *
g_isle_invocation_get_arguments (GIsleInvocation *self)
{
  g_return_val_if_fail (G_IS_ISLE_INVOCATION (self), NULL);
  return self->args;
}

/**
 * g_isle_invocation_get_cancellable:
 * @self: a #GIsleInvocation
 *
 * Gets a cancellable that is cancelled when the calling script is
 * cancelled. Pass it to the asynchronous work that answers the call.
 *
 * Returns: (transfer none): the call's cancellable
 */
GCancellable *
g_isle_invocation_get_cancellable (GIsleInvocation *self)
{
  g_return_val_if_fail (G_IS_ISLE_INVOCATION (self), NULL);
  return self->cancellable;
}

/**
 * g_isle_invocation_get_job_id:
 * @self: a #GIsleInvocation
 *
 * Gets the id of the job whose script made the call, as returned by
 * g_isle_eval_full_async() and carried by #GIsle::output.
 *
 * Returns: the job id
 */
guint64
g_isle_invocation_get_job_id (GIsleInvocation *self)
{
  g_return_val_if_fail (G_IS_ISLE_INVOCATION (self), 0);
  return self->job_id;
}

static gboolean
g_isle_invocation_check_once (GIsleInvocation *self)
{
  if (self->returned)
    {
      g_critical ("The host function “%s” answered its invocation twice",
                  self->name);
      return FALSE;
    }
  self->returned = TRUE;
  return TRUE;
}

/**
 * g_isle_invocation_return_value:
 * @self: (transfer full): a #GIsleInvocation
 * @result: (nullable): the results: a tuple, a single value, or %NULL for
 *   none; a floating reference is consumed
 *
 * Answers the call with @result. The script continues with these values.
 */
void
g_isle_invocation_return_value (GIsleInvocation *self,
                                GVariant        *result)
{
  g_return_if_fail (G_IS_ISLE_INVOCATION (self));

  /* (transfer none), but a floating reference is consumed, as with
   * g_dbus_method_invocation_return_value(). */
  if (result != NULL)
    g_variant_ref_sink (result);
  if (g_isle_invocation_check_once (self))
    self->klass->complete (self->call, result, NULL);
  else
    g_clear_pointer (&result, g_variant_unref);
  g_object_unref (self);
}

/**
 * g_isle_invocation_return_gerror:
 * @self: (transfer full): a #GIsleInvocation
 * @error: the error; its message is raised as a Lua error in the script
 *
 * Answers the call with an error.
 */
void
g_isle_invocation_return_gerror (GIsleInvocation *self,
                                 const GError    *error)
{
  g_return_if_fail (G_IS_ISLE_INVOCATION (self));
  g_return_if_fail (error != NULL);

  if (g_isle_invocation_check_once (self))
    self->klass->complete (self->call, NULL, g_error_copy (error));
  g_object_unref (self);
}

/**
 * g_isle_invocation_return_error_literal:
 * @self: (transfer full): a #GIsleInvocation
 * @domain: the error domain
 * @code: the error code
 * @message: the error message, raised as a Lua error in the script
 *
 * Answers the call with an error built from its parts.
 */
void
g_isle_invocation_return_error_literal (GIsleInvocation *self,
                                        GQuark           domain,
                                        gint             code,
                                        const char      *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (G_IS_ISLE_INVOCATION (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (domain, code, message);
  g_isle_invocation_return_gerror (self, error);
}
