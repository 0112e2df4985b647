/* See server.h. One thread per connection: latency and stalls are plain
 * sleeps that hold up only their own connection, as on a real server, and
 * keep-alive connections are served without hand-offs. */
#include "server.h"

#include "cut.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#define BODY_MAX (1024 * 1024)

typedef struct request {
  char *body;
  size_t len;
  bool too_large;
} request_t;

typedef struct reply {
  unsigned status;
  char *body; /* malloc'ed */
  size_t len;
  char logid[40];
  bool retry_after;
  bool cut_short;
  bool stall;
} reply_t;

static struct MHD_Daemon *sim_daemon;
static const sim_world_t *sim_world;
static sim_server_options_t sim_opts;
static char sim_auth[512];
static struct timespec sim_started;
static atomic_ulong sim_requests;
static atomic_ulong sim_logids;
static atomic_bool sim_stopping;
static pthread_mutex_t sim_rng_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t sim_rng;

static double draw(void) {
  uint64_t z;

  pthread_mutex_lock(&sim_rng_lock);
  z = (sim_rng += 0x9e3779b97f4a7c15u);
  pthread_mutex_unlock(&sim_rng_lock);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static double elapsed(void) {
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - sim_started.tv_sec) +
         (double)(now.tv_nsec - sim_started.tv_nsec) / 1e9;
}

/* Sleeps ms milliseconds, waking early when the server stops. */
static void nap(long ms) {
  while (ms > 0 && !atomic_load(&sim_stopping)) {
    long step = ms < 50 ? ms : 50;
    usleep((useconds_t)step * 1000);
    ms -= step;
  }
}

static void new_logid(char *out, size_t size) {
  time_t now = time(NULL);
  struct tm tm;

  gmtime_r(&now, &tm);
  snprintf(out, size, "%04d%02d%02d%02d%02d%02d%08lX", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           atomic_fetch_add(&sim_logids, 1) + 1);
}

/* Sets reply to the JSON of root (which it takes) with the envelope's
 * log ID. */
static void reply_json(reply_t *r, unsigned status, json_t *root) {
  json_object_set_new(root, "detail", json_pack("{s:s}", "logid", r->logid));
  r->status = status;
  r->body = json_dumps(root, JSON_COMPACT);
  r->len = strlen(r->body);
  json_decref(root);
}

static void reply_error(reply_t *r, unsigned status, int code,
                        const char *msg) {
  reply_json(r, status, json_pack("{s:i, s:s}", "code", code, "msg", msg));
}

static void reply_text(reply_t *r, unsigned status, const char *text) {
  r->status = status;
  r->body = strdup(text);
  r->len = strlen(text);
}

/* A growing output buffer: the progress answer is the hot path, and
 * writing it directly is several times faster than building a JSON tree. */
typedef struct buf {
  char *data;
  size_t len;
  size_t cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t more) {
  if (b->len + more + 1 <= b->cap)
    return;
  while (b->cap < b->len + more + 1)
    b->cap = b->cap ? b->cap * 2 : 4096;
  b->data = realloc(b->data, b->cap);
  if (b->data == NULL)
    abort();
}

