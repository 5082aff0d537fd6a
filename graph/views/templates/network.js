/* Concentric network page: data from #concentric-data, drawn with vis-network.
   Every name is data: hover cards are built with textContent, labels are canvas text. */
(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("concentric-data").textContent);
  // Filled by the web app (graph/render.py with_controls): where a node's page is.
  var controls = JSON.parse(document.getElementById("concentric-controls").textContent);
  var statusEl = document.getElementById("status");
  var PIE_LABEL_PX = 13;

  function card(c) {
    var box = document.createElement("div");
    box.className = "card";
    var heading = document.createElement("div");
    heading.className = "card-heading";
    heading.textContent = c.heading;
    box.appendChild(heading);
    var table = document.createElement("table");
    c.rows.forEach(function (row) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.textContent = row[0];
      var td = document.createElement("td");
      td.textContent = row[1];
      tr.appendChild(th);
      tr.appendChild(td);
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  // A group node: a pie of its status mix, its label under it.
  function pie(mix) {
    return function (p) {
      var ctx = p.ctx, r = p.style.size;
      return {
        drawNode: function () {
          var total = 0;
          mix.forEach(function (m) { total += m[1]; });
          var start = -Math.PI / 2;
          mix.forEach(function (m) {
            if (!m[1]) { return; }
            var end = start + 2 * Math.PI * m[1] / total;
            ctx.beginPath();
            ctx.moveTo(p.x, p.y);
            ctx.arc(p.x, p.y, r, start, end);
            ctx.closePath();
            ctx.fillStyle = data.statusColors[m[0]];
            ctx.fill();
            start = end;
          });
          ctx.beginPath();
          ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
          ctx.lineWidth = (p.state.selected || p.state.hover) ? 3 : 1.5;
          ctx.strokeStyle = "#343a40";
          ctx.stroke();
        },
        drawExternalLabel: function () {
          ctx.font = PIE_LABEL_PX + "px " + data.font;
          ctx.textAlign = "center";
          ctx.textBaseline = "top";
          ctx.fillStyle = "#212529";
          ctx.fillText(p.label, p.x, p.y + r + 4);
        },
        nodeDimensions: { width: 2 * r, height: 2 * r }
      };
    };
  }

  data.nodes.forEach(function (n) {
    n.title = card(n.card);
    delete n.card;
    if (n.mix) {
      n.shape = "custom";
      n.ctxRenderer = pie(n.mix);
    }
  });
  data.edges.forEach(function (e) {
    e.title = card(e.card);
    delete e.card;
  });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(
    document.getElementById("network"), { nodes: nodes, edges: edges }, data.options);
  var physics = data.options.physics.enabled;
  // Reachable from outside the page script (browser tests find a node's place on the canvas).
  window.concentricNetwork = network;

  // On a phone a fitted view is so small that labels shrink to a few pixels: zoom in (around
  // the view's subject, or the middle) until the smallest label is READABLE_PX on screen.
  var READABLE_PX = 12;
  var PHONE_WIDTH = 600;
  function smallestFont() {
    var smallest = data.options.nodes.font.size;
    data.nodes.forEach(function (n) {
      var size = n.mix ? PIE_LABEL_PX : (n.font && n.font.size) || data.options.nodes.font.size;
      if (size < smallest) { smallest = size; }
    });
    return smallest;
  }
  function readable() {
    if (window.innerWidth > PHONE_WIDTH) { return; }
    var scale = READABLE_PX / smallestFont();
    if (network.getScale() >= scale) { return; }
    var focus = data.nodes.filter(function (n) { return n.focus; })[0];
    var view = { scale: scale };
    if (focus) { view.position = network.getPositions([focus.id])[focus.id]; }
    network.moveTo(view);
  }

  // Marks the page as drawn (for tests and tools); nothing is shown to the reader.
  function drawn() {
    document.body.setAttribute("data-drawn-ms", String(Math.round(performance.now() - started)));
  }
  if (physics) {
    network.once("stabilizationIterationsDone", function () {
      physics = false;
      network.setOptions({ physics: { enabled: false } });
      network.fit();
      readable();
      drawn();
    });
  } else {
    network.once("afterDrawing", function () {
      network.fit();
      readable();
      drawn();
    });
  }

  // -- filters: a node shows when its kind's box and (for a target) its status's box are ticked.
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#filters input[type=checkbox]"));
  function ticked(attribute) {
    var on = {};
    boxes.forEach(function (b) {
      var value = b.getAttribute(attribute);
      if (value !== null) { on[value] = b.checked; }
    });
    return on;
  }
  function applyFilters() {
    var kinds = ticked("data-filter-kind"), statuses = ticked("data-filter-status");
    var changes = [];
    nodes.forEach(function (n) {
      var kind = n.kind === "group" ? n.memberKind : n.kind;
      var hidden = kinds[kind] === false || (n.status !== undefined && statuses[n.status] === false);
      if (Boolean(n.hidden) !== hidden) { changes.push({ id: n.id, hidden: hidden }); }
    });
    if (changes.length) { nodes.update(changes); }
  }
  boxes.forEach(function (b) { b.addEventListener("change", applyFilters); });
  applyFilters();

  // -- a click on a node opens its page (in the whole window when the view is framed).
  var links = controls.links || {};
  function pageOf(id) {
    var n = nodes.get(id);
    if (!n || n.kind === "group") { return null; }
    var pattern = links[n.kind];
    if (!pattern) { return null; }
    var url = pattern.split("{id}").join(encodeURIComponent(id));
    if (controls.query) { url += (url.indexOf("?") >= 0 ? "&" : "?") + controls.query; }
    return url;
  }
  network.on("click", function (params) {
    if (params.nodes.length !== 1) { return; }
    var url = pageOf(params.nodes[0]);
    if (url) { (window.top || window).location.assign(url); }
  });
  network.on("hoverNode", function (params) {
    document.getElementById("network").style.cursor = pageOf(params.node) ? "pointer" : "";
  });
  network.on("blurNode", function () { document.getElementById("network").style.cursor = ""; });
  document.body.setAttribute("data-node-links", Object.keys(links).length ? "on" : "off");

  // -- the legend: open where there is room, folded on a phone.
  var fold = document.getElementById("legend-fold");
  if (fold && window.innerWidth > 600) { fold.open = true; }

  document.getElementById("fit").addEventListener("click", function () { network.fit(); });
  document.getElementById("physics").addEventListener("click", function () {
    physics = !physics;
    network.setOptions({ physics: { enabled: physics } });
  });
  function find() {
    var wanted = document.getElementById("find").value.trim().toLowerCase();
    if (!wanted) { return; }
    var hits = nodes.get({ filter: function (n) {
      return String(n.label).toLowerCase().indexOf(wanted) >= 0 || String(n.id).toLowerCase() === wanted;
    } }).map(function (n) { return n.id; });
    network.selectNodes(hits);
    if (hits.length) { network.fit({ nodes: hits, animation: true }); }
    statusEl.textContent = data.text.found.split("{n}").join(String(hits.length));
  }
  document.getElementById("find-button").addEventListener("click", find);
  document.getElementById("find").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { find(); }
  });
})();
