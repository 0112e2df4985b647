/* Configuration: every accepted form and every refusal, as a table. A valid
 * case states the resolved datasets as a one-line summary; an invalid case
 * states the part of the error message the user must see. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "confparse.h"
#include "coze_config.h"

static char token_file[64];
static char empty_file[64];
static char spaced_file[64];

typedef struct valid_case {
  const char *name;
  const char *text;
  const char *summary;
} valid_case_t;

typedef struct invalid_case {
  const char *name;
  const char *text;
  const char *error;
} invalid_case_t;

#define DS1 "<Dataset \"7442585813587000001\">\n"
#define DOC1 "Document \"7442585813587000101\"\n"
#define END "</Dataset>\n"

static const valid_case_t valid_cases[] = {
    {"minimal", "Token \"pat_abc\"\n" DS1 DOC1 END,
     "7442585813587000001 id=7442585813587000001 url=https://api.coze.cn "
     "token=pat_abc timeout=0 batch=100 docs=[7442585813587000101="
     "7442585813587000101] max=8"},
    {"the example of the README",
     "BaseURL \"https://api.coze.cn\"\nToken \"pat_x\"\nTimeout 10000\n"
     "<Dataset \"7442585813587000001\">\n  Instance \"manuals\"\n"
     "  Document \"7442585813587000101\"\n"
     "  Document \"7442585813587000102\" \"faq\"\n</Dataset>\n",
     "manuals id=7442585813587000001 url=https://api.coze.cn token=pat_x "
     "timeout=10000 batch=100 docs=[7442585813587000101=7442585813587000101,"
     "7442585813587000102=faq] max=8"},
    {"option names ignore case",
     "token \"t\"\nBASEURL \"http://127.0.0.1:8080/\"\nbatchsize 5\n"
     "maxconnections 3\n<dataset \"1\">\ninstance \"a\"\ndocument \"2\"\n"
     "</dataset>\n",
     "a id=1 url=http://127.0.0.1:8080 token=t timeout=0 batch=5 docs=[2=2] "
     "max=3"},
    {"a dataset overrides the top level",
     "Token \"top\"\nTimeout 500\nBatchSize 7\nBaseURL \"https://api.coze.cn\""
     "\n<Dataset \"1\">\nToken \"mine\"\nTimeout 900\nBatchSize 2\n"
     "BaseURL \"https://api.coze.com/\"\nDocument \"2\"\n</Dataset>\n"
     "<Dataset \"3\">\nDocument \"4\"\n</Dataset>\n",
     "1 id=1 url=https://api.coze.com token=mine timeout=900 batch=2 "
     "docs=[2=2]; 3 id=3 url=https://api.coze.cn token=top timeout=500 "
     "batch=7 docs=[4=4] max=8"},
    {"top-level options may follow the datasets",
     "<Dataset \"1\">\nDocument \"2\"\n</Dataset>\nToken \"late\"\n"
     "BatchSize 9\n",
     "1 id=1 url=https://api.coze.cn token=late timeout=0 batch=9 docs=[2=2] "
     "max=8"},
    {"token from a file, white space trimmed",
     "TokenFile \"@TOKEN_FILE@\"\n<Dataset \"1\">\nDocument \"2\"\n"
     "</Dataset>\n",
     "1 id=1 url=https://api.coze.cn token=pat_from_file timeout=0 batch=100 "
     "docs=[2=2] max=8"},
    {"a dataset's TokenFile overrides a top-level Token",
     "Token \"top\"\n<Dataset \"1\">\nTokenFile \"@TOKEN_FILE@\"\n"
     "Document \"2\"\n</Dataset>\n",
     "1 id=1 url=https://api.coze.cn token=pat_from_file timeout=0 "
     "batch=100 docs=[2=2] max=8"},
    {"the largest 64-bit ID",
     "Token \"t\"\n<Dataset \"18446744073709551615\">\n"
     "Document \"18446744073709551615\"\n</Dataset>\n",
     "18446744073709551615 id=18446744073709551615 url=https://api.coze.cn "
     "token=t timeout=0 batch=100 docs=[18446744073709551615="
     "18446744073709551615] max=8"},
    {"two datasets with one ID but distinct instances",
     "Token \"t\"\n<Dataset \"1\">\nInstance \"cn\"\nDocument \"2\"\n"
     "</Dataset>\n<Dataset \"1\">\nInstance \"com\"\nDocument \"2\"\n"
     "BaseURL \"https://api.coze.com\"\n</Dataset>\n",
     "cn id=1 url=https://api.coze.cn token=t timeout=0 batch=100 docs=[2=2]; "
     "com id=1 url=https://api.coze.com token=t timeout=0 batch=100 "
     "docs=[2=2] max=8"},
};

static const invalid_case_t invalid_cases[] = {
    {"unknown top-level option", "Token \"t\"\nBogus 1\n" DS1 DOC1 END,
     "option \"Bogus\" in <Plugin coze>: unknown option"},
    {"unknown dataset option", "Token \"t\"\n" DS1 DOC1 "Colour \"red\"\n" END,
     "option \"Colour\" in <Dataset \"7442585813587000001\">: unknown option"},
    {"a dataset-only option at the top",
     "Token \"t\"\nDocument \"5\"\n" DS1 DOC1 END,
     "option \"Document\" in <Plugin coze>: unknown option"},
    {"MaxConnections inside a dataset",
     "Token \"t\"\n" DS1 DOC1 "MaxConnections 2\n" END,
     "option \"MaxConnections\" in <Dataset \"7442585813587000001\">: "
     "unknown option"},
    {"no dataset", "Token \"t\"\n", "<Plugin coze>: no <Dataset>"},
    {"no token", DS1 DOC1 END,
     "<Dataset \"7442585813587000001\">: no Token or TokenFile"},
    {"Token and TokenFile at the top",
     "Token \"t\"\nTokenFile \"@TOKEN_FILE@\"\n" DS1 DOC1 END,
     "<Plugin coze>: both Token and TokenFile"},
    {"Token and TokenFile in a dataset",
     DS1 DOC1 "Token \"t\"\nTokenFile \"@TOKEN_FILE@\"\n" END,
     "<Dataset \"7442585813587000001\">: both Token and TokenFile"},
    {"unreadable token file",
     "TokenFile \"/nonexistent/coze.token\"\n" DS1 DOC1 END,
     "TokenFile: cannot read token file \"/nonexistent/coze.token\": No such "
     "file"},
    {"empty token file", "TokenFile \"@EMPTY_FILE@\"\n" DS1 DOC1 END,
     "is empty"},
    {"token file with two words", "TokenFile \"@SPACED_FILE@\"\n" DS1 DOC1 END,
     "holds white space"},
    {"empty token", "Token \"\"\n" DS1 DOC1 END,
     "option \"Token\" in <Plugin coze>: is empty"},
    {"token with a space", "Token \"pat x\"\n" DS1 DOC1 END,
     "option \"Token\" in <Plugin coze>: is empty or holds white space"},
    {"token as a number", "Token 12\n" DS1 DOC1 END,
     "option \"Token\" in <Plugin coze>: value 1 must be a quoted string"},
    {"token given twice", "Token \"a\"\nToken \"b\"\n" DS1 DOC1 END,
     "option \"Token\" in <Plugin coze>: given more than once"},
    {"dataset without documents", "Token \"t\"\n" DS1 END,
     "<Dataset \"7442585813587000001\">: no Document"},
    {"dataset ID with letters", "Token \"t\"\n<Dataset \"74425x\">\n" DOC1 END,
     "option \"Dataset\" in <Plugin coze>: \"74425x\" is not a decimal "
     "dataset ID"},
    {"dataset ID unquoted",
     "Token \"t\"\n<Dataset 7442585813587000001>\n" DOC1 END,
     "option \"Dataset\" in <Plugin coze>: the dataset ID must be quoted"},
    {"dataset without ID", "Token \"t\"\n<Dataset>\n" DOC1 END,
     "option \"Dataset\" in <Plugin coze>: expects 1 value, got 0"},
    {"document ID with a sign", "Token \"t\"\n" DS1 "Document \"-5\"\n" END,
     "option \"Document\" in <Dataset \"7442585813587000001\">: \"-5\" is not "
     "a decimal document ID"},
    {"document ID beyond 64 bits",
     "Token \"t\"\n" DS1 "Document \"18446744073709551616\"\n" END,
     "\"18446744073709551616\" is not a decimal document ID"},
    {"document ID empty", "Token \"t\"\n" DS1 "Document \"\"\n" END,
     "\"\" is not a decimal document ID"},
    {"document ID unquoted",
     "Token \"t\"\n" DS1 "Document 7442585813587000101\n" END,
     "option \"Document\" in <Dataset \"7442585813587000001\">: the document "
     "ID must be quoted"},
    {"document with three values",
     "Token \"t\"\n" DS1 "Document \"1\" \"a\" \"b\"\n" END,
     "option \"Document\" in <Dataset \"7442585813587000001\">: expects 1 to 2 "
     "values, got 3"},
    {"document alias as a number", "Token \"t\"\n" DS1 "Document \"1\" 5\n" END,
     "option \"Document\" in <Dataset \"7442585813587000001\">: value 2 must "
     "be a quoted string"},
    {"same document twice",
     "Token \"t\"\n" DS1 "Document \"42\"\nDocument \"42\" \"again\"\n" END,
     "<Dataset \"7442585813587000001\">: document 42 is listed twice"},
    {"two documents with one alias",
     "Token \"t\"\n" DS1 "Document \"1\" \"faq\"\nDocument \"2\" \"faq\"\n" END,
     "two documents have the instance name \"faq\""},
    {"an alias that is another document's ID",
     "Token \"t\"\n" DS1 "Document \"1\" \"2\"\nDocument \"2\"\n" END,
     "two documents have the instance name \"2\""},
    {"same Instance twice",
     "Token \"t\"\n<Dataset \"1\">\nInstance \"m\"\nDocument \"2\"\n"
     "</Dataset>\n<Dataset \"3\">\nInstance \"m\"\nDocument \"4\"\n"
     "</Dataset>\n",
     "<Plugin coze>: two datasets have the Instance \"m\""},
    {"same dataset twice without Instance",
     "Token \"t\"\n<Dataset \"1\">\nDocument \"2\"\n</Dataset>\n"
     "<Dataset \"1\">\nDocument \"3\"\n</Dataset>\n",
     "two datasets have the Instance \"1\""},
    {"Instance with a slash", "Token \"t\"\n" DS1 "Instance \"a/b\"\n" DOC1 END,
     "option \"Instance\" in <Dataset \"7442585813587000001\">: instance name "
     "\"a/b\" contains a slash"},
    {"Instance empty", "Token \"t\"\n" DS1 "Instance \"\"\n" DOC1 END,
     "option \"Instance\" in <Dataset \"7442585813587000001\">: instance name "
     "is empty"},
    {"Instance too long",
     "Token \"t\"\n" DS1 "Instance "
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n" DOC1
         END,
     "is longer than 127 characters"},
    {"BaseURL not http",
     "Token \"t\"\nBaseURL \"ftp://api.coze.cn\"\n" DS1 DOC1 END,
     "option \"BaseURL\" in <Plugin coze>: \"ftp://api.coze.cn\" is not an "
     "http:// or https:// URL"},
    {"BaseURL without host", "Token \"t\"\nBaseURL \"https://\"\n" DS1 DOC1 END,
     "option \"BaseURL\" in <Plugin coze>: \"https://\" has no host"},
    {"BaseURL with credentials",
     "Token \"t\"\nBaseURL \"https://me:pw@api.coze.cn\"\n" DS1 DOC1 END,
     "option \"BaseURL\" in <Plugin coze>: \"https://me:pw@api.coze.cn\" "
     "holds credentials"},
    {"BaseURL with a query",
     "Token \"t\"\n" DS1 DOC1 "BaseURL \"https://x.cn/?a=1\"\n" END,
     "option \"BaseURL\" in <Dataset \"7442585813587000001\">: "
     "\"https://x.cn/?a=1\" holds white space, a query or a fragment"},
    {"Timeout zero", "Token \"t\"\nTimeout 0\n" DS1 DOC1 END,
     "option \"Timeout\" in <Plugin coze>: expects a whole number from 1 to "},
    {"Timeout far beyond any integer",
     "Token \"t\"\nTimeout 1e30\n" DS1 DOC1 END,
     "option \"Timeout\" in <Plugin coze>: expects a whole number from 1 to "
     "86400000, got 1e+30"},
    {"Timeout fractional", "Token \"t\"\nTimeout 1.5\n" DS1 DOC1 END,
     "option \"Timeout\" in <Plugin coze>: expects a whole number"},
    {"Timeout as a string", "Token \"t\"\n" DS1 DOC1 "Timeout \"10\"\n" END,
     "option \"Timeout\" in <Dataset \"7442585813587000001\">: expects a "
     "number"},
    {"Timeout without value", "Token \"t\"\nTimeout\n" DS1 DOC1 END,
     "option \"Timeout\" in <Plugin coze>: expects 1 value, got 0"},
    {"BatchSize too large", "Token \"t\"\nBatchSize 10001\n" DS1 DOC1 END,
     "option \"BatchSize\" in <Plugin coze>: expects a whole number from 1 to "
     "10000"},
    {"BatchSize negative", "Token \"t\"\n" DS1 DOC1 "BatchSize -1\n" END,
     "option \"BatchSize\" in <Dataset \"7442585813587000001\">"},
    {"MaxConnections zero", "Token \"t\"\nMaxConnections 0\n" DS1 DOC1 END,
     "option \"MaxConnections\" in <Plugin coze>: expects a whole number from "
     "1 to 1024"},
    {"a plain option written as a block",
     "Token \"t\"\n" DS1 DOC1
     "<Instance \"x\">\nDocument \"3\"\n</Instance>\n" END,
     "option \"Instance\" in <Dataset \"7442585813587000001\">: is not a "
     "block"},
};

/* Replaces the @..._FILE@ markers with the files made in setup. */
static char *expand(const char *text) {
  static const struct {
    const char *marker;
    const char *path;
  } marks[] = {{"@TOKEN_FILE@", token_file},
               {"@EMPTY_FILE@", empty_file},
               {"@SPACED_FILE@", spaced_file}};
  char *out = strdup(text);

  for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
    char *at;
    while ((at = strstr(out, marks[i].marker)) != NULL) {
      size_t size = strlen(out) + strlen(marks[i].path) + 1;
      char *next = malloc(size);
      snprintf(next, size, "%.*s%s%s", (int)(at - out), out, marks[i].path,
               at + strlen(marks[i].marker));
      free(out);
      out = next;
    }
  }
  return out;
}

