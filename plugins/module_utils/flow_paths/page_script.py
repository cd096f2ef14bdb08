# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The script of the traffic-engineering page (see page.py), kept as a plain string.

Vanilla JavaScript without any library, so the page works offline from file://. It reads the JSON element ``flow-data``
({title, layout, routes, slots}: page.compact), places every node of the day once (order by total traffic over all slots),
and on every slot change rebuilds the ribbons and boxes of that slot as one SVG string.
Geometry: one scale (pixels per Mbit/s) for the whole page; routers and peer lines are drawn at their configured capacity
with the used part filled, every other box at its traffic; a node's band is its largest value of the day, so nothing moves.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SCRIPT = r"""(function () {
'use strict';
var D = JSON.parse(document.getElementById('flow-data').textContent);
var slots = D.slots, layout = D.layout || {}, ROUTES = D.routes || [];
var COLS = ['remote AS (in)', 'peer (in)', 'router (in)', 'local service', 'router (out)', 'peer (out)', 'remote AS (out)'];
var W = 1360, H = 600, TOP = 30, BOTTOM = 8, LEFT = 96, RIGHT = 96, BW = 14, PH = H - TOP - BOTTOM;
var svg = document.getElementById('sankey'), tip = document.getElementById('tip'), picker = document.getElementById('slot');
var nodes = [], byKey = {}, routes = [], routerCap = {}, peerCap = {}, cur = -1, k = Infinity, ribbonEls = [], hover = null;

