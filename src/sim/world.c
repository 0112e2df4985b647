/* See world.h. Generated worlds are deterministic for a seed, so a run can
 * be repeated; scenario files are checked key by key, so a typo is an error
 * and not a silently ignored setting. */
#include "world.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "coze_id.h"

const char *const sim_fault_names[SIM_FAULT_KINDS] = {
    "stall",     "http_5xx",  "http_429",  "code_4100",
    "code_4013", "code_4000", "malformed", "truncated",
};

static const char *const doc_types[] = {"pdf", "docx", "txt",
                                        "md",  "jpg",  "csv"};

static const char *const fail_reasons[] = {
    "file parse failed: the PDF is encrypted",
    "segmentation failed: no text could be extracted",
    "the file exceeds the size limit of the knowledge base",
};

/* splitmix64: small, fast and good enough for a simulator. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double uniform(uint64_t *state) {
  return (double)(next_random(state) >> 11) / 9007199254740992.0;
}

static int compare_docs(const void *a, const void *b) {
  uint64_t x = ((const sim_doc_t *)a)->id;
  uint64_t y = ((const sim_doc_t *)b)->id;
  return (x > y) - (x < y);
}

static int compare_datasets(const void *a, const void *b) {
  uint64_t x = ((const sim_dataset_t *)a)->id;
  uint64_t y = ((const sim_dataset_t *)b)->id;
  return (x > y) - (x < y);
}

static void doc_defaults(sim_doc_t *d, uint64_t id) {
  memset(d, 0, sizeof(*d));
  d->id = id;
  snprintf(d->id_text, sizeof(d->id_text), "%" PRIu64, id);
  d->fail_at = -1;
  d->fixed_status = -1;
  d->fixed_remaining = -1;
  d->created = (int64_t)time(NULL);
}

/* Marks about share * total of the indexes 0..total-1, spread evenly and
 * shifted by offset so that two shares do not pick the same documents. */
static bool picked(size_t index, size_t total, double share, size_t offset) {
  size_t n = (size_t)llround(share * (double)total);
  size_t k = (index + offset) % total;

  if (n == 0)
    return false;
  return (k * n) / total != ((k + 1) * n) / total;
}

static void generate_doc(sim_doc_t *d, const sim_gen_options_t *o, unsigned ds,
                         unsigned j, size_t k, size_t total, uint64_t *rng) {
  double span = o->max_duration - o->min_duration;
  double duration = o->min_duration + span * uniform(rng);

  doc_defaults(d, 7442585900000000000u + (uint64_t)ds * 100000u + j + 1);
  snprintf(
      d->type, sizeof(d->type), "%s",
      doc_types[next_random(rng) % (sizeof(doc_types) / sizeof(doc_types[0]))]);
  snprintf(d->name, sizeof(d->name), "doc-%02u-%03u.%s", ds + 1, j + 1,
           d->type);
  d->size = 10240 + (int64_t)(next_random(rng) % (50u * 1024 * 1024));
  d->rate = duration > 0 ? 100.0 / duration : 0;
  if (picked(k, total, o->fail_share, 0)) {
    d->fail_at = 20 + (int)(next_random(rng) % 61);
    snprintf(d->status_descript, sizeof(d->status_descript), "%s",
             fail_reasons[next_random(rng) %
                          (sizeof(fail_reasons) / sizeof(fail_reasons[0]))]);
  }
  if (picked(k, total, o->auto_update_share, total / 2 + 1)) {
    d->update_type = 1;
    d->update_interval = 24;
  }
}

int sim_world_generate(sim_world_t *w, const sim_gen_options_t *o) {
  uint64_t rng = o->seed;
  size_t total = (size_t)o->datasets * o->documents;

  memset(w, 0, sizeof(*w));
  w->datasets = calloc(o->datasets ? o->datasets : 1, sizeof(*w->datasets));
  if (w->datasets == NULL)
    return -1;
  for (unsigned i = 0; i < o->datasets; i++) {
    sim_dataset_t *ds = &w->datasets[w->datasets_num++];

    ds->id = 7442585813587000000u + (uint64_t)(i + 1) * 1000003u;
    snprintf(ds->id_text, sizeof(ds->id_text), "%" PRIu64, ds->id);
    snprintf(ds->name, sizeof(ds->name), "kb-%02u", i + 1);
    ds->docs = calloc(o->documents ? o->documents : 1, sizeof(*ds->docs));
    if (ds->docs == NULL)
      return -1;
    for (unsigned j = 0; j < o->documents; j++)
      generate_doc(&ds->docs[ds->docs_num++], o, i, j,
                   (size_t)i * o->documents + j, total, &rng);
  }
  return 0;
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t size,
                                                      const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(err, size, fmt, ap);
  va_end(ap);
  return -1;
}

