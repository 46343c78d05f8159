/* lightly-job.c: LightlyJob, the status of one server-side job (protocol JobStatusData)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-job.h"
#include "lightly-enum-types.h"
#include "lightly-job-private.h"

static const char * const status_names[] = {
  [LIGHTLY_JOB_STATUS_UNKNOWN] = "UNKNOWN",
  [LIGHTLY_JOB_STATUS_WAITING] = "WAITING",
  [LIGHTLY_JOB_STATUS_RUNNING] = "RUNNING",
  [LIGHTLY_JOB_STATUS_FINISHED] = "FINISHED",
  [LIGHTLY_JOB_STATUS_FAILED] = "FAILED",
};

/**
 * lightly_job_status_to_string:
 * @status: a job status
 *
 * The status's name on the wire, as in the `status` field of a Lightly
 * `JobStatusData`.
 *
 * Returns: (transfer none) (nullable): the name, such as `"RUNNING"`, or %NULL
 *   for a value that is not a status
 */
const char *
lightly_job_status_to_string (LightlyJobStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return NULL;
  return status_names[status];
}

gboolean
lightly_job_status_parse (const char       *name,
                          LightlyJobStatus *out_status)
{
  g_return_val_if_fail (out_status != NULL, FALSE);

  *out_status = LIGHTLY_JOB_STATUS_UNKNOWN;
  if (name == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (name, status_names[i]) == 0)
      {
        *out_status = (LightlyJobStatus) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * LightlyJob:
 *
 * A snapshot of one job on the server or in the embedded store, such as a
 * selection that makes a new tag (the Lightly `JobStatusData` model).
 *
 * Every property is read-only: following a job gives a new `LightlyJob` for
 * each status it reports. A job is over when [method@Lightly.Job.is_done]
 * says so.
 */
struct _LightlyJob
{
  GObject parent_instance;

  char *id;
  LightlyJobStatus status;
  guint64 processed;
  guint64 total;
  char *error;
  char *result_tag_id;
  gint64 created_at;
  gint64 finished_at;
  gint wait_time_till_next_poll;
};

G_DEFINE_FINAL_TYPE (LightlyJob, lightly_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STATUS,
  PROP_PROCESSED,
  PROP_TOTAL,
  PROP_ERROR,
  PROP_RESULT_TAG_ID,
  PROP_CREATED_AT,
  PROP_FINISHED_AT,
  PROP_WAIT_TIME_TILL_NEXT_POLL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_job_finalize (GObject *object)
{
  LightlyJob *self = LIGHTLY_JOB (object);

  g_free (self->id);
  g_free (self->error);
  g_free (self->result_tag_id);

  G_OBJECT_CLASS (lightly_job_parent_class)->finalize (object);
}

static void
lightly_job_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  LightlyJob *self = LIGHTLY_JOB (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_PROCESSED:
      g_value_set_uint64 (value, self->processed);
      break;
    case PROP_TOTAL:
      g_value_set_uint64 (value, self->total);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_RESULT_TAG_ID:
      g_value_set_string (value, self->result_tag_id);
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    case PROP_FINISHED_AT:
      g_value_set_int64 (value, self->finished_at);
      break;
    case PROP_WAIT_TIME_TILL_NEXT_POLL:
      g_value_set_int (value, self->wait_time_till_next_poll);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_job_class_init (LightlyJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_job_finalize;
  object_class->get_property = lightly_job_get_property;

  /**
   * LightlyJob:id: (getter get_id)
   *
   * The job's id, as returned when the job was started.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * LightlyJob:status: (getter get_status)
   *
   * The job's state when this snapshot was taken.
   */
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, LIGHTLY_TYPE_JOB_STATUS,
                       LIGHTLY_JOB_STATUS_UNKNOWN, flags);

  /**
   * LightlyJob:processed: (getter get_processed)
   *
   * How many of [property@Lightly.Job:total] work units are done. Both are 0
   * when the server did not report progress.
   */
  properties[PROP_PROCESSED] =
    g_param_spec_uint64 ("processed", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * LightlyJob:total: (getter get_total)
   *
   * How many work units the job has in all (for a selection, about the
   * number of samples to pick), or 0 when not known.
   */
  properties[PROP_TOTAL] =
    g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * LightlyJob:error: (getter get_error)
   *
   * Why the job failed, as the server put it; %NULL unless
   * [property@Lightly.Job:status] is %LIGHTLY_JOB_STATUS_FAILED (and maybe
   * even then).
   */
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL, flags);

  /**
   * LightlyJob:result-tag-id: (getter get_result_tag_id)
   *
   * The id of the tag a finished selection job made, or %NULL.
   */
  properties[PROP_RESULT_TAG_ID] =
    g_param_spec_string ("result-tag-id", NULL, NULL, NULL, flags);

  /**
   * LightlyJob:created-at: (getter get_created_at)
   *
   * When the job was started, in milliseconds since the Unix epoch (UTC).
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);

  /**
   * LightlyJob:finished-at: (getter get_finished_at)
   *
   * When the job finished or failed, in milliseconds since the Unix epoch
   * (UTC), or 0 while it has not.
   */
  properties[PROP_FINISHED_AT] =
    g_param_spec_int64 ("finished-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);

  /**
   * LightlyJob:wait-time-till-next-poll: (getter get_wait_time_till_next_poll)
   *
   * How many seconds the server asks a client to wait before it asks for
   * the job's status again.
   */
  properties[PROP_WAIT_TIME_TILL_NEXT_POLL] =
    g_param_spec_int ("wait-time-till-next-poll", NULL, NULL, G_MININT, G_MAXINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_job_init (LightlyJob *self)
{
}

LightlyJob *
lightly_job_new_internal (const char       *id,
                          LightlyJobStatus  status,
                          guint64           processed,
                          guint64           total,
                          const char       *error,
                          const char       *result_tag_id,
                          gint64            created_at,
                          gint64            finished_at,
                          gint              wait_time_till_next_poll)
{
  LightlyJob *self = g_object_new (LIGHTLY_TYPE_JOB, NULL);

  self->id = g_strdup (id);
  self->status = status;
  self->processed = processed;
  self->total = total;
  self->error = g_strdup (error);
  self->result_tag_id = g_strdup (result_tag_id);
  self->created_at = created_at;
  self->finished_at = finished_at;
  self->wait_time_till_next_poll = wait_time_till_next_poll;

  return self;
}

/**
 * lightly_job_get_id: (get-property id)
 * @self: a job
 *
 * Gets the job's id.
 *
 * Returns: (transfer none): the id
 */
const char *
lightly_job_get_id (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), NULL);
  return self->id;
}

/**
 * lightly_job_get_status: (get-property status)
 * @self: a job
 *
 * Gets the job's state.
 *
 * Returns: the state
 */
LightlyJobStatus
lightly_job_get_status (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), LIGHTLY_JOB_STATUS_UNKNOWN);
  return self->status;
}

/**
 * lightly_job_get_processed: (get-property processed)
 * @self: a job
 *
 * Gets how many work units are done.
 *
 * Returns: the units done
 */
guint64
lightly_job_get_processed (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), 0);
  return self->processed;
}

