/* lightly-selection.h: the selection engine (private; no GObject, no I/O)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

G_END_DECLS
