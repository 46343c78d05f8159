/* test-embed-plugin.c: LightlyEmbedder, and the built-in embedder through libpeas
 *
 * A C host as an app would be one: a PeasEngine over the build dir's
 * plugins (LIGHTLY_PLUGIN_DIR), the X-Lightly-Embedder-ABI check, the
 * lightly-embed-pixels extension, embed_async with a progress signal. The
 * folder is written here with gdk-pixbuf: PNGs of random blocks, a JPEG
 * without EXIF, a corrupt PNG, a hidden file and a CSV (neither looked at).
 * The interface's own rules (BUSY, cancelling, a vfunc returning nothing)
 * are checked with small in-process implementations.
 *
 * This program links liblightly only, never the static pixel embedder, so
 * the plugin's copy of that class is the only one in the process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>
#include "test-utils.h"

#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <libpeas/peas.h>

#define SIDE 40
#define N_PNG 8

/* ---------------------------------------------------------------------------
 * The folder
 * ------------------------------------------------------------------------- */

static GdkPixbuf *
random_blocks (GRand *rand)
{
  GdkPixbuf *p = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, SIDE, SIDE);
  guint8 *pixels = gdk_pixbuf_get_pixels (p);
  int stride = gdk_pixbuf_get_rowstride (p);
  guint8 grid[4][4][3];

  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      for (int c = 0; c < 3; c++)
        grid[i][j][c] = (guint8) g_rand_int_range (rand, 0, 256);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      memcpy (pixels + y * stride + x * 3, grid[y * 4 / SIDE][x * 4 / SIDE], 3);
  return p;
}

static void
write_file (const char *folder,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* 8 PNGs (two in a sub-folder), a JPEG, a corrupt PNG: 10 files looked at,
 * 9 readable. Returns the folder (free with g_free). */
static char *
make_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (16);
  char *folder = g_dir_make_tmp ("lightly-embed-plugin-XXXXXX", &error);
  g_autofree char *sub = g_build_filename (folder, "sub", NULL);

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  for (int i = 0; i < N_PNG; i++)
    {
      g_autoptr(GdkPixbuf) p = random_blocks (rand);
      g_autofree char *path = g_strdup_printf ("%s/%simg-%02d.png", folder, i < 2 ? "sub/" : "", i);

      g_assert_true (gdk_pixbuf_save (p, path, "png", &error, NULL));
      g_assert_no_error (error);
    }
  {
    g_autoptr(GdkPixbuf) p = random_blocks (rand);
    g_autofree char *path = g_build_filename (folder, "photo.jpg", NULL);

    g_assert_true (gdk_pixbuf_save (p, path, "jpeg", &error, "quality", "90", NULL));
    g_assert_no_error (error);
  }
  write_file (folder, "broken.png", "this is not a PNG");
  write_file (folder, ".hidden.png", "never looked at");
  write_file (folder, "embeddings.csv", "filenames,embedding_0,labels\r\n");
  return folder;
}

static void
remove_folder (const char *folder)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", folder);

  g_assert_cmpint (system (command), ==, 0);
}

/* ---------------------------------------------------------------------------
 * The host
 * ------------------------------------------------------------------------- */

typedef struct {
  PeasEngine *engine;
  LightlyEmbedder *embedder;
} Host;

static void
host_open (Host *host)
{
  PeasPluginInfo *info;

  host->engine = peas_engine_new ();
  peas_engine_add_search_path (host->engine, g_getenv ("LIGHTLY_PLUGIN_DIR"), NULL);
  info = peas_engine_get_plugin_info (host->engine, "lightly-embed-pixels");
  g_assert_nonnull (info);
  g_assert_cmpstr (peas_plugin_info_get_external_data (info, "Lightly-Embedder-ABI"), ==,
                   LIGHTLY_EMBEDDER_ABI);
  g_assert_true (peas_engine_load_plugin (host->engine, info));
  g_assert_true (peas_engine_provides_extension (host->engine, info, LIGHTLY_TYPE_EMBEDDER));
  host->embedder = LIGHTLY_EMBEDDER (peas_engine_create_extension (host->engine, info,
                                                                   LIGHTLY_TYPE_EMBEDDER, NULL));
  g_assert_true (LIGHTLY_IS_EMBEDDER (host->embedder));
}

