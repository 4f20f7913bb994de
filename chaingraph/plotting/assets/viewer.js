// chaingraph standalone map viewer: SVG + pan (drag) + zoom (wheel) + tooltips.
// Reads the JSON in <script id="chaingraph-data">; no network access.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chaingraph-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var S = 110; // pixels per layout unit
  var svg = document.getElementById("cg-svg");
  var view = document.createElementNS(NS, "g");
  svg.appendChild(view);
  var tip = document.getElementById("cg-tip");
  var top = data.top;
  function X(x) { return x * S; }
  function Y(y) { return (top - y) * S; }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); }
    (parent || view).appendChild(e);
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c];
    });
  }
  function tooltip(e, html) {
    e.addEventListener("mousemove", function (ev) {
      tip.innerHTML = html; tip.style.display = "block";
      tip.style.left = (ev.clientX + 14) + "px"; tip.style.top = (ev.clientY + 10) + "px";
    });
    e.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  }
  var defs = el("defs", {});
  ["link", "cut"].forEach(function (kind) {
    var m = el("marker", {id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 12, markerHeight: 12, markerUnits: "userSpaceOnUse",
      orient: "auto-start-reverse"}, defs);
    el("path", {d: "M0,0 L10,5 L0,10 z", fill: kind === "cut" ? data.colors.cut : data.colors.link}, m);
  });
  data.bands.forEach(function (b) {
    el("rect", {x: X(b.x0), y: Y(top), width: X(b.x1 - b.x0), height: (top + 0.1) * S,
      fill: b.fill, "class": "band"});
    var t = el("text", {x: X((b.x0 + b.x1) / 2), y: Y(top) - 10, "text-anchor": "middle",
      "font-size": 16, fill: b.color, "class": "stage-label"});
    t.textContent = b.label;
  });
  var nGhost = 0;
  data.segments.forEach(function (s) {
    var ghost = s.missing || s.ghost;
    if (ghost) nGhost++;
    var r = el("rect", {x: X(s.x0), y: Y(s.y0 + s.h), width: X(s.w), height: s.h * S,
      rx: 5, fill: ghost ? "#ffffff" : data.colors.box,
      stroke: s.missing ? data.colors.missing : data.colors.box_edge,
      "stroke-width": s.missing ? 2 : 1, "stroke-dasharray": ghost ? "6 4" : null,
      "class": s.missing ? "segment missing" : (ghost ? "segment ghost" : "segment"),
      "data-segment": s.id});
    var t = el("text", {x: X(s.x0) + 4, y: Y(s.y0 + s.h) + 14, "font-size": 11,
      fill: s.missing ? data.colors.missing : "#333"});
    t.textContent = s.label + "  " + s.counts;
    if (s.tags.length) {
      var tag = el("text", {x: X(s.x0 + s.w) - 3, y: Y(s.y0 + s.h) - 3, "text-anchor": "end",
        "font-size": 10, fill: data.colors.leader, "class": "tag"});
      tag.textContent = s.tags.join(" ");
    }
    var info = "<b>" + esc(s.label) + "</b> (" + esc(s.id) + ")<br>stage: " + esc(s.stage || "-") +
      "<br>enterprises: " + s.n_focal + " focal / " + s.n_total + " total<br>output: " +
      esc(s.output_text) + (s.missing ? "<br><span class='bad'>missing segment (断点)</span>" : "") +
      (s.tags.length ? "<br>candidate: " + esc(s.tags.join(", ")) : "") +
      (s.marks ? "<br>" + esc(s.marks) : "");
    tooltip(r, info);
  });
  var nLinks = 0;
  data.links.forEach(function (l) {
    var color = l.cut ? data.colors.cut : (l.spof ? data.colors.spof : data.colors.link);
    var attrs = {x1: X(l.x0), y1: Y(l.y0), x2: X(l.x1), y2: Y(l.y1), stroke: color,
      "stroke-width": l.w, "stroke-opacity": (l.cut || l.spof) ? 0.95 : 0.35,
      "stroke-dasharray": l.spof ? "5 3" : null, "class": l.cut ? "link cut" : "link"};
    if (data.view === "segment") attrs["marker-end"] = "url(#arrow-" + (l.cut ? "cut" : "link") + ")";
    var line = el("line", attrs);
    tooltip(line, esc(l.sname) + " → " + esc(l.bname) + "<br>volume: " + esc(l.v_text) +
      (l.cut ? "<br><span class='bad'>in the minimum cut (bottleneck)</span>" : "") +
      (l.spof ? "<br><span class='bad'>single point of failure</span>" : ""));
    nLinks++;
  });
  var nNodes = 0;
  data.nodes.forEach(function (n) {
    if (n.spof || n.cut || n.hl) {
      el("circle", {cx: X(n.x), cy: Y(n.y), r: n.r + 4, fill: "none",
        stroke: n.spof ? data.colors.spof : (n.cut ? data.colors.cut : data.colors.leader),
        "stroke-width": 2.5, "class": n.spof ? "ring spof" : "ring"});
    }
    var c = el("circle", {cx: X(n.x), cy: Y(n.y), r: n.r, fill: n.focal ? n.color : "#ffffff",
      stroke: n.focal ? "#ffffff" : n.color, "stroke-width": n.focal ? 1 : 2,
      "class": n.focal ? "node focal" : "node outside", "data-id": n.id});
    tooltip(c, "<b>" + esc(n.name) + "</b> (" + esc(n.id) + ")<br>segment: " + esc(n.segment) +
      "<br>region: " + esc(n.region) + "<br>output: " + esc(n.output_text) + "<br>tier: " +
      esc(n.tier) + (n.leader ? "<br>chain leader rank " + n.leader : "") +
      (n.notes.length ? "<br><span class='bad'>" + n.notes.map(esc).join("<br>") + "</span>" : ""));
    if (n.label) {
      var t = el("text", {x: X(n.x) + n.r + 3, y: Y(n.y) - n.r - 2, "font-size": 10,
        fill: "#222", "class": "label"});
      t.textContent = n.label;
    }
    nNodes++;
  });
  // pan and zoom
  var tx = 20, ty = 40, k = Math.min(1, (svg.clientWidth || 1200) / (data.width * S + 40),
    (svg.clientHeight || 700) / ((top + 0.6) * S));
  function apply() { view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + k + ")"); }
  apply();
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var f = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
    var rect = svg.getBoundingClientRect();
    var mx = ev.clientX - rect.left, my = ev.clientY - rect.top;
    tx = mx - (mx - tx) * f; ty = my - (my - ty) * f; k *= f; apply();
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) { drag = [ev.clientX - tx, ev.clientY - ty]; });
  window.addEventListener("pointermove", function (ev) {
    if (drag) { tx = ev.clientX - drag[0]; ty = ev.clientY - drag[1]; apply(); }
  });
  window.addEventListener("pointerup", function () { drag = null; });
  document.body.setAttribute("data-rendered", "1");
  document.body.setAttribute("data-nodes", nNodes);
  document.body.setAttribute("data-links", nLinks);
  document.body.setAttribute("data-segments", data.segments.length);
  document.body.setAttribute("data-ghosts", nGhost);
  document.title = "chaingraph map: " + nNodes + " nodes, " + nLinks + " links";
})();
