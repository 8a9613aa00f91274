
/*
 * SOS: XML responses built into a chain of pool buffers, and small
 * request bodies parsed with expat.
 */


#ifndef _NGX_SOS_XML_H_INCLUDED_
#define _NGX_SOS_XML_H_INCLUDED_


#include "ngx_sos_module.h"


#define NGX_SOS_XMLNS  "http://s3.amazonaws.com/doc/2006-03-01/"

/* the declaration then LF, as S3: a CR makes some Java parsers refuse it */
#define NGX_SOS_XML_DECL                                                      \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"


/*
 * A response document.  Every append goes to the last buffer of the chain
 * or to a new one; a failed allocation only sets "failed", which send
 * turns into a 500, so builders need not check each call.
 */
typedef struct {
    ngx_pool_t    *pool;
    ngx_chain_t   *out;
    ngx_chain_t  **last;
    ngx_buf_t     *buf;
    size_t         chunk;
    off_t          length;
    ngx_uint_t     failed;
} ngx_sos_xml_out_t;


void ngx_sos_xml_out_init(ngx_sos_xml_out_t *x, ngx_pool_t *pool,
    size_t chunk);
/* verbatim bytes */
void ngx_sos_xml_raw(ngx_sos_xml_out_t *x, u_char *p, size_t n);
/* escaped character data */
void ngx_sos_xml_text(ngx_sos_xml_out_t *x, u_char *p, size_t n);
/* URL-encoded as S3's encoding-type=url does (safe in XML as is) */
void ngx_sos_xml_text_url(ngx_sos_xml_out_t *x, u_char *p, size_t n);
/* escaped, the control characters XML 1.0 lacks as references, as S3 */
void ngx_sos_xml_text_refs(ngx_sos_xml_out_t *x, u_char *p, size_t n);
/* <name>text</name>: text as ngx_sos_xml_text (0), URL-encoded (1), or
 * as ngx_sos_xml_text_refs (NGX_SOS_XML_REFS) */
#define NGX_SOS_XML_REFS  2
void ngx_sos_xml_element(ngx_sos_xml_out_t *x, char *name, u_char *p,
    size_t n, ngx_uint_t url);
void ngx_sos_xml_element_uint(ngx_sos_xml_out_t *x, char *name,
    uint64_t value);
/* ISO 8601 with milliseconds: 2006-02-03T16:45:09.123Z */
void ngx_sos_xml_element_time(ngx_sos_xml_out_t *x, char *name,
    time_t sec, ngx_uint_t nsec);
/* "ETag": the value in double quotes, as &quot; */
void ngx_sos_xml_element_etag(ngx_sos_xml_out_t *x, char *etag);
/* Send status with the document: content handler rc. */
ngx_int_t ngx_sos_xml_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_sos_xml_out_t *x);

#define ngx_sos_xml_literal(x, s)                                             \
    ngx_sos_xml_raw(x, (u_char *) s, sizeof(s) - 1)

/* ngx_sos_owner_names.c: the display names of a listing page's owners */
typedef struct {
    char                   id[SOS_ID_LEN + 1];
    char                   name[sizeof(((sos_org_t *) 0)->name)];
} ngx_sos_owner_name_t;

typedef struct {
    ngx_sos_owner_name_t  *names;      /* malloc()ed in the pool thread */
    size_t                 n;
} ngx_sos_owner_names_t;

sos_rc_e ngx_sos_owner_names_load(ngx_sos_owner_names_t *on,
    sos_store_t *store, const void *entries, size_t n, size_t size,
    size_t owner_offset, sos_error_t *err);
void ngx_sos_owner_names_free(ngx_sos_owner_names_t *on);
void ngx_sos_owner_names_xml(ngx_sos_xml_out_t *x,
    const ngx_sos_owner_names_t *on, const sos_str_t *owner);



/*
 * Parsing: a body is checked against its root element name (namespace
 * ignored) and each element is reported to the handler with its path
 * below the root ("Object/Key"), once when it opens (text NULL) and once
 * when it closes with its character data.  The handler returns NGX_OK,
 * or NGX_DECLINED for a schema violation (the body is MalformedXML).
 */

#define NGX_SOS_XML_MAX_DEPTH  8
#define NGX_SOS_XML_MAX_PATH   256

typedef ngx_int_t (*ngx_sos_xml_handler_pt)(void *data, ngx_str_t *path,
    ngx_str_t *text);

/*
 * NGX_SOS_OK, NGX_SOS_ERR_MALFORMED_XML (parse error, wrong root, too
 * deep, text longer than max_text, DOCTYPE, a handler's NGX_DECLINED) or
 * NGX_SOS_ERR_INTERNAL_ERROR (memory).
 */
ngx_sos_err_e ngx_sos_xml_parse(ngx_pool_t *pool, ngx_str_t *body,
    char *root, size_t max_text, ngx_sos_xml_handler_pt handler,
    void *data);

/* xsd:boolean: NGX_OK and *value, or NGX_DECLINED */
ngx_int_t ngx_sos_xml_bool(ngx_str_t *text, ngx_uint_t *value);
/* text without leading and trailing XML white space */
void ngx_sos_xml_trim(ngx_str_t *text);

#define ngx_sos_xml_path_is(path, s)                                          \
    ((path)->len == sizeof(s) - 1                                             \
     && ngx_strncmp((path)->data, s, sizeof(s) - 1) == 0)


#endif /* _NGX_SOS_XML_H_INCLUDED_ */
