/* Parses and checks the <Plugin coze> block. Everything is checked before
 * anything is kept, so a refused block leaves nothing half-configured. This
 * file never logs: it reports what is wrong through an error buffer. */
#include "coze_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_FILE_MAX 65536

/* Options that a <Dataset> may override; unset ones are NULL or 0. */
typedef struct settings {
  char *base_url;
  char *token;
  char *token_file;
  long timeout_ms;
  int batch_size;
} settings_t;

typedef struct parser {
  char *err;
  size_t err_size;
  char scope[COZE_NAME_MAX + 32]; /* "<Plugin coze>" or "<Dataset ...>" */
  settings_t top;
  int max_connections;
  coze_dataset_t *datasets; /* the datasets of this block */
  size_t datasets_num;
  coze_dataset_t *ds; /* the dataset being read, inside <Dataset> */
} parser_t;

enum { SCOPE_TOP = 1, SCOPE_DATASET = 2 };

typedef int (*option_fn)(parser_t *p, const oconfig_item_t *ci, settings_t *s);

typedef struct option {
  const char *name;
  unsigned scopes;
  option_fn fn;
} option_t;

__attribute__((format(printf, 3, 4))) static int
fail(parser_t *p, const oconfig_item_t *ci, const char *fmt, ...) {
  char reason[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);

  if (ci != NULL)
    snprintf(p->err, p->err_size, "option \"%s\" in %s: %s", ci->key, p->scope,
             reason);
  else
    snprintf(p->err, p->err_size, "%s: %s", p->scope, reason);
  return -1;
}

static int get_string(parser_t *p, const oconfig_item_t *ci, int index,
                      const char **out) {
  const oconfig_value_t *v = &ci->values[index];

  if (v->type != OCONFIG_TYPE_STRING)
    return fail(p, ci, "value %d must be a quoted string", index + 1);
  *out = v->value.string;
  return 0;
}

static int want_values(parser_t *p, const oconfig_item_t *ci, int min,
                       int max) {
  if (ci->values_num >= min && ci->values_num <= max)
    return 0;
  if (min == max)
    return fail(p, ci, "expects %d value%s, got %d", min, min == 1 ? "" : "s",
                ci->values_num);
  return fail(p, ci, "expects %d to %d values, got %d", min, max,
              ci->values_num);
}

static int want_single_string(parser_t *p, const oconfig_item_t *ci,
                              const char **out) {
  if (want_values(p, ci, 1, 1) != 0)
    return -1;
  return get_string(p, ci, 0, out);
}

static int want_integer(parser_t *p, const oconfig_item_t *ci, long min,
                        long max, long *out) {
  double d;

  if (want_values(p, ci, 1, 1) != 0)
    return -1;
  if (ci->values[0].type != OCONFIG_TYPE_NUMBER)
    return fail(p, ci, "expects a number");
  d = ci->values[0].value.number;
  /* The range first: casting a double beyond long's range is undefined. */
  if (!(d >= (double)min && d <= (double)max) || d != (double)(long)d)
    return fail(p, ci, "expects a whole number from %ld to %ld, got %g", min,
                max, d);
  *out = (long)d;
  return 0;
}

/* Sets *slot to a copy of value; refuses an option given twice. */
static int set_string(parser_t *p, const oconfig_item_t *ci, char **slot,
                      const char *value) {
  if (*slot != NULL)
    return fail(p, ci, "given more than once");
  *slot = strdup(value);
  if (*slot == NULL)
    return fail(p, ci, "out of memory");
  return 0;
}

/* Reads the first value of ci as an ID. An unquoted one is refused:
 * collectd has already turned it into a double and lost digits. */
static int want_id(parser_t *p, const oconfig_item_t *ci, const char *what,
                   const char **text, uint64_t *value) {
  if (ci->values[0].type == OCONFIG_TYPE_NUMBER)
    return fail(p, ci,
                "the %s ID must be quoted: as a number it would lose digits",
                what);
  if (get_string(p, ci, 0, text) != 0)
    return -1;
  if (coze_parse_id(*text, value) != 0)
    return fail(p, ci, "\"%s\" is not a decimal %s ID", *text, what);
  return 0;
}

/* An instance becomes part of collectd's identifier host/plugin-instance/
 * type-instance: it must be short enough and must not hold a slash. */