static void summarize(const coze_config_t *cfg, char *out, size_t size) {
  size_t n = 0;

  out[0] = '\0';
  for (size_t i = 0; i < cfg->datasets_num; i++) {
    const coze_dataset_t *ds = &cfg->datasets[i];

    n +=
        (size_t)snprintf(out + n, size - n,
                         "%s%s id=%s url=%s token=%s timeout=%ld batch=%d "
                         "docs=[",
                         i ? "; " : "", ds->instance, ds->id_text, ds->base_url,
                         ds->token, ds->timeout_ms, ds->batch_size);
    for (size_t j = 0; j < ds->documents_num; j++)
      n +=
          (size_t)snprintf(out + n, size - n, "%s%s=%s", j ? "," : "",
                           ds->documents[j].id_text, ds->documents[j].instance);
    n += (size_t)snprintf(out + n, size - n, "]");
  }
  snprintf(out + n, size - n, " max=%d", cfg->max_connections);
}

static int parse_text(const char *text, coze_config_t *cfg, char *err,
                      size_t err_size) {
  char *expanded = expand(text);
  oconfig_item_t *ci = conf_parse(expanded);
  int status;

  ck_assert_msg(ci != NULL, "test bug: cannot parse %s", expanded);
  status = coze_config_parse(cfg, ci, err, err_size);
  conf_free(ci);
  free(expanded);
  return status;
}

