/* lightly-job-private.h: internal constructor of LightlyJob and its wire state parser
 *
 * The library builds these from wire JSON or store rows; users only ever get
 * them back from the client and the agent, so none of this is exported or
 * introspected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-job.h"

G_BEGIN_DECLS

/* Copies its arguments; @error and @result_tag_id may be NULL. */
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

G_END_DECLS
