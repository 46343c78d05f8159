/* annotator-script.h: the test-only script (--test-script)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "annotator-application.h"
#include "annotator-window.h"

G_BEGIN_DECLS

typedef struct _AnnotatorScript AnnotatorScript;

AnnotatorScript *annotator_script_load  (const char            *path,
                                         GError               **error);
void             annotator_script_start (AnnotatorScript       *script,
                                         AnnotatorApplication  *app,
                                         AnnotatorWindow       *window);
void             annotator_script_free  (AnnotatorScript       *script);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AnnotatorScript, annotator_script_free)

G_END_DECLS
