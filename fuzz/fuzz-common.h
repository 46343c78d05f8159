/* fuzz-common.h: what the libFuzzer harnesses share
 *
 * Each harness defines LLVMFuzzerTestOneInput() (and may define
 * LLVMFuzzerInitialize()). It is linked either with libFuzzer (-Dfuzzing,
 * fuzz/run.sh) or with replay-main.c, which feeds it the seed corpus and
 * the crash regressions in every ordinary build and test run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* json-glib recurses once per nesting level and overflows the stack on a
 * body nested ~100,000 deep (issue 12, hole 1; the server and client get a
 * depth limit before json-glib). The harnesses that reach json-glib skip
 * inputs deeper than this, so a run keeps finding other bugs. */
#define FUZZ_MAX_JSON_DEPTH 1000

/* The deepest [ / { nesting outside strings; a cheap over-estimate. */
static inline guint
fuzz_json_depth (const uint8_t *data,
                 size_t         size)
{
  guint depth = 0, max = 0;
  gboolean in_string = FALSE;

  for (size_t i = 0; i < size; i++)
    {
      uint8_t c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        max = MAX (max, ++depth);
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return max;
}

/* Criticals (g_return_if_fail) on input a client controls are bugs: make
 * them abort, so the fuzzer reports them. Debug and info output is dropped. */
static inline GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_standard_streams (level, fields, n_fields, user_data);
}

static inline void
fuzz_setup_logging (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
}

/* Splits data at the first '\n': the head (a NUL-terminated copy) and the
 * rest. Without a newline everything is the head. */
static inline char *
fuzz_take_line (const uint8_t **data,
                size_t         *size)
{
  const uint8_t *nl = memchr (*data, '\n', *size);
  size_t len = nl != NULL ? (size_t) (nl - *data) : *size;
  char *line = g_strndup ((const char *) *data, len);

  *data += nl != NULL ? len + 1 : len;
  *size -= nl != NULL ? len + 1 : len;
  return line;
}

G_END_DECLS
