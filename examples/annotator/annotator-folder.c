/* annotator-folder.c: a folder of images being labeled
 *
 * A folder holds images, Lightly's embeddings.csv (protocol.md §8, file
 * names relative to the folder, or to its images/ subfolder as in the
 * demo) and what the app writes:
 *
 *   labels.csv              file,label — one row per labeled image, rewritten
 *                           atomically after every change; the truth the
 *                           suggester gets as `labeled`
 *   .lightly-annotator.ini  the dataset id, the batch on screen, its round
 *                           and the batch size
 *   store/                  the embedded lightly store (the demo made by
 *                           `lightly-al demo` already has one); suggesters
 *                           keep their round state in it as tags
 *
 * Class names come from classes.txt (one per line), or are Fashion-MNIST's
 * in the demo folder, or 0…9; names found in labels.csv are added.
 *
 * Threads: the CSV is parsed and the classifier trained in worker threads
 * on data nobody else touches; every store call goes through the client's
 * async API, so the GUI thread runs no SQL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "annotator-csv.h"
#include "annotator-folder-private.h"
#include "annotator-rounds.h"
#include "ml/lightly-fashion-mnist.h"
#include "store/lightly-embeddings-csv.h"

#define STATE_GROUP "folder"
#define DEMO_TITLE "Fashion-MNIST demo"
#define DEMO_DATASET_NAME "fashion-mnist"


G_DEFINE_FINAL_TYPE (AnnotatorFolder, annotator_folder, G_TYPE_OBJECT)

static void
annotator_folder_finalize (GObject *object)
{
  AnnotatorFolder *self = ANNOTATOR_FOLDER (object);

  g_free (self->path);
  g_free (self->work_dir);
  g_free (self->title);
  g_free (self->labels_path);
  g_free (self->state_path);
  g_free (self->csv_path);
  g_free (self->location);
  g_free (self->dataset_id);
  g_clear_pointer (&self->row_of, g_hash_table_unref);
  g_clear_pointer (&self->csv, lightly_embeddings_csv_free);
  g_clear_pointer (&self->classes, g_ptr_array_unref);
  g_clear_pointer (&self->label_order, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_strfreev (self->batch);
  g_clear_pointer (&self->rounds, annotator_rounds_free);
  g_free (self->predicted);

  G_OBJECT_CLASS (annotator_folder_parent_class)->finalize (object);
}

static void
annotator_folder_class_init (AnnotatorFolderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = annotator_folder_finalize;
}

static void
annotator_folder_init (AnnotatorFolder *self)
{
  self->classes = g_ptr_array_new_with_free_func (g_free);
  self->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->label_order = g_ptr_array_new ();
  self->batch = g_new0 (char *, 1);
  self->batch_size = ANNOTATOR_DEFAULT_BATCH_SIZE;
  self->rounds = annotator_rounds_new ();
}

/* ---------------------------------------------------------------------------
 * labels.csv
 * ------------------------------------------------------------------------- */

static int
class_index (AnnotatorFolder *self,
             const char      *name)
{
  for (guint i = 0; i < self->classes->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->classes, i), name) == 0)
      return (int) i;
  return -1;
}

static void
store_label (AnnotatorFolder *self,
             const char      *name,
             int              label)
{
  gpointer key;

  if (g_hash_table_lookup_extended (self->labels, name, &key, NULL))
    {
      if (label < 0)
        {
          g_ptr_array_remove (self->label_order, key);
          g_hash_table_remove (self->labels, name);
        }
      else
        g_hash_table_insert (self->labels, g_strdup (name), GINT_TO_POINTER (label + 1));
      /* g_hash_table_insert keeps the old key, which label_order points to. */
      return;
    }
  if (label < 0)
    return;
  key = g_strdup (name);
  g_hash_table_insert (self->labels, key, GINT_TO_POINTER (label + 1));
  g_ptr_array_add (self->label_order, key);
}

