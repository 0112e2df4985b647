/* See httpd.h. A thread per connection, so that a delayed answer holds up
 * only its own connection, as a slow server would. */
#include "httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cut.h"

#define MAX_REQUESTS 4096

typedef struct pending {
  httpd_request_t req;
  size_t cap;
} pending_t;

static struct MHD_Daemon *daemon_handle;
static httpd_script_fn script_fn;
static void *script_ctx;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static httpd_request_t requests[MAX_REQUESTS];
static size_t requests_num;
static unsigned connections;
static unsigned open_now;
static unsigned open_max;

static void copy_header(struct MHD_Connection *c, const char *name, char *dst,
                        size_t size) {
  const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  snprintf(dst, size, "%s", v ? v : "");
}

static struct MHD_Response *make_response(httpd_reply_t *reply) {
  struct MHD_Response *r;

  if (reply->cut_short) {
    r = sim_cut_response(reply->body, reply->body_len);
  } else if (reply->body != NULL) {
    r = MHD_create_response_from_buffer(reply->body_len, reply->body,
                                        MHD_RESPMEM_MUST_FREE);
  } else {
    r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
  }
  MHD_add_response_header(r, "Content-Type", "application/json");
  if (reply->logid[0])
    MHD_add_response_header(r, "X-Tt-Logid", reply->logid);
  return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **state) {
  pending_t *p = *state;
  httpd_reply_t reply = {.status = 200};
  struct MHD_Response *r;
  enum MHD_Result ret;

  (void)cls;
  (void)version;
  if (p == NULL) {
    p = calloc(1, sizeof(*p));
    snprintf(p->req.method, sizeof(p->req.method), "%s", method);
    snprintf(p->req.path, sizeof(p->req.path), "%s", url);
    copy_header(c, "Authorization", p->req.authorization,
                sizeof(p->req.authorization));
    copy_header(c, "Content-Type", p->req.content_type,
                sizeof(p->req.content_type));
    copy_header(c, "User-Agent", p->req.user_agent, sizeof(p->req.user_agent));
    p->req.body = calloc(1, 1);
    *state = p;
    return MHD_YES;
  }
  if (*data_size > 0) {
    p->req.body = realloc(p->req.body, p->req.body_len + *data_size + 1);
    memcpy(p->req.body + p->req.body_len, data, *data_size);
    p->req.body_len += *data_size;
    p->req.body[p->req.body_len] = '\0';
    *data_size = 0;
    return MHD_YES;
  }

  pthread_mutex_lock(&lock);
  if (requests_num < MAX_REQUESTS)
    requests[requests_num++] = p->req;
  else
    free(p->req.body);
  pthread_mutex_unlock(&lock);

  script_fn(&p->req, &reply, script_ctx);
  if (reply.delay_ms > 0)
    usleep((useconds_t)reply.delay_ms * 1000);
  r = make_response(&reply);
  ret = MHD_queue_response(c, (unsigned)reply.status, r);
  MHD_destroy_response(r);
  return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  free(*state);
  *state = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
  (void)cls;
  (void)c;
  (void)socket_context;
  pthread_mutex_lock(&lock);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    connections++;
    if (++open_now > open_max)
      open_max = open_now;
  } else {
    open_now--;
  }
  pthread_mutex_unlock(&lock);
}

unsigned httpd_start(httpd_script_fn script, void *ctx) {
  const union MHD_DaemonInfo *info;
  struct sockaddr_in addr = {.sin_family = AF_INET};

  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  script_fn = script;
  script_ctx = ctx;
  daemon_handle = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
          MHD_USE_ERROR_LOG,
      0, NULL, NULL, on_request, NULL, MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
      MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
      MHD_OPTION_END);
  if (daemon_handle == NULL)
    return 0;
  info = MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : 0;
}

void httpd_stop(void) {
  if (daemon_handle != NULL)
    MHD_stop_daemon(daemon_handle);
  daemon_handle = NULL;
  for (size_t i = 0; i < requests_num; i++)
    free(requests[i].body);
  requests_num = 0;
  connections = open_now = open_max = 0;
}

size_t httpd_requests(const httpd_request_t **list) {
  size_t n;

  pthread_mutex_lock(&lock);
  n = requests_num;
  pthread_mutex_unlock(&lock);
  *list = requests;
  return n;
}

unsigned httpd_connections(void) { return connections; }
unsigned httpd_max_concurrent(void) { return open_max; }
