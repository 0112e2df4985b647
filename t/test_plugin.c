/* The plugin as the daemon drives it (config, init, read, shutdown) against
 * a real HTTP server on 127.0.0.1: what it sends, what it dispatches, what
 * it logs, and how it behaves when answers are bad, slow or many. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "check_main.h"
#include "confparse.h"
#include "coze_version.h"
#include "httpd.h"
#include "server.h"
#include "stubs.h"
#include "world.h"

void module_register(void);

#define TOKEN "pat_secret_0123456789"

/* How the scripted server treats the requests for one dataset. */
typedef enum mode {
  MODE_OK,
  MODE_API_ERROR, /* HTTP 200, code 4100 */
  MODE_HTTP_500,  /* HTTP 500 with a JSON envelope */
  MODE_HTTP_502,  /* HTTP 502 with an HTML page and an X-Tt-Logid */
  MODE_MALFORMED, /* HTTP 200, not JSON */
  MODE_TRUNCATED, /* HTTP 200, JSON cut in the middle */
  MODE_CUT_SHORT, /* the connection closes before the announced length */
  MODE_SLOW,      /* answers after delay_ms */
  MODE_OMIT,      /* leaves out document omit */
} mode_t_;

typedef struct rule {
  const char *dataset;
  mode_t_ mode;
  int delay_ms;
  uint64_t omit;
} rule_t;

typedef struct world {
  rule_t rules[8];
  int delay_ms; /* for every request */
} world_t;

static world_t world;
static unsigned port;

/* The values the server reports for a document, derived from its ID so
 * that the tests can compute what must be dispatched. */
static int64_t want_status(uint64_t id) {
  return id % 5 == 4 ? 1000 : (int64_t)(id % 3 == 2 ? 9 : id % 2);
}
static int64_t want_progress(uint64_t id) { return (int64_t)(id % 101); }
static int64_t want_remaining(uint64_t id) { return (int64_t)(id % 977); }
static int64_t want_size(uint64_t id) { return (int64_t)(id * 1000 + 7); }

static const rule_t *rule_for(const char *path) {
  for (size_t i = 0; i < sizeof(world.rules) / sizeof(world.rules[0]); i++) {
    const rule_t *r = &world.rules[i];
    if (r->dataset != NULL && strstr(path, r->dataset) != NULL)
      return r;
  }
  return NULL;
}

static char *progress_answer(const char *request_body, uint64_t omit) {
  json_t *req = json_loads(request_body, 0, NULL);
  json_t *ids = json_object_get(req, "document_ids");
  json_t *list = json_array();
  json_t *root;
  char *text;
  size_t i;
  json_t *v;

  json_array_foreach(ids, i, v) {
    uint64_t id = strtoull(json_string_value(v), NULL, 10);
    if (id == omit)
      continue;
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "document_id",
                        json_string_value(v), "document_name", "doc.pdf",
                        "status", (json_int_t)want_status(id), "progress",
                        (json_int_t)want_progress(id), "remaining_time",
                        (json_int_t)want_remaining(id), "size",
                        (json_int_t)want_size(id), "type", "pdf"));
  }
  root = json_pack("{s:i, s:s, s:{s:o}, s:{s:s}}", "code", 0, "msg", "", "data",
                   "data", list, "detail", "logid", "L-OK");
  text = json_dumps(root, JSON_COMPACT);
  json_decref(root);
  json_decref(req);
  return text;
}

static void set_body(httpd_reply_t *reply, const char *text) {
  reply->body = strdup(text);
  reply->body_len = strlen(text);
}