static gboolean
read_labels (AnnotatorFolder  *self,
             GError          **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (self->labels_path, &contents, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *label = NULL;
      int index;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      if (!annotator_csv_split_pair (lines[i], &name, &label))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       _("%s, line %u: expected two fields “file,label”, got “%s”: fix or remove the line"),
                       self->labels_path, i + 1, lines[i]);
          return FALSE;
        }
      if (i == 0 && g_strcmp0 (name, "file") == 0 && g_strcmp0 (label, "label") == 0)
        continue;
      if (name[0] == '\0' || label[0] == '\0')
        continue;
      index = class_index (self, label);
      if (index < 0)
        {
          g_ptr_array_add (self->classes, g_strdup (label));
          index = (int) self->classes->len - 1;
        }
      store_label (self, name, index);
    }
  return TRUE;
}

static gboolean
write_labels (AnnotatorFolder  *self,
              const char       *path,
              GError          **error)
{
  g_autoptr(GString) out = g_string_new ("file,label\n");

  for (guint i = 0; i < self->label_order->len; i++)
    {
      const char *name = g_ptr_array_index (self->label_order, i);
      int label = GPOINTER_TO_INT (g_hash_table_lookup (self->labels, name)) - 1;

      annotator_csv_append_field (out, name);
      g_string_append_c (out, ',');
      annotator_csv_append_field (out, g_ptr_array_index (self->classes, label));
      g_string_append_c (out, '\n');
    }
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

/* ---------------------------------------------------------------------------
 * .lightly-annotator.ini
 * ------------------------------------------------------------------------- */

static void
read_state (AnnotatorFolder *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) batch = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  guint64 v;
  g_autofree char *round = NULL;
  g_autofree char *size = NULL;

  /* A missing or damaged state file only loses the batch on screen. */
  if (!g_key_file_load_from_file (kf, self->state_path, G_KEY_FILE_NONE, NULL))
    return;
  self->dataset_id = g_key_file_get_string (kf, STATE_GROUP, "dataset-id", NULL);
  round = g_key_file_get_string (kf, STATE_GROUP, "round", NULL);
  if (round != NULL && g_ascii_string_to_unsigned (round, 10, 0, G_MAXUINT, &v, NULL))
    self->round = (guint) v;
  size = g_key_file_get_string (kf, STATE_GROUP, "batch-size", NULL);
  if (size != NULL && g_ascii_string_to_unsigned (size, 10, 1, 10000, &v, NULL))
    self->batch_size = (guint) v;
  batch = g_key_file_get_string_list (kf, STATE_GROUP, "batch", NULL, NULL);
  for (guint i = 0; batch != NULL && batch[i] != NULL; i++)
    if (g_hash_table_contains (self->row_of, batch[i]))
      g_ptr_array_add (kept, g_strdup (batch[i]));
  g_ptr_array_add (kept, NULL);
  g_strfreev (self->batch);
  self->batch = (char **) g_ptr_array_steal (kept, NULL);
  annotator_rounds_load (self->rounds, kf);
  /* A state file from before the history was kept: the batch on screen is
   * its round's. */
  if (self->round > 0 && self->batch[0] != NULL && annotator_rounds_find (self->rounds, self->round) == NULL)
    annotator_rounds_add (self->rounds, self->round, (const char * const *) self->batch, NULL, NULL);
}

static gboolean
write_state (AnnotatorFolder  *self,
             GError          **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  if (self->dataset_id != NULL)
    g_key_file_set_string (kf, STATE_GROUP, "dataset-id", self->dataset_id);
  g_key_file_set_uint64 (kf, STATE_GROUP, "round", self->round);
  g_key_file_set_uint64 (kf, STATE_GROUP, "batch-size", self->batch_size);
  g_key_file_set_string_list (kf, STATE_GROUP, "batch", (const char * const *) self->batch,
                              g_strv_length (self->batch));
  annotator_rounds_save (self->rounds, kf);
  return g_key_file_save_to_file (kf, self->state_path, error);
}

