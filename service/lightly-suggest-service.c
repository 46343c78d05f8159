/* lightly-suggest-service.c: org.lightly.Suggest1 on the session bus
 *
 * A D-Bus face of the lightly-suggest plugin for programs that are not
 * GObject hosts: it loads the plugin through libpeas, exactly as an
 * annotation app would, so the store, the GSettings keys
 * (org.lightly.Suggest) and the suggestion rules are the plugin's own. One
 * plugin instance serves one dataset, and the plugin refuses a second round
 * while one runs, so a dataset serves one request at a time (BUSY) while
 * other datasets proceed.
 *
 * LIGHTLY_PLUGIN_DIR overrides where the plugin is looked for (tests).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <libpeas/peas.h>
#include <lightly/lightly.h>

#include "lightly-suggest1-generated.h"

#define BUS_NAME "org.lightly.Suggest1"
#define OBJECT_PATH "/org/lightly/Suggest1"
#define SETTINGS_SCHEMA_ID "org.lightly.Suggest"
#define PLUGIN_MODULE "lightly-suggest"

typedef struct {
  GMainLoop *loop;
  LightlyDBusSuggest1 *skeleton;
  PeasEngine *engine;
  PeasPluginInfo *info;
  GSettings *settings;
  GHashTable *datasets;     /* dataset id → Dataset */
  gboolean owned;
} Service;

/* One dataset's plugin instance and its running request. */
typedef struct {
  Service *service;
  char *id;
  PeasExtensionSet *set;
  LightlyBatchSuggester *suggester;
  GCancellable *cancellable;    /* non-NULL while a request runs */
} Dataset;

typedef struct {
  Service *service;
  char *dataset_id;
  GDBusMethodInvocation *invocation;
} Call;

static void
dataset_free (gpointer data)
{
  Dataset *d = data;

  g_clear_object (&d->cancellable);
  if (d->suggester != NULL)
    g_signal_handlers_disconnect_by_data (d->suggester, d);
  g_clear_object (&d->set);
  g_free (d->id);
  g_free (d);
}

static char *
dup_location (Service *self)
{
  g_autofree char *value = self->settings != NULL ? g_settings_get_string (self->settings, "location") : NULL;

  if (value != NULL && value[0] != '\0')
    return g_steal_pointer (&value);
  return lightly_api_workflow_client_dup_default_location ();
}

static gboolean
handle_list_datasets (LightlyDBusSuggest1 *skeleton, GDBusMethodInvocation *invocation, Service *self)
{
  g_autofree char *location = dup_location (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = lightly_api_workflow_client_new (location, NULL, NULL, &error);
  g_autoptr(GPtrArray) datasets = NULL;
  GVariantBuilder builder;

  if (client != NULL)
    datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);
  if (datasets == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyDataset *dataset = g_ptr_array_index (datasets, i);

      g_variant_builder_add (&builder, "(ss)", lightly_dataset_get_id (dataset), lightly_dataset_get_name (dataset));
    }
  lightly_dbus_suggest1_complete_list_datasets (skeleton, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

/* The plugin's progress, while one of this service's requests runs
 * (Suggest emits 0 itself, and 1 with the batch). */
static void
on_suggester_progress (LightlyBatchSuggester *suggester, double fraction, gpointer user_data)
{
  Dataset *d = user_data;

  if (d->cancellable != NULL && fraction > 0.0 && fraction < 1.0)
    lightly_dbus_suggest1_emit_progress (d->service->skeleton, d->id, fraction);
}

static Dataset *
get_dataset (Service *self, const char *dataset_id, GError **error)
{
  Dataset *d = g_hash_table_lookup (self->datasets, dataset_id);
  g_autofree char *location = NULL;
  g_autoptr(LightlySuggestContext) context = NULL;

  if (d != NULL)
    return d;
  location = dup_location (self);
  context = lightly_suggest_context_new (location, dataset_id, "org.lightly.Suggest1");
  d = g_new0 (Dataset, 1);
  d->set = peas_extension_set_new (self->engine, LIGHTLY_TYPE_BATCH_SUGGESTER, "context", context, NULL);
  d->suggester = LIGHTLY_BATCH_SUGGESTER (peas_extension_set_get_extension (d->set, self->info));
  if (d->suggester == NULL)
    {
      dataset_free (d);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_INITIALIZED,
                   "The %s plugin gave no batch suggester", PLUGIN_MODULE);
      return NULL;
    }
  d->service = self;
  d->id = g_strdup (dataset_id);
  g_signal_connect (d->suggester, "progress", G_CALLBACK (on_suggester_progress), d);
  g_hash_table_insert (self->datasets, g_strdup (dataset_id), d);
  return d;
}

static void
suggest_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  Service *self = call->service;
  Dataset *d = g_hash_table_lookup (self->datasets, call->dataset_id);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = lightly_batch_suggester_suggest_finish (LIGHTLY_BATCH_SUGGESTER (source), result, &error);

  if (d != NULL)
    g_clear_object (&d->cancellable);
  if (names == NULL)
    g_dbus_method_invocation_return_gerror (call->invocation, error);
  else
    {
      lightly_dbus_suggest1_emit_progress (self->skeleton, call->dataset_id, 1.0);
      lightly_dbus_suggest1_emit_batch_ready (self->skeleton, call->dataset_id, (const char * const *) names);
      lightly_dbus_suggest1_complete_suggest (self->skeleton, call->invocation, (const char * const *) names);
    }
  g_object_unref (call->invocation);
  g_free (call->dataset_id);
  g_free (call);
}

