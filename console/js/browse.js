/*
 * SOS console: a bucket's objects by prefix, as folders ("/" as the
 * delimiter), with breadcrumbs and pages (ListObjectsV2 continuation
 * tokens); download through a presigned GET; delete of several objects
 * and of whole folders (DeleteObjects, 1,000 keys a request); uploads go
 * to upload.js (SOS.upload).
 *
 * Route: "browse/BUCKET/PREFIX" (PREFIX empty or ending in "/").  Each
 * object links to "object/BUCKET/KEY", the details view.
 */

'use strict';

(function () {

    const el = SOS.el;
    const DELETE_BATCH = 1000;

    /* keys a page: SOS.pageSize may lower it (tests) */
    function pageSize() {
        return SOS.pageSize || 200;
    }

    function xmlEscape(s) {
        return s.replace(/[<>&'"]/g, c => ({ '<': '&lt;', '>': '&gt;',
            '&': '&amp;', '\'': '&apos;', '"': '&quot;' })[c]);
    }

    /* every key under a prefix, page by page */
    async function allKeys(bucket, prefix) {
        const keys = [];
        let token;
        for (let pages = 0; pages < 100000; pages++) {
            const r = await SOS.s3.request('GET', bucket, '', { query: {
                'list-type': '2', prefix: prefix, 'max-keys': '1000',
                'continuation-token': token } });
            for (const c of r.xml.getElementsByTagName('Contents')) {
                keys.push(SigV4.xmlText(c, 'Key'));
            }
            if (SigV4.xmlText(r.xml, 'IsTruncated') !== 'true') {
                break;
            }
            token = SigV4.xmlText(r.xml, 'NextContinuationToken');
        }
        return keys;
    }

    /* DeleteObjects in batches; returns [deleted, errors[]] */
    async function deleteKeys(bucket, keys, progress) {
        let deleted = 0;
        const errors = [];
        for (let i = 0; i < keys.length; i += DELETE_BATCH) {
            const batch = keys.slice(i, i + DELETE_BATCH);
            const body = '<?xml version="1.0" encoding="UTF-8"?>'
                + '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                + '<Quiet>true</Quiet>'
                + batch.map(k => '<Object><Key>' + xmlEscape(k)
                                 + '</Key></Object>').join('')
                + '</Delete>';
            const bytes = new TextEncoder().encode(body);
            const sum = SigV4.base64(await SigV4.sha256(bytes));
            const r = await SOS.s3.request('POST', bucket, '', {
                query: { delete: '' }, body: bytes,
                headers: { 'x-amz-checksum-sha256': sum,
                           'content-type': 'application/xml' } });
            const errs = r.xml ? r.xml.getElementsByTagName('Error') : [];
            for (const e of errs) {
                errors.push(SigV4.xmlText(e, 'Key') + ': '
                            + SigV4.xmlText(e, 'Code') + ' '
                            + SigV4.xmlText(e, 'Message'));
            }
            deleted += batch.length - errs.length;
            if (progress) {
                progress(deleted);
            }
        }
        return [deleted, errors];
    }

    SOS.deleteKeys = deleteKeys;

    async function download(bucket, key) {
        try {
            const name = key.split('/').pop() || 'download';
            const url = await SOS.s3.presign('GET', bucket, key, 300, {
                'response-content-disposition':
                    'attachment; filename*=UTF-8\'\'' + SigV4.uriEncode(name)
            });
            const a = el('a', { href: url, download: name,
                                rel: 'noopener' });
            document.body.append(a);
            a.click();
            a.remove();
        } catch (e) {
            SOS.error(e, 'Could not download "' + key + '"');
        }
    }

    SOS.download = download;

    function crumbs(bucket, prefix) {
        const nav = el('nav', { class: 'crumbs', 'aria-label': 'Path' },
            el('a', { href: SOS.link('buckets'), text: 'Buckets' }),
            el('span', { class: 'sep', 'aria-hidden': 'true', text: '/' }));
        const parts = prefix.split('/').filter((p, i, a) => i < a.length - 1);
        const last = parts.length;
        nav.append(last ? el('a', { href: SOS.link('browse/' + bucket + '/'),
                                    text: bucket })
                        : el('span', { 'aria-current': 'page',
                                       text: bucket }));
        let p = '';
        parts.forEach((part, i) => {
            p += part + '/';
            nav.append(el('span', { class: 'sep', 'aria-hidden': 'true',
                                    text: '/' }));
            nav.append(i === last - 1
                ? el('span', { 'aria-current': 'page', text: part })
                : el('a', { href: SOS.link('browse/' + bucket + '/' + p),
                            text: part }));
        });
        return nav;
    }

    SOS.register('browse', async function (box, rest) {
        const i = rest.indexOf('/');
        const bucket = i < 0 ? rest : rest.slice(0, i);
        const prefix = i < 0 ? '' : rest.slice(i + 1);
        const seq = SOS.renderSeq;
        const tokens = [undefined];     /* the token of each page shown */
        let page = 0;

        const title = prefix ? prefix.split('/').slice(-2)[0] : bucket;
        const uploads = el('section', { class: 'card uploads',
                                        id: 'uploads' });
        const tbody = el('tbody');
        const status = el('span', { class: 'selection', id: 'selection' });
        const delButton = el('button', { type: 'button', disabled: true,
            class: 'btn btn-small btn-danger', id: 'delete-selected',
            text: 'Delete', onclick: () => removeSelected() });
        const all = el('input', { type: 'checkbox', id: 'select-all',
                                  'aria-label': 'Select all on this page',
                                  onchange: () => {
                                      for (const c of checks()) {
                                          c.checked = all.checked;
                                      }
                                      selected();
                                  } });
        const prev = el('button', { type: 'button', class: 'btn btn-small',
                                    id: 'page-prev', text: '\u2190 Previous',
                                    onclick: () => load(page - 1) });
        const next = el('button', { type: 'button', class: 'btn btn-small',
                                    id: 'page-next', text: 'Next \u2192',
                                    onclick: () => load(page + 1) });
        const pageInfo = el('span', { id: 'page-info' });

        function checks() {
            return Array.from(tbody.querySelectorAll('input[type=checkbox]'));
        }

        function selected() {
            const c = checks().filter(x => x.checked);
            delButton.disabled = !c.length;
            status.textContent = c.length ? c.length + ' selected' : '';
            return c.map(x => x.value);
        }

        async function removeSelected() {
            const items = selected();
            const folders = items.filter(k => k.endsWith('/'));
            const text = items.length === 1
                ? '"' + items[0] + '"' : items.length + ' items';
            if (!await SOS.confirm('Delete ' + text + '?',
                    (folders.length ? 'Folders are deleted with everything '
                                      + 'in them. ' : '')
                    + 'This cannot be undone.', true)) {
                return;
            }
            delButton.disabled = true;
            try {
                let keys = items.filter(k => !k.endsWith('/'));
                for (const f of folders) {
                    status.textContent = 'Listing ' + f + '\u2026';
                    keys = keys.concat(await allKeys(bucket, f));
                }
                const [n, errors] = await deleteKeys(bucket, keys, d => {
                    status.textContent = 'Deleted ' + d + ' of '
                                         + keys.length + '\u2026';
                });
                if (errors.length) {
                    SOS.toast('Deleted ' + n + '; ' + errors.length
                              + ' failed: ' + errors.slice(0, 3).join('; '),
                              'error');
                } else {
                    SOS.toast('Deleted ' + n + (n === 1 ? ' object.'
                                                        : ' objects.'), 'ok');
                }
            } catch (e) {
                SOS.error(e, 'Delete failed');
            }
            load(page);
        }

        async function newFolder() {
            const name = await SOS.prompt('New folder', 'Folder name', '',
                                          'Create');
            if (!name) {
                return;
            }
            const key = prefix + name.replace(/^\/+|\/+$/g, '') + '/';
            try {
                await SOS.s3.request('PUT', bucket, key, { body: '' });
                SOS.go('browse/' + bucket + '/' + key);
            } catch (e) {
                SOS.error(e, 'Could not create the folder');
            }
        }

        function row(kind, key, size, modified) {
            const name = key.slice(prefix.length);
            const link = kind === 'folder'
                ? el('a', { href: SOS.link('browse/' + bucket + '/' + key),
                            class: 'folder' },
                     el('img', { class: 'icon', src: 'img/folder.svg',
                                 alt: '' }), name)
                : el('a', { href: SOS.link('object/' + bucket + '/' + key),
                            class: 'object' },
                     el('img', { class: 'icon', src: 'img/file.svg',
                                 alt: '' }), name);
            return el('tr', { 'data-key': key },
                el('td', { class: 'check' },
                    el('input', { type: 'checkbox', value: key,
                                  'aria-label': 'Select ' + name,
                                  onchange: selected })),
                el('td', { class: 'name' }, link),
                el('td', { class: 'num', text: kind === 'folder' ? ''
                                                 : SOS.size(size) }),
                el('td', { class: 'wide muted',
                           text: modified ? SOS.date(modified) : '' }),
                el('td', { class: 'row-actions' }, kind === 'folder' ? null
                    : el('button', { type: 'button',
                                     class: 'btn btn-small download',
                                     'aria-label': 'Download ' + name,
                                     text: 'Download',
                                     onclick: () => download(bucket, key) })));
        }

        async function load(n) {
            const r = await SOS.s3.request('GET', bucket, '', { query: {
                'list-type': '2', delimiter: '/', prefix: prefix,
                'max-keys': String(pageSize()),
                'continuation-token': tokens[n] } });
            if (!SOS.still(seq)) {
                return;
            }
            page = n;
            const truncated = SigV4.xmlText(r.xml, 'IsTruncated') === 'true';
            tokens[n + 1] = truncated
                ? SigV4.xmlText(r.xml, 'NextContinuationToken') : undefined;
            tokens.length = n + 2;

            const rows = [];
            const root = r.xml.documentElement;
            for (const p of SigV4.xmlChildren(root, 'CommonPrefixes')) {
                rows.push(row('folder', SigV4.xmlText(p, 'Prefix')));
            }
            for (const c of SigV4.xmlChildren(root, 'Contents')) {
                const key = SigV4.xmlText(c, 'Key');
                if (key === prefix) {
                    continue;           /* the folder's own marker */
                }
                rows.push(row('object', key,
                              Number(SigV4.xmlText(c, 'Size')),
                              SigV4.xmlText(c, 'LastModified')));
            }
            if (!rows.length) {
                rows.push(el('tr', {}, el('td', { colspan: '5',
                    class: 'empty', text: page ? 'Nothing more.'
                        : 'Empty. Drop files here or use Upload.' })));
            }
            tbody.replaceChildren(...rows);
            all.checked = false;
            selected();
            prev.disabled = page === 0;
            next.disabled = !truncated;
            pageInfo.textContent = 'Page ' + (page + 1);
            pager.hidden = page === 0 && !truncated;
        }

        const pager = el('div', { class: 'pager' }, pageInfo,
                         el('div', { class: 'actions' }, prev, next));

        const drop = SOS.upload
            ? SOS.upload.zone(bucket, prefix, uploads, () => load(page))
            : null;

        box.append(el('div', { class: 'view-head' },
                el('div', {}, crumbs(bucket, prefix),
                   el('h1', { text: title })),
                el('div', { class: 'actions' },
                    el('button', { type: 'button', class: 'btn',
                                   id: 'new-folder', text: 'New folder',
                                   onclick: newFolder }))),
            drop, uploads,
            el('section', { class: 'card' },
                el('div', { class: 'toolbar' },
                    el('label', { class: 'selection' }, all, ' All'),
                    status, el('span', { class: 'spacer' }),
                    el('button', { type: 'button', class: 'btn btn-small',
                                   id: 'refresh', text: 'Refresh',
                                   onclick: () => load(page) }),
                    delButton),
                el('div', { class: 'table-wrap' },
                    el('table', { class: 'list', id: 'objects' },
                        el('thead', {}, el('tr', {},
                            el('th', { class: 'check' }),
                            el('th', { text: 'Name' }),
                            el('th', { class: 'num', text: 'Size' }),
                            el('th', { class: 'wide', text: 'Modified' }),
                            el('th', { class: 'row-actions' }))),
                        tbody)),
                pager));

        await load(0);
        box.dataset.loaded = '1';
    });

})();