static void write_file(char *path, const char *content) {
  int fd;

  snprintf(path, 64, "/tmp/coze-test-XXXXXX");
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, content, strlen(content)), (int)strlen(content));
  close(fd);
}

static void setup(void) {
  write_file(token_file, "  pat_from_file\n\n");
  write_file(empty_file, " \n");
  write_file(spaced_file, "pat one two\n");
}

static void teardown(void) {
  unlink(token_file);
  unlink(empty_file);
  unlink(spaced_file);
}

START_TEST(test_valid) {
  const valid_case_t *c = &valid_cases[_i];
  coze_config_t cfg = {0};
  char err[512] = "";
  char summary[4096];

  ck_assert_msg(parse_text(c->text, &cfg, err, sizeof(err)) == 0,
                "case \"%s\" refused: %s", c->name, err);
  summarize(&cfg, summary, sizeof(summary));
  ck_assert_msg(strcmp(summary, c->summary) == 0,
                "case \"%s\"\n  expected: %s\n  got:      %s", c->name,
                c->summary, summary);
  coze_config_free(&cfg);
}
END_TEST

START_TEST(test_invalid) {
  const invalid_case_t *c = &invalid_cases[_i];
  coze_config_t cfg = {0};
  char err[512] = "";

  ck_assert_msg(parse_text(c->text, &cfg, err, sizeof(err)) != 0,
                "case \"%s\" was accepted", c->name);
  ck_assert_msg(strstr(err, c->error) != NULL,
                "case \"%s\"\n  expected error with: %s\n  got: %s", c->name,
                c->error, err);
  ck_assert_msg(cfg.datasets_num == 0 && cfg.datasets == NULL,
                "case \"%s\" left datasets behind", c->name);
}
END_TEST