/* ---------------------------------------------------------------------------
 * Opening: parse in a worker, then set up the store through the client
 * ------------------------------------------------------------------------- */

static void
read_classes (AnnotatorFolder *self)
{
  g_autofree char *classes_path = g_build_filename (self->path, ANNOTATOR_CLASSES_FILE, NULL);
  g_autofree char *contents = NULL;

  if (self->is_demo)
    {
      for (guint i = 0; i < LIGHTLY_FASHION_MNIST_N_CLASSES; i++)
        g_ptr_array_add (self->classes, g_strdup (lightly_fashion_mnist_class_name (i)));
      return;
    }
  if (g_file_get_contents (classes_path, &contents, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_strstrip (lines[i]);
          if (lines[i][0] != '\0' && class_index (self, lines[i]) < 0)
            g_ptr_array_add (self->classes, g_strdup (lines[i]));
        }
    }
  if (self->classes->len == 0)
    for (guint i = 0; i < 10; i++)
      g_ptr_array_add (self->classes, g_strdup_printf ("%u", i));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AnnotatorFolder *self = task_data;
  g_autoptr(GFile) file = g_file_new_for_path (self->csv_path);
  g_autoptr(GFileInputStream) input = NULL;
  g_autofree char *marker = g_build_filename (self->path, ANNOTATOR_DEMO_MARKER, NULL);
  GError *error = NULL;

  if (!g_file_test (self->path, G_FILE_TEST_IS_DIR))
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                               _("%s is not a folder: choose a folder of images with an embeddings.csv"),
                               self->path);
      return;
    }
  input = g_file_read (file, cancellable, &error);
  if (input == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          g_set_error (&error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                       _("%s has no embeddings.csv: create one with columns filenames,embedding_0,… "
                         "(file names relative to the folder), or run “lightly-al demo”"), self->path);
        }
      g_task_return_error (task, error);
      return;
    }
  self->csv = lightly_embeddings_csv_parse (G_INPUT_STREAM (input), NULL,
                                            LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT, cancellable, &error);
  if (self->csv == NULL)
    {
      g_prefix_error (&error, "%s: ", self->csv_path);
      g_task_return_error (task, error);
      return;
    }
  if (self->csv->n_rows == 0 || self->csv->dim == 0)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               _("%s has no images or no embedding columns: add rows and embedding_0,… columns"),
                               self->csv_path);
      return;
    }
  self->row_of = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; i < self->csv->n_rows; i++)
    g_hash_table_insert (self->row_of, (gpointer) self->csv->names[i], GSIZE_TO_POINTER (i + 1));

  self->is_demo = g_file_test (marker, G_FILE_TEST_EXISTS);
  self->title = self->is_demo ? g_strdup (DEMO_TITLE) : g_path_get_basename (self->path);
  read_classes (self);
  if (!read_labels (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  read_state (self);
  g_task_return_boolean (task, TRUE);
}

typedef struct {
  AnnotatorFolder *folder;
  LightlyApiWorkflowClient *client;
  GCancellable *cancellable;
} Open;

static void
open_free (Open *op)
{
  g_clear_object (&op->folder);
  g_clear_object (&op->client);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static GInputStream *
open_csv_stream (AnnotatorFolder  *self,
                 GCancellable     *cancellable,
                 GError          **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->csv_path);

  return G_INPUT_STREAM (g_file_read (file, cancellable, error));
}

static void
open_done (GTask *task)
{
  Open *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!write_state (op->folder, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (op->folder), g_object_unref);
}

static void
embeddings_uploaded_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autofree char *embedding_id = NULL;

  embedding_id = lightly_api_workflow_client_upload_embeddings_finish (LIGHTLY_API_WORKFLOW_CLIENT (source),
                                                                       result, &error);
  if (embedding_id == NULL)
    {
      g_prefix_error (&error, _("Uploading %s to the store failed: "), ANNOTATOR_EMBEDDINGS_FILE);
      g_task_return_error (task, error);
      return;
    }
  open_done (task);
}

