/* lightly-job.h: LightlyJob, the status of one server-side job (protocol JobStatusData)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib-object.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

/**
 * LightlyJobStatus:
 * @LIGHTLY_JOB_STATUS_UNKNOWN: the server does not know the state (the wire's
 *   `UNKNOWN`)
 * @LIGHTLY_JOB_STATUS_WAITING: queued, not started yet
 * @LIGHTLY_JOB_STATUS_RUNNING: running; [property@Lightly.Job:processed] and
 *   [property@Lightly.Job:total] tell how far it got
 * @LIGHTLY_JOB_STATUS_FINISHED: done; for a selection job
 *   [property@Lightly.Job:result-tag-id] is the new tag
 * @LIGHTLY_JOB_STATUS_FAILED: given up; [property@Lightly.Job:error] says why
 *
 * The state of a job, the wire's `JobState`. The wire names are the upper
 * case forms, see [func@Lightly.JobStatus.to_string].
 */
typedef enum {
  LIGHTLY_JOB_STATUS_UNKNOWN,
  LIGHTLY_JOB_STATUS_WAITING,
  LIGHTLY_JOB_STATUS_RUNNING,
  LIGHTLY_JOB_STATUS_FINISHED,
  LIGHTLY_JOB_STATUS_FAILED,
} LightlyJobStatus;

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_job_status_to_string (LightlyJobStatus status);

#define LIGHTLY_TYPE_JOB (lightly_job_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyJob, lightly_job, LIGHTLY, JOB, GObject)

LIGHTLY_AVAILABLE_IN_ALL
const char       *lightly_job_get_id                       (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
LightlyJobStatus  lightly_job_get_status                   (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
guint64           lightly_job_get_processed                (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
guint64           lightly_job_get_total                    (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
const char       *lightly_job_get_error                    (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
const char       *lightly_job_get_result_tag_id            (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
gint64            lightly_job_get_created_at               (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
gint64            lightly_job_get_finished_at              (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
gint              lightly_job_get_wait_time_till_next_poll (LightlyJob *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean          lightly_job_is_done                      (LightlyJob *self);

G_END_DECLS
