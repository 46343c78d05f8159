/* lightly-memory.c: large arrays on huge pages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "lightly-memory-private.h"

#define HUGE_PAGE ((gsize) 2 << 20)

gpointer
lightly_memory_try_alloc_large (gsize bytes)
{
#ifdef MADV_HUGEPAGE
  if (bytes >= HUGE_PAGE)
    {
      void *mem = NULL;

      if (posix_memalign (&mem, HUGE_PAGE, bytes) != 0)
        return NULL;
      /* The tail stays in small pages: the advice never costs more memory
       * than asked for. A kernel without huge pages ignores it. */
      madvise (mem, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
      return mem;
    }
#endif
  return g_try_malloc (bytes);
}