static void script(const httpd_request_t *req, httpd_reply_t *reply,
                   void *ctx) {
  const rule_t *rule = rule_for(req->path);
  mode_t_ mode = rule ? rule->mode : MODE_OK;
  char *body;

  (void)ctx;
  reply->delay_ms = world.delay_ms;
  switch (mode) {
  case MODE_API_ERROR:
    set_body(reply, "{\"code\":4100,\"msg\":\"authentication is invalid\","
                    "\"detail\":{\"logid\":\"L-4100\"}}");
    return;
  case MODE_HTTP_500:
    reply->status = 500;
    set_body(reply, "{\"code\":5000,\"msg\":\"internal error\","
                    "\"detail\":{\"logid\":\"L-500\"}}");
    return;
  case MODE_HTTP_502:
    reply->status = 502;
    snprintf(reply->logid, sizeof(reply->logid), "L-502-HEADER");
    set_body(reply, "<html><body>502 Bad Gateway</body></html>");
    return;
  case MODE_MALFORMED:
    set_body(reply, "{\"code\":0,\"data\":{\"data\":[nonsense]}}");
    return;
  case MODE_TRUNCATED:
    body = progress_answer(req->body, 0);
    body[strlen(body) / 2] = '\0';
    reply->body = body;
    reply->body_len = strlen(body);
    return;
  case MODE_CUT_SHORT:
    reply->body = progress_answer(req->body, rule->omit);
    reply->body_len = strlen(reply->body);
    reply->cut_short = true;
    return;
  case MODE_SLOW:
    reply->delay_ms = rule->delay_ms;
    break;
  default:
    break;
  }
  reply->body = progress_answer(req->body, mode == MODE_OMIT ? rule->omit : 0);
  reply->body_len = strlen(reply->body);
}

static char *replace_url(const char *text) {
  char url[64];
  const char *at = strstr(text, "@URL@");
  size_t size = strlen(text) + sizeof(url);
  char *out = malloc(size);

  snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
  if (at == NULL)
    snprintf(out, size, "%s", text);
  else
    snprintf(out, size, "%.*s%s%s", (int)(at - text), text, url, at + 5);
  while ((at = strstr(out, "@URL@")) != NULL) {
    char *next = malloc(size);
    snprintf(next, size, "%.*s%s%s", (int)(at - out), out, url, at + 5);
    free(out);
    out = next;
  }
  return out;
}

/* Starts the plugin with this configuration, @URL@ replaced by the
 * scripted server's address. */
static void start_plugin(const char *conf) {
  char *text;
  oconfig_item_t *ci;

  text = replace_url(conf);
  ci = conf_parse(text);
  ck_assert_ptr_nonnull(ci);
  module_register();
  ck_assert_int_eq(stub_config_cb(ci), 0);
  ck_assert_msg(stub_init_cb() == 0, "init failed");
  ck_assert_ptr_nonnull(stub_read_cb);
  conf_free(ci);
  free(text);
}

