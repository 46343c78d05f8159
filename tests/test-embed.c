/* test-embed.c: the built-in image embedder and `lightly-al embed`
 *
 * A folder of PNGs written here (tools/ml/lightly-png.h): random block
 * patterns, one near-duplicate of the first, one corrupt PNG, one text file
 * and a sub-folder. The embedder must list the two bad files and skip them,
 * give the same floats on 1 and 2 threads, and put the near-duplicate next
 * to its original.
 */
#include <lightly/lightly.h>
#include "test-utils.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ml/lightly-image-embedder.h"
#include "ml/lightly-png.h"

#include <gdk-pixbuf/gdk-pixbuf.h>

#define SIDE 32
#define N_RANDOM 12

static void
write_png (const char   *folder,
           const char   *name,
           const guint8 *pixels)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  lightly_png_write_gray8 (path, pixels, SIDE, SIDE, SIDE, &error);
  g_assert_no_error (error);
}

/* A random 4 × 4 grid of grey levels, each block 8 × 8 pixels. */
static void
random_blocks (GRand  *rand,
               guint8 *pixels)
{
  guint8 grid[16];

  for (int i = 0; i < 16; i++)
    grid[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      pixels[y * SIDE + x] = grid[(y / 8) * 4 + x / 8];
}

/* Writes the test folder; returns its path (free with g_free). */
static char *
make_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (16);
  char *folder = g_dir_make_tmp ("lightly-embed-XXXXXX", &error);
  guint8 first[SIDE * SIDE], pixels[SIDE * SIDE];
  g_autofree char *corrupt = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  for (int i = 0; i < N_RANDOM; i++)
    {
      g_autofree char *name = g_strdup_printf (i % 3 == 0 ? "sub/img-%02d.png" : "img-%02d.png", i);

      random_blocks (rand, pixels);
      if (i == 0)
        memcpy (first, pixels, sizeof first);
      write_png (folder, name, pixels);
    }
  /* The near-duplicate: the first image with ±3 grey levels of noise. */
  for (int i = 0; i < SIDE * SIDE; i++)
    pixels[i] = (guint8) CLAMP (first[i] + g_rand_int_range (rand, -3, 4), 0, 255);
  write_png (folder, "zz-near-duplicate.png", pixels);

  corrupt = g_build_filename (folder, "broken.png", NULL);
  g_file_set_contents (corrupt, "\x89PNG\r\n\x1a\n this is not a PNG", -1, &error);
  g_assert_no_error (error);
  text = g_build_filename (folder, "notes.txt", NULL);
  g_file_set_contents (text, "no image here\n", -1, &error);
  g_assert_no_error (error);
  return folder;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static double
distance (const float *a,
          const float *b,
          guint        dim)
{
  double s = 0;

  for (guint j = 0; j < dim; j++)
    s += ((double) a[j] - b[j]) * ((double) a[j] - b[j]);
  return sqrt (s);
}

static gboolean
has_prefix_in (GPtrArray  *lines,
               const char *prefix)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (lines, i), prefix))
      return TRUE;
  return FALSE;
}

static void
test_embed_folder (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyImageEmbedding) one = NULL;
  g_autoptr(LightlyImageEmbedding) two = NULL;
  guint n, dup = 0;
  double d_dup, d_min_other = G_MAXDOUBLE;

  one = lightly_image_embed_folder (folder, 64, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  two = lightly_image_embed_folder (folder, 64, 2, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  n = one->file_names->len;
  g_assert_cmpuint (n, ==, N_RANDOM + 1);
  g_assert_cmpuint (one->failed->len, ==, 2);
  g_assert_true (has_prefix_in (one->failed, "broken.png: "));
  g_assert_true (has_prefix_in (one->failed, "notes.txt: "));
  g_assert_cmpstr (g_ptr_array_index (one->file_names, 0), ==, "img-01.png");
  g_assert_true (has_prefix_in (one->file_names, "sub/img-00.png"));
  /* (n − 1) / 2 components: the PCA is fitted on the folder itself. */
  g_assert_cmpuint (one->dim, ==, (n - 1) / 2);

  /* Deterministic, whatever the number of threads. */
  g_assert_cmpuint (two->dim, ==, one->dim);
  g_assert_cmpmem (one->embeddings, (gsize) n * one->dim * sizeof (float),
                   two->embeddings, (gsize) n * two->dim * sizeof (float));

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (g_ptr_array_index (one->file_names, i), "sub/img-00.png") == 0)
      dup = i;
  g_assert_cmpstr (g_ptr_array_index (one->file_names, n - 1), ==, "zz-near-duplicate.png");
  d_dup = distance (one->embeddings + (gsize) dup * one->dim,
                    one->embeddings + (gsize) (n - 1) * one->dim, one->dim);
  for (guint i = 0; i < n - 1; i++)
    if (i != dup)
      d_min_other = MIN (d_min_other, distance (one->embeddings + (gsize) dup * one->dim,
                                                one->embeddings + (gsize) i * one->dim, one->dim));
  g_test_message ("near-duplicate at %.4f, nearest other image at %.4f", d_dup, d_min_other);
  g_assert_cmpfloat (d_dup * 5, <, d_min_other);

  /* Fewer than two readable images is an error, not a crash. */
  g_clear_pointer (&one, lightly_image_embedding_free);
  one = lightly_image_embed_folder ("/nonexistent-lightly-folder", 64, 0, NULL, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_null (one);
  remove_tree (folder);
}

/* ---- other formats ---------------------------------------------------------- */

static gboolean
can_save (const char *format)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *name = gdk_pixbuf_format_get_name (l->data);

      if (g_strcmp0 (name, format) == 0)
        return gdk_pixbuf_format_is_writable (l->data);
    }
  return FALSE;
}

