/* ferry test framework: one runner, tests registered in test/test-list.h.
 *
 * A test is `TEST_IMPL(name) { ...; return 0; }`. The ASSERT macros print
 * the failing expression with file and line and return 1 from the test.
 * Every test must close the handles it opened; loop tests end with
 * ASSERT_EQ(uv_loop_close(loop), 0) (see MAKE_LOOP_HAPPY).
 */
#ifndef FERRY_TEST_H
#define FERRY_TEST_H

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define TEST_IMPL(name) int test_##name(void)
#define TEST_DECLARE(name) int test_##name(void);

#define TEST_FAIL_(fmt, ...)                                                  \
  do {                                                                        \
    fprintf(stderr, "  %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);   \
    return 1;                                                                 \
  } while (0)

#define ASSERT(expr)                                                          \
  do {                                                                        \
    if (!(expr))                                                              \
      TEST_FAIL_("assertion failed: %s", #expr);                              \
  } while (0)

#define ASSERT_EQ(a, b)                                                       \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (a_ != b_)                                                             \
      TEST_FAIL_("%s == %s failed: %lld != %lld", #a, #b, a_, b_);            \
  } while (0)

#define ASSERT_NE(a, b)                                                       \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (a_ == b_)                                                             \
      TEST_FAIL_("%s != %s failed: both %lld", #a, #b, a_);                   \
  } while (0)

#define ASSERT_GE(a, b)                                                       \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (!(a_ >= b_))                                                          \
      TEST_FAIL_("%s >= %s failed: %lld < %lld", #a, #b, a_, b_);             \
  } while (0)

#define ASSERT_LE(a, b)                                                       \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (!(a_ <= b_))                                                          \
      TEST_FAIL_("%s <= %s failed: %lld > %lld", #a, #b, a_, b_);             \
  } while (0)

#define ASSERT_NULL(p) ASSERT((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT((p) != NULL)

#define ASSERT_STR_EQ(a, b)                                                   \
  do {                                                                        \
    const char *a_ = (a), *b_ = (b);                                          \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                      \
      TEST_FAIL_("%s == %s failed: \"%s\" != \"%s\"", #a, #b,                 \
                 a_ ? a_ : "(null)", b_ ? b_ : "(null)");                     \
  } while (0)

/* Compare a byte buffer with a NUL-terminated expected string. */
#define ASSERT_MEM_EQ(buf, len, expected)                                     \
  do {                                                                        \
    const char *e_ = (expected);                                              \
    size_t el_ = strlen(e_), bl_ = (size_t)(len);                             \
    if (bl_ != el_ || (el_ != 0 && memcmp((buf), e_, el_) != 0))              \
      TEST_FAIL_("%s differs: got %zu bytes \"%.*s\", want %zu bytes \"%s\"", \
                 #buf, bl_, (int)(bl_ > 2000 ? 2000 : bl_),                   \
                 (const char *)(buf), el_, e_);                               \
  } while (0)

/* Every loop a test creates must close cleanly: the loop is run until
 * pending close callbacks are done, and then it must have no handle left.
 * Nothing is closed on the test's behalf, so a forgotten handle fails. */
#define MAKE_LOOP_HAPPY(loop)                                                 \
  do {                                                                        \
    uv_run((loop), UV_RUN_DEFAULT);                                           \
    ASSERT_EQ(uv_loop_close(loop), 0);                                        \
  } while (0)

#endif
