/* Parsing of the answers of POST /v1/datasets/{id}/process. Pure: no
 * logging, no daemon calls, so the fuzzer and the tests drive it alone. */
#ifndef COZE_RESPONSE_H
#define COZE_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

/* Which of a document's optional fields the answer carried. */
enum {
  COZE_HAS_STATUS = 1 << 0,
  COZE_HAS_PROGRESS = 1 << 1,
  COZE_HAS_REMAINING = 1 << 2,
  COZE_HAS_SIZE = 1 << 3,
};

typedef struct coze_progress {
  uint64_t document_id;
  int64_t status; /* kept as sent, including codes this plugin does not know */
  int64_t progress;
  int64_t remaining_time;
  int64_t size;
  unsigned fields;
} coze_progress_t;

typedef struct coze_answer {
  int64_t code; /* the API's code; only 0 carries documents */
  char msg[256];
  char logid[128];
  coze_progress_t *items;
  size_t items_num;
  size_t items_cap;
  /* Entries of data.data that could not be read; they are left out. */
  size_t skipped;
  char skipped_reason[192]; /* why the first one was left out */
} coze_answer_t;

/* Parses body into answer, reusing its item storage. Returns 0 when the
 * body is a well-formed envelope (whatever its code), or -1 with the reason
 * in err: JSON errors carry jansson's text with line and column. */
int coze_answer_parse(coze_answer_t *answer, const char *body, size_t len,
                      char *err, size_t err_size);

/* Frees the item storage; accepts a zeroed answer. */
void coze_answer_free(coze_answer_t *answer);

#endif
