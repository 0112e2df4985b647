/* coze-sim: a stand-in for the Coze knowledge-base API, so that the plugin
 * can be tried, tested and benchmarked without an account. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coze_version.h"
#include "server.h"
#include "world.h"

typedef struct options {
  sim_server_options_t server;
  sim_gen_options_t gen;
  const char *scenario;
  const char *collectd_config;
  sim_faults_t faults;
} options_t;

static void usage(FILE *out) {
  fprintf(out,
          "usage: coze-sim [options]\n"
          "  --listen HOST:PORT     address to serve (default 127.0.0.1:0,\n"
          "                         port 0 picks a free one)\n"
          "  --token TOKEN          bearer token to accept (default "
          "coze-sim-token)\n"
          "  --datasets N           datasets to generate (default 3)\n"
          "  --documents M          documents per dataset (default 4)\n"
          "  --scenario FILE        a JSON world instead of a generated one\n"
          "  --seed N               seed of the generated world and faults\n"
          "  --fail-share F         share of documents failing part-way "
          "(default 0.1)\n"
          "  --auto-update-share F  share updated automatically (default "
          "0.2)\n"
          "  --min-duration S       fastest document, seconds (default 20)\n"
          "  --max-duration S       slowest document, seconds (default 180)\n"
          "  --latency MS           delay of every answer\n"
          "  --jitter MS            plus up to this much at random\n"
          "  --fault KIND=RATE      share of requests that fail this way;\n"
          "                         KIND: stall http_5xx http_429 code_4100\n"
          "                         code_4013 code_4000 malformed truncated\n"
          "  --stall-seconds S      how long a stalled request hangs "
          "(default 30)\n"
          "  --collectd-config FILE write the <Plugin coze> block polling "
          "this world\n"
          "  --log-requests         one line per request on stderr\n"
          "  --version, --help\n");
}

static int parse_number(const char *name, const char *text, double min,
                        double max, double *out) {
  char *end;
  double v = strtod(text, &end);

  if (end == text || *end != '\0' || v < min || v > max) {
    fprintf(stderr, "coze-sim: %s %s: expected a number from %g to %g\n", name,
            text, min, max);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_options(int argc, char **argv, options_t *o) {
  static const struct option longopts[] = {
      {"listen", required_argument, 0, 'l'},
      {"token", required_argument, 0, 't'},
      {"datasets", required_argument, 0, 'd'},
      {"documents", required_argument, 0, 'm'},
      {"scenario", required_argument, 0, 's'},
      {"seed", required_argument, 0, 'S'},
      {"fail-share", required_argument, 0, 'f'},
      {"auto-update-share", required_argument, 0, 'a'},
      {"min-duration", required_argument, 0, 'n'},
      {"max-duration", required_argument, 0, 'x'},
      {"latency", required_argument, 0, 'L'},
      {"jitter", required_argument, 0, 'J'},
      {"fault", required_argument, 0, 'F'},
      {"stall-seconds", required_argument, 0, 'T'},
      {"collectd-config", required_argument, 0, 'c'},
      {"log-requests", no_argument, 0, 'r'},
      {"version", no_argument, 0, 'V'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  char err[256];
  double v;
  int c;

  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    const char *name = argv[optind - 1];
    int bad = 0;

    switch (c) {
    case 'l':
      o->server.listen = optarg;
      break;
    case 't':
      o->server.token = optarg;
      break;
    case 's':
      o->scenario = optarg;
      break;
    case 'c':
      o->collectd_config = optarg;
      break;
    case 'r':
      o->server.log_requests = true;
      break;
    case 'd':
      bad = parse_number(name, optarg, 1, 100000, &v);
      o->gen.datasets = (unsigned)v;
      break;
    case 'm':
      bad = parse_number(name, optarg, 1, 100000, &v);
      o->gen.documents = (unsigned)v;
      break;
    case 'S':
      bad = parse_number(name, optarg, 0, 1e15, &v);
      o->gen.seed = o->server.seed = (uint64_t)v;
      break;
    case 'f':
      bad = parse_number(name, optarg, 0, 1, &o->gen.fail_share);
      break;
    case 'a':
      bad = parse_number(name, optarg, 0, 1, &o->gen.auto_update_share);
      break;
    case 'n':
      bad = parse_number(name, optarg, 0, 1e7, &o->gen.min_duration);
      break;
    case 'x':
      bad = parse_number(name, optarg, 0, 1e7, &o->gen.max_duration);
      break;
    case 'L':
      bad = parse_number(name, optarg, 0, 600000, &v);
      o->faults.latency_ms = (int)v;
      o->faults.set |= SIM_SET_LATENCY;
      break;
    case 'J':
      bad = parse_number(name, optarg, 0, 600000, &v);
      o->faults.jitter_ms = (int)v;
      o->faults.set |= SIM_SET_JITTER;
      break;
    case 'T':
      bad = parse_number(name, optarg, 0, 86400, &v);
      o->server.stall_seconds = (int)v;
      break;
    case 'F':
      if ((bad = sim_fault_parse(&o->faults, optarg, err, sizeof(err))))
        fprintf(stderr, "coze-sim: %s\n", err);
      break;
    case 'V':
      printf("coze-sim %s\n", COZE_VERSION);
      exit(0);
    case 'h':
      usage(stdout);
      exit(0);
    default:
      usage(stderr);
      return -1;
    }
    if (bad)
      return -1;
  }
  if (optind < argc) {
    fprintf(stderr, "coze-sim: unexpected argument \"%s\"\n", argv[optind]);
    return -1;
  }
  if (o->gen.min_duration > o->gen.max_duration) {
    fprintf(stderr, "coze-sim: --min-duration exceeds --max-duration\n");
    return -1;
  }
  return 0;
}

/* Command-line faults override the scenario's world-wide ones. */
static void merge_faults(sim_faults_t *world, const sim_faults_t *cli) {
  for (int k = 0; k < SIM_FAULT_KINDS; k++)
    if (cli->set & (1u << k))
      world->rate[k] = cli->rate[k];
  if (cli->set & SIM_SET_LATENCY)
    world->latency_ms = cli->latency_ms;
  if (cli->set & SIM_SET_JITTER)
    world->jitter_ms = cli->jitter_ms;
}

