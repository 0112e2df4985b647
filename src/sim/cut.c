/* See cut.h. */
#include "cut.h"

#include <stdlib.h>
#include <string.h>

typedef struct cut {
  char *data;
  size_t len;
} cut_t;

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max) {
  cut_t *cut = cls;
  size_t half = cut->len / 2;

  if (pos >= half)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  if (max > half - pos)
    max = half - pos;
  memcpy(buf, cut->data + pos, max);
  return (ssize_t)max;
}

static void cut_free(void *cls) {
  cut_t *cut = cls;

  free(cut->data);
  free(cut);
}

struct MHD_Response *sim_cut_response(char *body, size_t len) {
  cut_t *cut = malloc(sizeof(*cut));
  struct MHD_Response *r;

  if (cut == NULL) {
    free(body);
    return NULL;
  }
  cut->data = body;
  cut->len = len;
  r = MHD_create_response_from_callback(len, 4096, cut_reader, cut, cut_free);
  if (r == NULL)
    cut_free(cut);
  return r;
}
