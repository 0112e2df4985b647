/* Stand-ins for the few daemon functions the plugin calls, so the Check
 * tests run the plugin's real code without the daemon: log lines and
 * dispatched values are captured for the tests to inspect. */
#ifndef COZE_T_STUBS_H
#define COZE_T_STUBS_H

#include <stddef.h>

#include "collectd/core/daemon/plugin.h"

typedef struct stub_value {
  char plugin[DATA_MAX_NAME_LEN];
  char plugin_instance[DATA_MAX_NAME_LEN];
  char type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  double value;
} stub_value_t;

typedef struct stub_log {
  int level;
  char text[1024];
} stub_log_t;

extern stub_value_t *stub_values;
extern size_t stub_values_num;
extern stub_log_t *stub_logs;
extern size_t stub_logs_num;
extern cdtime_t stub_interval;

/* What module_register registered. */
extern int (*stub_config_cb)(oconfig_item_t *);
extern int (*stub_init_cb)(void);
extern int (*stub_shutdown_cb)(void);
extern plugin_read_cb stub_read_cb;

void stub_reset(void);

/* The value dispatched as plugin_instance/type-type_instance, or NULL. */
const stub_value_t *stub_find(const char *plugin_instance, const char *type,
                              const char *type_instance);

/* How many log lines at level (or any level when level < 0) hold text. */
size_t stub_count_logs(int level, const char *text);

/* Prints every captured log line to stderr, to explain a failure. */
void stub_dump_logs(void);

#endif