function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
function mbit(v) { return (+v).toFixed(2) + ' Mbit/s'; }
function count(v) { return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
function hhmm(t) { return new Date(t * 1000).toISOString().slice(11, 16); }
function node(col, key, label, cap) {
  var id = col + '|' + key;
  if (!byKey[id]) {
    byKey[id] = {id: nodes.length, col: col, label: label, cap: cap || 0, total: 0, peak: 0, passage: key === 'transit'};
    nodes.push(byKey[id]);
  }
  return byKey[id].id;
}
function name(v) { return v === null || v === undefined ? '?' : String(v); }
function asNode(col, a) { return node(col, 'as:' + name(a), a === null || a === undefined || a === 'other' ? name(a) : 'AS' + a); }
function routerNode(col, r) { return node(col, 'r:' + name(r), name(r), routerCap[r]); }
function peerNode(col, r, p) { return node(col, 'p:' + name(p) + ' @ ' + name(r), name(p) + ' @ ' + name(r), peerCap[name(r) + '\u0000' + name(p)]); }
function service(local) {
  if (!local || local.service || local.object) { return local ? String(local.service || local.object) : '?'; }
  var prefix = String(local.prefix || '');
  return prefix.charAt(0) === '?' ? prefix : '?' + prefix;
}
function hops(p) {  // the node ids of a path, one per column it crosses
  var front = function () { return [asNode(0, p.src_as), peerNode(1, p.in_router, p.in_peer), routerNode(2, p.in_router)]; };
  var back = function () { return [routerNode(4, p.out_router), peerNode(5, p.out_router, p.out_peer), asNode(6, p.dst_as)]; };
  if (p.kind === 'inbound') { return front().concat([node(3, 's:' + service(p.local), service(p.local))]); }
  if (p.kind === 'outbound') { return [node(3, 's:' + service(p.local), service(p.local))].concat(back()); }
  return front().concat([node(3, 'transit', 'transit')], back());
}

// the model of the day: every node, its place and the one scale, computed once
(layout.routers || []).forEach(function (r) { routerCap[r.name] = +r.capacity_mbps || 0; routerNode(2, r.name); routerNode(4, r.name); });
(layout.peers || []).forEach(function (p) {
  peerCap[name(p.router) + '\u0000' + name(p.peer)] = +p.capacity_mbps || 0;
  peerNode(1, p.router, p.peer); peerNode(5, p.router, p.peer);
});
// aggregate.format_mbps; toFixed rounds an exact tie (0.125, 0.625) up where Python's '%.2f' rounds it to even
function mbpsText(v) { return v >= 1 ? String(Math.floor(v + 0.5)) : v === 0.125 ? '0.12' : v === 0.625 ? '0.62' : v.toFixed(2); }
function expand(slot) {  // page.compact back to paths: the day's route plus this slot's numbers; the line as format_line
  var f = slot.p || [], paths = [];
  for (var i = 0; i < f.length; i += 4) {
    var r = ROUTES[f[i]], p = {kind: r[0], src_as: r[1], dst_as: r[2], in_peer: r[3], in_router: r[4], out_router: r[5], out_peer: r[6],
      local: r.length > 7 ? {prefix: r[7], object: r[8], service: r[9]} : null, mbps: f[i + 1], flows: f[i + 2], scan: f[i + 3] === 1, route: f[i]};
    var words = p.kind === 'inbound' ? [p.src_as, p.in_peer, p.in_router, p.local.service] : p.kind === 'outbound' ?
      [p.local.service, p.out_router, p.out_peer, p.dst_as] : [p.src_as, p.in_peer, p.in_router, p.out_router, p.out_peer, p.dst_as];
    p.line = words.map(name).join(' ') + ' ' + mbpsText(p.mbps);
    paths.push(p);
  }
  slot.paths = paths;
}
var hopsOf = [];  // per route of the day: a route's node ids are the same in every slot
slots.forEach(function (slot) {
  var sides = {};
  expand(slot);
  routes.push(slot.paths.map(function (p) {
    var r = hopsOf[p.route] || (hopsOf[p.route] = hops(p));
    r.forEach(function (id, j) {  // a box must hold both of its sides: what enters and what leaves it
      var s = sides[id] || (sides[id] = [0, 0]);
      nodes[id].total += p.mbps; s[0] += j > 0 ? p.mbps : 0; s[1] += j < r.length - 1 ? p.mbps : 0;
    });
    return r;
  }));
  Object.keys(sides).forEach(function (id) { nodes[id].peak = Math.max(nodes[id].peak, sides[id][0], sides[id][1]); });
});
var columns = COLS.map(function () { return []; });
nodes.forEach(function (n) { n.size = Math.max(n.cap, n.peak); columns[n.col].push(n); });
columns.forEach(function (list) {
  list.sort(function (a, b) { return (a.passage - b.passage) || (b.total - a.total) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0); });
  list.gap = list.length > 1 ? Math.min(8, 0.3 * PH / (list.length - 1)) : 0;
  var sum = list.reduce(function (acc, n) { return acc + n.size; }, 0);
  if (sum > 0) { k = Math.min(k, (PH - list.gap * (list.length - 1)) / sum); }
});
if (!isFinite(k) || k <= 0) { k = 1; }
columns.forEach(function (list, col) {
  var y = TOP + Math.max(0, (PH - list.reduce(function (acc, n) { return acc + n.size * k; }, 0) - list.gap * Math.max(0, list.length - 1)) / 2);
  list.forEach(function (n, i) { n.pos = i; n.x = LEFT + col * (W - LEFT - RIGHT - BW) / 6; n.y = y; y += n.size * k + list.gap; });
});

function statics() {
  var out = '<defs>';
  [['inbound', '#2e9d4f'], ['outbound', '#2f6db5'], ['transit', '#c8373b']].forEach(function (c) {
    out += '<pattern id="h-' + c[0] + '" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">' +
      '<rect width="6" height="6" fill="' + c[1] + '" fill-opacity="0.15"/><rect width="2.5" height="6" fill="' + c[1] + '"/></pattern>';
  });
  out += '</defs><g class="colheads">';
  COLS.forEach(function (c, col) { out += '<text class="colhead" x="' + (LEFT + col * (W - LEFT - RIGHT - BW) / 6 + BW / 2) + '" y="16">' + c + '</text>'; });
  out += '</g><g id="ribbons"></g><g id="boxes"></g><g class="labels">';
  nodes.forEach(function (n) {
    if (n.size * k + columns[n.col].gap < 11 && n.cap <= 0) { return; }
    var right = n.col < 4, x = n.col === 0 ? n.x - 4 : n.col === 6 ? n.x + BW + 4 : right ? n.x + BW + 3 : n.x - 3;
    var anchor = n.col === 0 || (!right && n.col !== 6) ? 'end' : 'start';
    out += '<text x="' + x + '" y="' + (n.y + Math.max(n.size * k, 2) / 2 + 4).toFixed(1) + '" text-anchor="' + anchor + '">' + esc(n.label) + '</text>';
  });
  return out + '</g><g id="marks"></g>';
}