__attribute__((format(printf, 2, 3))) static void
buf_printf(buf_t *b, const char *fmt, ...) {
  va_list ap;
  int n;

  buf_reserve(b, 256);
  va_start(ap, fmt);
  n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if ((size_t)n >= b->cap - b->len) {
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

/* Appends text as a JSON string, quoted and escaped. */
static void buf_string(buf_t *b, const char *text) {
  buf_reserve(b, strlen(text) * 6 + 2);
  b->data[b->len++] = '"';
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    if (*c == '"' || *c == '\\') {
      b->data[b->len++] = '\\';
      b->data[b->len++] = (char)*c;
    } else if (*c < 0x20) {
      b->len += (size_t)sprintf(b->data + b->len, "\\u%04x", *c);
    } else {
      b->data[b->len++] = (char)*c;
    }
  }
  b->data[b->len++] = '"';
  b->data[b->len] = '\0';
}

static void progress_entry(buf_t *b, const sim_doc_t *d, double now) {
  sim_doc_state_t st;

  sim_doc_state(d, now, &st);
  buf_printf(b, "{\"document_id\":\"%s\",\"document_name\":", d->id_text);
  buf_string(b, d->name);
  buf_printf(b,
             ",\"status\":%" PRId64 ",\"progress\":%" PRId64
             ",\"remaining_time\":%" PRId64 ",\"size\":%" PRId64 ",\"type\":",
             st.status, st.progress, st.remaining_time, d->size);
  buf_string(b, d->type);
  buf_printf(b, ",\"url\":\"\",\"update_type\":%d,\"update_interval\":%d",
             d->update_type, d->update_interval);
  if (st.status == 9 && d->status_descript[0]) {
    buf_printf(b, ",\"status_descript\":");
    buf_string(b, d->status_descript);
  }
  buf_printf(b, "}");
}

static void answer_progress(reply_t *r, const sim_dataset_t *ds,
                            const request_t *req) {
  json_t *body = json_loadb(req->body, req->len, 0, NULL);
  json_t *ids = json_object_get(body, "document_ids");
  double now = elapsed();
  buf_t out = {0};
  size_t n = 0;
  size_t i;
  json_t *v;

  if (!json_is_array(ids)) {
    json_decref(body);
    reply_error(r, 400, 4000, "invalid parameter: document_ids");
    return;
  }
  buf_printf(&out, "{\"code\":0,\"msg\":\"\",\"data\":{\"data\":[");
  json_array_foreach(ids, i, v) {
    uint64_t id;
    const sim_doc_t *d;

    if (!json_is_string(v) || coze_parse_id(json_string_value(v), &id) != 0) {
      free(out.data);
      json_decref(body);
      reply_error(r, 400, 4000, "invalid parameter: document_ids");
      return;
    }
    d = sim_dataset_find(ds, id);
    if (d == NULL)
      continue;
    if (n++ > 0)
      buf_printf(&out, ",");
    progress_entry(&out, d, now);
  }
  json_decref(body);
  buf_printf(&out, "]},\"detail\":{\"logid\":\"%s\"}}", r->logid);
  r->status = 200;
  r->body = out.data;
  r->len = out.len;
}

static json_t *int64_value(int64_t v, bool as_string) {
  char text[24];

  if (!as_string)
    return json_integer((json_int_t)v);
  snprintf(text, sizeof(text), "%" PRId64, v);
  return json_string(text);
}

static json_t *list_entry(const sim_doc_t *d, bool as_string) {
  sim_doc_state_t st;

  sim_doc_state(d, elapsed(), &st);
  return json_pack("{s:s, s:s, s:I, s:o, s:s, s:o, s:i, s:i}", "document_id",
                   d->id_text, "name", d->name, "status", (json_int_t)st.status,
                   "size", int64_value(d->size, as_string), "type", d->type,
                   "update_time", int64_value(d->created, as_string),
                   "update_type", d->update_type, "update_interval",
                   d->update_interval);
}

/* Reads the page size under either name the SDKs send. */
static json_int_t page_size(const json_t *body) {
  const json_t *v = json_object_get(body, "size");

  if (v == NULL)
    v = json_object_get(body, "page_size");
  return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void answer_list(reply_t *r, const sim_dataset_t *ds, const json_t *body,
                        bool as_string) {
  json_int_t page = json_integer_value(json_object_get(body, "page"));
  json_int_t size = page_size(body);
  json_t *list;
  size_t first;

  if (!json_is_integer(json_object_get(body, "page")) || page < 1 || size < 1 ||
      size > 1000) {
    reply_error(r, 400, 4000, "invalid parameter: page or size");
    return;
  }
  list = json_array();
  first = (size_t)(page - 1) * (size_t)size;
  for (size_t i = first; i < ds->docs_num && i < first + (size_t)size; i++)
    json_array_append_new(list, list_entry(&ds->docs[i], as_string));
  reply_json(r, 200,
             json_pack("{s:i, s:s, s:o, s:I}", "code", 0, "msg", "",
                       "document_infos", list, "total",
                       (json_int_t)ds->docs_num));
}

/* Applies the fault drawn for this request; returns true when the fault
 * replaces the answer. */
static bool apply_fault(reply_t *r, const sim_faults_t *f) {
  double jitter = f->jitter_ms > 0 ? draw() * f->jitter_ms : 0;
  enum sim_fault fault = sim_fault_pick(f, draw());

  nap(f->latency_ms + (long)jitter);
  switch (fault) {
  case SIM_FAULT_STALL:
    r->stall = true;
    return true;
  case SIM_FAULT_HTTP_5XX:
    if (draw() < 0.5)
      reply_error(r, 500, 5000, "internal server error");
    else
      reply_text(r, 502,
                 "<html><head><title>502 Bad Gateway</title></head>"
                 "<body>502 Bad Gateway</body></html>");
    return true;
  case SIM_FAULT_HTTP_429:
    r->retry_after = true;
    reply_error(r, 429, 4013, "too many requests");
    return true;
  case SIM_FAULT_CODE_4100:
    reply_error(r, 200, 4100, "authentication is invalid");
    return true;
  case SIM_FAULT_CODE_4013:
    reply_error(r, 200, 4013, "too many requests");
    return true;
  case SIM_FAULT_CODE_4000:
    reply_error(r, 200, 4000, "invalid parameter");
    return true;
  case SIM_FAULT_MALFORMED:
    reply_text(r, 200,
               "{\"code\":0,\"data\":{\"data\":[{\"document_id\":"
               "\"1\",}]}");
    return true;
  case SIM_FAULT_TRUNCATED:
    r->cut_short = true;
    return false;
  default:
    return false;
  }
}

static const sim_dataset_t *dataset_of_path(const char *url) {
  static const char prefix[] = "/v1/datasets/";
  char id_text[32];
  const char *end;
  uint64_t id;

  if (strncmp(url, prefix, sizeof(prefix) - 1) != 0)
    return NULL;
  url += sizeof(prefix) - 1;
  end = strchr(url, '/');
  if (end == NULL || strcmp(end, "/process") != 0 ||
      (size_t)(end - url) >= sizeof(id_text))
    return NULL;
  snprintf(id_text, sizeof(id_text), "%.*s", (int)(end - url), url);
  return coze_parse_id(id_text, &id) == 0 ? sim_world_find(sim_world, id)
                                          : NULL;
}

static void route(struct MHD_Connection *c, const char *url, const char *method,
                  const request_t *req, reply_t *r) {
  const char *auth =
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  bool is_process = strncmp(url, "/v1/datasets/", 13) == 0;
  bool is_list = strcmp(url, "/open_api/knowledge/document/list") == 0;
  const sim_dataset_t *ds = NULL;
  json_t *body = NULL;

  if ((!is_process && !is_list) || strcmp(method, "POST") != 0) {
    reply_error(r, 404, 4200, "resource not found");
    return;
  }
  if (auth == NULL || strcmp(auth, sim_auth) != 0) {
    reply_error(r, 401, 4100, "authentication is invalid");
    return;
  }
  if (req->too_large) {
    reply_error(r, 413, 4000, "request body too large");
    return;
  }

  if (is_process) {
    ds = dataset_of_path(url);
  } else {
    uint64_t id;
    body = json_loadb(req->body, req->len, 0, NULL);
    if (coze_parse_id(json_string_value(json_object_get(body, "dataset_id")),
                      &id) == 0)
      ds = sim_world_find(sim_world, id);
  }

  if (ds == NULL)
    reply_error(r, 404, 4200, "dataset not found");
  else if (apply_fault(r, &ds->faults))
    ; /* the fault is the answer */
  else if (is_process)
    answer_progress(r, ds, req);
  else
    answer_list(
        r, ds, body,
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Agw-Js-Conv") != NULL);
  json_decref(body);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, reply_t *r) {
  struct MHD_Response *resp;
  enum MHD_Result ret;

  if (r->cut_short) {
    resp = sim_cut_response(r->body, r->len);
  } else {
    resp =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
  }
  MHD_add_response_header(resp, "Content-Type",
                          r->body && r->body[0] == '<'
                              ? "text/html"
                              : "application/json; charset=utf-8");
  MHD_add_response_header(resp, "X-Tt-Logid", r->logid);
  if (r->retry_after)
    MHD_add_response_header(resp, "Retry-After", "1");
  ret = MHD_queue_response(c, r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **state) {
  request_t *req = *state;
  reply_t r = {.status = 200};

  (void)cls;
  (void)version;
  if (req == NULL) {
    *state = calloc(1, sizeof(request_t));
    return *state ? MHD_YES : MHD_NO;
  }
  if (*data_size > 0) {
    if (req->len + *data_size > BODY_MAX) {
      req->too_large = true;
    } else {
      req->body = realloc(req->body, req->len + *data_size + 1);
      memcpy(req->body + req->len, data, *data_size);
      req->len += *data_size;
      req->body[req->len] = '\0';
    }
    *data_size = 0;
    return MHD_YES;
  }

  new_logid(r.logid, sizeof(r.logid));
  route(c, url, method, req, &r);
  atomic_fetch_add(&sim_requests, 1);
  if (sim_opts.log_requests)
    fprintf(stderr, "coze-sim: %s %s -> %u%s%s\n", method, url,
            r.stall ? 0 : r.status, r.stall ? " (stalled)" : "",
            r.cut_short ? " (cut short)" : "");
  if (r.stall) {
    nap((long)sim_opts.stall_seconds * 1000);
    free(r.body);
    return MHD_NO; /* closes the connection without an answer */
  }
  return send_reply(c, &r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe) {
  request_t *req = *state;

  (void)cls;
  (void)c;
  (void)toe;
  if (req != NULL) {
    free(req->body);
    free(req);
  }
  *state = NULL;
}

/* Parses HOST:PORT or [HOST]:PORT into addr. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr,
                        bool *v6, char *err, size_t size) {
  char host[64];
  const char *colon = strrchr(listen, ':');
  char *end;
  long port;

  if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
    snprintf(err, size, "--listen %s: expected HOST:PORT", listen);
    return -1;
  }
  snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
  port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535) {
    snprintf(err, size, "--listen %s: bad port", listen);
    return -1;
  }

  memset(addr, 0, sizeof(*addr));
  *v6 = host[0] == '[';
  if (*v6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;
    host[strlen(host) - 1] = '\0';
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1)
      return 0;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
      snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
      return 0;
  }
  snprintf(err, size, "--listen %s: the host must be an IP address", listen);
  return -1;
}

int sim_server_start(const sim_world_t *w, const sim_server_options_t *o,
                     char *url, size_t url_size, char *err, size_t err_size) {
  struct sockaddr_storage addr;
  const union MHD_DaemonInfo *info;
  bool v6;
  char host[64];

  if (parse_listen(o->listen, &addr, &v6, err, err_size) != 0)
    return -1;
  sim_world = w;
  sim_opts = *o;
  sim_rng = o->seed ^ 0x5eed;
  snprintf(sim_auth, sizeof(sim_auth), "Bearer %s", o->token);
  clock_gettime(CLOCK_MONOTONIC, &sim_started);

  sim_daemon = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
          MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
      0, NULL, NULL, on_request, NULL, MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
      MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
  if (sim_daemon == NULL) {
    snprintf(err, err_size, "cannot listen on %s", o->listen);
    return -1;
  }

  info = MHD_get_daemon_info(sim_daemon, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(host, sizeof(host), "%.*s",
           (int)(strrchr(o->listen, ':') - o->listen), o->listen);
  snprintf(url, url_size, "http://%s:%u", host, info ? info->port : 0);
  return 0;
}

void sim_server_stop(void) {
  atomic_store(&sim_stopping, true);
  if (sim_daemon != NULL)
    MHD_stop_daemon(sim_daemon);
  sim_daemon = NULL;
}

unsigned long sim_server_requests(void) { return atomic_load(&sim_requests); }
