/* lightly-models-private.h: internal constructors of the immutable model types
 *
 * The library builds these from wire JSON or store rows; users only ever get
 * them back from the client and the agent, so none of this is exported or
 * introspected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-tag.h"
#include "lightly-job.h"
#include "lightly-query-result.h"
#include "lightly-dataset.h"
#include "lightly-embedding.h"

G_BEGIN_DECLS

/* Every constructor copies its arguments; NULL is allowed for each string
 * the matching property documents as nullable. */

/* The tag named @name in a list of tags (element-type LightlyTag), or NULL. */
LightlyTag *lightly_tag_list_find (GPtrArray  *tags,
                                   const char *name);
LightlyTag *lightly_tag_new_internal (const char *id,
                                      const char *dataset_id,
                                      const char *name,
                                      const char *bit_mask_data,
                                      guint       tot_size,
                                      const char *prev_tag_id,
                                      const char *query_tag_id,
                                      const char *preselected_tag_id,
                                      const char *creator,
                                      gint64      created_at);

LightlyJob *lightly_job_new_internal (const char       *id,
                                      LightlyJobStatus  status,
                                      guint64           processed,
                                      guint64           total,
                                      const char       *error,
                                      const char       *result_tag_id,
                                      gint64            created_at,
                                      gint64            finished_at,
                                      gint              wait_time_till_next_poll);

/* Parses a wire JobState name ("FINISHED"; case ignored). Unknown names give
 * LIGHTLY_JOB_STATUS_UNKNOWN and FALSE, so a caller can decide whether a
 * server that invents states is an error. */
gboolean lightly_job_status_parse (const char       *name,
                                   LightlyJobStatus *out_status);

/* @added may be NULL (nothing added). */
LightlyQueryResult *lightly_query_result_new_internal (gboolean            skipped,
                                                       LightlyTag         *tag,
                                                       const char * const *added);

LightlyDataset *lightly_dataset_new_internal (const char *id,
                                              const char *name,
                                              guint       n_samples,
                                              gint64      created_at,
                                              gint64      last_modified_at);

LightlyEmbedding *lightly_embedding_new_internal (const char *id,
                                                  const char *name,
                                                  gboolean    is_processed,
                                                  gint64      created_at);

G_END_DECLS
