// The chain diagram: Cytoscape.js (served from /static/vendor) draws the links of the chain as a
// layered graph; the buttons export it as SVG (cytoscape-svg) or PNG. Labels come from the page's
// JSON and are drawn on a canvas (never inserted as HTML).
(function () {
  "use strict";
  var el = document.getElementById("chain-graph");
  var data = document.getElementById("chain-data");
  if (!el || !data || !window.cytoscape) return;
  var graph = JSON.parse(data.textContent);
  var colours = { finding: "#7a3e9d", inspection: "#1f5f99", inspectorate: "#1f5f99", force: "#1f5f99",
    post: "#0f7b6c", holder: "#0f7b6c", duty: "#9a6700", law: "#9a6700", remedy: "#9a6700",
    recommendation: "#b42318", deadline: "#b42318", status: "#b42318", missing: "#b54708" };
  // One column per step of the chain, left to right; a step's nodes stacked in its column.
  var rows = {};
  var elements = graph.nodes.map(function (n) {
    var level = Number(n.level);
    rows[level] = (rows[level] || 0) + 1;
    return { data: n, position: { x: level * 230, y: (rows[level] - 1) * 90 } };
  })
    .concat(graph.edges.map(function (e) { return { data: e }; }));
  var cy = window.cytoscape({
    container: el,
    elements: elements,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-max-width": "170px", "font-size": "11px",
        "text-valign": "center", "text-halign": "center", "color": "#1d2733", "shape": "round-rectangle",
        "width": "190px", "height": "58px", "background-color": "#fff", "border-width": 2,
        "border-color": function (n) { return colours[n.data("kind")] || "#1f5f99"; } } },
      { selector: "node[status = 'missing']", style: { "border-style": "dashed", "color": "#7a3306",
        "background-color": "#fff7ed" } },
      { selector: "node[status = 'inferred'], node[status = 'background knowledge']",
        style: { "border-style": "double", "border-width": 4 } },
      { selector: "edge", style: { "width": 1.5, "line-color": "#8aa2ba", "target-arrow-color": "#8aa2ba",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(label)",
        "font-size": "9px", "color": "#5f6b78", "text-background-color": "#fff",
        "text-background-opacity": 1, "text-rotation": "autorotate" } }
    ],
    layout: { name: "preset", padding: 20 }
  });
  // Readable rather than whole: at most this small, starting at the finding (drag to pan).
  if (cy.zoom() < 0.7) {
    cy.zoom(0.7);
    cy.pan({ x: 20 + 0.7 * 95, y: el.clientHeight / 2 - 0.7 * 45 });
  }
  cy.on("tap", "node", function (evt) {
    var link = evt.target.data("href");
    if (link) window.location.href = link;
  });
  window.cpkgChainGraph = cy;

  function download(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  var svgButton = document.getElementById("export-svg");
  var pngButton = document.getElementById("export-png");
  if (svgButton && cy.svg) {
    svgButton.addEventListener("click", function () {
      download(new Blob([cy.svg({ full: true, scale: 1, bg: "#ffffff" })], { type: "image/svg+xml" }), "chain.svg");
    });
  } else if (svgButton) {
    svgButton.disabled = true;
  }
  if (pngButton) {
    pngButton.addEventListener("click", function () {
      download(cy.png({ full: true, scale: 2, bg: "#ffffff", output: "blob" }), "chain.png");
    });
  }
})();