static int check_instance(parser_t *p, const oconfig_item_t *ci,
                          const char *name) {
  if (name[0] == '\0')
    return fail(p, ci, "instance name is empty");
  if (strlen(name) >= COZE_NAME_MAX)
    return fail(p, ci, "instance name \"%s\" is longer than %d characters",
                name, COZE_NAME_MAX - 1);
  if (strchr(name, '/') != NULL)
    return fail(p, ci, "instance name \"%s\" contains a slash", name);
  return 0;
}

/* A token goes into an HTTP header: no white space, no control bytes. */
static int token_is_clean(const char *token) {
  for (const unsigned char *c = (const unsigned char *)token; *c; c++)
    if (*c <= ' ' || *c == 0x7f)
      return 0;
  return token[0] != '\0';
}

static int opt_base_url(parser_t *p, const oconfig_item_t *ci, settings_t *s) {
  const char *url = NULL;
  const char *host;
  size_t len;

  if (want_single_string(p, ci, &url) != 0)
    return -1;
  if (strncasecmp(url, "http://", 7) == 0)
    host = url + 7;
  else if (strncasecmp(url, "https://", 8) == 0)
    host = url + 8;
  else
    return fail(p, ci, "\"%s\" is not an http:// or https:// URL", url);
  if (host[0] == '\0' || host[0] == '/')
    return fail(p, ci, "\"%s\" has no host", url);
  if (strchr(host, '@') != NULL)
    return fail(p, ci,
                "\"%s\" holds credentials; give the token with Token "
                "or TokenFile",
                url);
  if (strpbrk(url, " \t\r\n?#") != NULL)
    return fail(p, ci, "\"%s\" holds white space, a query or a fragment", url);
  if (set_string(p, ci, &s->base_url, url) != 0)
    return -1;

  len = strlen(s->base_url);
  while (len > 0 && s->base_url[len - 1] == '/')
    s->base_url[--len] = '\0';
  return 0;
}

static int opt_token(parser_t *p, const oconfig_item_t *ci, settings_t *s) {
  const char *token = NULL;

  if (want_single_string(p, ci, &token) != 0)
    return -1;
  if (!token_is_clean(token))
    return fail(p, ci, "is empty or holds white space or control characters");
  return set_string(p, ci, &s->token, token);
}

static int opt_token_file(parser_t *p, const oconfig_item_t *ci,
                          settings_t *s) {
  const char *path = NULL;

  if (want_single_string(p, ci, &path) != 0)
    return -1;
  if (path[0] == '\0')
    return fail(p, ci, "path is empty");
  return set_string(p, ci, &s->token_file, path);
}

static int opt_timeout(parser_t *p, const oconfig_item_t *ci, settings_t *s) {
  long ms;

  if (s->timeout_ms != 0)
    return fail(p, ci, "given more than once");
  if (want_integer(p, ci, 1, 86400000, &ms) != 0)
    return -1;
  s->timeout_ms = ms;
  return 0;
}

static int opt_batch_size(parser_t *p, const oconfig_item_t *ci,
                          settings_t *s) {
  long n;

  if (s->batch_size != 0)
    return fail(p, ci, "given more than once");
  if (want_integer(p, ci, 1, COZE_MAX_BATCH_SIZE, &n) != 0)
    return -1;
  s->batch_size = (int)n;
  return 0;
}

static int opt_max_connections(parser_t *p, const oconfig_item_t *ci,
                               settings_t *s) {
  long n;

  (void)s;
  if (p->max_connections != 0)
    return fail(p, ci, "given more than once");
  if (want_integer(p, ci, 1, COZE_MAX_CONNECTIONS_LIMIT, &n) != 0)
    return -1;
  p->max_connections = (int)n;
  return 0;
}

static int opt_instance(parser_t *p, const oconfig_item_t *ci, settings_t *s) {
  const char *name = NULL;

  (void)s;
  if (want_single_string(p, ci, &name) != 0)
    return -1;
  if (check_instance(p, ci, name) != 0)
    return -1;
  return set_string(p, ci, &p->ds->instance, name);
}

