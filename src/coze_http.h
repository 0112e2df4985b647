/* The HTTP transport: a set of prepared POST requests that one call runs
 * concurrently through libcurl's multi interface, with a bound on open
 * connections, keeping connections alive from one run to the next. */
#ifndef COZE_HTTP_H
#define COZE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

/* Answers larger than this are cut off and reported as errors. */
#define COZE_RESPONSE_MAX (32 * 1024 * 1024)

typedef struct coze_transfer {
  void *owner;     /* the caller's, handed back on completion */
  long timeout_ms; /* 0: the run's default */

  /* The outcome of the last run, valid inside the completion callback. */
  CURLcode result;
  long http_status;
  char *response;
  size_t response_len;
  bool overflow;
  char logid[128]; /* the X-Tt-Logid header, if any */
  char error[CURL_ERROR_SIZE];

  /* Owned by the transport. */
  CURL *easy;
  char *url;
  char *body;
  struct curl_slist *headers;
  size_t response_cap;
  bool active;
} coze_transfer_t;

typedef struct coze_http coze_http_t;

typedef void (*coze_http_done_fn)(coze_transfer_t *t, void *ctx);

/* Returns a transport allowing max_connections open connections, or NULL
 * with the reason in err. curl_global_init must have run. */
coze_http_t *coze_http_create(int max_connections, char *err, size_t err_size);

/* Prepares a request. The transport takes url, body and headers (also on
 * failure). Returns the transfer, owned by the transport, or NULL. */
coze_transfer_t *coze_http_add(coze_http_t *http, char *url, char *body,
                               struct curl_slist *headers, void *owner);

/* Runs every prepared request, max_connections at a time, and calls done
 * for each as it completes, so fast answers are handled while slow ones
 * are still in flight. Returns once all are complete or timed out. */
void coze_http_run(coze_http_t *http, long default_timeout_ms,
                   coze_http_done_fn done, void *ctx);

/* Frees the transport and its transfers; accepts NULL. */
void coze_http_destroy(coze_http_t *http);

#endif