/* A second <Plugin coze> block adds to the first; a clash between them is
 * refused and leaves the first block's datasets as they were. */
START_TEST(test_two_blocks) {
  coze_config_t cfg = {0};
  char err[512] = "";

  ck_assert_int_eq(parse_text("Token \"a\"\n<Dataset \"1\">\nDocument \"2\"\n"
                              "</Dataset>\n",
                              &cfg, err, sizeof(err)),
                   0);
  ck_assert_int_eq(parse_text("Token \"b\"\n<Dataset \"3\">\nDocument \"4\"\n"
                              "</Dataset>\n",
                              &cfg, err, sizeof(err)),
                   0);
  ck_assert_uint_eq(cfg.datasets_num, 2);
  ck_assert_str_eq(cfg.datasets[1].token, "b");

  ck_assert_int_ne(parse_text("Token \"c\"\n<Dataset \"1\">\nDocument \"5\"\n"
                              "</Dataset>\n",
                              &cfg, err, sizeof(err)),
                   0);
  ck_assert_msg(strstr(err, "two datasets have the Instance \"1\""), "%s", err);
  ck_assert_uint_eq(cfg.datasets_num, 2);
  coze_config_free(&cfg);
}
END_TEST

START_TEST(test_token_file_too_large) {
  char path[64];
  char *big = malloc(70000);
  char err[256];

  memset(big, 'x', 69999);
  big[69999] = '\0';
  write_file(path, big);
  ck_assert_ptr_null(coze_token_read(path, err, sizeof(err)));
  ck_assert_msg(strstr(err, "is larger than"), "%s", err);
  unlink(path);
  free(big);
}
END_TEST

int main(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("config");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, test_valid, 0,
                      sizeof(valid_cases) / sizeof(valid_cases[0]));
  tcase_add_loop_test(tc, test_invalid, 0,
                      sizeof(invalid_cases) / sizeof(invalid_cases[0]));
  tcase_add_test(tc, test_two_blocks);
  tcase_add_test(tc, test_token_file_too_large);
  suite_add_tcase(s, tc);

  return run_suite(s);
}