/* An instance name for a document: its name without the extension. */
static void alias_of(const sim_doc_t *d, char *out, size_t size) {
  const char *dot = strrchr(d->name, '.');
  size_t len =
      dot && dot != d->name ? (size_t)(dot - d->name) : strlen(d->name);

  snprintf(out, size, "%.*s", (int)len, d->name);
  for (char *c = out; *c; c++)
    if (*c == '/' || *c == '"' || *c == '\\' || *c == '.' || *c == ' ')
      *c = '_';
}

static int write_collectd_config(const char *path, const sim_world_t *w,
                                 const char *url, const char *token) {
  FILE *fh = fopen(path, "w");

  if (fh == NULL) {
    perror(path);
    return -1;
  }
  fprintf(fh,
          "# The <Plugin coze> block that polls coze-sim's world.\n"
          "<Plugin coze>\n  BaseURL \"%s\"\n  Token \"%s\"\n",
          url, token);
  for (size_t i = 0; i < w->datasets_num; i++) {
    const sim_dataset_t *ds = &w->datasets[i];

    fprintf(fh, "  <Dataset \"%s\">\n    Instance \"%s\"\n", ds->id_text,
            ds->name);
    for (size_t j = 0; j < ds->docs_num; j++) {
      char alias[64];
      alias_of(&ds->docs[j], alias, sizeof(alias));
      fprintf(fh, "    Document \"%s\" \"%s\"\n", ds->docs[j].id_text, alias);
    }
    fprintf(fh, "  </Dataset>\n");
  }
  fprintf(fh, "</Plugin>\n");
  return fclose(fh) == 0 ? 0 : -1;
}

static int wait_for_signal(void) {
  sigset_t set;
  int sig;

  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return sigwait(&set, &sig);
}

int main(int argc, char **argv) {
  options_t o = {
      .server = {.listen = "127.0.0.1:0",
                 .token = "coze-sim-token",
                 .stall_seconds = 30,
                 .seed = 1},
      .gen = {.datasets = 3,
              .documents = 4,
              .seed = 1,
              .fail_share = 0.1,
              .auto_update_share = 0.2,
              .min_duration = 20,
              .max_duration = 180},
  };
  sim_world_t world;
  sigset_t set;
  char url[128];
  char err[512];

  if (parse_options(argc, argv, &o) != 0)
    return 2;
  if (o.scenario != NULL) {
    if (sim_world_load(&world, o.scenario, err, sizeof(err)) != 0) {
      fprintf(stderr, "coze-sim: %s\n", err);
      return 2;
    }
  } else if (sim_world_generate(&world, &o.gen) != 0) {
    fprintf(stderr, "coze-sim: out of memory\n");
    return 1;
  }
  merge_faults(&world.faults, &o.faults);
  sim_world_resolve(&world);

  /* Block the signals before the server's threads start, so that they
   * all reach sigwait below. */
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (sim_server_start(&world, &o.server, url, sizeof(url), err, sizeof(err)) !=
      0) {
    fprintf(stderr, "coze-sim: %s\n", err);
    return 1;
  }
  printf("listening on %s\n", url);
  fflush(stdout);
  if (o.collectd_config != NULL &&
      write_collectd_config(o.collectd_config, &world, url, o.server.token) !=
          0) {
    sim_server_stop();
    return 1;
  }

  wait_for_signal();
  sim_server_stop();
  fprintf(stderr, "coze-sim: served %lu requests\n", sim_server_requests());
  sim_world_free(&world);
  return 0;
}
