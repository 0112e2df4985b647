/* libcurl multi transport. Every request of a read shares one multi handle,
 * hence one connection pool: connections (and TLS sessions) survive from one
 * read to the next. At most MaxConnections requests are in flight at once;
 * the others wait for one of them to finish and are only then handed to
 * libcurl, so that their timeout counts from their own start and a slow
 * dataset cannot make a healthy one time out while it waits. */
#include "coze_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coze_request.h"

struct coze_http {
  CURLM *multi;
  size_t max_active; /* requests in flight at once */
  coze_transfer_t **transfers;
  size_t transfers_num;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
  coze_transfer_t *t = ud;
  size_t len = size * nmemb;
  size_t cap = t->response_cap ? t->response_cap : 16384;

  if (t->response_len + len > COZE_RESPONSE_MAX) {
    t->overflow = true;
    return 0; /* libcurl ends the transfer with CURLE_WRITE_ERROR */
  }
  while (cap < t->response_len + len + 1)
    cap *= 2;
  if (cap != t->response_cap) {
    char *grown = realloc(t->response, cap);
    if (grown == NULL)
      return 0;
    t->response = grown;
    t->response_cap = cap;
  }

  memcpy(t->response + t->response_len, data, len);
  t->response_len += len;
  t->response[t->response_len] = '\0';
  return len;
}

/* Keeps the X-Tt-Logid header: support asks for it. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud) {
  static const char name[] = "x-tt-logid:";
  coze_transfer_t *t = ud;
  size_t len = size * nmemb;
  size_t n = 0;

  if (len <= sizeof(name) - 1 || strncasecmp(data, name, sizeof(name) - 1))
    return len;
  data += sizeof(name) - 1;
  len -= sizeof(name) - 1;
  while (len > 0 && (*data == ' ' || *data == '\t'))
    data++, len--;
  while (n < len && n < sizeof(t->logid) - 1 && data[n] != '\r' &&
         data[n] != '\n')
    n++;
  memcpy(t->logid, data, n);
  t->logid[n] = '\0';
  return size * nmemb;
}

coze_http_t *coze_http_create(int max_connections, char *err, size_t err_size) {
  coze_http_t *http = calloc(1, sizeof(*http));

  if (http == NULL || (http->multi = curl_multi_init()) == NULL) {
    snprintf(err, err_size, "cannot create a libcurl multi handle");
    free(http);
    return NULL;
  }
  curl_multi_setopt(http->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    (long)max_connections);
  curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS, (long)max_connections);
  http->max_active = (size_t)max_connections;
  return http;
}

static void transfer_free(coze_transfer_t *t) {
  if (t == NULL)
    return;
  if (t->easy != NULL)
    curl_easy_cleanup(t->easy);
  free(t->url);
  free(t->body);
  curl_slist_free_all(t->headers);
  free(t->response);
  free(t);
}

static int transfer_setup(coze_transfer_t *t) {
  CURL *e = t->easy;
  int bad = 0;

#define SET(opt, val) bad |= curl_easy_setopt(e, opt, val) != CURLE_OK
  SET(CURLOPT_URL, t->url);
  SET(CURLOPT_POSTFIELDS, t->body);
  SET(CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
  SET(CURLOPT_HTTPHEADER, t->headers);
  SET(CURLOPT_USERAGENT, coze_request_user_agent());
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, t);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, t);
  SET(CURLOPT_ERRORBUFFER, t->error);
  SET(CURLOPT_PRIVATE, t);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_ACCEPT_ENCODING, "");
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
#undef SET
  return bad ? -1 : 0;
}

coze_transfer_t *coze_http_add(coze_http_t *http, char *url, char *body,
                               struct curl_slist *headers, void *owner) {
  coze_transfer_t *t = calloc(1, sizeof(*t));
  coze_transfer_t **list;

  if (t == NULL) {
    free(url);
    free(body);
    curl_slist_free_all(headers);
    return NULL;
  }
  t->url = url;
  t->body = body;
  t->headers = headers;
  t->owner = owner;
  if (url == NULL || body == NULL || headers == NULL ||
      (t->easy = curl_easy_init()) == NULL || transfer_setup(t) != 0)
    goto fail;

  list = realloc(http->transfers, (http->transfers_num + 1) * sizeof(*list));
  if (list == NULL)
    goto fail;
  http->transfers = list;
  list[http->transfers_num++] = t;
  return t;

fail:
  transfer_free(t);
  return NULL;
}

static void start(coze_http_t *http, coze_transfer_t *t, long timeout_ms) {
  t->result = CURLE_OK;
  t->http_status = 0;
  t->response_len = 0;
  t->overflow = false;
  t->logid[0] = '\0';
  t->error[0] = '\0';
  curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
                   t->timeout_ms > 0 ? t->timeout_ms : timeout_ms);
  if (curl_multi_add_handle(http->multi, t->easy) == CURLM_OK) {
    t->active = true;
    return;
  }
  t->result = CURLE_FAILED_INIT;
  snprintf(t->error, sizeof(t->error), "cannot queue the request");
}

static void finish(coze_http_t *http, coze_transfer_t *t, CURLcode result,
                   coze_http_done_fn done, void *ctx) {
  curl_multi_remove_handle(http->multi, t->easy);
  t->active = false;
  t->result = result;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->http_status);
  done(t, ctx);
}

/* Hands every transfer libcurl reports as complete to done; returns how
 * many there were. */
