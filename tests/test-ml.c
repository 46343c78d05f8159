/* test-ml.c: the machine-learning helpers in tools/ml (IDX, PNG, PCA,
 * logistic regression, CSV floats, the Fashion-MNIST pipeline) */
#include <locale.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include <lightly/lightly.h>
#include "ml/lightly-idx.h"
#include "ml/lightly-png.h"
#include "ml/lightly-pca.h"
#include "ml/lightly-logreg.h"
#include "ml/lightly-fashion-mnist.h"
#include "test-utils.h"

#define FMNIST_DIR LIGHTLY_FASHION_MNIST_DEFAULT_DIR

static char *tmpdir;

static GBytes *
gzip_bytes (const guint8 *data, gsize len)
{
  g_autoptr(GZlibCompressor) zlib = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (zlib));
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (out, data, len, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static char *
write_file (const char *name, const void *data, gsize len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
  return path;
}

/* An IDX image file of @n items of 3×2 (item i, pixel j = 10 i + j), with
 * @extra bytes of junk or minus -extra bytes at the end. */
static char *
write_idx_images (const char *name, guint32 n_header, guint n_data, gint extra, gboolean gzip)
{
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  guint8 head[16] = { 0, 0, 8, 3, n_header >> 24, (n_header >> 16) & 0xff,
                      (n_header >> 8) & 0xff, n_header & 0xff, 0, 0, 0, 3, 0, 0, 0, 2 };
  guint i, j;

  g_byte_array_append (raw, head, 16);
  for (i = 0; i < n_data; i++)
    for (j = 0; j < 6; j++)
      {
        guint8 b = (guint8) (10 * i + j);

        g_byte_array_append (raw, &b, 1);
      }
  for (; extra > 0; extra--)
    g_byte_array_append (raw, (const guint8 *) "x", 1);
  if (extra < 0)
    g_byte_array_set_size (raw, raw->len - (guint) -extra);
  if (gzip)
    {
      g_autoptr(GBytes) gz = gzip_bytes (raw->data, raw->len);

      return write_file (name, g_bytes_get_data (gz, NULL), g_bytes_get_size (gz));
    }
  return write_file (name, raw->data, raw->len);
}

static void
assert_idx_error (const char *path, guint dims, gsize offset, gsize limit, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyIdx) idx = lightly_idx_read (path, dims, offset, limit, NULL, &error);

  g_assert_null (idx);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, path));
  if (strstr (error->message, needle) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, needle);
}

static void
test_idx_slices (void)
{
  g_autofree char *path = write_idx_images ("img.gz", 5, 5, 0, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyIdx) all = NULL, mid = NULL;
  guint i;

  all = lightly_idx_read (path, 3, 0, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->n_items, ==, 5);
  g_assert_cmpuint (all->n_total, ==, 5);
  g_assert_cmpuint (all->rows, ==, 3);
  g_assert_cmpuint (all->cols, ==, 2);
  g_assert_cmpuint (all->item_size, ==, 6);
  for (i = 0; i < 30; i++)
    g_assert_cmpuint (all->data[i], ==, 10 * (i / 6) + i % 6);

  mid = lightly_idx_read (path, 0, 1, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mid->n_items, ==, 2);
  g_assert_cmpuint (mid->data[0], ==, 10);
  g_assert_cmpuint (mid->data[11], ==, 25);
}