static void
host_close (Host *host)
{
  g_clear_object (&host->embedder);
  g_clear_object (&host->engine);
}

typedef struct {
  GMainLoop *loop;
  LightlyEmbedderResult *result;
  GError *error;
  guint n_progress;
  guint last_done;
  guint last_total;
  gboolean returned;
  gboolean progress_after_return;
} Call;

static void
on_progress (LightlyEmbedder *embedder,
             guint            done,
             guint            total,
             gpointer         user_data)
{
  Call *call = user_data;

  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, call->last_done);
  call->n_progress++;
  call->last_done = done;
  call->last_total = total;
  if (call->returned)
    call->progress_after_return = TRUE;
}

static void
on_embedded (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  Call *call = user_data;

  call->result = lightly_embedder_embed_finish (LIGHTLY_EMBEDDER (source), res, &call->error);
  call->returned = TRUE;
  g_main_loop_quit (call->loop);
}

static void
check_rows_finite (LightlyEmbedderResult *result)
{
  for (guint i = 0; i < lightly_embedder_result_get_n_rows (result); i++)
    {
      const float *row = lightly_embedder_result_peek_row (result, i);

      for (guint j = 0; j < lightly_embedder_result_get_dim (result); j++)
        g_assert_true (isfinite (row[j]));
    }
}

static void
test_pixels_engine (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autoptr(LightlyEmbedderResult) again = NULL;
  g_autoptr(GError) error = NULL;
  Host host = { 0 };
  Call call = { 0 };
  const char * const *names;
  const char * const *failed;
  gulong handler;

  host_open (&host);
  /* The PCA's dimension depends on the folder. */
  g_assert_cmpuint (lightly_embedder_get_dim (host.embedder), ==, 0);
  g_object_set (host.embedder, "threads", 2, NULL);

  call.loop = g_main_loop_new (NULL, FALSE);
  handler = g_signal_connect (host.embedder, "progress", G_CALLBACK (on_progress), &call);
  lightly_embedder_embed_async (host.embedder, file, NULL, on_embedded, &call);
  g_main_loop_run (call.loop);
  /* Progress sources still attached would run now: none may emit. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_no_error (call.error);
  g_assert_nonnull (call.result);
  g_assert_cmpuint (call.n_progress, >=, 1);
  g_assert_cmpuint (call.last_done, ==, 10);
  g_assert_cmpuint (call.last_total, ==, 10);
  g_assert_false (call.progress_after_return);

  g_assert_cmpuint (lightly_embedder_result_get_n_rows (call.result), ==, 9);
  /* 9 images: a PCA of at most ⌊(9 − 1)/2⌋ = 4 whitened dimensions. */
  g_assert_cmpuint (lightly_embedder_result_get_dim (call.result), >=, 1);
  g_assert_cmpuint (lightly_embedder_result_get_dim (call.result), <=, 4);
  g_assert_cmpuint (g_bytes_get_size (lightly_embedder_result_get_embeddings (call.result)), ==,
                    9 * lightly_embedder_result_get_dim (call.result) * sizeof (float));
  names = lightly_embedder_result_get_file_names (call.result);
  g_assert_cmpstr (names[0], ==, "img-02.png");
  g_assert_true (g_strv_contains (names, "photo.jpg"));
  g_assert_true (g_strv_contains (names, "sub/img-00.png"));
  g_assert_false (g_strv_contains (names, "broken.png"));
  failed = lightly_embedder_result_get_failed (call.result);
  g_assert_cmpuint (g_strv_length ((char **) failed), ==, 1);
  g_assert_true (g_str_has_prefix (failed[0], "broken.png: "));
  check_rows_finite (call.result);

  /* The blocking variant, on the same extension: the same floats. */
  g_signal_handler_disconnect (host.embedder, handler);
  again = lightly_embedder_embed (host.embedder, file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (lightly_embedder_result_get_embeddings (call.result),
                                lightly_embedder_result_get_embeddings (again)));

  g_clear_object (&call.result);
  g_main_loop_unref (call.loop);
  host_close (&host);
  remove_folder (folder);
}

