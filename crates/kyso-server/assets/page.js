// The checking page of `kyso serve`: each chosen file is posted to /v1/verify and its report
// shown. Report text is only ever set with textContent (never parsed as HTML).
'use strict';
(function () {
  const T = {
    vi: {
      brand: 'Kiểm tra chữ ký số', title: 'Kiểm tra văn bản điện tử đã ký số',
      lead: 'Chọn hoặc kéo thả tệp PDF hoặc XML đã ký. Tệp được gửi đến máy chủ này để kiểm tra và không được lưu lại.',
      token: 'Mã truy cập (token)',
      'token-hint': 'Máy chủ này yêu cầu mã truy cập để kiểm tra. Mã được gửi kèm mỗi tệp, không được lưu.',
      pick: 'Chọn tệp để kiểm tra', drop: 'hoặc kéo thả tệp PDF, XML vào đây (có thể chọn nhiều tệp)',
      results: 'Kết quả kiểm tra',
      foot: 'Giờ hiển thị theo giờ Việt Nam (UTC+07:00). Kết quả do kyso tính trên máy chủ này, theo các chứng thư gốc máy chủ tin cậy.',
      switchTo: 'English', switchLabel: 'Switch to English', pageTitle: 'Kiểm tra chữ ký số — kyso',
      passed: 'Hợp lệ', failed: 'Không hợp lệ', indeterminate: 'Chưa xác định', error: 'Không kiểm tra được',
      http: 'Lỗi', pending: 'Đang kiểm tra…', queued: 'Đang chờ…',
      personal: 'Cá nhân', agency: 'Cơ quan', unknown: 'Chưa rõ loại', timestamp: 'Dấu thời gian tài liệu',
      sigCount: n => n === 0 ? 'Không có chữ ký' : n + ' chữ ký', format: 'Định dạng',
      kind: 'Người ký là', ids: 'Mã định danh', subject: 'Tổ chức', issuer: 'Tổ chức cấp',
      signingTime: 'Thời điểm ký (người ký khai)', provenTime: 'Thời điểm được chứng thực',
      noProof: 'Không có dấu thời gian', tsa: 'cấp bởi', level: 'Mức chữ ký', result: 'Kết quả',
      signerReason: 'Lý do ký', signerLocation: 'Nơi ký', certification: 'Chữ ký chứng nhận',
      certLevel: n => 'Có (DocMDP mức ' + n + ')', appearance: 'Hình chữ ký',
      shownOn: n => 'hiển thị trên trang ' + n, notShown: 'không hiển thị', changes: 'Thay đổi sau khi ký',
      noChange: 'Không có thay đổi sau chữ ký này', laterOk: 'Có bổ sung sau chữ ký, không có thay đổi bị cấm',
      disallowed: 'Thay đổi không được phép:', allowed: 'Thay đổi được phép:',
      trusted: 'Chuỗi chứng thư', yes: 'Được tin cậy', no: 'Không được tin cậy', warnings: 'Lưu ý',
      none: '—', tooLarge: n => 'Tệp lớn hơn giới hạn của máy chủ (' + n + ' byte).',
      network: 'Không kết nối được máy chủ: ', needToken: 'Cần mã truy cập hợp lệ: nhập mã ở trên rồi chọn lại tệp.',
      httpStatus: 'Máy chủ trả lời lỗi ',
      reasons: {
        ok: 'Chữ ký hợp lệ', no_signatures: 'Tệp không có chữ ký số',
        digest_mismatch: 'Nội dung đã bị thay đổi sau khi ký', signature_invalid: 'Giá trị chữ ký không đúng',
        byte_range_invalid: 'Vùng dữ liệu được ký không hợp lệ', malformed_signature: 'Chữ ký bị lỗi cấu trúc',
        modified_after_signing: 'Văn bản bị sửa đổi không được phép sau khi ký',
        untrusted_chain: 'Chứng thư không thuộc tổ chức chứng thực được tin cậy',
        certificate_expired: 'Chứng thư đã hết hạn khi ký', certificate_not_yet_valid: 'Chứng thư chưa có hiệu lực khi ký',
        revoked: 'Chứng thư đã bị thu hồi', chain_invalid: 'Chuỗi chứng thư không hợp lệ',
        timestamp_invalid: 'Dấu thời gian không hợp lệ', timestamp_untrusted: 'Dấu thời gian không được tin cậy',
        revocation_unknown: 'Không xác định được tình trạng thu hồi', unreadable: 'Không đọc được tệp',
        unsupported: 'Định dạng tệp không được hỗ trợ', reference_invalid: 'Dữ liệu được ký đã bị thay đổi',
        tax_code_mismatch: 'Mã số thuế trên hoá đơn không khớp chứng thư'
      }
    },
    en: {
      brand: 'Digital signature check', title: 'Check a digitally signed document',
      lead: 'Choose or drop signed PDF or XML files. They are sent to this server to be checked and are not kept.',
      token: 'Access token',
      'token-hint': 'This server needs an access token to check documents. It is sent with each file and not stored.',
      pick: 'Choose files to check', drop: 'or drop PDF and XML files here (several at once)',
      results: 'Results',
      foot: 'Times are shown in Vietnam time (UTC+07:00). Results are computed by kyso on this server, against the trust anchors it is configured with.',
      switchTo: 'Tiếng Việt', switchLabel: 'Chuyển sang tiếng Việt', pageTitle: 'Digital signature check — kyso',
      passed: 'Valid', failed: 'Invalid', indeterminate: 'Indeterminate', error: 'Could not be checked',
      http: 'Error', pending: 'Checking…', queued: 'Waiting…',
      personal: 'Personal', agency: 'Agency', unknown: 'Unknown kind', timestamp: 'Document timestamp',
      sigCount: n => n === 0 ? 'No signatures' : n === 1 ? '1 signature' : n + ' signatures', format: 'Format',
      kind: 'Signer is', ids: 'Identifiers', subject: 'Organisation', issuer: 'Issued by',
      signingTime: 'Signing time (claimed)', provenTime: 'Proven time',
      noProof: 'No timestamp', tsa: 'by', level: 'Level', result: 'Result',
      signerReason: 'Reason for signing', signerLocation: 'Location', certification: 'Certification signature',
      certLevel: n => 'Yes (DocMDP level ' + n + ')', appearance: 'Appearance',
      shownOn: n => 'visible on page ' + n, notShown: 'invisible', changes: 'Changes after signing',
      noChange: 'Nothing changed after this signature', laterOk: 'Later additions, none of them disallowed',
      disallowed: 'Disallowed changes:', allowed: 'Allowed changes:',
      trusted: 'Certificate chain', yes: 'Trusted', no: 'Not trusted', warnings: 'Notes',
      none: '—', tooLarge: n => 'The file is larger than the server limit (' + n + ' bytes).',
      network: 'Could not reach the server: ', needToken: 'A valid access token is needed: enter it above and choose the file again.',
      httpStatus: 'The server answered with error ',
      reasons: {
        ok: 'Signature valid', no_signatures: 'The file has no digital signature',
        digest_mismatch: 'The content was changed after signing', signature_invalid: 'The signature value is wrong',
        byte_range_invalid: 'The signed byte range is invalid', malformed_signature: 'The signature is malformed',
        modified_after_signing: 'The document was modified in a disallowed way after signing',
        untrusted_chain: 'The certificate does not chain to a trusted authority',
        certificate_expired: 'The certificate had expired', certificate_not_yet_valid: 'The certificate was not yet valid',
        revoked: 'The certificate was revoked', chain_invalid: 'The certificate chain is invalid',
        timestamp_invalid: 'The timestamp is invalid', timestamp_untrusted: 'The timestamp is not trusted',
        revocation_unknown: 'Revocation status unknown', unreadable: 'The file could not be read',
        unsupported: 'Unsupported file format', reference_invalid: 'The signed data was changed',
        tax_code_mismatch: 'The invoice tax code does not match the certificate'
      }
    }
  };

  let lang = 'vi';
  try { if (localStorage.getItem('kyso.lang') === 'en') lang = 'en'; } catch (e) { /* storage off */ }
  const t = key => T[lang][key];
  const body = document.body;
  const limit = Number(body.dataset.limit) || 0;
  const tokenRow = document.getElementById('token-row');
  const tokenInput = document.getElementById('token');
  const input = document.getElementById('files');
  const drop = document.getElementById('drop');
  const results = document.getElementById('results');
  const langButton = document.getElementById('lang');
  if (body.dataset.token === 'required') tokenRow.hidden = false;

  const entries = [];
  let running = false;

  // An element with attributes and children (strings become text nodes).
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    }
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      e.append(typeof k === 'string' ? document.createTextNode(k) : k);
    }
    return e;
  }

  // An RFC 3339 time in Vietnam time, whatever the browser's zone.
  function vnTime(s) {
    const ms = Date.parse(s);
    if (typeof s !== 'string' || Number.isNaN(ms)) return String(s);
    const d = new Date(ms + 7 * 3600 * 1000);
    const p = n => String(n).padStart(2, '0');
    const day = lang === 'vi'
      ? p(d.getUTCDate()) + '/' + p(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear()
      : d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate());
    return day + ' ' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + ' (UTC+07:00)';
  }

  // The attributes of an RFC 4514 name, as [type, value] pairs (escapes decoded, UTF-8 aware).
  function parseDn(dn) {
    const out = [];
    let type = null, bytes = [], raw = '';
    const enc = new TextEncoder(), dec = new TextDecoder();
    const flush = () => {
      if (type !== null) out.push([type.trim(), dec.decode(new Uint8Array(bytes)).trim()]);
      type = null; bytes = []; raw = '';
    };
    for (let i = 0; i < dn.length; i++) {
      const c = dn[i];
      if (type === null) {
        if (c === '=') { type = raw; } else if (c === ',' || c === '+') { raw = ''; } else { raw += c; }
        continue;
      }
      if (c === '\\' && i + 1 < dn.length) {
        const h = dn.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(h)) { bytes.push(parseInt(h, 16)); i += 2; } else { bytes.push(...enc.encode(dn[i + 1])); i += 1; }
      } else if (c === ',' || c === '+') {
        flush();
      } else {
        bytes.push(...enc.encode(c));
      }
    }
    flush();
    return out;
  }

  function attr(dn, name) {
    if (typeof dn !== 'string') return null;
    const hit = parseDn(dn).find(([k]) => k.toUpperCase() === name);
    return hit ? hit[1] : null;
  }

  function reasonText(code, message) {
    const known = T[lang].reasons[code];
    if (code === 'ok') return known;
    if (known && message) return known + ' — ' + message;
    return known || message || code || t('none');
  }

  function list(items, cls) {
    return el('ul', { class: cls }, ...items.map(i => el('li', null, String(i))));
  }

  function row(dl, label, ...value) {
    dl.append(el('dt', null, label), el('dd', null, ...value));
  }

  function changes(sig) {
    const mods = Array.isArray(sig.modifications) ? sig.modifications : [];
    const allowed = Array.isArray(sig.allowed_changes) ? sig.allowed_changes : [];
    if (!mods.length && !allowed.length) return [sig.covers_whole_document === false && !sig.modified_after ? t('laterOk') : t('noChange')];
    const out = [];
    if (mods.length) out.push(el('span', { class: 'changed' }, t('disallowed')), list(mods, 'changed'));
    if (allowed.length) out.push(el('span', null, t('allowed')), list(allowed));
    return out;
  }

  function signature(sig, i, format) {
    const signer = sig.signer || null;
    const isTs = sig.kind === 'timestamp';
    const kind = isTs ? 'timestamp' : (signer && signer.kind) || 'unknown';
    const name = (signer && (attr(signer.subject, 'CN') || attr(signer.subject, 'O') || signer.subject)) || sig.signer_key || sig.field || '?';
    const li = el('li', { class: 'sig', 'data-status': sig.status, 'data-kind': kind },
      el('div', { class: 'sig-head' },
        el('span', { class: 'no' }, '#' + (i + 1)),
        el('span', { class: 'name' }, name),
        el('span', { class: 'kind', 'data-kind': kind }, t(kind) || kind),
        el('span', { class: 'verdict' }, t(sig.status) || String(sig.status))));
    const dl = el('dl');
    if (!isTs) row(dl, t('kind'), t(kind) || kind);
    const ids = signer && signer.identifiers && typeof signer.identifiers === 'object'
      ? Object.entries(signer.identifiers).map(([k, v]) => k + ': ' + v) : [];
    if (!isTs) row(dl, t('ids'), ids.length ? ids.join('; ') : t('none'));
    const org = signer && attr(signer.subject, 'O');
    if (org && org !== name) row(dl, t('subject'), org);
    const issuer = signer && (attr(signer.issuer, 'CN') || signer.issuer);
    if (issuer) row(dl, t('issuer'), issuer);
    row(dl, t('signingTime'), sig.signing_time ? vnTime(sig.signing_time) : t('none'));
    const ts = (Array.isArray(sig.timestamps) ? sig.timestamps : []).find(x => x.time === sig.proven_time) || null;
    row(dl, t('provenTime'), sig.proven_time
      ? vnTime(sig.proven_time) + (ts && ts.tsa ? ' — ' + t('tsa') + ' ' + (attr(ts.tsa, 'CN') || ts.tsa) : '')
      : t('noProof'));
    if (sig.level) row(dl, t('level'), (format === 'xml' ? 'XAdES ' : 'PAdES ') + String(sig.level).toUpperCase());
    row(dl, t('result'), reasonText(sig.reason, sig.message));
    if (sig.signer_reason) row(dl, t('signerReason'), sig.signer_reason);
    if (sig.signer_location) row(dl, t('signerLocation'), sig.signer_location);
    if (sig.certification) row(dl, t('certification'), t('certLevel')(sig.certification));
    const app = sig.appearance;
    if (app && typeof app === 'object') {
      row(dl, t('appearance'), app.visible && Number.isInteger(app.page) ? t('shownOn')(app.page) : t('notShown'));
    }
    row(dl, t('changes'), ...changes(sig));
    row(dl, t('trusted'), sig.trusted ? t('yes') : t('no'));
    if (Array.isArray(sig.warnings) && sig.warnings.length) row(dl, t('warnings'), list(sig.warnings));
    li.append(dl);
    return li;
  }

  function render(entry) {
    const a = entry.node;
    a.replaceChildren();
    const r = entry.report;
    const status = entry.state === 'done' ? String(r.status) : entry.state;
    a.dataset.status = status;
    a.dataset.state = entry.state === 'pending' || entry.state === 'queued' ? 'pending' : 'done';
    a.setAttribute('aria-busy', a.dataset.state === 'pending' ? 'true' : 'false');
    a.append(el('div', { class: 'doc-head' },
      el('h3', null, entry.name),
      el('span', { class: 'verdict' }, t(status) || status)));
    if (entry.state === 'pending' || entry.state === 'queued') return;
    if (entry.state !== 'done') {
      a.append(el('p', { class: 'msg', role: 'alert' }, entry.detail()));
      return;
    }
    const sigs = Array.isArray(r.signatures) ? r.signatures : [];
    const facts = [t('format') + ': ' + String(r.format).toUpperCase(), t('sigCount')(sigs.length)];
    if (r.status !== 'passed') facts.push(reasonText(r.reason, r.message));
    a.append(el('p', { class: 'msg' }, facts.join(' · ')));
    if (sigs.length) a.append(el('ol', { class: 'sigs' }, ...sigs.map((s, i) => signature(s, i, r.format))));
  }

  function problemText(status, p) {
    if (status === 401 || status === 403) tokenRow.hidden = false;
    const head = (status === 401 || status === 403) ? t('needToken') + ' ' : '';
    const what = p && typeof p === 'object' ? [p.title, p.detail].filter(Boolean).join(': ') : '';
    return head + t('httpStatus') + status + (what ? ' — ' + what : '');
  }

  async function check(entry) {
    if (limit && entry.file.size > limit) {
      entry.state = 'http';
      entry.detail = () => t('tooLarge')(limit);
      return;
    }
    const headers = { 'Content-Type': 'application/octet-stream' };
    const token = tokenInput.value.trim();
    if (token) headers.Authorization = 'Bearer ' + token;
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await fetch('/v1/verify', { method: 'POST', body: entry.file, headers, cache: 'no-store', credentials: 'omit' });
      } catch (e) {
        const why = String((e && e.message) || e);
        entry.state = 'http';
        entry.detail = () => t('network') + why;
        return;
      }
      if (res.status === 503 && attempt < 5) {
        const wait = Math.min(Number(res.headers.get('Retry-After')) || 1, 5);
        await new Promise(ok => setTimeout(ok, wait * 1000));
        continue;
      }
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (res.ok && data && typeof data === 'object' && typeof data.status === 'string') {
        entry.state = 'done';
        entry.report = data;
      } else {
        const status = res.status;
        entry.state = 'http';
        entry.detail = () => problemText(status, data);
      }
      return;
    }
  }

  async function run() {
    if (running) return;
    running = true;
    for (;;) {
      const next = entries.find(e => e.state === 'queued');
      if (!next) break;
      next.state = 'pending';
      render(next);
      await check(next);
      render(next);
    }
    running = false;
    results.setAttribute('aria-busy', 'false');
  }

  function add(files) {
    const list = Array.from(files || []);
    if (!list.length) return;
    results.setAttribute('aria-busy', 'true');
    for (const file of list) {
      const entry = { file, name: file.name, state: 'queued', report: null, detail: () => '' };
      entry.node = el('article', { class: 'doc' });
      results.append(entry.node);
      entries.push(entry);
      render(entry);
    }
    run();
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t('pageTitle');
    for (const n of document.querySelectorAll('[data-t]')) n.textContent = t(n.dataset.t);
    langButton.textContent = t('switchTo');
    langButton.lang = lang === 'vi' ? 'en' : 'vi';
    langButton.setAttribute('aria-label', t('switchLabel'));
    for (const e of entries) render(e);
  }

  langButton.addEventListener('click', () => {
    lang = lang === 'vi' ? 'en' : 'vi';
    try { localStorage.setItem('kyso.lang', lang); } catch (e) { /* storage off */ }
    applyLang();
  });
  input.addEventListener('change', () => { add(input.files); input.value = ''; });
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, e => { e.preventDefault(); drop.classList.add('over'); });
  }
  for (const ev of ['dragleave', 'drop']) {
    drop.addEventListener(ev, () => drop.classList.remove('over'));
  }
  drop.addEventListener('drop', e => { e.preventDefault(); add(e.dataTransfer && e.dataTransfer.files); });
  // A file dropped beside the zone is not opened by the browser in place of the page.
  window.addEventListener('dragover', e => e.preventDefault());
  window.addEventListener('drop', e => e.preventDefault());
  applyLang();
})();
