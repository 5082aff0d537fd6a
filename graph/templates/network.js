/* Concentric network page: data from #concentric-data, drawn with vis-network.
   Every name is data: hover cards are built with textContent, labels are canvas text. */
(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("concentric-data").textContent);
  var statusEl = document.getElementById("status");

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
          ctx.font = "13px " + data.font;
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

  function drawn() {
    var ms = Math.round(performance.now() - started);
    document.body.setAttribute("data-drawn-ms", String(ms));
    statusEl.textContent = data.nodes.length + " 节点 nodes · " + ms + " ms";
    console.info("concentric: drew " + data.nodes.length + " nodes and " +
                 data.edges.length + " edges in " + ms + " ms");
  }
  if (physics) {
    network.once("stabilizationIterationsDone", function () {
      physics = false;
      network.setOptions({ physics: { enabled: false } });
      network.fit();
      drawn();
    });
  } else {
    network.once("afterDrawing", drawn);
  }

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
    statusEl.textContent = hits.length + " 个匹配 found";
  }
  document.getElementById("find-button").addEventListener("click", find);
  document.getElementById("find").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { find(); }
  });
})();