static void
test_pixels_errors (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *png = g_build_filename (folder, "img-03.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autoptr(GFile) not_folder = g_file_new_for_path (png);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  LightlyEmbedderResult *result;
  Host host = { 0 };
  Call first = { 0 }, second = { 0 };
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);

  host_open (&host);

  result = lightly_embedder_embed (host.embedder, not_folder, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  result = lightly_embedder_embed (host.embedder, file, cancellable, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* A second call while one runs is BUSY; the first one completes. */
  first.loop = second.loop = loop;
  lightly_embedder_embed_async (host.embedder, file, NULL, on_embedded, &first);
  lightly_embedder_embed_async (host.embedder, file, NULL, on_embedded, &second);
  while (!first.returned || !second.returned)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (first.error);
  g_assert_nonnull (first.result);
  g_assert_error (second.error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_assert_null (second.result);
  g_clear_object (&first.result);
  g_clear_error (&second.error);

  /* Fewer than two readable images: no PCA, a clear error. */
  {
    g_autofree char *tiny = g_dir_make_tmp ("lightly-embed-tiny-XXXXXX", &error);

    g_assert_no_error (error);
    write_file (tiny, "broken.png", "not a PNG");
    g_clear_object (&file);
    file = g_file_new_for_path (tiny);
    result = lightly_embedder_embed (host.embedder, file, NULL, &error);
    g_assert_null (result);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "1 unreadable file"));
    remove_folder (tiny);
  }

  g_main_loop_unref (loop);
  host_close (&host);
  remove_folder (folder);
}

/* ---------------------------------------------------------------------------
 * The interface's rules, with in-process implementations
 * ------------------------------------------------------------------------- */

/* TestEmbedder: embed() returns one row per listed file, or nothing at all
 * when "broken" is set; "empty" implements no embed() at all (another
 * type). */
#define TEST_TYPE_EMBEDDER (test_embedder_get_type ())
G_DECLARE_FINAL_TYPE (TestEmbedder, test_embedder, TEST, EMBEDDER, GObject)

struct _TestEmbedder
{
  GObject parent_instance;
  gboolean broken;
};

static LightlyEmbedderResult *
test_embedder_embed (LightlyEmbedder  *embedder,
                     GFile            *folder,
                     GCancellable     *cancellable,
                     GError          **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GBytes) rows = NULL;
  guint n;
  float *values;

  if (TEST_EMBEDDER (embedder)->broken)
    return NULL;
  names = lightly_embedder_list_images (folder, cancellable, error);
  if (names == NULL)
    return NULL;
  n = g_strv_length (names);
  values = g_new (float, n * 2 + 1);
  for (guint i = 0; i < n; i++)
    {
      values[2 * i] = (float) i;
      values[2 * i + 1] = -(float) i;
      lightly_embedder_report_progress (embedder, i + 1, n);
    }
  rows = g_bytes_new_take (values, n * 2 * sizeof (float));
  return lightly_embedder_result_new ((const char * const *) names, rows, 2, NULL, error);
}

static guint
test_embedder_get_dim (LightlyEmbedder *embedder)
{
  return 2;
}

static void
test_embedder_iface_init (LightlyEmbedderInterface *iface)
{
  iface->embed = test_embedder_embed;
  iface->get_dim = test_embedder_get_dim;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEmbedder, test_embedder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_EMBEDDER, test_embedder_iface_init))

static void test_embedder_class_init (TestEmbedderClass *klass) { }
static void test_embedder_init (TestEmbedder *self) { }

#define TEST_TYPE_EMPTY_EMBEDDER (test_empty_embedder_get_type ())
G_DECLARE_FINAL_TYPE (TestEmptyEmbedder, test_empty_embedder, TEST, EMPTY_EMBEDDER, GObject)

struct _TestEmptyEmbedder
{
  GObject parent_instance;
};

static void test_empty_embedder_iface_init (LightlyEmbedderInterface *iface) { }

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEmptyEmbedder, test_empty_embedder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_EMBEDDER, test_empty_embedder_iface_init))

