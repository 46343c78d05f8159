/* lightly-api-workflow-client-tags.c: tags and the scores uploaded to them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-api-workflow-client-op-private.h"
#include "lightly-api-workflow-client-private.h"
#include "lightly-error.h"
#include "lightly-tag-private.h"

/* ---------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------- */

static gpointer
get_tags_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  LightlyClientOp *op = data;

  if (!lightly_client_op_require_dataset (op, error))
    return NULL;
  return lightly_backend_get_tags (backend, op->dataset_id, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_tags_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the tags
 * @user_data: data for @callback
 *
 * Lists the dataset's tags in creation order; the `initial-tag` comes first.
 */
void
lightly_api_workflow_client_get_tags_async (LightlyApiWorkflowClient *self,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  lightly_client_op_start (self,
                           lightly_client_op_new (self, sizeof (LightlyClientOp), get_tags_run, NULL,
                                                  (GDestroyNotify) g_ptr_array_unref),
                           lightly_api_workflow_client_get_tags_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_get_tags_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.get_tags_async].
 *
 * Returns: (transfer container) (element-type LightlyTag): the tags, or %NULL
 *   on error; the array owns its elements (it unrefs them when it is freed),
 *   so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_get_tags_finish (LightlyApiWorkflowClient *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_get_tags_async, error);
}

typedef struct {
  LightlyClientOp op;
  char **names;
} FindTagsOp;

static void
find_tags_op_free (gpointer data)
{
  FindTagsOp *op = data;

  g_strfreev (op->names);
}

/* The tags named in op->names with their masks, the others as heads: the
 * store reads two masks rather than one per round. */
static gpointer
find_tags_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  FindTagsOp *op = data;
  g_autoptr(GPtrArray) tags = NULL;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;
  tags = lightly_backend_get_tag_heads (backend, op->op.dataset_id, cancellable, error);
  if (tags == NULL)
    return NULL;
  for (guint n = 0; op->names[n] != NULL; n++)
    for (guint i = 0; i < tags->len; i++)
      {
        LightlyTag *head = g_ptr_array_index (tags, i);
        LightlyTag *tag;

        /* The first tag of that name, as lightly_tag_list_find() takes. */
        if (g_strcmp0 (lightly_tag_get_name (head), op->names[n]) != 0)
          continue;
        if (lightly_tag_get_bit_mask_data (head) != NULL)
          break;
        tag = lightly_backend_get_tag (backend, op->op.dataset_id, lightly_tag_get_id (head),
                                       cancellable, error);
        if (tag == NULL)
          return NULL;
        g_ptr_array_index (tags, i) = tag;
        g_object_unref (head);
        break;
      }
  return g_steal_pointer (&tags);
}

void
lightly_api_workflow_client_find_tags_async (LightlyApiWorkflowClient *self,
                                             const char * const       *names,
                                             GCancellable             *cancellable,
                                             GAsyncReadyCallback       callback,
                                             gpointer                  user_data)
{
  FindTagsOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (names != NULL);

  op = lightly_client_op_new (self, sizeof (FindTagsOp), find_tags_run, find_tags_op_free,
                              (GDestroyNotify) g_ptr_array_unref);
  op->names = g_strdupv ((char **) names);
  lightly_client_op_start (self, &op->op, lightly_api_workflow_client_find_tags_async, cancellable,
                           callback, user_data);
}

GPtrArray *
lightly_api_workflow_client_find_tags_finish (LightlyApiWorkflowClient *self,
                                              GAsyncResult             *result,
                                              GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_find_tags_async, error);
}

/**
 * lightly_api_workflow_client_get_tag_by_name:
 * @self: a client
 * @name: a tag name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: finds the dataset's tag named @name.
 *
 * Returns: (transfer full): the tag, or %NULL with %LIGHTLY_ERROR_NOT_FOUND
 */
LightlyTag *
lightly_api_workflow_client_get_tag_by_name (LightlyApiWorkflowClient *self,
                                             const char               *name,
                                             GCancellable             *cancellable,
                                             GError                  **error)
{
  const char *names[] = { name, NULL };
  g_autoptr(GPtrArray) tags = NULL;
  LightlyTag *tag;

  g_return_val_if_fail (name != NULL, NULL);

  tags = lightly_api_workflow_client_find_tags (self, names, cancellable, error);
  if (tags == NULL)
    return NULL;
  tag = lightly_tag_list_find (tags, name);
  if (tag != NULL)
    return g_object_ref (tag);

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
               "The dataset has no tag named “%s”", name);
  return NULL;
}

typedef struct {
  LightlyClientOp op;
  char *name;
  char *bit_mask_hex;
  char *prev_tag_id;
} CreateTagOp;

static void
create_tag_op_free (gpointer data)
{
  CreateTagOp *op = data;

  g_free (op->name);
  g_free (op->bit_mask_hex);
  g_free (op->prev_tag_id);
}

