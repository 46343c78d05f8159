/* lightly-server-ml-backend.h: a Label Studio ML backend (private)
 *
 * `lightly-al serve --ml-backend`: the routes Label Studio's ML-backend
 * protocol calls, next to the Lightly v1 API. /predict answers one
 * prediction per task whose `score` is the selection priority (so "sort by
 * prediction score" in Label Studio's data manager gives the next batch);
 * /webhook turns annotation events into the dataset's labeled tag.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server/lightly-http-message.h"
#include "backend/lightly-backend.h"

G_BEGIN_DECLS

typedef struct _LightlyServerMlBackend LightlyServerMlBackend;

/* dataset: a dataset name or id of @backend. picks: nullable, the output of
 * `lightly-al query --json` (rank, utility per file). labeled_tag: the tag
 * the webhook keeps up to date (default "label-studio"). */
LightlyServerMlBackend *lightly_server_ml_backend_new    (LightlyBackend  *backend,
                                                          const char      *dataset,
                                                          const char      *picks,
                                                          const char      *labeled_tag,
                                                          GError         **error);
void                    lightly_server_ml_backend_free   (LightlyServerMlBackend *ml);

/* Whether @segment (the one path segment) is an ML-backend route. */
gboolean                lightly_server_ml_backend_owns   (const char *segment);

/* Answers /setup, /predict or /webhook (already authenticated). Blocking. */
void                    lightly_server_ml_backend_handle (LightlyServerMlBackend   *ml,
                                                          const char               *segment,
                                                          const LightlyHttpRequest *request,
                                                          LightlyHttpResponse      *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyServerMlBackend, lightly_server_ml_backend_free)

G_END_DECLS
