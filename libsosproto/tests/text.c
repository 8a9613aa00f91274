/*
 * UTF-8 and names: what sos_utf8_len() and sos_text_valid() accept, at
 * the edges of every encoded length and of what XML 1.0 allows.
 */

#include <string.h>

#include <sosproto/text.h>

#include "tap.h"


static size_t
len_of(const char *s, size_t n)
{
    return sos_utf8_len((const unsigned char *) s,
                        (const unsigned char *) s + n);
}


static int
valid(const char *s)
{
    return sos_text_valid((const unsigned char *) s, strlen(s));
}


int
main(void)
{
    plan(27);

    is_int(2, (long) len_of("\xc2\x80", 2), "U+0080: 2 bytes");
    is_int(2, (long) len_of("\xdf\xbf", 2), "U+07FF: 2 bytes");
    is_int(3, (long) len_of("\xe0\xa0\x80", 3), "U+0800: 3 bytes");
    is_int(3, (long) len_of("\xef\xbf\xbd", 3), "U+FFFD: 3 bytes");
    is_int(4, (long) len_of("\xf0\x90\x80\x80", 4), "U+10000: 4 bytes");
    is_int(4, (long) len_of("\xf4\x8f\xbf\xbf", 4), "U+10FFFF: 4 bytes");
    is_int(0, (long) len_of("\xc0\x80", 2), "overlong NUL");
    is_int(0, (long) len_of("\xc1\xbf", 2), "overlong 2-byte");
    is_int(0, (long) len_of("\xe0\x9f\xbf", 3), "overlong 3-byte");
    is_int(0, (long) len_of("\xf0\x8f\xbf\xbf", 4), "overlong 4-byte");
    is_int(0, (long) len_of("\xed\xa0\x80", 3), "surrogate U+D800");
    is_int(0, (long) len_of("\xed\xbf\xbf", 3), "surrogate U+DFFF");
    is_int(0, (long) len_of("\xef\xbf\xbe", 3), "U+FFFE");
    is_int(0, (long) len_of("\xef\xbf\xbf", 3), "U+FFFF");
    is_int(0, (long) len_of("\xf4\x90\x80\x80", 4), "above U+10FFFF");
    is_int(0, (long) len_of("\xf5\x80\x80\x80", 4), "lead byte 0xf5");
    is_int(0, (long) len_of("\x80", 1), "a lone continuation byte");
    is_int(0, (long) len_of("\xe2\x82", 2), "cut short by the end");
    is_int(0, (long) len_of("\xe2\x28\xa1", 3), "a bad continuation");

    ok(valid(""), "empty is valid");
    ok(valid("acme"), "ASCII");
    ok(valid("Soci\xc3\xa9t\xc3\xa9 g\xc3\xa9n\xc3\xa9rale"), "UTF-8 name");
    ok(!valid("Soci\xe9t\xe9"), "Latin-1 is not UTF-8");
    ok(!valid("a\tb"), "TAB is a control character");
    ok(!valid("a\x7f"), "DEL");
    ok(!valid("line\r\nbreak"), "CR LF");
    ok(!sos_text_valid((const unsigned char *) "a\0b", 3), "NUL");

    done_testing();
}
