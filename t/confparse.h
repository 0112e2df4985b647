/* A small reader of collectd's configuration syntax for the tests, which
 * cannot link the daemon's own parser: quoted strings, numbers, true and
 * false, <Block "arg"> ... </Block>, # comments. */
#ifndef COZE_T_CONFPARSE_H
#define COZE_T_CONFPARSE_H

#include "liboconfig/oconfig.h"

/* Parses text as the inside of a <Plugin coze> block and returns that
 * block, or NULL on a syntax error (a test bug). Free with conf_free. */
oconfig_item_t *conf_parse(const char *text);

void conf_free(oconfig_item_t *ci);

#endif
