/* The plugin's configuration: what the <Plugin coze> block says, checked
 * and resolved into datasets and documents ready to poll. */
#ifndef COZE_CONFIG_H
#define COZE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liboconfig/oconfig.h"

#include "coze_id.h"

#define COZE_DEFAULT_BASE_URL "https://api.coze.cn"
#define COZE_DEFAULT_BATCH_SIZE 100
#define COZE_DEFAULT_MAX_CONNECTIONS 8
#define COZE_MAX_BATCH_SIZE 10000
#define COZE_MAX_CONNECTIONS_LIMIT 1024
/* Same as collectd's DATA_MAX_NAME_LEN, terminator included. */
#define COZE_NAME_MAX 128

typedef struct coze_document {
  uint64_t id;
  char id_text[COZE_ID_MAX];
  char *instance; /* the type instance: the alias, else id_text */
} coze_document_t;

typedef struct coze_dataset {
  char id_text[COZE_ID_MAX];
  char *instance; /* the plugin instance: Instance, else id_text */
  char *base_url; /* http(s)://host[:port][/path], no trailing slash */
  char *token;    /* secret: never logged */
  char *token_file;
  long timeout_ms; /* 0: the read interval */
  int batch_size;
  coze_document_t *documents; /* in configuration order */
  size_t documents_num;
} coze_dataset_t;

typedef struct coze_config {
  coze_dataset_t *datasets;
  size_t datasets_num;
  int max_connections;
} coze_config_t;

/* Adds the datasets of one <Plugin coze> block to cfg, which starts zeroed
 * and may already hold the datasets of an earlier block. Returns 0, or -1
 * with a message naming the option and the reason in err; on error cfg is
 * left as it was before the call. */
int coze_config_parse(coze_config_t *cfg, const oconfig_item_t *ci, char *err,
                      size_t err_size);

/* Frees everything cfg holds and zeroes it; accepts a zeroed cfg. */
void coze_config_free(coze_config_t *cfg);

/* Reads a token from path: the file's content with surrounding white space
 * removed. Returns a string the caller frees, or NULL with the reason in
 * err. */
char *coze_token_read(const char *path, char *err, size_t err_size);

#endif
