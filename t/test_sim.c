/* coze-sim: its world's lifecycle and generation, its scenario checks, and
 * its HTTP answers (schema, paging, authentication, every fault) asked for
 * with libcurl, as the plugin asks. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "check_main.h"
#include "server.h"
#include "world.h"

#define TOKEN "sim-test-token"

/* --- the world ------------------------------------------------------- */

typedef struct state_case {
  const char *name;
  double start, rate;
  int fail_at;
  int64_t fixed_status, fixed_remaining;
  double at;
  sim_doc_state_t want;
} state_case_t;

static const state_case_t state_cases[] = {
    {"starts at its progress", 0, 2, -1, -1, -1, 0, {0, 0, 50}},
    {"climbs at its rate", 0, 2, -1, -1, -1, 10.4, {0, 20, 40}},
    {"remaining time falls with it", 0, 2, -1, -1, -1, 45, {0, 90, 5}},
    {"done at 100", 0, 2, -1, -1, -1, 50, {1, 100, 0}},
    {"stays done", 0, 2, -1, -1, -1, 5000, {1, 100, 0}},
    {"fails part-way", 0, 2, 30, -1, -1, 15, {9, 30, 0}},
    {"runs before it fails", 0, 2, 30, -1, -1, 14, {0, 28, 36}},
    {"a frozen document", 40, 0, -1, -1, -1, 1000, {0, 40, 0}},
    {"a fixed status", 60, 0, -1, 1000, -1, 5, {1000, 60, 0}},
    {"a fixed remaining time", 40, 0, -1, -1, 7, 5, {0, 40, 7}},
    {"started part-way", 50, 10, -1, -1, -1, 2, {0, 70, 3}},
};

START_TEST(test_doc_state) {
  const state_case_t *c = &state_cases[_i];
  sim_doc_t doc = {.start_progress = c->start,
                   .rate = c->rate,
                   .fail_at = c->fail_at,
                   .fixed_status = c->fixed_status,
                   .fixed_remaining = c->fixed_remaining};
  sim_doc_state_t got;

  sim_doc_state(&doc, c->at, &got);
  ck_assert_msg(
      got.status == c->want.status && got.progress == c->want.progress &&
          got.remaining_time == c->want.remaining_time,
      "%s at %.1f s: want status %" PRId64 " progress %" PRId64
      " remaining %" PRId64 ", got %" PRId64 " %" PRId64 " %" PRId64,
      c->name, c->at, c->want.status, c->want.progress, c->want.remaining_time,
      got.status, got.progress, got.remaining_time);
}
END_TEST

static const sim_gen_options_t gen = {.datasets = 4,
                                      .documents = 25,
                                      .seed = 7,
                                      .fail_share = 0.1,
                                      .auto_update_share = 0.2,
                                      .min_duration = 20,
                                      .max_duration = 180};

START_TEST(test_generate) {
  sim_world_t w;
  size_t failing = 0, auto_update = 0;

  ck_assert_int_eq(sim_world_generate(&w, &gen), 0);
  ck_assert_uint_eq(w.datasets_num, 4);
  for (size_t i = 0; i < w.datasets_num; i++) {
    const sim_dataset_t *ds = &w.datasets[i];

    ck_assert_uint_eq(strlen(ds->id_text), 19);
    ck_assert_ptr_eq(sim_world_find(&w, ds->id), ds);
    ck_assert_uint_eq(ds->docs_num, 25);
    for (size_t j = 0; j < ds->docs_num; j++) {
      const sim_doc_t *d = &ds->docs[j];
      sim_doc_state_t st;

      ck_assert_uint_eq(strlen(d->id_text), 19);
      ck_assert_ptr_eq(sim_dataset_find(ds, d->id), d);
      ck_assert(d->rate >= 100.0 / 180 - 1e-9 && d->rate <= 100.0 / 20);
      /* Lively: everything has finished or failed after the slowest. */
      sim_doc_state(d, 180, &st);
      ck_assert(st.status == 1 || st.status == 9);
      if (d->fail_at >= 0) {
        failing++;
        ck_assert(d->status_descript[0] != '\0');
      }
      auto_update += d->update_type == 1;
    }
  }
  ck_assert_uint_eq(failing, 10);
  ck_assert_uint_eq(auto_update, 20);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_generate_is_repeatable) {
  sim_world_t a, b;

  ck_assert_int_eq(sim_world_generate(&a, &gen), 0);
  ck_assert_int_eq(sim_world_generate(&b, &gen), 0);
  for (size_t i = 0; i < a.datasets_num; i++)
    for (size_t j = 0; j < a.datasets[i].docs_num; j++) {
      ck_assert_uint_eq(a.datasets[i].docs[j].size, b.datasets[i].docs[j].size);
      ck_assert(a.datasets[i].docs[j].rate == b.datasets[i].docs[j].rate);
    }
  sim_world_free(&a);
  sim_world_free(&b);
}
END_TEST

