/* See stubs.h. */
#include "stubs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

stub_value_t *stub_values;
size_t stub_values_num;
stub_log_t *stub_logs;
size_t stub_logs_num;
cdtime_t stub_interval = TIME_T_TO_CDTIME_T_STATIC(10);

int (*stub_config_cb)(oconfig_item_t *);
int (*stub_init_cb)(void);
int (*stub_shutdown_cb)(void);
plugin_read_cb stub_read_cb;

void stub_reset(void) {
  free(stub_values);
  stub_values = NULL;
  stub_values_num = 0;
  free(stub_logs);
  stub_logs = NULL;
  stub_logs_num = 0;
  stub_config_cb = NULL;
  stub_init_cb = NULL;
  stub_shutdown_cb = NULL;
  stub_read_cb = NULL;
}

const stub_value_t *stub_find(const char *plugin_instance, const char *type,
                              const char *type_instance) {
  const stub_value_t *found = NULL;

  for (size_t i = 0; i < stub_values_num; i++) {
    const stub_value_t *v = &stub_values[i];
    if (strcmp(v->plugin_instance, plugin_instance) == 0 &&
        strcmp(v->type, type) == 0 &&
        strcmp(v->type_instance, type_instance) == 0)
      found = v;
  }
  return found;
}

size_t stub_count_logs(int level, const char *text) {
  size_t n = 0;

  for (size_t i = 0; i < stub_logs_num; i++)
    if ((level < 0 || stub_logs[i].level == level) &&
        strstr(stub_logs[i].text, text) != NULL)
      n++;
  return n;
}

void stub_dump_logs(void) {
  for (size_t i = 0; i < stub_logs_num; i++)
    fprintf(stderr, "  log[%d]: %s\n", stub_logs[i].level, stub_logs[i].text);
}

void plugin_log(int level, const char *format, ...) {
  va_list ap;
  stub_log_t *log;

  stub_logs = realloc(stub_logs, (stub_logs_num + 1) * sizeof(*stub_logs));
  log = &stub_logs[stub_logs_num++];
  log->level = level;
  va_start(ap, format);
  vsnprintf(log->text, sizeof(log->text), format, ap);
  va_end(ap);
}

int plugin_dispatch_values(value_list_t const *vl) {
  stub_value_t *v;

  stub_values =
      realloc(stub_values, (stub_values_num + 1) * sizeof(*stub_values));
  v = &stub_values[stub_values_num++];
  memset(v, 0, sizeof(*v));
  snprintf(v->plugin, sizeof(v->plugin), "%s", vl->plugin);
  snprintf(v->plugin_instance, sizeof(v->plugin_instance), "%s",
           vl->plugin_instance);
  snprintf(v->type, sizeof(v->type), "%s", vl->type);
  snprintf(v->type_instance, sizeof(v->type_instance), "%s", vl->type_instance);
  v->value = vl->values[0].gauge;
  return 0;
}

cdtime_t plugin_get_interval(void) { return stub_interval; }

int plugin_register_complex_config(const char *type,
                                   int (*callback)(oconfig_item_t *)) {
  (void)type;
  stub_config_cb = callback;
  return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback) {
  (void)name;
  stub_init_cb = callback;
  return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback) {
  (void)name;
  stub_shutdown_cb = callback;
  return 0;
}

int plugin_register_complex_read(const char *group, const char *name,
                                 plugin_read_cb callback, cdtime_t interval,
                                 user_data_t const *user_data) {
  (void)group;
  (void)name;
  (void)interval;
  (void)user_data;
  stub_read_cb = callback;
  return 0;
}
