/*
 * SOS console: organizations and their access keys, for an admin key,
 * through the admin API (docs/admin.md): routes "orgs" (list, create,
 * delete) and "orgs/<name>" (its keys: list, create, revoke).
 *
 * Whether the signed-in key is an admin key is asked of the server once
 * per sign-in (GET orgs answers 403 to any other key); the admin entries
 * of the top bar show only then.  SOS.isAdmin() tells the other views.
 */

'use strict';

(function () {

    const el = SOS.el;
    let admin = false;
    let probe = null;
    let pending = null;
    const links = [];

    SOS.isAdmin = function () {
        return admin;
    };

    function showLinks() {
        for (const a of links) {
            a.hidden = !admin;
        }
        document.body.dataset.admin = admin ? 'yes' : 'no';
    }

    document.addEventListener('sos:ready', () => {
        links.push(SOS.nav('Organizations', 'orgs'));
        showLinks();
    });

    /* 403: not an admin key; 404: no admin location on this server */
    function check() {
        admin = false;
        showLinks();
        probe = SOS.admin.request('GET', 'orgs').then(() => true, () => false)
            .then(a => {
                admin = a;
                showLinks();
                return a;
            });
        return probe;
    }

    document.addEventListener('sos:signin', check);

    /* a promise of whether the signed-in key is an admin key */
    SOS.whenAdmin = function () {
        return probe || check();
    };

    /* the extra nav entries of other views that are for admins only */
    SOS.adminNav = function (label, route) {
        const a = SOS.nav(label, route);
        links.push(a);
        showLinks();
        return a;
    };

    function date(epoch) {
        return epoch ? new Date(epoch * 1000).toLocaleString() : '';
    }

    function shortId(id) {
        return el('span', { class: 'mono', title: id,
                            text: id.slice(0, 12) + '\u2026' });
    }

    async function needAdmin(view) {
        if (await SOS.whenAdmin()) {
            return false;
        }
        view.append(el('section', { class: 'card empty' },
            el('h1', { text: 'For admin keys' }),
            el('p', { text: 'Organizations and keys are managed with an '
                + 'admin key (sosctl key create ORG --admin).' })));
        return true;
    }

    async function orgs(view) {
        const list = (await SOS.admin.request('GET', 'orgs')).organizations;
        list.sort((a, b) => a.name < b.name ? -1 : 1);

        const name = el('input', { type: 'text', id: 'org-name',
            required: true, autocomplete: 'off', spellcheck: 'false',
            placeholder: 'acme' });
        const email = el('input', { type: 'email', id: 'org-email',
            autocomplete: 'off', placeholder: 'ops@acme.example' });
        const form = el('form', { class: 'card panel form-row',
                                  id: 'org-create',
            onsubmit: async e => {
                e.preventDefault();
                const q = { name: name.value.trim() };
                if (email.value.trim()) {
                    q.email = email.value.trim();
                }
                try {
                    const o = await SOS.admin.request('POST', 'orgs', q);
                    SOS.toast('Organization ' + o.name + ' created.', 'ok');
                    SOS.go('orgs/' + o.name);
                } catch (err) {
                    SOS.error(err, 'Not created');
                }
            } },
            el('label', { class: 'field' }, el('span', { text: 'Name' }),
               name),
            el('label', { class: 'field' },
               el('span', { text: 'E-mail (optional)' }), email),
            el('button', { type: 'submit', class: 'btn btn-primary',
                           text: 'Create organization' }));

        const rows = list.map(o => el('tr', { 'data-org': o.name },
            el('td', { class: 'name' }, el('a', {
                href: SOS.link('orgs/' + o.name), text: o.name })),
            el('td', { class: 'wide', text: o.email || '' }),
            el('td', { class: 'wide' }, shortId(o.id)),
            el('td', { class: 'wide', text: date(o.created) }),
            el('td', { class: 'row-actions' }, el('button', {
                type: 'button', class: 'btn btn-small btn-danger',
                text: 'Delete', 'aria-label': 'Delete ' + o.name,
                onclick: async () => {
                    if (!await SOS.confirm('Delete ' + o.name + '?',
                        'Its keys are revoked at once. An organization '
                        + 'that owns buckets cannot be deleted.', true)) {
                        return;
                    }
                    try {
                        await SOS.admin.request('DELETE', 'orgs/' + o.name);
                        SOS.toast(o.name + ' deleted.', 'ok');
                        SOS.go('orgs');
                    } catch (err) {
                        SOS.error(err, 'Not deleted');
                    }
                } }))));

        view.append(
            el('div', { class: 'view-head' },
               el('h1', { text: 'Organizations' })),
            form,
            el('div', { class: 'card table-wrap' },
               el('table', { class: 'list', id: 'orgs' },
                  el('thead', {}, el('tr', {},
                     el('th', { text: 'Name' }),
                     el('th', { class: 'wide', text: 'E-mail' }),
                     el('th', { class: 'wide', text: 'Canonical id' }),
                     el('th', { class: 'wide', text: 'Created' }),
                     el('th', {}))),
                  el('tbody', {}, rows))));
    }

    /* the secret of a new key: shown once, with a credentials block */
    function secretBox(answer) {
        const k = answer.key;
        const block = '[' + answer.org_name + ']\naws_access_key_id = '
            + k.access_key_id + '\naws_secret_access_key = '
            + k.secret_access_key + '\n';
        const pre = el('pre', { class: 'secret', id: 'new-key-block',
                                text: block });
        return el('section', { class: 'card panel notice', id: 'new-key',
                               role: 'status' },
            el('h2', { text: 'New key ' + k.access_key_id }),
            el('p', { text: 'The secret is shown this once: keep it now. '
                + 'Append the block to a credentials file, or sign in '
                + 'with it.' }),
            pre,
            el('button', { type: 'button', class: 'btn', text: 'Copy',
                onclick: async () => {
                    try {
                        await navigator.clipboard.writeText(block);
                        SOS.toast('Copied to the clipboard.', 'ok');
                    } catch (e) {
                        getSelection().selectAllChildren(pre);
                        SOS.toast('Press Ctrl+C to copy the selection.');
                    }
                } }));
    }

    async function org(view, name) {
        const [o, keys] = await Promise.all([
            SOS.admin.request('GET', 'orgs/' + name),
            SOS.admin.request('GET', 'orgs/' + name + '/keys')]);
        const list = keys.keys;
        list.sort((a, b) => a.created - b.created);
        const fresh = pending && pending.org_name === o.name
            ? secretBox(pending) : '';
        pending = null;
        const me = SOS.session.accessKey;

        const isAdminKey = el('input', { type: 'checkbox', id: 'key-admin' });
        const create = el('form', { class: 'inline', id: 'key-create',
            onsubmit: async e => {
                e.preventDefault();
                try {
                    const a = await SOS.admin.request('POST', 'orgs/' + o.name
                        + '/keys', isAdminKey.checked ? { admin: '1' } : {});
                    pending = a;
                    SOS.go('orgs/' + o.name);
                } catch (err) {
                    SOS.error(err, 'No key created');
                }
            } },
            el('label', { class: 'check' }, isAdminKey,
               ' admin key (may call the admin API)'),
            el('button', { type: 'submit', class: 'btn btn-primary',
                           text: 'Create key' }));

        const rows = list.map(k => el('tr', { 'data-key': k.access_key_id },
            el('td', { class: 'name mono', text: k.access_key_id }),
            el('td', {}, k.admin ? el('span', { class: 'badge',
                                                text: 'admin' }) : ''),
            el('td', { class: 'wide', text: date(k.created) }),
            el('td', { class: 'row-actions' }, el('button', {
                type: 'button', class: 'btn btn-small btn-danger',
                text: 'Revoke', 'aria-label': 'Revoke ' + k.access_key_id,
                onclick: async () => {
                    const self = k.access_key_id === me;
                    if (!await SOS.confirm('Revoke ' + k.access_key_id + '?',
                        (self ? 'This is the key you are signed in with: '
                               + 'the console signs out. ' : '')
                        + 'Every request signed with it is refused from now '
                        + 'on. This cannot be undone.', true, 'Revoke')) {
                        return;
                    }
                    try {
                        await SOS.admin.request('DELETE',
                                                'keys/' + k.access_key_id);
                        SOS.toast('Key ' + k.access_key_id + ' revoked.',
                                  'ok');
                        if (self) {
                            SOS.signOut();
                            return;
                        }
                        SOS.go('orgs/' + name);
                    } catch (err) {
                        SOS.error(err, 'Not revoked');
                    }
                } }))));

        view.append(
            el('nav', { class: 'crumbs', 'aria-label': 'Path' },
               el('a', { href: SOS.link('orgs'), text: 'Organizations' }),
               el('span', { class: 'sep', text: '/' }),
               el('span', { text: o.name })),
            el('div', { class: 'view-head' }, el('h1', { text: o.name })),
            el('section', { class: 'card panel' },
               el('dl', { class: 'props' },
                  el('dt', { text: 'Canonical id' }),
                  el('dd', { class: 'mono', id: 'org-id', text: o.id }),
                  el('dt', { text: 'E-mail' }),
                  el('dd', { text: o.email || '\u2014' }),
                  el('dt', { text: 'Created' }),
                  el('dd', { text: date(o.created) }))),
            el('div', { id: 'new-key-slot' }, fresh),
            el('section', { class: 'card panel' },
               el('h2', { text: 'Access keys' }), create),
            el('div', { class: 'card table-wrap' },
               list.length ? el('table', { class: 'list', id: 'keys' },
                  el('thead', {}, el('tr', {},
                     el('th', { text: 'Access key id' }),
                     el('th', { text: 'Role' }),
                     el('th', { class: 'wide', text: 'Created' }),
                     el('th', {}))),
                  el('tbody', {}, rows))
               : el('p', { class: 'empty', text: 'No keys.' })));
    }

    SOS.register('orgs', async (view, rest) => {
        if (await needAdmin(view)) {
            return;
        }
        if (rest) {
            await org(view, rest);
        } else {
            await orgs(view);
        }
        view.dataset.ready = '1';
    });

})();
