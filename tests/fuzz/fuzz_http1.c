/*
 * fuzz_http1.c - libFuzzer target for the HTTP/1.1 response codec. The input is parsed
 * whole and again split at a point taken from its first byte (head bytes growing, body
 * decoded in pieces), then closed with on_eof. Invariants: both passes agree on the
 * outcome and on every body byte; no read outside the input (ASan).
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_http1.c lib/net/http1.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "http1.h"

typedef struct outcome {
    int code;
    uint8_t body[1 << 16];
    size_t body_len;
} outcome;

static void run(const uint8_t *data, size_t size, size_t split, outcome *o)
{
    rt_http1_parser p;
    rt_http1_limits lim = {8192, 64};
    rt_http1_parser_init(&p, data[0] & 1, &lim);
    o->code = 0;
    o->body_len = 0;
    const char *buf = (const char *)data;
    size_t have = split, pos = 0;
    int head = 0;
    for (int round = 0; round < 2; round++, have = size) {
        if (!head) {
            rt_http1_header hs[64];
            size_t nh = 64;
            rt_http1_response r;
            int h = rt_http1_parse_head(&p, buf, have, &r, hs, &nh);
            if (h == RT_HTTP1_INCOMPLETE || h == RT_HTTP1_MORE_HEADERS)
                continue;
            if (h < 0) {
                o->code = h;
                return;
            }
            head = 1;
            pos = (size_t)h;
        }
        while (pos < have && !p.done) {
            const char *d;
            size_t dl;
            ssize_t c = rt_http1_parse_body(&p, buf + pos, have - pos, &d, &dl);
            if (c < 0) {
                o->code = (int)c;
                return;
            }
            if (d < buf || d + dl > buf + size)
                abort();                   /* a run outside the input */
            if (o->body_len + dl <= sizeof o->body)
                memcpy(o->body + o->body_len, d, dl);
            o->body_len += dl;
            pos += (size_t)c;
            if (c == 0)
                break;
        }
    }
    o->code = head ? (p.done ? 0 : rt_http1_on_eof(&p)) : rt_http1_on_eof(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static outcome whole, split;
    if (size < 2)
        return 0;
    data++;
    size--;
    size_t at = data[-1] % size;
    run(data, size, size, &whole);
    run(data, size, at, &split);
    if (whole.code != split.code || whole.body_len != split.body_len ||
        memcmp(whole.body, split.body, whole.body_len < sizeof whole.body ? whole.body_len : sizeof whole.body) != 0)
        abort();                           /* splitting changed the outcome */
    return 0;
}