START_TEST(test_fault_pick) {
  sim_faults_t f = {0};
  char err[256];

  ck_assert_int_eq(sim_fault_pick(&f, 0.0), SIM_FAULT_NONE);
  ck_assert_int_eq(sim_fault_parse(&f, "http_5xx=0.25", err, sizeof(err)), 0);
  ck_assert_int_eq(sim_fault_parse(&f, "truncated=0.5", err, sizeof(err)), 0);
  ck_assert_int_eq(sim_fault_pick(&f, 0.1), SIM_FAULT_HTTP_5XX);
  ck_assert_int_eq(sim_fault_pick(&f, 0.3), SIM_FAULT_TRUNCATED);
  ck_assert_int_eq(sim_fault_pick(&f, 0.8), SIM_FAULT_NONE);

  ck_assert_int_ne(sim_fault_parse(&f, "http_5xx", err, sizeof(err)), 0);
  ck_assert_msg(strstr(err, "expected KIND=RATE"), "%s", err);
  ck_assert_int_ne(sim_fault_parse(&f, "http_5xx=2", err, sizeof(err)), 0);
  ck_assert_msg(strstr(err, "from 0 to 1"), "%s", err);
  ck_assert_int_ne(sim_fault_parse(&f, "flood=0.1", err, sizeof(err)), 0);
  ck_assert_msg(strstr(err, "unknown kind"), "%s", err);
}
END_TEST

typedef struct scenario_case {
  const char *name;
  const char *json;
  const char *error; /* NULL: valid */
} scenario_case_t;

static const scenario_case_t scenario_cases[] = {
    {"valid",
     "{\"faults\":{\"latency_ms\":5,\"http_429\":0.5},\"datasets\":[{\"id\":"
     "\"1\",\"name\":\"a\",\"faults\":{\"http_429\":0},\"documents\":[{\"id\":"
     "\"2\",\"size\":9007199254740993,\"progress\":10,\"duration\":9}]}]}",
     NULL},
    {"not JSON", "{", "line 1"},
    {"no datasets", "{}", "datasets must be a non-empty array"},
    {"unknown key", "{\"datasets\":[],\"colour\":1}", "unknown key \"colour\""},
    {"dataset id as a number",
     "{\"datasets\":[{\"id\":1,\"documents\":[{\"id\":\"2\"}]}]}",
     "datasets[0]: id must be a decimal ID in a string"},
    {"no documents", "{\"datasets\":[{\"id\":\"1\",\"documents\":[]}]}",
     "datasets[0]: documents must be a non-empty array"},
    {"progress beyond 100",
     "{\"datasets\":[{\"id\":\"1\",\"documents\":[{\"id\":\"2\",\"progress\":"
     "101}]}]}",
     "datasets[0].documents[0]: progress must be a number from 0 to 100"},
    {"size as a fraction",
     "{\"datasets\":[{\"id\":\"1\",\"documents\":[{\"id\":\"2\",\"size\":1.5}]}"
     "]}",
     "size must be a whole number"},
    {"misspelt document key",
     "{\"datasets\":[{\"id\":\"1\",\"documents\":[{\"id\":\"2\",\"fail_At\":"
     "1}]}]}",
     "unknown key \"fail_At\""},
    {"fault rate above 1",
     "{\"faults\":{\"stall\":2},\"datasets\":[{\"id\":\"1\",\"documents\":[{"
     "\"id\":\"2\"}]}]}",
     "scenario.faults: stall must be a number from 0 to 1"},
    {"duplicate document",
     "{\"datasets\":[{\"id\":\"1\",\"documents\":[{\"id\":\"2\"},{\"id\":\"2\"}"
     "]}]}",
     "dataset 1: document 2 is listed twice"},
    {"duplicate dataset",
     "{\"datasets\":[{\"id\":\"1\",\"documents\":[{\"id\":\"2\"}]},{\"id\":"
     "\"1\",\"documents\":[{\"id\":\"3\"}]}]}",
     "dataset 1 is listed twice"},
};