static gpointer
create_tag_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  CreateTagOp *op = data;
  g_autofree char *id = NULL;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;
  id = lightly_backend_create_tag (backend, op->op.dataset_id, op->name, op->bit_mask_hex, op->prev_tag_id,
                          cancellable, error);
  if (id == NULL)
    return NULL;
  return lightly_backend_get_tag (backend, op->op.dataset_id, id, cancellable, error);
}

/**
 * lightly_api_workflow_client_create_tag_async:
 * @self: a client
 * @name: the tag's name (at least 3 characters: letters, digits and ` .:;=@_-`)
 * @bit_mask: the tag's members
 * @prev_tag_id: (nullable): the parent tag, usually a superset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new tag
 * @user_data: data for @callback
 *
 * Creates a tag from a bit mask. Creating a tag again with the same name and
 * the same members is not an error and returns the existing tag ([protocol](protocol.html)
 * §13, idempotent writes); the same name with other members is
 * %LIGHTLY_ERROR_EXISTS.
 */
void
lightly_api_workflow_client_create_tag_async (LightlyApiWorkflowClient *self,
                                              const char               *name,
                                              const LightlyBitMask     *bit_mask,
                                              const char               *prev_tag_id,
                                              GCancellable             *cancellable,
                                              GAsyncReadyCallback       callback,
                                              gpointer                  user_data)
{
  CreateTagOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (bit_mask != NULL);

  op = lightly_client_op_new (self, sizeof (CreateTagOp), create_tag_run, create_tag_op_free, g_object_unref);
  op->name = g_strdup (name);
  op->bit_mask_hex = lightly_bit_mask_to_hex (bit_mask);
  op->prev_tag_id = g_strdup (prev_tag_id);
  lightly_client_op_start (self, op, lightly_api_workflow_client_create_tag_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_create_tag_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.create_tag_async].
 *
 * Returns: (transfer full): the tag, or %NULL on error
 */
LightlyTag *
lightly_api_workflow_client_create_tag_finish (LightlyApiWorkflowClient *self,
                                               GAsyncResult             *result,
                                               GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_create_tag_async, error);
}

typedef struct {
  LightlyClientOp op;
  char *tag_id;
  gboolean rows;    /* the picks: with their rows, unnamed (get_tag_pick_rows) */
} TagIdOp;

static void
tag_id_op_free (gpointer data)
{
  TagIdOp *op = data;

  g_free (op->tag_id);
}

static gpointer
delete_tag_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  TagIdOp *op = data;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;
  if (!lightly_backend_delete_tag (backend, op->op.dataset_id, op->tag_id,
                                                        cancellable, error))
    return NULL;
  return LIGHTLY_CLIENT_OP_TRUE;
}

/**
 * lightly_api_workflow_client_delete_tag_async:
 * @self: a client
 * @tag_id: the id of the tag to delete
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the tag is deleted
 * @user_data: data for @callback
 *
 * Deletes a tag of the dataset, and the scores uploaded for it. The
 * `initial-tag` cannot be deleted, nor a tag that another tag names as its
 * previous, query or preselected tag, nor a tag a selection job still uses:
 * those are %LIGHTLY_ERROR_INVALID_INPUT, with a message saying what refers
 * to the tag. A tag the dataset does not have is %LIGHTLY_ERROR_NOT_FOUND.
 *
 * Over http this is `DELETE /v1/datasets/{datasetId}/tags/{tagId}`.
 */
void
lightly_api_workflow_client_delete_tag_async (LightlyApiWorkflowClient *self,
                                              const char               *tag_id,
                                              GCancellable             *cancellable,
                                              GAsyncReadyCallback       callback,
                                              gpointer                  user_data)
{
  TagIdOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (tag_id != NULL);

  op = lightly_client_op_new (self, sizeof (TagIdOp), delete_tag_run, tag_id_op_free, NULL);
  op->tag_id = g_strdup (tag_id);
  lightly_client_op_start (self, op, lightly_api_workflow_client_delete_tag_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_delete_tag_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.delete_tag_async].
 *
 * Returns: %TRUE when the tag is deleted
 */
gboolean
lightly_api_workflow_client_delete_tag_finish (LightlyApiWorkflowClient *self,
                                               GAsyncResult             *result,
                                               GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_delete_tag_async, error) != NULL;
}

static gpointer
get_tag_picks_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  TagIdOp *op = data;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;
  if (op->rows)
    return lightly_backend_get_tag_pick_rows (backend, op->op.dataset_id, op->tag_id, cancellable, error);
  return lightly_backend_get_tag_picks (backend, op->op.dataset_id, op->tag_id, cancellable, error);
}