static LightlyPredictions *
predictions_from_call (const char * const *names, GVariant *values, guint n_classes, GError **error)
{
  gsize n_values = 0;
  const double *v = g_variant_get_fixed_array (values, &n_values, sizeof (double));
  guint n_names = g_strv_length ((char **) names);
  g_autofree float *f = NULL;

  if (n_names == 0 && n_values == 0)
    return NULL;
  if (n_classes == 0 || n_values != (gsize) n_names * n_classes)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " prediction values for %u names of %u classes: give "
                   "names × n_classes values, or no predictions at all", n_values, n_names, n_classes);
      return NULL;
    }
  f = g_new (float, MAX (n_values, 1));
  for (gsize i = 0; i < n_values; i++)
    f[i] = (float) v[i];
  return lightly_predictions_new (names, f, n_values, n_names, n_classes, error);
}

static gboolean
handle_suggest (LightlyDBusSuggest1    *skeleton,
                GDBusMethodInvocation  *invocation,
                const char             *dataset_id,
                const char * const     *labeled,
                guint                   batch_size,
                const char * const     *prediction_names,
                GVariant               *predictions,
                guint                   n_classes,
                Service                *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyPredictions) preds = NULL;
  g_autoptr(LightlySuggestRequest) request = NULL;
  Dataset *d;
  Call *call;

  if (dataset_id[0] == '\0')
    {
      g_dbus_method_invocation_return_error (invocation, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                                             "No dataset id: ListDatasets gives the ids");
      return TRUE;
    }
  d = get_dataset (self, dataset_id, &error);
  if (d == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  if (d->cancellable != NULL)
    {
      g_dbus_method_invocation_return_error (invocation, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                                             "Dataset %s is already serving a request: wait for it, or Cancel it",
                                             dataset_id);
      return TRUE;
    }
  preds = predictions_from_call (prediction_names, predictions, n_classes, &error);
  if (error != NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  request = lightly_suggest_request_new (batch_size, labeled, preds);
  d->cancellable = g_cancellable_new ();
  call = g_new0 (Call, 1);
  call->service = self;
  call->dataset_id = g_strdup (dataset_id);
  call->invocation = g_object_ref (invocation);
  lightly_dbus_suggest1_emit_progress (self->skeleton, dataset_id, 0.0);
  lightly_batch_suggester_suggest_async (d->suggester, request, d->cancellable, suggest_done, call);
  return TRUE;
}

static gboolean
handle_cancel (LightlyDBusSuggest1 *skeleton, GDBusMethodInvocation *invocation, const char *dataset_id,
               Service *self)
{
  Dataset *d = g_hash_table_lookup (self->datasets, dataset_id);
  gboolean running = d != NULL && d->cancellable != NULL;

  if (running)
    g_cancellable_cancel (d->cancellable);
  lightly_dbus_suggest1_complete_cancel (skeleton, invocation, running);
  return TRUE;
}

static void
on_bus_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Service *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection, OBJECT_PATH,
                                         &error))
    {
      g_printerr ("lightly-suggest-service: %s\n", error->message);
      g_main_loop_quit (self->loop);
    }
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  ((Service *) user_data)->owned = TRUE;
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Service *self = user_data;

  /* Also called when the bus goes away at the end of a session: only a name
   * never owned is worth a message. */
  if (!self->owned)
    g_printerr ("lightly-suggest-service: could not own %s on the session bus\n", name);
  g_main_loop_quit (self->loop);
}