/* Starts the scripted server, then the plugin. */
static void start(const char *conf) {
  port = httpd_start(script, NULL);
  ck_assert_uint_ne(port, 0);
  start_plugin(conf);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Runs one read; returns how long it took in milliseconds. */
static double read_once(void) {
  double t0 = now_ms();
  ck_assert_int_eq(stub_read_cb(NULL), 0);
  return now_ms() - t0;
}

static void stop(void) {
  stub_shutdown_cb();
  httpd_stop();
}

static void setup(void) {
  memset(&world, 0, sizeof(world));
  stub_reset();
}

/* Checks that the four values of document id reached collectd under
 * plugin_instance and type_instance. */
static void assert_document(const char *plugin_instance, uint64_t id,
                            const char *type_instance) {
  static const char *const types[] = {"percent", "gauge", "bytes", "timeleft"};
  int64_t want[4] = {want_progress(id), want_status(id), want_size(id),
                     want_remaining(id)};

  for (int i = 0; i < 4; i++) {
    const stub_value_t *v = stub_find(plugin_instance, types[i], type_instance);
    if (v == NULL)
      stub_dump_logs();
    ck_assert_msg(v != NULL, "no %s/%s-%s dispatched", plugin_instance,
                  types[i], type_instance);
    ck_assert_str_eq(v->plugin, "coze");
    ck_assert_msg(v->value == (double)want[i],
                  "%s/%s-%s: want %" PRId64 ", got %f", plugin_instance,
                  types[i], type_instance, want[i], v->value);
  }
}

static void assert_no_token_logged(void) {
  ck_assert_uint_eq(stub_count_logs(-1, TOKEN), 0);
  ck_assert_uint_eq(stub_count_logs(-1, "Bearer"), 0);
}

#define TWO_DATASETS                                                           \
  "BaseURL \"@URL@\"\nToken \"" TOKEN "\"\n"                                   \
  "<Dataset \"7442585813587000001\">\n  Instance \"manuals\"\n"                \
  "  Document \"7442585813587000101\"\n"                                       \
  "  Document \"7442585813587000102\" \"faq\"\n"                               \
  "  Document \"7442585813587000103\"\n</Dataset>\n"                           \
  "<Dataset \"7442585813587000002\">\n"                                        \
  "  Document \"7442585813587000204\" \"guide\"\n</Dataset>\n"

START_TEST(test_requests_and_values) {
  const httpd_request_t *reqs;
  size_t n;

  start(TWO_DATASETS);
  read_once();
  n = httpd_requests(&reqs);
  ck_assert_uint_eq(n, 2);

  for (size_t i = 0; i < n; i++) {
    const httpd_request_t *r = &reqs[i];
    json_t *body = json_loads(r->body, 0, NULL);
    json_t *ids = json_object_get(body, "document_ids");
    bool first = strstr(r->path, "7442585813587000001") != NULL;

    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->path, first
                                  ? "/v1/datasets/7442585813587000001/process"
                                  : "/v1/datasets/7442585813587000002/process");
    ck_assert_str_eq(r->authorization, "Bearer " TOKEN);
    ck_assert_str_eq(r->content_type, "application/json");
    ck_assert_str_eq(r->user_agent, "collectd-coze/" COZE_VERSION);
    ck_assert_msg(json_is_object(body) && json_object_size(body) == 1,
                  "body: %s", r->body);
    ck_assert_uint_eq(json_array_size(ids), first ? 3 : 1);
    /* IDs travel as JSON strings, digit for digit. */
    ck_assert_str_eq(json_string_value(json_array_get(ids, 0)),
                     first ? "7442585813587000101" : "7442585813587000204");
    if (first)
      ck_assert_str_eq(json_string_value(json_array_get(ids, 2)),
                       "7442585813587000103");
    json_decref(body);
  }

  assert_document("manuals", 7442585813587000101u, "7442585813587000101");
  assert_document("manuals", 7442585813587000102u, "faq");
  assert_document("manuals", 7442585813587000103u, "7442585813587000103");
  assert_document("7442585813587000002", 7442585813587000204u, "guide");
  ck_assert_uint_eq(stub_values_num, 16);
  ck_assert_uint_eq(stub_count_logs(LOG_INFO, "polling 3 documents in 1 "
                                              "request(s)"),
                    1);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, ""), 0);
  ck_assert_uint_eq(stub_count_logs(LOG_WARNING, ""), 0);
  assert_no_token_logged();
  stop();
}
END_TEST

/* Each failure kind: the healthy dataset keeps its values, the failing
 * one is logged once with what support needs, and nothing is dispatched
 * for it. */
typedef struct failure_case {
  mode_t_ mode;
  const char *log;
  const char *logid;
} failure_case_t;

static const failure_case_t failure_cases[] = {
    {MODE_API_ERROR,
     "1 of 1 request(s) failed: code 4100: authentication is "
     "invalid",
     "log ID L-4100"},
    {MODE_HTTP_500, "HTTP 500, code 5000: internal error", "log ID L-500"},
    {MODE_HTTP_502, "HTTP 502, body: \"<html><body>502 Bad Gateway</body>",
     "log ID L-502-HEADER"},
    {MODE_MALFORMED,
     "HTTP 200, unusable answer: invalid JSON at line 1, "
     "column",
     NULL},
    {MODE_TRUNCATED, "HTTP 200, unusable answer: invalid JSON", NULL},
    {MODE_CUT_SHORT, "request failed: transfer closed with", NULL},
};