/* Refuses keys of obj not in allowed (NULL-terminated). */
static int check_keys(const json_t *obj, const char *const *allowed,
                      const char *where, char *err, size_t size) {
  const char *key;
  json_t *v;

  json_object_foreach((json_t *)obj, key, v) {
    const char *const *a = allowed;
    while (*a != NULL && strcmp(*a, key) != 0)
      a++;
    if (*a == NULL)
      return fail(err, size, "%s: unknown key \"%s\"", where, key);
  }
  return 0;
}

static int get_number(const json_t *obj, const char *key, double min,
                      double max, double *out, const char *where, char *err,
                      size_t size) {
  const json_t *v = json_object_get(obj, key);

  if (v == NULL)
    return 0;
  if (!json_is_number(v) || json_number_value(v) < min ||
      json_number_value(v) > max)
    return fail(err, size, "%s: %s must be a number from %g to %g", where, key,
                min, max);
  *out = json_number_value(v);
  return 0;
}

/* 64-bit fields are read as JSON integers, never through a double. */
static int get_int64(const json_t *obj, const char *key, int64_t *out,
                     const char *where, char *err, size_t size) {
  const json_t *v = json_object_get(obj, key);

  if (v == NULL)
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return fail(err, size, "%s: %s must be a whole number of at least 0", where,
                key);
  *out = (int64_t)json_integer_value(v);
  return 0;
}

static int get_text(const json_t *obj, const char *key, char *dst,
                    size_t dst_size, const char *where, char *err,
                    size_t size) {
  const json_t *v = json_object_get(obj, key);

  if (v == NULL)
    return 0;
  if (!json_is_string(v) || strlen(json_string_value(v)) >= dst_size)
    return fail(err, size, "%s: %s must be a string of at most %zu bytes",
                where, key, dst_size - 1);
  snprintf(dst, dst_size, "%s", json_string_value(v));
  return 0;
}

/* Reads an optional number of milliseconds; marks it given in f->set. */
static int get_ms(const json_t *obj, const char *key, int *slot, unsigned flag,
                  sim_faults_t *f, const char *at, char *err, size_t size) {
  double v = -1;

  if (get_number(obj, key, 0, 600000, &v, at, err, size) != 0)
    return -1;
  if (v >= 0) {
    *slot = (int)v;
    f->set |= flag;
  }
  return 0;
}

static int load_faults(const json_t *obj, sim_faults_t *f, const char *where,
                       char *err, size_t size) {
  const char *keys[SIM_FAULT_KINDS + 3] = {"latency_ms", "jitter_ms"};
  char at[160];

  if (obj == NULL)
    return 0;
  snprintf(at, sizeof(at), "%s.faults", where);
  if (!json_is_object(obj))
    return fail(err, size, "%s must be an object", at);
  for (int k = 0; k < SIM_FAULT_KINDS; k++)
    keys[2 + k] = sim_fault_names[k];
  if (check_keys(obj, keys, at, err, size) != 0)
    return -1;

  for (int k = 0; k < SIM_FAULT_KINDS; k++) {
    double v = -1;

    if (get_number(obj, sim_fault_names[k], 0, 1, &v, at, err, size) != 0)
      return -1;
    if (v >= 0) {
      f->rate[k] = v;
      f->set |= 1u << k;
    }
  }
  if (get_ms(obj, "latency_ms", &f->latency_ms, SIM_SET_LATENCY, f, at, err,
             size) != 0 ||
      get_ms(obj, "jitter_ms", &f->jitter_ms, SIM_SET_JITTER, f, at, err,
             size) != 0)
    return -1;
  return 0;
}

static int load_id(const json_t *obj, uint64_t *id, char *text,
                   const char *where, char *err, size_t size) {
  const json_t *v = json_object_get(obj, "id");

  if (!json_is_string(v) || coze_parse_id(json_string_value(v), id) != 0)
    return fail(err, size, "%s: id must be a decimal ID in a string", where);
  snprintf(text, COZE_ID_MAX, "%s", json_string_value(v));
  return 0;
}