START_TEST(test_scenario) {
  const scenario_case_t *c = &scenario_cases[_i];
  char path[] = "/tmp/coze-sim-scenario-XXXXXX";
  int fd = mkstemp(path);
  sim_world_t w;
  char err[512] = "";
  int status;

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, c->json, strlen(c->json)), (int)strlen(c->json));
  close(fd);
  status = sim_world_load(&w, path, err, sizeof(err));
  unlink(path);

  if (c->error == NULL) {
    ck_assert_msg(status == 0, "%s refused: %s", c->name, err);
    sim_world_resolve(&w);
    ck_assert_int_eq(w.datasets[0].faults.latency_ms, 5);
    ck_assert(w.datasets[0].faults.rate[SIM_FAULT_HTTP_429] == 0);
    ck_assert_int_eq(w.datasets[0].docs[0].size, 9007199254740993);
    sim_world_free(&w);
    return;
  }
  ck_assert_msg(status != 0, "%s accepted", c->name);
  ck_assert_msg(strstr(err, c->error) != NULL, "%s: want \"%s\", got \"%s\"",
                c->name, c->error, err);
}
END_TEST

/* --- the server ------------------------------------------------------ */

static sim_world_t world;
static char base[128];

typedef struct http_result {
  CURLcode result;
  long status;
  char *body;
  size_t len;
  char logid[64];
  char retry_after[16];
  double seconds;
} http_result_t;

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  http_result_t *r = ud;

  r->body = realloc(r->body, r->len + size * n + 1);
  memcpy(r->body + r->len, data, size * n);
  r->len += size * n;
  r->body[r->len] = '\0';
  return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  http_result_t *r = ud;

  if (strncasecmp(data, "X-Tt-Logid: ", 12) == 0)
    sscanf(data + 12, "%63s", r->logid);
  if (strncasecmp(data, "Retry-After: ", 13) == 0)
    sscanf(data + 13, "%15s", r->retry_after);
  return size * n;
}

