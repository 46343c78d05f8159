/* lightly-batch-suggester.h: the extension point annotation apps load through libpeas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-suggest-context.h"
#include "lightly-suggest-request.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_BATCH_SUGGESTER (lightly_batch_suggester_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (LightlyBatchSuggester, lightly_batch_suggester, LIGHTLY, BATCH_SUGGESTER, GObject)

/**
 * LightlyBatchSuggesterInterface:
 * @g_iface: the parent interface
 * @suggest_async: starts a suggestion; the default runs @suggest in a
 *   worker thread
 * @suggest_finish: finishes @suggest_async; the default propagates the
 *   string vector of a #GTask
 * @suggest: (nullable): suggests synchronously; optional, called in a worker
 *   thread by the default @suggest_async
 *
 * The interface of a batch suggester (DESIGN.md, "The plugin contract").
 */
struct _LightlyBatchSuggesterInterface
{
  GTypeInterface g_iface;

  void   (*suggest_async)  (LightlyBatchSuggester *self, LightlySuggestRequest *request,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
  char **(*suggest_finish) (LightlyBatchSuggester *self, GAsyncResult *result, GError **error);
  char **(*suggest)        (LightlyBatchSuggester *self, LightlySuggestRequest *request,
                            GCancellable *cancellable, GError **error);

  /*< private >*/
  gpointer padding[8];
};

/**
 * LIGHTLY_BATCH_SUGGESTER_ABI:
 *
 * The value of the `X-Lightly-ABI` key that a `.plugin` file must carry for
 * hosts of this version of the interface to load it. Hosts compare
 * `peas_plugin_info_get_external_data (info, "Lightly-ABI")` with it.
 */
#define LIGHTLY_BATCH_SUGGESTER_ABI "1"

LIGHTLY_AVAILABLE_IN_ALL
LightlySuggestContext *lightly_batch_suggester_dup_context   (LightlyBatchSuggester  *self);

LIGHTLY_AVAILABLE_IN_ALL
void                   lightly_batch_suggester_suggest_async  (LightlyBatchSuggester  *self,
                                                               LightlySuggestRequest  *request,
                                                               GCancellable           *cancellable,
                                                               GAsyncReadyCallback     callback,
                                                               gpointer                user_data);
LIGHTLY_AVAILABLE_IN_ALL
char                 **lightly_batch_suggester_suggest_finish (LightlyBatchSuggester  *self,
                                                               GAsyncResult           *result,
                                                               GError                **error);
LIGHTLY_AVAILABLE_IN_ALL
void                   lightly_batch_suggester_emit_progress  (LightlyBatchSuggester  *self,
                                                               double                  fraction);
LIGHTLY_AVAILABLE_IN_ALL
char                 **lightly_batch_suggester_suggest        (LightlyBatchSuggester  *self,
                                                               LightlySuggestRequest  *request,
                                                               GCancellable           *cancellable,
                                                               GError                **error);

G_END_DECLS
