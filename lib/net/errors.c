/*
 * errors.c - rt_strerror() and rt_err_name() from the one RT_ERRNO_MAP table in
 * runtime.h (the JS cause.code uses the same names). Any thread.
 */
#include <stdio.h>

#include "net.h"

const char *rt_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define RT__ERR_MSG(sym, val, name, msg) \
    case val:                            \
        return msg;
        RT_ERRNO_MAP(RT__ERR_MSG)
#undef RT__ERR_MSG
    }
    return "unknown error";
}

const char *rt_err_name(int code)
{
    switch (code) {
    case 0:
        return "OK";
#define RT__ERR_NAME(sym, val, name, msg) \
    case val:                             \
        return name;
        RT_ERRNO_MAP(RT__ERR_NAME)
#undef RT__ERR_NAME
    }
    return "EUNKNOWN";
}