/**
 * lightly_job_get_total: (get-property total)
 * @self: a job
 *
 * Gets how many work units the job has.
 *
 * Returns: the units in all, or 0 when not known
 */
guint64
lightly_job_get_total (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), 0);
  return self->total;
}

/**
 * lightly_job_get_error: (get-property error)
 * @self: a job
 *
 * Gets the server's reason for a failed job.
 *
 * Returns: (transfer none) (nullable): the message, or %NULL
 */
const char *
lightly_job_get_error (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), NULL);
  return self->error;
}

/**
 * lightly_job_get_result_tag_id: (get-property result-tag-id)
 * @self: a job
 *
 * Gets the id of the tag a finished selection made.
 *
 * Returns: (transfer none) (nullable): the tag id, or %NULL
 */
const char *
lightly_job_get_result_tag_id (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), NULL);
  return self->result_tag_id;
}

/**
 * lightly_job_get_created_at: (get-property created-at)
 * @self: a job
 *
 * Gets when the job was started.
 *
 * Returns: milliseconds since the Unix epoch
 */
gint64
lightly_job_get_created_at (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), 0);
  return self->created_at;
}

/**
 * lightly_job_get_finished_at: (get-property finished-at)
 * @self: a job
 *
 * Gets when the job finished or failed.
 *
 * Returns: milliseconds since the Unix epoch, or 0 while it has not
 */
gint64
lightly_job_get_finished_at (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), 0);
  return self->finished_at;
}

/**
 * lightly_job_get_wait_time_till_next_poll: (get-property wait-time-till-next-poll)
 * @self: a job
 *
 * Gets how long the server asks a client to wait before the next poll.
 *
 * Returns: the wait in seconds
 */
gint
lightly_job_get_wait_time_till_next_poll (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), 0);
  return self->wait_time_till_next_poll;
}

/**
 * lightly_job_is_done:
 * @self: a job
 *
 * Whether the job is over, successfully or not: its status is
 * %LIGHTLY_JOB_STATUS_FINISHED or %LIGHTLY_JOB_STATUS_FAILED.
 *
 * Returns: %TRUE when the job will not change any more
 */
gboolean
lightly_job_is_done (LightlyJob *self)
{
  g_return_val_if_fail (LIGHTLY_IS_JOB (self), FALSE);
  return self->status == LIGHTLY_JOB_STATUS_FINISHED ||
         self->status == LIGHTLY_JOB_STATUS_FAILED;
}
