/* annotator-folder-private.h: the folder's fields, shared by its two files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "annotator-folder.h"
#include "store/lightly-embeddings-csv.h"

G_BEGIN_DECLS

struct _AnnotatorFolder
{
  GObject parent_instance;

  char *path;
  char *work_dir;                /* where labels, state and store go */
  char *title;
  char *labels_path;
  char *state_path;
  char *csv_path;
  char *location;
  char *dataset_id;
  gboolean is_demo;

  LightlyEmbeddingsCsv *csv;
  GHashTable *row_of;            /* name (in csv's arena) → row + 1 */
  GPtrArray *classes;            /* char * */

  GHashTable *labels;            /* owned name → label + 1 */
  GPtrArray *label_order;        /* names (owned by labels) in file order */

  char **batch;
  guint round;
  guint batch_size;
  AnnotatorRounds *rounds;
  int *predicted;                /* per row: the class the last model predicted, or NULL */
};

G_END_DECLS