static int opt_document(parser_t *p, const oconfig_item_t *ci, settings_t *s) {
  coze_dataset_t *ds = p->ds;
  coze_document_t *doc;
  const char *id = NULL;
  const char *alias = NULL;
  uint64_t value;

  (void)s;
  if (want_values(p, ci, 1, 2) != 0 ||
      want_id(p, ci, "document", &id, &value) != 0)
    return -1;
  if (ci->values_num == 2) {
    if (get_string(p, ci, 1, &alias) != 0 || check_instance(p, ci, alias) != 0)
      return -1;
  }

  doc = realloc(ds->documents, (ds->documents_num + 1) * sizeof(*doc));
  if (doc == NULL)
    return fail(p, ci, "out of memory");
  ds->documents = doc;
  doc = &ds->documents[ds->documents_num];
  memset(doc, 0, sizeof(*doc));
  doc->id = value;
  snprintf(doc->id_text, sizeof(doc->id_text), "%s", id);
  doc->instance = strdup(alias != NULL ? alias : id);
  if (doc->instance == NULL)
    return fail(p, ci, "out of memory");
  ds->documents_num++;
  return 0;
}

static int opt_dataset(parser_t *p, const oconfig_item_t *ci, settings_t *s);

static const option_t options[] = {
    {"BaseURL", SCOPE_TOP | SCOPE_DATASET, opt_base_url},
    {"Token", SCOPE_TOP | SCOPE_DATASET, opt_token},
    {"TokenFile", SCOPE_TOP | SCOPE_DATASET, opt_token_file},
    {"Timeout", SCOPE_TOP | SCOPE_DATASET, opt_timeout},
    {"BatchSize", SCOPE_TOP | SCOPE_DATASET, opt_batch_size},
    {"MaxConnections", SCOPE_TOP, opt_max_connections},
    {"Dataset", SCOPE_TOP, opt_dataset},
    {"Instance", SCOPE_DATASET, opt_instance},
    {"Document", SCOPE_DATASET, opt_document},
};

/* Runs the handler of each child of ci that belongs to scope. */
static int parse_children(parser_t *p, const oconfig_item_t *ci, unsigned scope,
                          settings_t *s) {
  for (int i = 0; i < ci->children_num; i++) {
    const oconfig_item_t *child = &ci->children[i];
    const option_t *opt = NULL;

    for (size_t j = 0; j < sizeof(options) / sizeof(options[0]); j++)
      if (strcasecmp(child->key, options[j].name) == 0)
        opt = &options[j];

    if (opt == NULL || !(opt->scopes & scope))
      return fail(p, child, "unknown option");
    if (child->children_num > 0 && opt->fn != opt_dataset)
      return fail(p, child, "is not a block");
    if (opt->fn(p, child, s) != 0)
      return -1;
  }
  return 0;
}

static void settings_free(settings_t *s) {
  free(s->base_url);
  free(s->token);
  free(s->token_file);
  memset(s, 0, sizeof(*s));
}

static void dataset_free(coze_dataset_t *ds) {
  if (ds == NULL)
    return;
  for (size_t i = 0; i < ds->documents_num; i++)
    free(ds->documents[i].instance);
  free(ds->documents);
  free(ds->instance);
  free(ds->base_url);
  free(ds->token);
  free(ds->token_file);
  memset(ds, 0, sizeof(*ds));
}

