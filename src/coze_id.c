/* See coze_id.h. */
#include "coze_id.h"

#include <stddef.h>

int coze_parse_id(const char *text, uint64_t *out) {
  uint64_t v = 0;
  size_t len = 0;

  if (text == NULL || text[0] == '\0')
    return -1;
  for (const char *c = text; *c != '\0'; c++, len++) {
    uint64_t digit = (uint64_t)(*c - '0');

    if (*c < '0' || *c > '9' || len + 1 >= COZE_ID_MAX ||
        v > (UINT64_MAX - digit) / 10)
      return -1;
    v = v * 10 + digit;
  }
  *out = v;
  return 0;
}
