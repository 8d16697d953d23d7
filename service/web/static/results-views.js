// Two more views of SELECT results for YASR (the result pane of the query page):
// - "Chart": a bar chart (Chart.js, served from /static/vendor) of the first numeric column
//   against the first other column, e.g. findings per inspection;
// - "Timeline": the rows in date order, grouped by year, for results with a date column.
// Values are shown as text (textContent), never as HTML; IRIs of this dataset link here.
(function () {
  "use strict";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
    "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong"];
  var DATES = ["date", "dateTime", "gYear", "gYearMonth"];
  var MAX_BARS = 60;

  function bindings(yasr) {
    var results = yasr.results;
    if (!results || !results.getBindings || !results.getVariables) return null;
    var rows = results.getBindings();
    var vars = results.getVariables();
    return rows && rows.length && vars && vars.length ? { rows: rows, vars: vars } : null;
  }

  function isTyped(term, types) {
    return !!term && term.type !== "uri" && !!term.datatype &&
      types.indexOf(term.datatype.replace(XSD, "")) >= 0 && term.datatype.indexOf(XSD) === 0;
  }

  function column(data, types) {
    return data.vars.find(function (v) {
      var seen = 0;
      var ok = data.rows.every(function (r) { if (!r[v]) return true; seen++; return isTyped(r[v], types); });
      return ok && seen > 0;
    });
  }

  function shortName(term, prefixes) {
    if (!term) return "";
    if (term.type !== "uri") return term.value;
    for (var p in prefixes) {
      if (term.value.indexOf(prefixes[p]) === 0) return p + ":" + term.value.slice(prefixes[p].length);
    }
    return term.value;
  }

  function icon(text) {
    var span = document.createElement("span");
    span.className = "cpkg-plugin-icon";
    span.textContent = text;
    return span;
  }

  function register(Yasr, localHref) {
    if (!Yasr || !Yasr.registerPlugin) return;

    function ChartView(yasr) { this.yasr = yasr; this.chart = null; }
    ChartView.prototype.priority = 5;
    ChartView.prototype.label = "Chart";
    ChartView.prototype.helpReference = "https://www.chartjs.org/";
    ChartView.prototype.getIcon = function () { return icon("▥"); };
    ChartView.prototype.canHandleResults = function () {
      var data = bindings(this.yasr);
      return !!(window.Chart && data && data.vars.length > 1 && column(data, NUMERIC));
    };
    ChartView.prototype.draw = function () {
      var data = bindings(this.yasr);
      var value = column(data, NUMERIC);
      var label = data.vars.find(function (v) { return v !== value; });
      var prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : {};
      var rows = data.rows.slice(0, MAX_BARS);
      var wrap = document.createElement("div");
      wrap.className = "cpkg-chart";
      var note = document.createElement("p");
      note.className = "small muted";
      note.textContent = "?" + value + " by ?" + label + (data.rows.length > MAX_BARS ? " (first " + MAX_BARS + " rows)" : "");
      var canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "Bar chart of ?" + value + " by ?" + label + "; the table view has the same numbers");
      wrap.appendChild(note);
      wrap.appendChild(canvas);
      this.yasr.resultsEl.appendChild(wrap);
      if (this.chart) this.chart.destroy();
      this.chart = new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return shortName(r[label], prefixes); }),
          datasets: [{ label: "?" + value, data: rows.map(function (r) { return r[value] ? Number(r[value].value) : 0; }),
            backgroundColor: "#1f5f99" }]
        },
        options: { indexAxis: rows.length > 8 ? "y" : "x", responsive: true, maintainAspectRatio: false, animation: false }
      });
      canvas.parentNode.style.height = Math.max(260, Math.min(rows.length * 26 + 80, 1600)) + "px";
    };
    ChartView.prototype.destroy = function () { if (this.chart) { this.chart.destroy(); this.chart = null; } };

    function TimelineView(yasr) { this.yasr = yasr; }
    TimelineView.prototype.priority = 4;
    TimelineView.prototype.label = "Timeline";
    TimelineView.prototype.getIcon = function () { return icon("⋮"); };
    TimelineView.prototype.canHandleResults = function () {
      var data = bindings(this.yasr);
      return !!(data && column(data, DATES));
    };
    TimelineView.prototype.draw = function () {
      var data = bindings(this.yasr);
      var dateVar = column(data, DATES);
      var prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : {};
      var rows = data.rows.filter(function (r) { return r[dateVar]; }).slice();
      rows.sort(function (a, b) { return a[dateVar].value < b[dateVar].value ? -1 : a[dateVar].value > b[dateVar].value ? 1 : 0; });
      var list = document.createElement("ol");
      list.className = "cpkg-timeline";
      var year = null;
      rows.forEach(function (r) {
        var y = r[dateVar].value.slice(0, 4);
        if (y !== year) {
          year = y;
          var head = document.createElement("li");
          head.className = "year";
          head.textContent = y;
          list.appendChild(head);
        }
        var item = document.createElement("li");
        var when = document.createElement("time");
        when.dateTime = r[dateVar].value;
        when.textContent = r[dateVar].value;
        item.appendChild(when);
        data.vars.forEach(function (v) {
          if (v === dateVar || !r[v]) return;
          var cell = document.createElement("span");
          cell.className = "cell";
          if (r[v].type === "uri") {
            var a = document.createElement("a");
            a.href = localHref(r[v].value);
            a.textContent = shortName(r[v], prefixes);
            cell.appendChild(a);
          } else {
            cell.textContent = r[v].value;
          }
          item.appendChild(cell);
        });
        list.appendChild(item);
      });
      this.yasr.resultsEl.appendChild(list);
    };

    Yasr.registerPlugin("chart", ChartView);
    Yasr.registerPlugin("timeline", TimelineView);
  }

  window.cpkgRegisterResultViews = register;
})();
