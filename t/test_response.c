/* Answer parsing, driven by the fixtures in t/data: each valid/NAME.json
 * must parse into exactly what valid/NAME.expected says; each
 * invalid/NAME.json must be refused with the text of invalid/NAME.error. */
#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "coze_response.h"

#define MAX_CASES 128

static char *valid_names[MAX_CASES];
static size_t valid_num;
static char *invalid_names[MAX_CASES];
static size_t invalid_num;

static char *slurp(const char *dir, const char *name, const char *ext,
                   size_t *len) {
  char path[1024];
  FILE *fh;
  char *buf;
  long size;

  snprintf(path, sizeof(path), "%s/%s/%s%s", TEST_DATA_DIR, dir, name, ext);
  fh = fopen(path, "rb");
  ck_assert_msg(fh != NULL, "cannot open %s", path);
  fseek(fh, 0, SEEK_END);
  size = ftell(fh);
  rewind(fh);
  buf = malloc((size_t)size + 1);
  ck_assert_int_eq(fread(buf, 1, (size_t)size, fh), size);
  buf[size] = '\0';
  fclose(fh);
  if (len != NULL)
    *len = (size_t)size;
  return buf;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the NAME of every NAME.json in dir, sorted. */
static size_t list_cases(const char *dir, char **names) {
  char path[1024];
  DIR *d;
  struct dirent *e;
  size_t n = 0;

  snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, dir);
  d = opendir(path);
  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL && n < MAX_CASES) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
      names[n++] = strndup(e->d_name, len - 5);
  }
  closedir(d);
  qsort(names, n, sizeof(*names), compare_names);
  return n;
}

/* Writes the parsed answer in the .expected format. */
static void describe(const coze_answer_t *a, char *out, size_t size) {
  static const struct {
    unsigned flag;
    const char *name;
    size_t offset;
  } fields[] = {
      {COZE_HAS_STATUS, "status", offsetof(coze_progress_t, status)},
      {COZE_HAS_PROGRESS, "progress", offsetof(coze_progress_t, progress)},
      {COZE_HAS_REMAINING, "remaining_time",
       offsetof(coze_progress_t, remaining_time)},
      {COZE_HAS_SIZE, "size", offsetof(coze_progress_t, size)},
  };
  size_t n = 0;

  n += (size_t)snprintf(out + n, size - n, "code %" PRId64 "\n", a->code);
  if (a->msg[0])
    n += (size_t)snprintf(out + n, size - n, "msg %s\n", a->msg);
  if (a->logid[0])
    n += (size_t)snprintf(out + n, size - n, "logid %s\n", a->logid);
  if (a->skipped)
    n += (size_t)snprintf(out + n, size - n, "skipped %zu %s\n", a->skipped,
                          a->skipped_reason);
  for (size_t i = 0; i < a->items_num; i++) {
    const coze_progress_t *p = &a->items[i];

    n += (size_t)snprintf(out + n, size - n, "document %" PRIu64,
                          p->document_id);
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
      if (p->fields & fields[f].flag)
        n += (size_t)snprintf(
            out + n, size - n, " %s=%" PRId64, fields[f].name,
            *(const int64_t *)((const char *)p + fields[f].offset));
    n += (size_t)snprintf(out + n, size - n, "\n");
  }
}

START_TEST(test_valid) {
  const char *name = valid_names[_i];
  size_t len;
  char *body = slurp("valid", name, ".json", &len);
  char *expected = slurp("valid", name, ".expected", NULL);
  coze_answer_t answer = {0};
  char err[256] = "";
  char got[8192];

  ck_assert_msg(coze_answer_parse(&answer, body, len, err, sizeof(err)) == 0,
                "valid/%s.json refused: %s\n  input: %s", name, err, body);
  describe(&answer, got, sizeof(got));
  ck_assert_msg(strcmp(got, expected) == 0,
                "valid/%s.json\n  input: %s\n  expected:\n%s  got:\n%s", name,
                body, expected, got);

  coze_answer_free(&answer);
  free(body);
  free(expected);
}
END_TEST

START_TEST(test_invalid) {
  const char *name = invalid_names[_i];
  size_t len;
  char *body = slurp("invalid", name, ".json", &len);
  char *expected = slurp("invalid", name, ".error", NULL);
  coze_answer_t answer = {0};
  char err[256] = "";

  expected[strcspn(expected, "\n")] = '\0';
  ck_assert_msg(coze_answer_parse(&answer, body, len, err, sizeof(err)) != 0,
                "invalid/%s.json was accepted\n  input: %s", name, body);
  ck_assert_msg(strstr(err, expected) != NULL,
                "invalid/%s.json\n  input: %s\n  expected error with: %s\n"
                "  got: %s",
                name, body, expected, err);

  coze_answer_free(&answer);
  free(body);
  free(expected);
}
END_TEST

/* One answer object is reused from request to request: a second parse must
 * not keep anything of the first. */
START_TEST(test_reuse) {
  static const char first[] =
      "{\"code\":4100,\"msg\":\"bad token\",\"detail\":{\"logid\":\"L1\"}}";
  static const char second[] =
      "{\"code\":0,\"data\":{\"data\":[{\"document_id\":\"3\"}]}}";
  coze_answer_t answer = {0};
  char err[256];

  ck_assert_int_eq(
      coze_answer_parse(&answer, first, strlen(first), err, sizeof(err)), 0);
  ck_assert_int_eq(
      coze_answer_parse(&answer, second, strlen(second), err, sizeof(err)), 0);
  ck_assert_int_eq(answer.code, 0);
  ck_assert_str_eq(answer.msg, "");
  ck_assert_str_eq(answer.logid, "");
  ck_assert_uint_eq(answer.items_num, 1);
  ck_assert_uint_eq(answer.items[0].fields, 0);
  coze_answer_free(&answer);
}
END_TEST

int main(void) {
  Suite *s = suite_create("response");
  TCase *tc = tcase_create("fixtures");
  int status;

  valid_num = list_cases("valid", valid_names);
  invalid_num = list_cases("invalid", invalid_names);
  if (valid_num < 10 || invalid_num < 8) {
    fprintf(stderr, "fixtures missing under %s\n", TEST_DATA_DIR);
    return EXIT_FAILURE;
  }

  tcase_add_loop_test(tc, test_valid, 0, (int)valid_num);
  tcase_add_loop_test(tc, test_invalid, 0, (int)invalid_num);
  tcase_add_test(tc, test_reuse);
  suite_add_tcase(s, tc);

  status = run_suite(s);
  for (size_t i = 0; i < valid_num; i++)
    free(valid_names[i]);
  for (size_t i = 0; i < invalid_num; i++)
    free(invalid_names[i]);
  return status;
}