static void
test_idx_errors (void)
{
  g_autofree char *ok = write_idx_images ("ok.gz", 5, 5, 0, TRUE);
  g_autofree char *trunc = write_idx_images ("trunc.gz", 5, 4, 0, TRUE);
  g_autofree char *trailing = write_idx_images ("trailing.gz", 5, 5, 3, TRUE);
  g_autofree char *plain = write_idx_images ("plain.idx", 5, 5, 0, FALSE);
  g_autofree char *short_head = write_idx_images ("head.gz", 5, 0, -6, TRUE);
  g_autofree char *cut = NULL, *badmagic = NULL, *empty = NULL, *missing = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyIdx) idx = NULL;
  g_autofree char *gz = NULL;
  gsize len;

  /* A gzip stream cut in half. */
  g_file_get_contents (ok, &gz, &len, &error);
  g_assert_no_error (error);
  cut = write_file ("cut.gz", gz, len / 2);
  {
    guint8 bad[12] = { 1, 2, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1 };
    g_autoptr(GBytes) b = gzip_bytes (bad, sizeof bad);

    badmagic = write_file ("magic.gz", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  }
  {
    guint8 zero[16] = { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 };
    g_autoptr(GBytes) b = gzip_bytes (zero, sizeof zero);

    empty = write_file ("empty.gz", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  }

  assert_idx_error (trunc, 3, 0, 0, "truncated");
  assert_idx_error (trunc, 3, 2, 3, "truncated");
  /* A slice inside the intact part of a truncated file is fine. */
  idx = lightly_idx_read (trunc, 3, 0, 4, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (idx->n_items, ==, 4);
  assert_idx_error (trailing, 3, 0, 0, "trailing data");
  assert_idx_error (plain, 3, 0, 0, "not a gzip file");
  assert_idx_error (short_head, 3, 0, 0, "truncated");
  assert_idx_error (cut, 3, 0, 0, "gzip");
  assert_idx_error (badmagic, 0, 0, 0, "magic");
  assert_idx_error (empty, 3, 0, 0, "empty");
  assert_idx_error (ok, 1, 0, 0, "expected 1");
  assert_idx_error (ok, 3, 6, 0, "offset 6");
  assert_idx_error (ok, 3, 2, 4, "holds 5");

  missing = g_build_filename (tmpdir, "missing.gz", NULL);
  g_clear_pointer (&idx, lightly_idx_free);
  idx = lightly_idx_read (missing, 3, 0, 0, NULL, &error);
  g_assert_null (idx);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_idx_fashion_mnist (void)
{
  static const guint8 train[10] = { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 };
  static const guint8 test[10] = { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyIdx) a = NULL, b = NULL, img = NULL;
  guint sum = 0, i;

  a = lightly_idx_read (FMNIST_DIR "/train-labels-idx1-ubyte.gz", 1, 0, 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->n_total, ==, 60000);
  g_assert_cmpmem (a->data, 10, train, 10);
  b = lightly_idx_read (FMNIST_DIR "/t10k-labels-idx1-ubyte.gz", 1, 5, 5, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (b->data, 5, test + 5, 5);
  img = lightly_idx_read (FMNIST_DIR "/train-images-idx3-ubyte.gz", 3, 1, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (img->rows, ==, 28);
  g_assert_cmpuint (img->cols, ==, 28);
  for (i = 0; i < 784; i++)
    sum += img->data[i];
  g_assert_cmpuint (sum, ==, 84598);   /* numpy: train image 1 sums to 84598 */
}

static void
test_png_round_trip (void)
{
  guint8 px[28 * 30];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree guint8 *back = NULL, *from_file = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "t.png", NULL);
  g_autofree char *contents = NULL;
  guint w = 0, h = 0, r, c;
  gsize len;

  g_assert_cmphex (lightly_png_crc32 (0, (const guint8 *) "123456789", 9), ==, 0xcbf43926);

  /* 28 × 28 pixels in rows of stride 30. */
  for (r = 0; r < 28; r++)
    for (c = 0; c < 30; c++)
      px[r * 30 + c] = (guint8) (r * 9 + c * 7 + (r * c) % 13);
  png = lightly_png_encode_gray8 (px, 28, 28, 30, &error);
  g_assert_no_error (error);
  back = lightly_png_decode_gray8 (g_bytes_get_data (png, NULL), g_bytes_get_size (png), &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, 28);
  g_assert_cmpuint (h, ==, 28);
  for (r = 0; r < 28; r++)
    g_assert_cmpmem (back + r * 28, 28, px + r * 30, 28);

  g_assert_true (lightly_png_write_gray8 (path, px, 28, 28, 30, &error));
  g_assert_no_error (error);
  /* Rewriting identical content leaves the file; new content replaces it. */
  g_assert_true (lightly_png_write_gray8 (path, px, 28, 28, 30, &error));
  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  px[0] ^= 0xff;
  g_assert_true (lightly_png_write_gray8 (path, px, 28, 28, 30, &error));
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (path, &contents, &len, &error);
  from_file = lightly_png_decode_gray8 ((const guint8 *) contents, len, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (from_file[0], ==, px[0]);

  /* If file(1) is installed, it must recognise the image too. */
  if (g_file_test ("/usr/bin/file", G_FILE_TEST_IS_EXECUTABLE))
    {
      const char *argv[] = { "/usr/bin/file", "-b", path, NULL };
      g_autofree char *out = NULL;
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_nonnull (strstr (out, "PNG image data, 28 x 28, 8-bit grayscale, non-interlaced"));
    }
}

static void
test_png_errors (void)
{
  guint8 px[4] = { 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree guint8 *copy = NULL;
  guint8 *bad;
  gsize len;

  g_assert_null (lightly_png_encode_gray8 (px, 0, 2, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_png_encode_gray8 (px, 2, 2, 1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  png = lightly_png_encode_gray8 (px, 2, 2, 2, &error);
  g_assert_no_error (error);
  len = g_bytes_get_size (png);
  copy = g_memdup2 (g_bytes_get_data (png, NULL), len);
  copy[len - 20] ^= 1;   /* inside IDAT */
  bad = lightly_png_decode_gray8 (copy, len, NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "CRC"));
  g_clear_error (&error);
  bad = lightly_png_decode_gray8 (copy, 20, NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
}

/* A random orthonormal n × n matrix (rows) by Gram–Schmidt. */
static void
random_orthonormal (GRand *rand, guint n, double *q)
{
  guint i, j, t;

  for (i = 0; i < n * n; i++)
    q[i] = g_rand_double_range (rand, -1, 1);
  for (i = 0; i < n; i++)
    {
      double norm = 0;

      for (j = 0; j < i; j++)
        {
          double dot = 0;

          for (t = 0; t < n; t++)
            dot += q[i * n + t] * q[j * n + t];
          for (t = 0; t < n; t++)
            q[i * n + t] -= dot * q[j * n + t];
        }
      for (t = 0; t < n; t++)
        norm += q[i * n + t] * q[i * n + t];
      for (t = 0; t < n; t++)
        q[i * n + t] /= sqrt (norm);
    }
}

static void
test_eigen_known (void)
{
  /* A = Qᵀ diag(λ) Q with a triple and a double eigenvalue. */
  static const double lam[10] = { 9, 5, 5, 5, 3, 2.5, 2.5, 1, 0.5, 0 };
  const guint n = 10, k = 7;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  double q[100], a[100], vals[10], vecs[100];
  g_autoptr(GError) error = NULL;
  guint i, j, t;

  random_orthonormal (rand, n, q);
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      {
        a[i * n + j] = 0;
        for (t = 0; t < n; t++)
          a[i * n + j] += q[t * n + i] * lam[t] * q[t * n + j];
      }
  g_assert_true (lightly_pca_symmetric_eigen (a, n, k, vals, vecs, &error));
  g_assert_no_error (error);
  for (i = 0; i < k; i++)
    {
      g_assert_cmpfloat_with_epsilon (vals[i], lam[i], 1e-12);
      /* Residual ‖A v − λ v‖ and orthonormality. */
      for (j = 0; j < n; j++)
        {
          double av = 0;

          for (t = 0; t < n; t++)
            av += a[j * n + t] * vecs[i * n + t];
          g_assert_cmpfloat (fabs (av - vals[i] * vecs[i * n + j]), <, 1e-12);
        }
      for (j = 0; j <= i; j++)
        {
          double dot = 0;

          for (t = 0; t < n; t++)
            dot += vecs[i * n + t] * vecs[j * n + t];
          g_assert_cmpfloat (fabs (dot - (i == j)), <, 1e-12);
        }
    }

  /* Diagonal (already tridiagonal) and 1 × 1 matrices. */
  memset (a, 0, sizeof a);
  for (i = 0; i < 4; i++)
    a[i * 4 + i] = (double) ((i * 3) % 4);     /* 0, 3, 2, 1 */
  g_assert_true (lightly_pca_symmetric_eigen (a, 4, 4, vals, vecs, &error));
  g_assert_cmpfloat (vals[0], ==, 3);
  g_assert_cmpfloat (vals[3], ==, 0);
  g_assert_cmpfloat (fabs (vecs[1]), ==, 1);
  a[0] = 2.5;
  g_assert_true (lightly_pca_symmetric_eigen (a, 1, 1, vals, vecs, &error));
  g_assert_cmpfloat (vals[0], ==, 2.5);
  g_assert_cmpfloat (vecs[0], ==, 1);
}

static void
test_pca_whitening (void)
{
  /* n samples whose sample covariance is exactly Qᵀ diag(λ) Q: orthogonal,
   * zero-mean columns scaled to unit sample variance, then rotated. */
  const guint n = 400, d = 12, k = 5;
  static const double lam[12] = { 16, 9, 4, 2, 1, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01, 0.001 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autofree double *z = g_new (double, n * d);
  g_autofree float *x = g_new (float, n * d), *out = g_new (float, n * k), *out2 = g_new (float, n * k);
  g_autoptr(LightlyPca) pca = NULL, pca2 = NULL;
  g_autoptr(GError) error = NULL;
  double q[144];
  guint i, j, t, s;

  for (i = 0; i < n * d; i++)
    z[i] = g_rand_double_range (rand, -1, 1);
  for (j = 0; j < d; j++)
    {
      double mean = 0, norm = 0;

      for (s = 0; s < n; s++)
        mean += z[s * d + j];
      for (s = 0; s < n; s++)
        z[s * d + j] -= mean / n;
      for (t = 0; t < j; t++)
        {
          double dot = 0;

          for (s = 0; s < n; s++)
            dot += z[s * d + j] * z[s * d + t];
          for (s = 0; s < n; s++)
            z[s * d + j] -= dot * z[s * d + t];
        }
      for (s = 0; s < n; s++)
        norm += z[s * d + j] * z[s * d + j];
      for (s = 0; s < n; s++)
        z[s * d + j] /= sqrt (norm);
    }
  random_orthonormal (rand, d, q);
  for (s = 0; s < n; s++)
    for (j = 0; j < d; j++)
      {
        double v = 3.0 + j;    /* a non-zero mean */

        for (t = 0; t < d; t++)
          v += z[s * d + t] * sqrt (lam[t] * (n - 1)) * q[t * d + j];
        x[s * d + j] = (float) v;
      }

  pca = lightly_pca_fit (x, n, d, k, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pca->k, ==, k);
  for (j = 0; j < d; j++)
    g_assert_cmpfloat_with_epsilon (pca->mean[j], 3.0 + j, 1e-5);
  for (t = 0; t < k; t++)
    {
      double dot = 0;

      /* Float input: eigenvalues to float precision, vectors up to sign. */
      g_assert_cmpfloat (fabs (pca->eigenvalues[t] - lam[t]) / lam[t], <, 1e-5);
      for (j = 0; j < d; j++)
        dot += pca->components[t * d + j] * q[t * d + j];
      g_assert_cmpfloat (fabs (fabs (dot) - 1), <, 1e-6);
    }

  /* Whitened pool: zero mean, identity sample covariance. */
  lightly_pca_transform (pca, x, n, out);
  for (i = 0; i < k; i++)
    for (j = 0; j <= i; j++)
      {
        double c = 0, mi = 0;

        for (s = 0; s < n; s++)
          {
            c += (double) out[s * k + i] * out[s * k + j];
            mi += out[s * k + i];
          }
        g_assert_cmpfloat (fabs (mi / n), <, 1e-6);
        g_assert_cmpfloat (fabs (c / (n - 1) - (i == j)), <, 1e-6);
      }

  /* Deterministic. */
  pca2 = lightly_pca_fit (x, n, d, k, &error);
  g_assert_no_error (error);
  lightly_pca_transform (pca2, x, n, out2);
  g_assert_cmpmem (out, n * k * sizeof (float), out2, n * k * sizeof (float));
}

static void
test_pca_errors (void)
{
  float x[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_autoptr(GError) error = NULL;

  g_assert_null (lightly_pca_fit (x, 4, 3, 4, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_pca_fit (x, 3, 4, 3, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  x[7] = NAN;
  g_assert_null (lightly_pca_fit (x, 4, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "row 2, column 1"));
}

static void
test_logreg_sklearn (void)
{
  /* The optimum of scikit-learn's objective for LogisticRegression(C=1.0)
   * on this data, from scipy's L-BFGS-B at gtol 1e-14 (max |∇f| 8e-9).
   * scikit-learn 1.2.1 itself stops earlier (max |∇f| 1.4e-5) and agrees
   * to 1e-5: coef -0.6993360852 0.8150810376 …, intercept 0.046166051 …. */
  static const float x[20] = { 0, 1, 1, 0.5, 2, -1, -1, -1.5, 0.5, 2, -2, 0.5, 1.5, 1.5,
                               -0.5, -0.5, 3, 0, 0, -3 };
  static const guint y[10] = { 0, 1, 2, 2, 0, 0, 1, 2, 1, 2 };
  static const double coef[6] = { -0.699342376458, 0.815083664892, 0.778882429168,
                                  0.313048838301, -0.07954005271, -1.128132503193 };
  static const double intercept[3] = { 0.046166232275, -0.482055517456, 0.435889285181 };
  LightlyLogregOptions opt;
  g_autoptr(LightlyLogreg) m = NULL;
  g_autoptr(GError) error = NULL;
  double proba[6];
  guint i;

  lightly_logreg_options_init (&opt);
  opt.normalize = FALSE;
  opt.gtol = 1e-10;
  opt.ftol = 0;
  m = lightly_logreg_fit (x, 10, 2, y, 3, &opt, &error);
  g_assert_no_error (error);
  g_assert_true (m->converged);
  for (i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (m->weights[i], coef[i], 1e-8);
  for (i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (m->intercepts[i], intercept[i], 1e-8);
  lightly_logreg_predict_proba (m, x, 2, proba);
  g_assert_cmpfloat_with_epsilon (proba[0], 0.637583006109, 1e-8);
  g_assert_cmpfloat_with_epsilon (proba[4], 0.496675076852, 1e-8);
}

static void
test_logreg_separable (void)
{
  /* Four well-separated clusters in 6-D, rows at different scales (the fit
   * normalises them). */
  const guint n = 80, d = 6, k = 4;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree float *x = g_new (float, n * d);
  g_autofree guint *y = g_new (guint, n);
  g_autofree double *proba = g_new (double, n * k);
  g_autofree double *grad = g_new (double, k * (d + 1));
  g_autoptr(LightlyLogreg) m = NULL;
  g_autoptr(GError) error = NULL;
  LightlyLogregOptions opt;
  double f0;
  guint i, j, c;

  for (i = 0; i < n; i++)
    {
      double scale = g_rand_double_range (rand, 0.5, 20);

      y[i] = i % k;
      for (j = 0; j < d; j++)
        x[i * d + j] = (float) (scale * ((j == y[i] ? 3.0 : 0.0) + 1.0 + g_rand_double_range (rand, -0.3, 0.3)));
    }
  lightly_logreg_options_init (&opt);
  m = lightly_logreg_fit (x, n, d, y, k, &opt, &error);
  g_assert_no_error (error);
  g_assert_true (m->converged);
  g_assert_cmpfloat (lightly_logreg_accuracy (m, x, n, y), ==, 1.0);

  /* The optimum: the gradient, recomputed independently of the fit, is
   * within tolerance. */
  f0 = lightly_logreg_objective (m, x, n, y, opt.c, grad);
  g_assert_cmpfloat (fabs (f0 - m->objective), <, 1e-9 * MAX (1, f0));
  for (i = 0; i < k * (d + 1); i++)
    g_assert_cmpfloat (fabs (grad[i]), <=, opt.gtol);

  /* Probabilities are in [0, 1] and rows sum to 1. */
  lightly_logreg_predict_proba (m, x, n, proba);
  for (i = 0; i < n; i++)
    {
      double sum = 0;

      for (c = 0; c < k; c++)
        {
          g_assert_cmpfloat (proba[i * k + c], >=, 0);
          g_assert_cmpfloat (proba[i * k + c], <=, 1);
          sum += proba[i * k + c];
        }
      g_assert_cmpfloat (fabs (sum - 1), <, 1e-12);
    }
}

static void
test_logreg_gradient (void)
{
  /* The analytic gradient matches central differences away from the optimum. */
  const guint n = 30, d = 4, k = 3;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autofree float *x = g_new (float, n * d);
  g_autofree guint *y = g_new (guint, n);
  g_autofree double *grad = g_new (double, k * (d + 1));
  LightlyLogreg m = { d, k, TRUE, NULL, NULL, 0, 0, 0, FALSE };
  double w[12], b[3];
  guint i, c, j;

  for (i = 0; i < n * d; i++)
    x[i] = (float) g_rand_double_range (rand, -2, 2);
  for (i = 0; i < n; i++)
    y[i] = (guint) g_rand_int_range (rand, 0, (gint32) k);
  for (i = 0; i < k * d; i++)
    w[i] = g_rand_double_range (rand, -1, 1);
  for (c = 0; c < k; c++)
    b[c] = g_rand_double_range (rand, -1, 1);
  m.weights = w;
  m.intercepts = b;

  lightly_logreg_objective (&m, x, n, y, 0.7, grad);
  for (c = 0; c < k; c++)
    for (j = 0; j <= d; j++)
      {
        double *p = j < d ? &w[c * d + j] : &b[c], keep = *p, h = 1e-6, fp, fm;

        *p = keep + h;
        fp = lightly_logreg_objective (&m, x, n, y, 0.7, NULL);
        *p = keep - h;
        fm = lightly_logreg_objective (&m, x, n, y, 0.7, NULL);
        *p = keep;
        g_assert_cmpfloat (fabs ((fp - fm) / (2 * h) - grad[c * (d + 1) + j]), <, 1e-6);
      }
}

static void
test_logreg_errors (void)
{
  float x[4] = { 1, 2, 3, 4 };
  guint y[2] = { 0, 3 };
  g_autoptr(GError) error = NULL;
  LightlyLogregOptions opt;

  g_assert_null (lightly_logreg_fit (x, 2, 2, y, 3, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "label 3"));
  g_clear_error (&error);
  y[1] = 1;
  g_assert_null (lightly_logreg_fit (x, 2, 2, y, 1, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  x[3] = INFINITY;
  g_assert_null (lightly_logreg_fit (x, 2, 2, y, 2, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  x[3] = 4;
  lightly_logreg_options_init (&opt);
  opt.c = 0;
  g_assert_null (lightly_logreg_fit (x, 2, 2, y, 2, &opt, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
}

static void
test_format_float (void)
{
  /* Expected strings are Python's str(numpy.float32(v)). */
  static const struct { float v; const char *s; } cases[] = {
    { 0.29625183f, "0.29625183" }, { 1.0f, "1.0" }, { 1e-5f, "1e-05" },
    { -51.535f, "-51.535" }, { 1e16f, "1e+16" }, { 0.1f, "0.1" },
    { 123456.0f, "123456.0" }, { 1e7f, "10000000.0" }, { 3.4028235e38f, "3.4028235e+38" },
    { 1.5e-45f, "1e-45" }, { -0.0001f, "-1e-04" }, { 0.00011f, "0.00011" }, { 0.0f, "0.0" },
  };
  char buf[32];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (lightly_format_float32 (cases[i].v, buf), ==, cases[i].s);
  g_assert_cmpstr (lightly_format_float32 (NAN, buf), ==, "nan");
}

static void
test_csv (void)
{
  const char *names[] = { "a.png", "b/c.png" };
  const float emb[4] = { 0.5f, -1.25f, 3.0f, 1e-5f };
  const guint labels[2] = { 0, 7 };
  const char *bad[] = { "a.png", "x,y.png" };
  g_autofree char *path = g_build_filename (tmpdir, "embeddings.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (lightly_embeddings_csv_write (path, names, emb, 2, 2, labels, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_cmpstr (text, ==,
                   "filenames,embedding_0,embedding_1,labels\r\n"
                   "a.png,0.5,-1.25,0\r\n"
                   "b/c.png,3.0,1e-05,7\r\n");
  g_assert_false (lightly_embeddings_csv_write (path, bad, emb, 2, 2, labels, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "x,y.png"));
}

/* With LC_NUMERIC at a locale whose decimal separator is a comma (as
 * lightly-al sets the user's), numbers still go into files with a point:
 * "%e" gave 0,5 there, and the row a column too many per value. */
static void
test_csv_comma_locale (void)
{
  const char *names[] = { "a.png" };
  const float emb[3] = { 0.5f, 0.29625183f, 1e-5f };
  const guint labels[1] = { 3 };
  g_autofree char *dir = test_make_tmp_dir ("lightly-ml-locale");
  g_autofree char *locales = test_comma_locale (dir);
  g_autofree char *path = g_build_filename (dir, "embeddings.csv", NULL);
  g_autofree char *text = NULL;
  g_autofree char *before = g_strdup (setlocale (LC_NUMERIC, NULL));
  g_autoptr(GError) error = NULL;
  char buf[32];

  g_setenv ("LOCPATH", locales, TRUE);
  g_assert_nonnull (setlocale (LC_NUMERIC, "de_DE.UTF-8"));
  /* The locale took. */
  g_snprintf (buf, sizeof buf, "%.1f", 0.5);
  g_assert_cmpstr (buf, ==, "0,5");

  g_assert_cmpstr (lightly_format_float32 (0.29625183f, buf), ==, "0.29625183");
  g_assert_cmpstr (lightly_format_float32 (-51.535f, buf), ==, "-51.535");
  g_assert_cmpstr (lightly_format_float32 (3.4028235e38f, buf), ==, "3.4028235e+38");
  g_assert_true (lightly_embeddings_csv_write (path, names, emb, 1, 3, labels, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==,
                   "filenames,embedding_0,embedding_1,embedding_2,labels\r\n"
                   "a.png,0.5,0.29625183,1e-05,3\r\n");
  /* The caller's locale is left as it was. */
  g_snprintf (buf, sizeof buf, "%.1f", 0.5);
  g_assert_cmpstr (buf, ==, "0,5");

  g_assert_nonnull (setlocale (LC_NUMERIC, before));
  g_unsetenv ("LOCPATH");
  test_rm_rf (dir);
}

static void
test_fashion_mnist_small (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyFashionMnist) fm = NULL;
  g_autofree char *folder = g_build_filename (tmpdir, "thumbs", NULL);
  g_autofree char *csv = g_build_filename (tmpdir, "thumbs", "embeddings.csv", NULL);
  g_autofree char *png_path = g_build_filename (folder, "fmnist-00001.png", NULL);
  g_autofree char *png = NULL, *text = NULL, *name = lightly_fashion_mnist_file_name (42);
  g_autofree guint8 *px = NULL;
  gsize len;
  guint w, h, j;

  g_assert_cmpstr (name, ==, "fmnist-00042.png");
  g_assert_cmpstr (lightly_fashion_mnist_class_name (9), ==, "Ankle boot");
  g_assert_null (lightly_fashion_mnist_class_name (10));

  fm = lightly_fashion_mnist_load (FMNIST_DIR, 60, 20, 8, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fm->pool_labels[0], ==, 9);
  g_assert_cmpuint (fm->test_labels[1], ==, 2);
  /* Whitened pool embeddings: unit sample variance per component. */
  for (j = 0; j < 8; j++)
    {
      double m = 0, v = 0;
      guint i;

      for (i = 0; i < 60; i++)
        m += fm->pool_embeddings[i * 8 + j];
      m /= 60;
      for (i = 0; i < 60; i++)
        v += (fm->pool_embeddings[i * 8 + j] - m) * (fm->pool_embeddings[i * 8 + j] - m);
      g_assert_cmpfloat (fabs (v / 59 - 1), <, 1e-4);
    }

  g_assert_true (lightly_fashion_mnist_write_thumbnails (fm, folder, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_fashion_mnist_write_embeddings_csv (fm, csv, &error));
  g_assert_no_error (error);
  g_file_get_contents (png_path, &png, &len, &error);
  g_assert_no_error (error);
  px = lightly_png_decode_gray8 ((const guint8 *) png, len, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, 28);
  g_assert_cmpmem (px, 784, fm->pool_pixels + 784, 784);
  g_file_get_contents (csv, &text, &len, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "filenames,embedding_0,"));
  g_assert_nonnull (strstr (text, "embedding_7,labels\r\nfmnist-00000.png,"));
  g_assert_true (g_str_has_suffix (text, ",9\r\n") || g_str_has_suffix (text, "\r\n"));

  g_clear_pointer (&fm, lightly_fashion_mnist_free);
  fm = lightly_fashion_mnist_load (FMNIST_DIR, 8, 20, 8, NULL, &error);
  g_assert_null (fm);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  fm = lightly_fashion_mnist_load (tmpdir, 60, 20, 8, NULL, &error);
  g_assert_null (fm);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("test-ml-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/ml/idx/slices", test_idx_slices);
  g_test_add_func ("/ml/idx/errors", test_idx_errors);
  g_test_add_func ("/ml/idx/fashion-mnist", test_idx_fashion_mnist);
  g_test_add_func ("/ml/png/round-trip", test_png_round_trip);
  g_test_add_func ("/ml/png/errors", test_png_errors);
  g_test_add_func ("/ml/pca/eigen-known", test_eigen_known);
  g_test_add_func ("/ml/pca/whitening", test_pca_whitening);
  g_test_add_func ("/ml/pca/errors", test_pca_errors);
  g_test_add_func ("/ml/logreg/sklearn", test_logreg_sklearn);
  g_test_add_func ("/ml/logreg/separable", test_logreg_separable);
  g_test_add_func ("/ml/logreg/gradient", test_logreg_gradient);
  g_test_add_func ("/ml/logreg/errors", test_logreg_errors);
  g_test_add_func ("/ml/csv/float-format", test_format_float);
  g_test_add_func ("/ml/csv/write", test_csv);
  g_test_add_func ("/ml/csv/comma-locale", test_csv_comma_locale);
  g_test_add_func ("/ml/fashion-mnist/small", test_fashion_mnist_small);
  ret = g_test_run ();
  test_rm_rf (tmpdir);
  g_free (tmpdir);
  return ret;
}
