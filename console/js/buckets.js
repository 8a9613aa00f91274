/*
 * SOS console: the bucket list (ListBuckets), each bucket's object count
 * and size, create and delete.
 *
 * For an admin key they are the counters the server keeps per bucket
 * (the admin API's GET usage: exact, one call for all buckets).  For
 * other keys, which no S3 call gives them to, they come from one
 * ListObjectsV2 page per bucket (up to 1,000 keys): a bucket with more
 * shows "1,000+" and the size of those keys with "+".
 */

'use strict';

(function () {

    const el = SOS.el;
    const PAGE = 1000;

    /* name -> {objects, bytes} for an admin key, else null */
    async function adminUsage() {
        if (!SOS.whenAdmin || !(await SOS.whenAdmin())) {
            return null;
        }
        try {
            const r = await SOS.admin.request('GET', 'usage');
            return new Map(r.buckets.map(b => [b.name, b]));
        } catch (e) {
            return null;
        }
    }

    async function usage(bucket, countCell, sizeCell, exact) {
        const u = exact && exact.get(bucket);
        if (u) {
            countCell.textContent = u.objects.toLocaleString();
            sizeCell.textContent = SOS.size(u.bytes);
            countCell.dataset.count = u.objects;
            countCell.dataset.exact = 'yes';
            return;
        }
        try {
            const r = await SOS.s3.request('GET', bucket, '', {
                query: { 'list-type': '2', 'max-keys': String(PAGE) } });
            let n = 0;
            let bytes = 0;
            for (const c of r.xml.getElementsByTagName('Contents')) {
                n++;
                bytes += Number(SigV4.xmlText(c, 'Size')) || 0;
            }
            const more = SigV4.xmlText(r.xml, 'IsTruncated') === 'true';
            countCell.textContent = n.toLocaleString() + (more ? '+' : '');
            sizeCell.textContent = SOS.size(bytes) + (more ? '+' : '');
            countCell.dataset.count = n;
        } catch (e) {
            countCell.textContent = '\u2014';
            countCell.title = SOS.describe(e);
        }
    }

    async function create() {
        const name = await SOS.prompt('Create a bucket',
            'Name (3-63 characters: a-z, 0-9, dots and hyphens)', '',
            'Create');
        if (!name) {
            return;
        }
        try {
            await SOS.s3.request('PUT', name, '');
            SOS.toast('Bucket "' + name + '" created.', 'ok');
            SOS.go('browse/' + name + '/');
        } catch (e) {
            SOS.error(e, 'Could not create "' + name + '"');
        }
    }

    async function remove(name) {
        if (!await SOS.confirm('Delete bucket "' + name + '"?',
                'Only an empty bucket can be deleted. This cannot be '
                + 'undone.', true)) {
            return;
        }
        try {
            await SOS.s3.request('DELETE', name, '');
            SOS.toast('Bucket "' + name + '" deleted.', 'ok');
            SOS.go('buckets');
        } catch (e) {
            if (e.code === 'BucketNotEmpty') {
                SOS.toast('"' + name + '" is not empty: open it, select '
                          + 'everything and delete it first. (' +
                          SOS.describe(e) + ')', 'error');
            } else {
                SOS.error(e, 'Could not delete "' + name + '"');
            }
        }
    }

    SOS.register('buckets', async function (box) {
        const seq = SOS.renderSeq;
        box.append(el('div', { class: 'view-head' },
            el('h1', { text: 'Buckets' }),
            el('div', { class: 'actions' },
                el('button', { type: 'button', class: 'btn btn-primary',
                               id: 'create-bucket', onclick: create,
                               text: '+ Create bucket' }))));

        const r = await SOS.s3.request('GET', '', '');
        if (!SOS.still(seq)) {
            return;
        }
        const buckets = Array.from(r.xml.getElementsByTagName('Bucket'))
            .map(b => ({ name: SigV4.xmlText(b, 'Name'),
                         created: SigV4.xmlText(b, 'CreationDate') }));

        if (!buckets.length) {
            box.append(el('section', { class: 'card empty' },
                el('h1', { text: 'No buckets yet' }),
                el('p', { text: 'A bucket holds objects. Create one to '
                                + 'upload files.' })));
            return;
        }

        const exact = await adminUsage();
        if (!SOS.still(seq)) {
            return;
        }

        const tbody = el('tbody');
        for (const b of buckets) {
            const count = el('td', { class: 'num', text: '\u2026' });
            const size = el('td', { class: 'num', text: '' });
            tbody.append(el('tr', { 'data-bucket': b.name },
                el('td', { class: 'name' },
                    el('a', { href: SOS.link('browse/' + b.name + '/') },
                        el('img', { class: 'icon', src: 'img/bucket.svg',
                                    alt: '' }), b.name)),
                count, size,
                el('td', { class: 'wide muted', text: SOS.date(b.created) }),
                el('td', { class: 'row-actions' },
                    el('button', { type: 'button',
                                   class: 'btn btn-small btn-danger',
                                   'aria-label': 'Delete bucket ' + b.name,
                                   text: 'Delete',
                                   onclick: () => remove(b.name) }))));
            usage(b.name, count, size, exact);
        }

        box.append(el('section', { class: 'card table-wrap' },
            el('table', { class: 'list', id: 'buckets' },
                el('thead', {}, el('tr', {},
                    el('th', { text: 'Name' }),
                    el('th', { class: 'num', text: 'Objects' }),
                    el('th', { class: 'num', text: 'Size' }),
                    el('th', { class: 'wide', text: 'Created' }),
                    el('th', { class: 'row-actions' },
                        el('span', { class: 'muted', text: '' })))),
                tbody)));
    });

})();
