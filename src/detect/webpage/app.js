/* portreeve detect: draws the snapshot of --web (live, server-sent events) or of a
 * --report file (inlined). Written for this program: no library, nothing fetched from
 * elsewhere. Text from the network only ever goes into textContent, never markup. */
(function () {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var renders = 0;

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) {
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function byId(id) { return document.getElementById(id); }

  /* Any value of an alert as short text: ports lists ({port, proto, count}), arrays,
   * objects; so fields added to alerts later show up without a change here. */
  function fmt(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.map(fmt).join(', ');
    if (typeof v === 'object') {
      if ('port' in v) {
        var s = String(v.port) + (v.proto ? '/' + v.proto : '');
        var n = v.count !== undefined ? v.count : v.probes !== undefined ? v.probes : v.hosts;
        return n !== undefined ? s + ' \u00d7' + n : s;
      }
      return Object.keys(v).map(function (k) { return k + '=' + fmt(v[k]); }).join(' ');
    }
    return String(v);
  }
  function shortTime(t) { return t ? String(t).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }
  function target(a) {
    if (a.dst_ip) return a.dst_ip;
    if (a.dst_ips_count !== undefined) return a.dst_ips_count + ' hosts';
    return fmt(a.dst_ips || a.dst);
  }
  function ports(a) {
    if (a.ports !== undefined) return fmt(a.ports);
    var s = a.ports_probed !== undefined ? a.ports_probed + ' probed' : '';
    if (a.open_ports_seen && a.open_ports_seen.length) s += '; open ' + fmt(a.open_ports_seen);
    return s;
  }
  function cell(v, cls) { return el('td', cls ? { class: cls } : {}, [fmt(v)]); }

  function threatBySource(snap) {
    var t = {};
    (snap.alerts || []).concat(snap.scans || []).forEach(function (a) {
      if (typeof a.threat_level !== 'number') return;
      [a.src_ip, a.home_ip, a.host_ip].forEach(function (ip) {
        if (ip && (t[ip] === undefined || a.threat_level > t[ip])) t[ip] = a.threat_level;
      });
    });
    return t;
  }

  function renderCounters(snap) {
    var dl = byId('counters');
    clear(dl);
    var c = snap.counters || {};
    Object.keys(c).forEach(function (k) {
      dl.appendChild(el('div', { 'data-counter': k },
        [el('dt', {}, [k.replace(/_/g, ' ')]), el('dd', { id: 'counter-' + k }, [c[k]])]));
    });
  }

  function renderScans(snap) {
    var tb = byId('scans').tBodies[0];
    clear(tb);
    var list = (snap.scans || []).slice().sort(function (a, b) { return (b.active ? 1 : 0) - (a.active ? 1 : 0); });
    list.forEach(function (a) {
      var tr = el('tr', {
        class: 'scan ' + (a.active ? 'active' : 'ended'), 'data-src': a.src_ip || '',
        'data-event': a.event || '', 'data-scan-type': a.scan_type || '',
        'data-active': a.active ? '1' : '0'
      }, [cell(a.active ? 'active' : 'ended'), cell(a.event), cell(a.scan_type),
          cell(a.src_ip || a.src_ips), cell(target(a)), cell(ports(a)),
          cell(a.probes, 'num'), cell(a.threat_level, 'num'), cell(a.action),
          cell(a.recommended_actions), cell(shortTime(a.last_seen || a.ts))]);
      tb.appendChild(tr);
    });
    byId('scans-none').style.display = list.length ? 'none' : '';
  }

  function renderHosts(snap, threat) {
    var tb = byId('hosts').tBodies[0];
    clear(tb);
    (snap.hosts || []).forEach(function (h) {
      var svc = (h.services || []).map(function (s) { return s.port + '/' + s.proto; }).join(' ');
      tb.appendChild(el('tr', { class: 'host', 'data-ip': h.ip }, [
        cell(h.ip), cell(h.mac), cell(h.vendor), cell(h.os), cell(svc),
        cell((h.peers || []).length + (h.peers_truncated ? '+' : ''), 'num'),
        cell(threat[h.ip], 'num'), cell(shortTime(h.first_seen)), cell(shortTime(h.last_seen))]));
    });
    var n = (snap.hosts || []).length, total = snap.hosts_total || n;
    byId('hosts-note').textContent = !total ? 'No home host seen yet.' :
      total > n ? n + ' of ' + total + ' hosts shown.' : '';
  }

  function renderBlocks(snap) {
    var tb = byId('blocks').tBodies[0];
    clear(tb);
    (snap.blocks || []).forEach(function (b) {
      tb.appendChild(el('tr', { class: 'block', 'data-ip': b.ip }, [cell(b.ip), cell(b.action),
        cell(shortTime(b.since)), cell(shortTime(b.until)), cell(b.event), cell(b.scan_id)]));
    });
    byId('blocks-none').style.display = (snap.blocks || []).length ? 'none' : '';
  }

  /* Home hosts on an inner ring, other addresses on an outer one; lines for the peers of
   * the inventory and, in red, for alerts (source to target). */
  function renderGraph(snap, threat) {
    var box = byId('graph');
    clear(box);
    var nodes = {}, order = [], edges = [], seen = {};
    function node(ip, home) {
      if (!ip) return null;
      if (!nodes[ip]) {
        if (!home && order.length - homeCount >= 120) return null;
        nodes[ip] = { ip: ip, home: home };
        order.push(ip);
      }
      if (home) nodes[ip].home = true;
      return nodes[ip];
    }
    var homeCount = 0;
    (snap.hosts || []).forEach(function (h) { node(h.ip, true); homeCount++; });
    (snap.hosts || []).forEach(function (h) {
      (h.peers || []).forEach(function (p) {
        if (!node(p, false)) return;
        var k = [h.ip, p].sort().join(' ');
        if (!seen[k]) { seen[k] = 1; edges.push({ a: h.ip, b: p, cls: 'edge' }); }
      });
    });
    var active = {};
    (snap.scans || []).forEach(function (a) {
      if (!a.src_ip || !node(a.src_ip, false)) return;
      if (a.active) active[a.src_ip] = true;
      if (a.dst_ip && node(a.dst_ip, false)) edges.push({ a: a.src_ip, b: a.dst_ip, cls: 'alert' });
    });
    var blocked = {};
    (snap.blocks || []).forEach(function (b) { blocked[b.ip] = true; });
    var home = order.filter(function (ip) { return nodes[ip].home; });
    var ext = order.filter(function (ip) { return !nodes[ip].home; });
    var r1 = Math.max(70, home.length * 26 / (2 * Math.PI));
    var r2 = r1 + Math.max(90, ext.length * 20 / (2 * Math.PI) - r1);
    var size = 2 * (r2 + 90);
    function place(list, r, phase) {
      list.forEach(function (ip, i) {
        var t = 2 * Math.PI * i / Math.max(1, list.length) + phase;
        nodes[ip].x = size / 2 + (list.length > 1 || r !== r1 ? r : 0) * Math.cos(t);
        nodes[ip].y = size / 2 + (list.length > 1 || r !== r1 ? r : 0) * Math.sin(t);
      });
    }
    place(home, r1, -Math.PI / 2);
    place(ext, r2, -Math.PI / 2 + 0.3);
    var s = svg('svg', { viewBox: '0 0 ' + size + ' ' + size, width: Math.min(size, 900),
                         height: Math.min(size, 900), role: 'img', id: 'graph-svg' });
    edges.forEach(function (e) {
      var a = nodes[e.a], b = nodes[e.b];
      var line = svg('line', { class: e.cls, x1: a.x, y1: a.y, x2: b.x, y2: b.y,
                               'data-from': e.a, 'data-to': e.b });
      line.appendChild(svg('title', {}, e.a + ' \u2192 ' + e.b));
      s.appendChild(line);
    });
    order.forEach(function (ip) {
      var n = nodes[ip];
      var cls = 'node ' + (n.home ? 'home' : 'ext') + (active[ip] ? ' scanning' : '') +
        (blocked[ip] ? ' blocked' : '');
      var g = svg('g', { class: 'graph-node', 'data-ip': ip });
      var c = svg('circle', { class: cls, cx: n.x, cy: n.y, r: n.home ? 8 : 5 });
      c.appendChild(svg('title', {}, ip + (threat[ip] !== undefined ? ' threat ' + threat[ip] : '')));
      g.appendChild(c);
      var right = n.x >= size / 2;
      g.appendChild(svg('text', { x: n.x + (right ? 10 : -10), y: n.y + 3,
                                  'text-anchor': right ? 'start' : 'end' }, ip));
      s.appendChild(g);
    });
    box.appendChild(s);
  }

  /* One lane per event name, a mark per alert line at its time; a blue tick for each home
   * host's first sighting. */
  function renderTimeline(snap) {
    var box = byId('timeline');
    clear(box);
    var alerts = snap.alerts || [];
    var times = alerts.map(function (a) { return Date.parse(a.ts); });
    (snap.hosts || []).forEach(function (h) { times.push(Date.parse(h.first_seen)); });
    times = times.filter(function (t) { return !isNaN(t); });
    var tb = byId('alerts').tBodies[0];
    clear(tb);
    if (!times.length) {
      box.appendChild(el('p', { class: 'none' }, ['Nothing yet.']));
      return;
    }
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    if (t1 === t0) t1 = t0 + 1000;
    var lanes = [];
    alerts.forEach(function (a) { if (lanes.indexOf(a.event) < 0) lanes.push(a.event); });
    var W = 900, L = 130, H = 30 + 22 * (lanes.length + 1);
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, id: 'timeline-svg' });
    function x(t) { return L + (W - L - 20) * (t - t0) / (t1 - t0); }
    lanes.concat(['home hosts seen']).forEach(function (name, i) {
      var y = 20 + 22 * i;
      s.appendChild(svg('line', { class: 'lane', x1: L, x2: W - 10, y1: y, y2: y }));
      s.appendChild(svg('text', { x: 4, y: y + 3 }, name));
    });
    alerts.forEach(function (a) {
      var t = Date.parse(a.ts);
      if (isNaN(t)) return;
      var m = svg('circle', { class: 'mark ' + (a.phase || ''), cx: x(t), cy: 20 + 22 * lanes.indexOf(a.event),
                              r: a.phase === 'start' ? 5 : 3, 'data-event': a.event || '' });
      m.appendChild(svg('title', {}, shortTime(a.ts) + ' ' + a.event + ' ' + (a.phase || '') + ' ' +
                        (a.src_ip || '') + ' \u2192 ' + target(a)));
      s.appendChild(m);
    });
    var yh = 20 + 22 * lanes.length;
    (snap.hosts || []).forEach(function (h) {
      var t = Date.parse(h.first_seen);
      if (isNaN(t)) return;
      var m = svg('line', { class: 'seen', x1: x(t), x2: x(t), y1: yh - 6, y2: yh + 6 });
      m.appendChild(svg('title', {}, shortTime(h.first_seen) + ' ' + h.ip + ' first seen'));
      s.appendChild(m);
    });
    s.appendChild(svg('text', { x: L, y: H - 4 }, shortTime(new Date(t0).toISOString())));
    s.appendChild(svg('text', { x: W - 10, y: H - 4, 'text-anchor': 'end' },
                      shortTime(new Date(t1).toISOString())));
    box.appendChild(s);
    alerts.slice(-100).reverse().forEach(function (a) {
      var d = el('details', {}, [el('summary', {}, ['json']), el('pre', {}, [JSON.stringify(a, null, 1)])]);
      tb.appendChild(el('tr', { class: 'alert', 'data-event': a.event || '', 'data-src': a.src_ip || '' }, [
        cell(shortTime(a.ts)), cell(a.phase), cell(a.event), cell(a.scan_type), cell(a.src_ip || a.src_ips),
        cell(target(a)), cell(ports(a)), cell(a.threat_level, 'num'), cell(a.action), el('td', {}, [d])]));
    });
  }

  function render(snap) {
    var threat = threatBySource(snap);
    byId('source').textContent = (snap.live ? 'watching ' : 'read ') + (snap.source || '');
    byId('generated').textContent = 'as of ' + shortTime(snap.generated);
    renderCounters(snap);
    renderScans(snap);
    renderHosts(snap, threat);
    renderBlocks(snap);
    renderGraph(snap, threat);
    renderTimeline(snap);
    renders++;
    document.body.setAttribute('data-renders', String(renders));
  }

  function status(text, cls) {
    var s = byId('status');
    s.textContent = text;
    s.className = cls || '';
  }

  var embedded = byId('snapshot');
  if (embedded) {
    render(JSON.parse(embedded.textContent));
    status('report');
    return;
  }
  function poll() {
    return fetch('api/snapshot', { cache: 'no-store' }).then(function (r) { return r.json(); })
      .then(render).catch(function () { status('no answer', 'stale'); });
  }
  poll();
  if (window.EventSource) {
    var es = new EventSource('api/events');
    es.addEventListener('open', function () { status('live', 'live'); });
    es.addEventListener('error', function () { status('reconnecting', 'stale'); });
    es.addEventListener('snapshot', function (e) {
      status('live', 'live');
      render(JSON.parse(e.data));
    });
  } else {
    setInterval(poll, 1000);
  }
})();
