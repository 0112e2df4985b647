/* Maps the API's fields onto stock collectd types, so every writer
 * (Graphite, InfluxDB, Prometheus) works without an extra types.db:
 * host/coze-<dataset>/<type>-<document>. */
#include <stddef.h>
#include <stdio.h>

#include "collectd/core/daemon/plugin.h"

#include "coze_dispatch.h"

static const struct {
  unsigned flag;
  const char *type;
  size_t offset; /* of the field in coze_progress_t */
} coze_fields[] = {
    {COZE_HAS_PROGRESS, "percent", offsetof(coze_progress_t, progress)},
    {COZE_HAS_STATUS, "gauge", offsetof(coze_progress_t, status)},
    {COZE_HAS_SIZE, "bytes", offsetof(coze_progress_t, size)},
    {COZE_HAS_REMAINING, "timeleft", offsetof(coze_progress_t, remaining_time)},
};

static gauge_t field_value(const coze_progress_t *p, size_t offset) {
  const int64_t *field = (const int64_t *)((const char *)p + offset);
  return (gauge_t)*field;
}

int coze_dispatch_document(const coze_dataset_t *ds, const coze_document_t *doc,
                           const coze_progress_t *p) {
  value_list_t vl = VALUE_LIST_INIT;
  value_t value;
  int n = 0;

  vl.values = &value;
  vl.values_len = 1;
  snprintf(vl.plugin, sizeof(vl.plugin), "coze");
  snprintf(vl.plugin_instance, sizeof(vl.plugin_instance), "%s", ds->instance);
  snprintf(vl.type_instance, sizeof(vl.type_instance), "%s", doc->instance);

  for (size_t i = 0; i < sizeof(coze_fields) / sizeof(coze_fields[0]); i++) {
    if (!(p->fields & coze_fields[i].flag))
      continue;
    value.gauge = field_value(p, coze_fields[i].offset);
    snprintf(vl.type, sizeof(vl.type), "%s", coze_fields[i].type);
    if (plugin_dispatch_values(&vl) == 0)
      n++;
  }
  return n;
}
