/*
 * SOS console: sign-in, the session, the router, the layout, messages.
 *
 * The global SOS is what the other scripts build on:
 *
 *   SOS.register(name, fn)   a view: the route "name/rest" calls
 *                            fn(container, rest) (rest decoded, may be '')
 *   SOS.go(route)            show a route ("buckets", "browse/b/photos/",
 *                            "object/b/photos/cat.jpg")
 *   SOS.link(route)          the href of a route
 *   SOS.s3                   the signed S3 client (SigV4.Client)
 *   SOS.admin                the signed admin API client (SigV4.Admin)
 *   SOS.session              { accessKey, region } of who is signed in
 *   SOS.toast(text, kind)    a short message ('ok', 'error', 'info')
 *   SOS.error(e)             an exception as a message (S3 Code: Message)
 *   SOS.confirm(title, text, danger) / SOS.prompt(title, label, value)
 *                            dialogs: Promise of true/false, text or null
 *   SOS.el(tag, attrs, ...children)   DOM building without innerHTML
 *   SOS.nav(label, route)    an entry in the top bar
 *   SOS.section[view] = nav  the entry lit for a view that has none
 *   SOS.size(bytes)          "1.5 MiB"
 *
 * The secret stays in sessionStorage (this tab, until it closes or the
 * user signs out): never in a cookie, never sent anywhere but into the
 * signatures.
 */

'use strict';