function seg(x0, y0, x1, y1, w) {
  var xm = ((x0 + x1) / 2).toFixed(1), a = x0.toFixed(1), b = x1.toFixed(1);
  var out = '<path d="M' + a + ' ' + y0.toFixed(2) + 'C' + xm + ' ' + y0.toFixed(2) + ' ' + xm + ' ' + y1.toFixed(2) + ' ' + b + ' ' +
    y1.toFixed(2) + 'L' + b + ' ' + (y1 + w).toFixed(2) + 'C' + xm + ' ' + (y1 + w).toFixed(2) + ' ' + xm + ' ' + (y0 + w).toFixed(2) +
    ' ' + a + ' ' + (y0 + w).toFixed(2) + 'Z"/>';
  if (w >= 5) { return out; }
  // a thin ribbon keeps its true width but gets an invisible wider centre line, so a mouse can still find it
  var c0 = (y0 + w / 2).toFixed(2), c1 = (y1 + w / 2).toFixed(2);
  return out + '<path class="hit" d="M' + a + ' ' + c0 + 'C' + xm + ' ' + c0 + ' ' + xm + ' ' + c1 + ' ' + b + ' ' + c1 + '"/>';
}

function draw(s) {
  var paths = slots[s].paths, rt = routes[s], yin = [], yout = [], ribbons = '', boxes = '', marks = '';
  nodes.forEach(function (n) { n.ins = []; n.outs = []; n.mbps = 0; n.flows = 0; n.inM = 0; n.outM = 0; n.ribbons = []; });
  rt.forEach(function (r, i) {
    var p = paths[i];
    yin.push([]); yout.push([]);
    r.forEach(function (id, j) {
      var n = nodes[id];
      n.mbps += p.mbps; n.flows += p.flows; n.ribbons.push(i);
      if (j > 0) { n.ins.push([i, j]); n.inM += p.mbps; }
      if (j < r.length - 1) { n.outs.push([i, j]); n.outM += p.mbps; }
    });
  });
  // ribbons meet a side of a box ordered by the boxes they come from or go to, so bundles do not cross
  function order(a, b, first, n) {
    var ra = rt[a[0]], rb = rt[b[0]], d, na, nb, step;
    for (var pass = 0; pass < 2 && !n.passage; pass++) {  // through the passage every ribbon keeps its height
      step = (pass === 0) === (first > 0) ? 1 : -1;
      for (d = 1; d < 8; d++) {
        na = ra[a[1] + step * d]; nb = rb[b[1] + step * d];
        if (na === undefined || nb === undefined) { break; }
        if (na !== nb) { return nodes[na].pos - nodes[nb].pos; }
      }
    }
    return a[0] - b[0];
  }
  nodes.forEach(function (n) {
    var y = n.y;
    n.outs.sort(function (a, b) { return order(a, b, 1, n); }).forEach(function (e) { yout[e[0]][e[1]] = y; y += paths[e[0]].mbps * k; });
    y = n.y;
    n.ins.sort(function (a, b) { return order(a, b, -1, n); }).forEach(function (e) { yin[e[0]][e[1]] = y; y += paths[e[0]].mbps * k; });
  });
  rt.forEach(function (r, i) {
    var p = paths[i], w = p.mbps * k;
    ribbons += '<g class="ribbon k-' + esc(p.kind) + (p.scan ? ' scan' : '') + '" data-i="' + i + '" data-line="' + esc(p.line) +
      '" data-mbps="' + p.mbps + '" data-flows="' + p.flows + '" data-kind="' + esc(p.kind) + '">';
    for (var j = 0; j < r.length - 1; j++) {
      var a = nodes[r[j]], b = nodes[r[j + 1]];
      if (j > 0 && a.passage) { ribbons += seg(a.x, yin[i][j], a.x + BW, yout[i][j], w); }
      ribbons += seg(a.x + BW, yout[i][j], b.x, yin[i][j + 1], w);
    }
    ribbons += '</g>';
    if (p.scan) {
      marks += '<text class="mark" x="' + ((nodes[r[0]].x + BW + nodes[r[1]].x) / 2).toFixed(1) + '" y="' +
        ((yout[i][0] + yin[i][1]) / 2 + w / 2 + 4).toFixed(1) + '" text-anchor="middle">scan</text>';
    }
  });
  nodes.forEach(function (n) {
    var used = Math.max(n.inM, n.outM), attrs = ' x="' + n.x.toFixed(1) + '" width="' + BW + '"';
    boxes += '<g class="box' + (n.passage ? ' passage' : '') + '" data-id="' + n.id + '" data-col="' + n.col + '" data-node="' + esc(n.label) +
      '" data-mbps="' + n.mbps + '" data-flows="' + n.flows + '" data-cap="' + n.cap + '">';
    if (n.cap > 0) { boxes += '<rect class="head"' + attrs + ' y="' + n.y.toFixed(2) + '" height="' + (n.cap * k).toFixed(2) + '"/>'; }
    boxes += '<rect class="' + (used > 0 ? 'used' : 'idle') + (n.cap > 0 && used > n.cap ? ' over' : '') + '"' + attrs + ' y="' +
      n.y.toFixed(2) + '" height="' + Math.max(used * k, 1).toFixed(2) + '"/></g>';
  });
  ['ribbons', 'boxes', 'marks'].forEach(function (id, i) { document.getElementById(id).innerHTML = [ribbons, boxes, marks][i]; });
  ribbonEls = document.getElementById('ribbons').children;
}