static size_t collect(coze_http_t *http, coze_http_done_fn done, void *ctx) {
  CURLMsg *msg;
  int left;
  size_t n = 0;

  while ((msg = curl_multi_info_read(http->multi, &left)) != NULL) {
    coze_transfer_t *t;

    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    finish(http, t, msg->data.result, done, ctx);
    n++;
  }
  return n;
}

/* Starts transfers from *next on while fewer than max_active are in
 * flight. */
static void feed(coze_http_t *http, size_t *next, size_t *active,
                 long timeout_ms, coze_http_done_fn done, void *ctx) {
  while (*active < http->max_active && *next < http->transfers_num) {
    coze_transfer_t *t = http->transfers[(*next)++];

    start(http, t, timeout_ms);
    if (t->active)
      (*active)++;
    else
      done(t, ctx);
  }
}

/* Reports every transfer a broken multi handle left unfinished. */
static void abandon(coze_http_t *http, size_t next, CURLMcode mc,
                    coze_http_done_fn done, void *ctx) {
  for (size_t i = 0; i < http->transfers_num; i++) {
    coze_transfer_t *t = http->transfers[i];

    if (!t->active && i < next)
      continue;
    snprintf(t->error, sizeof(t->error), "libcurl: %s",
             curl_multi_strerror(mc));
    if (t->active) {
      finish(http, t, CURLE_FAILED_INIT, done, ctx);
    } else {
      t->result = CURLE_FAILED_INIT;
      done(t, ctx);
    }
  }
}

void coze_http_run(coze_http_t *http, long default_timeout_ms,
                   coze_http_done_fn done, void *ctx) {
  size_t next = 0;
  size_t active = 0;
  CURLMcode mc = CURLM_OK;

  feed(http, &next, &active, default_timeout_ms, done, ctx);
  while (active > 0) {
    int running;

    mc = curl_multi_perform(http->multi, &running);
    if (mc != CURLM_OK)
      break;
    active -= collect(http, done, ctx);
    feed(http, &next, &active, default_timeout_ms, done, ctx);
    if (active == 0)
      break;
    mc = curl_multi_poll(http->multi, NULL, 0, 1000, NULL);
    if (mc != CURLM_OK)
      break;
  }
  if (mc != CURLM_OK)
    abandon(http, next, mc, done, ctx);
}

void coze_http_destroy(coze_http_t *http) {
  if (http == NULL)
    return;
  for (size_t i = 0; i < http->transfers_num; i++) {
    if (http->transfers[i]->active)
      curl_multi_remove_handle(http->multi, http->transfers[i]->easy);
    transfer_free(http->transfers[i]);
  }
  free(http->transfers);
  curl_multi_cleanup(http->multi);
  free(http);
}
