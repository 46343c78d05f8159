/* annotator-folder.h: a folder of images being labeled
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <lightly/lightly.h>

#include "annotator-rounds.h"

G_BEGIN_DECLS

#define ANNOTATOR_TYPE_FOLDER (annotator_folder_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorFolder, annotator_folder, ANNOTATOR, FOLDER, GObject)

/* The files the app reads and writes in a folder. */
#define ANNOTATOR_EMBEDDINGS_FILE "embeddings.csv"
#define ANNOTATOR_LABELS_FILE     "labels.csv"
#define ANNOTATOR_CLASSES_FILE    "classes.txt"
#define ANNOTATOR_STATE_FILE      ".lightly-annotator.ini"
#define ANNOTATOR_STORE_DIR       "store"
#define ANNOTATOR_DEMO_MARKER     ".lightly-demo"

#define ANNOTATOR_DEFAULT_BATCH_SIZE 16

char               *annotator_folder_dup_work_dir      (const char          *path);
char               *annotator_folder_dup_embeddings_path (const char        *path);

void                annotator_folder_open_async        (const char          *path,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
AnnotatorFolder    *annotator_folder_open_finish       (GAsyncResult        *result,
                                                        GError             **error);

const char         *annotator_folder_get_path          (AnnotatorFolder     *self);
const char         *annotator_folder_get_title         (AnnotatorFolder     *self);
const char         *annotator_folder_get_location      (AnnotatorFolder     *self);
const char         *annotator_folder_get_dataset_id    (AnnotatorFolder     *self);
gsize               annotator_folder_get_n_images      (AnnotatorFolder     *self);
gboolean            annotator_folder_contains          (AnnotatorFolder     *self,
                                                        const char          *name);
char               *annotator_folder_dup_image_path    (AnnotatorFolder     *self,
                                                        const char          *name);

guint               annotator_folder_get_n_classes     (AnnotatorFolder     *self);
const char         *annotator_folder_get_class_name    (AnnotatorFolder     *self,
                                                        guint                index);

int                 annotator_folder_get_label         (AnnotatorFolder     *self,
                                                        const char          *name);
gboolean            annotator_folder_set_label         (AnnotatorFolder     *self,
                                                        const char          *name,
                                                        int                  label,
                                                        GError             **error);
guint               annotator_folder_get_n_labeled     (AnnotatorFolder     *self);
guint               annotator_folder_get_n_labeled_classes (AnnotatorFolder *self);
char              **annotator_folder_dup_labeled       (AnnotatorFolder     *self);

const char * const *annotator_folder_get_batch         (AnnotatorFolder     *self);
guint               annotator_folder_get_round         (AnnotatorFolder     *self);
gboolean            annotator_folder_set_batch         (AnnotatorFolder     *self,
                                                        const char * const  *batch,
                                                        const char * const  *why,
                                                        GError             **error);
guint               annotator_folder_get_batch_size    (AnnotatorFolder     *self);
gboolean            annotator_folder_set_batch_size    (AnnotatorFolder     *self,
                                                        guint                batch_size,
                                                        GError             **error);

/* What one round brought; see annotator_folder_get_round_stats(). */
typedef struct {
  guint number;
  guint n_batch;
  guint n_classes;
  guint *per_class;          /* labels of the round per class (batch and off-suggestion) */
  guint from_suggestion;     /* labeled images of the batch */
  guint off_suggestion;      /* images labeled outside any batch during the round */
  guint n_scored;            /* labeled batch images the model had predicted */
  guint n_correct;           /* … and predicted right */
} AnnotatorRoundStats;

AnnotatorRounds    *annotator_folder_get_rounds        (AnnotatorFolder     *self);
gboolean            annotator_folder_get_round_stats   (AnnotatorFolder     *self,
                                                        guint                number,
                                                        AnnotatorRoundStats *stats);
void                annotator_round_stats_clear        (AnnotatorRoundStats *stats);
guint               annotator_folder_count_class       (AnnotatorFolder     *self,
                                                        int                  label);
gboolean            annotator_folder_export_csv        (AnnotatorFolder     *self,
                                                        const char          *path,
                                                        GError             **error);

void                annotator_folder_predict_async     (AnnotatorFolder     *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
LightlyPredictions *annotator_folder_predict_finish    (AnnotatorFolder     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

G_END_DECLS