static void test_empty_embedder_class_init (TestEmptyEmbedderClass *klass) { }
static void test_empty_embedder_init (TestEmptyEmbedder *self) { }

static void
test_interface_rules (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autoptr(TestEmbedder) good = g_object_new (TEST_TYPE_EMBEDDER, NULL);
  g_autoptr(TestEmbedder) broken = g_object_new (TEST_TYPE_EMBEDDER, NULL);
  g_autoptr(TestEmptyEmbedder) empty = g_object_new (TEST_TYPE_EMPTY_EMBEDDER, NULL);
  g_autoptr(LightlyEmbedderResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  Call call = { 0 };

  /* The listing: sorted, hidden files and CSVs left out. */
  names = lightly_embedder_list_images (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 10);
  g_assert_cmpstr (names[0], ==, "broken.png");
  g_assert_cmpstr (names[9], ==, "sub/img-01.png");
  g_assert_false (g_strv_contains ((const char * const *) names, ".hidden.png"));
  g_assert_false (g_strv_contains ((const char * const *) names, "embeddings.csv"));

  g_assert_cmpuint (lightly_embedder_get_dim (LIGHTLY_EMBEDDER (good)), ==, 2);
  g_signal_connect (good, "progress", G_CALLBACK (on_progress), &call);
  result = lightly_embedder_embed (LIGHTLY_EMBEDDER (good), file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_embedder_result_get_n_rows (result), ==, 10);
  g_assert_cmpfloat (lightly_embedder_result_peek_row (result, 3)[1], ==, -3.0f);
  /* The blocking call delivers progress on this thread, coalesced. */
  g_assert_cmpuint (call.n_progress, >=, 1);
  g_assert_cmpuint (call.last_done, ==, 10);

  broken->broken = TRUE;
  g_clear_object (&result);
  result = lightly_embedder_embed (LIGHTLY_EMBEDDER (broken), file, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED);
  g_clear_error (&error);

  result = lightly_embedder_embed (LIGHTLY_EMBEDDER (empty), file, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_cmpuint (lightly_embedder_get_dim (LIGHTLY_EMBEDDER (empty)), ==, 0);

  /* Progress outside a call is ignored, not a crash. */
  lightly_embedder_report_progress (LIGHTLY_EMBEDDER (good), 1, 2);
  g_assert_false (g_main_context_pending (NULL));

  remove_folder (folder);
}

static void
test_result_checks (void)
{
  const float values[4] = { 1, 2, 3, 4 };
  const float bad[4] = { 1, NAN, 3, 4 };
  const char *two[] = { "a.png", "b.png", NULL };
  const char *twice[] = { "a.png", "a.png", NULL };
  const char *comma[] = { "a,b.png", "b.png", NULL };
  const char *failed[] = { "c.png: not an image", NULL };
  g_autoptr(GBytes) bytes = g_bytes_new (values, sizeof values);
  g_autoptr(GBytes) short_bytes = g_bytes_new (values, 3 * sizeof (float));
  g_autoptr(GBytes) nan_bytes = g_bytes_new (bad, sizeof bad);
  g_autoptr(LightlyEmbedderResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = lightly_embedder_result_new (two, bytes, 2, failed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_embedder_result_get_n_rows (result), ==, 2);
  g_assert_cmpuint (lightly_embedder_result_get_dim (result), ==, 2);
  g_assert_cmpfloat (lightly_embedder_result_peek_row (result, 1)[0], ==, 3.0f);
  g_assert_cmpstr (lightly_embedder_result_get_failed (result)[0], ==, "c.png: not an image");

  g_assert_null (lightly_embedder_result_new (two, short_bytes, 2, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_embedder_result_new (two, bytes, 0, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_embedder_result_new (two, nan_bytes, 2, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_embedder_result_new (twice, bytes, 2, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_embedder_result_new (comma, bytes, 2, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/embedder/result", test_result_checks);
  g_test_add_func ("/embedder/interface", test_interface_rules);
  g_test_add_func ("/embedder/pixels/engine", test_pixels_engine);
  g_test_add_func ("/embedder/pixels/errors", test_pixels_errors);
  return g_test_run ();
}