static void
samples_registered_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Open *op = g_task_get_task_data (task);
  g_autoptr(GInputStream) input = NULL;
  GError *error = NULL;

  if (!lightly_api_workflow_client_register_samples_finish (op->client, result, &error) ||
      (input = open_csv_stream (op->folder, op->cancellable, &error)) == NULL)
    {
      g_prefix_error (&error, _("Registering the images of %s failed: "), ANNOTATOR_EMBEDDINGS_FILE);
      g_task_return_error (task, error);
      return;
    }
  lightly_api_workflow_client_upload_embeddings_async (op->client, input, "embeddings.csv",
                                                       op->cancellable,
                                                       embeddings_uploaded_cb, g_steal_pointer (&task));
}

static void
dataset_created_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Open *op = g_task_get_task_data (task);
  g_autoptr(GInputStream) input = NULL;
  GError *error = NULL;
  char *id;

  id = lightly_api_workflow_client_create_dataset_finish (op->client, result, &error);
  if (id == NULL || (input = open_csv_stream (op->folder, op->cancellable, &error)) == NULL)
    {
      g_free (id);
      g_prefix_error (&error, _("Creating the dataset in %s failed: "), op->folder->location);
      g_task_return_error (task, error);
      return;
    }
  g_free (op->folder->dataset_id);
  op->folder->dataset_id = id;
  lightly_api_workflow_client_set_dataset_id (op->client, id);
  lightly_api_workflow_client_register_samples_async (op->client, input, op->cancellable,
                                                      samples_registered_cb, g_steal_pointer (&task));
}

/* The dataset to reuse: the one recorded in the state file, else (the demo's
 * store) one whose size matches the CSV, preferring the demo's name. */
static LightlyDataset *
pick_dataset (AnnotatorFolder *self,
              GPtrArray       *datasets)
{
  LightlyDataset *by_size = NULL;

  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyDataset *d = g_ptr_array_index (datasets, i);

      if (self->dataset_id != NULL && g_strcmp0 (lightly_dataset_get_id (d), self->dataset_id) == 0)
        return d;
    }
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyDataset *d = g_ptr_array_index (datasets, i);

      if (lightly_dataset_get_n_samples (d) != self->csv->n_rows)
        continue;
      if (g_strcmp0 (lightly_dataset_get_name (d), self->is_demo ? DEMO_DATASET_NAME : self->title) == 0)
        return d;
      if (by_size == NULL)
        by_size = d;
    }
  return by_size;
}

