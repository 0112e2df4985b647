/* A real HTTP server for the tests, on 127.0.0.1 and a free port: each test
 * scripts the answers and afterwards inspects what the plugin sent, and how
 * many connections it opened. */
#ifndef COZE_T_HTTPD_H
#define COZE_T_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct httpd_request {
  char method[16];
  char path[256];
  char authorization[256];
  char content_type[128];
  char user_agent[128];
  char *body;
  size_t body_len;
} httpd_request_t;

typedef struct httpd_reply {
  int status; /* default 200 */
  char *body; /* malloc'ed by the script; freed by the server */
  size_t body_len;
  int delay_ms;   /* wait before answering */
  bool cut_short; /* announce the full length, send half, then close */
  char logid[64]; /* sent as X-Tt-Logid when set */
} httpd_reply_t;

typedef void (*httpd_script_fn)(const httpd_request_t *req,
                                httpd_reply_t *reply, void *ctx);

/* Starts the server; returns its port, or 0 on failure. */
unsigned httpd_start(httpd_script_fn script, void *ctx);
void httpd_stop(void);

/* Requests received so far, in order of arrival (valid until stop). */
size_t httpd_requests(const httpd_request_t **list);

/* Connections opened so far, and the most open at one time. */
unsigned httpd_connections(void);
unsigned httpd_max_concurrent(void);

#endif
