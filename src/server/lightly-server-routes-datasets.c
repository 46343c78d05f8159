/* lightly-server-routes-datasets.c: the dataset, sample and tag routes (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "server/lightly-server-routes-private.h"
#include "backend/lightly-json-picks.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"

/* ---------------------------------------------------------------------------
 * Datasets, quota, versions
 * ------------------------------------------------------------------------- */

void
route_list_datasets (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = lightly_local_service_list_datasets (r->self->backend, &error);

  if (rows == NULL)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  routes_respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_dataset);
}

void
route_create_dataset (Route *r)
{
  g_autoptr(JsonNode) body = routes_parse_body (r->req, r->resp, &lightly_json_model_dataset_create_request);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (body == NULL || !routes_check_name (r->resp, "name", lightly_json_get_string (json_node_get_object (body), "name")))
    return;
  id = lightly_backend_create_dataset (r->self->backend, lightly_json_get_string (json_node_get_object (body), "name"),
                                       r->cancellable, &error);
  if (id == NULL)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", "DATASET_NAME_EXISTS");
  routes_respond_take_node (r->resp, lightly_json_encode_id (id));
}

/* ---------------------------------------------------------------------------
 * Samples and mappings
 * ------------------------------------------------------------------------- */

void
route_mappings (Route *r)
{
  const char *field = routes_query_param (r->req, "field");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyNames) names = NULL;
  gsize n;
  GString *json;

  if (g_strcmp0 (field, "fileName") != 0 && g_strcmp0 (field, "_id") != 0)
    return routes_respond_error (r->resp, 400, "BAD_REQUEST",
                                 "Mappings need ?field=fileName or ?field=_id, not “%s”", field != NULL ? field : "");
  names = lightly_local_service_get_sample_names (r->self->backend, r->dataset->id, &error);
  if (names == NULL)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  n = names->n;

  json = g_string_sized_new (n * 24 + 2);
  if (g_str_equal (field, "fileName"))
    lightly_json_append_string_array (json, (const char * const *) names->v, (gssize) n);
  else
    {
      g_string_append_c (json, '[');
      for (gsize i = 0; i < n; i++)
        {
          g_autofree char *id = routes_sample_id (r->dataset->id, i);

          if (i > 0)
            g_string_append_c (json, ',');
          lightly_json_append_string (json, id);
        }
      g_string_append_c (json, ']');
    }
  routes_respond_json_string (r->resp, 200, json);
}

void
route_create_sample (Route *r)
{
  g_autoptr(JsonNode) body = routes_parse_body (r->req, r->resp, &lightly_json_model_sample_create_request);
  g_autoptr(GError) error = NULL;
  const char *names[2] = { NULL, NULL };
  g_autofree char *id = NULL;
  gint64 n;

  if (body == NULL || !routes_check_samples_open (r))
    return;
  names[0] = lightly_json_get_string (json_node_get_object (body), "fileName");
  n = lightly_local_service_add_samples (r->self->backend, r->dataset->id, names, 1, &error);
  if (n < 1)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", "SAMPLE_UNKNOWN");
  id = routes_sample_id (r->dataset->id, (guint64) n - 1);
  routes_respond_take_node (r->resp, lightly_json_encode_id (id));
}

/* lightly-glib extension: a JSON array of file names, appended in order. */
void
route_create_samples_bulk (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len, n = 0;
  const char *data;
  gint64 total;
  JsonObject *o;
  JsonNode *node;

  bytes = routes_request_body_bytes (r->req, r->resp);
  if (bytes == NULL)
    return;
  data = g_bytes_get_data (bytes, &len);
  names = lightly_json_parse_string_array (data, len, "The request body", &n, &error);
  if (names == NULL)
    return routes_respond_error (r->resp, 400, "MALFORMED_REQUEST", "%s (expected a JSON array of file names)",
                                 error->message);
  if (!routes_check_samples_open (r))
    return;
  total = lightly_local_service_add_samples (r->self->backend, r->dataset->id, (const char * const *) names,
                                             n, &error);
  if (total < 0)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  o = json_object_new ();
  json_object_set_int_member (o, "added", (gint64) n);
  json_object_set_int_member (o, "nSamples", total);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  routes_respond_take_node (r->resp, node);
}