START_TEST(test_failures) {
  const failure_case_t *c = &failure_cases[_i];

  world.rules[0] = (rule_t){.dataset = "7442585813587000002", .mode = c->mode};
  start(TWO_DATASETS);
  read_once();

  assert_document("manuals", 7442585813587000102u, "faq");
  ck_assert_ptr_null(stub_find("7442585813587000002", "percent", "guide"));
  if (stub_count_logs(LOG_ERR, c->log) != 1)
    stub_dump_logs();
  ck_assert_msg(stub_count_logs(LOG_ERR, c->log) == 1, "case %d: no \"%s\"", _i,
                c->log);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "dataset \"7442585813587000002\" "
                                             "(7442585813587000002)"),
                    1);
  if (c->logid != NULL)
    ck_assert_uint_eq(stub_count_logs(LOG_ERR, c->logid), 1);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "manuals"), 0);

  /* The same failure at the next read is not logged again. */
  read_once();
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, c->log), 1);

  /* Recovery is logged once. */
  world.rules[0].mode = MODE_OK;
  read_once();
  assert_document("7442585813587000002", 7442585813587000204u, "guide");
  ck_assert_uint_eq(stub_count_logs(LOG_INFO, "answers are good again after "
                                              "2 failed read(s)"),
                    1);
  assert_no_token_logged();
  stop();
}
END_TEST

START_TEST(test_changed_failure_is_logged) {
  world.rules[0] =
      (rule_t){.dataset = "7442585813587000001", .mode = MODE_HTTP_500};
  start(TWO_DATASETS);
  read_once();
  world.rules[0].mode = MODE_API_ERROR;
  read_once();
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "HTTP 500"), 1);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "code 4100"), 1);
  stop();
}
END_TEST

/* The same failure with other details (here, how many bytes were cut) is
 * still the same failure: not logged again. */
START_TEST(test_same_failure_other_details) {
  world.rules[0] =
      (rule_t){.dataset = "7442585813587000001", .mode = MODE_CUT_SHORT};
  start(TWO_DATASETS);
  read_once();
  world.rules[0].omit = 7442585813587000102u;
  read_once();
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "transfer closed with"), 1);
  stop();
}
END_TEST

START_TEST(test_connection_refused) {
  start("BaseURL \"http://127.0.0.1:1\"\nToken \"t\"\n<Dataset \"1\">\n"
        "Document \"2\"\n</Dataset>\n<Dataset \"3\">\nBaseURL \"@URL@\"\n"
        "Document \"4\"\n</Dataset>\n");
  read_once();
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "dataset \"1\" (1): 1 of 1 "
                                             "request(s) failed: request "
                                             "failed: "),
                    1);
  assert_document("3", 4, "4");
  stop();
}
END_TEST

/* A dataset slower than its timeout next to a fast one: the fast one's
 * values arrive, the read ends at the slow one's timeout, not its answer. */
START_TEST(test_slow_next_to_fast) {
  double took;

  world.rules[0] = (rule_t){
      .dataset = "7442585813587000001", .mode = MODE_SLOW, .delay_ms = 4000};
  start("BaseURL \"@URL@\"\nToken \"t\"\n"
        "<Dataset \"7442585813587000001\">\nTimeout 300\nDocument \"5\"\n"
        "</Dataset>\n<Dataset \"7442585813587000002\">\nDocument \"6\"\n"
        "</Dataset>\n");
  took = read_once();

  assert_document("7442585813587000002", 6, "6");
  ck_assert_ptr_null(stub_find("7442585813587000001", "percent", "5"));
  ck_assert_msg(took >= 250 && took < 2000, "read took %.0f ms", took);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "request failed: Operation timed "
                                             "out after"),
                    1);
  stop();
}
END_TEST

/* Hundreds of documents go out in batches of BatchSize, each document in
 * exactly one request, and all come back. */