static void
datasets_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Open *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) datasets = NULL;
  GError *error = NULL;
  LightlyDataset *found;

  datasets = lightly_api_workflow_client_list_datasets_finish (op->client, result, &error);
  if (datasets == NULL)
    {
      g_prefix_error (&error, _("Reading the store %s failed: "), op->folder->location);
      g_task_return_error (task, error);
      return;
    }
  found = pick_dataset (op->folder, datasets);
  if (found != NULL)
    {
      g_free (op->folder->dataset_id);
      op->folder->dataset_id = g_strdup (lightly_dataset_get_id (found));
      open_done (task);
      return;
    }
  lightly_api_workflow_client_create_dataset_async (op->client, op->folder->title, op->cancellable,
                                                    dataset_created_cb, g_steal_pointer (&task));
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Open *op = g_task_get_task_data (task);
  g_autofree char *store_dir = g_build_filename (op->folder->work_dir, ANNOTATOR_STORE_DIR, NULL);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_mkdir_with_parents (store_dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot create the store folder %s: %s"), store_dir, g_strerror (saved));
      return;
    }
  op->folder->location = g_filename_to_uri (store_dir, NULL, &error);
  if (op->folder->location == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  op->client = lightly_api_workflow_client_new (op->folder->location, NULL, NULL, &error);
  if (op->client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  lightly_api_workflow_client_list_datasets_async (op->client, op->cancellable,
                                                   datasets_listed_cb, g_steal_pointer (&task));
}

/*
 * Where the app writes for the folder @path (canonical): the folder itself,
 * or, when it is read-only, a folder of its own in the user's data dir
 * (named after the folder and a hash of its path).
 */
char *
annotator_folder_dup_work_dir (const char *path)
{
  g_autofree char *base = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;

  if (g_access (path, W_OK) == 0)
    return g_strdup (path);
  base = g_path_get_basename (path);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
  name = g_strdup_printf ("%s-%.12s", base, hash);
  return g_build_filename (g_get_user_data_dir (), "lightly-annotator", "folders", name, NULL);
}

/* The embeddings.csv of the folder @path (canonical): the folder's own when
 * it has one, else the one in its work dir (which may not exist yet). */
char *
annotator_folder_dup_embeddings_path (const char *path)
{
  g_autofree char *in_folder = g_build_filename (path, ANNOTATOR_EMBEDDINGS_FILE, NULL);
  g_autofree char *work_dir = NULL;

  if (g_file_test (in_folder, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&in_folder);
  work_dir = annotator_folder_dup_work_dir (path);
  return g_build_filename (work_dir, ANNOTATOR_EMBEDDINGS_FILE, NULL);
}

/*
 * Opens @path: parses embeddings.csv, classes, labels.csv and the state file
 * in a worker, then finds the folder's dataset in the store at
 * @path/store, creating it (samples and embeddings from the CSV) the first
 * time. Call from the main thread.
 */
void
annotator_folder_open_async (const char          *path,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) load = NULL;
  Open *op = g_new0 (Open, 1);
  AnnotatorFolder *self = g_object_new (ANNOTATOR_TYPE_FOLDER, NULL);

  g_task_set_source_tag (task, annotator_folder_open_async);
  self->path = g_canonicalize_filename (path, NULL);
  self->work_dir = annotator_folder_dup_work_dir (self->path);
  self->csv_path = annotator_folder_dup_embeddings_path (self->path);
  self->labels_path = g_build_filename (self->work_dir, ANNOTATOR_LABELS_FILE, NULL);
  self->state_path = g_build_filename (self->work_dir, ANNOTATOR_STATE_FILE, NULL);
  op->folder = self;
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, op, (GDestroyNotify) open_free);

  /* Parsing 10 000 rows of 64 floats takes a fraction of a second. */
  load = g_task_new (NULL, cancellable, loaded_cb, g_steal_pointer (&task));
  g_task_set_task_data (load, g_object_ref (self), g_object_unref);
  g_task_run_in_thread (load, load_thread);
}

AnnotatorFolder *
annotator_folder_open_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------------------
 * Getters and edits (main thread)
 * ------------------------------------------------------------------------- */

const char *
annotator_folder_get_path (AnnotatorFolder *self)
{
  return self->path;
}

const char *
annotator_folder_get_title (AnnotatorFolder *self)
{
  return self->title;
}

const char *
annotator_folder_get_location (AnnotatorFolder *self)
{
  return self->location;
}

const char *
annotator_folder_get_dataset_id (AnnotatorFolder *self)
{
  return self->dataset_id;
}

gsize
annotator_folder_get_n_images (AnnotatorFolder *self)
{
  return self->csv->n_rows;
}

gboolean
annotator_folder_contains (AnnotatorFolder *self,
                           const char      *name)
{
  return g_hash_table_contains (self->row_of, name);
}

/* The image file of @name: relative to the folder, or (the layout of
 * `lightly-al demo`, whose CSV names the files in images/) in images/. */
char *
annotator_folder_dup_image_path (AnnotatorFolder *self,
                                 const char      *name)
{
  g_autofree char *path = g_build_filename (self->path, name, NULL);
  g_autofree char *in_images = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  in_images = g_build_filename (self->path, "images", name, NULL);
  return g_file_test (in_images, G_FILE_TEST_EXISTS) ? g_steal_pointer (&in_images) : g_steal_pointer (&path);
}

