/* lightly-backend.c: the backend seam (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "backend/lightly-backend.h"
#include "backend/lightly-local-backend.h"
#include "backend/lightly-http-backend.h"
#include "lightly/lightly-error.h"

G_DEFINE_INTERFACE (LightlyBackend, lightly_backend, G_TYPE_OBJECT)

static void
lightly_backend_default_init (LightlyBackendInterface *iface)
{
}

void
lightly_selection_request_clear (LightlySelectionRequest *request)
{
  g_clear_pointer (&request->new_tag_name, g_free);
  g_clear_pointer (&request->query_tag_id, g_free);
  g_clear_pointer (&request->preselected_tag_id, g_free);
  g_clear_pointer (&request->score_type, g_free);
}

/* The canonical JSON of a request, exactly as the http backend sends it
 * (protocol §2.8 plus §13 extensions). The store compares it byte for byte to
 * recognise an idempotent re-send of the same selection. */
char *
lightly_selection_request_to_json (const LightlySelectionRequest *request)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "newTagName");
  json_builder_add_string_value (b, request->new_tag_name);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, lightly_sampling_method_to_string (request->method));
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "stoppingCondition");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "nSamples");
  json_builder_add_double_value (b, request->n_samples);
  json_builder_set_member_name (b, "minDistance");
  json_builder_add_double_value (b, request->min_distance);
  json_builder_end_object (b);
  json_builder_end_object (b);
  if (request->preselected_tag_id != NULL)
    {
      json_builder_set_member_name (b, "preselectedTagId");
      json_builder_add_string_value (b, request->preselected_tag_id);
    }
  if (request->query_tag_id != NULL)
    {
      json_builder_set_member_name (b, "queryTagId");
      json_builder_add_string_value (b, request->query_tag_id);
    }
  if (request->score_type != NULL)
    {
      json_builder_set_member_name (b, "scoreType");
      json_builder_add_string_value (b, request->score_type);
    }
  json_builder_set_member_name (b, "scoreStrength");
  json_builder_add_double_value (b, request->score_strength);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) request->seed);
  json_builder_set_member_name (b, "rowCount");
  json_builder_add_int_value (b, request->row_count);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

LightlyBackend *
lightly_backend_new_for_location (const char  *location,
                                  const char  *token,
                                  GError     **error)
{
  return lightly_backend_new_for_location_full (location, token, LIGHTLY_BACKEND_FLAGS_NONE, error);
}

LightlyBackend *
lightly_backend_new_for_location_full (const char           *location,
                                       const char           *token,
                                       LightlyBackendFlags   flags,
                                       GError              **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (location);

  if (scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (location);
      g_autofree char *path = g_file_get_path (file);

      if (path == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Server location “%s” is not a local path: use file:///absolute/dir",
                       location);
          return NULL;
        }
      return lightly_local_backend_new (path, error);
    }

  if (scheme != NULL && (g_ascii_strcasecmp (scheme, "http") == 0 ||
                         g_ascii_strcasecmp (scheme, "https") == 0))
    {
      LightlyHttpBackendOptions options;

      lightly_http_backend_options_init (&options);
      options.allow_insecure = (flags & LIGHTLY_BACKEND_FLAGS_ALLOW_INSECURE) != 0;
      return lightly_http_backend_new (location, token, &options, error);
    }

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Server location “%s” is not a URI lightly-glib understands: use file:///dir or http(s)://host",
               location);
  return NULL;
}