static http_result_t post(const char *path, const char *body, const char *token,
                          const char *extra_header) {
  http_result_t r = {0};
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  char url[256];
  char auth[128];

  snprintf(url, sizeof(url), "%s%s", base, path);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
  h = curl_slist_append(h, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  if (extra_header)
    h = curl_slist_append(h, extra_header);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  r.result = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.seconds);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

static const char *scenario_json =
    "{\"datasets\":[{\"id\":\"7442585813587000001\",\"name\":\"main\","
    "\"documents\":["
    "{\"id\":\"7442585813587000101\",\"name\":\"a.pdf\",\"size\":"
    "9007199254740993,\"progress\":0,\"duration\":1.5},"
    "{\"id\":\"7442585813587000102\",\"name\":\"b.pdf\",\"progress\":10,"
    "\"duration\":1000,\"fail_at\":10,\"status_descript\":\"bad file\"},"
    "{\"id\":\"7442585813587000103\",\"name\":\"c.txt\",\"type\":\"txt\","
    "\"progress\":50,\"update_type\":1,\"update_interval\":24},"
    "{\"id\":\"7442585813587000104\"},{\"id\":\"7442585813587000105\"}]},"
    "{\"id\":\"7442585813587000002\",\"name\":\"faulty\",\"documents\":[{"
    "\"id\":\"1\"}]}]}";

/* Serves the scenario above; the second dataset fails with fault (or not
 * at all when fault is SIM_FAULT_NONE). */
static void serve(enum sim_fault fault, int latency_ms) {
  char path[] = "/tmp/coze-sim-world-XXXXXX";
  int fd = mkstemp(path);
  char err[256];
  sim_server_options_t o = {
      .listen = "127.0.0.1:0", .token = TOKEN, .stall_seconds = 1, .seed = 3};

  ck_assert_int_eq(write(fd, scenario_json, strlen(scenario_json)),
                   (int)strlen(scenario_json));
  close(fd);
  ck_assert_msg(sim_world_load(&world, path, err, sizeof(err)) == 0, "%s", err);
  unlink(path);
  if (fault != SIM_FAULT_NONE) {
    sim_dataset_t *faulty =
        (sim_dataset_t *)sim_world_find(&world, 7442585813587000002u);
    faulty->faults.rate[fault] = 1;
    faulty->faults.set |= 1u << fault;
  }
  world.faults.latency_ms = latency_ms;
  sim_world_resolve(&world);
  ck_assert_msg(
      sim_server_start(&world, &o, base, sizeof(base), err, sizeof(err)) == 0,
      "%s", err);
}

static void unserve(void) {
  sim_server_stop();
  sim_world_free(&world);
}

static json_t *find_doc(json_t *list, const char *id) {
  size_t i;
  json_t *v;

  json_array_foreach(list, i, v) {
    if (strcmp(json_string_value(json_object_get(v, "document_id")), id) == 0)
      return v;
  }
  return NULL;
}

#define MAIN "/v1/datasets/7442585813587000001/process"
#define ALL_IDS                                                                \
  "{\"document_ids\":[\"7442585813587000101\",\"7442585813587000102\","        \
  "\"7442585813587000103\",\"7442585813587000104\",\"7442585813587000105\"]}"

/* The answer has the API's envelope and field types. */
START_TEST(test_progress_schema) {
  static const struct {
    const char *field;
    json_type type;
  } fields[] = {{"document_id", JSON_STRING},
                {"document_name", JSON_STRING},
                {"status", JSON_INTEGER},
                {"progress", JSON_INTEGER},
                {"remaining_time", JSON_INTEGER},
                {"size", JSON_INTEGER},
                {"type", JSON_STRING},
                {"url", JSON_STRING},
                {"update_type", JSON_INTEGER},
                {"update_interval", JSON_INTEGER}};
  http_result_t r;
  json_t *root, *list, *failed;
  size_t i;
  json_t *v;

  serve(SIM_FAULT_NONE, 0);
  r = post(MAIN, ALL_IDS, TOKEN, NULL);
  ck_assert_int_eq(r.result, CURLE_OK);
  ck_assert_int_eq(r.status, 200);
  root = json_loads(r.body, 0, NULL);
  ck_assert_ptr_nonnull(root);
  ck_assert_int_eq(json_integer_value(json_object_get(root, "code")), 0);
  ck_assert(json_is_string(json_object_get(root, "msg")));
  ck_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(root, "detail"), "logid")),
                   r.logid);
  list = json_object_get(json_object_get(root, "data"), "data");
  ck_assert_uint_eq(json_array_size(list), 5);

  json_array_foreach(list, i, v) {
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
      ck_assert_msg(json_typeof(json_object_get(v, fields[f].field)) ==
                        fields[f].type,
                    "%s has the wrong type in %s", fields[f].field, r.body);
  }
  ck_assert_int_eq(json_integer_value(json_object_get(
                       find_doc(list, "7442585813587000101"), "size")),
                   9007199254740993);
  failed = find_doc(list, "7442585813587000102");
  ck_assert_int_eq(json_integer_value(json_object_get(failed, "status")), 9);
  ck_assert_str_eq(
      json_string_value(json_object_get(failed, "status_descript")),
      "bad file");
  ck_assert_ptr_null(json_object_get(find_doc(list, "7442585813587000103"),
                                     "status_descript"));
  ck_assert_int_eq(json_integer_value(json_object_get(
                       find_doc(list, "7442585813587000103"), "update_type")),
                   1);
  json_decref(root);
  free(r.body);
  unserve();
}
END_TEST

/* A document climbs to done while it is polled. */
START_TEST(test_progress_over_time) {
  const char *body = "{\"document_ids\":[\"7442585813587000101\"]}";
  int64_t first_progress, first_remaining;
  http_result_t r;
  json_t *root, *doc;

  serve(SIM_FAULT_NONE, 0);
  usleep(300 * 1000);
  r = post(MAIN, body, TOKEN, NULL);
  root = json_loads(r.body, 0, NULL);
  doc =
      json_array_get(json_object_get(json_object_get(root, "data"), "data"), 0);
  first_progress = json_integer_value(json_object_get(doc, "progress"));
  first_remaining = json_integer_value(json_object_get(doc, "remaining_time"));
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), 0);
  ck_assert(first_progress > 0 && first_progress < 100);
  ck_assert(first_remaining >= 1 && first_remaining <= 2);
  json_decref(root);
  free(r.body);

  usleep(1400 * 1000);
  r = post(MAIN, body, TOKEN, NULL);
  root = json_loads(r.body, 0, NULL);
  doc =
      json_array_get(json_object_get(json_object_get(root, "data"), "data"), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), 1);
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "progress")), 100);
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "remaining_time")),
                   0);
  json_decref(root);
  free(r.body);
  unserve();
}
END_TEST