START_TEST(test_many_documents) {
  enum { N = 450 };
  size_t size = 64 + N * 40;
  char *conf = malloc(size);
  size_t len = (size_t)snprintf(conf, size,
                                "BaseURL \"@URL@\"\nToken \"t\"\n"
                                "BatchSize 100\n"
                                "<Dataset \"77\">\n");
  const httpd_request_t *reqs;
  size_t n;
  size_t total = 0;

  for (int i = 0; i < N; i++)
    len += (size_t)snprintf(conf + len, size - len, "Document \"%d\"\n",
                            100000 + i);
  snprintf(conf + len, size - len, "</Dataset>\n");
  start(conf);
  free(conf);
  read_once();

  n = httpd_requests(&reqs);
  ck_assert_uint_eq(n, 5);
  for (size_t i = 0; i < n; i++) {
    json_t *body = json_loads(reqs[i].body, 0, NULL);
    size_t ids = json_array_size(json_object_get(body, "document_ids"));
    ck_assert_uint_le(ids, 100);
    total += ids;
    json_decref(body);
  }
  ck_assert_uint_eq(total, N);
  ck_assert_uint_eq(stub_values_num, N * 4);
  for (int i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof(name), "%d", 100000 + i);
    assert_document("77", (uint64_t)(100000 + i), name);
  }
  ck_assert_uint_eq(stub_count_logs(LOG_INFO, "polling 450 documents in 5 "
                                              "request(s)"),
                    1);
  stop();
}
END_TEST

/* Connections are kept from one read to the next, and MaxConnections
 * bounds how many are open at once. */
START_TEST(test_connections) {
  double took;

  world.delay_ms = 200;
  start("BaseURL \"@URL@\"\nToken \"t\"\nMaxConnections 2\nBatchSize 1\n"
        "<Dataset \"9\">\nDocument \"1\"\nDocument \"2\"\nDocument \"3\"\n"
        "Document \"4\"\nDocument \"5\"\nDocument \"6\"\n</Dataset>\n");
  took = read_once();
  ck_assert_uint_eq(stub_values_num, 24);
  ck_assert_uint_le(httpd_max_concurrent(), 2);
  /* Six answers of 200 ms over two connections: three rounds. */
  ck_assert_msg(took >= 550, "read took %.0f ms", took);

  read_once();
  read_once();
  ck_assert_uint_eq(stub_values_num, 72);
  ck_assert_uint_le(httpd_connections(), 2);
  stop();
}
END_TEST

/* A request waiting for a connection held by a slow dataset keeps its
 * whole timeout for itself once it starts. */
START_TEST(test_waiting_does_not_time_out) {
  world.rules[0] = (rule_t){
      .dataset = "7442585813587000001", .mode = MODE_SLOW, .delay_ms = 1200};
  start("BaseURL \"@URL@\"\nToken \"t\"\nMaxConnections 1\n"
        "<Dataset \"7442585813587000001\">\nTimeout 3000\nDocument \"5\"\n"
        "</Dataset>\n<Dataset \"7442585813587000002\">\nTimeout 800\n"
        "Document \"6\"\n</Dataset>\n");
  read_once();

  assert_document("7442585813587000001", 5, "5");
  assert_document("7442585813587000002", 6, "6");
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, ""), 0);
  ck_assert_uint_eq(httpd_max_concurrent(), 1);
  stop();
}
END_TEST

/* A document the answer leaves out is logged when it goes missing and when
 * it comes back, not at every read, and is not dispatched meanwhile. */
START_TEST(test_missing_document) {
  world.rules[0] = (rule_t){.dataset = "7442585813587000001",
                            .mode = MODE_OMIT,
                            .omit = 7442585813587000102u};
  start(TWO_DATASETS);
  read_once();
  read_once();

  ck_assert_ptr_null(stub_find("manuals", "percent", "faq"));
  assert_document("manuals", 7442585813587000103u, "7442585813587000103");
  ck_assert_uint_eq(stub_count_logs(LOG_WARNING, "document 7442585813587000102 "
                                                 "(\"faq\") is missing"),
                    1);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, ""), 0);

  world.rules[0].omit = 0;
  read_once();
  assert_document("manuals", 7442585813587000102u, "faq");
  ck_assert_uint_eq(stub_count_logs(LOG_INFO, "document 7442585813587000102 "
                                              "(\"faq\") is reported again"),
                    1);
  stop();
}
END_TEST