static void
put_entry (guint8  *ifd,
           guint16  tag,
           guint16  type,
           guint32  count,
           guint32  value)
{
  ifd[0] = tag & 0xff;
  ifd[1] = tag >> 8;
  ifd[2] = type & 0xff;
  ifd[3] = type >> 8;
  for (int i = 0; i < 4; i++)
    {
      ifd[4 + i] = (count >> (8 * i)) & 0xff;
      ifd[8 + i] = (value >> (8 * i)) & 0xff;
    }
}

/* An uncompressed little-endian RGB TIFF with an Orientation tag, written
 * here rather than by gdk-pixbuf's TIFF saver: libtiff writes uninitialised
 * padding, which valgrind (CI runs this suite under it) reports, and the
 * saver cannot set the orientation. */
static void
write_tiff (const char   *path,
            const guint8 *rgb,
            int           stride,
            guint16       orientation)
{
  enum { N_ENTRIES = 11, BPS_AT = 8 + 2 + N_ENTRIES * 12 + 4, DATA_AT = BPS_AT + 6 };
  const guint32 size = SIDE * SIDE * 3;
  g_autofree guint8 *file = g_new0 (guint8, DATA_AT + size);
  guint8 *e = file + 10;
  g_autoptr(GError) error = NULL;

  memcpy (file, "II*\0\x08\0\0\0", 8);
  file[8] = N_ENTRIES;
  /* Tags in ascending order, as TIFF requires. SHORT = 3, LONG = 4. */
  put_entry (e, 256, 3, 1, SIDE), e += 12;                   /* ImageWidth */
  put_entry (e, 257, 3, 1, SIDE), e += 12;                   /* ImageLength */
  put_entry (e, 258, 3, 3, BPS_AT), e += 12;                 /* BitsPerSample */
  put_entry (e, 259, 3, 1, 1), e += 12;                      /* no compression */
  put_entry (e, 262, 3, 1, 2), e += 12;                      /* RGB */
  put_entry (e, 273, 4, 1, DATA_AT), e += 12;                /* StripOffsets */
  put_entry (e, 274, 3, 1, orientation), e += 12;            /* Orientation */
  put_entry (e, 277, 3, 1, 3), e += 12;                      /* SamplesPerPixel */
  put_entry (e, 278, 3, 1, SIDE), e += 12;                   /* RowsPerStrip */
  put_entry (e, 279, 4, 1, size), e += 12;                   /* StripByteCounts */
  put_entry (e, 284, 3, 1, 1);                               /* chunky */
  for (int i = 0; i < 3; i++)
    file[BPS_AT + 2 * i] = 8;
  for (int y = 0; y < SIDE; y++)
    memcpy (file + DATA_AT + y * SIDE * 3, rgb + y * stride, SIDE * 3);
  g_file_set_contents (path, (const char *) file, DATA_AT + size, &error);
  g_assert_no_error (error);
}

/* Colour images in JPEG, TIFF and (when its loader is installed) WebP all
 * decode, and a lossless TIFF copy of a JPEG, stored mirrored with
 * Orientation 2 ("mirror horizontal"), lands next to it: the orientation
 * is honoured. */
