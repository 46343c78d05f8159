/* lightly-api-workflow-client-op-private.h: the client's operations
 *
 * Every remote operation of LightlyApiWorkflowClient is a blocking function
 * over the backend that runs on a worker thread; the _async call builds its
 * data in the owner context and the _finish call takes the result. The
 * client's files (by topic: datasets, samples and embeddings, tags and
 * scores, selections, blocking variants) share this machinery.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "lightly-api-workflow-client.h"
#include "backend/lightly-backend.h"

G_BEGIN_DECLS

typedef gpointer (*LightlyClientOpFunc) (gpointer op, LightlyBackend *backend,
                                         GCancellable *cancellable, GError **error);

/* The common head of every operation's data. dataset_id and embedding_id are
 * captured at the _async call, in the owner context, because the properties
 * may change while the worker runs. */
typedef struct {
  LightlyClientOpFunc func;
  GDestroyNotify free_func;
  GDestroyNotify result_free;
  char *dataset_id;
  char *embedding_id;
} LightlyClientOp;

#define LIGHTLY_CLIENT_OP_TRUE GINT_TO_POINTER (1)

/* Allocates an operation of @size bytes whose first member is a LightlyClientOp. */
gpointer lightly_client_op_new        (LightlyApiWorkflowClient *self,
                                       gsize                     size,
                                       LightlyClientOpFunc       func,
                                       GDestroyNotify            free_func,
                                       GDestroyNotify            result_free);
/* @check_cancellable FALSE: a result the worker produced is returned even if
 * the cancellable fired meanwhile (a selection that finished anyway). */
void     lightly_client_op_start_full (LightlyApiWorkflowClient *self,
                                       gpointer                  op,
                                       gpointer                  source_tag,
                                       gboolean                  check_cancellable,
                                       GCancellable             *cancellable,
                                       GAsyncReadyCallback       callback,
                                       gpointer                  user_data);
void     lightly_client_op_start      (LightlyApiWorkflowClient *self,
                                       gpointer                  op,
                                       gpointer                  source_tag,
                                       GCancellable             *cancellable,
                                       GAsyncReadyCallback       callback,
                                       gpointer                  user_data);
gpointer lightly_client_op_finish     (LightlyApiWorkflowClient *self,
                                       GAsyncResult             *result,
                                       gpointer                  source_tag,
                                       GError                  **error);
/* Fails with NOT_INITIALIZED when the client had no dataset-id. */
gboolean lightly_client_op_require_dataset (LightlyClientOp  *op,
                                            GError          **error);

/* Opens a local CSV for the _from_path variants. */
GInputStream *lightly_client_open_path (const char    *path,
                                        GCancellable  *cancellable,
                                        GError       **error);

G_END_DECLS