static int load_doc(const json_t *obj, sim_doc_t *d, const char *where,
                    char *err, size_t size) {
  static const char *const keys[] = {"id",          "name",
                                     "type",        "size",
                                     "progress",    "duration",
                                     "fail_at",     "status_descript",
                                     "update_type", "update_interval",
                                     "status",      "remaining_time",
                                     NULL};
  double progress = 0, duration = 0, fail_at = -1, status = -1;
  double update_type = 0, interval = 0;
  uint64_t id;
  char text[COZE_ID_MAX];

  if (!json_is_object(obj))
    return fail(err, size, "%s must be an object", where);
  if (check_keys(obj, keys, where, err, size) != 0 ||
      load_id(obj, &id, text, where, err, size) != 0)
    return -1;
  doc_defaults(d, id);
  snprintf(d->name, sizeof(d->name), "%s.pdf", d->id_text);
  snprintf(d->type, sizeof(d->type), "pdf");
  if (get_text(obj, "name", d->name, sizeof(d->name), where, err, size) ||
      get_text(obj, "type", d->type, sizeof(d->type), where, err, size) ||
      get_text(obj, "status_descript", d->status_descript,
               sizeof(d->status_descript), where, err, size) ||
      get_int64(obj, "size", &d->size, where, err, size) ||
      get_number(obj, "progress", 0, 100, &progress, where, err, size) ||
      get_number(obj, "duration", 0, 1e9, &duration, where, err, size) ||
      get_number(obj, "fail_at", 0, 100, &fail_at, where, err, size) ||
      get_number(obj, "status", 0, 1e9, &status, where, err, size) ||
      get_int64(obj, "remaining_time", &d->fixed_remaining, where, err, size) ||
      get_number(obj, "update_type", 0, 2, &update_type, where, err, size) ||
      get_number(obj, "update_interval", 0, 1e6, &interval, where, err, size))
    return -1;

  d->start_progress = progress;
  d->rate = duration > 0 ? (100.0 - progress) / duration : 0;
  d->fail_at = (int)fail_at;
  d->fixed_status = (int64_t)status;
  d->update_type = (int)update_type;
  d->update_interval = (int)interval;
  return 0;
}

static int load_dataset(const json_t *obj, sim_dataset_t *ds, const char *where,
                        char *err, size_t size) {
  static const char *const keys[] = {"id", "name", "faults", "documents", NULL};
  const json_t *docs = json_object_get(obj, "documents");
  char at[160];

  if (!json_is_object(obj))
    return fail(err, size, "%s must be an object", where);
  if (check_keys(obj, keys, where, err, size) != 0 ||
      load_id(obj, &ds->id, ds->id_text, where, err, size) != 0)
    return -1;
  snprintf(ds->name, sizeof(ds->name), "%s", ds->id_text);
  if (get_text(obj, "name", ds->name, sizeof(ds->name), where, err, size) ||
      load_faults(json_object_get(obj, "faults"), &ds->faults, where, err,
                  size))
    return -1;
  if (!json_is_array(docs) || json_array_size(docs) == 0)
    return fail(err, size, "%s: documents must be a non-empty array", where);

  ds->docs = calloc(json_array_size(docs), sizeof(*ds->docs));
  if (ds->docs == NULL)
    return fail(err, size, "out of memory");
  for (size_t i = 0; i < json_array_size(docs); i++) {
    snprintf(at, sizeof(at), "%s.documents[%zu]", where, i);
    if (load_doc(json_array_get(docs, i), &ds->docs[i], at, err, size))
      return -1;
    ds->docs_num++;
  }
  return 0;
}

static int load_world(sim_world_t *w, const json_t *root, char *err,
                      size_t size) {
  static const char *const keys[] = {"faults", "datasets", NULL};
  const json_t *list = json_object_get(root, "datasets");
  char at[64];

  if (!json_is_object(root))
    return fail(err, size, "the scenario must be a JSON object");
  if (check_keys(root, keys, "scenario", err, size) != 0 ||
      load_faults(json_object_get(root, "faults"), &w->faults, "scenario", err,
                  size) != 0)
    return -1;
  if (!json_is_array(list) || json_array_size(list) == 0)
    return fail(err, size, "scenario: datasets must be a non-empty array");

  w->datasets = calloc(json_array_size(list), sizeof(*w->datasets));
  if (w->datasets == NULL)
    return fail(err, size, "out of memory");
  for (size_t i = 0; i < json_array_size(list); i++) {
    snprintf(at, sizeof(at), "datasets[%zu]", i);
    w->datasets_num++;
    if (load_dataset(json_array_get(list, i), &w->datasets[i], at, err, size) !=
        0)
      return -1;
  }
  return 0;
}

