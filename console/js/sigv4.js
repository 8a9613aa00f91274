/*
 * SOS console: AWS Signature Version 4 in the browser (WebCrypto) and a
 * small S3 client for the S3 API of this origin, path style.
 *
 *   const s3 = new SigV4.Client({ accessKey, secretKey, region });
 *   const r = await s3.request('GET', 'bucket', '',
 *                              { query: { 'list-type': '2' } });
 *   r.status, r.headers (Headers), r.text, r.xml (a Document or null)
 *
 * A refused request throws an SigV4.S3Error with the status and the Code
 * and Message of S3's XML error document.  Bodies given as a string or an
 * ArrayBuffer are signed with their SHA-256; a Blob (a file) is sent as
 * UNSIGNED-PAYLOAD, as the AWS SDKs do in browsers.
 */

'use strict';

(function (global) {

    const enc = new TextEncoder();
    const EMPTY_SHA256 =
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

    function hex(buf) {
        const b = new Uint8Array(buf);
        let s = '';
        for (let i = 0; i < b.length; i++) {
            s += b[i].toString(16).padStart(2, '0');
        }
        return s;
    }

    function base64(buf) {
        const b = new Uint8Array(buf);
        let s = '';
        for (let i = 0; i < b.length; i++) {
            s += String.fromCharCode(b[i]);
        }
        return btoa(s);
    }

    function subtle() {
        if (!global.crypto || !global.crypto.subtle) {
            throw new S3Error(0, 'InsecureContext',
                'This browser gives WebCrypto only to secure pages: open the '
                + 'console over HTTPS, or on localhost / 127.0.0.1.');
        }
        return global.crypto.subtle;
    }

    async function sha256(data) {
        const d = typeof data === 'string' ? enc.encode(data) : data;
        return subtle().digest('SHA-256', d);
    }

    async function hmac(key, msg) {
        const k = await subtle().importKey('raw',
            typeof key === 'string' ? enc.encode(key) : key,
            { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
        return subtle().sign('HMAC', k, enc.encode(msg));
    }

    /* RFC 3986 percent-encoding as SigV4 wants it; '/' kept when asked */
    function uriEncode(s, keepSlash) {
        let out = '';
        for (const byte of enc.encode(s)) {
            const c = String.fromCharCode(byte);
            if (/[A-Za-z0-9_.~-]/.test(c) || (keepSlash && c === '/')) {
                out += c;
            } else {
                out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
            }
        }
        return out;
    }

    function amzDate(d) {
        return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    }

    /* "a=1&b=" from { a: 1, b: '' }, sorted by encoded name and value */
    function canonicalQuery(query) {
        const pairs = [];
        for (const k of Object.keys(query || {})) {
            const v = query[k];
            if (v === undefined || v === null) {
                continue;
            }
            pairs.push([uriEncode(k), uriEncode(String(v))]);
        }
        pairs.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1
                             : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
        return pairs.map(p => p[0] + '=' + p[1]).join('&');
    }

    class S3Error extends Error {
        constructor(status, code, message, requestId) {
            super(message || code || ('HTTP ' + status));
            this.status = status;
            this.code = code || ('HTTP' + status);
            this.requestId = requestId || '';
        }

        /* what a person reads */
        describe() {
            return (this.code ? this.code + ': ' : '') + this.message;
        }
    }

    function parseXml(text) {
        if (!text || text.charAt(0) !== '<') {
            return null;
        }
        const doc = new DOMParser().parseFromString(text, 'application/xml');
        return doc.getElementsByTagName('parsererror').length ? null : doc;
    }

    /* the text of the first descendant named name, or '' */
    function xmlText(node, name) {
        const e = node.getElementsByTagName(name)[0];
        return e ? e.textContent : '';
    }

    /* the direct children named name */
    function xmlChildren(node, name) {
        return Array.from(node.children || [])
            .filter(e => e.localName === name);
    }

    function errorFrom(status, text, headers) {
        const doc = parseXml(text);
        const rid = headers ? (headers.get('x-amz-request-id') || '') : '';
        if (doc && doc.documentElement.localName === 'Error') {
            return new S3Error(status, xmlText(doc, 'Code'),
                               xmlText(doc, 'Message'), rid);
        }
        const plain = {
            403: ['AccessDenied', 'Access denied.'],
            404: ['NotFound', 'Not found.'],
            405: ['MethodNotAllowed', 'Method not allowed.'],
        }[status] || ['HTTP' + status, 'The server answered ' + status + '.'];
        return new S3Error(status, plain[0], plain[1], rid);
    }

    class Client {
        /* opts: accessKey, secretKey, region, origin (default: this page's) */
        constructor(opts) {
            this.accessKey = opts.accessKey;
            this.secretKey = opts.secretKey;
            this.region = opts.region || 'us-east-1';
            this.origin = opts.origin || global.location.origin;
            this.host = new URL(this.origin).host;
            this.keys = {};
        }

        async signingKey(day) {
            if (!this.keys[day]) {
                let k = await hmac('AWS4' + this.secretKey, day);
                k = await hmac(k, this.region);
                k = await hmac(k, 's3');
                this.keys[day] = await hmac(k, 'aws4_request');
            }
            return this.keys[day];
        }

        /* "/bucket/key" percent-encoded: the path of the URL and of the
           canonical request */
        path(bucket, key) {
            let p = '/';
            if (bucket) {
                p += uriEncode(bucket);
                if (key) {
                    p += '/' + uriEncode(key, true);
                }
            }
            return p;
        }

        /*
         * Sign a request: returns { url, headers }.  path is already
         * encoded (from path() or the admin location); headers: an object
         * of names to values (x-amz-* and content-type are signed).
         */
        async sign(method, path, query, headers, payloadHash) {
            const now = new Date();
            const date = amzDate(now);
            const day = date.slice(0, 8);
            const h = {};
            for (const k of Object.keys(headers || {})) {
                h[k.toLowerCase()] = String(headers[k]).trim();
            }
            h['x-amz-date'] = date;
            h['x-amz-content-sha256'] = payloadHash;

            const signed = Object.keys(h).filter(k =>
                k.startsWith('x-amz-') || k === 'content-type'
                || k === 'content-md5').concat(['host']).sort();
            const all = Object.assign({ host: this.host }, h);
            const cq = canonicalQuery(query);
            const creq = [method, path, cq,
                signed.map(k => k + ':' + all[k] + '\n').join(''),
                signed.join(';'), payloadHash].join('\n');
            const scope = day + '/' + this.region + '/s3/aws4_request';
            const sts = ['AWS4-HMAC-SHA256', date, scope,
                hex(await sha256(creq))].join('\n');
            const sig = hex(await hmac(await this.signingKey(day), sts));

            h['authorization'] = 'AWS4-HMAC-SHA256 Credential='
                + this.accessKey + '/' + scope + ', SignedHeaders='
                + signed.join(';') + ', Signature=' + sig;

            return { url: this.origin + path + (cq ? '?' + cq : ''),
                     headers: h };
        }

        async payloadHash(body) {
            if (body === undefined || body === null || body === '') {
                return EMPTY_SHA256;
            }
            if (body instanceof Blob) {
                return 'UNSIGNED-PAYLOAD';
            }
            return hex(await sha256(body));
        }

        /* fetch a signed request to an encoded path; S3 errors thrown */
        async send(method, path, opts) {
            opts = opts || {};
            const s = await this.sign(method, path, opts.query, opts.headers,
                                      await this.payloadHash(opts.body));
            let res;
            try {
                res = await fetch(s.url, { method: method, headers: s.headers,
                    body: opts.body === undefined ? undefined : opts.body,
                    credentials: 'omit', cache: 'no-store',
                    signal: opts.signal });
            } catch (e) {
                if (e.name === 'AbortError') {
                    throw e;
                }
                throw new S3Error(0, 'NetworkError',
                    'The server could not be reached (' + e.message + ').');
            }
            const text = method === 'HEAD' ? '' : await res.text();
            if (!res.ok) {
                throw errorFrom(res.status, text, res.headers);
            }
            return { status: res.status, headers: res.headers, text: text,
                     xml: parseXml(text) };
        }

        /* an S3 request: bucket and key unencoded ('' for none) */
        request(method, bucket, key, opts) {
            return this.send(method, this.path(bucket, key), opts);
        }

        /*
         * An upload with progress (XMLHttpRequest: fetch has no upload
         * progress): resolves to the response headers' getter.
         * opts: query, headers, onprogress(loaded, total), xhr(x) to keep
         * the request for abort().
         */
        async upload(method, bucket, key, blob, opts) {
            opts = opts || {};
            const s = await this.sign(method, this.path(bucket, key),
                opts.query, opts.headers, 'UNSIGNED-PAYLOAD');
            return new Promise((resolve, reject) => {
                const x = new XMLHttpRequest();
                x.open(method, s.url);
                for (const k of Object.keys(s.headers)) {
                    x.setRequestHeader(k, s.headers[k]);
                }
                x.upload.onprogress = e => {
                    if (opts.onprogress) {
                        opts.onprogress(e.loaded, e.total);
                    }
                };
                x.onload = () => {
                    if (x.status >= 200 && x.status < 300) {
                        resolve({ status: x.status,
                                  header: n => x.getResponseHeader(n) });
                    } else {
                        reject(errorFrom(x.status, x.responseText, {
                            get: n => x.getResponseHeader(n) }));
                    }
                };
                x.onerror = () => reject(new S3Error(0, 'NetworkError',
                    'The upload was cut off.'));
                x.onabort = () => {
                    const e = new Error('aborted');
                    e.name = 'AbortError';
                    reject(e);
                };
                if (opts.xhr) {
                    opts.xhr(x);
                }
                x.send(blob);
            });
        }

        /* a presigned URL (query-string authentication), host signed */
        async presign(method, bucket, key, expires, query) {
            const now = new Date();
            const date = amzDate(now);
            const day = date.slice(0, 8);
            const scope = day + '/' + this.region + '/s3/aws4_request';
            const q = Object.assign({}, query || {}, {
                'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
                'X-Amz-Credential': this.accessKey + '/' + scope,
                'X-Amz-Date': date,
                'X-Amz-Expires': String(expires),
                'X-Amz-SignedHeaders': 'host',
            });
            const path = this.path(bucket, key);
            const cq = canonicalQuery(q);
            const creq = [method, path, cq, 'host:' + this.host + '\n',
                          'host', 'UNSIGNED-PAYLOAD'].join('\n');
            const sts = ['AWS4-HMAC-SHA256', date, scope,
                hex(await sha256(creq))].join('\n');
            const sig = hex(await hmac(await this.signingKey(day), sts));
            return this.origin + path + '?' + cq + '&X-Amz-Signature=' + sig;
        }
    }

    /*
     * The admin API (docs/admin.md) at its location: signed as sosctl
     * signs it (service "s3", header signature, empty payload); answers
     * are JSON.
     */
    class Admin {
        constructor(client, location) {
            this.client = client;
            this.location = location || '/sos-admin/';
        }

        async request(method, path, query) {
            const p = this.location + path.split('/').map(s =>
                uriEncode(s)).join('/');
            const r = await this.client.send(method, p, { query: query });
            return r.text ? JSON.parse(r.text) : null;
        }
    }

    global.SigV4 = {
        Client: Client,
        Admin: Admin,
        S3Error: S3Error,
        uriEncode: uriEncode,
        sha256: sha256,
        hex: hex,
        base64: base64,
        parseXml: parseXml,
        xmlText: xmlText,
        xmlChildren: xmlChildren,
        EMPTY_SHA256: EMPTY_SHA256,
    };

})(window);
