/* coze-sim's HTTP side: the Coze API paths over libmicrohttpd, answering
 * from the world and injecting its faults. */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "world.h"

typedef struct sim_server_options {
  const char *listen; /* HOST:PORT, [V6HOST]:PORT; port 0 picks one */
  const char *token;
  int stall_seconds; /* how long a stalled request holds its connection */
  uint64_t seed;
  bool log_requests; /* one line per request on stderr */
} sim_server_options_t;

/* Serves w (which must outlive the server). Returns 0 and the base URL in
 * url, or -1 with the reason in err. */
int sim_server_start(const sim_world_t *w, const sim_server_options_t *o,
                     char *url, size_t url_size, char *err, size_t err_size);

void sim_server_stop(void);

/* Requests answered so far. */
unsigned long sim_server_requests(void);

#endif
