// The query page: YASGUI (served from /static/vendor, no network access needed) wired to this
// service's /sparql endpoint, with the dataset's prefixes and one-click example queries.
//
// - ?query=… opens that query (in a new tab unless the open tab already holds it); &run=1 also
//   runs it. The Share button and the "Link to this query" link give such URLs.
// - Tabs (queries and their last results) persist across reloads in the browser's storage.
// - IRIs of this dataset in results link to this host's pages (CPKG_PUBLIC_BASE aware), in the
//   same window; other IRIs open in a new one.
// - SELECT * columns come in the order the query first mentions them (pyoxigraph sorts them).
// - Results can be shown as a chart or a timeline (results-views.js).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("cpkg-config").textContent);
  var buttons = document.querySelectorAll("button.example");
  var el = document.getElementById("yasgui");
  var permalink = document.getElementById("permalink");
  var yasgui = null;

  function localHref(iri) {
    if (typeof iri === "string" && iri.indexOf(config.canonicalBase) === 0) {
      return config.localBase + iri.slice(config.canonicalBase.length);
    }
    return iri;
  }
  window.cpkgLocalHref = localHref;

  function shareUrl(query, run) {
    return location.origin + location.pathname + "?query=" + encodeURIComponent(query) + (run ? "&run=1" : "");
  }

  // The variables of a SELECT * query, in the order the query text first names them.
  function projectionOrder(query, variables) {
    if (!query || !/\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?\*/i.test(query)) return null;
    var position = {};
    variables.forEach(function (v) {
      var m = new RegExp("[?$]" + v.replace(/[^\w]/g, "") + "(?![\\w])").exec(query);
      position[v] = m ? m.index : Number.MAX_SAFE_INTEGER;
    });
    return variables.slice().sort(function (a, b) { return position[a] - position[b]; });
  }

  function queryOf(yasr) {
    if (!yasgui) return "";
    for (var id in yasgui._tabs) {
      var tab = yasgui._tabs[id];
      if (tab && tab.getYasr && tab.getYasr() === yasr) return savedQuery(tab) || tab.getQuery();
    }
    return "";
  }

  function orderColumns(yasr) {
    var results = yasr.results;
    if (!results || !results.getVariables || results.cpkgOrdered) return;
    var ordered = projectionOrder(queryOf(yasr), results.getVariables() || []);
    results.cpkgOrdered = true;
    if (ordered) results.getVariables = function () { return ordered; };
  }

  function patchTable(Yasr) {
    var Table = Yasr && Yasr.plugins && Yasr.plugins.table;
    if (!Table) return;
    var link = Table.prototype.getUriLinkFromBinding;
    Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
      var html = link.call(this, binding, prefixes);
      var local = localHref(binding.value);
      if (local === binding.value) return html;
      var safe = local.replace(/&/g, "&amp;").replace(/"/g, "%22").replace(/'/g, "%27").replace(/</g, "%3C").replace(/>/g, "%3E");
      return html.replace(/href=(["'])[^"']*\1/, 'href="' + safe + '"')
        .replace(/target=(["'])_blank\1/, 'target="_self"').replace(/\s(ref|rel)=(["'])noopener noreferrer\2/, "");
    };
    // DataTables asks every cell for its sort, search and type-detection text: the library
    // sanitises each as HTML (DOMPurify), ~9 s for 10,000 rows. That text is never inserted as
    // HTML, so the plain value serves; the displayed cells (one page) are still sanitised.
    var columns = Table.prototype.getColumns;
    Table.prototype.getColumns = function () {
      return columns.call(this).map(function (c, i) {
        if (i === 0 || typeof c.render !== "function") return c;
        var render = c.render;
        c.render = function (cell, type, row, meta) {
          if (cell !== "" && (type === "filter" || type === "sort" || type === "type" || !type)) {
            return cell.value;
          }
          return render(cell, type, row, meta);
        };
        return c;
      });
    };
    // Automatic column widths render every row's cell as HTML to find the widest: off.
    Table.defaults.tableConfig.autoWidth = false;
    var draw = Table.prototype.draw;
    Table.prototype.draw = function (persistent) {
      orderColumns(this.yasr);
      return draw.call(this, persistent);
    };
  }

  function scrollToResults(tab) {
    var yasr = tab.getYasr();
    var target = yasr && yasr.rootEl;
    if (target && target.scrollIntoView) target.scrollIntoView({ behavior: "auto", block: "start" });
  }

  function updatePermalink() {
    if (!permalink || !yasgui) return;
    var tab = yasgui.getTab();
    if (tab) permalink.href = shareUrl(tab.getQuery(), false);
  }

  // The query a tab holds, whether or not its editor has been drawn yet (from its saved state).
  function savedQuery(tab) {
    var json = tab.getPersistedJson ? tab.getPersistedJson() : tab.persistentJson;
    return (json && json.yasqe && json.yasqe.value) || "";
  }

  function findTabWith(query) {
    for (var id in yasgui._tabs) {
      var tab = yasgui._tabs[id];
      if (tab && savedQuery(tab).trim() === query.trim()) return tab;
    }
    return null;
  }

  // ?query=… (and &run=1) from the address, as the Share link writes it.
  function openFromUrl() {
    var params = new URLSearchParams(location.search);
    var hash = new URLSearchParams(location.hash.replace(/^#/, ""));  // YASGUI's own links
    if (!params.get("query") && hash.get("query")) params = hash;
    var query = params.get("query");
    if (!query) return;
    var tab = findTabWith(query);
    if (!tab) {
      tab = yasgui.addTab(true);
      tab.setQuery(query);
    } else if (yasgui.getTab() !== tab) {
      yasgui.selectTabId(tab.getId());
      tab = yasgui.getTab();
    }
    if (params.get("run") === "1" || params.get("run") === "true") {
      tab.query();
      pendingScroll = true;
    }
  }

  // YASGUI's markup, made accessible: its tab list holds a "+" button (not allowed in an ARIA
  // tablist), so the tabs are plain links marked current; the editor's hidden textarea gets a
  // label and its scroll box a keyboard focus. Re-applied whenever YASGUI redraws.
  function fixAccessibility(root) {
    root.querySelectorAll(".tabsList[role=tablist]").forEach(function (list) { list.removeAttribute("role"); });
    root.querySelectorAll(".tabsList a[role=tab]").forEach(function (tab) {
      var current = tab.getAttribute("aria-selected") === "true";
      tab.removeAttribute("role");
      tab.removeAttribute("aria-selected");
      if (current) tab.setAttribute("aria-current", "true"); else tab.removeAttribute("aria-current");
    });
    root.querySelectorAll(".tabsList [role=presentation]").forEach(function (el) { el.removeAttribute("role"); });
    root.querySelectorAll(".tabsList input:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", "Tab name"); });
    root.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", "SPARQL query"); });
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])").forEach(function (el) { el.setAttribute("tabindex", "0"); });
    root.querySelectorAll(".tableSizer:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", "Rows per page"); });
    root.querySelectorAll(".tableFilter:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", "Filter query results"); });
    root.querySelectorAll("[role=tabpanel]:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", "Query tab"); });
  }

  var pendingScroll = false;
  if (el && window.Yasgui) {
    var Yasqe = window.Yasgui.Yasqe;
    var Yasr = window.Yasgui.Yasr;
    // Only local completers: class/property completion would call lov.linkeddata.es.
    Yasqe.defaults.autocompleters = ["prefixes", "variables"];
    Yasqe.defaults.prefixCcApi = null;
    Yasqe.defaults.value = config.defaultQuery;
    patchTable(Yasr);
    // The Share button gives the same short URL as "Link to this query".
    if (window.Yasgui.Tab) {
      window.Yasgui.Tab.prototype.getShareableLink = function () { return shareUrl(this.getQuery(), false); };
    }
    if (window.cpkgRegisterResultViews) window.cpkgRegisterResultViews(Yasr, localHref);
    yasgui = new window.Yasgui(el, {
      requestConfig: { endpoint: config.endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      autofocus: false,
      persistenceId: "cpkg-query-tabs",
      populateFromUrl: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
      yasqe: {
        value: config.defaultQuery,
        prefixCcApi: null,
        createShareableLink: function (yasqe) { return shareUrl(yasqe.getValue(), false); },
        consumeShareLink: null
      },
      yasr: {
        prefixes: config.prefixes,
        pluginOrder: ["table", "chart", "timeline", "response"],
        defaultPlugin: "table"
      }
    });
    window.cpkgYasgui = yasgui;
    yasgui.on("queryResponse", function (_y, tab) {
      if (pendingScroll) {
        pendingScroll = false;
        setTimeout(function () { scrollToResults(tab); }, 0);
      }
    });
    yasgui.on("tabSelect", function () { setTimeout(updatePermalink, 0); });
    yasgui.on("tabChange", updatePermalink);
    openFromUrl();
    updatePermalink();
    fixAccessibility(el);
    var fixing = false;
    new MutationObserver(function () {
      if (fixing) return;
      fixing = true;
      window.requestAnimationFrame(function () { fixAccessibility(el); fixing = false; });
    }).observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ["role", "aria-selected"] });
    // YASGUI may focus its editor while loading: the page opens at the top, with the menu.
    window.scrollTo(0, 0);
  }

  function load(index, run) {
    var example = config.examples[index];
    if (!example) return;
    buttons.forEach(function (b) { b.classList.toggle("active", Number(b.dataset.index) === index); });
    if (yasgui) {
      var tab = yasgui.getTab();
      tab.setQuery(example.text);
      updatePermalink();
      if (run) {
        pendingScroll = true;
        tab.query();
      }
    } else {
      var area = document.getElementById("plain-query");
      if (area) area.value = example.text;
    }
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () { load(Number(b.dataset.index), true); });
  });
})();
