/*
 * libsosproto: UTF-8 as XML 1.0 and JSON answers can carry it.
 */

#include <stdint.h>

#include <sosproto/text.h>


size_t
sos_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char  c;
    uint32_t       u, min;
    size_t         n, len;

    c = *p++;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        u = c & 0x1f;
        min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        u = c & 0x0f;
        min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        u = c & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n) {
        return 0;
    }

    len = n + 1;

    while (n--) {
        c = *p++;

        if ((c & 0xc0) != 0x80) {
            return 0;
        }

        u = (u << 6) | (c & 0x3f);
    }

    if (u < min || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)
        || u == 0xfffe || u == 0xffff)
    {
        return 0;
    }

    return len;
}


int
sos_text_valid(const unsigned char *p, size_t len)
{
    const unsigned char  *end;
    size_t                n;

    end = p + len;

    while (p < end) {

        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f) {
                return 0;
            }

            p++;
            continue;
        }

        n = sos_utf8_len(p, end);

        if (n == 0) {
            return 0;
        }

        p += n;
    }

    return 1;
}