typedef struct refusal_case {
  const char *path;
  const char *body;
  const char *token;
  long status;
  int code;
} refusal_case_t;

static const refusal_case_t refusal_cases[] = {
    {MAIN, ALL_IDS, "wrong-token", 401, 4100},
    {"/v1/datasets/9/process", ALL_IDS, TOKEN, 404, 4200},
    {"/v1/datasets/abc/process", ALL_IDS, TOKEN, 404, 4200},
    {"/v1/unknown", "{}", TOKEN, 404, 4200},
    {MAIN, "{\"document_ids\":\"7442585813587000101\"}", TOKEN, 400, 4000},
    {MAIN, "{\"document_ids\":[7442585813587000101]}", TOKEN, 400, 4000},
    {MAIN, "not json", TOKEN, 400, 4000},
    {"/open_api/knowledge/document/list",
     "{\"dataset_id\":\"7442585813587000001\",\"page\":0,\"size\":2}", TOKEN,
     400, 4000},
};

START_TEST(test_refusals) {
  const refusal_case_t *c = &refusal_cases[_i];
  http_result_t r;
  json_t *root;

  serve(SIM_FAULT_NONE, 0);
  r = post(c->path, c->body, c->token, NULL);
  root = json_loads(r.body, 0, NULL);
  ck_assert_msg(r.status == c->status, "%s: want HTTP %ld, got %ld", c->path,
                c->status, r.status);
  ck_assert_int_eq(json_integer_value(json_object_get(root, "code")), c->code);
  ck_assert(r.logid[0] != '\0');
  json_decref(root);
  free(r.body);
  unserve();
}
END_TEST

/* Pages of the list API, under both names of the page size, with 64-bit
 * numbers as strings when asked. */
START_TEST(test_document_list) {
  const char *names[] = {"size", "page_size"};
  size_t seen = 0;

  serve(SIM_FAULT_NONE, 0);
  for (int page = 1; page <= 3; page++) {
    char body[160];
    http_result_t r;
    json_t *root, *infos, *first;

    snprintf(body, sizeof(body),
             "{\"dataset_id\":\"7442585813587000001\",\"page\":%d,\"%s\":2}",
             page, names[page % 2]);
    r = post("/open_api/knowledge/document/list", body, TOKEN,
             page == 1 ? "Agw-Js-Conv: str" : NULL);
    ck_assert_int_eq(r.status, 200);
    root = json_loads(r.body, 0, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "code")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "total")), 5);
    ck_assert_ptr_null(json_object_get(root, "data"));
    infos = json_object_get(root, "document_infos");
    ck_assert_uint_eq(json_array_size(infos), page < 3 ? 2 : 1);
    first = json_array_get(infos, 0);
    ck_assert(json_is_string(json_object_get(first, "document_id")));
    ck_assert(json_is_string(json_object_get(first, "name")));
    ck_assert(json_is_integer(json_object_get(first, "status")));
    if (page == 1) {
      ck_assert_str_eq(json_string_value(json_object_get(first, "size")),
                       "9007199254740993");
      ck_assert(json_is_string(json_object_get(first, "update_time")));
    } else {
      ck_assert(json_is_integer(json_object_get(first, "size")));
    }
    seen += json_array_size(infos);
    json_decref(root);
    free(r.body);
  }
  ck_assert_uint_eq(seen, 5);
  unserve();
}
END_TEST

/* Every fault, at rate 1 on one dataset, leaves the other one alone. */
typedef struct fault_case {
  enum sim_fault fault;
  CURLcode result;
  long status;
  int code; /* -1: the body is not JSON */
} fault_case_t;

