/* Reads the JSON envelope {code, msg, detail.logid, data.data[]} into a
 * coze_answer_t. 64-bit fields are read as integers (or decimal strings,
 * which some gateways send) and never pass through a double. */
#include "coze_response.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "coze_id.h"

/* Reads an integer sent as a JSON integer or as a decimal string. */
static int read_int64(const json_t *v, int64_t *out) {
  const char *text;
  char *end;
  long long parsed;

  if (json_is_integer(v)) {
    *out = (int64_t)json_integer_value(v);
    return 0;
  }
  if (!json_is_string(v))
    return -1;
  text = json_string_value(v);
  if (text[0] == '\0' ||
      !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')))
    return -1;
  errno = 0;
  parsed = strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = (int64_t)parsed;
  return 0;
}

static int read_id(const json_t *v, uint64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  return coze_parse_id(json_string_value(v), out);
}

static const struct {
  const char *name;
  unsigned flag;
  size_t offset;
} int_fields[] = {
    {"status", COZE_HAS_STATUS, offsetof(coze_progress_t, status)},
    {"progress", COZE_HAS_PROGRESS, offsetof(coze_progress_t, progress)},
    {"remaining_time", COZE_HAS_REMAINING,
     offsetof(coze_progress_t, remaining_time)},
    {"size", COZE_HAS_SIZE, offsetof(coze_progress_t, size)},
};

/* Reads one entry of data.data. Returns 0, or -1 with the reason. */
static int read_item(const json_t *entry, coze_progress_t *item, char *err,
                     size_t err_size) {
  memset(item, 0, sizeof(*item));
  if (!json_is_object(entry)) {
    snprintf(err, err_size, "is not an object");
    return -1;
  }
  if (read_id(json_object_get(entry, "document_id"), &item->document_id)) {
    snprintf(err, err_size, "has no decimal document_id");
    return -1;
  }

  for (size_t i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]); i++) {
    const json_t *v = json_object_get(entry, int_fields[i].name);
    int64_t *slot = (int64_t *)((char *)item + int_fields[i].offset);

    if (v == NULL || json_is_null(v))
      continue;
    if (read_int64(v, slot) != 0) {
      snprintf(err, err_size, "(document %" PRIu64 "): %s is not an integer",
               item->document_id, int_fields[i].name);
      return -1;
    }
    item->fields |= int_fields[i].flag;
  }
  return 0;
}

static int grow_items(coze_answer_t *answer, size_t need) {
  coze_progress_t *items;
  size_t cap = answer->items_cap ? answer->items_cap : 16;

  if (need <= answer->items_cap)
    return 0;
  while (cap < need)
    cap *= 2;
  items = realloc(answer->items, cap * sizeof(*items));
  if (items == NULL)
    return -1;
  answer->items = items;
  answer->items_cap = cap;
  return 0;
}

static int read_documents(coze_answer_t *answer, const json_t *root, char *err,
                          size_t err_size) {
  const json_t *data = json_object_get(root, "data");
  const json_t *list = json_object_get(data, "data");
  size_t n;

  if (!json_is_array(list)) {
    snprintf(err, err_size, "code is 0 but data.data is not an array");
    return -1;
  }
  n = json_array_size(list);
  if (grow_items(answer, n) != 0) {
    snprintf(err, err_size, "out of memory for %zu documents", n);
    return -1;
  }

  for (size_t i = 0; i < n; i++) {
    char reason[160];
    coze_progress_t *item = &answer->items[answer->items_num];

    if (read_item(json_array_get(list, i), item, reason, sizeof(reason))) {
      if (answer->skipped++ == 0)
        snprintf(answer->skipped_reason, sizeof(answer->skipped_reason),
                 "data.data[%zu] %s", i, reason);
      continue;
    }
    answer->items_num++;
  }
  return 0;
}

static void copy_string(char *dst, size_t size, const json_t *v) {
  if (json_is_string(v))
    snprintf(dst, size, "%s", json_string_value(v));
}

int coze_answer_parse(coze_answer_t *answer, const char *body, size_t len,
                      char *err, size_t err_size) {
  json_error_t jerr;
  json_t *root;
  int status = 0;

  answer->code = 0;
  answer->msg[0] = '\0';
  answer->logid[0] = '\0';
  answer->items_num = 0;
  answer->skipped = 0;
  answer->skipped_reason[0] = '\0';

  root = json_loadb(body, len, 0, &jerr);
  if (root == NULL) {
    snprintf(err, err_size, "invalid JSON at line %d, column %d: %s", jerr.line,
             jerr.column, jerr.text);
    return -1;
  }
  if (!json_is_object(root)) {
    snprintf(err, err_size, "the answer is not a JSON object");
    status = -1;
    goto out;
  }

  copy_string(answer->msg, sizeof(answer->msg), json_object_get(root, "msg"));
  copy_string(answer->logid, sizeof(answer->logid),
              json_object_get(json_object_get(root, "detail"), "logid"));
  if (read_int64(json_object_get(root, "code"), &answer->code) != 0) {
    snprintf(err, err_size, "the answer has no integer code");
    status = -1;
    goto out;
  }
  if (answer->code == 0)
    status = read_documents(answer, root, err, err_size);

out:
  json_decref(root);
  return status;
}

void coze_answer_free(coze_answer_t *answer) {
  free(answer->items);
  answer->items = NULL;
  answer->items_num = 0;
  answer->items_cap = 0;
}