static int compare_ids(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a;
  uint64_t y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static int compare_strings(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts names in place and returns the first one that appears twice, or
 * NULL when all differ. */
static const char *find_duplicate_name(char **names, size_t n) {
  qsort(names, n, sizeof(*names), compare_strings);
  for (size_t i = 1; i < n; i++)
    if (strcmp(names[i - 1], names[i]) == 0)
      return names[i];
  return NULL;
}

/* Refuses a document listed twice or two documents with one instance. */
static int check_documents(parser_t *p, const coze_dataset_t *ds) {
  size_t n = ds->documents_num;
  uint64_t *ids = malloc(n * sizeof(*ids));
  char **names = malloc(n * sizeof(*names));
  const char *dup;
  int status = 0;

  if (ids == NULL || names == NULL) {
    status = fail(p, NULL, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    ids[i] = ds->documents[i].id;
    names[i] = ds->documents[i].instance;
  }

  qsort(ids, n, sizeof(*ids), compare_ids);
  for (size_t i = 1; i < n && status == 0; i++)
    if (ids[i - 1] == ids[i])
      status = fail(p, NULL, "document %" PRIu64 " is listed twice", ids[i]);
  if (status == 0 && (dup = find_duplicate_name(names, n)) != NULL)
    status = fail(p, NULL, "two documents have the instance name \"%s\"", dup);

out:
  free(ids);
  free(names);
  return status;
}

static int opt_dataset(parser_t *p, const oconfig_item_t *ci, settings_t *s) {
  settings_t own = {0};
  coze_dataset_t *list;
  const char *id = NULL;
  uint64_t value;
  int status;

  (void)s;
  if (want_values(p, ci, 1, 1) != 0 ||
      want_id(p, ci, "dataset", &id, &value) != 0)
    return -1;

  list = realloc(p->datasets, (p->datasets_num + 1) * sizeof(*list));
  if (list == NULL)
    return fail(p, ci, "out of memory");
  p->datasets = list;
  p->ds = &list[p->datasets_num++];
  memset(p->ds, 0, sizeof(*p->ds));
  snprintf(p->ds->id_text, sizeof(p->ds->id_text), "%s", id);

  snprintf(p->scope, sizeof(p->scope), "<Dataset \"%s\">", id);
  status = parse_children(p, ci, SCOPE_DATASET, &own);
  if (status == 0 && p->ds->documents_num == 0)
    status = fail(p, NULL, "no Document is listed");
  if (status == 0)
    status = check_documents(p, p->ds);

  /* The dataset keeps its own settings, also on error so that they are
   * freed with it; the rest is resolved at the end of the block. */
  p->ds->base_url = own.base_url;
  p->ds->token = own.token;
  p->ds->token_file = own.token_file;
  p->ds->timeout_ms = own.timeout_ms;
  p->ds->batch_size = own.batch_size;

  if (status == 0)
    snprintf(p->scope, sizeof(p->scope), "<Plugin coze>");
  return status;
}

/* Strips white space at both ends in place; returns the first kept byte. */
static char *trim(char *s) {
  size_t len = strlen(s);

  while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
    s[--len] = '\0';
  while (*s != '\0' && strchr(" \t\r\n", *s) != NULL)
    s++;
  return s;
}

char *coze_token_read(const char *path, char *err, size_t err_size) {
  char buf[TOKEN_FILE_MAX + 1];
  FILE *fh = fopen(path, "r");
  size_t len;
  char *token;

  if (fh == NULL) {
    snprintf(err, err_size, "cannot read token file \"%s\": %s", path,
             strerror(errno));
    return NULL;
  }
  len = fread(buf, 1, TOKEN_FILE_MAX + 1, fh);
  if (ferror(fh)) {
    snprintf(err, err_size, "cannot read token file \"%s\": %s", path,
             strerror(errno));
    fclose(fh);
    return NULL;
  }
  fclose(fh);

  if (len > TOKEN_FILE_MAX) {
    snprintf(err, err_size, "token file \"%s\" is larger than %d bytes", path,
             TOKEN_FILE_MAX);
    return NULL;
  }
  buf[len] = '\0';
  if (memchr(buf, '\0', len) != NULL) {
    snprintf(err, err_size, "token file \"%s\" holds a NUL byte", path);
    return NULL;
  }
  token = trim(buf);
  if (token[0] == '\0') {
    snprintf(err, err_size, "token file \"%s\" is empty", path);
    return NULL;
  }
  if (!token_is_clean(token)) {
    snprintf(err, err_size,
             "token file \"%s\" holds white space or control characters "
             "inside the token",
             path);
    return NULL;
  }
  token = strdup(token);
  if (token == NULL)
    snprintf(err, err_size, "out of memory");
  return token;
}

/* Fills what a dataset left unset from the block's top level, then from
 * the defaults, and reads its token file. */
static int resolve_dataset(parser_t *p, coze_dataset_t *ds) {
  const settings_t *top = &p->top;
  const char *url = ds->base_url ? ds->base_url : top->base_url;
  char reason[256];

  snprintf(p->scope, sizeof(p->scope), "<Dataset \"%s\">", ds->id_text);
  if (ds->token != NULL && ds->token_file != NULL)
    return fail(p, NULL, "both Token and TokenFile are given");
  if (ds->token == NULL && ds->token_file == NULL) {
    if (top->token == NULL && top->token_file == NULL)
      return fail(p, NULL, "no Token or TokenFile, here or in <Plugin coze>");
    if (top->token != NULL)
      ds->token = strdup(top->token);
    else
      ds->token_file = strdup(top->token_file);
    if (ds->token == NULL && ds->token_file == NULL)
      return fail(p, NULL, "out of memory");
  }
  if (ds->token_file != NULL) {
    free(ds->token);
    ds->token = coze_token_read(ds->token_file, reason, sizeof(reason));
    if (ds->token == NULL)
      return fail(p, NULL, "TokenFile: %s", reason);
  }

  if (ds->base_url == NULL &&
      (ds->base_url = strdup(url ? url : COZE_DEFAULT_BASE_URL)) == NULL)
    return fail(p, NULL, "out of memory");
  if (ds->instance == NULL && (ds->instance = strdup(ds->id_text)) == NULL)
    return fail(p, NULL, "out of memory");
  if (ds->timeout_ms == 0)
    ds->timeout_ms = top->timeout_ms;
  if (ds->batch_size == 0)
    ds->batch_size =
        top->batch_size ? top->batch_size : COZE_DEFAULT_BATCH_SIZE;
  return 0;
}

/* Refuses two datasets, in this block or an earlier one, that would
 * dispatch under the same plugin instance. */
static int check_dataset_instances(parser_t *p, const coze_config_t *cfg) {
  size_t n = cfg->datasets_num + p->datasets_num;
  char **names = malloc(n * sizeof(*names));
  const char *dup;
  int status = 0;

  snprintf(p->scope, sizeof(p->scope), "<Plugin coze>");
  if (names == NULL)
    return fail(p, NULL, "out of memory");
  for (size_t i = 0; i < cfg->datasets_num; i++)
    names[i] = cfg->datasets[i].instance;
  for (size_t i = 0; i < p->datasets_num; i++)
    names[cfg->datasets_num + i] = p->datasets[i].instance;
  if ((dup = find_duplicate_name(names, n)) != NULL)
    status = fail(p, NULL,
                  "two datasets have the Instance \"%s\" (a dataset without "
                  "Instance is named by its ID)",
                  dup);
  free(names);
  return status;
}

static int resolve_block(parser_t *p, const coze_config_t *cfg) {
  if (p->datasets_num == 0)
    return fail(p, NULL, "no <Dataset> is configured");
  if (p->top.token != NULL && p->top.token_file != NULL)
    return fail(p, NULL, "both Token and TokenFile are given");
  for (size_t i = 0; i < p->datasets_num; i++)
    if (resolve_dataset(p, &p->datasets[i]) != 0)
      return -1;
  if (cfg->max_connections != 0 && p->max_connections != 0 &&
      cfg->max_connections != p->max_connections)
    return fail(p, NULL, "MaxConnections differs from an earlier block");
  return check_dataset_instances(p, cfg);
}

int coze_config_parse(coze_config_t *cfg, const oconfig_item_t *ci, char *err,
                      size_t err_size) {
  parser_t p = {.err = err, .err_size = err_size};
  coze_dataset_t *all;
  int status;

  snprintf(p.scope, sizeof(p.scope), "<Plugin coze>");
  status = parse_children(&p, ci, SCOPE_TOP, &p.top);
  if (status == 0)
    status = resolve_block(&p, cfg);
  if (status != 0)
    goto out;

  all = realloc(cfg->datasets,
                (cfg->datasets_num + p.datasets_num) * sizeof(*all));
  if (all == NULL) {
    status = fail(&p, NULL, "out of memory");
    goto out;
  }
  memcpy(all + cfg->datasets_num, p.datasets, p.datasets_num * sizeof(*all));
  cfg->datasets = all;
  cfg->datasets_num += p.datasets_num;
  p.datasets_num = 0;
  if (p.max_connections != 0)
    cfg->max_connections = p.max_connections;
  if (cfg->max_connections == 0)
    cfg->max_connections = COZE_DEFAULT_MAX_CONNECTIONS;

out:
  for (size_t i = 0; i < p.datasets_num; i++)
    dataset_free(&p.datasets[i]);
  free(p.datasets);
  settings_free(&p.top);
  return status;
}

void coze_config_free(coze_config_t *cfg) {
  for (size_t i = 0; i < cfg->datasets_num; i++)
    dataset_free(&cfg->datasets[i]);
  free(cfg->datasets);
  memset(cfg, 0, sizeof(*cfg));
}
