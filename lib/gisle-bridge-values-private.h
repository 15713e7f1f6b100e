/* gisle-bridge-values-private.h: the functions of gisle-bridge-values.c,
 * the bottom floor of the object bridge.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

#include <girepository.h>

G_BEGIN_DECLS

/* libgirepository 1.74 defines no autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIBaseInfo, g_base_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GITypeInfo, g_base_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIArgInfo, g_base_info_unref)

/* gisle-bridge-values.c: references dropped in the owner context, disposed
 * objects, enums and flags as words, and a value on its way between the
 * worker and an object's main context. Plain data is a GVariant (the
 * mapping of gisle-value.c), an object is a strong reference, a list is
 * @items; all three NULL is nil. Made on one side, read on the other,
 * freed by whoever holds it last: gisle_bridge_value_free() drops object
 * references through gisle_bridge_release(), so never on a worker. */
void              gisle_bridge_release        (GisleWorker      *worker,
                                               GObject          *object);
void              gisle_bridge_watch          (GObject          *object);
gboolean          gisle_bridge_is_gone        (GObject          *object);
char             *gisle_bridge_flags_to_string (GFlagsClass     *klass,
                                               guint             value);
gboolean          gisle_bridge_flag_from_word (GFlagsClass      *klass,
                                               const char       *word,
                                               guint            *bits);

typedef struct
{
  GVariant *variant;
  GObject *object;
  GPtrArray *items;            /* GisleBridgeValue */
} GisleBridgeValue;

GisleBridgeValue *gisle_bridge_value_new      (void);
void              gisle_bridge_value_free     (GisleWorker      *worker,
                                               GisleBridgeValue *value);
const char       *gisle_bridge_value_describe (GisleBridgeValue *value);

/* Owner-context side. Objects reached this way are watched
 * (gisle_bridge_watch()). */
typedef struct _GisleBridgeCleanup GisleBridgeCleanup;

GisleBridgeCleanup *gisle_bridge_cleanup_new  (void);
void              gisle_bridge_cleanup_add    (GisleBridgeCleanup *cleanup,
                                               gpointer            data,
                                               GDestroyNotify      notify);
void              gisle_bridge_cleanup_free   (GisleBridgeCleanup *cleanup);

char             *gisle_bridge_gi_type_name   (GITypeInfo       *type);
gboolean          gisle_bridge_value_to_arg   (GisleBridgeValue   *value,
                                               GITypeInfo         *type,
                                               GITransfer          transfer,
                                               gboolean            may_be_null,
                                               GIArgument         *arg,
                                               GisleBridgeCleanup *cleanup,
                                               gsize              *length,
                                               const char         *where,
                                               GError            **error);
GisleBridgeValue *gisle_bridge_value_from_arg (GIArgument       *arg,
                                               GITypeInfo       *type,
                                               GITransfer        transfer,
                                               gssize            length,
                                               const char       *where,
                                               GError          **error);

G_END_DECLS