/* Sorts for lookups and refuses an ID used twice. */
static int index_world(sim_world_t *w, char *err, size_t size) {
  qsort(w->datasets, w->datasets_num, sizeof(*w->datasets), compare_datasets);
  for (size_t i = 0; i < w->datasets_num; i++) {
    sim_dataset_t *ds = &w->datasets[i];

    if (i > 0 && w->datasets[i - 1].id == ds->id)
      return fail(err, size, "dataset %s is listed twice", ds->id_text);
    qsort(ds->docs, ds->docs_num, sizeof(*ds->docs), compare_docs);
    for (size_t j = 1; j < ds->docs_num; j++)
      if (ds->docs[j - 1].id == ds->docs[j].id)
        return fail(err, size, "dataset %s: document %s is listed twice",
                    ds->id_text, ds->docs[j].id_text);
  }
  return 0;
}

int sim_world_load(sim_world_t *w, const char *path, char *err, size_t size) {
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  char reason[256];
  int status;

  memset(w, 0, sizeof(*w));
  if (root == NULL)
    return fail(err, size, "%s: line %d, column %d: %s", path, jerr.line,
                jerr.column, jerr.text);
  status = load_world(w, root, reason, sizeof(reason));
  if (status == 0)
    status = index_world(w, reason, sizeof(reason));
  json_decref(root);
  if (status != 0) {
    fail(err, size, "%s: %s", path, reason);
    sim_world_free(w);
  }
  return status;
}

int sim_fault_parse(sim_faults_t *f, const char *spec, char *err, size_t size) {
  const char *eq = strchr(spec, '=');
  char *end;
  double rate;

  if (eq == NULL)
    return fail(err, size, "--fault %s: expected KIND=RATE", spec);
  rate = strtod(eq + 1, &end);
  if (end == eq + 1 || *end != '\0' || rate < 0 || rate > 1)
    return fail(err, size, "--fault %s: the rate must be from 0 to 1", spec);
  for (int k = 0; k < SIM_FAULT_KINDS; k++) {
    if (strlen(sim_fault_names[k]) == (size_t)(eq - spec) &&
        strncmp(sim_fault_names[k], spec, (size_t)(eq - spec)) == 0) {
      f->rate[k] = rate;
      f->set |= 1u << k;
      return 0;
    }
  }
  return fail(err, size,
              "--fault %s: unknown kind (stall, http_5xx, "
              "http_429, code_4100, code_4013, code_4000, "
              "malformed, truncated)",
              spec);
}

void sim_world_resolve(sim_world_t *w) {
  const sim_faults_t *top = &w->faults;

  for (size_t i = 0; i < w->datasets_num; i++) {
    sim_faults_t *f = &w->datasets[i].faults;

    for (int k = 0; k < SIM_FAULT_KINDS; k++)
      if (!(f->set & (1u << k)))
        f->rate[k] = top->rate[k];
    if (!(f->set & SIM_SET_LATENCY))
      f->latency_ms = top->latency_ms;
    if (!(f->set & SIM_SET_JITTER))
      f->jitter_ms = top->jitter_ms;
  }
}

void sim_world_free(sim_world_t *w) {
  for (size_t i = 0; i < w->datasets_num; i++)
    free(w->datasets[i].docs);
  free(w->datasets);
  memset(w, 0, sizeof(*w));
}

const sim_dataset_t *sim_world_find(const sim_world_t *w, uint64_t id) {
  sim_dataset_t key = {.id = id};
  return bsearch(&key, w->datasets, w->datasets_num, sizeof(key),
                 compare_datasets);
}

const sim_doc_t *sim_dataset_find(const sim_dataset_t *ds, uint64_t id) {
  sim_doc_t key = {.id = id};
  return bsearch(&key, ds->docs, ds->docs_num, sizeof(key), compare_docs);
}

void sim_doc_state(const sim_doc_t *d, double elapsed, sim_doc_state_t *out) {
  double p = d->start_progress + d->rate * (elapsed > 0 ? elapsed : 0);

  if (d->fail_at >= 0 && p >= d->fail_at) {
    out->status = 9;
    out->progress = d->fail_at;
    out->remaining_time = 0;
  } else if (p >= 100) {
    out->status = 1;
    out->progress = 100;
    out->remaining_time = 0;
  } else {
    out->status = 0;
    out->progress = (int64_t)floor(p);
    out->remaining_time = d->rate > 0 ? (int64_t)ceil((100 - p) / d->rate) : 0;
  }
  if (d->fixed_status >= 0)
    out->status = d->fixed_status;
  if (d->fixed_remaining >= 0)
    out->remaining_time = d->fixed_remaining;
}

enum sim_fault sim_fault_pick(const sim_faults_t *f, double u) {
  double edge = 0;

  for (int k = 0; k < SIM_FAULT_KINDS; k++) {
    edge += f->rate[k];
    if (u < edge)
      return (enum sim_fault)k;
  }
  return SIM_FAULT_NONE;
}
