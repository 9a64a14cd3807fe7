/*
 * buf.c - rt__buf, the growable byte buffer used across the core (console output, error
 * messages, request heads). The struct's owner owns `data`; rt__buf_free releases it.
 * Growth doubles, so appends are amortised O(1). Data stays NUL-terminated.
 */
#include <stdio.h>
#include <string.h>

#include "net.h"

int rt__buf_reserve(rt__buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            return RT_ENOMEM;
        cap *= 2;
    }
    char *d = rt__realloc(b->data, cap);
    if (!d)
        return RT_ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int rt__buf_append(rt__buf *b, const void *p, size_t n)
{
    if (rt__buf_reserve(b, n))
        return RT_ENOMEM;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int rt__buf_puts(rt__buf *b, const char *s)
{
    return rt__buf_append(b, s, strlen(s));
}

int rt__buf_printf(rt__buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return RT_EINVAL;
    if ((size_t)n < sizeof small)
        return rt__buf_append(b, small, (size_t)n);
    if (rt__buf_reserve(b, (size_t)n))
        return RT_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void rt__buf_free(rt__buf *b)
{
    rt__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