static void
append_sample_data (GString    *json,
                    const char *dataset_id,
                    const char *file_name,
                    guint64     index)
{
  g_autofree char *id = routes_sample_id (dataset_id, index);

  g_string_append (json, "{\"id\":");
  lightly_json_append_string (json, id);
  g_string_append (json, ",\"datasetId\":");
  lightly_json_append_string (json, dataset_id);
  g_string_append (json, ",\"fileName\":");
  lightly_json_append_string (json, file_name);
  g_string_append_printf (json, ",\"index\":%" G_GUINT64_FORMAT "}", index);
}

void
route_list_samples (Route *r)
{
  const char *file_name = routes_query_param (r->req, "fileName");
  g_autoptr(GError) error = NULL;
  GString *json = g_string_new ("[");

  if (file_name != NULL)
    {
      gint64 index = lightly_local_service_lookup_sample (r->self->backend, r->dataset->id, file_name, &error);

      if (index < 0 && !g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND))
        {
          g_string_free (json, TRUE);
          return routes_respond_gerror (r->resp, error, "SAMPLE_UNKNOWN", NULL);
        }
      if (index >= 0)
        append_sample_data (json, r->dataset->id, file_name, (guint64) index);
    }
  else
    {
      g_autoptr(LightlyNames) names = lightly_local_service_get_sample_names (r->self->backend, r->dataset->id,
                                                                              &error);

      if (names == NULL)
        {
          g_string_free (json, TRUE);
          return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
        }
      for (gsize i = 0; i < names->n; i++)
        {
          if (i > 0)
            g_string_append_c (json, ',');
          append_sample_data (json, r->dataset->id, names->v[i], i);
        }
    }
  g_string_append_c (json, ']');
  routes_respond_json_string (r->resp, 200, json);
}

static gboolean
require_sample (Route      *r,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  gint64 index = routes_sample_index (r->dataset->id, id);
  gint64 n = lightly_local_service_get_n_samples (r->self->backend, r->dataset->id, &error);

  if (n < 0)
    {
      routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
      return FALSE;
    }
  if (index < 0 || index >= n)
    {
      routes_respond_error (r->resp, 404, "SAMPLE_UNKNOWN", "Dataset %s has no sample with the id “%s”",
                            r->dataset->id, id);
      return FALSE;
    }
  return TRUE;
}

static char *
discard_url (Route   *r,
             GError **error)
{
  g_autofree char *cap = routes_new_capability (r->self, CAP_DISCARD, r->dataset->id, NULL, NULL, error);
  g_autofree char *base = NULL;

  if (cap == NULL)
    return NULL;
  base = routes_request_base_url (r->self, r->req);
  return g_strdup_printf ("%s/upload/discard/%s", base, cap);
}

void
route_sample_write_url (Route *r,
                        gboolean both)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *full = NULL;
  g_autofree char *thumb = NULL;
  const char *is_thumbnail = routes_query_param (r->req, "isThumbnail");
  gboolean dummy;

  if (!require_sample (r, r->seg[3]))
    return;
  if (!both && is_thumbnail != NULL && !routes_parse_bool_param (is_thumbnail, &dummy))
    return routes_respond_error (r->resp, 400, "BAD_REQUEST", "isThumbnail must be true or false, not “%s”",
                                 is_thumbnail);
  full = discard_url (r, &error);
  if (full != NULL && both)
    thumb = discard_url (r, &error);
  if (full == NULL || (both && thumb == NULL))
    return routes_respond_gerror (r->resp, error, NULL, NULL);
  if (both)
    {
      JsonObject *o = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (o, "full", full);
      json_object_set_string_member (o, "thumb", thumb);
      json_node_take_object (node, o);
      routes_respond_take_node (r->resp, node);
    }
  else
    routes_respond_scalar_string (r->resp, full);
}