/* Without a Timeout, a request may take up to the read interval. */
START_TEST(test_default_timeout_is_interval) {
  double took;

  stub_interval = MS_TO_CDTIME_T(600);
  world.rules[0] =
      (rule_t){.dataset = "/1/", .mode = MODE_SLOW, .delay_ms = 5000};
  start("BaseURL \"@URL@\"\nToken \"t\"\n<Dataset \"1\">\nDocument \"2\"\n"
        "</Dataset>\n");
  took = read_once();
  ck_assert_msg(took >= 550 && took < 2500, "read took %.0f ms", took);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "timed out"), 1);
  stop();
}
END_TEST

START_TEST(test_refused_config_does_not_poll) {
  oconfig_item_t *ci = conf_parse("Token \"t\"\n<Dataset \"x\">\n"
                                  "Document \"2\"\n</Dataset>\n");

  module_register();
  ck_assert_int_ne(stub_config_cb(ci), 0);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "coze plugin: option \"Dataset\" "
                                             "in <Plugin coze>: \"x\" is not "
                                             "a decimal dataset ID"),
                    1);
  ck_assert_int_ne(stub_init_cb(), 0);
  ck_assert_ptr_null(stub_read_cb);
  conf_free(ci);
}
END_TEST

START_TEST(test_no_block_refused_at_init) {
  module_register();
  ck_assert_int_ne(stub_init_cb(), 0);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, "no <Plugin coze> block"), 1);
}
END_TEST

/* The plugin against coze-sim: every document of a generated world comes
 * back with the values the simulator's model gives it. */
static char *sim_config(const sim_world_t *w, const char *url) {
  size_t size = 4096 + w->datasets_num * w->datasets[0].docs_num * 64;
  char *conf = malloc(size);
  size_t n = (size_t)snprintf(conf, size,
                              "BaseURL \"%s\"\nToken \"sim\"\n"
                              "BatchSize 50\n",
                              url);

  for (size_t i = 0; i < w->datasets_num; i++) {
    const sim_dataset_t *ds = &w->datasets[i];

    n += (size_t)snprintf(conf + n, size - n,
                          "<Dataset \"%s\">\nInstance \"%s\"\n", ds->id_text,
                          ds->name);
    for (size_t j = 0; j < ds->docs_num; j++)
      n += (size_t)snprintf(conf + n, size - n, "Document \"%s\"\n",
                            ds->docs[j].id_text);
    n += (size_t)snprintf(conf + n, size - n, "</Dataset>\n");
  }
  return conf;
}

static void serve_sim(sim_world_t *w, enum sim_fault second_fault) {
  sim_gen_options_t gen = {.datasets = 3,
                           .documents = 120,
                           .seed = 11,
                           .fail_share = 0.1,
                           .min_duration = 2000,
                           .max_duration = 4000};
  sim_server_options_t o = {
      .listen = "127.0.0.1:0", .token = "sim", .stall_seconds = 1};
  char url[128];
  char err[256];
  char *conf;

  ck_assert_int_eq(sim_world_generate(w, &gen), 0);
  if (second_fault != SIM_FAULT_NONE) {
    w->datasets[1].faults.rate[second_fault] = 1;
    w->datasets[1].faults.set |= 1u << second_fault;
  }
  sim_world_resolve(w);
  ck_assert_msg(sim_server_start(w, &o, url, sizeof(url), err, sizeof(err)) ==
                    0,
                "%s", err);
  conf = sim_config(w, url);
  start_plugin(conf);
  free(conf);
}