(function (global) {

    const STORE = 'sos-console-session';
    const views = {};
    const SOS = {};

    /* ---- DOM ---- */

    SOS.el = function (tag, attrs) {
        const e = document.createElement(tag);
        for (const k of Object.keys(attrs || {})) {
            const v = attrs[k];
            if (v === undefined || v === null || v === false) {
                continue;
            }
            if (k.startsWith('on')) {
                e.addEventListener(k.slice(2), v);
            } else if (k === 'class') {
                e.className = v;
            } else if (k === 'text') {
                e.textContent = v;
            } else if (k in e && typeof v !== 'string') {
                e[k] = v;
            } else {
                e.setAttribute(k, v === true ? '' : v);
            }
        }
        for (let i = 2; i < arguments.length; i++) {
            const c = arguments[i];
            if (c === null || c === undefined || c === false) {
                continue;
            }
            for (const x of Array.isArray(c) ? c : [c]) {
                e.append(typeof x === 'string' ? document.createTextNode(x)
                                               : x);
            }
        }
        return e;
    };

    const el = SOS.el;

    SOS.size = function (n) {
        if (n === undefined || n === null || isNaN(n)) {
            return '';
        }
        const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
        let i = 0;
        while (n >= 1024 && i < u.length - 1) {
            n /= 1024;
            i++;
        }
        return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + u[i];
    };

    SOS.date = function (s) {
        const d = new Date(s);
        return isNaN(d) ? '' : d.toLocaleString();
    };

    /* ---- messages ---- */

    SOS.toast = function (text, kind) {
        const box = document.getElementById('toasts');
        const t = el('div', { class: 'toast toast-' + (kind || 'info'),
                              role: kind === 'error' ? 'alert' : 'status' },
            el('span', { text: text }),
            el('button', { class: 'toast-close', type: 'button',
                           'aria-label': 'Dismiss', text: '\u00d7',
                           onclick: () => t.remove() }));
        box.append(t);
        setTimeout(() => t.remove(), kind === 'error' ? 12000 : 5000);
        return t;
    };

    SOS.describe = function (e) {
        if (e && typeof e.describe === 'function') {
            return e.describe();
        }
        return (e && e.message) || String(e);
    };

    SOS.error = function (e, what) {
        console.warn(what || 'error', e);
        return SOS.toast((what ? what + ': ' : '') + SOS.describe(e), 'error');
    };

    /* ---- dialogs: <dialog>, Enter confirms, Escape cancels ---- */

    function dialog(title, body, okLabel, danger, value) {
        return new Promise(resolve => {
            const d = document.getElementById('dialog');
            const form = el('form', { method: 'dialog', class: 'dialog-form' },
                el('h2', { text: title }),
                body,
                el('div', { class: 'dialog-buttons' },
                    el('button', { type: 'button', class: 'btn',
                                   value: 'cancel', text: 'Cancel',
                                   onclick: () => d.close('cancel') }),
                    el('button', { type: 'submit', value: 'ok',
                                   class: 'btn ' + (danger ? 'btn-danger'
                                                           : 'btn-primary'),
                                   text: okLabel })));
            d.replaceChildren(form);
            d.returnValue = '';
            d.onclose = () => {
                resolve(d.returnValue === 'ok' ? value() : null);
            };
            form.addEventListener('submit', ev => {
                ev.preventDefault();
                d.close('ok');
            });
            d.showModal();
            const f = form.querySelector('input') ||
                      form.querySelector('button[type=submit]');
            f.focus();
        });
    }

    SOS.confirm = async function (title, text, danger, okLabel) {
        const r = await dialog(title, el('p', { text: text }),
                               okLabel || (danger ? 'Delete' : 'OK'),
                               danger, () => true);
        return r === true;
    };

    SOS.prompt = function (title, label, value, okLabel) {
        const input = el('input', { type: 'text', value: value || '',
                                    id: 'dialog-input', autocomplete: 'off',
                                    spellcheck: 'false', required: true });
        return dialog(title, el('label', { class: 'field' },
                                el('span', { text: label }), input),
                      okLabel || 'OK', false, () => input.value.trim());
    };

    /* ---- routes: "#/name/rest", each character of rest encoded ---- */

    SOS.register = function (name, fn) {
        views[name] = fn;
        if (SOS.s3 && current().split('/')[0] === name) {
            render();
        }
    };

    SOS.link = function (route) {
        return '#/' + encodeURIComponent(route).replace(/%2F/g, '/');
    };

    SOS.go = function (route) {
        const h = SOS.link(route);
        if (location.hash === h) {
            render();
        } else {
            location.hash = h;
        }
    };

    function current() {
        const h = location.hash.replace(/^#\/?/, '');
        try {
            return decodeURIComponent(h) || 'buckets';
        } catch (e) {
            return 'buckets';
        }
    }

    SOS.route = current;

    let renderSeq = 0;

    async function render() {
        const main = document.getElementById('main');
        const route = current();
        const i = route.indexOf('/');
        const name = i < 0 ? route : route.slice(0, i);
        const rest = i < 0 ? '' : route.slice(i + 1);
        const seq = ++renderSeq;

        const section = SOS.section[name] || name;
        for (const a of document.querySelectorAll('#nav a')) {
            a.classList.toggle('active', a.dataset.route === section);
        }

        const box = el('div', { class: 'view view-' + name });
        main.replaceChildren(box);
        SOS.renderSeq = seq;

        /* the link followed is gone: Tab goes on from the new page */
        const active = document.activeElement;
        if (!active || active === document.body) {
            main.focus({ preventScroll: true });
        }

        const fn = views[name];
        if (!fn) {
            box.append(el('section', { class: 'card empty' },
                el('h1', { text: name === 'object' ? 'Object details'
                                                   : 'Not here' }),
                el('p', { text: name === 'object'
                    ? 'The details view is coming: ' + rest
                    : 'There is no page "' + route + '".' }),
                el('p', {}, el('a', { href: SOS.link('buckets'),
                                      text: 'Back to the buckets' }))));
            return;
        }
        try {
            await fn(box, rest);
        } catch (e) {
            if (seq === renderSeq) {
                box.append(el('div', { class: 'card error-box', role: 'alert' },
                    el('strong', { text: 'Could not load this page. ' }),
                    SOS.describe(e)));
            }
        }
    }

    /* true while the view that asked is still the one shown */
    SOS.still = function (seq) {
        return seq === renderSeq;
    };

    /* the nav entry a view belongs to, when not its own name */
    SOS.section = { browse: 'buckets', object: 'buckets' };

    SOS.nav = function (label, route) {
        const a = el('a', { href: SOS.link(route), text: label });
        a.dataset.route = route.split('/')[0];
        document.getElementById('nav').append(a);
        return a;
    };

    /* ---- the session ---- */

    function start(s) {
        SOS.session = { accessKey: s.accessKey, region: s.region };
        SOS.s3 = new SigV4.Client(s);
        SOS.admin = new SigV4.Admin(SOS.s3, s.adminPath || '/sos-admin/');
        document.getElementById('who').textContent = s.accessKey;
        document.body.dataset.state = 'signed-in';
        document.dispatchEvent(new CustomEvent('sos:signin'));
        render();
    }

    function signOut() {
        sessionStorage.removeItem(STORE);
        SOS.s3 = SOS.admin = SOS.session = null;
        document.getElementById('main').replaceChildren();
        document.body.dataset.state = 'signed-out';
        document.getElementById('signin-key').focus();
        document.dispatchEvent(new CustomEvent('sos:signout'));
    }

    SOS.signOut = signOut;

    async function signIn(ev) {
        ev.preventDefault();
        const form = ev.target;
        const msg = document.getElementById('signin-error');
        const button = form.querySelector('button[type=submit]');
        const s = {
            accessKey: form.elements.key.value.trim(),
            secretKey: form.elements.secret.value.trim(),
            region: form.elements.region.value.trim() || 'us-east-1',
        };
        msg.textContent = '';
        button.disabled = true;
        button.textContent = 'Signing in\u2026';
        try {
            /* ListBuckets: the cheapest call every key may make */
            await new SigV4.Client(s).request('GET', '', '');
            sessionStorage.setItem(STORE, JSON.stringify(s));
            form.elements.secret.value = '';
            start(s);
        } catch (e) {
            msg.textContent = signInMessage(e);
            document.body.dataset.signinError = e.code || 'error';
        } finally {
            button.disabled = false;
            button.textContent = 'Sign in';
        }
    }

    function signInMessage(e) {
        switch (e.code) {
        case 'SignatureDoesNotMatch':
            return 'The secret key is wrong (SignatureDoesNotMatch: '
                   + e.message + ')';
        case 'InvalidAccessKeyId':
            return 'No such access key, or it was revoked '
                   + '(InvalidAccessKeyId: ' + e.message + ')';
        default:
            return SOS.describe(e);
        }
    }

    document.addEventListener('DOMContentLoaded', () => {
        document.getElementById('signin').addEventListener('submit', signIn);
        document.getElementById('signout').addEventListener('click', signOut);
        window.addEventListener('hashchange', () => {
            if (SOS.s3) {
                render();
            }
        });
        SOS.nav('Buckets', 'buckets');
        document.dispatchEvent(new CustomEvent('sos:ready'));

        let saved = null;
        try {
            saved = JSON.parse(sessionStorage.getItem(STORE));
        } catch (e) {
            saved = null;
        }
        if (saved && saved.accessKey && saved.secretKey) {
            start(saved);
        } else {
            signOut();
        }
    });

    global.SOS = SOS;

})(window);