static gboolean
load_plugin (Service *self, GError **error)
{
  const char *dir = g_getenv ("LIGHTLY_PLUGIN_DIR");
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  self->engine = peas_engine_new ();
  peas_engine_add_search_path (self->engine, dir != NULL && dir[0] != '\0' ? dir : LIGHTLY_PLUGINS_DIR, NULL);
  self->info = peas_engine_get_plugin_info (self->engine, PLUGIN_MODULE);
  if (self->info == NULL || !peas_engine_load_plugin (self->engine, self->info))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_INITIALIZED,
                   "The %s plugin could not be loaded from %s", PLUGIN_MODULE,
                   dir != NULL ? dir : LIGHTLY_PLUGINS_DIR);
      return FALSE;
    }
  /* The same keys as the plugin reads; built-in defaults without the schema. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new_full (schema, NULL, NULL);
  return TRUE;
}

int
main (int argc, char **argv)
{
  Service self = { NULL };
  g_autoptr(GError) error = NULL;
  guint owner_id;

  /* Register the error domain's D-Bus names (org.lightly.Suggest1.Error.Busy, …). */
  static const GDBusErrorEntry entries[] = {
    { LIGHTLY_ERROR_FAILED, "org.lightly.Suggest1.Error.Failed" },
    { LIGHTLY_ERROR_INVALID_INPUT, "org.lightly.Suggest1.Error.InvalidInput" },
    { LIGHTLY_ERROR_BUSY, "org.lightly.Suggest1.Error.Busy" },
    { LIGHTLY_ERROR_NOT_INITIALIZED, "org.lightly.Suggest1.Error.NotInitialized" },
    { LIGHTLY_ERROR_NOT_FOUND, "org.lightly.Suggest1.Error.NotFound" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    g_dbus_error_register_error (LIGHTLY_ERROR, entries[i].error_code, entries[i].dbus_error_name);

  if (!load_plugin (&self, &error))
    {
      g_printerr ("lightly-suggest-service: %s\n", error->message);
      return 1;
    }
  self.loop = g_main_loop_new (NULL, FALSE);
  self.datasets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dataset_free);
  self.skeleton = lightly_dbus_suggest1_skeleton_new ();
  g_signal_connect (self.skeleton, "handle-list-datasets", G_CALLBACK (handle_list_datasets), &self);
  g_signal_connect (self.skeleton, "handle-suggest", G_CALLBACK (handle_suggest), &self);
  g_signal_connect (self.skeleton, "handle-cancel", G_CALLBACK (handle_cancel), &self);
  owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                             on_bus_acquired, on_name_acquired, on_name_lost, &self, NULL);
  g_main_loop_run (self.loop);
  g_bus_unown_name (owner_id);
  g_hash_table_unref (self.datasets);
  g_clear_object (&self.skeleton);
  g_clear_object (&self.settings);
  g_clear_object (&self.engine);
  g_main_loop_unref (self.loop);
  return 1;
}
