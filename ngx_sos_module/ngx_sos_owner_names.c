
/*
 * SOS: the display names of the owners of a listing's page.
 *
 * ListObjects and ListObjectVersions name each entry's owner by id and
 * display name.  The pool thread looks each distinct id up once per page
 * (a page names few organizations, so a short array is searched); the
 * completion writes the <Owner> elements from what it found.
 */


#include "ngx_sos_xml.h"


static const ngx_sos_owner_name_t *ngx_sos_owner_names_find(
    const ngx_sos_owner_names_t *on, const sos_str_t *id);


/*
 * Pool thread: the owners of n entries of `size` bytes each, whose owner
 * id (a sos_str_t) is at owner_offset in the entry.  An id of no
 * organization has an empty name.
 */

sos_rc_e
ngx_sos_owner_names_load(ngx_sos_owner_names_t *on, sos_store_t *store,
    const void *entries, size_t n, size_t size, size_t owner_offset,
    sos_error_t *err)
{
    size_t                 i, cap;
    sos_rc_e               rc;
    sos_org_t              org;
    const sos_str_t       *o;
    ngx_sos_owner_name_t  *p;

    cap = on->n;

    for (i = 0; i < n; i++) {
        o = (const sos_str_t *) ((const u_char *) entries + i * size
                                 + owner_offset);

        if (o->len == 0 || o->len > SOS_ID_LEN
            || ngx_sos_owner_names_find(on, o) != NULL)
        {
            continue;
        }

        if (on->n == cap) {
            cap = cap ? cap * 2 : 4;

            p = realloc(on->names, cap * sizeof(ngx_sos_owner_name_t));
            if (p == NULL) {
                err->code = SOS_ENOMEM;
                ngx_cpystrn((u_char *) err->msg,
                            (u_char *) "owners of a listing: out of memory",
                            sizeof(err->msg));
                return SOS_ENOMEM;
            }

            on->names = p;
        }

        p = &on->names[on->n++];
        ngx_memcpy(p->id, o->data, o->len);
        p->id[o->len] = '\0';
        p->name[0] = '\0';

        rc = sos_org_get(store, o->data, o->len, &org, err);

        if (rc == SOS_OK) {
            ngx_cpystrn((u_char *) p->name, (u_char *) org.name,
                        sizeof(p->name));

        } else if (rc != SOS_ENOTFOUND) {
            return rc;
        }
    }

    return SOS_OK;
}


void
ngx_sos_owner_names_free(ngx_sos_owner_names_t *on)
{
    free(on->names);
    on->names = NULL;
    on->n = 0;
}


/* <Owner><ID>..</ID><DisplayName>..</DisplayName></Owner>, the name when
 * the organization has one */

void
ngx_sos_owner_names_xml(ngx_sos_xml_out_t *x, const ngx_sos_owner_names_t *on,
    const sos_str_t *owner)
{
    const ngx_sos_owner_name_t  *p;

    ngx_sos_xml_literal(x, "<Owner>");
    ngx_sos_xml_element(x, "ID", (u_char *) owner->data, owner->len, 0);

    p = ngx_sos_owner_names_find(on, owner);

    if (p != NULL && p->name[0]) {
        ngx_sos_xml_element(x, "DisplayName", (u_char *) p->name,
                            ngx_strlen(p->name), 0);
    }

    ngx_sos_xml_literal(x, "</Owner>");
}


static const ngx_sos_owner_name_t *
ngx_sos_owner_names_find(const ngx_sos_owner_names_t *on, const sos_str_t *id)
{
    size_t  i;

    for (i = 0; i < on->n; i++) {
        if (ngx_strlen(on->names[i].id) == id->len
            && ngx_memcmp(on->names[i].id, id->data, id->len) == 0)
        {
            return &on->names[i];
        }
    }

    return NULL;
}
