/* lightly.h: the one header of lightly-glib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __LIGHTLY_INSIDE__

#include "lightly-version-macros.h"
#include "lightly-version.h"
#include "lightly-enum-types.h"
#include "lightly-error.h"
#include "lightly-sampling-method.h"
#include "lightly-matrix-precision.h"
#include "lightly-sampler-config.h"
#include "lightly-bit-mask.h"
#include "lightly-scores.h"
#include "lightly-scorer.h"
#include "lightly-scorer-classification.h"
#include "lightly-bounding-box.h"
#include "lightly-object-detection-output.h"
#include "lightly-scorer-object-detection.h"
#include "lightly-scorer-semantic-segmentation.h"
#include "lightly-keypoint-instance.h"
#include "lightly-scorer-keypoint-detection.h"
#include "lightly-scorer-ensemble.h"
#include "lightly-tag.h"
#include "lightly-job.h"
#include "lightly-pick.h"
#include "lightly-query-result.h"
#include "lightly-dataset.h"
#include "lightly-embedding.h"
#include "lightly-api-workflow-client.h"
#include "lightly-agent.h"
#include "lightly-predictions.h"
#include "lightly-suggest-context.h"
#include "lightly-suggest-request.h"
#include "lightly-batch-suggester.h"
#include "lightly-embedder-result.h"
#include "lightly-embedder.h"

#undef __LIGHTLY_INSIDE__