guint
annotator_folder_get_n_classes (AnnotatorFolder *self)
{
  return self->classes->len;
}

const char *
annotator_folder_get_class_name (AnnotatorFolder *self,
                                 guint            index)
{
  g_return_val_if_fail (index < self->classes->len, NULL);
  return g_ptr_array_index (self->classes, index);
}

/* The class index of @name, or -1 when it is not labeled. */
int
annotator_folder_get_label (AnnotatorFolder *self,
                            const char      *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (self->labels, name)) - 1;
}

/* Sets (label ≥ 0) or clears (-1) the label of @name and rewrites
 * labels.csv at once, so a crash loses nothing. */
gboolean
annotator_folder_set_label (AnnotatorFolder  *self,
                            const char       *name,
                            int               label,
                            GError          **error)
{
  if (!g_hash_table_contains (self->row_of, name))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                   _("“%s” is not an image of %s: label only files listed in embeddings.csv"), name, self->path);
      return FALSE;
    }
  if (label >= (int) self->classes->len)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   _("Class %d does not exist: this folder has classes 0 to %u"), label, self->classes->len - 1);
      return FALSE;
    }
  if (annotator_folder_get_label (self, name) == MAX (label, -1))
    return TRUE;
  store_label (self, name, MAX (label, -1));
  if (!write_labels (self, self->labels_path, error))
    return FALSE;
  if (label >= 0 && !annotator_rounds_in_a_batch (self->rounds, name))
    {
      /* Off the suggestion: the user picked this image, not the suggester. */
      AnnotatorRound *round = annotator_rounds_find (self->rounds, self->round);

      if (round == NULL)
        round = annotator_rounds_add (self->rounds, self->round, NULL, NULL, NULL);
      annotator_round_note_off (round, name);
      return write_state (self, error);
    }
  return TRUE;
}

/* Writes every label of the folder to @path as CSV (`file,label`, the
 * class names), the format of labels.csv. */
gboolean
annotator_folder_export_csv (AnnotatorFolder  *self,
                             const char       *path,
                             GError          **error)
{
  if (!write_labels (self, path, error))
    {
      g_prefix_error (error, _("Exporting the labels failed: "));
      return FALSE;
    }
  return TRUE;
}

AnnotatorRounds *
annotator_folder_get_rounds (AnnotatorFolder *self)
{
  return self->rounds;
}

/*
 * What round @number brought: the labels of its batch and those made off
 * the suggestion while it was current, per class; and the accuracy on its
 * batch of the model trained before it (the labels it had not seen).
 * FALSE when the folder has no record of that round.
 */
gboolean
annotator_folder_get_round_stats (AnnotatorFolder     *self,
                                  guint                number,
                                  AnnotatorRoundStats *stats)
{
  AnnotatorRound *round = annotator_rounds_find (self->rounds, number);

  memset (stats, 0, sizeof *stats);
  if (round == NULL)
    return FALSE;
  stats->number = number;
  stats->n_classes = self->classes->len;
  stats->per_class = g_new0 (guint, self->classes->len);
  for (guint i = 0; round->batch[i] != NULL; i++)
    {
      int label = annotator_folder_get_label (self, round->batch[i]);

      stats->n_batch++;
      if (label < 0)
        continue;
      stats->per_class[label]++;
      stats->from_suggestion++;
      if (round->predicted[i][0] == '\0')
        continue;
      stats->n_scored++;
      if (g_str_equal (round->predicted[i], g_ptr_array_index (self->classes, label)))
        stats->n_correct++;
    }
  for (guint i = 0; i < round->off->len; i++)
    {
      const char *name = g_ptr_array_index (round->off, i);
      int label = annotator_folder_get_label (self, name);

      if (label < 0 || annotator_rounds_in_a_batch (self->rounds, name))
        continue;
      stats->per_class[label]++;
      stats->off_suggestion++;
    }
  return TRUE;
}

