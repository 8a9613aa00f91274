/*
 * SOS console: uploads.  Files come from a file picker, a folder picker
 * or drag-and-drop (files and whole folders); each gets a row with a
 * progress bar (XMLHttpRequest upload progress).
 *
 * Up to 8 MiB a file is one PutObject.  A larger one is a multipart
 * upload: parts of 8 MiB (more for files over 80 GB, S3 allows 10,000
 * parts), 4 in flight.  The upload's id is remembered in localStorage
 * with the file's name, size and modification time: after a reload, or a
 * failure, picking the same file for the same key again resumes it
 * (ListParts says which parts the server has).  Cancel aborts it.
 *
 *   SOS.upload.zone(bucket, prefix, listEl, onDone)   the drop zone
 *   SOS.upload.files(bucket, prefix, [{ file, path }], listEl, onDone)
 */

'use strict';

(function () {

    const el = SOS.el;
    const MiB = 1024 * 1024;
    const RESUME = 'sos-console-upload:';

    const upload = {
        threshold: 8 * MiB,     /* multipart above this size */
        partSize: 8 * MiB,
        partsInFlight: 4,
        filesInFlight: 3,
    };

    /* the next person at this browser does not see what was uploaded */
    document.addEventListener('sos:signout', () => {
        for (const k of Object.keys(localStorage)) {
            if (k.startsWith(RESUME)) {
                localStorage.removeItem(k);
            }
        }
    });

    function resumeKey(bucket, key, file) {
        return RESUME + JSON.stringify([bucket, key, file.name, file.size,
                                        file.lastModified]);
    }

    function remembered(bucket, key, file) {
        try {
            return JSON.parse(localStorage.getItem(
                resumeKey(bucket, key, file)));
        } catch (e) {
            return null;
        }
    }

    /* the parts the server holds: { number: { etag, size } } */
    async function listParts(bucket, key, uploadId) {
        const parts = {};
        let marker;
        for (let pages = 0; pages < 100; pages++) {
            const r = await SOS.s3.request('GET', bucket, key, { query: {
                uploadId: uploadId, 'part-number-marker': marker } });
            for (const p of r.xml.getElementsByTagName('Part')) {
                parts[SigV4.xmlText(p, 'PartNumber')] = {
                    etag: SigV4.xmlText(p, 'ETag'),
                    size: Number(SigV4.xmlText(p, 'Size')) };
            }
            if (SigV4.xmlText(r.xml, 'IsTruncated') !== 'true') {
                break;
            }
            marker = SigV4.xmlText(r.xml, 'NextPartNumberMarker');
        }
        return parts;
    }

    class Upload {
        constructor(bucket, key, file, list) {
            this.bucket = bucket;
            this.key = key;
            this.file = file;
            this.xhrs = new Set();
            this.cancelled = false;
            this.bar = el('progress', { max: '100', value: '0',
                                        'aria-label': 'Progress of ' + key });
            this.state = el('span', { class: 'ustate', text: 'waiting' });
            this.cancelButton = el('button', { type: 'button',
                class: 'btn btn-small btn-link', text: 'Cancel',
                'aria-label': 'Cancel upload of ' + key,
                onclick: () => this.cancel() });
            this.row = el('div', { class: 'upload', 'data-key': key },
                el('span', { class: 'uname', text: key }),
                el('span', { class: 'ustate-wrap' }, this.state, ' ',
                   this.cancelButton),
                this.bar);
            list.prepend(this.row);
        }

        show(text, fraction) {
            this.state.textContent = text;
            if (fraction !== undefined) {
                this.bar.value = Math.floor(fraction * 100);
            }
        }

        put(query, blob, onprogress) {
            return SOS.s3.upload('PUT', this.bucket, this.key, blob, {
                query: query, onprogress: onprogress,
                headers: query ? {} : { 'content-type':
                    this.file.type || 'application/octet-stream' },
                xhr: x => this.xhrs.add(x) });
        }

        async run() {
            this.row.dataset.state = 'running';
            try {
                const etag = this.file.size > upload.threshold
                    ? await this.multipart() : await this.single();
                this.row.dataset.state = 'done';
                this.row.dataset.etag = etag || '';
                this.row.classList.add('done');
                this.bar.value = 100;
                const parts = /-(\d+)"?$/.exec(etag || '');
                this.show('done \u2713 ' + SOS.size(this.file.size)
                          + (parts ? ' in ' + parts[1] + ' parts' : ''));
                this.cancelButton.remove();
                return true;
            } catch (e) {
                this.row.dataset.state = 'failed';
                this.row.classList.add('failed');
                this.show(this.cancelled ? 'cancelled'
                          : 'failed: ' + SOS.describe(e)
                            + (this.uploadId ? ' (pick the file again to '
                                               + 'resume)' : ''));
                this.cancelButton.remove();
                return false;
            }
        }

        async single() {
            this.show('uploading', 0);
            const r = await this.put(null, this.file, (n, total) =>
                this.show(SOS.size(n) + ' of ' + SOS.size(total),
                          total ? n / total : 0));
            return r.header('ETag');
        }

        async multipart() {
            const f = this.file;
            const rk = resumeKey(this.bucket, this.key, f);
            const size = Math.max(upload.partSize,
                                  Math.ceil(f.size / 10000 / MiB) * MiB);
            const count = Math.ceil(f.size / size);
            let done = {};
            const old = remembered(this.bucket, this.key, f);

            if (old && old.partSize === size) {
                try {
                    done = await listParts(this.bucket, this.key,
                                           old.uploadId);
                    this.uploadId = old.uploadId;
                    this.row.dataset.resumed = Object.keys(done).length;
                } catch (e) {
                    if (e.code !== 'NoSuchUpload') {
                        throw e;
                    }
                    localStorage.removeItem(rk);
                    done = {};
                }
            }

            if (!this.uploadId) {
                const r = await SOS.s3.request('POST', this.bucket,
                    this.key, { query: { uploads: '' }, headers: {
                        'content-type': f.type
                                        || 'application/octet-stream' } });
                this.uploadId = SigV4.xmlText(r.xml, 'UploadId');
                localStorage.setItem(rk, JSON.stringify({
                    uploadId: this.uploadId, partSize: size,
                    started: Date.now() }));
            }

            const etags = {};
            const loaded = {};
            let doneBytes = 0;
            const todo = [];
            for (let n = 1; n <= count; n++) {
                const len = Math.min(size, f.size - (n - 1) * size);
                if (done[n] && done[n].size === len) {
                    etags[n] = done[n].etag;
                    doneBytes += len;
                } else {
                    todo.push(n);
                }
            }

            const progress = () => {
                let b = doneBytes;
                for (const k of Object.keys(loaded)) {
                    b += loaded[k];
                }
                this.show(SOS.size(b) + ' of ' + SOS.size(f.size) + ', '
                          + count + ' parts', b / f.size);
            };
            progress();

            const worker = async () => {
                while (todo.length && !this.cancelled) {
                    const n = todo.shift();
                    const blob = f.slice((n - 1) * size, n * size);
                    const r = await this.put({ partNumber: String(n),
                                               uploadId: this.uploadId },
                        blob, l => { loaded[n] = l; progress(); });
                    delete loaded[n];
                    doneBytes += blob.size;
                    etags[n] = r.header('ETag');
                    progress();
                }
            };
            const workers = [];
            for (let i = 0; i < upload.partsInFlight; i++) {
                workers.push(worker());
            }
            await Promise.all(workers);

            this.show('completing\u2026', 1);
            const body = '<CompleteMultipartUpload xmlns="http://s3.'
                + 'amazonaws.com/doc/2006-03-01/">'
                + Object.keys(etags).map(Number).sort((a, b) => a - b)
                    .map(n => '<Part><PartNumber>' + n + '</PartNumber>'
                              + '<ETag>' + etags[n].replace(/&/g, '&amp;')
                                  .replace(/</g, '&lt;') + '</ETag></Part>')
                    .join('')
                + '</CompleteMultipartUpload>';
            const r = await SOS.s3.request('POST', this.bucket, this.key, {
                query: { uploadId: this.uploadId }, body: body });
            if (r.xml && r.xml.documentElement.localName === 'Error') {
                throw new SigV4.S3Error(200,
                    SigV4.xmlText(r.xml, 'Code'),
                    SigV4.xmlText(r.xml, 'Message'));
            }
            localStorage.removeItem(rk);
            return SigV4.xmlText(r.xml, 'ETag');
        }

        async cancel() {
            this.cancelled = true;
            for (const x of this.xhrs) {
                x.abort();
            }
            if (this.uploadId) {
                localStorage.removeItem(resumeKey(this.bucket, this.key,
                                                  this.file));
                try {
                    await SOS.s3.request('DELETE', this.bucket, this.key,
                                         { query: { uploadId:
                                                    this.uploadId } });
                } catch (e) {
                    SOS.error(e, 'Could not abort the upload');
                }
            }
        }
    }

    /* items: [{ file, path }]; path relative to prefix */
    upload.files = async function (bucket, prefix, items, list, onDone) {
        const queue = items.map(i => new Upload(bucket, prefix + i.path,
                                                i.file, list));
        let ok = 0;
        const worker = async () => {
            while (queue.length) {
                if (await queue.shift().run()) {
                    ok++;
                }
            }
        };
        const workers = [];
        for (let i = 0; i < upload.filesInFlight; i++) {
            workers.push(worker());
        }
        await Promise.all(workers);
        if (items.length) {
            SOS.toast('Uploaded ' + ok + ' of ' + items.length
                      + (items.length === 1 ? ' file.' : ' files.'),
                      ok === items.length ? 'ok' : 'error');
        }
        if (onDone) {
            onDone();
        }
    };

    /* a dropped folder, walked: readEntries gives batches until empty */
    function walk(entry, path, out) {
        if (entry.isFile) {
            return new Promise((res, rej) => entry.file(f => {
                out.push({ file: f, path: path + f.name });
                res();
            }, rej));
        }
        const reader = entry.createReader();
        const dir = path + entry.name + '/';
        return new Promise((res, rej) => {
            const more = () => reader.readEntries(async batch => {
                if (!batch.length) {
                    res();
                    return;
                }
                for (const e of batch) {
                    await walk(e, dir, out);
                }
                more();
            }, rej);
            more();
        });
    }

    async function dropped(dt) {
        const out = [];
        const entries = Array.from(dt.items || [])
            .map(i => i.webkitGetAsEntry && i.webkitGetAsEntry())
            .filter(Boolean);
        if (!entries.length) {
            return Array.from(dt.files).map(f => ({ file: f,
                                                     path: f.name }));
        }
        for (const e of entries) {
            await walk(e, '', out);
        }
        return out;
    }

    upload.zone = function (bucket, prefix, list, onDone) {
        const start = items => upload.files(bucket, prefix, items, list,
                                            onDone);
        const files = el('input', { type: 'file', multiple: true,
            id: 'upload-files', hidden: true,
            onchange: () => {
                start(Array.from(files.files).map(f => ({ file: f,
                                                          path: f.name })));
                files.value = '';
            } });
        const folder = el('input', { type: 'file', multiple: true,
            id: 'upload-folder', hidden: true, webkitdirectory: true,
            onchange: () => {
                start(Array.from(folder.files).map(f => ({ file: f,
                    path: f.webkitRelativePath || f.name })));
                folder.value = '';
            } });
        const zone = el('section', { class: 'dropzone', id: 'dropzone' },
            el('div', { text: 'Drop files or folders here, or' }),
            el('button', { type: 'button', class: 'btn btn-primary',
                           id: 'upload-button', text: 'Upload files',
                           onclick: () => files.click() }),
            el('button', { type: 'button', class: 'btn',
                           text: 'Upload a folder',
                           onclick: () => folder.click() }),
            files, folder);

        zone.addEventListener('dragover', ev => {
            ev.preventDefault();
            zone.classList.add('over');
        });
        zone.addEventListener('dragleave', () => zone.classList.remove('over'));
        zone.addEventListener('drop', async ev => {
            ev.preventDefault();
            zone.classList.remove('over');
            start(await dropped(ev.dataTransfer));
        });

        const waiting = Object.keys(localStorage).filter(k => {
            if (!k.startsWith(RESUME)) {
                return false;
            }
            try {
                const [b, key] = JSON.parse(k.slice(RESUME.length));
                return b === bucket && key.startsWith(prefix);
            } catch (e) {
                return false;
            }
        });
        if (waiting.length) {
            zone.append(el('p', { class: 'muted', id: 'resumable',
                text: waiting.length + ' unfinished upload'
                      + (waiting.length > 1 ? 's' : '') + ' here ('
                      + waiting.map(k => JSON.parse(k.slice(RESUME.length))[2])
                          .join(', ')
                      + '): pick the same file again to resume.' }));
        }
        return zone;
    };

    SOS.upload = upload;

})();
