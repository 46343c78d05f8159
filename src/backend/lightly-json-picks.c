/* lightly-json-picks.c: "why picked" on the wire (lightly-glib extension)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "backend/lightly-json-picks.h"
#include "lightly/lightly-error.h"

JsonNode *
lightly_json_encode_picks (GPtrArray *picks)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "picks");
  json_builder_begin_array (b);
  for (guint i = 0; i < picks->len; i++)
    {
      const LightlyPick *p = g_ptr_array_index (picks, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rank");
      json_builder_add_int_value (b, lightly_pick_get_rank (p));
      json_builder_set_member_name (b, "fileName");
      json_builder_add_string_value (b, lightly_pick_get_file_name (p));
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, lightly_sampling_method_to_string (lightly_pick_get_method (p)));
      json_builder_set_member_name (b, "utility");
      json_builder_add_double_value (b, lightly_pick_get_utility (p));
      json_builder_set_member_name (b, "cluster");
      json_builder_add_int_value (b, lightly_pick_get_cluster (p));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
bad (GError **error, const char *context, guint i, const char *what)
{
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
               "%s: pick %u: %s", context, i, what);
  return FALSE;
}

static gboolean
member_number (JsonObject *o, const char *name, double *out)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      (json_node_get_value_type (n) != G_TYPE_INT64 && json_node_get_value_type (n) != G_TYPE_DOUBLE))
    return FALSE;
  *out = json_node_get_double (n);
  return isfinite (*out);
}

static LightlyPick *
decode_one (JsonNode *node, const char *context, guint i, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *o;
  const char *file_name, *method_name;
  LightlySamplingMethod method;
  double rank, utility, cluster;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, context, i, "expected an object"), NULL;
  o = json_node_get_object (node);
  file_name = json_object_get_string_member_with_default (o, "fileName", NULL);
  method_name = json_object_get_string_member_with_default (o, "method", NULL);
  if (file_name == NULL || method_name == NULL)
    return bad (error, context, i, "fileName and method must be strings"), NULL;
  if (!member_number (o, "rank", &rank) || rank != i)
    return bad (error, context, i, "rank must be its position in the list"), NULL;
  if (!member_number (o, "utility", &utility))
    return bad (error, context, i, "utility must be a finite number"), NULL;
  if (!member_number (o, "cluster", &cluster) || cluster < -1 || cluster > G_MAXINT || cluster != floor (cluster))
    return bad (error, context, i, "cluster must be an integer ≥ -1"), NULL;
  method = lightly_sampling_method_from_string (method_name, &local_error);
  if (local_error != NULL || method == LIGHTLY_SAMPLING_METHOD_AUTO)
    return bad (error, context, i, "method must be a concrete sampling method"), NULL;
  return lightly_pick_new (i, file_name, method, utility, (gint) cluster);
}

GPtrArray *
lightly_json_decode_picks (JsonNode    *node,
                           const char  *context,
                           GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
  JsonNode *list;
  JsonArray *a;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      (list = json_object_get_member (json_node_get_object (node), "picks")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                   "%s: expected an object with a “picks” array", context);
      return NULL;
    }
  a = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      LightlyPick *p = decode_one (json_array_get_element (a, i), context, i, error);

      if (p == NULL)
        return NULL;
      g_ptr_array_add (out, p);
    }
  return g_steal_pointer (&out);
}