static void assert_sim_dataset(const sim_dataset_t *ds) {
  for (size_t j = 0; j < ds->docs_num; j++) {
    const sim_doc_t *d = &ds->docs[j];
    const stub_value_t *size = stub_find(ds->name, "bytes", d->id_text);
    const stub_value_t *status = stub_find(ds->name, "gauge", d->id_text);
    const stub_value_t *progress = stub_find(ds->name, "percent", d->id_text);
    const stub_value_t *left = stub_find(ds->name, "timeleft", d->id_text);

    ck_assert_msg(size && status && progress && left, "%s/%s incomplete",
                  ds->name, d->id_text);
    ck_assert(size->value == (double)d->size);
    /* The slowest document needs 2000 s: all are still processing. */
    ck_assert(status->value == 0);
    ck_assert(progress->value <= 1);
    ck_assert(left->value >= 1900 && left->value <= 4000);
  }
}

START_TEST(test_against_sim) {
  sim_world_t w;

  serve_sim(&w, SIM_FAULT_NONE);
  read_once();
  ck_assert_uint_eq(stub_values_num, 3 * 120 * 4);
  for (size_t i = 0; i < w.datasets_num; i++)
    assert_sim_dataset(&w.datasets[i]);
  ck_assert_uint_eq(stub_count_logs(LOG_INFO, "in 3 request(s)"), 3);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, ""), 0);
  stub_shutdown_cb();
  sim_server_stop();
  sim_world_free(&w);
}
END_TEST

/* One dataset behind a simulated fault: logged, the others unharmed. */
static const struct {
  enum sim_fault fault;
  const char *log;
} sim_fault_cases[] = {
    {SIM_FAULT_STALL, "request failed: "},
    {SIM_FAULT_HTTP_5XX, "HTTP 5"},
    {SIM_FAULT_HTTP_429, "HTTP 429, code 4013: too many requests"},
    {SIM_FAULT_CODE_4100, "code 4100: authentication is invalid"},
    {SIM_FAULT_CODE_4013, "code 4013: too many requests"},
    {SIM_FAULT_CODE_4000, "code 4000: invalid parameter"},
    {SIM_FAULT_MALFORMED, "unusable answer: invalid JSON"},
    {SIM_FAULT_TRUNCATED, "request failed: transfer closed with"},
};

START_TEST(test_against_sim_faults) {
  sim_world_t w;
  char want[160];

  stub_interval = MS_TO_CDTIME_T(2000);
  serve_sim(&w, sim_fault_cases[_i].fault);
  read_once();
  assert_sim_dataset(&w.datasets[0]);
  assert_sim_dataset(&w.datasets[2]);
  ck_assert_ptr_null(
      stub_find(w.datasets[1].name, "bytes", w.datasets[1].docs[0].id_text));
  snprintf(want, sizeof(want), "dataset \"%s\" (%s): 3 of 3 request(s) failed",
           w.datasets[1].name, w.datasets[1].id_text);
  if (stub_count_logs(LOG_ERR, sim_fault_cases[_i].log) != 1)
    stub_dump_logs();
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, want), 1);
  ck_assert_uint_eq(stub_count_logs(LOG_ERR, sim_fault_cases[_i].log), 1);
  stub_shutdown_cb();
  sim_server_stop();
  sim_world_free(&w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("plugin");
  TCase *tc = tcase_create("http");

  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, test_requests_and_values);
  tcase_add_loop_test(tc, test_failures, 0,
                      sizeof(failure_cases) / sizeof(failure_cases[0]));
  tcase_add_test(tc, test_changed_failure_is_logged);
  tcase_add_test(tc, test_same_failure_other_details);
  tcase_add_test(tc, test_connection_refused);
  tcase_add_test(tc, test_slow_next_to_fast);
  tcase_add_test(tc, test_many_documents);
  tcase_add_test(tc, test_connections);
  tcase_add_test(tc, test_waiting_does_not_time_out);
  tcase_add_test(tc, test_missing_document);
  tcase_add_test(tc, test_default_timeout_is_interval);
  tcase_add_test(tc, test_refused_config_does_not_poll);
  tcase_add_test(tc, test_no_block_refused_at_init);
  tcase_add_test(tc, test_against_sim);
  tcase_add_loop_test(tc, test_against_sim_faults, 0,
                      sizeof(sim_fault_cases) / sizeof(sim_fault_cases[0]));
  suite_add_tcase(s, tc);

  return run_suite(s);
}