void
annotator_round_stats_clear (AnnotatorRoundStats *stats)
{
  g_clear_pointer (&stats->per_class, g_free);
}

/* How many images of the folder carry class @label. */
guint
annotator_folder_count_class (AnnotatorFolder *self,
                              int              label)
{
  guint n = 0;

  for (guint i = 0; i < self->label_order->len; i++)
    {
      const char *name = g_ptr_array_index (self->label_order, i);

      if (g_hash_table_contains (self->row_of, name) && annotator_folder_get_label (self, name) == label)
        n++;
    }
  return n;
}

guint
annotator_folder_get_n_labeled (AnnotatorFolder *self)
{
  guint n = 0;

  for (guint i = 0; i < self->label_order->len; i++)
    if (g_hash_table_contains (self->row_of, g_ptr_array_index (self->label_order, i)))
      n++;
  return n;
}

guint
annotator_folder_get_n_labeled_classes (AnnotatorFolder *self)
{
  g_autofree gboolean *seen = g_new0 (gboolean, self->classes->len);
  guint n = 0;

  for (guint i = 0; i < self->label_order->len; i++)
    {
      const char *name = g_ptr_array_index (self->label_order, i);
      int label = annotator_folder_get_label (self, name);

      if (g_hash_table_contains (self->row_of, name) && !seen[label])
        {
          seen[label] = TRUE;
          n++;
        }
    }
  return n;
}

/* The labeled images of this folder, in the order they were first labeled
 * (rows of labels.csv naming files outside embeddings.csv are kept in the
 * file but not passed on). */
char **
annotator_folder_dup_labeled (AnnotatorFolder *self)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < self->label_order->len; i++)
    {
      const char *name = g_ptr_array_index (self->label_order, i);

      if (g_hash_table_contains (self->row_of, name))
        g_ptr_array_add (out, g_strdup (name));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

const char * const *
annotator_folder_get_batch (AnnotatorFolder *self)
{
  return (const char * const *) self->batch;
}

guint
annotator_folder_get_round (AnnotatorFolder *self)
{
  return self->round;
}

/* Replaces the batch on screen with a new round's and saves the state;
 * @why (nullable) is why the selection picked each image of @batch, as
 * annotator_pick_dup_why_text() writes it. */
gboolean
annotator_folder_set_batch (AnnotatorFolder     *self,
                            const char * const  *batch,
                            const char * const  *why,
                            GError             **error)
{
  g_autoptr(GPtrArray) predicted = g_ptr_array_new ();

  g_strfreev (self->batch);
  self->batch = g_strdupv ((char **) batch);
  self->round++;
  /* What the model said about the new batch, before the user labels it. */
  for (guint i = 0; self->predicted != NULL && batch[i] != NULL; i++)
    {
      gsize row = GPOINTER_TO_SIZE (g_hash_table_lookup (self->row_of, batch[i]));
      int label = row > 0 ? self->predicted[row - 1] : -1;

      g_ptr_array_add (predicted, label >= 0 ? g_ptr_array_index (self->classes, label) : (gpointer) "");
    }
  g_ptr_array_add (predicted, NULL);
  g_clear_pointer (&self->predicted, g_free);
  annotator_rounds_add (self->rounds, self->round, batch, (const char * const *) predicted->pdata, why);
  return write_state (self, error);
}

guint
annotator_folder_get_batch_size (AnnotatorFolder *self)
{
  return self->batch_size;
}

gboolean
annotator_folder_set_batch_size (AnnotatorFolder  *self,
                                 guint             batch_size,
                                 GError          **error)
{
  if (batch_size == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   _("A batch size of 0 asks for nothing: choose at least 1"));
      return FALSE;
    }
  if (self->batch_size == batch_size)
    return TRUE;
  self->batch_size = batch_size;
  return write_state (self, error);
}