static void
start_get_tag_picks (LightlyApiWorkflowClient *self,
                     gpointer                  source_tag,
                     const char               *tag_id,
                     gboolean                  rows,
                     GCancellable             *cancellable,
                     GAsyncReadyCallback       callback,
                     gpointer                  user_data)
{
  TagIdOp *op = lightly_client_op_new (self, sizeof (TagIdOp), get_tag_picks_run, tag_id_op_free,
                                       (GDestroyNotify) g_ptr_array_unref);

  op->tag_id = g_strdup (tag_id);
  op->rows = rows;
  lightly_client_op_start (self, &op->op, source_tag, cancellable, callback, user_data);
}

void
lightly_api_workflow_client_get_tag_pick_rows_async (LightlyApiWorkflowClient *self,
                                                     const char               *tag_id,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (tag_id != NULL);

  start_get_tag_picks (self, lightly_api_workflow_client_get_tag_pick_rows_async, tag_id, TRUE,
                       cancellable, callback, user_data);
}

GPtrArray *
lightly_api_workflow_client_get_tag_pick_rows_finish (LightlyApiWorkflowClient *self,
                                                      GAsyncResult             *result,
                                                      GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_get_tag_pick_rows_async, error);
}

/**
 * lightly_api_workflow_client_get_tag_picks_async:
 * @self: a client
 * @tag_id: the id of a tag a selection made
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the picks
 * @user_data: data for @callback
 *
 * Gets why each sample of a selection's result tag was picked ("why
 * picked"): one [struct@Lightly.Pick] per added sample, in pick order. A
 * tag no selection made, or one made by a server other than lightly-glib,
 * has none: an empty array. A tag the dataset does not have is
 * %LIGHTLY_ERROR_NOT_FOUND.
 *
 * Over http this is the lightly-glib extension
 * `GET /v1/datasets/{datasetId}/tags/{tagId}/lightly-glib/picks`, only sent
 * to a lightly-glib server.
 *
 * Since: 0.2
 */
void
lightly_api_workflow_client_get_tag_picks_async (LightlyApiWorkflowClient *self,
                                                 const char               *tag_id,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (tag_id != NULL);

  start_get_tag_picks (self, lightly_api_workflow_client_get_tag_picks_async, tag_id, FALSE,
                       cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_get_tag_picks_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.get_tag_picks_async].
 *
 * Returns: (transfer container) (element-type LightlyPick): the picks in
 *   pick order, or %NULL on error
 *
 * Since: 0.2
 */
GPtrArray *
lightly_api_workflow_client_get_tag_picks_finish (LightlyApiWorkflowClient *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_get_tag_picks_async, error);
}

/* ---------------------------------------------------------------------------
 * Scores
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyClientOp op;
  LightlyScores *scores;
  char *tag_id;
} ScoresOp;

static void
scores_op_free (gpointer data)
{
  ScoresOp *op = data;

  g_clear_object (&op->scores);
  g_free (op->tag_id);
}

static gpointer
upload_scores_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  ScoresOp *op = data;
  g_auto(GStrv) names = NULL;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;

  /* One upload per score array, in scorer order, as the Python client does. */
  names = lightly_scores_dup_names (op->scores);
  for (guint i = 0; names[i] != NULL; i++)
    {
      gsize n = 0;
      const double *values = lightly_scores_get_values (op->scores, names[i], &n);
      g_autofree char *id = lightly_backend_upload_scores (backend, op->op.dataset_id, op->tag_id, names[i],
                                                  values, n, cancellable, error);
      if (id == NULL)
        return NULL;
    }
  return LIGHTLY_CLIENT_OP_TRUE;
}

/**
 * lightly_api_workflow_client_upload_scores_async:
 * @self: a client
 * @scores: the scores, in query-set order of @query_tag_id
 * @query_tag_id: the tag the scores belong to: value k is for the k-th set
 *   bit of the tag
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every score array is stored
 * @user_data: data for @callback
 *
 * Uploads active-learning scores to a tag, one array per score name. An
 * existing array with the same name is replaced.
 */
void
lightly_api_workflow_client_upload_scores_async (LightlyApiWorkflowClient *self,
                                                 LightlyScores            *scores,
                                                 const char               *query_tag_id,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data)
{
  ScoresOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (LIGHTLY_IS_SCORES (scores));
  g_return_if_fail (query_tag_id != NULL);

  op = lightly_client_op_new (self, sizeof (ScoresOp), upload_scores_run, scores_op_free, NULL);
  op->scores = g_object_ref (scores);
  op->tag_id = g_strdup (query_tag_id);
  lightly_client_op_start (self, op, lightly_api_workflow_client_upload_scores_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_upload_scores_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.upload_scores_async].
 *
 * Returns: %TRUE when every array is stored; %LIGHTLY_ERROR_INVALID_INPUT
 *   when an array's length differs from the tag's size
 */
gboolean
lightly_api_workflow_client_upload_scores_finish (LightlyApiWorkflowClient *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_upload_scores_async, error) != NULL;
}
