/* Turns a document's progress into collectd value lists. */
#ifndef COZE_DISPATCH_H
#define COZE_DISPATCH_H

#include "coze_config.h"
#include "coze_response.h"

/* Dispatches progress (percent), status (gauge), size (bytes) and
 * remaining_time (timeleft) for doc, each only when the answer carried it.
 * Returns how many value lists were dispatched. */
int coze_dispatch_document(const coze_dataset_t *ds, const coze_document_t *doc,
                           const coze_progress_t *p);

#endif
