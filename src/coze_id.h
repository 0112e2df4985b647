/* Coze's 64-bit IDs, read from text without passing through a double. */
#ifndef COZE_ID_H
#define COZE_ID_H

#include <stdint.h>

/* A decimal ID has at most 20 digits: 21 bytes with the terminator. */
#define COZE_ID_MAX 21

/* Parses digits only (no sign, no white space, at most 20) into *out.
 * Returns 0, or -1 for NULL, empty, non-decimal or out-of-range text. */
int coze_parse_id(const char *text, uint64_t *out);

#endif
