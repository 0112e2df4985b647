/* What the plugin sends: the progress URL, the JSON body for a batch of
 * documents and the headers. Built once at start-up and reused. */
#ifndef COZE_REQUEST_H
#define COZE_REQUEST_H

#include <curl/curl.h>

#include "coze_config.h"

/* "{base_url}/v1/datasets/{id}/process"; the caller frees it. NULL when out
 * of memory. */
char *coze_request_url(const coze_dataset_t *ds);

/* {"document_ids":["id",...]} for docs[0..n-1]; the caller frees it. */
char *coze_request_body(const coze_document_t *docs, size_t n);

/* Authorization, Content-Type, Accept and an empty Expect (no 100-continue
 * round trip); the caller frees the list with curl_slist_free_all. */
struct curl_slist *coze_request_headers(const char *token);

/* "collectd-coze/VERSION"; a static string. */
const char *coze_request_user_agent(void);

#endif
