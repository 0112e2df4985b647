/* The coze plugin's glue with the daemon: it registers the callbacks, turns
 * the configuration into prepared requests at init, and at each read runs
 * them all at once, hands each answer to the parser and the dispatcher, and
 * logs a dataset's trouble when it starts, when it changes and when it ends,
 * not at every interval. */
/* For qsort_r. */
#define _GNU_SOURCE

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectd/core/daemon/plugin.h"

#include "coze_config.h"
#include "coze_dispatch.h"
#include "coze_http.h"
#include "coze_request.h"
#include "coze_response.h"

/* Missing documents logged one by one per dataset and read; past this a
 * count stands for the rest. */
#define COZE_MISSING_LOG_MAX 10

/* Why a request did not count. kind names the sort of failure without the
 * details that change from one occurrence to the next (byte counts, log
 * IDs), so that a lasting failure is recognised as the same one. */
typedef struct coze_failure {
  char kind[64];
  char text[512];
  char logid[128];
} coze_failure_t;

/* What the plugin remembers of a document between reads. */
typedef struct coze_doc_state {
  uint32_t seen; /* the read that last reported it */
  bool missing;  /* absent from its last answer; logged once */
} coze_doc_state_t;

typedef struct coze_state {
  coze_dataset_t *ds;
  size_t *by_id; /* document indexes sorted by ID, for the answer lookup */
  coze_doc_state_t *docs; /* in the dataset's order */

  /* This read. */
  unsigned requests;
  unsigned failed;
  unsigned missing_logged;
  coze_failure_t first; /* the first failure of this read */

  /* Across reads. */
  bool failing;
  char last_kind[64];
  unsigned failed_reads;
} coze_state_t;

typedef struct coze_batch {
  coze_state_t *state;
  size_t first; /* index of its first document in the dataset */
  size_t count;
} coze_batch_t;

static coze_config_t coze_cfg;
static bool coze_config_failed;
static coze_state_t *coze_states;
static coze_batch_t *coze_batches;
static size_t coze_batches_num;
static coze_http_t *coze_http;
static coze_answer_t coze_answer;
static uint32_t coze_read_number;
static bool coze_curl_ready;
/* The daemon never runs one read callback twice at once; the lock keeps
 * shutdown from freeing what a late read still uses. */
static pthread_mutex_t coze_lock = PTHREAD_MUTEX_INITIALIZER;

static int coze_config(oconfig_item_t *ci) {
  char err[512];

  if (coze_config_parse(&coze_cfg, ci, err, sizeof(err)) == 0)
    return 0;
  ERROR("coze plugin: %s", err);
  coze_config_failed = true;
  return -1;
}

static int coze_compare_doc(const void *a, const void *b, void *arg) {
  const coze_dataset_t *ds = arg;
  uint64_t x = ds->documents[*(const size_t *)a].id;
  uint64_t y = ds->documents[*(const size_t *)b].id;
  return (x > y) - (x < y);
}

