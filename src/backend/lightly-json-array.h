/* lightly-json-array.h: streaming JSON for large arrays (private)
 *
 * Score arrays and file-name lists can hold millions of entries; a json-glib
 * DOM of a 1M-element array costs about 0.6 s and 100 MB (DESIGN.md, JSON).
 * This codec writes such arrays straight into a GString and reads them with
 * a small scanner over the raw bytes, one element at a time, with no tree.
 * The scanner is strict JSON (RFC 8259): strings must be valid UTF-8, numbers
 * must be finite, and every error names the byte offset.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- Writing ----------------------------------------------------------- */

void     lightly_json_append_string       (GString            *out,
                                           const char         *str);
/* A finite double in the shortest form that reads back to the same value. */
void     lightly_json_append_double       (GString            *out,
                                           double              value);
/* n < 0: strv is NULL-terminated. */
void     lightly_json_append_string_array (GString            *out,
                                           const char * const *strv,
                                           gssize              n);
void     lightly_json_append_double_array (GString            *out,
                                           const double       *values,
                                           gsize               n);

/* ---- Reading ----------------------------------------------------------- */

typedef struct {
  const char *start;
  const char *p;
  const char *end;
  const char *what;     /* names the document in error messages */
} LightlyJsonScanner;

void     lightly_json_scanner_init        (LightlyJsonScanner *s,
                                           const char         *data,
                                           gsize               len,
                                           const char         *what);
/* Skips white space; returns the next byte or 0 at the end. */
char     lightly_json_scanner_peek        (LightlyJsonScanner *s);
gboolean lightly_json_scanner_expect      (LightlyJsonScanner *s,
                                           char                c,
                                           GError            **error);
/* Consumes c if it comes next. */
gboolean lightly_json_scanner_accept      (LightlyJsonScanner *s,
                                           char                c);
gboolean lightly_json_scanner_string      (LightlyJsonScanner *s,
                                           char              **out,
                                           GError            **error);
gboolean lightly_json_scanner_number      (LightlyJsonScanner *s,
                                           double             *out,
                                           GError            **error);
gboolean lightly_json_scanner_skip_value  (LightlyJsonScanner *s,
                                           GError            **error);
/* Appends the elements of an array of strings (char *, owned) / numbers. */
gboolean lightly_json_scanner_string_array (LightlyJsonScanner *s,
                                            GPtrArray          *out,
                                            GError            **error);
gboolean lightly_json_scanner_double_array (LightlyJsonScanner *s,
                                            GArray             *out,
                                            GError            **error);
/* Only white space may follow. */
gboolean lightly_json_scanner_end         (LightlyJsonScanner *s,
                                           GError            **error);

/* A whole document that is an array of strings: a NULL-terminated strv. */
char   **lightly_json_parse_string_array  (const char         *data,
                                           gsize               len,
                                           const char         *what,
                                           gsize              *n_out,
                                           GError            **error);
/* A whole document that is an array of numbers. */
double  *lightly_json_parse_double_array  (const char         *data,
                                           gsize               len,
                                           const char         *what,
                                           gsize              *n_out,
                                           GError            **error);

/* The body of S1: {"scoreType": "…", "scores": [numbers…]}, keys in any
 * order, other keys skipped. Both are required. */
gboolean lightly_json_parse_scores_request (const char        *data,
                                            gsize              len,
                                            char             **score_type,
                                            double           **values,
                                            gsize             *n_values,
                                            GError           **error);

/* The same, refusing more than max_values scores before holding them (the
 * server knows how many the tag takes). */
gboolean lightly_json_parse_scores_request_max (const char        *data,
                                                gsize              len,
                                                gsize              max_values,
                                                char             **score_type,
                                                double           **values,
                                                gsize             *n_values,
                                                GError           **error);

G_END_DECLS