static void
test_embed_formats (void)
{
  const char *formats[] = { "jpeg", "tiff", "webp" };
  const char *extensions[] = { "jpg", "tif", "webp" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree char *folder = g_dir_make_tmp ("lightly-embed-formats-XXXXXX", &error);
  g_autoptr(LightlyImageEmbedding) emb = NULL;
  g_autoptr(GdkPixbuf) first = NULL;
  g_autoptr(GdkPixbuf) mirrored = NULL;
  g_autofree char *copy = NULL;
  guint n_written = 0, n_formats = can_save ("webp") ? 3 : 2, i_first = 0, i_copy = 0;
  double d_copy, d_other = G_MAXDOUBLE;

  g_assert_no_error (error);
  if (n_formats == 2)
    g_test_message ("no WebP saver installed: WebP not tested");
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, SIDE, SIDE);
      guint8 *pixels = gdk_pixbuf_get_pixels (pb);
      int stride = gdk_pixbuf_get_rowstride (pb);
      guint8 grid[16][3];
      guint f = i % n_formats;
      g_autofree char *name = g_strdup_printf ("c%02u.%s", i, extensions[f]);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      for (int b = 0; b < 16; b++)
        for (int c = 0; c < 3; c++)
          grid[b][c] = (guint8) g_rand_int_range (rand, 0, 256);
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
          memcpy (pixels + y * stride + x * 3, grid[(y / 8) * 4 + x / 8], 3);
      if (f == 1)
        write_tiff (path, pixels, stride, 1);
      else
        {
          g_assert_true (gdk_pixbuf_save (pb, path, formats[f], &error, NULL));
          g_assert_no_error (error);
        }
      if (i == 0)
        first = g_object_ref (pb);
      n_written++;
    }
  copy = g_build_filename (folder, "z-copy-of-c00.tif", NULL);
  mirrored = gdk_pixbuf_flip (first, TRUE);
  write_tiff (copy, gdk_pixbuf_read_pixels (mirrored), gdk_pixbuf_get_rowstride (mirrored), 2);
  n_written++;

  emb = lightly_image_embed_folder (folder, 64, 2, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (emb->failed->len, ==, 0);
  g_assert_cmpuint (emb->file_names->len, ==, n_written);
  for (guint i = 0; i < emb->file_names->len; i++)
    {
      if (g_strcmp0 (g_ptr_array_index (emb->file_names, i), "c00.jpg") == 0)
        i_first = i;
      if (g_strcmp0 (g_ptr_array_index (emb->file_names, i), "z-copy-of-c00.tif") == 0)
        i_copy = i;
    }
  d_copy = distance (emb->embeddings + (gsize) i_first * emb->dim,
                     emb->embeddings + (gsize) i_copy * emb->dim, emb->dim);
  for (guint i = 0; i < emb->file_names->len; i++)
    if (i != i_first && i != i_copy)
      d_other = MIN (d_other, distance (emb->embeddings + (gsize) i_first * emb->dim,
                                        emb->embeddings + (gsize) i * emb->dim, emb->dim));
  g_test_message ("TIFF copy of a JPEG at %.4f, nearest other image at %.4f", d_copy, d_other);
  g_assert_cmpfloat (d_copy * 3, <, d_other);
  remove_tree (folder);
}

/* ---- lightly-al embed ------------------------------------------------------- */

static int
run_embed (const char  *home,
           char       **out,
           char       **err,
           ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *data_home = g_build_filename (home, "data", NULL);
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) test_env_path ("LIGHTLY_TEST_LIGHTLY_AL"));
  g_ptr_array_add (argv, (gpointer) "embed");
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_SERVER_LOCATION");
  g_subprocess_launcher_unsetenv (launcher, "LIGHTLY_TOKEN");
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static void
test_cli_embed (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("lightly-embed-home-XXXXXX", &error);
  g_autofree char *csv = NULL, *csv2 = NULL, *out = NULL, *err = NULL;
  g_autofree char *contents = NULL, *contents2 = NULL;
  g_autofree char *store = NULL, *location = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  guint n_rows = 0;

  g_assert_no_error (error);
  csv = g_build_filename (home, "embeddings.csv", NULL);
  g_assert_cmpint (run_embed (home, &out, &err, folder, "-o", csv, "--quiet", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "skipped broken.png: "));
  g_assert_nonnull (strstr (err, "skipped notes.txt: "));
  g_assert_nonnull (strstr (out, "13 images embedded (6 dimensions)"));

  g_file_get_contents (csv, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\r\n", -1);
  header = g_strsplit (lines[0], ",", -1);
  g_assert_cmpuint (g_strv_length (header), ==, 1 + 6 + 1);
  g_assert_cmpstr (header[0], ==, "filenames");
  g_assert_cmpstr (header[1], ==, "embedding_0");
  g_assert_cmpstr (header[7], ==, "labels");
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], ",", -1);

      g_assert_cmpuint (g_strv_length (cells), ==, 8);
      g_assert_false (g_str_has_prefix (cells[0], "/"));
      g_assert_cmpstr (cells[7], ==, "0");
      n_rows++;
    }
  g_assert_cmpuint (n_rows, ==, N_RANDOM + 1);
  g_assert_null (strstr (contents, "broken.png"));
  g_assert_nonnull (strstr (contents, "\r\nsub/img-03.png,"));

  /* The same bytes on a second run, with another thread count. */
  csv2 = g_build_filename (home, "again.csv", NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_embed (home, &out, &err, folder, "-o", csv2, "--threads", "1", NULL), ==, 0);
  g_file_get_contents (csv2, &contents2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, contents2);

  /* Straight into a store: registered and uploaded. */
  store = g_build_filename (home, "store", NULL);
  location = g_filename_to_uri (store, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_embed (home, &out, &err, folder, "-o", csv2, "-l", location,
                              "--dataset", "mine", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "13 samples registered and embeddings uploaded to dataset “mine”"));

  /* Bad input: one line, exit code 1 or 2. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_embed (home, &out, &err, csv, NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "lightly-al: "));
  g_assert_nonnull (strstr (err, "is not a folder"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_embed (home, &out, &err, NULL), ==, 2);

  remove_tree (folder);
  remove_tree (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/embed/folder", test_embed_folder);
  g_test_add_func ("/embed/formats", test_embed_formats);
  if (g_getenv ("LIGHTLY_TEST_LIGHTLY_AL") != NULL)
    g_test_add_func ("/embed/cli", test_cli_embed);
  return g_test_run ();
}
