/*
 * SOS console: one object's page, route object/<bucket>/<key>.
 *
 * Its details and headers (HeadObject), its ACL (GetObjectAcl) as a
 * table of grants, public or private for the object and for its bucket
 * (PutObjectAcl / PutBucketAcl), its public URL, grants to other
 * organizations (the ACL document, as S3 takes it), a presigned GET link
 * with a chosen expiry and its QR code (qrcode-generator, vendored at
 * build time), and a preview of images, text (the first 64 KiB) and
 * video.
 */

'use strict';

(function () {

    const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
    const AUTH_USERS =
        'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
    const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
    const S3NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
    const TEXT_PREVIEW = 65536;
    const PERMISSIONS = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP',
                         'FULL_CONTROL'];
    const EXPIRIES = [[900, '15 minutes'], [3600, '1 hour'],
                      [86400, '1 day'],
                      [604800, '7 days (the most S3 allows)']];
    const TEXT_NAMES = new RegExp('^(txt|md|csv|log|json|xml|ya?ml|js|css'
                                  + '|html?|c|h|conf|ini|sh|py|toml)$');

    const el = SOS.el;

    /* copy to the clipboard; a selected text field when not allowed */
    async function copy(text, input) {
        try {
            await navigator.clipboard.writeText(text);
            SOS.toast('Copied to the clipboard.');
        } catch (e) {
            if (input) {
                input.focus();
                input.select();
            }
            SOS.toast('Press Ctrl+C (or long-press) to copy the selected '
                      + 'text.');
        }
    }

    /* the URL anyone can open once the object is public-read */
    function publicUrl(bucket, key) {
        return SOS.s3.origin + SOS.s3.path(bucket, key);
    }

    /* what a preview can show, from the Content-Type or the name */
    function previewKind(type, key) {
        type = (type || '').toLowerCase();
        const ext = (key.match(/\.([a-z0-9]+)$/i) || ['', ''])[1]
            .toLowerCase();
        if (type.startsWith('image/')
            || /^(png|jpe?g|gif|webp|svg|avif|bmp|ico)$/.test(ext)) {
            return 'image';
        }
        if (type.startsWith('video/') || /^(mp4|webm|ogv|mov)$/.test(ext)) {
            return 'video';
        }
        if (type.startsWith('text/') || /json|xml|javascript|yaml/.test(type)
            || TEXT_NAMES.test(ext)) {
            return 'text';
        }
        return '';
    }

    /*
     * An ACL document as a plain object: { owner: { id, name }, grants:
     * [{ id, name, uri, email, permission }] } (one of id, uri, email).
     */
    function parseAcl(doc) {
        const acl = { owner: { id: '', name: '' }, grants: [] };
        const owner = doc.getElementsByTagName('Owner')[0];
        if (owner) {
            acl.owner.id = SigV4.xmlText(owner, 'ID');
            acl.owner.name = SigV4.xmlText(owner, 'DisplayName');
        }
        for (const g of Array.from(doc.getElementsByTagName('Grant'))) {
            const ge = g.getElementsByTagName('Grantee')[0];
            if (!ge) {
                continue;
            }
            acl.grants.push({
                id: SigV4.xmlText(ge, 'ID'),
                name: SigV4.xmlText(ge, 'DisplayName'),
                uri: SigV4.xmlText(ge, 'URI'),
                email: SigV4.xmlText(ge, 'EmailAddress'),
                permission: SigV4.xmlText(g, 'Permission'),
            });
        }
        return acl;
    }

    function isPublic(acl) {
        return acl.grants.some(g => g.uri === ALL_USERS
            && (g.permission === 'READ' || g.permission === 'FULL_CONTROL'));
    }

    function escapeXml(s) {
        return String(s).replace(/[<>&"']/g, c => ({ '<': '&lt;',
            '>': '&gt;', '&': '&amp;', '"': '&quot;', '\'': '&apos;' })[c]);
    }

    /* the document PutObjectAcl / PutBucketAcl take */
    function aclXml(acl) {
        let x = '<AccessControlPolicy xmlns="' + S3NS + '"><Owner><ID>'
            + escapeXml(acl.owner.id) + '</ID></Owner><AccessControlList>';
        for (const g of acl.grants) {
            x += '<Grant><Grantee xmlns:xsi="' + XSI + '" ';
            if (g.uri) {
                x += 'xsi:type="Group"><URI>' + escapeXml(g.uri) + '</URI>';
            } else if (g.id) {
                x += 'xsi:type="CanonicalUser"><ID>' + escapeXml(g.id)
                    + '</ID>';
            } else {
                x += 'xsi:type="AmazonCustomerByEmail"><EmailAddress>'
                    + escapeXml(g.email) + '</EmailAddress>';
            }
            x += '</Grantee><Permission>' + g.permission
                + '</Permission></Grant>';
        }
        return x + '</AccessControlList></AccessControlPolicy>';
    }

    /* grants beyond the owner's own FULL_CONTROL and the public ones */
    function hasOtherGrants(acl) {
        return acl.grants.some(g => !(g.id === acl.owner.id
            && g.permission === 'FULL_CONTROL') && g.uri !== ALL_USERS);
    }

    /*
     * Make public-read or private.  With grants to others in the ACL the
     * document is edited (the canned ACL would drop them); else the
     * x-amz-acl header, as "aws s3api put-object-acl --acl" sends it.
     */
    async function setPublic(bucket, key, acl, pub) {
        const opts = { query: { acl: '' } };
        if (hasOtherGrants(acl)) {
            const next = { owner: acl.owner, grants: acl.grants.filter(
                g => g.uri !== ALL_USERS) };
            if (pub) {
                next.grants.push({ uri: ALL_USERS, permission: 'READ' });
            }
            opts.body = aclXml(next);
            opts.headers = { 'content-type': 'application/xml' };
        } else {
            opts.headers = { 'x-amz-acl': pub ? 'public-read' : 'private' };
        }
        await SOS.s3.request('PUT', bucket, key, opts);
    }

    async function getAcl(bucket, key) {
        const r = await SOS.s3.request('GET', bucket, key,
                                       { query: { acl: '' } });
        return parseAcl(r.xml);
    }

    function section(title, ...body) {
        return el('section', { class: 'card panel' },
                  el('h2', { text: title }), body.flat());
    }

    /* the headers of HeadObject as a definition list */
    function details(head, key) {
        const size = Number(head.headers.get('content-length') || 0);
        const rows = [
            ['Key', key],
            ['Size', SOS.size(size) + (size >= 1024
                ? ' (' + size.toLocaleString() + ' bytes)' : '')],
            ['Type', head.headers.get('content-type') || ''],
            ['Last modified', head.headers.get('last-modified') || ''],
            ['ETag', head.headers.get('etag') || ''],
        ];
        const meta = [], all = [];
        head.headers.forEach((v, k) => {
            all.push([k, v]);
            if (k.startsWith('x-amz-meta-')) {
                meta.push([k.slice(11), v]);
            }
        });
        all.sort((a, b) => a[0] < b[0] ? -1 : 1);
        const dl = list => el('dl', { class: 'props' },
            list.flatMap(([k, v]) => [el('dt', { text: k }),
                                      el('dd', { text: v })]));
        return section('Details', dl(rows),
            el('h3', {}, 'Metadata'),
            meta.length ? dl(meta)
                : el('p', { class: 'muted' },
                     'No user metadata (x-amz-meta-*).'),
            el('details', {}, el('summary', {}, 'All response headers ('
                + all.length + ')'), dl(all)));
    }

    async function preview(bucket, key, head) {
        const type = head.headers.get('content-type');
        const kind = previewKind(type, key);
        const box = el('div', { class: 'preview',
                                'data-kind': kind || 'none' });
        const size = Number(head.headers.get('content-length') || 0);

        if (!kind) {
            box.append(el('p', { class: 'muted' },
                'No preview for this type (' + (type || 'unknown') + ').'));
        } else if (kind === 'text') {
            const r = await SOS.s3.request('GET', bucket, key, {
                headers: size > TEXT_PREVIEW
                    ? { range: 'bytes=0-' + (TEXT_PREVIEW - 1) } : {} });
            box.append(el('pre', { class: 'text-preview' }, r.text));
            if (size > TEXT_PREVIEW) {
                box.append(el('p', { class: 'muted' }, 'The first 64 KiB of '
                    + SOS.size(size) + '.'));
            }
        } else {
            /* the element fetches it: a presigned URL, an hour */
            const url = await SOS.s3.presign('GET', bucket, key, 3600);
            box.append(kind === 'image'
                ? el('img', { src: url, alt: key, class: 'image-preview' })
                : el('video', { src: url, controls: true, preload: 'metadata',
                               class: 'video-preview' }));
        }
        return section('Preview', box);
    }

    function grantee(g, acl) {
        if (g.uri === ALL_USERS) {
            return 'Everyone (public)';
        }
        if (g.uri === AUTH_USERS) {
            return 'Any signed-in user';
        }
        if (g.uri) {
            return g.uri;
        }
        const who = g.name || g.email || '';
        const id = g.id ? g.id.slice(0, 12) + '…' : '';
        return (g.id === acl.owner.id ? 'Owner: ' : '')
            + (who ? who + ' ' : '') + (id ? '(' + id + ')' : '');
    }

    /* an organization named by its id, or by its name for an admin key */
    async function orgId(text) {
        text = text.trim();
        if (/^[0-9a-f]{64}$/i.test(text)) {
            return text.toLowerCase();
        }
        if (!SOS.isAdmin()) {
            throw new Error('Give the organization\'s canonical id (64 hex '
                + 'digits); only an admin key can look names up.');
        }
        return (await SOS.admin.request('GET', 'orgs/' + text)).id;
    }

    /*
     * The access card: the object's and the bucket's public state and
     * the grants of the object's ACL, with a form to add one.
     */
    function access(bucket, key, acl, bucketAcl, reload) {
        const pub = isPublic(acl);
        const url = publicUrl(bucket, key);
        const urlField = el('input', { type: 'text', readonly: true,
            value: url, class: 'url', 'aria-label': 'Public URL',
            id: 'public-url' });

        async function act(button, f) {
            button.disabled = true;
            try {
                await f();
                await reload();
            } catch (e) {
                SOS.error(e);
                button.disabled = false;
            }
        }

        const toggle = el('button', { id: 'object-public', type: 'button',
            class: 'btn ' + (pub ? 'btn-danger' : 'btn-primary'),
            onclick: e => act(e.currentTarget, async () => {
                await setPublic(bucket, key, acl, !pub);
                SOS.toast(pub ? 'The object is private.'
                          : 'The object is public: anyone with the URL can '
                            + 'read it.');
            }) }, pub ? 'Make private' : 'Make public');

        let bucketRow;
        if (bucketAcl) {
            const bpub = isPublic(bucketAcl);
            bucketRow = el('div', { class: 'row' },
                el('span', { class: 'badge ' + (bpub ? 'public' : 'private') },
                  bpub ? 'Bucket listing public' : 'Bucket private'),
                el('button', { id: 'bucket-public', type: 'button',
                    class: 'btn btn-small',
                    onclick: async e => {
                        const b = e.currentTarget;
                        if (!bpub && !await SOS.confirm('Make ' + bucket
                            + ' public?', 'Anyone will be able to list the '
                            + 'names of its objects (each object keeps its '
                            + 'own ACL).', false, 'Make public')) {
                            return;
                        }
                        act(b, () => setPublic(bucket, '', bucketAcl, !bpub));
                    } }, bpub ? 'Make bucket private'
                              : 'Make bucket listing public'));
        } else {
            bucketRow = el('p', { class: 'muted' },
                'The bucket\'s ACL is its owner\'s to read.');
        }

        const rows = acl.grants.map((g, i) => el('tr', {},
            el('td', {}, grantee(g, acl)),
            el('td', {}, g.permission),
            el('td', {}, g.id === acl.owner.id
                && g.permission === 'FULL_CONTROL' ? '' : el('button', {
                    type: 'button', class: 'btn btn-small btn-danger',
                    'aria-label': 'Remove ' + g.permission + ' of '
                        + grantee(g, acl),
                    onclick: e => act(e.currentTarget, () => putGrants(
                        acl.grants.filter((_, j) => j !== i))) },
                    'Remove'))));

        async function putGrants(grants) {
            await SOS.s3.request('PUT', bucket, key, { query: { acl: '' },
                headers: { 'content-type': 'application/xml' },
                body: aclXml({ owner: acl.owner, grants: grants }) });
            SOS.toast('The ACL is saved.');
        }

        const who = el('input', { type: 'text', id: 'grant-org',
            required: true, autocomplete: 'off', spellcheck: 'false',
            placeholder: SOS.isAdmin()
                ? 'organization id or name' : 'organization id (64 hex)' });
        const perm = el('select', { id: 'grant-permission',
            'aria-label': 'Permission' },
            PERMISSIONS.map(p => el('option', { value: p }, p)));
        const form = el('form', { class: 'inline', id: 'grant-form',
            onsubmit: e => {
                e.preventDefault();
                const button = form.querySelector('button');
                act(button, async () => {
                    const id = await orgId(who.value);
                    if (acl.grants.some(g => g.id === id
                        && g.permission === perm.value)) {
                        throw new Error('That grant is already there.');
                    }
                    await putGrants(acl.grants.concat([{ id: id,
                        permission: perm.value }]));
                });
            } },
            el('label', { for: 'grant-org' }, 'Grant to'), who, perm,
            el('button', { type: 'submit', class: 'btn' }, 'Add grant'));

        return section('Access',
            el('div', { class: 'row' },
                el('span', { id: 'object-state', class: 'badge '
                    + (pub ? 'public' : 'private') },
                  pub ? 'Public' : 'Private'),
                toggle),
            el('div', { class: 'row' }, urlField,
                el('button', { type: 'button', id: 'copy-public-url',
                    class: 'btn',
                    onclick: () => copy(url, urlField) }, 'Copy URL')),
            el('p', { class: 'muted' }, pub
                ? 'Anyone can open this URL.'
                : 'This URL answers 403 until the object is public.'),
            bucketRow,
            el('h3', {}, 'Grants'),
            el('div', { class: 'table-wrap' },
                el('table', { id: 'grants', class: 'list' },
                    el('thead', {}, el('tr', {}, el('th', {}, 'Grantee'),
                        el('th', {}, 'Permission'), el('th', {}, ''))),
                    el('tbody', {}, rows))),
            form);
    }

    /* a QR code of text on a canvas, whole pixels per module, 4 modules
       of quiet zone */
    function qrCanvas(text) {
        /* level L: a long URL in the fewest modules, easiest to scan */
        const qr = qrcode(0, 'L');
        qr.addData(text);
        qr.make();
        const n = qr.getModuleCount(), cell = n + 8 > 80 ? 3 : 4;
        const c = el('canvas', { id: 'presign-qr', class: 'qr',
            role: 'img', 'aria-label': 'QR code of the link' });
        c.width = c.height = (n + 8) * cell;
        const g = c.getContext('2d');
        g.fillStyle = '#fff';
        g.fillRect(0, 0, c.width, c.height);
        g.fillStyle = '#000';
        for (let r = 0; r < n; r++) {
            for (let col = 0; col < n; col++) {
                if (qr.isDark(r, col)) {
                    g.fillRect((col + 4) * cell, (r + 4) * cell, cell, cell);
                }
            }
        }
        return c;
    }

    function share(bucket, key) {
        const expiry = el('select', { id: 'presign-expiry',
            'aria-label': 'Expires in' },
            EXPIRIES.map(([s, l]) => el('option', { value: s,
                selected: s === 3600 }, l)));
        const out = el('div', { class: 'presigned', id: 'presign-out' });

        const form = el('form', { class: 'inline', onsubmit: async e => {
            e.preventDefault();
            try {
                const secs = Number(expiry.value);
                const url = await SOS.s3.presign('GET', bucket, key, secs);
                const field = el('input', { type: 'text', readonly: true,
                    value: url, class: 'url', id: 'presign-url',
                    'aria-label': 'Presigned link' });
                out.replaceChildren(
                    el('div', { class: 'row' }, field,
                      el('button', { type: 'button', class: 'btn',
                          onclick: () => copy(url, field) }, 'Copy link')),
                    el('p', { class: 'muted' }, 'Works until '
                        + new Date(Date.now() + secs * 1000).toLocaleString()
                        + ', for anyone who has it, while this key is valid.'),
                    qrCanvas(url));
            } catch (err) {
                SOS.error(err);
            }
        } },
        el('label', { for: 'presign-expiry' }, 'Expires in'), expiry,
        el('button', { type: 'submit', id: 'presign',
                       class: 'btn btn-primary' }, 'Make link'));

        return section('Share a link', form, out);
    }

    /* the folders of a key as links to their listing */
    function dirs(bucket, key) {
        const parts = key.split('/');
        const out = [];
        let prefix = '';
        for (let i = 0; i < parts.length - 1; i++) {
            prefix += parts[i] + '/';
            out.push(el('span', { class: 'sep', text: '/' }),
                     el('a', { href: SOS.link('browse/' + bucket + '/'
                                              + prefix), text: parts[i] }));
        }
        return out;
    }

    async function render(view, bucket, key) {
        const crumbs = el('nav', { class: 'crumbs', 'aria-label': 'Path' },
            el('a', { href: SOS.link('buckets'), text: 'Buckets' }),
            el('span', { class: 'sep', text: '/' }),
            el('a', { href: SOS.link('browse/' + bucket + '/'),
                      text: bucket }),
            dirs(bucket, key));
        view.replaceChildren(crumbs, el('p', { class: 'muted' }, 'Loading…'));

        const head = await SOS.s3.request('HEAD', bucket, key);

        const page = el('div', { class: 'object-page', id: 'object-page' });
        const download = el('button', { type: 'button', class: 'btn',
                                       onclick: async () => {
            try {
                location.href = await SOS.s3.presign('GET', bucket, key, 300,
                    { 'response-content-disposition': 'attachment' });
            } catch (e) {
                SOS.error(e);
            }
        } }, 'Download');
        view.replaceChildren(crumbs,
            el('div', { class: 'view-head' },
              el('h1', { class: 'object-key' }, key.split('/').pop() || key),
              el('div', { class: 'actions' }, download)),
            page);

        const accessBox = el('div', {});
        async function reloadAccess() {
            let acl, bucketAcl = null;
            try {
                acl = await getAcl(bucket, key);
            } catch (e) {
                accessBox.replaceChildren(section('Access', el('p',
                    { class: 'error' }, 'The ACL could not be read: '
                    + SOS.describe(e))));
                return;
            }
            try {
                bucketAcl = await getAcl(bucket, '');
            } catch (e) {
                if (e.status !== 403) {
                    throw e;
                }
            }
            accessBox.replaceChildren(access(bucket, key, acl, bucketAcl,
                                             reloadAccess));
        }

        /* what it is on the left, who may read it on the right */
        const previewBox = el('div', {});
        page.append(el('div', { class: 'col' }, previewBox,
                           details(head, key)),
                    el('div', { class: 'col' }, accessBox,
                           share(bucket, key)));
        await reloadAccess();
        try {
            previewBox.append(await preview(bucket, key, head));
        } catch (e) {
            previewBox.append(section('Preview', el('p', { class: 'error' },
                'No preview: ' + SOS.describe(e))));
        }
        page.dataset.ready = '1';
    }

    SOS.register('object', function (view, args) {
        const i = args.indexOf('/');
        const bucket = i < 0 ? args : args.slice(0, i);
        const key = i < 0 ? '' : args.slice(i + 1);
        return render(view, bucket, key);
    });

})();
