/* A response that breaks off: it announces the whole body, sends the first
 * half and closes the connection, as a failing proxy or server would. */
#ifndef SIM_CUT_H
#define SIM_CUT_H

#include <stddef.h>

#include <microhttpd.h>

/* Takes body (malloc'ed); returns the response, to queue and destroy as
 * usual, or NULL when out of memory (body is then freed). */
struct MHD_Response *sim_cut_response(char *body, size_t len);

#endif
