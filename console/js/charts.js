/*
 * SOS console: the server's metrics as small charts, for an admin key
 * (route "metrics").  The admin API's GET metrics answers the same
 * Prometheus text as the sos_metrics location (docs/metrics.md); this
 * view parses it and draws SVG bar charts: requests per operation by
 * status class, latency per operation (from the histograms), bytes in
 * and out, and objects and bytes per bucket.  While the view is shown it
 * reads the text again every 5 seconds and charts the request and byte
 * rates between two readings.  A server without metrics answers 404:
 * the view says so.
 */

'use strict';

(function () {

    const el = SOS.el;
    const SVG = 'http://www.w3.org/2000/svg';
    const PERIOD = 5000;
    const HISTORY = 60;
    /* colours are classes of css/extras.css: the page's CSP allows no
       style attribute */
    const CLASSES = [['2xx', 'c-ok'], ['3xx', 'c-info'], ['4xx', 'c-warn'],
                     ['5xx', 'c-bad']];

    /*
     * The samples of an exposition: [{ name, labels: {}, value }].
     * Comments, HELP and TYPE lines are skipped; label values may hold
     * escaped quotes, backslashes and newlines.
     */
    function parse(text) {
        const out = [];
        const line = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
        const label = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
        for (const l of text.split('\n')) {
            const m = l.match(line);
            if (!m || l.charAt(0) === '#') {
                continue;
            }
            const labels = {};
            let lm;
            label.lastIndex = 0;
            while ((lm = label.exec(m[3] || '')) !== null) {
                labels[lm[1]] = lm[2].replace(/\\n/g, '\n')
                    .replace(/\\(.)/g, '$1');
            }
            out.push({ name: m[1], labels: labels, value: Number(m[4]) });
        }
        return out;
    }

    function series(samples, name) {
        return samples.filter(s => s.name === name);
    }

    function value(samples, name) {
        const s = series(samples, name);
        return s.length ? s.reduce((a, x) => a + x.value, 0) : null;
    }

    /* the q-quantile of a cumulative histogram, interpolated in its bucket */
    function quantile(buckets, q) {
        buckets = buckets.slice().sort((a, b) => a.le - b.le);
        const total = buckets.length ? buckets[buckets.length - 1].n : 0;
        if (!total) {
            return null;
        }
        const want = q * total;
        let lo = 0, below = 0;
        for (const b of buckets) {
            if (b.n >= want) {
                if (b.le === Infinity) {
                    return lo;
                }
                return lo + (b.le - lo) * (want - below)
                    / Math.max(b.n - below, 1);
            }
            lo = b.le;
            below = b.n;
        }
        return lo;
    }

    function svg(tag, attrs, ...children) {
        const e = document.createElementNS(SVG, tag);
        for (const k of Object.keys(attrs || {})) {
            e.setAttribute(k, attrs[k]);
        }
        for (const c of children.flat()) {
            e.append(typeof c === 'string' ? document.createTextNode(c) : c);
        }
        return e;
    }

    function ms(seconds) {
        if (seconds === null || seconds === undefined) {
            return '\u2014';
        }
        return seconds < 1 ? (seconds * 1000).toPrecision(2) + ' ms'
                           : seconds.toFixed(2) + ' s';
    }

    /*
     * Horizontal bars: rows [{ label, parts: [[value, colour]], text }],
     * one bar per row, its parts stacked, scaled to the largest total.
     */
    function barChart(title, rows) {
        const rowH = 22, labelW = 118, textW = 112, W = 420;
        const max = Math.max(1e-9, ...rows.map(r =>
            r.parts.reduce((a, p) => a + p[0], 0)));
        const plot = W - labelW - textW;
        const s = svg('svg', { viewBox: '0 0 ' + W + ' '
            + Math.max(rowH, rows.length * rowH), class: 'chart',
            role: 'img', 'aria-label': title });
        rows.forEach((r, i) => {
            const y = i * rowH;
            s.append(svg('text', { x: labelW - 8, y: y + 15,
                'text-anchor': 'end', class: 'chart-label' },
                r.label.length > 18 ? r.label.slice(0, 17) + '\u2026'
                                    : r.label));
            let x = labelW;
            for (const [v, colour] of r.parts) {
                const w = plot * v / max;
                if (w > 0) {
                    s.append(svg('rect', { x: x, y: y + 4,
                        width: Math.max(w, 1), height: rowH - 8, rx: 2,
                        class: colour }));
                }
                x += w;
            }
            s.append(svg('text', { x: x + 6, y: y + 15,
                                   class: 'chart-value' }, r.text));
        });
        return rows.length ? s
            : el('p', { class: 'muted', text: 'Nothing yet.' });
    }

    function chartCard(title, body, id, legend) {
        return el('section', { class: 'card panel chart-card', id: id },
            el('h2', { text: title }), legend || '', body);
    }

    function legend(items) {
        return el('div', { class: 'legend' }, items.map(([label, colour]) =>
            el('span', {}, el('i', { class: colour }),
               label)));
    }

    /* a line chart of the last readings: points [{ t, values: [] }] */
    function lines(title, points, names, colours, fmt, id) {
        const last = points[points.length - 1];
        const key = legend(names.map((n, k) => [n + (last ? ': '
            + fmt(last.values[k]) : ''), colours[k]]));
        if (points.length < 2) {
            return chartCard(title, el('p', { class: 'muted',
                text: 'Rates show after the second reading (every '
                      + PERIOD / 1000 + ' s).' }), id, key);
        }
        const W = 420, H = 130, pad = 64;
        const max = Math.max(1e-9, ...points.flatMap(p => p.values));
        const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H,
            class: 'chart', role: 'img', 'aria-label': title });
        s.append(svg('line', { x1: pad, y1: H - 18, x2: W, y2: H - 18,
                               class: 'chart-axis' }),
                 svg('text', { x: pad - 4, y: 12, 'text-anchor': 'end',
                               class: 'chart-label' }, fmt(max)),
                 svg('text', { x: pad - 4, y: H - 18, 'text-anchor': 'end',
                               class: 'chart-label' }, '0'));
        names.forEach((n, k) => {
            const pts = points.map((p, i) => {
                const x = pad + (W - pad - 4) * i / (points.length - 1);
                const y = (H - 18) - (H - 30) * p.values[k] / max;
                return x.toFixed(1) + ',' + y.toFixed(1);
            });
            s.append(svg('polyline', { points: pts.join(' '),
                fill: 'none', 'stroke-width': 2, class: colours[k] }));
        });
        return chartCard(title, s, id, key);
    }

    /* requests no S3 operation matched: the console's files, the admin
       API, refused requests */
    function opName(op) {
        return !op || op === 'none' ? 'other' : op;
    }

    function tile(label, v) {
        return el('div', { class: 'tile' },
            el('span', { class: 'tile-value', text: v }),
            el('span', { class: 'tile-label', text: label }));
    }

    function draw(box, samples, history) {
        const fmtN = n => n === null ? '\u2014' : Number(n).toLocaleString();

        /* requests per operation, by status class */
        const req = {};
        for (const s of series(samples, 'sos_requests_total')) {
            const op = opName(s.labels.op);
            req[op] = req[op] || {};
            req[op][s.labels.class] = (req[op][s.labels.class] || 0) + s.value;
        }
        const reqRows = Object.keys(req).map(op => ({ label: op,
            parts: CLASSES.map(([c, colour]) => [req[op][c] || 0, colour]),
            total: CLASSES.reduce((a, [c]) => a + (req[op][c] || 0), 0) }))
            .filter(r => r.total > 0)
            .sort((a, b) => b.total - a.total).slice(0, 16);
        for (const r of reqRows) {
            r.text = fmtN(r.total);
        }

        /* latency per operation from the histograms */
        const hist = {};
        const durations = 'sos_request_duration_seconds_bucket';
        for (const s of series(samples, durations)) {
            const op = opName(s.labels.op);
            (hist[op] = hist[op] || []).push({ le: s.labels.le === '+Inf'
                ? Infinity : Number(s.labels.le), n: s.value });
        }
        const latRows = Object.keys(hist).map(op => ({ op: op,
            p50: quantile(hist[op], 0.5), p95: quantile(hist[op], 0.95) }))
            .filter(r => r.p95 !== null)
            .sort((a, b) => b.p95 - a.p95).slice(0, 16)
            .map(r => ({ label: r.op, parts: [[r.p50, 'c-info'],
                [Math.max(r.p95 - r.p50, 0), 'c-soft']],
                text: ms(r.p50) + ' / ' + ms(r.p95) }));

        /* objects and bytes per bucket */
        const objs = {};
        for (const s of series(samples, 'sos_bucket_objects')) {
            objs[s.labels.bucket] = s.value;
        }
        const bucketRows = series(samples, 'sos_bucket_bytes')
            .sort((a, b) => b.value - a.value).slice(0, 16)
            .map(s => ({ label: s.labels.bucket, parts: [[s.value,
                'c-info']], text: SOS.size(s.value) + ', '
                + fmtN(objs[s.labels.bucket] || 0) + ' obj.' }));

        const received = value(samples, 'sos_received_bytes_total');
        const sent = value(samples, 'sos_sent_bytes_total');
        const fsync = [];
        for (const s of series(samples, 'sos_fsync_duration_seconds_bucket')) {
            fsync.push({ le: s.labels.le === '+Inf' ? Infinity
                : Number(s.labels.le), n: s.value });
        }

        box.replaceChildren(
            el('div', { class: 'tiles' },
               tile('requests', fmtN(reqRows.reduce((a, r) => a + r.total,
                                                     0))),
               tile('received', SOS.size(received || 0)),
               tile('sent', SOS.size(sent || 0)),
               tile('stored', SOS.size(value(samples, 'sos_stored_bytes')
                                       || 0)),
               tile('objects', fmtN(value(samples, 'sos_objects'))),
               tile('uploads in progress',
                    fmtN(value(samples, 'sos_uploads_in_progress'))),
               tile('degraded extents',
                    fmtN(value(samples, 'sos_degraded_extents'))),
               tile('fsync p95', ms(quantile(fsync, 0.95)))),
            el('div', { class: 'charts' },
               chartCard('Requests per operation',
                   barChart('Requests per operation', reqRows),
                   'chart-requests', legend(CLASSES)),
               chartCard('Latency per operation (p50 / p95)',
                   barChart('Latency per operation', latRows),
                   'chart-latency'),
               lines('Request rate', history.map(h => ({ t: h.t,
                   values: [h.req] })), ['requests/s'], ['c-info'],
                   v => v.toFixed(v < 10 ? 1 : 0), 'chart-rate'),
               lines('Bytes in and out', history.map(h => ({ t: h.t,
                   values: [h.rx, h.tx] })), ['in', 'out'],
                   ['c-ok', 'c-info'], v => SOS.size(Math.round(v))
                   + '/s', 'chart-bytes'),
               chartCard('Usage per bucket',
                   barChart('Usage per bucket', bucketRows),
                   'chart-buckets')));
    }

    function totals(samples) {
        return { req: value(samples, 'sos_requests_total') || 0,
                 rx: value(samples, 'sos_received_bytes_total') || 0,
                 tx: value(samples, 'sos_sent_bytes_total') || 0 };
    }

    async function read() {
        const r = await SOS.admin.client.send('GET',
                                              SOS.admin.location + 'metrics');
        return parse(r.text);
    }

    async function view(box) {
        const seq = SOS.renderSeq;
        if (!await SOS.whenAdmin()) {
            box.append(el('section', { class: 'card empty' },
                el('h1', { text: 'For admin keys' }),
                el('p', { text: 'The server\'s metrics are shown to admin '
                    + 'keys only.' })));
            return;
        }
        const status = el('p', { class: 'muted', id: 'metrics-status' });
        const charts = el('div', { id: 'metrics' });
        box.append(el('div', { class: 'view-head' },
                      el('h1', { text: 'Metrics' }), status), charts);

        let samples;
        try {
            samples = await read();
        } catch (e) {
            if (e.status !== 404) {
                throw e;
            }
            charts.append(el('section', { class: 'card empty',
                                          id: 'metrics-off' },
                el('h1', { text: 'Metrics are not enabled' }),
                el('p', { text: 'This server answers no metrics on its admin '
                    + 'API (404). An operator turns them on with '
                    + 'sos_metrics (docs/metrics.md).' })));
            box.dataset.ready = '1';
            return;
        }

        const history = [];
        let prev = { t: Date.now(), v: totals(samples) };
        draw(charts, samples, history);
        status.textContent = 'Read at ' + new Date().toLocaleTimeString();
        box.dataset.ready = '1';

        /* again every few seconds while this view is the one shown */
        while (true) {
            await new Promise(r => setTimeout(r, PERIOD));
            if (!SOS.still(seq) || !box.isConnected) {
                return;
            }
            try {
                samples = await read();
            } catch (e) {
                status.textContent = 'Not read: ' + SOS.describe(e);
                continue;
            }
            const now = { t: Date.now(), v: totals(samples) };
            const dt = Math.max((now.t - prev.t) / 1000, 0.001);
            history.push({ t: now.t,
                req: Math.max(now.v.req - prev.v.req, 0) / dt,
                rx: Math.max(now.v.rx - prev.v.rx, 0) / dt,
                tx: Math.max(now.v.tx - prev.v.tx, 0) / dt });
            if (history.length > HISTORY) {
                history.shift();
            }
            prev = now;
            draw(charts, samples, history);
            status.textContent = 'Read at '
                + new Date().toLocaleTimeString();
        }
    }

    document.addEventListener('sos:ready', () => {
        SOS.adminNav('Metrics', 'metrics');
    });

    SOS.register('metrics', view);

    /* for tests and for docs/metrics.md's readers */
    SOS.metrics = { parse: parse, quantile: quantile };

})();