/* Returns the index of the document with this ID, or -1. */
static ssize_t coze_find_document(const coze_state_t *st, uint64_t id) {
  size_t lo = 0;
  size_t hi = st->ds->documents_num;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint64_t at = st->ds->documents[st->by_id[mid]].id;

    if (at == id)
      return (ssize_t)st->by_id[mid];
    if (at < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int coze_state_init(coze_state_t *st, coze_dataset_t *ds) {
  size_t n = ds->documents_num;

  st->ds = ds;
  st->by_id = calloc(n, sizeof(*st->by_id));
  st->docs = calloc(n, sizeof(*st->docs));
  if (st->by_id == NULL || st->docs == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    st->by_id[i] = i;
  qsort_r(st->by_id, n, sizeof(*st->by_id), coze_compare_doc, ds);
  return 0;
}

/* Prepares one request per batch of the dataset's documents. */
static int coze_add_batches(coze_state_t *st) {
  coze_dataset_t *ds = st->ds;
  size_t size = (size_t)ds->batch_size;

  for (size_t first = 0; first < ds->documents_num; first += size) {
    coze_batch_t *b = &coze_batches[coze_batches_num];
    size_t count =
        ds->documents_num - first < size ? ds->documents_num - first : size;
    coze_transfer_t *t;

    b->state = st;
    b->first = first;
    b->count = count;
    t = coze_http_add(coze_http, coze_request_url(ds),
                      coze_request_body(ds->documents + first, count),
                      coze_request_headers(ds->token), b);
    if (t == NULL)
      return -1;
    t->timeout_ms = ds->timeout_ms;
    coze_batches_num++;
    st->requests++;
  }
  return 0;
}

static void coze_free_all(void) {
  coze_http_destroy(coze_http);
  coze_http = NULL;
  for (size_t i = 0; coze_states != NULL && i < coze_cfg.datasets_num; i++) {
    free(coze_states[i].by_id);
    free(coze_states[i].docs);
  }
  free(coze_states);
  coze_states = NULL;
  free(coze_batches);
  coze_batches = NULL;
  coze_batches_num = 0;
  coze_answer_free(&coze_answer);
  coze_config_free(&coze_cfg);
}

static size_t coze_total_batches(void) {
  size_t n = 0;

  for (size_t i = 0; i < coze_cfg.datasets_num; i++) {
    const coze_dataset_t *ds = &coze_cfg.datasets[i];
    n += (ds->documents_num + (size_t)ds->batch_size - 1) /
         (size_t)ds->batch_size;
  }
  return n;
}

static void coze_log_start(const coze_state_t *st) {
  const coze_dataset_t *ds = st->ds;
  double interval = CDTIME_T_TO_DOUBLE(plugin_get_interval());
  long timeout_ms =
      ds->timeout_ms > 0 ? ds->timeout_ms : (long)(interval * 1000);

  INFO("coze plugin: dataset \"%s\" (%s): polling %zu documents in %u "
       "request(s) to %s every %g s, timeout %ld ms",
       ds->instance, ds->id_text, ds->documents_num, st->requests, ds->base_url,
       interval, timeout_ms);
}

static int coze_init(void) {
  char err[256];

  if (coze_config_failed)
    return -1;
  if (coze_cfg.datasets_num == 0) {
    ERROR("coze plugin: no <Plugin coze> block with a <Dataset> is "
          "configured");
    return -1;
  }
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
    ERROR("coze plugin: curl_global_init failed");
    return -1;
  }
  coze_curl_ready = true;
  INFO("coze plugin: %s, libcurl/%s, %zu dataset(s), at most %d "
       "connection(s)",
       coze_request_user_agent(), curl_version_info(CURLVERSION_NOW)->version,
       coze_cfg.datasets_num, coze_cfg.max_connections);

  coze_http = coze_http_create(coze_cfg.max_connections, err, sizeof(err));
  coze_states = calloc(coze_cfg.datasets_num, sizeof(*coze_states));
  coze_batches = calloc(coze_total_batches(), sizeof(*coze_batches));
  if (coze_http == NULL || coze_states == NULL || coze_batches == NULL)
    goto fail;
  for (size_t i = 0; i < coze_cfg.datasets_num; i++) {
    if (coze_state_init(&coze_states[i], &coze_cfg.datasets[i]) != 0 ||
        coze_add_batches(&coze_states[i]) != 0)
      goto fail;
    coze_log_start(&coze_states[i]);
  }
  return 0;

fail:
  ERROR("coze plugin: cannot prepare the requests: %s",
        coze_http == NULL ? err : "out of memory");
  coze_free_all();
  return -1;
}

/* Copies at most 80 bytes of a body that is not a Coze answer, for the
 * log, with anything unprintable replaced. */
static void coze_snippet(char *out, size_t size, const char *body, size_t len) {
  size_t n = 0;

  for (size_t i = 0; i < len && i < 80 && n + 1 < size; i++, n++)
    out[n] = (body[i] >= ' ' && body[i] < 0x7f) ? body[i] : '?';
  out[n] = '\0';
  if (len > 80 && n + 4 < size)
    snprintf(out + n, size - n, "...");
}

/* Fills f with why a completed transfer does not count and returns -1, or
 * returns 0 when it counts. Fills coze_answer when the body parsed. */
static int coze_judge(coze_transfer_t *t, coze_failure_t *f) {
  char perr[256];
  bool ok_status = t->http_status >= 200 && t->http_status < 300;
  int parsed;

  snprintf(f->logid, sizeof(f->logid), "%s", t->logid);
  if (t->result != CURLE_OK) {
    snprintf(f->kind, sizeof(f->kind), "curl %d", (int)t->result);
    if (t->overflow)
      snprintf(f->text, sizeof(f->text), "the answer is larger than %d bytes",
               COZE_RESPONSE_MAX);
    else
      snprintf(f->text, sizeof(f->text), "request failed: %s",
               t->error[0] ? t->error : curl_easy_strerror(t->result));
    return -1;
  }

  parsed = coze_answer_parse(&coze_answer, t->response ? t->response : "",
                             t->response_len, perr, sizeof(perr));
  if (parsed == 0 && coze_answer.logid[0] != '\0')
    snprintf(f->logid, sizeof(f->logid), "%s", coze_answer.logid);
  if (ok_status && parsed == 0 && coze_answer.code == 0)
    return 0;

  snprintf(f->kind, sizeof(f->kind), "http %ld code %" PRId64 " parsed %d",
           t->http_status, parsed == 0 ? coze_answer.code : 0, parsed);
  if (!ok_status && parsed == 0) {
    snprintf(f->text, sizeof(f->text), "HTTP %ld, code %" PRId64 ": %s",
             t->http_status, coze_answer.code, coze_answer.msg);
  } else if (!ok_status) {
    char snippet[96];
    coze_snippet(snippet, sizeof(snippet), t->response, t->response_len);
    snprintf(f->text, sizeof(f->text), "HTTP %ld, body: \"%s\"", t->http_status,
             snippet);
  } else if (parsed != 0) {
    snprintf(f->text, sizeof(f->text), "HTTP %ld, unusable answer: %s",
             t->http_status, perr);
  } else {
    snprintf(f->text, sizeof(f->text), "code %" PRId64 ": %s", coze_answer.code,
             coze_answer.msg);
  }
  return -1;
}

static void coze_note_failure(coze_state_t *st, const coze_failure_t *f) {
  if (st->failed++ == 0)
    st->first = *f;
}

/* Logs the documents of batch b that the answer left out, once each until
 * they come back. */
static void coze_check_missing(coze_state_t *st, const coze_batch_t *b) {
  const coze_dataset_t *ds = st->ds;

  for (size_t i = b->first; i < b->first + b->count; i++) {
    const coze_document_t *doc = &ds->documents[i];
    coze_doc_state_t *state = &st->docs[i];
    bool seen = state->seen == coze_read_number;

    if (seen && state->missing)
      INFO("coze plugin: dataset \"%s\": document %s (\"%s\") is reported "
           "again",
           ds->instance, doc->id_text, doc->instance);
    else if (!seen && !state->missing &&
             st->missing_logged++ < COZE_MISSING_LOG_MAX)
      WARNING("coze plugin: dataset \"%s\": document %s (\"%s\") is missing "
              "from the answer; not dispatched until it is reported",
              ds->instance, doc->id_text, doc->instance);
    state->missing = !seen;
  }
}

static void coze_on_done(coze_transfer_t *t, void *ctx) {
  coze_batch_t *b = t->owner;
  coze_state_t *st = b->state;
  coze_failure_t f;

  (void)ctx;
  if (coze_judge(t, &f) != 0) {
    coze_note_failure(st, &f);
    return;
  }

  for (size_t i = 0; i < coze_answer.items_num; i++) {
    const coze_progress_t *p = &coze_answer.items[i];
    ssize_t at = coze_find_document(st, p->document_id);

    if (at < 0)
      continue;
    st->docs[at].seen = coze_read_number;
    coze_dispatch_document(st->ds, &st->ds->documents[at], p);
  }
  coze_check_missing(st, b);

  if (coze_answer.skipped > 0) {
    snprintf(f.kind, sizeof(f.kind), "unreadable entries");
    snprintf(f.text, sizeof(f.text),
             "%zu unreadable entr%s in the answer, first: %s",
             coze_answer.skipped, coze_answer.skipped == 1 ? "y" : "ies",
             coze_answer.skipped_reason);
    coze_note_failure(st, &f);
  }
}

/* Logs the outcome of a dataset's read if it differs from the last one. */
static void coze_finish_dataset(coze_state_t *st) {
  const coze_dataset_t *ds = st->ds;

  if (st->missing_logged > COZE_MISSING_LOG_MAX)
    WARNING("coze plugin: dataset \"%s\": %u more documents are missing "
            "from the answer",
            ds->instance, st->missing_logged - COZE_MISSING_LOG_MAX);

  if (st->failed == 0) {
    if (st->failing)
      INFO("coze plugin: dataset \"%s\" (%s): answers are good again after "
           "%u failed read(s)",
           ds->instance, ds->id_text, st->failed_reads);
    st->failing = false;
    st->failed_reads = 0;
    st->last_kind[0] = '\0';
    return;
  }

  if (!st->failing || strcmp(st->first.kind, st->last_kind) != 0)
    ERROR("coze plugin: dataset \"%s\" (%s): %u of %u request(s) failed: "
          "%s%s%s; retrying every interval",
          ds->instance, ds->id_text, st->failed, st->requests, st->first.text,
          st->first.logid[0] ? ", log ID " : "", st->first.logid);
  st->failing = true;
  st->failed_reads++;
  snprintf(st->last_kind, sizeof(st->last_kind), "%s", st->first.kind);
}

static int coze_read(user_data_t *ud) {
  long interval_ms = (long)CDTIME_T_TO_MS(plugin_get_interval());

  (void)ud;
  pthread_mutex_lock(&coze_lock);
  if (coze_http == NULL) {
    pthread_mutex_unlock(&coze_lock);
    return 0;
  }

  coze_read_number++;
  for (size_t i = 0; i < coze_cfg.datasets_num; i++) {
    coze_states[i].failed = 0;
    coze_states[i].missing_logged = 0;
  }
  coze_http_run(coze_http, interval_ms, coze_on_done, NULL);
  for (size_t i = 0; i < coze_cfg.datasets_num; i++)
    coze_finish_dataset(&coze_states[i]);

  pthread_mutex_unlock(&coze_lock);
  /* Failures are per dataset and logged; a non-zero return would make the
   * daemon suspend the healthy datasets too. */
  return 0;
}

static int coze_shutdown(void) {
  pthread_mutex_lock(&coze_lock);
  coze_free_all();
  if (coze_curl_ready)
    curl_global_cleanup();
  coze_curl_ready = false;
  pthread_mutex_unlock(&coze_lock);
  return 0;
}

static int coze_init_and_register(void) {
  if (coze_init() != 0)
    return -1;
  return plugin_register_complex_read(NULL, "coze", coze_read, 0, NULL);
}

void module_register(void) {
  plugin_register_complex_config("coze", coze_config);
  plugin_register_init("coze", coze_init_and_register);
  plugin_register_shutdown("coze", coze_shutdown);
}