function facts(s) {
  var slot = slots[s], t = slot.totals || {}, list = document.getElementById('problems');
  document.getElementById('when').textContent = new Date(slot.start * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' - ' +
    hhmm(slot.start + (slot.seconds || 300)) + ' UTC';
  document.getElementById('totals').textContent = 'inbound ' + mbit(t.inbound_mbps || 0) + ', outbound ' + mbit(t.outbound_mbps || 0) +
    ', transit ' + mbit(t.transit_mbps || 0) + '; ' + count(t.flows || 0) + ' flows in ' + slot.paths.length + ' paths';
  list.textContent = '';
  (slot.problems || []).forEach(function (p) {
    add(list, 'li', '', p.text + (p.mbps !== undefined ? ' (' + mbit(p.mbps) + ', ' + count(p.flows || 0) + ' flows)' : ''));
  });
  if (!list.children.length) { add(list, 'li', 'none', 'no problems in this slot'); }
  var loss = slot.loss || {}, banner = document.getElementById('loss'), names = lost(slot);
  banner.hidden = !names.length;  // nfcapd saw export datagrams missing: what the slot shows is less than what flowed
  banner.textContent = 'Flows lost in this slot, the figures are too low: ' + names.map(function (r) { return r + ' ' + count(loss[r]) +
    ' sequence failure' + (loss[r] === 1 ? '' : 's'); }).join(', ');
}
function lost(slot) { var loss = slot.loss || {}; return Object.keys(loss).filter(function (r) { return loss[r] > 0; }).sort(); }
function add(parent, tag, cls, text) {
  var el = parent.appendChild(document.createElement(tag));
  el.className = cls;
  el.textContent = text;
}

function show(s) {
  if (!slots.length) { return; }
  s = Math.max(0, Math.min(slots.length - 1, s));
  var t0 = performance.now();
  clear();
  cur = s;
  picker.value = String(s);
  draw(s); facts(s);
  svg.setAttribute('data-slot', slots[s].slot);
  svg.getBoundingClientRect();  // forces style and layout, so the figure covers more than building strings
  window.lastRedrawMs = performance.now() - t0;
}

function tipLines(lines) {
  tip.textContent = '';
  lines.forEach(function (l) { add(tip, 'div', l[0], l[1]); });
  tip.style.display = 'block';
}
function ribbonTip(p) {
  var lines = [['line', p.line], ['', p.kind + ': ' + mbit(p.mbps) + ', ' + count(p.flows) + ' flows']];
  if (p.local) { lines.push(['', 'network ' + p.local.prefix + (p.local.object ? ' (' + p.local.object + ')' : '')]); }
  if (p.scan) { lines.push(['scan', 'scan: ' + count(p.flows) + ' flows averaging ' + (p.mbps * 1000 / p.flows).toFixed(1) + ' kbit/s each']); }
  tipLines(lines);
}
function boxTip(n) {
  var lines = [['line', n.label + ' (' + (n.passage ? 'transit between two routers' : COLS[n.col]) + ')'],
    ['', mbit(n.mbps) + ', ' + count(n.flows) + ' flows in ' + n.ribbons.length + ' paths']];
  if (n.cap > 0) {
    lines.push(['', 'capacity ' + mbit(n.cap) + ': ' + (100 * Math.max(n.inM, n.outM) / n.cap).toFixed(1) + '% used, headroom ' +
      mbit(Math.max(0, n.cap - Math.max(n.inM, n.outM)))]);
  }
  if (n.col === 3 && !n.passage) { lines.push(['', 'inbound ' + mbit(n.inM) + ', outbound ' + mbit(n.outM)]); }
  tipLines(lines);
}
function place(e) {
  var x = e.clientX + 14, y = e.clientY + 14;
  if (x + tip.offsetWidth > window.innerWidth) { x = Math.max(0, e.clientX - tip.offsetWidth - 8); }
  if (y + tip.offsetHeight > window.innerHeight) { y = Math.max(0, e.clientY - tip.offsetHeight - 8); }
  tip.style.left = x + 'px'; tip.style.top = y + 'px';
}
function clear() {
  var lit = svg.querySelectorAll('.hl, .on');
  for (var i = 0; i < lit.length; i++) { lit[i].classList.remove('hl', 'on'); }
  svg.classList.remove('focus');
  tip.style.display = 'none'; hover = null;
}
svg.addEventListener('mouseover', function (e) {
  var g = e.target.closest ? e.target.closest('g.ribbon, g.box') : null;
  if (g === hover) { return; }
  clear();
  if (!g) { return; }
  hover = g; svg.classList.add('focus');
  if (g.classList.contains('ribbon')) {
    g.classList.add('hl');
    ribbonTip(slots[cur].paths[+g.getAttribute('data-i')]);
  } else {
    var n = nodes[+g.getAttribute('data-id')];
    g.classList.add('on');
    n.ribbons.forEach(function (i) { ribbonEls[i].classList.add('hl'); });
    boxTip(n);
  }
  place(e);
});
svg.addEventListener('mousemove', function (e) { if (hover) { place(e); } });
svg.addEventListener('mouseleave', clear);
document.addEventListener('keydown', function (e) {
  var to = {ArrowLeft: cur - 1, ArrowRight: cur + 1, Home: 0, End: slots.length - 1}[e.key];
  if (to === undefined || e.altKey || e.ctrlKey || e.metaKey || !slots.length) { return; }
  e.preventDefault();  // a focused select would otherwise step a second time
  show(to);
});
picker.addEventListener('change', function () { show(+picker.value); });
document.getElementById('prev').addEventListener('click', function () { show(cur - 1); });
document.getElementById('next').addEventListener('click', function () { show(cur + 1); });

svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
svg.innerHTML = statics();
picker.innerHTML = slots.map(function (slot, i) {
  return '<option value="' + i + '" title="' + esc(slot.slot) + '">' + hhmm(slot.start) + ' UTC' + (lost(slot).length ? ' - loss' : '') + '</option>';
}).join('');
window.flowPaths = {show: show, current: function () { return cur; }, slots: slots.length};
if (slots.length) { show(slots.length - 1); } else {
  picker.disabled = true;
  document.getElementById('when').textContent = 'no slot stored yet: the collector writes one every 5 minutes';
}
}());
"""
