/* See confparse.h. */
#include "confparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct reader {
  const char *at;
} reader_t;

static void skip_blanks(reader_t *r) {
  while (*r->at == ' ' || *r->at == '\t')
    r->at++;
  if (*r->at == '#')
    while (*r->at != '\0' && *r->at != '\n')
      r->at++;
}

static char *read_word(reader_t *r) {
  const char *start = r->at;

  while (*r->at != '\0' && !isspace((unsigned char)*r->at) && *r->at != '>')
    r->at++;
  return strndup(start, (size_t)(r->at - start));
}

static char *read_quoted(reader_t *r) {
  char *out = malloc(strlen(r->at) + 1);
  size_t n = 0;

  r->at++;
  while (*r->at != '\0' && *r->at != '"') {
    if (*r->at == '\\' && r->at[1] != '\0')
      r->at++;
    out[n++] = *r->at++;
  }
  if (*r->at == '"')
    r->at++;
  out[n] = '\0';
  return out;
}

static void add_value(oconfig_item_t *ci, reader_t *r) {
  oconfig_value_t *v;
  char *word;
  char *end;

  ci->values = realloc(ci->values, (size_t)(ci->values_num + 1) * sizeof(*v));
  v = &ci->values[ci->values_num++];
  if (*r->at == '"') {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = read_quoted(r);
    return;
  }
  word = read_word(r);
  v->value.number = strtod(word, &end);
  if (end != word && *end == '\0') {
    v->type = OCONFIG_TYPE_NUMBER;
    free(word);
  } else if (strcasecmp(word, "true") == 0 || strcasecmp(word, "false") == 0) {
    v->type = OCONFIG_TYPE_BOOLEAN;
    v->value.boolean = strcasecmp(word, "true") == 0;
    free(word);
  } else {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = word;
  }
}

static oconfig_item_t *add_child(oconfig_item_t *parent) {
  oconfig_item_t *child;

  parent->children =
      realloc(parent->children,
              (size_t)(parent->children_num + 1) * sizeof(*parent->children));
  child = &parent->children[parent->children_num++];
  memset(child, 0, sizeof(*child));
  child->parent = parent;
  return child;
}

/* Reads items into parent until "</...>" or the end; returns 0 on
 * success. */
static int read_items(reader_t *r, oconfig_item_t *parent, int nested) {
  for (;;) {
    oconfig_item_t *item;
    int block = 0;

    while (isspace((unsigned char)*r->at) || *r->at == '#')
      skip_blanks(r), r->at += (*r->at == '\n');
    if (*r->at == '\0')
      return nested ? -1 : 0;
    if (r->at[0] == '<' && r->at[1] == '/') {
      while (*r->at != '\0' && *r->at++ != '>')
        ;
      return nested ? 0 : -1;
    }
    if (*r->at == '<') {
      block = 1;
      r->at++;
    }

    item = add_child(parent);
    item->key = read_word(r);
    for (skip_blanks(r); *r->at != '\n' && *r->at != '\0' && *r->at != '>';
         skip_blanks(r))
      add_value(item, r);
    if (block) {
      if (*r->at != '>')
        return -1;
      r->at++;
      if (read_items(r, item, 1) != 0)
        return -1;
    }
  }
}

oconfig_item_t *conf_parse(const char *text) {
  oconfig_item_t *root = calloc(1, sizeof(*root));
  reader_t r = {.at = text};

  root->key = strdup("Plugin");
  root->values = calloc(1, sizeof(*root->values));
  root->values[0].type = OCONFIG_TYPE_STRING;
  root->values[0].value.string = strdup("coze");
  root->values_num = 1;
  if (read_items(&r, root, 0) != 0) {
    conf_free(root);
    return NULL;
  }
  return root;
}

static void free_item(oconfig_item_t *ci) {
  free(ci->key);
  for (int i = 0; i < ci->values_num; i++)
    if (ci->values[i].type == OCONFIG_TYPE_STRING)
      free(ci->values[i].value.string);
  free(ci->values);
  for (int i = 0; i < ci->children_num; i++)
    free_item(&ci->children[i]);
  free(ci->children);
}

void conf_free(oconfig_item_t *ci) {
  if (ci == NULL)
    return;
  free_item(ci);
  free(ci);
}