static const fault_case_t fault_cases[] = {
    {SIM_FAULT_STALL, CURLE_GOT_NOTHING, 0, -1},
    {SIM_FAULT_HTTP_429, CURLE_OK, 429, 4013},
    {SIM_FAULT_CODE_4100, CURLE_OK, 200, 4100},
    {SIM_FAULT_CODE_4013, CURLE_OK, 200, 4013},
    {SIM_FAULT_CODE_4000, CURLE_OK, 200, 4000},
    {SIM_FAULT_MALFORMED, CURLE_OK, 200, -1},
    {SIM_FAULT_TRUNCATED, CURLE_PARTIAL_FILE, 200, -1},
};

START_TEST(test_faults) {
  const fault_case_t *c = &fault_cases[_i];
  http_result_t bad, good;
  json_t *root;

  serve(c->fault, 0);
  bad = post("/v1/datasets/7442585813587000002/process",
             "{\"document_ids\":[\"1\"]}", TOKEN, NULL);
  ck_assert_msg(bad.result == c->result, "%s: want curl %d, got %d (%s)",
                sim_fault_names[c->fault], c->result, bad.result,
                curl_easy_strerror(bad.result));
  if (c->result == CURLE_OK)
    ck_assert_int_eq(bad.status, c->status);
  root = bad.body ? json_loads(bad.body, 0, NULL) : NULL;
  if (c->code < 0)
    ck_assert_ptr_null(root);
  else
    ck_assert_int_eq(json_integer_value(json_object_get(root, "code")),
                     c->code);
  if (c->fault == SIM_FAULT_HTTP_429)
    ck_assert_str_eq(bad.retry_after, "1");
  if (c->fault == SIM_FAULT_STALL)
    ck_assert(bad.seconds >= 0.9);
  json_decref(root);
  free(bad.body);

  good = post(MAIN, ALL_IDS, TOKEN, NULL);
  ck_assert_int_eq(good.status, 200);
  free(good.body);
  unserve();
}
END_TEST

START_TEST(test_http_5xx) {
  int html = 0, json = 0;

  serve(SIM_FAULT_HTTP_5XX, 0);
  for (int i = 0; i < 40; i++) {
    http_result_t r = post("/v1/datasets/7442585813587000002/process",
                           "{\"document_ids\":[\"1\"]}", TOKEN, NULL);
    ck_assert(r.status >= 500 && r.status <= 599);
    if (r.body[0] == '<')
      html++;
    else
      json++;
    free(r.body);
  }
  ck_assert(html > 0 && json > 0);
  unserve();
}
END_TEST

START_TEST(test_latency) {
  http_result_t r;

  serve(SIM_FAULT_NONE, 300);
  r = post(MAIN, ALL_IDS, TOKEN, NULL);
  ck_assert_int_eq(r.status, 200);
  ck_assert_msg(r.seconds >= 0.29, "answered in %.3f s", r.seconds);
  free(r.body);
  unserve();
}
END_TEST

int main(void) {
  Suite *s = suite_create("sim");
  TCase *world_tc = tcase_create("world");
  TCase *http_tc = tcase_create("http");
  int status;

  curl_global_init(CURL_GLOBAL_ALL);
  tcase_add_loop_test(world_tc, test_doc_state, 0,
                      sizeof(state_cases) / sizeof(state_cases[0]));
  tcase_add_test(world_tc, test_generate);
  tcase_add_test(world_tc, test_generate_is_repeatable);
  tcase_add_test(world_tc, test_fault_pick);
  tcase_add_loop_test(world_tc, test_scenario, 0,
                      sizeof(scenario_cases) / sizeof(scenario_cases[0]));
  suite_add_tcase(s, world_tc);

  tcase_set_timeout(http_tc, 30);
  tcase_add_test(http_tc, test_progress_schema);
  tcase_add_test(http_tc, test_progress_over_time);
  tcase_add_loop_test(http_tc, test_refusals, 0,
                      sizeof(refusal_cases) / sizeof(refusal_cases[0]));
  tcase_add_test(http_tc, test_document_list);
  tcase_add_loop_test(http_tc, test_faults, 0,
                      sizeof(fault_cases) / sizeof(fault_cases[0]));
  tcase_add_test(http_tc, test_http_5xx);
  tcase_add_test(http_tc, test_latency);
  suite_add_tcase(s, http_tc);

  status = run_suite(s);
  curl_global_cleanup();
  return status;
}
