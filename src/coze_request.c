/* Builds the requests. Document IDs are checked decimal digits at
 * configuration time, so the body needs no JSON escaping. */
#include "coze_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coze_version.h"

char *coze_request_url(const coze_dataset_t *ds) {
  size_t size = strlen(ds->base_url) + strlen(ds->id_text) + 32;
  char *url = malloc(size);

  if (url != NULL)
    snprintf(url, size, "%s/v1/datasets/%s/process", ds->base_url, ds->id_text);
  return url;
}

char *coze_request_body(const coze_document_t *docs, size_t n) {
  static const char head[] = "{\"document_ids\":[";
  size_t size = sizeof(head) + n * (COZE_ID_MAX + 3) + 2;
  char *body = malloc(size);
  char *at;

  if (body == NULL)
    return NULL;
  at = body + sprintf(body, "%s", head);
  for (size_t i = 0; i < n; i++)
    at += sprintf(at, "%s\"%s\"", i ? "," : "", docs[i].id_text);
  sprintf(at, "]}");
  return body;
}

struct curl_slist *coze_request_headers(const char *token) {
  static const char prefix[] = "Authorization: Bearer ";
  static const char *const fixed[] = {"Content-Type: application/json",
                                      "Accept: application/json", "Expect:"};
  struct curl_slist *list = NULL;
  size_t size = sizeof(prefix) + strlen(token);
  char *auth = malloc(size);

  if (auth == NULL)
    return NULL;
  snprintf(auth, size, "%s%s", prefix, token);
  list = curl_slist_append(NULL, auth);
  /* The copy in the list is the only one left holding the token. */
  memset(auth, 0, size);
  free(auth);

  for (size_t i = 0; list != NULL && i < sizeof(fixed) / sizeof(*fixed); i++) {
    struct curl_slist *next = curl_slist_append(list, fixed[i]);
    if (next == NULL) {
      curl_slist_free_all(list);
      return NULL;
    }
    list = next;
  }
  return list;
}

const char *coze_request_user_agent(void) {
  return COZE_PACKAGE "/" COZE_VERSION;
}