/* ---------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------- */

void
route_list_tags (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = lightly_local_service_list_tags (r->self->backend, r->dataset->id, &error);

  if (rows == NULL)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  routes_respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_tag);
}

void
route_get_tag (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = routes_require_tag (r, r->seg[3]);

  if (tag != NULL)
    routes_respond_take_node (r->resp, lightly_json_encode_tag (tag));
}

/* GET /v1/datasets/{datasetId}/tags/{tagId}/lightly-glib/picks, a
 * lightly-glib extension: why each sample of the tag was picked
 * (backend/lightly-json-picks.h). */
void
route_tag_picks (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = routes_require_tag (r, r->seg[3]);
  g_autoptr(GPtrArray) picks = NULL;
  g_autoptr(GError) error = NULL;

  if (tag == NULL)
    return;
  picks = lightly_backend_get_tag_picks (r->self->backend, r->dataset->id, r->seg[3], r->cancellable, &error);
  if (picks == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  routes_respond_take_node (r->resp, lightly_json_encode_picks (picks));
}

void
route_create_initial_tag (Route *r)
{
  g_autoptr(JsonNode) body = routes_parse_body (r->req, r->resp, &lightly_json_model_initial_tag_create_request);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (body == NULL)
    return;
  id = lightly_backend_create_initial_tag (r->self->backend, r->dataset->id,
                                           r->cancellable, &error);
  if (id == NULL)
    return routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", "TAG_INITIAL_EXISTS");
  routes_respond_take_node (r->resp, lightly_json_encode_id (id));
}

/* DELETE /v1/datasets/{datasetId}/tags/{tagId} [delete_tag_by_tag_id]:
 * the tag and its scores; 400 for the initial-tag or a tag still referred
 * to. The 2021 client sends a body of {}, which is ignored. */
void
route_delete_tag (Route *r)
{
  g_autoptr(GError) error = NULL;
  const char *tag_id = r->seg[3];

  if (!routes_is_id (tag_id))
    return routes_respond_error (r->resp, 404, "TAG_UNKNOWN", "Dataset %s has no tag with the id “%s”",
                                 r->dataset->id, tag_id);
  if (!lightly_backend_delete_tag (r->self->backend, r->dataset->id, tag_id,
                                   r->cancellable, &error))
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  routes_respond_json_string (r->resp, 200, g_string_new ("{}"));
}

/* Parses a bitmask; the service checks it against the dataset's size (§13). */
static LightlyBitMask *
parse_mask (Route      *r,
            const char *hex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (hex, &error);

  if (mask == NULL)
    {
      routes_respond_error (r->resp, 400, "BAD_REQUEST", "%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&mask);
}

gboolean
routes_check_optional_tag (Route      *r,
                                  const char *tag_id)
{
  g_autoptr(LightlyStoreTag) tag = NULL;

  if (tag_id == NULL)
    return TRUE;
  tag = routes_require_tag (r, tag_id);
  return tag != NULL;
}

void
route_create_tag (Route *r)
{
  g_autoptr(JsonNode) body = routes_parse_body (r->req, r->resp, &lightly_json_model_tag_create_request);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *id = NULL;
  JsonObject *o;
  const char *prev, *query, *preselected, *creator;

  if (body == NULL)
    return;
  o = json_node_get_object (body);
  if (!routes_check_name (r->resp, "name", lightly_json_get_string (o, "name")))
    return;
  /* totSize is the dataset's size when the client read it (§2.4): another
   * value means the client works from a different dataset. */
  if ((guint64) lightly_json_get_int (o, "totSize", -1) != r->dataset->n_samples)
    return routes_respond_error (r->resp, 400, "BAD_REQUEST", "totSize is %" G_GINT64_FORMAT ", but dataset %s has "
                                 "%" G_GUINT64_FORMAT " samples", lightly_json_get_int (o, "totSize", -1),
                                 r->dataset->id, r->dataset->n_samples);
  mask = parse_mask (r, lightly_json_get_string (o, "bitMaskData"));
  if (mask == NULL)
    return;
  prev = lightly_json_get_string (o, "prevTagId");
  query = lightly_json_get_string (o, "queryTagId");
  preselected = lightly_json_get_string (o, "preselectedTagId");
  creator = lightly_json_get_string (o, "creator");
  if (!routes_check_optional_tag (r, prev) || !routes_check_optional_tag (r, query) ||
      !routes_check_optional_tag (r, preselected))
    return;
  hex = lightly_bit_mask_to_hex (mask);
  id = lightly_local_service_create_tag (r->self->backend, r->dataset->id, lightly_json_get_string (o, "name"),
                                         hex, prev, query, preselected, creator, &error);
  if (id == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", "TAG_NAME_EXISTS");
  routes_respond_take_node (r->resp, lightly_json_encode_id (id));
}

void
route_tag_arithmetics (Route   *r,
                       gboolean bitmask_only)
{
  g_autoptr(JsonNode) body = routes_parse_body (r->req, r->resp, &lightly_json_model_tag_arithmetics_request);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreTag) tag1 = NULL;
  g_autoptr(LightlyStoreTag) tag2 = NULL;
  g_autoptr(LightlyBitMask) a = NULL;
  g_autoptr(LightlyBitMask) b = NULL;
  g_autofree char *hex = NULL;
  const char *op, *new_name, *creator;
  JsonObject *o;

  if (body == NULL)
    return;
  o = json_node_get_object (body);
  tag1 = routes_require_tag (r, lightly_json_get_string (o, "tagId1"));
  if (tag1 == NULL)
    return;
  tag2 = routes_require_tag (r, lightly_json_get_string (o, "tagId2"));
  if (tag2 == NULL)
    return;
  a = lightly_bit_mask_new_from_hex (tag1->bitmask_hex, &error);
  b = a != NULL ? lightly_bit_mask_new_from_hex (tag2->bitmask_hex, &error) : NULL;
  if (b == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);

  op = lightly_json_get_string (o, "operation");
  if (g_str_equal (op, "UNION"))
    lightly_bit_mask_union (a, b);
  else if (g_str_equal (op, "INTERSECTION"))
    lightly_bit_mask_intersection (a, b);
  else
    lightly_bit_mask_difference (a, b);   /* tag1 AND NOT tag2 (§3.5) */
  hex = lightly_bit_mask_to_hex (a);

  new_name = lightly_json_get_string (o, "newTagName");
  if (!routes_check_name (r->resp, "newTagName", new_name))
    return;
  if (bitmask_only || new_name == NULL)
    {
      JsonObject *out = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (out, "bitMaskData", hex);
      json_node_take_object (node, out);
      routes_respond_take_node (r->resp, node);
      return;
    }

  creator = lightly_json_get_string (o, "creator");
  {
    g_autofree char *id = lightly_local_service_create_tag (r->self->backend, r->dataset->id, new_name, hex,
                                                            tag1->id, NULL, NULL, creator, &error);

    if (id == NULL)
      return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", "TAG_NAME_EXISTS");
    routes_respond_take_node (r->resp, lightly_json_encode_id (id));
  }
}

void
route_tag_filenames (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = routes_require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autoptr(LightlyNames) names = NULL;
  g_auto(GStrv) selected = NULL;
  g_autofree char *joined = NULL;

  if (tag == NULL)
    return;
  names = lightly_local_service_get_sample_names (r->self->backend, r->dataset->id, &error);
  mask = names != NULL ? lightly_bit_mask_new_from_hex (tag->bitmask_hex, &error) : NULL;
  if (mask == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  selected = lightly_bit_mask_masked_select (mask, (const char * const *) names->v, &error);
  if (selected == NULL)
    return routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  /* TagFilenamesData is opaque; Lightly sent the names one per line. */
  joined = g_strjoinv ("\n", selected);
  routes_respond_scalar_string (r->resp, joined);
}
