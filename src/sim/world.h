/* coze-sim's world: datasets of documents that move through their
 * processing lifecycle over time, and the faults each dataset suffers.
 * Built from flags or from a JSON scenario file; pure, no I/O besides
 * reading that file. */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coze_id.h"

enum sim_fault {
  SIM_FAULT_STALL,
  SIM_FAULT_HTTP_5XX,
  SIM_FAULT_HTTP_429,
  SIM_FAULT_CODE_4100,
  SIM_FAULT_CODE_4013,
  SIM_FAULT_CODE_4000,
  SIM_FAULT_MALFORMED,
  SIM_FAULT_TRUNCATED,
  SIM_FAULT_KINDS,
  SIM_FAULT_NONE = -1
};

/* The names used on the command line and in scenario files. */
extern const char *const sim_fault_names[SIM_FAULT_KINDS];

enum {
  SIM_SET_LATENCY = 1u << SIM_FAULT_KINDS,
  SIM_SET_JITTER = 2u << SIM_FAULT_KINDS,
};

typedef struct sim_faults {
  int latency_ms;               /* added to every answer */
  int jitter_ms;                /* plus a uniform draw in [0, jitter_ms] */
  double rate[SIM_FAULT_KINDS]; /* share of requests, 0 to 1 */
  unsigned set; /* which fields were given: bit k for rate[k], SIM_SET_* */
} sim_faults_t;

typedef struct sim_doc {
  uint64_t id;
  char id_text[COZE_ID_MAX];
  char name[64];
  char type[16];
  int64_t size;
  double start_progress;   /* percent at time 0 */
  double rate;             /* percent per second; 0 keeps it where it is */
  int fail_at;             /* percent at which it fails; -1 never */
  int64_t fixed_status;    /* >= 0: reported as is, whatever the progress */
  int64_t fixed_remaining; /* >= 0: reported as is */
  int update_type;
  int update_interval;
  char status_descript[128];
  int64_t created; /* epoch seconds, the list API's update_time */
} sim_doc_t;

typedef struct sim_dataset {
  uint64_t id;
  char id_text[COZE_ID_MAX];
  char name[64];
  sim_doc_t *docs; /* sorted by id */
  size_t docs_num;
  sim_faults_t faults; /* own settings; resolved against the world's */
} sim_dataset_t;

typedef struct sim_world {
  sim_dataset_t *datasets; /* sorted by id */
  size_t datasets_num;
  sim_faults_t faults; /* for every dataset that does not say otherwise */
} sim_world_t;

typedef struct sim_gen_options {
  unsigned datasets;
  unsigned documents; /* per dataset */
  uint64_t seed;
  double fail_share;        /* of all documents, failing part-way */
  double auto_update_share; /* of all documents, updated automatically */
  double min_duration;      /* seconds from 0 to 100 percent */
  double max_duration;
} sim_gen_options_t;

typedef struct sim_doc_state {
  int64_t status;
  int64_t progress;
  int64_t remaining_time;
} sim_doc_state_t;

/* Fills w with opts.datasets datasets of opts.documents documents each.
 * Returns 0, or -1 when out of memory. */
int sim_world_generate(sim_world_t *w, const sim_gen_options_t *opts);

/* Fills w from a scenario file; returns 0, or -1 with the reason in err. */
int sim_world_load(sim_world_t *w, const char *path, char *err,
                   size_t err_size);

/* Parses "kind=rate" into f; returns 0, or -1 with the reason in err. */
int sim_fault_parse(sim_faults_t *f, const char *spec, char *err,
                    size_t err_size);

/* Gives every dataset the world's fault settings it did not set itself. */
void sim_world_resolve(sim_world_t *w);

void sim_world_free(sim_world_t *w);

const sim_dataset_t *sim_world_find(const sim_world_t *w, uint64_t id);
const sim_doc_t *sim_dataset_find(const sim_dataset_t *ds, uint64_t id);

/* The document's state after elapsed seconds. */
void sim_doc_state(const sim_doc_t *d, double elapsed, sim_doc_state_t *out);

/* Picks the fault for a request from a uniform draw u in [0, 1). */
enum sim_fault sim_fault_pick(const sim_faults_t *f, double u);

#endif
