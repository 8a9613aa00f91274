/*
 * libsosproto: what text SOS can carry in XML 1.0 and JSON answers.
 *
 * S3 keys, organization names and e-mail addresses come back in XML
 * listings and JSON documents, which carry only well-formed UTF-8 without
 * the characters XML 1.0 forbids.  These checks are the one definition,
 * used by the module where such values enter and by sosctl.
 *
 * Conventions: nothing allocates; inputs are borrowed for the call; every
 * function is reentrant.
 */

#ifndef SOS_PROTO_TEXT_H
#define SOS_PROTO_TEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The length of the UTF-8 sequence at p for a character above U+007F.
 * @param p    the first byte (at least 0x80), with p < end
 * @param end  one past the last byte that may be read
 * @return 2, 3 or 4; 0 when the bytes are not one character XML can carry:
 *         an overlong form, a surrogate, U+FFFE or U+FFFF, anything above
 *         U+10FFFF, or a sequence cut short by end.
 */
size_t sos_utf8_len(const unsigned char *p, const unsigned char *end);

/**
 * Is [p, p + len) a name that an XML or JSON answer carries exactly?
 * Valid UTF-8 as sos_utf8_len() defines it, and no control character
 * (C0, DEL) at all.
 * @return 1 if it is, 0 if not; an empty string is valid.
 */
int sos_text_valid(const unsigned char *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SOS_PROTO_TEXT_H */
